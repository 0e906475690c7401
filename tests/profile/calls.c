/* calls.c — a program whose call structure the profile suite knows: main
 * calls a(k) three times and b(k) once; a and b are the same loop over
 * different variables, so each call of either costs the same fuel. fib(n)
 * recurses (2 fib(n+1) - 1 calls). argv: K [N [trap|exit]]. */
#include <stdio.h>
#include <stdlib.h>

#define NOINLINE __attribute__((noinline))

volatile unsigned sink_a, sink_b;

NOINLINE void a(int k) {
    for (int i = 0; i < k; i++) sink_a += (unsigned)i;
}

NOINLINE void b(int k) {
    for (int i = 0; i < k; i++) sink_b += (unsigned)i;
}

NOINLINE unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int main(int argc, char **argv) {
    int k = argc > 1 ? atoi(argv[1]) : 1000;
    for (int j = 0; j < 3; j++) a(k);
    b(k);
    unsigned f = argc > 2 ? fib((unsigned)atoi(argv[2])) : 0;
    if (argc > 3 && argv[3][0] == 't') __builtin_trap();
    if (argc > 3 && argv[3][0] == 'e') exit(5);
    return (int)(f & 1);
}
