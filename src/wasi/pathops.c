/* pathops.c — the path_* functions of preview1. Every path is resolved by
 * path.c beneath the directory the guest names; nothing here passes a
 * guest string containing '/' to the kernel except through it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

uint32_t wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

/* The directory entry for fd with `need`, and the guest path copied. */
static uint32_t dir_and_path(WASI_MEM, uint32_t fd, uint64_t need, uint32_t path, uint32_t len,
                             wasi_fd **e, char **s) {
    *s = NULL;
    uint32_t r = wasi_fd_get(w, fd, need, e);
    if (r) return r;
    if ((*e)->filetype != WASI_FILETYPE_DIRECTORY || (*e)->kind != WASI_FD_HOST) return WASI_ENOTDIR;
    return wasi_path_copy(mem, memsize, path, len, s);
}

/* Does the name exist, and is it a directory? */
static int kind_of(int dirfd, const char *name, bool *is_dir) {
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno;
    *is_dir = S_ISDIR(st.st_mode);
    return 0;
}

/* A path of /proc/self/fd/N: how to name an O_PATH fd to calls that take no
 * AT_EMPTY_PATH without privilege (linkat, utimensat). */
static void proc_fd_path(char *buf, size_t size, int fd) {
    snprintf(buf, size, "/proc/self/fd/%d", fd);
}

uint32_t wasi_path_open(WASI_MEM, uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t len,
                        uint32_t oflags, uint64_t base, uint64_t inh, uint32_t fdflags, uint32_t ret) {
    wasi_fd *d;
    char *s;
    uint32_t r = dir_and_path(w, mem, memsize, fd, WASI_RIGHT_PATH_OPEN, path, len, &d, &s);
    if (r) return r;
    uint64_t need = 0;
    if (oflags & WASI_OFLAG_CREAT) need |= WASI_RIGHT_PATH_CREATE_FILE;
    if (oflags & WASI_OFLAG_TRUNC) need |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
    if ((d->rights_base & need) != need) { r = WASI_ENOTCAPABLE; goto out; }
    if (oflags & ~0xfu || fdflags & ~0x1fu) { r = WASI_EINVAL; goto out; }
    if (!wasi_mem_ok(memsize, ret, 4)) { r = WASI_EFAULT; goto out; }

    int fl = O_NOCTTY;
    const uint64_t wr = WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_FILESTAT_SET_SIZE;
    const uint64_t rd = WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR;
    if (oflags & WASI_OFLAG_DIRECTORY) {
        if (oflags & (WASI_OFLAG_CREAT | WASI_OFLAG_TRUNC)) { r = WASI_EINVAL; goto out; }
        /* Write access to a directory is EISDIR, as open(2) says. */
        fl |= ((base & WASI_RIGHT_FD_WRITE) ? O_RDWR : O_RDONLY) | O_DIRECTORY;
    } else if (base & wr) {
        fl |= (base & rd) ? O_RDWR : O_WRONLY;
    } else {
        fl |= O_RDONLY;
    }
    if (oflags & WASI_OFLAG_CREAT) fl |= O_CREAT;
    if (oflags & WASI_OFLAG_EXCL) fl |= O_EXCL;
    if (oflags & WASI_OFLAG_TRUNC) fl |= O_TRUNC;
    if (!(dirflags & WASI_LOOKUP_SYMLINK_FOLLOW)) fl |= O_NOFOLLOW;
    if (fdflags & WASI_FDFLAG_APPEND) fl |= O_APPEND;
    if (fdflags & WASI_FDFLAG_DSYNC) fl |= O_DSYNC;
    if (fdflags & WASI_FDFLAG_SYNC) fl |= O_SYNC;
    if (fdflags & WASI_FDFLAG_RSYNC) fl |= O_RSYNC;
    if (fdflags & WASI_FDFLAG_NONBLOCK) fl |= O_NONBLOCK;

    uint16_t err = 0;
    int h = wasi_open_beneath(w, d->host, s, fl, 0666, &err);
    if (h < 0 && err == WASI_EISDIR && (fl & O_ACCMODE) != O_RDONLY &&
        !(fl & (O_CREAT | O_TRUNC)) && !(base & (WASI_RIGHT_FD_WRITE))) {
        /* Rights such as fd_filestat_set_size asked for on a directory:
         * they do not apply to it, so open it the only way it opens. */
        fl = (fl & ~O_ACCMODE) | O_RDONLY;
        h = wasi_open_beneath(w, d->host, s, fl, 0666, &err);
    }
    if (h < 0) {
        /* O_NOFOLLOW on a symlink: Linux says ELOOP, or ENOTDIR when a
         * directory was wanted; both mean "that is a symlink". */
        r = err;
        goto out;
    }
    struct stat st;
    if (fstat(h, &st) != 0) { r = wasi_errno_from_host(errno); close(h); goto out; }
    wasi_fd e = {.kind = WASI_FD_HOST, .filetype = wasi_filetype_of_mode(st.st_mode), .stream = 3,
                 .owned = true, .host = h};
    e.counted_file = e.filetype == WASI_FILETYPE_REGULAR_FILE;
    /* The new fd gets what it asked for, within what the directory may hand
     * down and what applies to its type (see docs: rights). */
    e.rights_base = base & d->rights_inheriting & wasi_rights_for_type(e.filetype);
    e.rights_inheriting = inh & d->rights_inheriting;
    uint32_t nfd;
    if ((r = wasi_fd_insert(w, &e, &nfd))) { close(h); goto out; }
    wasi_st32(mem, ret, nfd);
out:
    free(s);
    return r;
}

