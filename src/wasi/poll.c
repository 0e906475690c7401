/* poll.c — poll_oneoff: clock timeouts and fd readiness, waiting no longer
 * than the store's deadline. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

int wasi_host_clock(uint32_t id);

static uint64_t now_ns(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

typedef struct sub {
    uint64_t userdata;
    uint8_t type;
    uint16_t error;       /* a ready-at-once error event */
    bool ready;           /* ready without waiting (memory streams, files) */
    uint64_t wake;        /* clock: CLOCK_MONOTONIC ns */
    int pfd;              /* index in the pollfd array, or -1 */
    uint64_t nbytes;
    uint16_t flags;
} sub;

static void put_event(uint8_t *mem, uint64_t at, const sub *s, uint16_t error) {
    memset(mem + at, 0, WASI_EVENT_SIZE);
    wasi_st64(mem, at, s->userdata);
    wasi_st16(mem, at + 8, error);
    wasi_st8(mem, at + 10, s->type);
    if (s->type != WASI_EVENTTYPE_CLOCK && !error) {
        wasi_st64(mem, at + 16, s->nbytes);
        wasi_st16(mem, at + 24, s->flags);
    }
}

uint64_t wasi_poll_host_bytes(void) { return sizeof(sub) + sizeof(struct pollfd); }

