/* filters.c — the image operations behind the pipeline (resizing is in
 * resample.c). These loops are also kiln's benchmark workload, so they are
 * plain portable C: no SIMD intrinsics, no target-specific paths; what
 * -msimd128 gains, clang's vectorizer finds. */
#include "filters.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

int filter_blur(const image *src, image *dst, int r, char *err) {
    if (r < 1) return fail(err, "blur radius must be at least 1, not %d", r);
    const int w = src->w, h = src->h, n = src->n;
    const int d = 2 * r + 1, half = d / 2; /* round to nearest on division */
    image tmp;
    if (image_alloc(&tmp, w, h, n, err)) return -1;
    if (image_alloc(dst, w, h, n, err)) { image_free(&tmp); return -1; }
    /* Running sums: each step adds the pixel entering the window and drops the
     * one leaving it, so the cost per pixel does not grow with r. */
    int *colsum = malloc(sizeof(int) * (size_t)w * n);
    if (!colsum) { image_free(&tmp); image_free(dst); return fail(err, "out of memory for blur"); }

    /* Horizontal pass: src -> tmp. */
    for (int y = 0; y < h; y++) {
        const unsigned char *in = src->px + (size_t)y * w * n;
        unsigned char *out = tmp.px + (size_t)y * w * n;
        for (int c = 0; c < n; c++) {
            int sum = 0;
            for (int k = -r; k <= r; k++) sum += in[clampi(k, 0, w - 1) * n + c];
            for (int x = 0; x < w; x++) {
                out[x * n + c] = (unsigned char)((sum + half) / d);
                sum += in[clampi(x + r + 1, 0, w - 1) * n + c] - in[clampi(x - r, 0, w - 1) * n + c];
            }
        }
    }
    /* Vertical pass: tmp -> dst, a row at a time with one running sum per
     * column, so memory is walked in order. */
    const size_t row = (size_t)w * n;
    for (size_t i = 0; i < row; i++) {
        int sum = 0;
        for (int k = -r; k <= r; k++) sum += tmp.px[(size_t)clampi(k, 0, h - 1) * row + i];
        colsum[i] = sum;
    }
    /* Dividing by d as a multiply and a shift: SIMD has no integer divide,
     * so this is what lets the row loop vectorize. For d <= 127 it is exact
     * for every sum the loop can see (0 .. 255 d + d / 2), checked
     * exhaustively, and the products stay below 2^31. */
    const int32_t inv = d <= 127 ? (int32_t)(((1u << 22) + d - 1) / d) : 0;
    for (int y = 0; y < h; y++) {
        unsigned char *out = dst->px + (size_t)y * row;
        const unsigned char *enter = tmp.px + (size_t)clampi(y + r + 1, 0, h - 1) * row;
        const unsigned char *leave = tmp.px + (size_t)clampi(y - r, 0, h - 1) * row;
        if (inv) {
            for (size_t i = 0; i < row; i++) {
                out[i] = (unsigned char)(((colsum[i] + half) * inv) >> 22);
                colsum[i] += enter[i] - leave[i];
            }
        } else {
            for (size_t i = 0; i < row; i++) {
                out[i] = (unsigned char)((colsum[i] + half) / d);
                colsum[i] += enter[i] - leave[i];
            }
        }
    }
    free(colsum);
    image_free(&tmp);
    return 0;
}

int filter_sharpen(const image *src, image *dst, char *err) {
    const int w = src->w, h = src->h, n = src->n;
    if (image_alloc(dst, w, h, n, err)) return -1;
    const size_t row = (size_t)w * n;
    for (int y = 0; y < h; y++) {
        const unsigned char *up = src->px + (size_t)(y > 0 ? y - 1 : 0) * row;
        const unsigned char *mid = src->px + (size_t)y * row;
        const unsigned char *down = src->px + (size_t)(y < h - 1 ? y + 1 : y) * row;
        unsigned char *out = dst->px + (size_t)y * row;
        /* The first and last pixels repeat themselves as their missing
         * neighbour; between them the row is one flat loop over bytes, the
         * left and right neighbours n bytes away, which vectorizes. */
        for (int x = 0; x < w; x += w > 1 ? w - 1 : 1) {
            int l = (x > 0 ? x - 1 : 0) * n, m = x * n, rr = (x < w - 1 ? x + 1 : x) * n;
            for (int c = 0; c < n; c++) {
                int v = 5 * mid[m + c] - up[m + c] - down[m + c] - mid[l + c] - mid[rr + c];
                out[m + c] = (unsigned char)clampi(v, 0, 255);
            }
        }
        for (size_t i = (size_t)n; i + n < row; i++) {
            int v = 5 * mid[i] - up[i] - down[i] - mid[i - n] - mid[i + n];
            out[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    return 0;
}

int filter_grayscale(const image *src, image *dst, char *err) {
    if (src->n <= 2) { /* already grey */
        if (image_alloc(dst, src->w, src->h, src->n, err)) return -1;
        memcpy(dst->px, src->px, (size_t)src->w * src->h * src->n);
        return 0;
    }
    const int out_n = src->n - 2; /* RGB -> Y, RGBA -> YA */
    if (image_alloc(dst, src->w, src->h, out_n, err)) return -1;
    const size_t count = (size_t)src->w * src->h;
    for (size_t i = 0; i < count; i++) {
        const unsigned char *p = src->px + i * src->n;
        /* BT.601 weights in 8.8 fixed point: 0.299, 0.587, 0.114 (sum 256). */
        dst->px[i * out_n] = (unsigned char)((77 * p[0] + 150 * p[1] + 29 * p[2] + 128) >> 8);
        if (out_n == 2) dst->px[i * out_n + 1] = p[3];
    }
    return 0;
}

int filter_crop(const image *src, image *dst, int x, int y, int w, int h, char *err) {
    if (x < 0 || y < 0 || w < 1 || h < 1 || x > src->w - w || y > src->h - h)
        return fail(err, "crop %d,%d,%dx%d does not fit inside the %dx%d image", x, y, w, h, src->w, src->h);
    if (image_alloc(dst, w, h, src->n, err)) return -1;
    const size_t srow = (size_t)src->w * src->n, drow = (size_t)w * src->n;
    for (int j = 0; j < h; j++)
        memcpy(dst->px + (size_t)j * drow, src->px + (size_t)(y + j) * srow + (size_t)x * src->n, drow);
    return 0;
}

int filter_rotate(const image *src, image *dst, int degrees, char *err) {
    if (degrees != 90 && degrees != 180 && degrees != 270)
        return fail(err, "rotate takes 90, 180 or 270, not %d", degrees);
    const int w = src->w, h = src->h, n = src->n;
    const int dw = degrees == 180 ? w : h, dh = degrees == 180 ? h : w;
    if (image_alloc(dst, dw, dh, n, err)) return -1;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            int dx, dy; /* where source pixel (x, y) lands, turning clockwise */
            if (degrees == 90) { dx = h - 1 - y; dy = x; }
            else if (degrees == 180) { dx = w - 1 - x; dy = h - 1 - y; }
            else { dx = y; dy = w - 1 - x; }
            memcpy(dst->px + ((size_t)dy * dw + dx) * n, src->px + ((size_t)y * w + x) * n, (size_t)n);
        }
    }
    return 0;
}

