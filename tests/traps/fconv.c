/* float -> int conversions that wasm's i32.trunc_f64_s refuses: NaN
 * ("invalid conversion", argument "nan") and 3e9, out of int's range
 * ("integer overflow", argument "big"). Natively the TK_TRUNC_I32 stand-in
 * traps on the same line (trapkit.h). */
#include <stdio.h>
#include <string.h>
#include "trapkit.h"

static inline int to_fixed(double v, double scale)
{
    return TK_TRUNC_I32(v * scale);
}

__attribute__((noinline)) static int quantise(const double *v, int n, double scale)
{
    int acc = 0;
    for (int i = 0; i < n; i++)
        acc += to_fixed(v[i], scale);
    return acc;
}

int main(int argc, char **argv)
{
    double v[3] = {0.5, 0.25, 0};
    v[2] = argc > 1 && !strcmp(argv[1], "nan") ? tk_nan : tk_huge;
    printf("%d\n", quantise(v, 3, 1.0));
    return 0;
}
