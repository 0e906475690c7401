/*
 * kiln's <sys/stat.h>: wasi-libc's, plus the declarations of what kiln's
 * libc supplement (libkiln-rt.a) defines. See rt/include/stdio.h.
 */
#ifndef KILN_RT_SYS_STAT_H
#define KILN_RT_SYS_STAT_H

#include_next <sys/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

/* WASI preview 1 files have no permission bits: these succeed without
 * changing anything when the file exists, and fail as stat() would
 * otherwise. umask keeps the mask it is given and applies it nowhere. */
int chmod(const char *, mode_t);
int fchmod(int, mode_t);
int fchmodat(int, const char *, mode_t, int);
mode_t umask(mode_t);

#ifdef __cplusplus
}
#endif

#endif
