/*
 * kiln's <unistd.h>: wasi-libc's, plus the declarations of what kiln's libc
 * supplement (libkiln-rt.a) defines. See rt/include/stdio.h.
 */
#ifndef KILN_RT_UNISTD_H
#define KILN_RT_UNISTD_H

#include_next <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* WASI preview 1 files have no owner: these succeed without changing
 * anything when the file exists, and fail as stat() would otherwise. */
int chown(const char *, uid_t, gid_t);
int fchown(int, uid_t, gid_t);
int lchown(const char *, uid_t, gid_t);
int fchownat(int, const char *, uid_t, gid_t, int);

/* WASI preview 1 has no processes: these fail with ENOSYS. */
pid_t fork(void);
int execve(const char *, char *const [], char *const []);
int execv(const char *, char *const []);
int execvp(const char *, char *const []);
int execl(const char *, const char *, ...);
int execle(const char *, const char *, ...);
int execlp(const char *, const char *, ...);
#if defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
pid_t vfork(void);
#endif

#ifdef __cplusplus
}
#endif

#endif
