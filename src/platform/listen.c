/* listen.c — the one listening socket of a kiln serve process, made here
 * rather than by libmicrohttpd so that a failure says exactly why.
 *
 * No SO_REUSEPORT. With it, a second server started on a busy port binds
 * without error and the kernel splits connections between the two: two
 * registries answering for one address, half the deploys invisible to half
 * the requests. Without it the second bind fails with EADDRINUSE and the
 * second server exits. SO_REUSEADDR is kept: on Linux it lets a restarted
 * server bind while the previous one's connections sit in TIME_WAIT, and
 * never lets two sockets listen on one address. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform/server.h"

/* "127.0.0.1:8080" or "[::1]:8080", for messages. */
static void addr_text(const char *host, uint16_t port, char *buf, size_t size) {
    bool v6 = strchr(host, ':') != NULL;
    snprintf(buf, size, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

int listen_socket(const char *host, uint16_t port, uint16_t *bound, perr *e) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        sl = sizeof *a4;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        sl = sizeof *a6;
    } else {
        perr_set(e, 400, "cannot listen on '%s': give a numeric IPv4 or IPv6 address", host);
        return -1;
    }
    char where[160];
    addr_text(host, port, where, sizeof where);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        perr_set(e, 500, "cannot listen on %s: socket: %s", where, strerror(errno));
        return -1;
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    /* [::] means IPv6 only; 0.0.0.0 is how to ask for IPv4. */
    if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
        int err = errno;
        close(fd);
        if (err == EADDRINUSE)
            perr_set(e, 500, "address %s is already in use (another kiln serve, or another program, listens "
                             "there; pick another --listen port, or port 0 for any free one)", where);
        else if (err == EADDRNOTAVAIL)
            perr_set(e, 500, "cannot listen on %s: %s is not an address of this machine", where, host);
        else if (err == EACCES)
            perr_set(e, 500, "cannot listen on %s: permission denied (ports below 1024 need privileges)", where);
        else
            perr_set(e, 500, "cannot listen on %s: %s", where, strerror(err));
        return -1;
    }
    if (listen(fd, SOMAXCONN) != 0) {
        int err = errno;
        close(fd);
        if (err == EADDRINUSE) /* port 0 racing another bind to the same ephemeral port */
            perr_set(e, 500, "address %s is already in use", where);
        else
            perr_set(e, 500, "cannot listen on %s: %s", where, strerror(err));
        return -1;
    }
    *bound = port;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
        *bound = ntohs(ss.ss_family == AF_INET6 ? a6->sin6_port : a4->sin_port);
    return fd;
}
