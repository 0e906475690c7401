/*
 * kiln's <stdlib.h>: wasi-libc's, plus the declarations of what kiln's libc
 * supplement (libkiln-rt.a) defines. See rt/include/stdio.h.
 */
#ifndef KILN_RT_STDLIB_H
#define KILN_RT_STDLIB_H

#include_next <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_POSIX_SOURCE) || defined(_POSIX_C_SOURCE) \
 || defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) \
 || defined(_BSD_SOURCE)
/* Files and directories where the template says; it must lie in a
 * preopened directory. */
int mkstemp(char *);
int mkostemp(char *, int);
char *mkdtemp(char *);

/* The status decoders, for the value system() would return (it returns
 * -1: WASI has no processes). The same bits as Linux. */
#ifndef WEXITSTATUS
#define WNOHANG 1
#define WUNTRACED 2
#define WEXITSTATUS(s) (((s) & 0xff00) >> 8)
#define WTERMSIG(s) ((s) & 0x7f)
#define WSTOPSIG(s) WEXITSTATUS(s)
#define WIFEXITED(s) (!WTERMSIG(s))
#define WIFSTOPPED(s) ((short)((((s) & 0xffff) * 0x10001) >> 8) > 0x7f00)
#define WIFSIGNALED(s) (((s) & 0xffff) - 1U < 0xffu)
#endif
#endif

#if defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
char *mktemp(char *);
int mkstemps(char *, int);
int mkostemps(char *, int, int);
#endif

#ifdef __cplusplus
}
#endif

#endif
