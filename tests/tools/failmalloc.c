/* failmalloc.c — an LD_PRELOAD shim for allocation-failure injection.
 *
 * One-shot mode (tests/suites/allocfail): the Nth call to malloc, calloc or
 * realloc (KILN_FAIL_ALLOC_AT=N, counted from the process's start) returns
 * NULL, and so does every later one when KILN_FAIL_ALLOC_STICKY=1. With
 * KILN_FAIL_ALLOC_REPORT=FILE the number of calls is written there at exit,
 * so that a test knows how many points there are to fail.
 *
 * Switched mode, for a long-running server (tests/suites/allocfail-serve):
 * with KILN_FAIL_ALLOC_CTL=FILE, SIGUSR2 makes the shim read a number K from
 * FILE; from then on every Kth allocation (counted from the signal) fails,
 * until the next SIGUSR2 reads another K (0: none fail). So the server starts
 * and is set up with no failure, and failures start and stop when the test
 * says. Each SIGUSR2 is acknowledged in FILE.ack: "K FAILED CALLS TOTAL",
 * the failures injected and the calls made under the previous setting and
 * the calls since the process started, written once the new K is in force
 * (the test waits for it). A process exec'd by
 * the server starts with no failure. Without KILN_FAIL_ALLOC_CTL the shim
 * leaves SIGUSR2 alone.
 *
 * The rest go to glibc's own allocator (__libc_*: dlsym would allocate
 * itself). Not for sanitizer builds: ASan owns malloc there. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static long at = -1, calls;
static int sticky, inited;

/* Switched mode: every (nonzero) and the counts since it was set. */
static long every, since, failed;
static char ctl[4096], ack[4096 + 8];

static int fail_now(void) {
    if (!inited) {
        inited = 1;
        const char *a = getenv("KILN_FAIL_ALLOC_AT"), *s = getenv("KILN_FAIL_ALLOC_STICKY");
        at = a ? atol(a) : -1;
        sticky = s && *s == '1';
    }
    long n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
    if (at > 0 && (n == at || (sticky && n > at))) { errno = ENOMEM; return 1; }
    long k = __atomic_load_n(&every, __ATOMIC_RELAXED);
    if (k > 0 && __atomic_add_fetch(&since, 1, __ATOMIC_RELAXED) % k == 0) {
        __atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *malloc(size_t n) { return fail_now() ? NULL : __libc_malloc(n); }
void *calloc(size_t a, size_t b) { return fail_now() ? NULL : __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { return fail_now() ? NULL : __libc_realloc(p, n); }

/* Async-signal-safe from here: open, read, write, close, rename only. */
static size_t put_num(char *p, long v) {
    char tmp[24];
    size_t n = 0, i = 0;
    if (v < 0) v = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) p[i++] = tmp[--n];
    return i;
}

static void on_usr2(int sig) {
    (void)sig;
    int saved = errno;
    char buf[32] = {0};
    long k = 0;
    int fd = open(ctl, O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) k = k * 10 + (buf[i] - '0');
    }
    long was_failed = __atomic_exchange_n(&failed, 0, __ATOMIC_RELAXED);
    long was_calls = __atomic_exchange_n(&since, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&every, k, __ATOMIC_RELAXED);
    /* The acknowledgement appears whole (written aside, then renamed). */
    char tmpname[sizeof ack + 4];
    size_t al = strlen(ack);
    memcpy(tmpname, ack, al);
    memcpy(tmpname + al, ".tmp", 5);
    char line[80];
    size_t l = put_num(line, k);
    line[l++] = ' ';
    l += put_num(line + l, was_failed);
    line[l++] = ' ';
    l += put_num(line + l, was_calls);
    line[l++] = ' ';
    l += put_num(line + l, __atomic_load_n(&calls, __ATOMIC_RELAXED));
    line[l++] = '\n';
    fd = open(tmpname, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        if (write(fd, line, l) != (ssize_t)l) { /* the test sees no acknowledgement */ }
        close(fd);
        rename(tmpname, ack);
    }
    errno = saved;
}

__attribute__((constructor)) static void setup(void) {
    const char *c = getenv("KILN_FAIL_ALLOC_CTL");
    if (!c || !*c || strlen(c) >= sizeof ctl) return;
    memcpy(ctl, c, strlen(c) + 1);
    memcpy(ack, c, strlen(c));
    memcpy(ack + strlen(c), ".ack", 5);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
}

__attribute__((destructor)) static void report(void) {
    const char *f = getenv("KILN_FAIL_ALLOC_REPORT");
    if (!f) return;
    int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", calls);
    if (n > 0 && write(fd, buf, (size_t)n) < 0) { /* the test sees no count */ }
    close(fd);
}
