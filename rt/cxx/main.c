/*
 * main.c — the way into main for C++ programs built with exceptions.
 *
 * wasi-libc's _start calls __original_main; for `int main(int, char **)`
 * that is wasi-libc's, which calls __main_void, which reads the arguments
 * and calls the program's main (__main_argc_argv). This __main_void,
 * linked before wasi-libc's (libkiln-cxx.a comes first), does the same;
 * original_main.c, one call above, runs it inside throw.cpp's guard, which
 * also covers an `int main(void)` (that one defines __main_void itself).
 * (Not -Wl,--wrap=__original_main: wasm-ld-16 then writes DWARF that places
 * wasi-libc's __original_main over the wrapper, and kiln's and
 * llvm-symbolizer's source lines went wrong; a definition of our own
 * has no such problem.)
 */
#include <stdlib.h>
#include <wasi/api.h>

int __main_argc_argv(int argc, char **argv);
int __main_void(void);

int __main_void(void)
{
    __wasi_size_t argc, size;
    if (__wasi_args_sizes_get(&argc, &size) != 0) _Exit(EXIT_FAILURE);
    /* argv ends with a null pointer, as C requires */
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    char *strings = malloc(size ? size : 1);
    if (!argv || !strings) _Exit(EXIT_FAILURE);
    if (__wasi_args_get((uint8_t **)argv, (uint8_t *)strings) != 0) _Exit(EXIT_FAILURE);
    return __main_argc_argv((int)argc, argv);
}
