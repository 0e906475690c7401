/* io.c — checked access to guest memory, and the byte-moving core shared by
 * fd_read/fd_write/fd_pread/fd_pwrite: host descriptors, stdin from bytes,
 * stdout/stderr into capped buffers, and the usage counters. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

uint32_t wasi_put32(uint8_t *mem, uint64_t memsize, uint32_t ptr, uint32_t v) {
    if (!wasi_mem_ok(memsize, ptr, 4)) return WASI_EFAULT;
    wasi_st32(mem, ptr, v);
    return 0;
}

uint32_t wasi_put64(uint8_t *mem, uint64_t memsize, uint32_t ptr, uint64_t v) {
    if (!wasi_mem_ok(memsize, ptr, 8)) return WASI_EFAULT;
    wasi_st64(mem, ptr, v);
    return 0;
}

/* Reads and writes return a u32 count: keep a request's total below 2^31 so
 * neither that nor ssize_t can overflow. Longer requests are shortened, as a
 * short read or write is always allowed. */
#define MAX_IO_TOTAL 0x7ffff000u

uint32_t wasi_iovecs(const uint8_t *mem, uint64_t memsize, uint32_t iovs, uint32_t n,
                     struct iovec **out, size_t *total) {
    *out = NULL;
    *total = 0;
    if (!wasi_mem_ok(memsize, iovs, (uint64_t)n * WASI_IOVEC_SIZE)) return WASI_EFAULT;
    if (n > 1024) return WASI_EINVAL; /* IOV_MAX: what readv takes */
    struct iovec *v = calloc(n ? n : 1, sizeof *v);
    if (!v) return WASI_ENOMEM;
    size_t t = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf = wasi_ld32(mem, iovs + (uint64_t)i * 8);
        uint32_t len = wasi_ld32(mem, iovs + (uint64_t)i * 8 + 4);
        if (!wasi_mem_ok(memsize, buf, len)) { free(v); return WASI_EFAULT; }
        if (len > MAX_IO_TOTAL - t) len = (uint32_t)(MAX_IO_TOTAL - t);
        v[i].iov_base = (void *)(mem + buf);
        v[i].iov_len = len;
        t += len;
    }
    *out = v;
    *total = t;
    return 0;
}

uint32_t wasi_path_copy(const uint8_t *mem, uint64_t memsize, uint32_t ptr, uint32_t len, char **out) {
    *out = NULL;
    if (!wasi_mem_ok(memsize, ptr, len)) return WASI_EFAULT;
    if (len > 65536) return WASI_ENAMETOOLONG;
    if (memchr(mem + ptr, 0, len)) return WASI_EILSEQ;
    char *s = malloc((size_t)len + 1);
    if (!s) return WASI_ENOMEM;
    memcpy(s, mem + ptr, len);
    s[len] = 0;
    *out = s;
    return 0;
}

static void count_read(kiln_wasi *w, const wasi_fd *e, size_t n) {
    if (e->stream == 0) w->usage.stdin_bytes += n;
    else if (e->filetype == WASI_FILETYPE_SOCKET_STREAM || e->filetype == WASI_FILETYPE_SOCKET_DGRAM)
        w->usage.net_read_bytes += n;
    else if (e->counted_file) w->usage.file_read_bytes += n;
}

static void count_write(kiln_wasi *w, const wasi_fd *e, size_t n) {
    if (e->stream == 1) w->usage.stdout_bytes += n;
    else if (e->stream == 2) w->usage.stderr_bytes += n;
    else if (e->filetype == WASI_FILETYPE_SOCKET_STREAM || e->filetype == WASI_FILETYPE_SOCKET_DGRAM)
        w->usage.net_write_bytes += n;
    else if (e->counted_file) w->usage.file_write_bytes += n;
}

