/* Corpus: recursion deep enough (with an argument) to run the C shadow
 * stack past its start, plus a division that can trap. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static int depth_sum(int n, volatile char *prev)
{
    volatile char frame[256];
    frame[0] = (char)n;
    frame[255] = prev ? prev[0] : 0;
    if (n == 0) return frame[0];
    return depth_sum(n - 1, frame) + frame[255];
}

__attribute__((noinline)) int ratio(int a, int b)
{
    return a / b;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10;
    printf("%d %d\n", depth_sum(n, NULL), ratio(n, argc > 2 ? 0 : 3));
    return 0;
}
