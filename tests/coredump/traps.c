/* traps.c — one way to reach each trap kind from C, chosen by argv[1]; the
 * coredump suite runs it under `kiln run --coredump` and checks what the
 * coredump says against the program and against V8. Every trapping function
 * is noinline and takes known arguments, so its frame and locals are known. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

volatile int zero = 0, minus_one = -1, int_min = INT_MIN;
volatile double not_a_number = NAN, huge = 1e300;
volatile unsigned sink;

/* The frame whose locals the suite checks: params 7, 0, 123456789012, 2.5. */
NOINLINE int divide(int a, int b, long long c, double d) {
    return a / b + (int)c + (int)d;
}

NOINLINE int overflow(int a, int b) { return a / b; }

/* A C cast of NaN is undefined behaviour, which clang lowers with a range
 * check that never traps; the builtin is the wasm instruction itself. */
NOINLINE int convert(double d) { return __builtin_wasm_trunc_s_i32_f64(d); }

NOINLINE void die(void) { __builtin_trap(); }

NOINLINE int load(unsigned addr) { return *(volatile int *)(uintptr_t)addr; }

NOINLINE void store(unsigned addr, int v) { *(volatile int *)(uintptr_t)addr = v; }

typedef int (*int_fn)(int);
typedef double (*dbl_fn)(double, double);
NOINLINE int twice(int x) { return 2 * x; }
NOINLINE int call_through(int_fn f, int x) { return f(x); }
NOINLINE double call_dbl(dbl_fn f) { return f(1.0, 2.0); }

/* Recursion deep enough to exhaust a small --max-stack long before the C
 * stack (1 MiB of linear memory) runs out. */
NOINLINE int recurse(int n) {
    volatile int local = n;
    return n == -1 ? 0 : recurse(n + 1) + local;
}

/* Runs until fuel or the deadline stops it. */
NOINLINE void spin(unsigned n) {
    for (;;) sink += n++;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: traps KIND\n"); return 2; }
    const char *k = argv[1];
    int_fn fp = twice;
    if (!strcmp(k, "divide")) return divide(7, zero, 123456789012LL, 2.5);
    if (!strcmp(k, "overflow")) return overflow(int_min, minus_one);
    if (!strcmp(k, "convert")) return convert(not_a_number);
    if (!strcmp(k, "convert-range")) return convert(huge);
    if (!strcmp(k, "unreachable")) { die(); return 0; }
    if (!strcmp(k, "load")) return load(0xfffffff0u);
    if (!strcmp(k, "store")) { store(0xfffffff0u, 42); return 0; }
    /* A function pointer is an index into the table: wrong type, null
     * (entry 0 is always empty) and past the end. */
    if (!strcmp(k, "indirect-type")) return (int)call_dbl((dbl_fn)(void *)fp);
    if (!strcmp(k, "indirect-null")) return call_through((int_fn)(uintptr_t)zero, 1);
    if (!strcmp(k, "indirect-range")) return call_through((int_fn)(uintptr_t)(0x7fff0000u + (unsigned)zero), 1);
    if (!strcmp(k, "stack")) return recurse(0);
    if (!strcmp(k, "spin")) { spin(1); return 0; }
    if (!strcmp(k, "exit")) exit(3);
    printf("ok\n");
    return 0;
}
