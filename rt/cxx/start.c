/*
 * start.c — the program's entry, _start, with main inside the guard.
 *
 * kiln-c++ links this _start instead of wasi-libc's crt1-command.o when the
 * program is a command built with exceptions. It does what wasi-libc's does
 * (call __original_main, exit with its status when that is not 0), but
 * inside throw.cpp's guard, so that an exception leaving main reaches
 * std::terminate and its message. It has to be this high: for
 * `int main()`, clang-16 defines __original_main (and __main_void) in the
 * program's own object, and for `int main(int, char **)` wasi-libc's
 * __original_main calls main.c's __main_void; both pass through here. (Not
 * -Wl,--wrap=__original_main: wasm-ld-16 then writes DWARF that lays
 * wasi-libc's function over the wrapper, and source lines in trap reports
 * went wrong.) The guard is referenced weakly: it sits with __cxa_throw, so
 * a program that never throws links neither and keeps a module without
 * exception handling.
 */
#include <stdlib.h>

int __original_main(void);
void _start(void);
__attribute__((weak)) int __kiln_cxx_guard_main(int (*main_fn)(int, char **), int argc, char **argv);

static int call_original_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return __original_main();
}

void _start(void)
{
    int r = __kiln_cxx_guard_main ? __kiln_cxx_guard_main(call_original_main, 0, 0) : __original_main();
    if (r != 0) exit(r);
}
