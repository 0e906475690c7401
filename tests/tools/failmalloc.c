/* failmalloc.c — an LD_PRELOAD shim for allocation-failure injection
 * (tests/suites/allocfail): the Nth call to malloc, calloc or realloc
 * (KILN_FAIL_ALLOC_AT=N, counted from the process's start) returns NULL,
 * and so does every later one when KILN_FAIL_ALLOC_STICKY=1. The rest go to
 * glibc's own allocator (__libc_*: dlsym would allocate itself). With
 * KILN_FAIL_ALLOC_REPORT=FILE the number of calls is written there at exit,
 * so that a test knows how many points there are to fail. Not for
 * sanitizer builds: ASan owns malloc there. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static long at = -1, calls;
static int sticky, inited;

static int fail_now(void) {
    if (!inited) {
        inited = 1;
        const char *a = getenv("KILN_FAIL_ALLOC_AT"), *s = getenv("KILN_FAIL_ALLOC_STICKY");
        at = a ? atol(a) : -1;
        sticky = s && *s == '1';
    }
    long n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
    if (at > 0 && (n == at || (sticky && n > at))) { errno = ENOMEM; return 1; }
    return 0;
}

void *malloc(size_t n) { return fail_now() ? NULL : __libc_malloc(n); }
void *calloc(size_t a, size_t b) { return fail_now() ? NULL : __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { return fail_now() ? NULL : __libc_realloc(p, n); }

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