uint32_t wasi_poll_oneoff(WASI_MEM, uint32_t in, uint32_t out, uint32_t n, uint32_t ret, uint64_t deadline) {
    if (n == 0) return WASI_EINVAL;
    if (!wasi_mem_ok(memsize, in, (uint64_t)n * WASI_SUBSCRIPTION_SIZE) ||
        !wasi_mem_ok(memsize, out, (uint64_t)n * WASI_EVENT_SIZE) || !wasi_mem_ok(memsize, ret, 4))
        return WASI_EFAULT;
    sub *subs = calloc(n, sizeof *subs);
    struct pollfd *pf = calloc(n, sizeof *pf);
    if (!subs || !pf) { free(subs); free(pf); return WASI_ENOMEM; }
    uint32_t npf = 0;
    uint64_t start = now_ns(CLOCK_MONOTONIC);
    uint64_t earliest = UINT64_MAX;
    bool any_ready = false;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t p = in + (uint64_t)i * WASI_SUBSCRIPTION_SIZE;
        sub *s = &subs[i];
        s->userdata = wasi_ld64(mem, p);
        s->type = mem[p + 8];
        s->pfd = -1;
        if (s->type == WASI_EVENTTYPE_CLOCK) {
            uint32_t id = wasi_ld32(mem, p + 16);
            uint64_t timeout = wasi_ld64(mem, p + 24);
            uint16_t fl = wasi_ld16(mem, p + 40);
            int c = wasi_host_clock(id);
            if (c != CLOCK_REALTIME && c != CLOCK_MONOTONIC) {
                /* Sleeping until a CPU clock reads some value is not a thing
                 * the host can wait for. */
                s->error = c < 0 ? WASI_EINVAL : WASI_ENOTSUP;
                any_ready = true;
                continue;
            }
            uint64_t delta = timeout;
            if (fl & WASI_SUBCLOCK_ABSTIME) {
                uint64_t now = c == CLOCK_MONOTONIC ? start : now_ns(CLOCK_REALTIME);
                delta = timeout > now ? timeout - now : 0;
            }
            s->wake = delta > UINT64_MAX - start ? UINT64_MAX : start + delta;
            if (s->wake < earliest) earliest = s->wake;
        } else if (s->type == WASI_EVENTTYPE_FD_READ || s->type == WASI_EVENTTYPE_FD_WRITE) {
            bool rd = s->type == WASI_EVENTTYPE_FD_READ;
            wasi_fd *e;
            uint32_t r = wasi_fd_get(w, wasi_ld32(mem, p + 16), rd ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE, &e);
            if (r) { s->error = (uint16_t)r; any_ready = true; continue; }
            if (e->kind == WASI_FD_MEMIN) {
                s->ready = true;
                if (rd) {
                    s->nbytes = w->stdin_len - w->stdin_pos;
                    if (!s->nbytes) s->flags = WASI_EVENT_FD_HANGUP;
                } else s->error = WASI_EBADF;
            } else if (e->kind == WASI_FD_MEMOUT) {
                s->ready = true;
                if (rd) s->error = WASI_EBADF;
                else s->nbytes = w->out[e->stream].max - w->out[e->stream].len;
            } else if (e->kind == WASI_FD_NULL) {
                s->ready = true;
            } else if (e->filetype == WASI_FILETYPE_REGULAR_FILE) {
                /* Files are always ready; for reading, say how much is left. */
                s->ready = true;
                struct stat st;
                off_t pos = lseek(e->host, 0, SEEK_CUR);
                if (rd && fstat(e->host, &st) == 0 && pos >= 0 && st.st_size > pos)
                    s->nbytes = (uint64_t)(st.st_size - pos);
            } else {
                s->pfd = (int)npf;
                pf[npf].fd = e->host;
                pf[npf].events = rd ? POLLIN : POLLOUT;
                npf++;
                continue;
            }
            any_ready = true;
        } else {
            s->error = WASI_EINVAL;
            any_ready = true;
        }
    }

    /* Wait: not at all when something is ready, otherwise until the first
     * clock or an fd, and never past the store's deadline. */
    bool timed_out = false;
    for (;;) {
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        uint64_t until = any_ready ? now : earliest;
        bool deadline_first = deadline && deadline <= until;
        if (deadline_first) until = deadline;
        struct timespec ts, *tp = NULL;
        if (until != UINT64_MAX) {
            uint64_t d = until > now ? until - now : 0;
            ts.tv_sec = (time_t)(d / 1000000000u);
            ts.tv_nsec = (long)(d % 1000000000u);
            tp = &ts;
        }
        if (!tp && npf == 0) { timed_out = false; break; } /* cannot happen: n > 0 */
        int rc = ppoll(pf, npf, tp, NULL);
        if (rc < 0) {
            if (errno == EINTR) continue;
            free(subs);
            free(pf);
            return wasi_errno_from_host(errno);
        }
        now = now_ns(CLOCK_MONOTONIC);
        if (rc > 0 || any_ready || now >= earliest) break;
        if (deadline_first && now >= deadline) { timed_out = true; break; }
    }
    if (timed_out) { free(subs); free(pf); return WASI_DEADLINE_EXCEEDED; }

    uint64_t now = now_ns(CLOCK_MONOTONIC);
    uint32_t nev = 0;
    for (uint32_t i = 0; i < n; i++) {
        sub *s = &subs[i];
        uint64_t at = out + (uint64_t)nev * WASI_EVENT_SIZE;
        if (s->error) { put_event(mem, at, s, s->error); nev++; continue; }
        if (s->type == WASI_EVENTTYPE_CLOCK) {
            if (now >= s->wake) { put_event(mem, at, s, 0); nev++; }
            continue;
        }
        if (s->ready) { put_event(mem, at, s, 0); nev++; continue; }
        short re = s->pfd >= 0 ? pf[s->pfd].revents : 0;
        if (!re) continue;
        if (re & POLLNVAL) { put_event(mem, at, s, WASI_EBADF); nev++; continue; }
        if (re & POLLHUP) s->flags |= WASI_EVENT_FD_HANGUP;
        if (s->type == WASI_EVENTTYPE_FD_READ) {
            int avail = 0;
            if (ioctl(pf[s->pfd].fd, FIONREAD, &avail) == 0 && avail > 0) s->nbytes = (uint64_t)avail;
        }
        put_event(mem, at, s, (re & POLLERR) && !(re & (POLLIN | POLLOUT)) ? WASI_EIO : 0);
        nev++;
    }
    wasi_st32(mem, ret, nev);
    free(subs);
    free(pf);
    return 0;
}