uint32_t wasi_io_read(kiln_wasi *w, wasi_fd *e, struct iovec *iov, int n, size_t total,
                      int64_t off, size_t *done) {
    *done = 0;
    switch (e->kind) {
    case WASI_FD_NULL:
        return 0;
    case WASI_FD_MEMOUT:
        return WASI_EBADF;
    case WASI_FD_MEMIN: {
        if (off >= 0) return WASI_ESPIPE;
        size_t got = 0;
        for (int i = 0; i < n && w->stdin_pos < w->stdin_len; i++) {
            size_t k = w->stdin_len - w->stdin_pos;
            if (k > iov[i].iov_len) k = iov[i].iov_len;
            memcpy(iov[i].iov_base, w->stdin_data + w->stdin_pos, k);
            w->stdin_pos += k;
            got += k;
        }
        *done = got;
        count_read(w, e, got);
        return 0;
    }
    case WASI_FD_HOST: {
        (void)total;
        ssize_t r;
        do r = off >= 0 ? preadv(e->host, iov, n, off) : readv(e->host, iov, n);
        while (r < 0 && errno == EINTR);
        if (r < 0) return wasi_errno_from_host(errno);
        *done = (size_t)r;
        count_read(w, e, (size_t)r);
        return 0;
    }
    default:
        return WASI_EBADF;
    }
}

static uint32_t outbuf_append(wasi_outbuf *b, const struct iovec *iov, int n, size_t total, size_t *done) {
    size_t room = b->max - b->len;
    size_t take = total < room ? total : room;
    if (take < total) b->truncated = true;
    if (total && !take) return WASI_ENOSPC;
    if (b->len + take > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + take) cap *= 2;
        if (cap > b->max) cap = b->max;
        uint8_t *d = realloc(b->data, cap);
        if (!d) return WASI_ENOMEM;
        b->data = d;
        b->cap = cap;
    }
    size_t left = take;
    for (int i = 0; i < n && left; i++) {
        size_t k = iov[i].iov_len < left ? iov[i].iov_len : left;
        memcpy(b->data + b->len, iov[i].iov_base, k);
        b->len += k;
        left -= k;
    }
    *done = take;
    return 0;
}

uint32_t wasi_io_write(kiln_wasi *w, wasi_fd *e, const struct iovec *iov, int n, size_t total,
                       int64_t off, size_t *done) {
    *done = 0;
    switch (e->kind) {
    case WASI_FD_NULL:
        *done = total;
        count_write(w, e, total);
        return 0;
    case WASI_FD_MEMIN:
        return WASI_EBADF;
    case WASI_FD_MEMOUT: {
        if (off >= 0) return WASI_ESPIPE;
        uint32_t r = outbuf_append(&w->out[e->stream], iov, n, total, done);
        count_write(w, e, *done);
        return r;
    }
    case WASI_FD_HOST: {
        ssize_t r;
        do r = off >= 0 ? pwritev(e->host, iov, n, off) : writev(e->host, iov, n);
        while (r < 0 && errno == EINTR);
        if (r < 0) return wasi_errno_from_host(errno);
        *done = (size_t)r;
        count_write(w, e, (size_t)r);
        return 0;
    }
    default:
        return WASI_EBADF;
    }
}

uint32_t wasi_stat_write(uint8_t *mem, uint64_t memsize, uint32_t ptr, const void *hs) {
    const struct stat *st = hs;
    if (!wasi_mem_ok(memsize, ptr, WASI_FILESTAT_SIZE)) return WASI_EFAULT;
    memset(mem + ptr, 0, WASI_FILESTAT_SIZE);
    wasi_st64(mem, ptr + 0, (uint64_t)st->st_dev);
    wasi_st64(mem, ptr + 8, (uint64_t)st->st_ino);
    wasi_st8(mem, ptr + 16, wasi_filetype_of_mode(st->st_mode));
    wasi_st64(mem, ptr + 24, (uint64_t)st->st_nlink);
    wasi_st64(mem, ptr + 32, (uint64_t)st->st_size);
    wasi_st64(mem, ptr + 40, (uint64_t)st->st_atim.tv_sec * 1000000000u + (uint64_t)st->st_atim.tv_nsec);
    wasi_st64(mem, ptr + 48, (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec);
    wasi_st64(mem, ptr + 56, (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec);
    return 0;
}
