/* work.c — a WAGI guest for the delivery tests: the same answer for every
 * WORK (the loop's result does not depend on how often it is repeated), at
 * WORK times the cost. -DTRAP makes a version that traps on every request;
 * -DTAG=N changes the bytes and nothing else. */
#include <stdio.h>

#ifndef WORK
#define WORK 1
#endif
#ifndef TAG
#define TAG 0
#endif

/* noinline and a volatile seed: every repetition is really computed. */
__attribute__((noinline)) static unsigned work(unsigned seed) {
    unsigned h = seed;
    for (unsigned i = 0; i < 100000; i++) h = h * 31u + (i ^ (h >> 7));
    return h;
}

int main(void) {
    volatile unsigned seed = 7;
    volatile int tag = TAG; /* in the code, not in the answer */
    (void)tag;
    unsigned r = 0;
    for (int k = 0; k < WORK; k++) r = work(seed);
#ifdef TRAP
    if (seed == 7) __builtin_trap();
#endif
    printf("Content-Type: text/plain\n\nanswer %u\n", r);
    return 0;
}
