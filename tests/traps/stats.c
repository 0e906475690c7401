/* stats.c — called across files by divzero.c and int_overflow.c; the
 * static helpers inline into the exported functions at -O2. */
#include "stats.h"

static int sum_of(const int *values, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++) s += values[i];
    return s;
}

static inline int divide(int a, int b)
{
    return a / b;
}

int stats_mean(const int *values, int n)
{
    int s = sum_of(values, n);
    return divide(s, n);
}

int stats_rescale(int value, int divisor)
{
    /* Rounds toward zero like C; -1 flips the sign, and INT_MIN has none
     * to flip. */
    int q = divide(value, divisor);
    return q;
}
