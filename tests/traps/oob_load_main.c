/* out-of-bounds load: an image header whose pixel pointer is garbage.
 * Shapes: a call chain across two files (main -> checksum_all here ->
 * image_checksum in oob_load_image.c, whose static helpers, and pixel()
 * from image.h, inline at -O2). */
#include <stdio.h>
#include "image.h"
#include "trapkit.h"

__attribute__((noinline)) static uint32_t checksum_all(const struct image *imgs, int n)
{
    uint32_t h = 0;
    for (int i = 0; i < n; i++)
        h ^= image_checksum(&imgs[i], imgs[i].height);
    return h;
}

int main(void)
{
    static const uint32_t ok_pixels[4] = {1, 2, 3, 4};
    struct image imgs[2] = {
        {2, 2, ok_pixels},
        {640, 480, (const uint32_t *)tk_wild}, /* a corrupted header */
    };
    printf("%u\n", (unsigned)checksum_all(imgs, 2));
    return 0;
}
