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
#include "line.h"

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
