/* pipeline.c — parsing "resize 800x600 blur 2 ..." and running it. */
#include "pipeline.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters.h"

int parse_int(const char *s, int lo, int hi, int *out) {
    if (!s || !*s || !(*s == '-' || (*s >= '0' && *s <= '9'))) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

int parse_size(const char *s, int lo, int hi, int *w, int *h) {
    const char *x = strchr(s, 'x');
    if (!x || x == s || (size_t)(x - s) >= 16) return -1;
    char left[16];
    memcpy(left, s, (size_t)(x - s));
    left[x - s] = 0;
    return parse_int(left, lo, hi, w) || parse_int(x + 1, lo, hi, h) ? -1 : 0;
}

static const char *const op_names[] = {"resize", "blur", "sharpen", "grayscale", "crop", "rotate"};
#define NOPS ((int)(sizeof op_names / sizeof op_names[0]))

int pipeline_is_op(const char *word) {
    for (int k = 0; k < NOPS; k++)
        if (!strcmp(word, op_names[k])) return 1;
    return !strcmp(word, "greyscale") || !strcmp(word, "gray") || !strcmp(word, "grey");
}

int pipeline_parse_op(struct pipeline *p, int argc, char **argv, int *i, char *err) {
    const char *name = argv[*i];
    const char *arg = *i + 1 < argc ? argv[*i + 1] : NULL;
    struct op op = {0};
    int takes_arg = 1;
    if (!strcmp(name, "resize")) {
        op.kind = OP_RESIZE;
        if (!arg || parse_size(arg, 0, IMAGE_MAX_SIDE, &op.a, &op.b) || (op.a == 0 && op.b == 0))
            return fail(err, "resize wants WxH (1..%d; one side may be 0 to keep the aspect ratio), got '%s'",
                        IMAGE_MAX_SIDE, arg ? arg : "nothing");
    } else if (!strcmp(name, "blur")) {
        op.kind = OP_BLUR;
        if (!arg || parse_int(arg, 1, 1000, &op.a))
            return fail(err, "blur wants a radius 1..1000, got '%s'", arg ? arg : "nothing");
    } else if (!strcmp(name, "crop")) {
        op.kind = OP_CROP;
        /* X,Y,WxH */
        char sx[16], sy[16];
        const char *c1 = arg ? strchr(arg, ',') : NULL, *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c1 || !c2 || c1 - arg >= 16 || c2 - c1 - 1 >= 16)
            return fail(err, "crop wants X,Y,WxH, got '%s'", arg ? arg : "nothing");
        memcpy(sx, arg, (size_t)(c1 - arg));
        sx[c1 - arg] = 0;
        memcpy(sy, c1 + 1, (size_t)(c2 - c1 - 1));
        sy[c2 - c1 - 1] = 0;
        if (parse_int(sx, 0, IMAGE_MAX_SIDE, &op.a) || parse_int(sy, 0, IMAGE_MAX_SIDE, &op.b) ||
            parse_size(c2 + 1, 1, IMAGE_MAX_SIDE, &op.c, &op.d))
            return fail(err, "crop wants X,Y,WxH, got '%s'", arg);
    } else if (!strcmp(name, "rotate")) {
        op.kind = OP_ROTATE;
        if (!arg || parse_int(arg, 0, 360, &op.a) || (op.a != 90 && op.a != 180 && op.a != 270))
            return fail(err, "rotate wants 90, 180 or 270, got '%s'", arg ? arg : "nothing");
    } else if (!strcmp(name, "sharpen")) {
        op.kind = OP_SHARPEN;
        takes_arg = 0;
    } else if (pipeline_is_op(name)) { /* grayscale and its spellings */
        op.kind = OP_GRAYSCALE;
        takes_arg = 0;
    } else {
        return fail(err, "unknown operation '%s'", name);
    }
    if (p->count == p->cap) {
        int cap = p->cap ? p->cap * 2 : 8;
        struct op *ops = realloc(p->ops, sizeof *ops * (size_t)cap);
        if (!ops) return fail(err, "out of memory");
        p->ops = ops;
        p->cap = cap;
    }
    p->ops[p->count++] = op;
    *i += takes_arg;
    return 0;
}

static int run_op(const struct op *op, const image *src, image *dst, char *err) {
    switch (op->kind) {
    case OP_RESIZE: {
        int w = op->a, h = op->b;
        /* One side 0: scale it with the other, rounding to nearest, at least 1. */
        if (w == 0) w = (int)(((long long)src->w * h + src->h / 2) / src->h);
        if (h == 0) h = (int)(((long long)src->h * w + src->w / 2) / src->w);
        if (w < 1) w = 1;
        if (h < 1) h = 1;
        return filter_resize(src, dst, w, h, err);
    }
    case OP_BLUR: return filter_blur(src, dst, op->a, err);
    case OP_SHARPEN: return filter_sharpen(src, dst, err);
    case OP_GRAYSCALE: return filter_grayscale(src, dst, err);
    case OP_CROP: return filter_crop(src, dst, op->a, op->b, op->c, op->d, err);
    case OP_ROTATE: return filter_rotate(src, dst, op->a, err);
    }
    return fail(err, "internal error: operation %d", (int)op->kind);
}

int pipeline_run(const struct pipeline *p, image *img, char *err) {
    for (int k = 0; k < p->count; k++) {
        image next;
        char why[ERR_MAX];
        if (run_op(&p->ops[k], img, &next, why))
            return fail(err, "%s (operation %d, %s)", why, k + 1, op_names[p->ops[k].kind]);
        image_free(img);
        *img = next;
    }
    return 0;
}

void pipeline_free(struct pipeline *p) {
    free(p->ops);
    p->ops = NULL;
    p->count = p->cap = 0;
}
