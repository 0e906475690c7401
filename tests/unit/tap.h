/* tap.h — the smallest test helper that can work: TAP lines on stdout.
 * CHECK(cond, "what") prints "ok - what" or "not ok - what (file:line)". */
#ifndef KILN_TAP_H
#define KILN_TAP_H
#include <stdio.h>

static int tap_failed;

/* The condition is evaluated once: it may have side effects. */
#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        int tap_ok_ = !!(cond);                                             \
        printf(tap_ok_ ? "ok - " : "not ok - ");                            \
        if (!tap_ok_) tap_failed++;                                         \
        printf(__VA_ARGS__);                                                \
        if (!tap_ok_) printf(" (%s:%d: %s)", __FILE__, __LINE__, #cond);    \
        printf("\n");                                                       \
        fflush(stdout);                                                     \
    } while (0)

#define TAP_DONE() return tap_failed ? 1 : 0
#endif
