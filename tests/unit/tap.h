/* tap.h — the smallest test helper that can work: TAP lines on stdout.
 * CHECK(cond, "what") prints "ok - what" or "not ok - what (file:line)". */
#ifndef KILN_TAP_H
#define KILN_TAP_H
#include <stdio.h>

static int tap_failed;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (cond) {                                                         \
            printf("ok - ");                                                \
        } else {                                                            \
            printf("not ok - ");                                            \
            tap_failed++;                                                   \
        }                                                                   \
        printf(__VA_ARGS__);                                                \
        if (!(cond)) printf(" (%s:%d: %s)", __FILE__, __LINE__, #cond);     \
        printf("\n");                                                       \
        fflush(stdout);                                                     \
    } while (0)

#define TAP_DONE() return tap_failed ? 1 : 0
#endif
