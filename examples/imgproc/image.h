/* image.h — the one image type every imgproc stage passes along, and the
 * error convention they share. */
#ifndef IMGPROC_IMAGE_H
#define IMGPROC_IMAGE_H

#include <stddef.h>

/* 8 bits per channel, rows top to bottom, channels interleaved: n is 1 (grey),
 * 2 (grey+alpha), 3 (RGB) or 4 (RGBA), as stb_image decodes them. */
typedef struct image {
    int w, h, n;
    unsigned char *px;
} image;

/* Failures carry a message in a caller-provided buffer of this size. */
#define ERR_MAX 256

/* Largest accepted side, so that w*h*n always fits in a size_t on wasm32. */
#define IMAGE_MAX_SIDE 32768

/* Allocates an uninitialised image; returns 0, or -1 with a message. */
int image_alloc(image *img, int w, int h, int n, char *err);
void image_free(image *img);

/* Formats a message into err (ERR_MAX bytes) and returns -1. */
int fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
