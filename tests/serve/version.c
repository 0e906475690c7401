/* version.c — a WAGI guest that says which version it is, for the serve
 * tests: built twice, with -DVERSION=\"v1\" and -DVERSION=\"v2\". The body is
 * the version, a long run of bytes derived from it, and the version again, so
 * a response mixed from two versions, or cut short, cannot pass for whole. */
#include <stdio.h>

#ifndef VERSION
#define VERSION "v0"
#endif

int main(void) {
    printf("Content-Type: text/plain\n");
    printf("X-Guest-Version: %s\n\n", VERSION);
    printf("%s:", VERSION);
    for (int i = 0; i < 2048; i++) putchar(VERSION[1] + (i % 23));
    printf(":%s\n", VERSION);
    return 0;
}
