/* Corpus: the filter half of the two-file program: a static helper, a
 * static inline function that the optimiser inlines, an exported one. */
#include "pipeline.h"

static int sample_row(const unsigned char *img, int w, int x, int y)
{
    /* No clamping on purpose: radius 1000000 reads far outside. */
    return img[y * w + x];
}

static inline int blur(const unsigned char *img, int w, int x, int y, int r)
{
    int acc = 0, n = 0;
    for (int dy = -r; dy <= r; dy += r ? r : 1)
        for (int dx = -r; dx <= r; dx += r ? r : 1) {
            acc += sample_row(img, w, x + dx, y + dy);
            n++;
        }
    return acc / n;
}

long apply(const unsigned char *img, unsigned char *out, int w, int h, int radius)
{
    long sum = 0;
    for (int y = radius; y < h - radius || y == radius; y++)
        for (int x = radius; x < w - radius || x == radius; x++) {
            int v = blur(img, w, x, y, radius);
            out[y * w + x] = (unsigned char)v;
            sum += v;
        }
    return sum;
}
