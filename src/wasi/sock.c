/* sock.c — sock_accept, sock_recv, sock_send, sock_shutdown on sockets the
 * embedder preopened (preview1 cannot create or connect sockets). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

static bool is_socket(const wasi_fd *e) {
    return e->kind == WASI_FD_HOST &&
           (e->filetype == WASI_FILETYPE_SOCKET_STREAM || e->filetype == WASI_FILETYPE_SOCKET_DGRAM);
}

static uint32_t get_sock(kiln_wasi *w, uint32_t fd, uint64_t need, wasi_fd **e) {
    uint32_t r = wasi_fd_get(w, fd, 0, e);
    if (r) return r;
    if (!is_socket(*e)) return WASI_ENOTSOCK;
    if (((*e)->rights_base & need) != need) return WASI_ENOTCAPABLE;
    return 0;
}

uint32_t wasi_sock_accept(WASI_MEM, uint32_t fd, uint32_t flags, uint32_t ret) {
    wasi_fd *e;
    uint32_t r = get_sock(w, fd, WASI_RIGHT_SOCK_ACCEPT, &e);
    if (r) return r;
    if (flags & ~WASI_FDFLAG_NONBLOCK) return WASI_EINVAL;
    if (!wasi_mem_ok(memsize, ret, 4)) return WASI_EFAULT;
    int h;
    do h = accept4(e->host, NULL, NULL, SOCK_CLOEXEC | ((flags & WASI_FDFLAG_NONBLOCK) ? SOCK_NONBLOCK : 0));
    while (h < 0 && errno == EINTR);
    if (h < 0) return wasi_errno_from_host(errno);
    wasi_fd ne = {.kind = WASI_FD_HOST, .filetype = WASI_FILETYPE_SOCKET_STREAM, .stream = 3,
                  .owned = true, .host = h,
                  .rights_base = e->rights_inheriting & WASI_RIGHTS_SOCKET & ~WASI_RIGHT_SOCK_ACCEPT,
                  .rights_inheriting = 0};
    uint32_t nfd;
    if ((r = wasi_fd_insert(w, &ne, &nfd))) { close(h); return r; }
    wasi_st32(mem, ret, nfd);
    return 0;
}

uint32_t wasi_sock_recv(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t flags,
                        uint32_t ret_len, uint32_t ret_flags) {
    wasi_fd *e;
    uint32_t r = get_sock(w, fd, WASI_RIGHT_FD_READ, &e);
    if (r) return r;
    if (flags & ~(WASI_RIFLAG_PEEK | WASI_RIFLAG_WAITALL)) return WASI_EINVAL;
    if (!wasi_mem_ok(memsize, ret_len, 4) || !wasi_mem_ok(memsize, ret_flags, 2)) return WASI_EFAULT;
    struct iovec *v;
    size_t total;
    if ((r = wasi_iovecs(mem, memsize, iovs, n, &v, &total))) return r;
    struct msghdr m = {.msg_iov = v, .msg_iovlen = n};
    int hf = ((flags & WASI_RIFLAG_PEEK) ? MSG_PEEK : 0) | ((flags & WASI_RIFLAG_WAITALL) ? MSG_WAITALL : 0);
    ssize_t got;
    do got = recvmsg(e->host, &m, hf);
    while (got < 0 && errno == EINTR);
    free(v);
    if (got < 0) return wasi_errno_from_host(errno);
    w->usage.net_read_bytes += (uint64_t)got;
    wasi_st32(mem, ret_len, (uint32_t)got);
    wasi_st16(mem, ret_flags, (m.msg_flags & MSG_TRUNC) ? WASI_ROFLAG_DATA_TRUNCATED : 0);
    return 0;
}

uint32_t wasi_sock_send(WASI_MEM, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t flags, uint32_t ret) {
    wasi_fd *e;
    uint32_t r = get_sock(w, fd, WASI_RIGHT_FD_WRITE, &e);
    if (r) return r;
    if (flags) return WASI_EINVAL; /* siflags has no flags defined */
    if (!wasi_mem_ok(memsize, ret, 4)) return WASI_EFAULT;
    struct iovec *v;
    size_t total;
    if ((r = wasi_iovecs(mem, memsize, iovs, n, &v, &total))) return r;
    struct msghdr m = {.msg_iov = v, .msg_iovlen = n};
    ssize_t sent;
    /* MSG_NOSIGNAL: a peer that went away is EPIPE for the guest, not a
     * SIGPIPE that kills the host. */
    do sent = sendmsg(e->host, &m, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    free(v);
    if (sent < 0) return wasi_errno_from_host(errno);
    w->usage.net_write_bytes += (uint64_t)sent;
    wasi_st32(mem, ret, (uint32_t)sent);
    return 0;
}

uint32_t wasi_sock_shutdown(WASI_MEM, uint32_t fd, uint32_t how) {
    wasi_fd *e;
    uint32_t r = get_sock(w, fd, WASI_RIGHT_SOCK_SHUTDOWN, &e);
    if (r) return r;
    int h;
    switch (how) {
    case WASI_SDFLAG_RD: h = SHUT_RD; break;
    case WASI_SDFLAG_WR: h = SHUT_WR; break;
    case WASI_SDFLAG_RD | WASI_SDFLAG_WR: h = SHUT_RDWR; break;
    default: return WASI_EINVAL;
    }
    if (shutdown(e->host, h) != 0) return wasi_errno_from_host(errno);
    return 0;
}