uint32_t wasi_path_create_directory(WASI_MEM, uint32_t fd, uint32_t path, uint32_t len) {
    wasi_fd *d;
    char *s;
    uint32_t r = dir_and_path(w, mem, memsize, fd, WASI_RIGHT_PATH_CREATE_DIRECTORY, path, len, &d, &s);
    if (r) return r;
    wasi_parent p;
    if (!(r = wasi_resolve_parent(w, d->host, s, &p))) {
        if (mkdirat(p.fd, p.name, 0777) != 0) r = wasi_errno_from_host(errno);
        wasi_parent_free(&p);
    }
    free(s);
    return r;
}

uint32_t wasi_path_filestat_get(WASI_MEM, uint32_t fd, uint32_t flags, uint32_t path, uint32_t len, uint32_t ret) {
    wasi_fd *d;
    char *s;
    uint32_t r = dir_and_path(w, mem, memsize, fd, WASI_RIGHT_PATH_FILESTAT_GET, path, len, &d, &s);
    if (r) return r;
    if (!wasi_mem_ok(memsize, ret, WASI_FILESTAT_SIZE)) { free(s); return WASI_EFAULT; }
    wasi_parent p;
    struct stat st;
    if ((r = wasi_resolve_parent(w, d->host, s, &p))) goto out;
    if ((flags & WASI_LOOKUP_SYMLINK_FOLLOW) || p.trailing_slash) {
        /* Follow the link, beneath the directory like any walk. A trailing
         * slash follows too, as POSIX says, and needs a directory. */
        uint16_t err = 0;
        int h = wasi_open_beneath(w, d->host, s, O_PATH | (p.trailing_slash ? O_DIRECTORY : 0), 0, &err);
        if (h < 0) r = err;
        else {
            if (fstat(h, &st) != 0) r = wasi_errno_from_host(errno);
            close(h);
        }
    } else if (fstatat(p.fd, p.name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        r = wasi_errno_from_host(errno);
    }
    wasi_parent_free(&p);
    if (!r) r = wasi_stat_write(mem, memsize, ret, &st);
out:
    free(s);
    return r;
}

uint32_t wasi_path_filestat_set_times(WASI_MEM, uint32_t fd, uint32_t flags, uint32_t path, uint32_t len,
                                      uint64_t atim, uint64_t mtim, uint32_t fst) {
    wasi_fd *d;
    char *s;
    uint32_t r = dir_and_path(w, mem, memsize, fd, WASI_RIGHT_PATH_FILESTAT_SET_TIMES, path, len, &d, &s);
    if (r) return r;
    struct timespec ts[2];
    wasi_parent p;
    if ((r = wasi_times(atim, mtim, fst, ts))) goto out;
    if ((r = wasi_resolve_parent(w, d->host, s, &p))) goto out;
    if ((flags & WASI_LOOKUP_SYMLINK_FOLLOW) || p.trailing_slash) {
        uint16_t err = 0;
        int h = wasi_open_beneath(w, d->host, s, O_PATH | (p.trailing_slash ? O_DIRECTORY : 0), 0, &err);
        if (h < 0) r = err;
        else {
            char pp[64];
            proc_fd_path(pp, sizeof pp, h);
            if (utimensat(AT_FDCWD, pp, ts, 0) != 0) r = wasi_errno_from_host(errno);
            close(h);
        }
    } else if (utimensat(p.fd, p.name, ts, AT_SYMLINK_NOFOLLOW) != 0) {
        r = wasi_errno_from_host(errno);
    }
    wasi_parent_free(&p);
out:
    free(s);
    return r;
}

uint32_t wasi_path_link(WASI_MEM, uint32_t ofd, uint32_t oflags, uint32_t opath, uint32_t olen,
                        uint32_t nfd, uint32_t npath, uint32_t nlen) {
    wasi_fd *od, *nd;
    char *os = NULL, *ns = NULL;
    wasi_parent op = {.fd = -1}, np = {.fd = -1};
    uint32_t r = dir_and_path(w, mem, memsize, ofd, WASI_RIGHT_PATH_LINK_SOURCE, opath, olen, &od, &os);
    if (r) goto out;
    if ((r = dir_and_path(w, mem, memsize, nfd, WASI_RIGHT_PATH_LINK_TARGET, npath, nlen, &nd, &ns))) goto out;
    if ((r = wasi_resolve_parent(w, od->host, os, &op))) goto out;
    if ((r = wasi_resolve_parent(w, nd->host, ns, &np))) goto out;
    bool is_dir = false;
    int e = kind_of(op.fd, op.name, &is_dir);
    if (e) { r = wasi_errno_from_host(e); goto out; }
    if (op.trailing_slash && !is_dir) { r = WASI_ENOTDIR; goto out; }
    if (np.trailing_slash) {
        bool nd_dir;
        e = kind_of(np.fd, np.name, &nd_dir);
        r = e == 0 ? WASI_EEXIST : (is_dir ? WASI_EPERM : WASI_ENOENT);
        goto out;
    }
    if (oflags & WASI_LOOKUP_SYMLINK_FOLLOW) {
        uint16_t err = 0;
        int h = wasi_open_beneath(w, od->host, os, O_PATH, 0, &err);
        if (h < 0) { r = err; goto out; }
        char pp[64];
        proc_fd_path(pp, sizeof pp, h);
        if (linkat(AT_FDCWD, pp, np.fd, np.name, AT_SYMLINK_FOLLOW) != 0) r = wasi_errno_from_host(errno);
        close(h);
    } else if (linkat(op.fd, op.name, np.fd, np.name, 0) != 0) {
        r = wasi_errno_from_host(errno);
    }
out:
    wasi_parent_free(&op);
    wasi_parent_free(&np);
    free(os);
    free(ns);
    return r;
}

uint32_t wasi_path_readlink(WASI_MEM, uint32_t fd, uint32_t path, uint32_t len, uint32_t buf,
                            uint32_t buflen, uint32_t ret) {
    wasi_fd *d;
    char *s;
    uint32_t r = dir_and_path(w, mem, memsize, fd, WASI_RIGHT_PATH_READLINK, path, len, &d, &s);
    if (r) return r;
    if (!wasi_mem_ok(memsize, buf, buflen) || !wasi_mem_ok(memsize, ret, 4)) { free(s); return WASI_EFAULT; }
    wasi_parent p;
    if (!(r = wasi_resolve_parent(w, d->host, s, &p))) {
        char target[PATH_MAX];
        ssize_t n = p.trailing_slash ? (errno = ENOTDIR, -1)
                                     : readlinkat(p.fd, p.name, target, sizeof target);
        if (n < 0) r = wasi_errno_from_host(errno);
        else {
            /* A short buffer gets the start of the target, as readlink(2)
             * does; the count says how much. */
            size_t k = (size_t)n < buflen ? (size_t)n : buflen;
            memcpy(mem + buf, target, k);
            wasi_st32(mem, ret, (uint32_t)k);
        }
        wasi_parent_free(&p);
    }
    free(s);
    return r;
}

uint32_t wasi_path_remove_directory(WASI_MEM, uint32_t fd, uint32_t path, uint32_t len) {
    wasi_fd *d;
    char *s;
    uint32_t r = dir_and_path(w, mem, memsize, fd, WASI_RIGHT_PATH_REMOVE_DIRECTORY, path, len, &d, &s);
    if (r) return r;
    wasi_parent p;
    if (!(r = wasi_resolve_parent(w, d->host, s, &p))) {
        if (unlinkat(p.fd, p.name, AT_REMOVEDIR) != 0) r = wasi_errno_from_host(errno);
        wasi_parent_free(&p);
    }
    free(s);
    return r;
}

uint32_t wasi_path_rename(WASI_MEM, uint32_t fd, uint32_t opath, uint32_t olen, uint32_t nfd,
                          uint32_t npath, uint32_t nlen) {
    wasi_fd *od, *nd;
    char *os = NULL, *ns = NULL;
    wasi_parent op = {.fd = -1}, np = {.fd = -1};
    uint32_t r = dir_and_path(w, mem, memsize, fd, WASI_RIGHT_PATH_RENAME_SOURCE, opath, olen, &od, &os);
    if (r) goto out;
    if ((r = dir_and_path(w, mem, memsize, nfd, WASI_RIGHT_PATH_RENAME_TARGET, npath, nlen, &nd, &ns))) goto out;
    if ((r = wasi_resolve_parent(w, od->host, os, &op))) goto out;
    if ((r = wasi_resolve_parent(w, nd->host, ns, &np))) goto out;
    if (op.trailing_slash || np.trailing_slash) {
        /* Trailing slashes are fine on a directory and wrong on anything
         * else: the names we pass the kernel have none left. */
        bool is_dir = false;
        int e = kind_of(op.fd, op.name, &is_dir);
        if (e) { r = wasi_errno_from_host(e); goto out; }
        if (!is_dir) { r = WASI_ENOTDIR; goto out; }
    }
    if (renameat(op.fd, op.name, np.fd, np.name) != 0) r = wasi_errno_from_host(errno);
out:
    wasi_parent_free(&op);
    wasi_parent_free(&np);
    free(os);
    free(ns);
    return r;
}

uint32_t wasi_path_symlink(WASI_MEM, uint32_t opath, uint32_t olen, uint32_t fd, uint32_t npath, uint32_t nlen) {
    wasi_fd *d;
    char *ns = NULL, *target = NULL;
    uint32_t r = dir_and_path(w, mem, memsize, fd, WASI_RIGHT_PATH_SYMLINK, npath, nlen, &d, &ns);
    if (r) return r;
    if ((r = wasi_path_copy(mem, memsize, opath, olen, &target))) goto out;
    /* The link's text is stored, not followed, and every walk refuses to
     * follow one out of the sandbox; still, an absolute target can only ever
     * mean the host's root, so refuse to make one at all. */
    if (target[0] == '/') { r = WASI_ENOTCAPABLE; goto out; }
    wasi_parent p;
    if ((r = wasi_resolve_parent(w, d->host, ns, &p))) goto out;
    if (p.trailing_slash) {
        bool is_dir = false;
        int e = kind_of(p.fd, p.name, &is_dir);
        r = e ? WASI_ENOENT : is_dir ? WASI_EEXIST : WASI_ENOTDIR;
    } else if (symlinkat(target, p.fd, p.name) != 0) {
        r = wasi_errno_from_host(errno);
    }
    wasi_parent_free(&p);
out:
    free(ns);
    free(target);
    return r;
}

uint32_t wasi_path_unlink_file(WASI_MEM, uint32_t fd, uint32_t path, uint32_t len) {
    wasi_fd *d;
    char *s;
    uint32_t r = dir_and_path(w, mem, memsize, fd, WASI_RIGHT_PATH_UNLINK_FILE, path, len, &d, &s);
    if (r) return r;
    wasi_parent p;
    if (!(r = wasi_resolve_parent(w, d->host, s, &p))) {
        bool is_dir = false;
        int e = kind_of(p.fd, p.name, &is_dir);
        if (e) r = wasi_errno_from_host(e);
        else if (is_dir) r = WASI_EISDIR;
        else if (p.trailing_slash) r = WASI_ENOTDIR;
        else if (unlinkat(p.fd, p.name, 0) != 0) r = wasi_errno_from_host(errno);
        wasi_parent_free(&p);
    }
    free(s);
    return r;
}
