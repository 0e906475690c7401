/* The image half of oob_load: pixel() (image.h) is inlined into row_hash,
 * which is inlined into image_checksum at -O2. The walk's next position
 * depends on the value just loaded, so no compiler reorders or widens the
 * loads: the first one is the one that faults. */
#include "image.h"

static uint32_t row_hash(const struct image *img, int y)
{
    uint32_t h = 2166136261u;
    int x = 0;
    for (int i = 0; i < img->width; i++) {
        uint32_t p = pixel(img, x, y);
        h = (h ^ p) * 16777619u;
        x = (int)((x + p + 1) % (uint32_t)img->width);
    }
    return h;
}

uint32_t image_checksum(const struct image *img, int rows)
{
    uint32_t h = 0;
    for (int y = 0; y < rows; y++)
        h += row_hash(img, y);
    return h;
}
