/* image.h — the two-file image pipeline of the corpus (oob_load). */
#ifndef IMAGE_H
#define IMAGE_H
#include <stdint.h>

struct image {
    int width, height;
    const uint32_t *pixels;
};

uint32_t image_checksum(const struct image *img, int rows);

/* An accessor defined in the header: its frame's file is image.h, its
 * caller's oob_load_image.c. */
static inline uint32_t pixel(const struct image *img, int x, int y)
{
    return img->pixels[y * img->width + x];
}

#endif
