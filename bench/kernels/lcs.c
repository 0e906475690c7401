/* lcs.c — dynamic programming: the longest common subsequence of two
 * pseudo-random byte strings, with one rolling row of 32-bit integers,
 * repeated; prints the lengths' sum. A kernel for bench/native.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 4000, reps = argc > 2 ? atoi(argv[2]) : 6;
    unsigned char *x = malloc(n), *y = malloc(n);
    uint32_t *row = malloc(sizeof *row * (n + 1));
    if (!x || !y || !row) return 1;
    uint32_t seed = 12345;
    for (int i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; x[i] = (unsigned char)('a' + (seed >> 16) % 4); }
    for (int i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; y[i] = (unsigned char)('a' + (seed >> 16) % 4); }
    uint64_t total = 0;
    for (int r = 0; r < reps; r++) {
        for (int j = 0; j <= n; j++) row[j] = 0;
        for (int i = 1; i <= n; i++) {
            uint32_t diag = 0;
            for (int j = 1; j <= n; j++) {
                uint32_t up = row[j];
                row[j] = x[(i + r) % n] == y[j - 1] ? diag + 1 : (up > row[j - 1] ? up : row[j - 1]);
                diag = up;
            }
        }
        total += row[n];
    }
    printf("lcs %d x %d, %d times: %llu\n", n, n, reps, (unsigned long long)total);
    return 0;
}
