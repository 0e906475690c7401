/* io.h — reading images (PNG, JPEG, PPM/PGM) and writing them (PNG, JPEG,
 * PPM/PGM), from and to files or the standard streams. */
#ifndef IMGPROC_IO_H
#define IMGPROC_IO_H

#include "image.h"

enum format { FMT_NONE, FMT_PNG, FMT_JPEG, FMT_PPM };

/* "png", "jpeg" (or "jpg"), "ppm"; FMT_NONE for anything else. */
enum format format_parse(const char *name);
/* The format a file name's extension asks for, or FMT_NONE. */
enum format format_from_path(const char *path);
const char *format_name(enum format f);

/* Reads and decodes an image; path "-" is stdin. Returns 0 or -1 with err. */
int image_read(const char *path, image *img, char *err);
/* Encodes and writes an image; path "-" is stdout. quality (1..100) is for
 * JPEG. PPM output drops an alpha channel (P5 for grey, P6 for colour). */
int image_write(const image *img, const char *path, enum format fmt, int quality, char *err);

#endif
