/* integer overflow: INT_MIN / -1, whose quotient does not fit (wasm
 * i32.div_s traps; x86 idiv raises #DE, SIGFPE). */
#include <stdio.h>
#include "stats.h"
#include "trapkit.h"

static int normalise(int sample, int gain)
{
    return stats_rescale(sample, gain);
}

__attribute__((noinline)) static int process(const int *samples, int n, int gain)
{
    int acc = 0;
    for (int i = 0; i < n; i++)
        acc ^= normalise(samples[i], gain);
    return acc;
}

int main(void)
{
    int samples[3] = {100, -200, tk_int_min};
    printf("%d\n", process(samples, 3, tk_minus_one));
    return 0;
}
