/* image.c — allocation and the shared error helper. */
#include "image.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int fail(char *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, ERR_MAX, fmt, ap);
    va_end(ap);
    return -1;
}

int image_alloc(image *img, int w, int h, int n, char *err) {
    img->w = img->h = img->n = 0;
    img->px = NULL;
    if (w < 1 || h < 1 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE || n < 1 || n > 4)
        return fail(err, "bad image size %dx%d with %d channels", w, h, n);
    /* On wasm32 size_t is 32 bits: 32768*32768*4 would overflow, so check. */
    size_t bytes = (size_t)w * (size_t)h;
    if (bytes > ((size_t)-1) / (size_t)n) return fail(err, "image %dx%d is too large", w, h);
    bytes *= (size_t)n;
    img->px = malloc(bytes);
    if (!img->px) return fail(err, "out of memory for a %dx%d image (%zu bytes)", w, h, bytes);
    img->w = w;
    img->h = h;
    img->n = n;
    return 0;
}

void image_free(image *img) {
    free(img->px);
    img->px = NULL;
    img->w = img->h = img->n = 0;
}
