/* nbody.c — a small N-body simulation in double precision (softened
 * gravity, leapfrog steps); prints the final energy. A kernel for
 * bench/native.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200, steps = argc > 2 ? atoi(argv[2]) : 400;
    double *p = calloc((size_t)n * 6, sizeof *p);
    if (!p) return 1;
    for (int i = 0; i < n; i++) {
        /* No libm here: the result must be the same bits on every engine. */
        p[i * 6 + 0] = (double)(i * 37 % 101) / 10.0 - 5.0;
        p[i * 6 + 1] = (double)(i * 53 % 97) / 10.0 - 4.8;
        p[i * 6 + 2] = (i % 11) * 0.1;
    }
    const double dt = 0.001, eps = 0.01;
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < n; i++) {
            double ax = 0, ay = 0, az = 0;
            for (int j = 0; j < n; j++) {
                double dx = p[j * 6] - p[i * 6], dy = p[j * 6 + 1] - p[i * 6 + 1], dz = p[j * 6 + 2] - p[i * 6 + 2];
                double d2 = dx * dx + dy * dy + dz * dz + eps, inv = 1.0 / (d2 * sqrt(d2));
                ax += dx * inv; ay += dy * inv; az += dz * inv;
            }
            p[i * 6 + 3] += ax * dt; p[i * 6 + 4] += ay * dt; p[i * 6 + 5] += az * dt;
        }
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 3; k++) p[i * 6 + k] += p[i * 6 + 3 + k] * dt;
    }
    double e = 0;
    for (int i = 0; i < n; i++) e += 0.5 * (p[i * 6 + 3] * p[i * 6 + 3] + p[i * 6 + 4] * p[i * 6 + 4] + p[i * 6 + 5] * p[i * 6 + 5]);
    printf("nbody %d bodies, %d steps: kinetic energy %.9f\n", n, steps, e);
    return 0;
}
