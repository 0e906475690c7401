/* Corpus: a two-file C program (see pipeline_filter.c). With an argument
 * it reads far outside its image, so it traps in sample_row. */
#include <stdio.h>
#include <stdlib.h>

#include "pipeline.h"

static int parse_radius(const char *s)
{
    int r = atoi(s);
    return r < 0 ? -r : r;
}

int main(int argc, char **argv)
{
    enum { W = 64, H = 48 };
    static unsigned char img[W * H], out[W * H];
    for (int i = 0; i < W * H; i++) img[i] = (unsigned char)(i * 7);
    int radius = argc > 1 ? parse_radius(argv[1]) : 1;
    long sum = apply(img, out, W, H, radius);
    printf("%ld\n", sum);
    return 0;
}
