/* fd.c — the fd_* functions of preview1: reading, writing, seeking, stat,
 * flags and rights, closing and renumbering, preopen names and readdir. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

/* ---------------------------------------------------------------- read/write */

static uint32_t rw(WASI_MEM, uint32_t fd, uint64_t right, uint32_t iovs, uint32_t n,
                   int64_t off, uint32_t ret, bool write) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, right, &e);
    if (r) return r;
    if (!wasi_mem_ok(memsize, ret, 4)) return WASI_EFAULT;
    struct iovec *v;
    size_t total, done = 0;
    if ((r = wasi_iovecs(mem, memsize, iovs, n, &v, &total))) return r;
    r = write ? wasi_io_write(w, e, v, (int)n, total, off, &done)
              : wasi_io_read(w, e, v, (int)n, total, off, &done);
    free(v);
    if (r) return r;
    wasi_st32(mem, ret, (uint32_t)done);
    return 0;
}

uint32_t wasi_fd_read(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t ret) {
    return rw(w, mem, memsize, fd, WASI_RIGHT_FD_READ, iovs, n, -1, ret, false);
}

uint32_t wasi_fd_write(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t ret) {
    return rw(w, mem, memsize, fd, WASI_RIGHT_FD_WRITE, iovs, n, -1, ret, true);
}

uint32_t wasi_fd_pread(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t off, uint32_t ret) {
    if (off > INT64_MAX) return WASI_EINVAL;
    return rw(w, mem, memsize, fd, WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK, iovs, n, (int64_t)off, ret, false);
}

uint32_t wasi_fd_pwrite(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t off, uint32_t ret) {
    if (off > INT64_MAX) return WASI_EINVAL;
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_SEEK, &e);
    if (r) return r;
    /* Linux's pwrite on an O_APPEND file appends and ignores the offset;
     * POSIX (and every other WASI host) writes at the offset. Drop O_APPEND
     * for the call so the guest gets POSIX. */
    int fl = e->kind == WASI_FD_HOST ? fcntl(e->host, F_GETFL) : 0;
    bool append = fl > 0 && (fl & O_APPEND);
    if (append && fcntl(e->host, F_SETFL, fl & ~O_APPEND) != 0) return wasi_errno_from_host(errno);
    r = rw(w, mem, memsize, fd, WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_SEEK, iovs, n, (int64_t)off, ret, true);
    if (append) fcntl(e->host, F_SETFL, fl);
    return r;
}

/* ---------------------------------------------------------------- seek */

uint32_t wasi_fd_seek(WASI_MEM, uint32_t fd, uint64_t off, uint32_t whence, uint32_t ret) {
    wasi_fd *e;
    /* Asking where we are (offset 0 from CUR) needs only the tell right. */
    uint64_t need = (off == 0 && whence == WASI_WHENCE_CUR) ? WASI_RIGHT_FD_TELL : WASI_RIGHT_FD_SEEK;
    uint32_t r = wasi_fd_get(w, fd, 0, &e);
    if (r) return r;
    /* A stream has no position: say so (as POSIX does) before saying that
     * the right is missing, which it always is for streams. */
    if (e->kind != WASI_FD_HOST ||
        !(e->filetype == WASI_FILETYPE_REGULAR_FILE || e->filetype == WASI_FILETYPE_DIRECTORY ||
          e->filetype == WASI_FILETYPE_BLOCK_DEVICE || e->filetype == WASI_FILETYPE_CHARACTER_DEVICE))
        return WASI_ESPIPE;
    if ((e->rights_base & need) != need &&
        !(need == WASI_RIGHT_FD_TELL && (e->rights_base & WASI_RIGHT_FD_SEEK)))
        return WASI_ENOTCAPABLE;
    int wh;
    switch (whence) {
    case WASI_WHENCE_SET: wh = SEEK_SET; break;
    case WASI_WHENCE_CUR: wh = SEEK_CUR; break;
    case WASI_WHENCE_END: wh = SEEK_END; break;
    default: return WASI_EINVAL;
    }
    if (!wasi_mem_ok(memsize, ret, 8)) return WASI_EFAULT;
    if (e->kind != WASI_FD_HOST) return WASI_ESPIPE;
    /* Directories are read through fd_readdir's cookies; moving the host
     * offset under it would only confuse getdents. */
    if (e->filetype == WASI_FILETYPE_DIRECTORY) return WASI_EISDIR;
    off_t pos = lseek(e->host, (off_t)(int64_t)off, wh);
    if (pos < 0) return wasi_errno_from_host(errno);
    wasi_st64(mem, ret, (uint64_t)pos);
    return 0;
}

