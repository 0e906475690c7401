/* pipeline.h — the operations named on the command line, parsed into a list
 * and applied in order. */
#ifndef IMGPROC_PIPELINE_H
#define IMGPROC_PIPELINE_H

#include "image.h"

enum op_kind { OP_RESIZE, OP_BLUR, OP_SHARPEN, OP_GRAYSCALE, OP_CROP, OP_ROTATE };

struct op {
    enum op_kind kind;
    int a, b, c, d; /* resize: w, h (0 = keep aspect); blur: radius; crop: x, y, w, h; rotate: degrees */
};

struct pipeline {
    struct op *ops;
    int count, cap;
};

/* Whether word names an operation (resize, blur, ...). */
int pipeline_is_op(const char *word);
/* Parses the operation at argv[*i] and its arguments, appends it and moves *i
 * to the last word used. Returns 0, or -1 with a message in err. */
int pipeline_parse_op(struct pipeline *p, int argc, char **argv, int *i, char *err);
/* Applies every operation to *img in order; *img is replaced as it goes. */
int pipeline_run(const struct pipeline *p, image *img, char *err);
void pipeline_free(struct pipeline *p);

/* Strict number parsing shared with main.c: all of s, within [lo, hi]. */
int parse_int(const char *s, int lo, int hi, int *out);
/* "WxH" with each side within [lo, hi]. */
int parse_size(const char *s, int lo, int hi, int *w, int *h);

#endif
