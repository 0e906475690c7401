/* main.c — imgproc's command line: where the image comes from, which
 * operations to apply, where the result goes. The work is in pipeline.c,
 * filters.c, io.c and gen.c. */
/* isatty is POSIX, not ISO C. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "image.h"
#include "io.h"
#include "pipeline.h"

#define EXIT_USAGE 2

static void usage(FILE *f) {
    fputs("imgproc - decode an image, apply operations in order, encode the result\n"
          "\n"
          "Usage:\n"
          "  imgproc [-i FILE] [OPTIONS] [OPERATION...]\n"
          "  imgproc gen WxH [PATTERN] [OPTIONS] [OPERATION...]\n"
          "\n"
          "Input:\n"
          "  -i FILE          read FILE: PNG, JPEG or PPM/PGM (default: standard input, '-')\n"
          "  gen WxH [PATTERN]\n"
          "                   make a synthetic RGB image instead of reading one; PATTERN is\n"
          "                   gradient, shapes, noise or mix (default mix: gradients, shapes\n"
          "                   and noise); the same arguments always give the same pixels\n"
          "\n"
          "Options:\n"
          "  -o FILE          write FILE (default: standard output, '-')\n"
          "  --format FMT     png, jpeg or ppm (default: from -o's extension, else png)\n"
          "  --quality N      JPEG quality 1..100 (default 90)\n"
          "  --seed N         gen's random seed (default 1)\n"
          "  -h, --help       show this help\n"
          "\n"
          "Operations, applied left to right:\n"
          "  resize WxH       resample to W x H (tent filter); one side 0 keeps the aspect\n"
          "  blur R           box blur of radius R (R=1 is a 3x3 blur)\n"
          "  sharpen          3x3 sharpen\n"
          "  grayscale        to grey (BT.601 luma), keeping alpha\n"
          "  crop X,Y,WxH     keep the W x H rectangle whose top-left corner is X,Y\n"
          "  rotate DEG       turn clockwise by 90, 180 or 270 degrees\n"
          "\n"
          "Example:\n"
          "  imgproc -i in.jpg resize 800x600 blur 2 sharpen -o out.png\n"
          "  imgproc gen 4000x3000 -o big.jpg --quality 85\n"
          "\n"
          "Exit status: 0 on success, 1 for an unreadable image or an I/O error,\n"
          "2 for bad arguments.\n",
          f);
}

/* Everything the command line asks for. */
struct options {
    const char *in, *out;
    enum format fmt;
    int quality, seed;
    enum pattern pat; /* PAT_NONE: read an image; otherwise generate gen_w x gen_h */
    int gen_w, gen_h;
    struct pipeline pipe;
};

/* Returns 0 to go on, 1 when --help was answered, -1 with a message in err. */
static int parse_args(int argc, char **argv, struct options *o, char *err) {
    int i = 1;
    if (argc > 1 && !strcmp(argv[1], "gen")) {
        if (argc < 3 || parse_size(argv[2], 1, IMAGE_MAX_SIDE, &o->gen_w, &o->gen_h))
            return fail(err, "gen wants WxH (1..%d each), got '%s'", IMAGE_MAX_SIDE, argc < 3 ? "nothing" : argv[2]);
        i = 3;
        o->pat = i < argc ? gen_parse_pattern(argv[i]) : PAT_NONE;
        if (o->pat != PAT_NONE) i++;
        else o->pat = PAT_MIX;
    }
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 1;
        }
        if (a[0] != '-' || !a[1]) { /* an operation ("-" alone is not an option) */
            if (pipeline_parse_op(&o->pipe, argc, argv, &i, err)) return -1;
            continue;
        }
        if (strcmp(a, "-i") && strcmp(a, "-o") && strcmp(a, "--format") && strcmp(a, "--quality") && strcmp(a, "--seed"))
            return fail(err, "unknown option '%s'", a);
        if (i + 1 >= argc) return fail(err, "%s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "-i")) {
            if (o->pat != PAT_NONE) return fail(err, "-i and gen cannot be combined");
            o->in = v;
        } else if (!strcmp(a, "-o")) {
            o->out = v;
        } else if (!strcmp(a, "--format")) {
            if ((o->fmt = format_parse(v)) == FMT_NONE) return fail(err, "unknown format '%s' (png, jpeg or ppm)", v);
        } else if (!strcmp(a, "--quality")) {
            if (parse_int(v, 1, 100, &o->quality)) return fail(err, "--quality wants 1..100, got '%s'", v);
        } else if (parse_int(v, 0, 2147483647, &o->seed)) {
            return fail(err, "--seed wants a number 0..2147483647, got '%s'", v);
        }
    }
    if (o->fmt == FMT_NONE) {
        o->fmt = strcmp(o->out, "-") ? format_from_path(o->out) : FMT_PNG;
        if (o->fmt == FMT_NONE) return fail(err, "cannot tell the format from '%s'; use --format png|jpeg|ppm", o->out);
    }
    /* Binary data on a terminal helps nobody and can upset it. */
    if (!strcmp(o->out, "-") && isatty(STDOUT_FILENO))
        return fail(err, "not writing an image to a terminal; use -o FILE or redirect the output");
    return 0;
}

