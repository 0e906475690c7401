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

#ifdef __cplusplus
}
#endif

#endif
