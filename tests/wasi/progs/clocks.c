/* Clocks and sleeping: what must hold is printed, not the values.
 * run:
 * cflags: -D_WASI_EMULATED_PROCESS_CLOCKS -lwasi-emulated-process-clocks
 * status: 0
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

/* Every property is printed (and compared with Node) and must hold: the
 * exit status says whether all did. Sleeps are checked to 1 ms less than
 * asked: Node's libuv timers count whole milliseconds from a cached loop
 * time and can wake that much early (seen under load in CI); kiln sleeps
 * until the monotonic clock has passed the deadline. */
static int fails;
static int must(int ok) {
    fails += !ok;
    return ok;
}

int main(void) {
    struct timespec a, b, r;
    printf("monotonic: %d\n", must(clock_gettime(CLOCK_MONOTONIC, &a) == 0));
    printf("res monotonic ok: %d\n", must(clock_getres(CLOCK_MONOTONIC, &r) == 0 && ns(r) > 0 && ns(r) <= 1000000));
    int mono_ok = 1;
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (ns(b) < ns(a)) mono_ok = 0;
        a = b;
    }
    printf("monotonic never goes back: %d\n", must(mono_ok));
    clock_gettime(CLOCK_MONOTONIC, &a);
    usleep(20000);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long slept = ns(b) - ns(a);
    printf("usleep(20ms) slept at least 19ms: %d, under 2s: %d\n", must(slept >= 19000000),
           must(slept < 2000000000));
    struct timespec req = {0, 15000000};
    clock_gettime(CLOCK_MONOTONIC, &a);
    nanosleep(&req, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("nanosleep(15ms) slept at least 14ms: %d\n", must(ns(b) - ns(a) >= 14000000));
    time_t now = time(NULL);
    printf("time() after 2024: %d\n", must(now > 1704067200));
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime agrees with time(): %d\n", must(a.tv_sec - now <= 2 && a.tv_sec >= now));
    clock_t c = clock();
    volatile double x = 0;
    for (int i = 0; i < 3000000; i++) x += i * 0.5;
    printf("clock() advances with work: %d\n", must(clock() > c));
    return fails ? 1 : 0;
}