uint32_t wasi_fd_tell(WASI_MEM, uint32_t fd, uint32_t ret) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, WASI_RIGHT_FD_TELL, &e);
    if (r) return r;
    if (!wasi_mem_ok(memsize, ret, 8)) return WASI_EFAULT;
    if (e->kind != WASI_FD_HOST) return WASI_ESPIPE;
    if (e->filetype == WASI_FILETYPE_DIRECTORY) return WASI_EISDIR;
    off_t pos = lseek(e->host, 0, SEEK_CUR);
    if (pos < 0) return wasi_errno_from_host(errno);
    wasi_st64(mem, ret, (uint64_t)pos);
    return 0;
}

/* ---------------------------------------------------------------- fdstat */

static uint16_t host_fdflags(const wasi_fd *e) {
    if (e->kind != WASI_FD_HOST) return e->fdflags;
    int fl = fcntl(e->host, F_GETFL);
    if (fl < 0) return 0;
    uint16_t f = 0;
    if (fl & O_APPEND) f |= WASI_FDFLAG_APPEND;
    if (fl & O_NONBLOCK) f |= WASI_FDFLAG_NONBLOCK;
    /* On Linux O_SYNC is O_DSYNC plus a bit, and O_RSYNC is O_SYNC. */
    if ((fl & O_SYNC) == O_SYNC) f |= WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC;
    else if (fl & O_DSYNC) f |= WASI_FDFLAG_DSYNC;
    return f;
}

uint32_t wasi_fd_fdstat_get(WASI_MEM, uint32_t fd, uint32_t ret) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, 0, &e);
    if (r) return r;
    if (!wasi_mem_ok(memsize, ret, WASI_FDSTAT_SIZE)) return WASI_EFAULT;
    memset(mem + ret, 0, WASI_FDSTAT_SIZE);
    wasi_st8(mem, ret, e->filetype);
    wasi_st16(mem, ret + 2, host_fdflags(e));
    wasi_st64(mem, ret + 8, e->rights_base);
    wasi_st64(mem, ret + 16, e->rights_inheriting);
    return 0;
}

uint32_t wasi_fd_fdstat_set_flags(WASI_MEM, uint32_t fd, uint32_t flags) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, WASI_RIGHT_FD_FDSTAT_SET_FLAGS, &e);
    if (r) return r;
    if (flags & ~0x1fu) return WASI_EINVAL;
    const uint32_t syncs = WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC;
    if (e->kind != WASI_FD_HOST) {
        if (flags & syncs) return WASI_ENOTSUP;
        e->fdflags = (uint16_t)flags;
        return 0;
    }
    /* Linux changes only O_APPEND and O_NONBLOCK after open. */
    if ((flags & syncs) != (host_fdflags(e) & syncs)) return WASI_ENOTSUP;
    int fl = fcntl(e->host, F_GETFL);
    if (fl < 0) return wasi_errno_from_host(errno);
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & WASI_FDFLAG_APPEND) fl |= O_APPEND;
    if (flags & WASI_FDFLAG_NONBLOCK) fl |= O_NONBLOCK;
    if (fcntl(e->host, F_SETFL, fl) != 0) return wasi_errno_from_host(errno);
    return 0;
}

