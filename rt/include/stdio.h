/*
 * kiln's <stdio.h>: wasi-libc's, plus the declarations of what kiln's libc
 * supplement (libkiln-rt.a, linked by kiln-cc) defines. kiln-cc puts this
 * directory just before wasi-libc's headers; each header here includes
 * wasi-libc's own with #include_next. docs/toolchain.md says what every
 * function does on WASI.
 */
#ifndef KILN_RT_STDIO_H
#define KILN_RT_STDIO_H

/* wasi-libc declares these two as deprecated ("not defined on WASI"), and
 * a deprecation cannot be taken back by a later declaration: its
 * declarations are renamed out of the way instead. */
#define tmpnam __kiln_wasilibc_tmpnam
#define tmpfile __kiln_wasilibc_tmpfile
#include_next <stdio.h>
#undef tmpnam
#undef tmpfile

#ifdef __cplusplus
extern "C" {
#endif

/* In $TMPDIR, or /tmp: the directory must be preopened (kiln run --dir). */
#ifndef L_tmpnam
#define TMP_MAX 10000
#define L_tmpnam 20
#endif
FILE *tmpfile(void);
char *tmpnam(char *);

#if defined(_POSIX_SOURCE) || defined(_POSIX_C_SOURCE) \
 || defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) \
 || defined(_BSD_SOURCE)
/* No processes in WASI: popen fails with ENOSYS. */
FILE *popen(const char *, const char *);
int pclose(FILE *);
/* One thread: the locks are no-ops. */
void flockfile(FILE *);
int ftrylockfile(FILE *);
void funlockfile(FILE *);
#endif

#if defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) \
 || defined(_BSD_SOURCE)
#ifndef P_tmpdir
#define P_tmpdir "/tmp"
#endif
char *tempnam(const char *, const char *);
#endif

#ifdef __cplusplus
}
#endif

#endif
