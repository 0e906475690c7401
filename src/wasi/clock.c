/* clock.c — clocks, randomness, sched_yield and proc_raise. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <sys/random.h>
#include <time.h>

#include "wasi/wasi_impl.h"

/* The host clock for a WASI clock id; -1 when there is none. */
int wasi_host_clock(uint32_t id);
int wasi_host_clock(uint32_t id) {
    switch (id) {
    case WASI_CLOCK_REALTIME: return CLOCK_REALTIME;
    case WASI_CLOCK_MONOTONIC: return CLOCK_MONOTONIC;
    case WASI_CLOCK_PROCESS_CPUTIME: return CLOCK_PROCESS_CPUTIME_ID;
    case WASI_CLOCK_THREAD_CPUTIME: return CLOCK_THREAD_CPUTIME_ID;
    default: return -1;
    }
}

static uint64_t ns(const struct timespec *t) {
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

uint32_t wasi_clock_res_get(WASI_MEM, uint32_t id, uint32_t ret) {
    int c = wasi_host_clock(id);
    if (c < 0) return WASI_EINVAL;
    if (!wasi_mem_ok(memsize, ret, 8)) return WASI_EFAULT;
    struct timespec t;
    if (clock_getres(c, &t) != 0) return wasi_errno_from_host(errno);
    uint64_t r = ns(&t);
    wasi_st64(mem, ret, r ? r : 1); /* a resolution of 0 would mean nothing */
    return 0;
}

uint32_t wasi_clock_time_get(WASI_MEM, uint32_t id, uint64_t precision, uint32_t ret) {
    (void)precision; /* a hint; the host clock is as precise as it gets */
    int c = wasi_host_clock(id);
    if (c < 0) return WASI_EINVAL;
    if (!wasi_mem_ok(memsize, ret, 8)) return WASI_EFAULT;
    struct timespec t;
    if (clock_gettime(c, &t) != 0) return wasi_errno_from_host(errno);
    wasi_st64(mem, ret, ns(&t));
    return 0;
}

uint32_t wasi_random_get(WASI_MEM, uint32_t buf, uint32_t len) {
    if (!wasi_mem_ok(memsize, buf, len)) return WASI_EFAULT;
    uint32_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(mem + buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return wasi_errno_from_host(errno);
        }
        done += (uint32_t)n;
    }
    return 0;
}

uint32_t wasi_sched_yield(WASI_MEM) {
    sched_yield();
    return 0;
}

uint32_t wasi_proc_raise(WASI_MEM, uint32_t sig) {
    /* Signals are not delivered to guests: there is nothing to run a
     * handler, and raising one on the host would hit kiln itself. */
    return sig == 0 ? 0 : WASI_ENOTSUP;
}
