/* gen.c — the synthetic image generator: integer arithmetic and a fixed
 * pseudo-random sequence (xorshift32), nothing that could differ by target. */
#include "gen.h"

#include <string.h>

enum pattern gen_parse_pattern(const char *name) {
    static const char *const names[] = {"gradient", "shapes", "noise", "mix"};
    for (int k = 0; k < 4; k++)
        if (!strcmp(name, names[k])) return (enum pattern)k;
    return PAT_NONE;
}

static uint32_t next(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* A value in [0, n) — modulo bias is irrelevant for test pictures. */
static int below(uint32_t *s, int n) { return n > 0 ? (int)(next(s) % (uint32_t)n) : 0; }

static void gradient(image *img) {
    const int w = img->w, h = img->h;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = img->px + ((size_t)y * w + x) * 3;
            p[0] = (unsigned char)(w > 1 ? x * 255 / (w - 1) : 0);
            p[1] = (unsigned char)(h > 1 ? y * 255 / (h - 1) : 0);
            p[2] = (unsigned char)(w + h > 2 ? 255 - (x + y) * 255 / (w + h - 2) : 0);
        }
}

/* Filled circles and rectangles, each in a random colour; drawn over their
 * bounding boxes only, so a 4000x3000 image stays quick to make. */
static void shapes(image *img, uint32_t *s) {
    const int w = img->w, h = img->h, side = w < h ? w : h;
    const int count = 6 + (int)((long long)w * h / 400000);
    for (int k = 0; k < count && k < 48; k++) {
        int cx = below(s, w), cy = below(s, h), r = 1 + below(s, side / 4 + 1);
        unsigned char col[3] = {(unsigned char)below(s, 256), (unsigned char)below(s, 256), (unsigned char)below(s, 256)};
        int circle = below(s, 2);
        int x0 = cx - r < 0 ? 0 : cx - r, x1 = cx + r >= w ? w - 1 : cx + r;
        int y0 = cy - r < 0 ? 0 : cy - r, y1 = cy + r >= h ? h - 1 : cy + r;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) {
                long long dx = x - cx, dy = y - cy;
                if (circle && dx * dx + dy * dy > (long long)r * r) continue;
                memcpy(img->px + ((size_t)y * w + x) * 3, col, 3);
            }
    }
}

/* Adds noise in [-amp, amp] to every byte (amp 0: replaces with random bytes). */
static void noise(image *img, uint32_t *s, int amp) {
    const size_t len = (size_t)img->w * img->h * 3;
    for (size_t i = 0; i < len; i++) {
        if (amp == 0) {
            img->px[i] = (unsigned char)below(s, 256);
        } else {
            int v = img->px[i] + below(s, 2 * amp + 1) - amp;
            img->px[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

int gen_image(image *img, int w, int h, enum pattern pat, uint32_t seed, char *err) {
    if (pat == PAT_NONE) return fail(err, "unknown pattern");
    if (image_alloc(img, w, h, 3, err)) return -1;
    uint32_t s = seed ? seed : 0x9e3779b9u; /* xorshift must not start at 0 */
    switch (pat) {
    case PAT_GRADIENT: gradient(img); break;
    case PAT_SHAPES:
        memset(img->px, 128, (size_t)w * h * 3);
        shapes(img, &s);
        break;
    case PAT_NOISE: noise(img, &s, 0); break;
    default:
        gradient(img);
        shapes(img, &s);
        noise(img, &s, 12);
        break;
    }
    return 0;
}
