#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "tally.h"
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 10;
    /* volatile: make libm do the work at run time, not the compiler. */
    volatile double a = 3.0, b = 4.0;
    printf("c: squares(%d) = %ld, hypot = %.1f\n", n, tally_squares(n), hypot(a, b));
    return 0;
}
