/* filters.h — the image operations. Each takes the source image and fills a
 * new destination image (allocated here); the caller frees both. All return 0,
 * or -1 with a message in err. Integer arithmetic only, except resize (stb's
 * float resampler), so results are the same on every target. */
#ifndef IMGPROC_FILTERS_H
#define IMGPROC_FILTERS_H

#include "image.h"

/* Box blur of radius r (a (2r+1)x(2r+1) mean; r=1 is the 3x3 blur), run as
 * two separable passes with edge pixels repeated beyond the border. */
int filter_blur(const image *src, image *dst, int r, char *err);
/* 3x3 sharpen: 5*centre minus the four neighbours, clamped to 0..255. */
int filter_sharpen(const image *src, image *dst, char *err);
/* To grey (ITU-R BT.601 luma), keeping alpha: RGB -> 1 channel, RGBA -> 2. */
int filter_grayscale(const image *src, image *dst, char *err);
/* The w x h rectangle at (x, y), which must lie inside the image. */
int filter_crop(const image *src, image *dst, int x, int y, int w, int h, char *err);
/* Clockwise rotation by 90, 180 or 270 degrees. */
int filter_rotate(const image *src, image *dst, int degrees, char *err);
/* Resampling to w x h: a separable tent filter (area-averaging when
 * shrinking, bilinear when enlarging), in fixed point; resample.c. */
int filter_resize(const image *src, image *dst, int w, int h, char *err);

#endif