static const char *content_type(enum format f) {
    return f == FMT_JPEG ? "image/jpeg" : f == FMT_PPM ? "image/x-portable-pixmap" : "image/png";
}

/* A CGI answer for a request that cannot be served. */
static int wagi_error(const char *status, const char *msg) {
    printf("Status: %s\nContent-Type: text/plain\n\nimgproc: %s\n", status, msg);
    return 0;
}

/*
 * WAGI mode, when a CGI-style host (kiln serve) runs us: REQUEST_METHOD is
 * set, the request body is the image, and the query's parameters arrive as
 * arguments, "name=value" or a bare "name": operations in order
 * (resize=800x600, blur=2, sharpen, grayscale, crop=X,Y,WxH, rotate=90),
 * options (format=png|jpeg|ppm, quality=N), or gen=WxH to make a test image
 * instead of reading one. The answer is a CGI response: a Content-Type
 * header, a blank line, the image; bad requests get a 400 with the reason.
 */
static int wagi_main(int argc, char **argv) {
    char **args = calloc((size_t)argc * 2 + 2, sizeof *args);
    char *store = NULL;
    size_t total = 0;
    for (int i = 1; i < argc; i++) total += strlen(argv[i]) + 3;
    if (!args || !(store = malloc(total + 1))) { free(args); return wagi_error("500 Internal Server Error", "out of memory"); }
    int n = 0;
    char *w = store;
    args[n++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        bool option = (nl == 6 && !strncmp(a, "format", 6)) || (nl == 7 && !strncmp(a, "quality", 7)) ||
                      (nl == 4 && !strncmp(a, "seed", 4));
        if (nl == 3 && !strncmp(a, "gen", 3) && eq) { /* gen must come first */
            memmove(args + 3, args + 1, (size_t)(n - 1) * sizeof *args);
            args[1] = "gen";
            args[2] = (char *)eq + 1;
            n += 2;
            continue;
        }
        char *name = w;
        if (option) *w++ = '-', *w++ = '-';
        memcpy(w, a, nl);
        w += nl;
        *w++ = 0;
        args[n++] = name;
        if (eq) args[n++] = (char *)eq + 1;
    }
    struct options o = {.in = "-", .out = "-", .fmt = FMT_NONE, .quality = 90, .seed = 1, .pat = PAT_NONE};
    char err[ERR_MAX];
    int rc = parse_args(n, args, &o, err);
    image img = {0};
    if (rc > 0) { /* "help" asked */
        rc = 0;
    } else if (rc < 0) {
        wagi_error("400 Bad Request", err);
    } else if ((rc = o.pat != PAT_NONE ? gen_image(&img, o.gen_w, o.gen_h, o.pat, (uint32_t)o.seed, err) : image_read("-", &img, err))) {
        wagi_error("400 Bad Request", err);
    } else if ((rc = pipeline_run(&o.pipe, &img, err))) {
        wagi_error("400 Bad Request", err);
    } else {
        printf("Content-Type: %s\n\n", content_type(o.fmt));
        fflush(stdout);
        if (image_write(&img, "-", o.fmt, o.quality, err)) fprintf(stderr, "imgproc: %s\n", err);
    }
    image_free(&img);
    pipeline_free(&o.pipe);
    free(store);
    free(args);
    return 0;
}

int main(int argc, char **argv) {
    if (getenv("REQUEST_METHOD")) return wagi_main(argc, argv);
    struct options o = {.in = "-", .out = "-", .fmt = FMT_NONE, .quality = 90, .seed = 1, .pat = PAT_NONE};
    char err[ERR_MAX];
    int rc = parse_args(argc, argv, &o, err);
    if (rc) {
        pipeline_free(&o.pipe);
        if (rc > 0) return 0;
        fprintf(stderr, "imgproc: %s\nimgproc: try 'imgproc --help'\n", err);
        return EXIT_USAGE;
    }
    image img = {0};
    rc = o.pat != PAT_NONE ? gen_image(&img, o.gen_w, o.gen_h, o.pat, (uint32_t)o.seed, err) : image_read(o.in, &img, err);
    if (!rc) rc = pipeline_run(&o.pipe, &img, err);
    if (!rc) rc = image_write(&img, o.out, o.fmt, o.quality, err);
    if (rc) fprintf(stderr, "imgproc: %s\n", err);
    image_free(&img);
    pipeline_free(&o.pipe);
    return rc ? 1 : 0;
}