uint32_t wasi_fd_fdstat_set_rights(WASI_MEM, uint32_t fd, uint64_t base, uint64_t inh) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, 0, &e);
    if (r) return r;
    /* Rights only ever shrink. */
    if ((base & ~e->rights_base) || (inh & ~e->rights_inheriting)) return WASI_ENOTCAPABLE;
    e->rights_base = base;
    e->rights_inheriting = inh;
    return 0;
}

/* ---------------------------------------------------------------- filestat */

uint32_t wasi_fd_filestat_get(WASI_MEM, uint32_t fd, uint32_t ret) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, WASI_RIGHT_FD_FILESTAT_GET, &e);
    if (r) return r;
    if (!wasi_mem_ok(memsize, ret, WASI_FILESTAT_SIZE)) return WASI_EFAULT;
    if (e->kind != WASI_FD_HOST) {
        memset(mem + ret, 0, WASI_FILESTAT_SIZE);
        wasi_st8(mem, ret + 16, e->filetype);
        return 0;
    }
    struct stat st;
    if (fstat(e->host, &st) != 0) return wasi_errno_from_host(errno);
    r = wasi_stat_write(mem, memsize, ret, &st);
    /* A socket's type comes from the table, where dgram is told apart. */
    if (!r && S_ISSOCK(st.st_mode)) wasi_st8(mem, ret + 16, e->filetype);
    return r;
}

uint32_t wasi_fd_filestat_set_size(WASI_MEM, uint32_t fd, uint64_t size) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, WASI_RIGHT_FD_FILESTAT_SET_SIZE, &e);
    if (r) return r;
    if (size > INT64_MAX) return WASI_EINVAL;
    if (e->kind != WASI_FD_HOST) return WASI_EINVAL;
    if (ftruncate(e->host, (off_t)size) != 0) return wasi_errno_from_host(errno);
    return 0;
}

/* Fills two timespecs from WASI's times and flags; EINVAL for the
 * contradictions (a time and "now" for the same field). */
uint32_t wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);
uint32_t wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]) {
    if (fst & ~0xfu) return WASI_EINVAL;
    if ((fst & WASI_FSTFLAG_ATIM) && (fst & WASI_FSTFLAG_ATIM_NOW)) return WASI_EINVAL;
    if ((fst & WASI_FSTFLAG_MTIM) && (fst & WASI_FSTFLAG_MTIM_NOW)) return WASI_EINVAL;
    uint64_t t[2] = {atim, mtim};
    uint32_t set[2] = {WASI_FSTFLAG_ATIM, WASI_FSTFLAG_MTIM};
    uint32_t now[2] = {WASI_FSTFLAG_ATIM_NOW, WASI_FSTFLAG_MTIM_NOW};
    for (int i = 0; i < 2; i++) {
        if (fst & now[i]) ts[i] = (struct timespec){.tv_nsec = UTIME_NOW};
        else if (fst & set[i])
            ts[i] = (struct timespec){.tv_sec = (time_t)(t[i] / 1000000000u), .tv_nsec = (long)(t[i] % 1000000000u)};
        else ts[i] = (struct timespec){.tv_nsec = UTIME_OMIT};
    }
    return 0;
}

uint32_t wasi_fd_filestat_set_times(WASI_MEM, uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t fst) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, WASI_RIGHT_FD_FILESTAT_SET_TIMES, &e);
    if (r) return r;
    struct timespec ts[2];
    if ((r = wasi_times(atim, mtim, fst, ts))) return r;
    if (e->kind != WASI_FD_HOST) return WASI_EINVAL;
    if (futimens(e->host, ts) != 0) return wasi_errno_from_host(errno);
    return 0;
}

/* ---------------------------------------------------------------- the rest */

