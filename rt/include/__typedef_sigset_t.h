/*
 * sigset_t as musl and glibc have it (128 bytes of bits). wasi-libc's is a
 * placeholder, one unsigned char, which cannot hold its own 64 signals;
 * kiln's sigaddset and friends (rt/signal.c) need the real thing. wasi-libc
 * itself only passes sigset_t by pointer (ppoll, pselect), so the size is
 * the program's business. Same guard as wasi-libc's header, which this one
 * shadows (kiln-rt/include comes first on kiln-cc's include path).
 */
#ifndef __wasilibc___typedef_sigset_t_h
#define __wasilibc___typedef_sigset_t_h

typedef struct __sigset_t {
    unsigned long __bits[128 / sizeof(long)];
} sigset_t;

#endif
