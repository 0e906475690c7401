/*
 * abort.c — abort() and assert()'s __assert_fail that say why the program
 * stops, before it stops.
 *
 * wasi-libc's abort() is a bare `unreachable`, and a WebAssembly runtime
 * can only report that instruction ("unreachable code was reached"); its
 * __assert_fail prints musl's wording. Natively, glibc prints
 *     prog: file.c:12: func: Assertion `x > 0' failed.
 * and the shell says "Aborted". These replacements write glibc's line, or
 * one saying abort() was called, to fd 2, then trap; the runtime's trap
 * report follows (kiln's names the cause again and shows the backtrace).
 *
 * Nothing here uses stdio or malloc: a program that aborts may have broken
 * either. The line is assembled in a fixed buffer and written with one
 * write(), so that it is not interleaved with other output.
 */
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

typedef struct line {
    char buf[1024];
    size_t len;
} line;

static void put(line *l, const char *s)
{
    size_t n = strlen(s);
    /* Keep room for the final newline. */
    if (n > sizeof l->buf - 1 - l->len) n = sizeof l->buf - 1 - l->len;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void put_uint(line *l, unsigned v)
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

static void emit(line *l)
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
static void put_progname(line *l)
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

_Noreturn void abort(void)
{
    line l = {.len = 0};
    put_progname(&l);
    put(&l, "abort() called");
    emit(&l);
    __builtin_trap();
}

/* glibc's wording, which tests, editors and people already recognise. */
_Noreturn void __assert_fail(const char *expr, const char *file, int line_no,
                             const char *func)
{
    line l = {.len = 0};
    put_progname(&l);
    put(&l, file ? file : "?");
    put(&l, ":");
    put_uint(&l, (unsigned)line_no);
    put(&l, ": ");
    if (func && *func) {
        put(&l, func);
        put(&l, ": ");
    }
    put(&l, "Assertion `");
    put(&l, expr ? expr : "?");
    put(&l, "' failed.");
    emit(&l);
    __builtin_trap();
}
