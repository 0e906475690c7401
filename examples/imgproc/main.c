/* main.c — imgproc's command line: where the image comes from, which
 * operations to apply, where the result goes. The work is in pipeline.c,
 * filters.c, io.c and gen.c. */
/* isatty is POSIX, not ISO C. */
#define _POSIX_C_SOURCE 200809L
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
          "  resize WxH       resample to W x H (stb_image_resize); one side 0 keeps the aspect\n"
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

static int usage_error(const char *fmt, const char *arg) {
    fputs("imgproc: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nimgproc: try 'imgproc --help'\n", stderr);
    return EXIT_USAGE;
}

int main(int argc, char **argv) {
    const char *in = "-", *out = "-";
    enum format fmt = FMT_NONE;
    int quality = 90, have_input = 0, gen_w = 0, gen_h = 0;
    enum pattern pat = PAT_NONE;
    int seed = 1;
    struct pipeline pipe = {0};
    char err[ERR_MAX];
    int i = 1;

    if (argc > 1 && !strcmp(argv[1], "gen")) {
        if (argc < 3 || parse_size(argv[2], 1, IMAGE_MAX_SIDE, &gen_w, &gen_h))
            return usage_error("gen wants WxH (1..32768 each), got '%s'", argc < 3 ? "nothing" : argv[2]);
        pat = PAT_MIX;
        i = 3;
        if (i < argc && gen_parse_pattern(argv[i]) != PAT_NONE) pat = gen_parse_pattern(argv[i++]);
    }
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            pipeline_free(&pipe);
            return 0;
        } else if (!strcmp(a, "-i") || !strcmp(a, "-o") || !strcmp(a, "--format") || !strcmp(a, "--quality") ||
                   !strcmp(a, "--seed")) {
            if (!v) { pipeline_free(&pipe); return usage_error("%s needs a value", a); }
            i++;
            if (!strcmp(a, "-i")) {
                if (pat != PAT_NONE) { pipeline_free(&pipe); return usage_error("%s", "-i and gen cannot be combined"); }
                in = v;
                have_input = 1;
            } else if (!strcmp(a, "-o")) {
                out = v;
            } else if (!strcmp(a, "--format")) {
                if ((fmt = format_parse(v)) == FMT_NONE) { pipeline_free(&pipe); return usage_error("unknown format '%s' (png, jpeg or ppm)", v); }
            } else if (!strcmp(a, "--quality")) {
                if (parse_int(v, 1, 100, &quality)) { pipeline_free(&pipe); return usage_error("--quality wants 1..100, got '%s'", v); }
            } else if (parse_int(v, 0, 2147483647, &seed)) {
                pipeline_free(&pipe);
                return usage_error("--seed wants a number 0..2147483647, got '%s'", v);
            }
        } else if (a[0] == '-' && a[1]) {
            pipeline_free(&pipe);
            return usage_error("unknown option '%s'", a);
        } else if (pipeline_parse_op(&pipe, argc, argv, &i, err)) {
            pipeline_free(&pipe);
            return usage_error("%s", err);
        }
    }
    (void)have_input;

    if (fmt == FMT_NONE) {
        if (strcmp(out, "-")) {
            fmt = format_from_path(out);
            if (fmt == FMT_NONE) {
                pipeline_free(&pipe);
                return usage_error("cannot tell the format from '%s'; use --format png|jpeg|ppm", out);
            }
        } else {
            fmt = FMT_PNG;
        }
    }
    /* Binary data on a terminal helps nobody and can upset it. */
    if (!strcmp(out, "-") && isatty(STDOUT_FILENO)) {
        pipeline_free(&pipe);
        return usage_error("%s", "not writing an image to a terminal; use -o FILE or redirect the output");
    }

    image img = {0};
    int rc = pat != PAT_NONE ? gen_image(&img, gen_w, gen_h, pat, (uint32_t)seed, err) : image_read(in, &img, err);
    if (!rc) rc = pipeline_run(&pipe, &img, err);
    if (!rc) rc = image_write(&img, out, fmt, quality, err);
    if (rc) fprintf(stderr, "imgproc: %s\n", err);
    image_free(&img);
    pipeline_free(&pipe);
    return rc ? 1 : 0;
}
