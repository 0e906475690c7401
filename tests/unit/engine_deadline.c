/*
 * engine_deadline.c — kiln_limits.timeout_whole_store: one deadline for all
 * of a store's calls (a whole run or request), against the default, where
 * each kiln_call gets the full timeout. Deterministic: the test sleeps past
 * the deadline between two calls instead of racing the timer. The module:
 *   (module (func (export "nop")))
 */
#include <string.h>
#include <time.h>

#include "kiln.h"
#include "tap.h"

static const unsigned char wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
  0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x6e, 0x6f,
  0x70, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b
};

/* Calls nop, sleeps 150 ms, calls nop again; returns the second status. */
static kiln_status twice(kiln_engine *e, kiln_module *m, bool whole, kiln_status *first, kiln_trap **t2) {
    kiln_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.timeout_ns = 100 * 1000000ull;
    lim.timeout_whole_store = whole;
    kiln_store *s = kiln_store_new(e, &lim, NULL);
    kiln_error err = {0};
    kiln_trap *t = NULL;
    kiln_instance *in = kiln_instantiate(s, NULL, m, &t, &err);
    kiln_func *f = in ? kiln_instance_func(in, "nop") : NULL;
    *first = kiln_call(s, f, NULL, 0, NULL, 0, &t, &err);
    kiln_trap_free(t);
    struct timespec ts = {0, 150 * 1000000L};
    nanosleep(&ts, NULL);
    kiln_status st = kiln_call(s, f, NULL, 0, NULL, 0, t2, &err);
    kiln_store_free(s);
    return st;
}

int main(void) {
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_module *m = kiln_module_new(e, wasm, sizeof wasm, &err);
    CHECK(m != NULL, "the module compiles");
    if (!m) TAP_DONE();
    kiln_status first, second;
    kiln_trap *t = NULL;
    second = twice(e, m, true, &first, &t);
    CHECK(first == KILN_OK, "whole-store deadline: a first call well inside the 100 ms runs");
    CHECK(second == KILN_TRAPPED && t && t->kind == KILN_TRAP_TIMEOUT,
          "whole-store deadline: a call 150 ms after the first traps with a timeout before it starts (%s)",
          t ? t->detail : "no trap");
    kiln_trap_free(t);
    t = NULL;
    second = twice(e, m, false, &first, &t);
    CHECK(first == KILN_OK && second == KILN_OK, "per-call deadline (the default): each call gets the full 100 ms");
    kiln_trap_free(t);
    kiln_module_free(m);
    kiln_engine_free(e);
    TAP_DONE();
}
