/* io.c — whole-file reads into memory, decoding with stb_image, encoding
 * with stb_image_write. Nothing here depends on the target: stdin and files
 * are read the same way natively and under WASI. */
/* strcasecmp is POSIX, not ISO C. */
#define _POSIX_C_SOURCE 200809L
#include "io.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

enum format format_parse(const char *name) {
    if (!strcasecmp(name, "png")) return FMT_PNG;
    if (!strcasecmp(name, "jpeg") || !strcasecmp(name, "jpg")) return FMT_JPEG;
    if (!strcasecmp(name, "ppm") || !strcasecmp(name, "pgm") || !strcasecmp(name, "pnm")) return FMT_PPM;
    return FMT_NONE;
}

enum format format_from_path(const char *path) {
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash)) return FMT_NONE;
    return format_parse(dot + 1);
}

const char *format_name(enum format f) {
    switch (f) {
    case FMT_PNG: return "png";
    case FMT_JPEG: return "jpeg";
    case FMT_PPM: return "ppm";
    default: return "none";
    }
}

/* Reads a whole stream: stdin may be a pipe, so its size is not known ahead. */
static int read_all(FILE *f, const char *what, unsigned char **out, size_t *len, char *err) {
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) return fail(err, "out of memory reading %s", what);
    for (;;) {
        if (n == cap) {
            if (cap > (size_t)INT_MAX / 2) { free(buf); return fail(err, "%s is larger than 1 GiB", what); }
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); return fail(err, "out of memory reading %s", what); }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        return fail(err, "cannot read %s: %s", what, strerror(e));
    }
    *out = buf;
    *len = n;
    return 0;
}

int image_read(const char *path, image *img, char *err) {
    int from_stdin = !strcmp(path, "-");
    const char *what = from_stdin ? "standard input" : path;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    if (!f) return fail(err, "cannot open %s: %s", path, strerror(errno));
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = read_all(f, what, &buf, &len, err);
    if (!from_stdin) fclose(f);
    if (rc) return rc;
    if (len == 0) { free(buf); return fail(err, "%s is empty, not an image", what); }

    int w, h, n;
    unsigned char *px = stbi_load_from_memory(buf, (int)len, &w, &h, &n, 0);
    free(buf);
    if (!px) return fail(err, "cannot decode %s: %s (PNG, JPEG and PPM/PGM are supported)", what, stbi_failure_reason());
    img->w = w;
    img->h = h;
    img->n = n;
    img->px = px; /* stb allocates with malloc, so image_free's free() fits */
    return 0;
}

/* stb_image_write's callback: fwrite, remembering the first failure. */
struct sink {
    FILE *f;
    int failed;
};
static void sink_write(void *ctx, void *data, int size) {
    struct sink *s = ctx;
    if (!s->failed && size > 0 && fwrite(data, 1, (size_t)size, s->f) != (size_t)size) s->failed = errno ? errno : EIO;
}

static int write_ppm(const image *img, struct sink *s) {
    int grey = img->n <= 2; /* 1 or 2 channels: grey (+alpha); 3 or 4: RGB (+alpha) */
    int out_n = grey ? 1 : 3;
    char header[64];
    int hl = snprintf(header, sizeof header, "P%d\n%d %d\n255\n", grey ? 5 : 6, img->w, img->h);
    sink_write(s, header, hl);
    if (img->n == out_n) {
        /* Rows one at a time: a whole 4000x3000 image as one int-sized write
         * would be fine too, but this keeps sizes well inside int. */
        for (int y = 0; y < img->h; y++) sink_write(s, img->px + (size_t)y * img->w * out_n, img->w * out_n);
        return 0;
    }
    unsigned char *row = malloc((size_t)img->w * out_n);
    if (!row) return -1;
    for (int y = 0; y < img->h; y++) {
        const unsigned char *src = img->px + (size_t)y * img->w * img->n;
        for (int x = 0; x < img->w; x++)
            for (int c = 0; c < out_n; c++) row[x * out_n + c] = src[x * img->n + c];
        sink_write(s, row, img->w * out_n);
    }
    free(row);
    return 0;
}

int image_write(const image *img, const char *path, enum format fmt, int quality, char *err) {
    int to_stdout = !strcmp(path, "-");
    const char *what = to_stdout ? "standard output" : path;
    FILE *f = to_stdout ? stdout : fopen(path, "wb");
    if (!f) return fail(err, "cannot create %s: %s", path, strerror(errno));
    struct sink s = {f, 0};
    int ok = 1;
    errno = 0;
    switch (fmt) {
    case FMT_PNG:
        ok = stbi_write_png_to_func(sink_write, &s, img->w, img->h, img->n, img->px, img->w * img->n) != 0;
        break;
    case FMT_JPEG:
        ok = stbi_write_jpg_to_func(sink_write, &s, img->w, img->h, img->n, img->px, quality) != 0;
        break;
    case FMT_PPM:
        ok = write_ppm(img, &s) == 0;
        break;
    default:
        ok = 0;
        break;
    }
    int close_failed = to_stdout ? fflush(f) != 0 : fclose(f) != 0;
    if (!ok) return fail(err, "cannot encode %s as %s (out of memory?)", what, format_name(fmt));
    if (s.failed) return fail(err, "cannot write %s: %s", what, strerror(s.failed));
    if (close_failed) return fail(err, "cannot write %s: %s", what, strerror(errno));
    return 0;
}
