/* fdtable.c — the guest's descriptor table: lookup with rights, insertion
 * at the lowest free number (POSIX's rule, which wasi-libc relies on), and
 * the mapping of host types and errnos to WASI's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

/* Guests cannot grow the table without bound: past this, EMFILE. */
#define MAX_FDS 65536u

uint32_t wasi_fd_get(kiln_wasi *w, uint32_t fd, uint64_t need, wasi_fd **out) {
    if (fd >= w->nfds || w->fds[fd].kind == WASI_FD_FREE) return WASI_EBADF;
    wasi_fd *e = &w->fds[fd];
    if ((e->rights_base & need) != need) return WASI_ENOTCAPABLE;
    *out = e;
    return 0;
}

uint32_t wasi_fd_insert(kiln_wasi *w, const wasi_fd *e, uint32_t *fd_out) {
    uint32_t i = 0;
    while (i < w->nfds && w->fds[i].kind != WASI_FD_FREE) i++;
    if (i == w->nfds) {
        if (w->nfds >= MAX_FDS) return WASI_EMFILE;
        uint32_t n = w->nfds ? w->nfds * 2 : 8;
        if (n > MAX_FDS) n = MAX_FDS;
        wasi_fd *nf = realloc(w->fds, n * sizeof *nf);
        if (!nf) return WASI_ENOMEM;
        for (uint32_t j = w->nfds; j < n; j++) nf[j] = (wasi_fd){.kind = WASI_FD_FREE, .host = -1};
        w->fds = nf;
        w->nfds = n;
    }
    w->fds[i] = *e;
    *fd_out = i;
    return 0;
}

void wasi_dirent_cache_free(wasi_dirent_cache *c);

void wasi_fd_release(wasi_fd *e) {
    if (e->kind == WASI_FD_HOST && e->owned && e->host >= 0) close(e->host);
    free(e->preopen);
    wasi_dirent_cache_free(e->dir);
    *e = (wasi_fd){.kind = WASI_FD_FREE, .host = -1};
}

uint8_t wasi_filetype_of_mode(unsigned mode) {
    switch (mode & S_IFMT) {
    case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
    case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
    case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case S_IFSOCK: return WASI_FILETYPE_SOCKET_STREAM;
    default: return WASI_FILETYPE_UNKNOWN; /* FIFOs: WASI has no name for them */
    }
}

uint64_t wasi_rights_for_type(uint8_t t) {
    switch (t) {
    case WASI_FILETYPE_REGULAR_FILE: return WASI_RIGHTS_REGULAR_FILE;
    case WASI_FILETYPE_DIRECTORY: return WASI_RIGHTS_DIRECTORY;
    case WASI_FILETYPE_SOCKET_STREAM:
    case WASI_FILETYPE_SOCKET_DGRAM: return WASI_RIGHTS_SOCKET;
    case WASI_FILETYPE_BLOCK_DEVICE: return WASI_RIGHTS_REGULAR_FILE;
    default: return WASI_RIGHTS_STREAM;
    }
}

uint16_t wasi_errno_from_host(int e) {
    switch (e) {
    case 0: return WASI_ESUCCESS;
    case E2BIG: return WASI_E2BIG;
    case EACCES: return WASI_EACCES;
    case EADDRINUSE: return WASI_EADDRINUSE;
    case EADDRNOTAVAIL: return WASI_EADDRNOTAVAIL;
    case EAFNOSUPPORT: return WASI_EAFNOSUPPORT;
    case EAGAIN: return WASI_EAGAIN;
    case EALREADY: return WASI_EALREADY;
    case EBADF: return WASI_EBADF;
    case EBADMSG: return WASI_EBADMSG;
    case EBUSY: return WASI_EBUSY;
    case ECANCELED: return WASI_ECANCELED;
    case ECHILD: return WASI_ECHILD;
    case ECONNABORTED: return WASI_ECONNABORTED;
    case ECONNREFUSED: return WASI_ECONNREFUSED;
    case ECONNRESET: return WASI_ECONNRESET;
    case EDEADLK: return WASI_EDEADLK;
    case EDESTADDRREQ: return WASI_EDESTADDRREQ;
    case EDOM: return WASI_EDOM;
    case EDQUOT: return WASI_EDQUOT;
    case EEXIST: return WASI_EEXIST;
    case EFAULT: return WASI_EFAULT;
    case EFBIG: return WASI_EFBIG;
    case EHOSTUNREACH: return WASI_EHOSTUNREACH;
    case EIDRM: return WASI_EIDRM;
    case EILSEQ: return WASI_EILSEQ;
    case EINPROGRESS: return WASI_EINPROGRESS;
    case EINTR: return WASI_EINTR;
    case EINVAL: return WASI_EINVAL;
    case EIO: return WASI_EIO;
    case EISCONN: return WASI_EISCONN;
    case EISDIR: return WASI_EISDIR;
    case ELOOP: return WASI_ELOOP;
    case EMFILE: return WASI_EMFILE;
    case EMLINK: return WASI_EMLINK;
    case EMSGSIZE: return WASI_EMSGSIZE;
    case EMULTIHOP: return WASI_EMULTIHOP;
    case ENAMETOOLONG: return WASI_ENAMETOOLONG;
    case ENETDOWN: return WASI_ENETDOWN;
    case ENETRESET: return WASI_ENETRESET;
    case ENETUNREACH: return WASI_ENETUNREACH;
    case ENFILE: return WASI_ENFILE;
    case ENOBUFS: return WASI_ENOBUFS;
    case ENODEV: return WASI_ENODEV;
    case ENOENT: return WASI_ENOENT;
    case ENOEXEC: return WASI_ENOEXEC;
    case ENOLCK: return WASI_ENOLCK;
    case ENOLINK: return WASI_ENOLINK;
    case ENOMEM: return WASI_ENOMEM;
    case ENOMSG: return WASI_ENOMSG;
    case ENOPROTOOPT: return WASI_ENOPROTOOPT;
    case ENOSPC: return WASI_ENOSPC;
    case ENOSYS: return WASI_ENOSYS;
    case ENOTCONN: return WASI_ENOTCONN;
    case ENOTDIR: return WASI_ENOTDIR;
    case ENOTEMPTY: return WASI_ENOTEMPTY;
    case ENOTRECOVERABLE: return WASI_ENOTRECOVERABLE;
    case ENOTSOCK: return WASI_ENOTSOCK;
    case EOPNOTSUPP: return WASI_ENOTSUP;
    case ENOTTY: return WASI_ENOTTY;
    case ENXIO: return WASI_ENXIO;
    case EOVERFLOW: return WASI_EOVERFLOW;
    case EOWNERDEAD: return WASI_EOWNERDEAD;
    case EPERM: return WASI_EPERM;
    case EPIPE: return WASI_EPIPE;
    case EPROTO: return WASI_EPROTO;
    case EPROTONOSUPPORT: return WASI_EPROTONOSUPPORT;
    case EPROTOTYPE: return WASI_EPROTOTYPE;
    case ERANGE: return WASI_ERANGE;
    case EROFS: return WASI_EROFS;
    case ESPIPE: return WASI_ESPIPE;
    case ESRCH: return WASI_ESRCH;
    case ESTALE: return WASI_ESTALE;
    case ETIMEDOUT: return WASI_ETIMEDOUT;
    case ETXTBSY: return WASI_ETXTBSY;
    case EXDEV: return WASI_EXDEV; /* path.c maps openat2's EXDEV itself */
    default: return WASI_EIO;
    }
}
