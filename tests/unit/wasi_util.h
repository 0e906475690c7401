/* wasi_util.h — helpers for the WASI unit tests: a plain byte array plays
 * the guest's linear memory, with a bump allocator for strings and
 * structures, and thin wrappers that put guest paths there. */
#ifndef KILN_WASI_UTIL_H
#define KILN_WASI_UTIL_H
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

/* tap.h's CHECK evaluates its condition twice (once more on failure);
 * these tests call functions with side effects inside it, so T evaluates
 * once and reports the expression text itself. */
#define T(cond, ...)                                                          \
    do {                                                                      \
        bool t_ok_ = (cond);                                                  \
        if (t_ok_) printf("ok - ");                                           \
        else { printf("not ok - "); tap_failed++; }                           \
        printf(__VA_ARGS__);                                                  \
        if (!t_ok_) printf(" (%s:%d: %s)", __FILE__, __LINE__, #cond);        \
        printf("\n");                                                        \
        fflush(stdout);                                                       \
    } while (0)

/* Each test uses some of these helpers. */
#pragma GCC diagnostic ignored "-Wunused-function"

#define MEMSIZE 65536u
static uint8_t mem[MEMSIZE];
static uint32_t brk_ = 1024; /* low addresses stay free for fixed results */

static uint32_t galloc(uint32_t n) {
    uint32_t p = (brk_ + 7u) & ~7u;
    if (p + n > MEMSIZE - 4096) p = 1024; /* wrap: tests use memory briefly */
    brk_ = p + n;
    return p;
}

static uint32_t gstr(const char *s) {
    uint32_t n = (uint32_t)strlen(s);
    uint32_t p = galloc(n + 1);
    memcpy(mem + p, s, n + 1);
    return p;
}

/* One iovec over `len` bytes at `buf`; returns the iovec's address. */
static uint32_t giov(uint32_t buf, uint32_t len) {
    uint32_t p = galloc(8);
    wasi_st32(mem, p, buf);
    wasi_st32(mem, p + 4, len);
    return p;
}

#define RET 16 /* a fixed result slot */

static uint32_t popen_(kiln_wasi *w, uint32_t dirfd, uint32_t lookup, const char *path, uint32_t oflags,
                       uint64_t base, uint64_t inh, uint32_t fdflags, uint32_t *fd) {
    uint32_t p = gstr(path);
    uint32_t r = wasi_path_open(w, mem, MEMSIZE, dirfd, lookup, p, (uint32_t)strlen(path), oflags, base,
                                inh, fdflags, RET);
    *fd = r ? 0xffffffffu : wasi_ld32(mem, RET);
    return r;
}

static uint32_t pwrite_str(kiln_wasi *w, uint32_t fd, const char *s, uint32_t *n) {
    uint32_t b = gstr(s);
    uint32_t r = wasi_fd_write(w, mem, MEMSIZE, fd, giov(b, (uint32_t)strlen(s)), 1, RET);
    *n = r ? 0 : wasi_ld32(mem, RET);
    return r;
}

#define P(s) gstr(s), (uint32_t)strlen(s) /* a guest path argument pair */

/* The host's view: read a whole small file (NULL if absent). */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static bool exists(const char *path) { return access(path, F_OK) == 0 || faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0; }

/* A fresh temp directory holding "sandbox/" (preopened) and "outside/". */
static char tmproot[256];
static void make_tmp(void) {
    snprintf(tmproot, sizeof tmproot, "/tmp/kiln-wasi-XXXXXX");
    if (!mkdtemp(tmproot)) { perror("mkdtemp"); exit(2); }
    char p[700];
    snprintf(p, sizeof p, "%s/sandbox", tmproot);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/outside", tmproot);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/outside/secret", tmproot);
    FILE *f = fopen(p, "w");
    if (f) { fputs("secret", f); fclose(f); }
}

static void rm_tmp(void) {
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmproot);
    if (system(cmd) != 0) fprintf(stderr, "# could not remove %s\n", tmproot);
}

static const char *tp(const char *rel) { /* a host path under tmproot */
    static char buf[4][700];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", tmproot, rel);
    return buf[i];
}

/* A kiln_wasi with the sandbox preopened as "/" at fd 3 and buffered stdio. */
static kiln_wasi *new_sandboxed(bool fallback) {
    char host[700];
    snprintf(host, sizeof host, "%s/sandbox", tmproot);
    kiln_wasi_preopen pre = {host, "/"};
    kiln_wasi_config c = {.preopens = &pre, .npreopens = 1};
    c.stdio[0].kind = c.stdio[1].kind = c.stdio[2].kind = KILN_WASI_STDIO_BUFFER;
    kiln_error err;
    kiln_wasi *w = kiln_wasi_new(&c, &err);
    if (!w) { printf("Bail out! kiln_wasi_new: %s\n", err.message); exit(1); }
    w->force_fallback_resolver = fallback;
    return w;
}
#endif
