/*
 * perm.c — permissions and owners, which WASI preview 1 files do not have:
 *
 *   chmod, fchmod, fchmodat,  succeed without changing anything when the file
 *   chown, fchown, lchown,    exists, and fail as stat() would when it does
 *   fchownat                  not (ENOENT, ENOTCAPABLE outside the preopens)
 *   umask                     keeps the mask and returns the previous one
 *                             (initially 022); nothing applies it
 *
 * A no-op rather than ENOSYS: programs set modes on files they have just
 * written (installers, archivers, compilers, sqlite) and treat a failure as
 * fatal, while on WASI there is nothing a mode could change. stat() reports
 * no permission bits either (wasi-libc's st_mode holds the file type only).
 */
#include <sys/stat.h>
#include <unistd.h>

int chmod(const char *path, mode_t mode)
{
    struct stat st;
    (void)mode;
    return stat(path, &st);
}

int fchmod(int fd, mode_t mode)
{
    struct stat st;
    (void)mode;
    return fstat(fd, &st);
}

int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
    struct stat st;
    (void)mode;
    return fstatat(dirfd, path, &st, flags);
}

int chown(const char *path, uid_t uid, gid_t gid)
{
    struct stat st;
    (void)uid;
    (void)gid;
    return stat(path, &st);
}

int lchown(const char *path, uid_t uid, gid_t gid)
{
    struct stat st;
    (void)uid;
    (void)gid;
    return lstat(path, &st);
}

int fchown(int fd, uid_t uid, gid_t gid)
{
    struct stat st;
    (void)uid;
    (void)gid;
    return fstat(fd, &st);
}

int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
    struct stat st;
    (void)uid;
    (void)gid;
    return fstatat(dirfd, path, &st, flags);
}

static mode_t current_umask = 022;

mode_t umask(mode_t mask)
{
    mode_t old = current_umask;
    current_umask = mask & 0777;
    return old;
}