uint32_t wasi_fd_advise(WASI_MEM, uint32_t fd, uint64_t off, uint64_t len, uint32_t advice) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, WASI_RIGHT_FD_ADVISE, &e);
    if (r) return r;
    static const int host[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                               POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (advice > WASI_ADVICE_NOREUSE) return WASI_EINVAL;
    if (off > INT64_MAX || len > INT64_MAX) return WASI_EINVAL;
    if (e->kind != WASI_FD_HOST) return WASI_ESPIPE;
    if (e->filetype == WASI_FILETYPE_DIRECTORY) return WASI_EBADF;
    int rc = posix_fadvise(e->host, (off_t)off, (off_t)len, host[advice]);
    return rc ? wasi_errno_from_host(rc) : 0;
}

uint32_t wasi_fd_allocate(WASI_MEM, uint32_t fd, uint64_t off, uint64_t len) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, WASI_RIGHT_FD_ALLOCATE, &e);
    if (r) return r;
    if (off > INT64_MAX || len > INT64_MAX || off + len > INT64_MAX) return WASI_EINVAL;
    if (e->kind != WASI_FD_HOST) return WASI_EINVAL;
    if (len == 0) return WASI_EINVAL;
    if (fallocate(e->host, 0, (off_t)off, (off_t)len) != 0) return wasi_errno_from_host(errno);
    return 0;
}

uint32_t wasi_fd_close(WASI_MEM, uint32_t fd) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, 0, &e);
    if (r) return r;
    wasi_fd_release(e);
    return 0;
}

uint32_t wasi_fd_datasync(WASI_MEM, uint32_t fd) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, WASI_RIGHT_FD_DATASYNC, &e);
    if (r) return r;
    if (e->kind != WASI_FD_HOST) return WASI_EINVAL;
    return fdatasync(e->host) ? wasi_errno_from_host(errno) : 0;
}

uint32_t wasi_fd_sync(WASI_MEM, uint32_t fd) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, WASI_RIGHT_FD_SYNC, &e);
    if (r) return r;
    if (e->kind != WASI_FD_HOST) return WASI_EINVAL;
    return fsync(e->host) ? wasi_errno_from_host(errno) : 0;
}

uint32_t wasi_fd_renumber(WASI_MEM, uint32_t fd, uint32_t to) {
    wasi_fd *from, *dst;
    uint32_t r = wasi_fd_get(w, fd, 0, &from);
    if (r) return r;
    if ((r = wasi_fd_get(w, to, 0, &dst))) return r;
    if (fd == to) return 0;
    wasi_fd_release(dst);
    *dst = *from;
    *from = (wasi_fd){.kind = WASI_FD_FREE, .host = -1};
    return 0;
}

uint32_t wasi_fd_prestat_get(WASI_MEM, uint32_t fd, uint32_t ret) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, 0, &e);
    if (r) return r;
    if (!e->preopen) return WASI_EBADF;
    if (!wasi_mem_ok(memsize, ret, WASI_PRESTAT_SIZE)) return WASI_EFAULT;
    memset(mem + ret, 0, WASI_PRESTAT_SIZE);
    wasi_st8(mem, ret, WASI_PREOPENTYPE_DIR);
    wasi_st32(mem, ret + 4, (uint32_t)strlen(e->preopen));
    return 0;
}

uint32_t wasi_fd_prestat_dir_name(WASI_MEM, uint32_t fd, uint32_t path, uint32_t len) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, 0, &e);
    if (r) return r;
    if (!e->preopen) return WASI_EBADF;
    size_t n = strlen(e->preopen);
    if (len < n) return WASI_ENAMETOOLONG;
    if (!wasi_mem_ok(memsize, path, n)) return WASI_EFAULT;
    memcpy(mem + path, e->preopen, n);
    return 0;
}

/* ---------------------------------------------------------------- readdir */

/* A snapshot of a directory's entries, taken when the guest starts at
 * cookie 0: cookies are then indexes into it, stable for as long as the
 * guest keeps reading (getdents offsets are not small numbers, and WASI
 * wants d_next to be the next entry's cookie). */
