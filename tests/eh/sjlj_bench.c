/* sjlj_bench.c — the cost of a setjmp plus a longjmp from a callee, N times
 * (default 1,000,000): bench/RESULTS.md compares kiln with native. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
static jmp_buf jb;
static volatile int sink;
__attribute__((noinline)) static void thrower(int i) { sink += i; if (i >= 0) longjmp(jb, i + 1); }
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000000;
    long long sum = 0;
    for (int i = 0; i < n; i++) {
        int r = setjmp(jb);
        if (r) { sum += r; continue; }
        thrower(i);
    }
    printf("%lld\n", sum);
    return 0;
}
