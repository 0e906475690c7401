/*
 * stdio_lock.c — flockfile, ftrylockfile, funlockfile: wasm32-wasi programs
 * have one thread, so the locks are no-ops and ftrylockfile always gets the
 * lock (returns 0). wasi-libc declares them only with _REENTRANT.
 */
#include <stdio.h>

void flockfile(FILE *f) { (void)f; }
int ftrylockfile(FILE *f) { (void)f; return 0; }
void funlockfile(FILE *f) { (void)f; }
