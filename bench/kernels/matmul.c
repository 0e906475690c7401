/* matmul.c — dense single-precision matrix multiply, C = A * B (N x N),
 * i-k-j loop order, repeated; prints a checksum so the work cannot vanish.
 * A kernel for bench/native.sh. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 256, reps = argc > 2 ? atoi(argv[2]) : 8;
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
    if (!a || !b || !c) return 1;
    for (int i = 0; i < n * n; i++) { a[i] = (float)(i % 17) * 0.25f; b[i] = (float)(i % 13) * 0.5f; }
    double sum = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < n * n; i++) c[i] = 0;
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++) {
                float aik = a[i * n + k];
                for (int j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
            }
        sum += c[(r * 7) % (n * n)];
    }
    printf("matmul %d x %d, %d times: checksum %.1f\n", n, n, reps, sum);
    return 0;
}