typedef struct wasi_dirent_item {
    uint64_t ino;
    uint8_t type;
    uint32_t namelen;
    char *name;
} wasi_dirent_item;

struct wasi_dirent_cache {
    wasi_dirent_item *items;
    size_t n, cap;
};

void wasi_dirent_cache_free(wasi_dirent_cache *c);
void wasi_dirent_cache_free(wasi_dirent_cache *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) free(c->items[i].name);
    free(c->items);
    free(c);
}

static uint8_t dtype(unsigned char t) {
    switch (t) {
    case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
    case DT_DIR: return WASI_FILETYPE_DIRECTORY;
    case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
    default: return WASI_FILETYPE_UNKNOWN;
    }
}

static uint32_t snapshot(int host, wasi_dirent_cache **out) {
    *out = NULL;
    /* A fresh open description of the same directory, so that reading it
     * leaves the guest's fd alone. */
    int fd = openat(host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return wasi_errno_from_host(errno);
    DIR *d = fdopendir(fd);
    if (!d) { uint32_t r = wasi_errno_from_host(errno); close(fd); return r; }
    wasi_dirent_cache *c = calloc(1, sizeof *c);
    if (!c) { closedir(d); return WASI_ENOMEM; }
    uint32_t r = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) { if (errno) r = wasi_errno_from_host(errno); break; }
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 32;
            wasi_dirent_item *ni = realloc(c->items, cap * sizeof *ni);
            if (!ni) { r = WASI_ENOMEM; break; }
            c->items = ni;
            c->cap = cap;
        }
        wasi_dirent_item *it = &c->items[c->n];
        if (!(it->name = strdup(de->d_name))) { r = WASI_ENOMEM; break; }
        it->namelen = (uint32_t)strlen(de->d_name);
        it->ino = de->d_ino;
        it->type = dtype(de->d_type);
        if (de->d_type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                it->type = wasi_filetype_of_mode(st.st_mode);
        }
        c->n++;
    }
    closedir(d);
    if (r) { wasi_dirent_cache_free(c); return r; }
    *out = c;
    return 0;
}

uint32_t wasi_fd_readdir(WASI_MEM, uint32_t fd, uint32_t buf, uint32_t len, uint64_t cookie, uint32_t ret) {
    wasi_fd *e;
    uint32_t r = wasi_fd_get(w, fd, WASI_RIGHT_FD_READDIR, &e);
    if (r) return r;
    if (e->filetype != WASI_FILETYPE_DIRECTORY || e->kind != WASI_FD_HOST) return WASI_ENOTDIR;
    if (!wasi_mem_ok(memsize, buf, len) || !wasi_mem_ok(memsize, ret, 4)) return WASI_EFAULT;
    if (cookie == 0 || !e->dir) {
        wasi_dirent_cache *c;
        if ((r = snapshot(e->host, &c))) return r;
        wasi_dirent_cache_free(e->dir);
        e->dir = c;
    }
    /* Entries are packed back to back; the last one is cut short when the
     * buffer ends, which tells the guest to come back with a bigger one. */
    uint64_t used = 0;
    for (uint64_t i = cookie; i < e->dir->n && used < len; i++) {
        const wasi_dirent_item *it = &e->dir->items[i];
        uint8_t hdr[WASI_DIRENT_SIZE] = {0};
        wasi_st64(hdr, 0, i + 1);
        wasi_st64(hdr, 8, it->ino);
        wasi_st32(hdr, 16, it->namelen);
        wasi_st8(hdr, 20, it->type);
        uint64_t k = len - used < WASI_DIRENT_SIZE ? len - used : WASI_DIRENT_SIZE;
        memcpy(mem + buf + used, hdr, k);
        used += k;
        k = len - used < it->namelen ? len - used : it->namelen;
        memcpy(mem + buf + used, it->name, k);
        used += k;
    }
    wasi_st32(mem, ret, (uint32_t)used);
    return 0;
}
