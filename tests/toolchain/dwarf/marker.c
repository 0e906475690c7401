/* marker.c — input for the toolchain suite's debug-info checks. marker_step
 * makes exactly one call to sink, on the MARK line. The suite finds that call
 * instruction in the disassembly (by the names in the name section) and asks
 * DWARF which source line it belongs to: the answer must be this file's MARK
 * line, and DWARF's range for marker_step must be that function's code. */
#include <stdio.h>
#include <stdlib.h>

/* Not static: clang must not fold the constant argument into the callee. */
__attribute__((noinline)) unsigned sink(unsigned v, unsigned w);
__attribute__((noinline)) unsigned sink(unsigned v, unsigned w) {
    static volatile unsigned acc;
    acc += v ^ w;
    return acc;
}

__attribute__((noinline)) unsigned marker_step(unsigned a, unsigned b) {
    unsigned x = a * 2654435761u + b;
    x = sink(0x5eed1234u, x); /* MARK */
    return x >> 3;
}

int main(int argc, char **argv) {
    unsigned s = 0;
    for (int i = 0; i < argc; i++) s += marker_step((unsigned)i, (unsigned)atoi(argv[i]));
    printf("%u\n", s);
    return 0;
}
