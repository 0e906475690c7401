/* gen.h — synthetic test images, so that tests and benchmarks need no
 * binary files in the repository: the same arguments give the same pixels
 * on every target. */
#ifndef IMGPROC_GEN_H
#define IMGPROC_GEN_H

#include <stdint.h>

#include "image.h"

/* gradient: smooth colour ramps; shapes: circles and rectangles on grey;
 * noise: every byte random; mix (the default): all three layered, which
 * looks enough like a photograph to exercise JPEG and resampling. */
enum pattern { PAT_GRADIENT, PAT_SHAPES, PAT_NOISE, PAT_MIX, PAT_NONE };

enum pattern gen_parse_pattern(const char *name);
/* An RGB image of w x h in the given pattern; seed picks shapes and noise. */
int gen_image(image *img, int w, int h, enum pattern pat, uint32_t seed, char *err);

#endif
