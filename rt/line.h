/*
 * line.h — one line for stderr, assembled without stdio or malloc and written
 * with one write(), for the runtime's last words: abort() and assert()
 * (abort.c), std::terminate's report of an uncaught C++ exception
 * (cxx/terminate.cpp). A program that stops may have broken stdio or the
 * heap, and one write() keeps the line from interleaving with other output.
 * Static functions: each user gets its own copy of the few it calls.
 */
#ifndef KILN_RT_LINE_H
#define KILN_RT_LINE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

typedef struct line {
    char buf[1024];
    size_t len;
} line;

static inline void put(line *l, const char *s)
{
    size_t n = strlen(s);
    /* Keep room for the final newline. */
    if (n > sizeof l->buf - 1 - l->len) n = sizeof l->buf - 1 - l->len;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static inline void put_uint(line *l, unsigned v)
{
    char digits[16];
    int i = sizeof digits - 1;
    digits[i] = '\0';
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    put(l, digits + i);
}

static inline void emit(line *l)
{
    l->buf[l->len++] = '\n';
    const char *p = l->buf;
    size_t left = l->len;
    while (left > 0) {
        ssize_t n = write(2, p, left);
        if (n <= 0) break;
        p += n;
        left -= (size_t)n;
    }
}

/* argv[0] without its directories, as glibc's __progname, or "" when the
 * arguments do not fit the buffer. wasi-libc leaves __progname unset, so
 * this asks WASI for the arguments again. */
static inline void put_progname(line *l)
{
    __wasi_size_t argc, size;
    if (__wasi_args_sizes_get(&argc, &size) != 0 || argc == 0) return;
    uint8_t *argv[64];
    uint8_t strings[512];
    if (argc > sizeof argv / sizeof argv[0] || size > sizeof strings) return;
    if (__wasi_args_get(argv, strings) != 0) return;
    const char *name = (const char *)argv[0];
    const char *slash = strrchr(name, '/');
    if (slash) name = slash + 1;
    if (!*name) return;
    put(l, name);
    put(l, ": ");
}

#endif
