/* stencil.c — a 5-point Jacobi stencil on a 2D double grid, iterated;
 * prints a checksum. A kernel for bench/native.sh. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 512, steps = argc > 2 ? atoi(argv[2]) : 100;
    double *u = calloc((size_t)n * n, sizeof *u), *v = calloc((size_t)n * n, sizeof *v);
    if (!u || !v) return 1;
    for (int i = 0; i < n; i++) u[i] = u[(n - 1) * n + i] = 1.0; /* hot top and bottom edges */
    for (int s = 0; s < steps; s++) {
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                v[i * n + j] = 0.25 * (u[(i - 1) * n + j] + u[(i + 1) * n + j] + u[i * n + j - 1] + u[i * n + j + 1]);
        for (int i = 0; i < n; i++) v[i] = v[(n - 1) * n + i] = 1.0;
        double *t = u; u = v; v = t;
    }
    double sum = 0;
    for (int i = 0; i < n * n; i++) sum += u[i];
    printf("stencil %d x %d, %d steps: checksum %.6f\n", n, n, steps, sum);
    return 0;
}
