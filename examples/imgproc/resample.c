/* resample.c — resizing: a separable triangle filter in 14-bit fixed point.
 *
 * Each axis gets a table: output i is the weighted sum of the source pixels
 * first[i] .. first[i] + count[i] - 1, with weights summing to 1 << 14. The
 * filter is a tent one output pixel wide, so shrinking averages every source
 * pixel under the output one (area-like, no aliasing) and enlarging is
 * bilinear.
 *
 * The vertical pass runs first and walks whole rows: acc[i] += row[i] * w,
 * the same weight across the row, a loop any vectorizer turns into SIMD. The
 * horizontal pass then runs on the (fewer, when shrinking) output rows. The
 * arithmetic is integer, so every build gives the same bytes. */
#include "filters.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define ONE (1 << 14)

typedef struct axis {
    int *first, *count;
    int16_t *w; /* taps weights per output */
    int taps;
} axis;

static void axis_free(axis *a) {
    free(a->first);
    free(a->count);
    free(a->w);
}

static int axis_init(axis *a, int src, int dst) {
    const double scale = (double)src / dst, radius = scale > 1 ? scale : 1;
    a->taps = (int)ceil(radius) * 2 + 1;
    a->first = malloc(sizeof(int) * (size_t)dst);
    a->count = malloc(sizeof(int) * (size_t)dst);
    a->w = malloc(sizeof(int16_t) * (size_t)dst * (size_t)a->taps);
    double *f = malloc(sizeof(double) * (size_t)a->taps);
    if (!a->first || !a->count || !a->w || !f) {
        free(f);
        axis_free(a);
        return -1;
    }
    for (int i = 0; i < dst; i++) {
        const double center = (i + 0.5) * scale; /* in source pixel coordinates */
        int lo = (int)floor(center - radius), hi = (int)ceil(center + radius);
        if (lo < 0) lo = 0;
        if (hi > src) hi = src;
        if (hi - lo > a->taps) hi = lo + a->taps;
        double sum = 0;
        for (int j = lo; j < hi; j++) {
            double d = fabs((j + 0.5 - center) / radius);
            f[j - lo] = d < 1 ? 1 - d : 0;
            sum += f[j - lo];
        }
        /* Taps of weight 0 at either end (the tent's feet) cost work for
         * nothing: drop them. */
        int skip = 0;
        while (hi - lo - skip > 1 && f[skip] == 0) skip++;
        for (int j = skip; j < hi - lo; j++) f[j - skip] = f[j];
        lo += skip;
        while (hi - lo > 1 && f[hi - lo - 1] == 0) hi--;
        if (sum <= 0) { /* cannot happen with the tent, but never divide by 0 */
            f[0] = 1;
            sum = 1;
            hi = lo + 1;
        }
        /* Quantize so the weights add up to exactly ONE: the rounding error
         * goes to the largest weight. */
        int16_t *w = a->w + (size_t)i * a->taps;
        int total = 0, big = 0;
        for (int j = 0; j < hi - lo; j++) {
            w[j] = (int16_t)lrint(f[j] / sum * ONE);
            total += w[j];
            if (w[j] > w[big]) big = j;
        }
        w[big] = (int16_t)(w[big] + ONE - total);
        a->first[i] = lo;
        a->count[i] = hi - lo;
    }
    free(f);
    return 0;
}

static unsigned char to_u8(int32_t acc) {
    int v = (acc + ONE / 2) >> 14;
    return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

int filter_resize(const image *src, image *dst, int w, int h, char *err) {
    const int n = src->n;
    *dst = (image){0};
    axis ax = {0}, ay = {0};
    image tmp = {0};
    int32_t *acc = NULL;
    if (axis_init(&ax, src->w, w) || axis_init(&ay, src->h, h)) goto oom;
    if (image_alloc(&tmp, src->w, h, n, err)) goto failed;
    if (image_alloc(dst, w, h, n, err)) goto failed;
    const size_t srow = (size_t)src->w * n;
    acc = malloc(sizeof *acc * srow);
    if (!acc) goto oom;

    /* Vertical: src (src->w x src->h) -> tmp (src->w x h). */
    for (int y = 0; y < h; y++) {
        const int16_t *wy = ay.w + (size_t)y * ay.taps;
        for (size_t i = 0; i < srow; i++) acc[i] = 0;
        for (int k = 0; k < ay.count[y]; k++) {
            const unsigned char *in = src->px + (size_t)(ay.first[y] + k) * srow;
            const int32_t wk = wy[k];
            for (size_t i = 0; i < srow; i++) acc[i] += in[i] * wk;
        }
        unsigned char *out = tmp.px + (size_t)y * srow;
        for (size_t i = 0; i < srow; i++) out[i] = to_u8(acc[i]);
    }
    /* Horizontal: tmp (src->w x h) -> dst (w x h). */
    for (int y = 0; y < h; y++) {
        const unsigned char *in = tmp.px + (size_t)y * srow;
        unsigned char *out = dst->px + (size_t)y * w * n;
        for (int x = 0; x < w; x++) {
            const int16_t *wx = ax.w + (size_t)x * ax.taps;
            const unsigned char *p = in + (size_t)ax.first[x] * n;
            const int taps = ax.count[x];
            if (n == 3) { /* RGB, the common case: the channels side by side */
                int32_t r = 0, g = 0, b = 0;
                for (int k = 0; k < taps; k++, p += 3) {
                    r += p[0] * wx[k];
                    g += p[1] * wx[k];
                    b += p[2] * wx[k];
                }
                out[x * 3] = to_u8(r);
                out[x * 3 + 1] = to_u8(g);
                out[x * 3 + 2] = to_u8(b);
                continue;
            }
            for (int c = 0; c < n; c++) {
                int32_t a = 0;
                for (int k = 0; k < taps; k++) a += p[k * n + c] * wx[k];
                out[x * n + c] = to_u8(a);
            }
        }
    }
    free(acc);
    image_free(&tmp);
    axis_free(&ax);
    axis_free(&ay);
    return 0;
oom:
    fail(err, "resize to %dx%d: out of memory", w, h);
failed:
    free(acc);
    image_free(&tmp);
    image_free(dst);
    axis_free(&ax);
    axis_free(&ay);
    return -1;
}
