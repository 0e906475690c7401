/* wasi_engine.c — the binding layer through the real engine: one linker
 * serving two stores with their own WASI state, captured stdout, proc_exit,
 * a guest pointer out of range, poll_oneoff against a store deadline, and a
 * store with no WASI state attached. The module is assembled here, byte by
 * byte, so the test needs no outside tool. */
#include <time.h>

#include "tap.h"
#include "wasi_util.h"

typedef struct { uint8_t b[1024]; size_t n; } buf;
static void put(buf *o, const void *p, size_t n) { memcpy(o->b + o->n, p, n); o->n += n; }
static void byte(buf *o, uint8_t v) { o->b[o->n++] = v; }
static void uleb(buf *o, uint32_t v) { do { uint8_t c = v & 0x7f; v >>= 7; byte(o, c | (v ? 0x80 : 0)); } while (v); }
static void name(buf *o, const char *s) { uleb(o, (uint32_t)strlen(s)); put(o, s, strlen(s)); }
static void section(buf *o, uint8_t id, const buf *body) { byte(o, id); uleb(o, (uint32_t)body->n); put(o, body->b, body->n); }

/* Imports: 0 fd_write, 1 poll_oneoff, 2 proc_exit. Exports: hello (writes
 * "hi\n" to fd 1), sleep (poll_oneoff on a 10 s monotonic clock), bye
 * (proc_exit 5), badptr (fd_write with iovecs at 0xfffffff0, returns the
 * errno), memory. */
static size_t build(uint8_t *out) {
    buf m = {.n = 0}, s;
    put(&m, "\0asm\1\0\0\0", 8);
    s.n = 0; /* types */
    uint8_t types[] = {4, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f, 0x60, 1, 0x7f, 0, 0x60, 0, 0, 0x60, 0, 1, 0x7f};
    put(&s, types, sizeof types);
    section(&m, 1, &s);
    s.n = 0; /* imports */
    uleb(&s, 3);
    const char *imp[] = {"fd_write", "poll_oneoff", "proc_exit"};
    uint8_t it[] = {0, 0, 1};
    for (int i = 0; i < 3; i++) { name(&s, "wasi_snapshot_preview1"); name(&s, imp[i]); byte(&s, 0); byte(&s, it[i]); }
    section(&m, 2, &s);
    s.n = 0; /* functions */
    uint8_t fs[] = {4, 2, 2, 2, 3};
    put(&s, fs, sizeof fs);
    section(&m, 3, &s);
    s.n = 0; /* memory */
    uint8_t mem1[] = {1, 0, 1};
    put(&s, mem1, sizeof mem1);
    section(&m, 5, &s);
    s.n = 0; /* exports */
    uleb(&s, 5);
    name(&s, "memory"); byte(&s, 2); byte(&s, 0);
    const char *ex[] = {"hello", "sleep", "bye", "badptr"};
    for (int i = 0; i < 4; i++) { name(&s, ex[i]); byte(&s, 0); byte(&s, (uint8_t)(3 + i)); }
    section(&m, 7, &s);
    s.n = 0; /* code */
    uleb(&s, 4);
    uint8_t hello[] = {0, 0x41, 1, 0x41, 0, 0x41, 1, 0x41, 8, 0x10, 0, 0x1a, 0x0b};
    uint8_t sleep_[] = {0, 0x41, 0xc8, 1, 0x41, 0xac, 2, 0x41, 1, 0x41, 0x90, 3, 0x10, 1, 0x1a, 0x0b};
    uint8_t bye[] = {0, 0x41, 5, 0x10, 2, 0x0b};
    uint8_t badptr[] = {0, 0x41, 1, 0x41, 0x70, 0x41, 1, 0x41, 8, 0x10, 0, 0x0b};
    uleb(&s, sizeof hello); put(&s, hello, sizeof hello);
    uleb(&s, sizeof sleep_); put(&s, sleep_, sizeof sleep_);
    uleb(&s, sizeof bye); put(&s, bye, sizeof bye);
    uleb(&s, sizeof badptr); put(&s, badptr, sizeof badptr);
    section(&m, 10, &s);
    s.n = 0; /* data */
    uleb(&s, 3);
    uint8_t iov[] = {100, 0, 0, 0, 3, 0, 0, 0};
    byte(&s, 0); byte(&s, 0x41); byte(&s, 0); byte(&s, 0x0b); uleb(&s, sizeof iov); put(&s, iov, sizeof iov);
    byte(&s, 0); byte(&s, 0x41); byte(&s, 0xe4); byte(&s, 0); byte(&s, 0x0b); uleb(&s, 3); put(&s, "hi\n", 3);
    uint8_t sub[48] = {0};
    sub[16] = 1; /* monotonic */
    uint64_t ten_s = 10000000000ull;
    memcpy(sub + 24, &ten_s, 8);
    byte(&s, 0); byte(&s, 0x41); byte(&s, 0xc8); byte(&s, 1); byte(&s, 0x0b); uleb(&s, 48); put(&s, sub, 48);
    section(&m, 11, &s);
    memcpy(out, m.b, m.n);
    return m.n;
}

static kiln_wasi *buffered(void) {
    kiln_wasi_config c = {0};
    c.stdio[0].kind = KILN_WASI_STDIO_NULL;
    c.stdio[1].kind = c.stdio[2].kind = KILN_WASI_STDIO_BUFFER;
    return kiln_wasi_new(&c, NULL);
}

static kiln_status call(kiln_store *s, kiln_instance *i, const char *fn, kiln_val *res, uint32_t nres, kiln_trap **trap) {
    kiln_error err;
    kiln_status st = kiln_call(s, kiln_instance_func(i, fn), NULL, 0, res, nres, trap, &err);
    if (st == KILN_ERROR) printf("# %s: %s\n", fn, err.message);
    return st;
}

int main(void) {
    uint8_t bytes[1024];
    size_t n = build(bytes);
    kiln_error err;
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_module *m = e ? kiln_module_new(e, bytes, n, &err) : NULL;
    if (!m) { printf("Bail out! %s\n", err.message); return 1; }
    kiln_linker *l = kiln_linker_new(e);
    T(kiln_wasi_define(l, &err), "kiln_wasi_define");
    kiln_extern x;
    T(kiln_linker_get(l, "wasi_snapshot_preview1", "sock_shutdown", &x) && x.kind == KILN_EXTERN_FUNC,
      "the linker has wasi_snapshot_preview1.sock_shutdown");

    /* Two stores, one linker, each with its own state. */
    kiln_wasi *w1 = buffered(), *w2 = buffered();
    kiln_store *s1 = kiln_store_new(e, NULL, NULL), *s2 = kiln_store_new(e, NULL, NULL);
    T(kiln_wasi_attach(w1, s1, &err) && kiln_wasi_attach(w2, s2, &err), "attach a WASI state to each store");
    T(kiln_wasi_from_store(s1) == w1 && kiln_wasi_from_store(s2) == w2, "each store finds its own");
    kiln_trap *trap = NULL;
    kiln_instance *i1 = kiln_instantiate(s1, l, m, &trap, &err);
    kiln_instance *i2 = kiln_instantiate(s2, l, m, &trap, &err);
    T(i1 && i2, "instantiate in both stores");
    if (!i1 || !i2) { printf("Bail out! %s\n", err.message); return 1; }
    T(call(s1, i1, "hello", NULL, 0, &trap) == KILN_OK, "hello in store 1");
    T(call(s1, i1, "hello", NULL, 0, &trap) == KILN_OK, "hello again in store 1");
    T(call(s2, i2, "hello", NULL, 0, &trap) == KILN_OK, "hello in store 2");
    size_t len;
    const uint8_t *o = kiln_wasi_output(w1, 1, &len, NULL);
    T(len == 6 && !memcmp(o, "hi\nhi\n", 6), "store 1 captured \"hi\\nhi\\n\"");
    o = kiln_wasi_output(w2, 1, &len, NULL);
    T(len == 3 && !memcmp(o, "hi\n", 3), "store 2 captured \"hi\\n\" alone");
    kiln_wasi_usage u;
    kiln_wasi_get_usage(w1, &u);
    T(u.calls[KILN_WASI_FD_WRITE] == 2 && u.stdout_bytes == 6, "usage: 2 fd_write calls, 6 bytes in store 1");

    kiln_val r;
    T(call(s1, i1, "badptr", &r, 1, &trap) == KILN_OK && r.of.i32 == WASI_EFAULT,
      "iovecs at 0xfffffff0 give errno FAULT (%d), not a crash", r.of.i32);

    T(call(s1, i1, "bye", NULL, 0, &trap) == KILN_TRAPPED && trap && trap->kind == KILN_TRAP_EXIT && trap->exit_code == 5,
      "proc_exit(5) is an exit trap with code 5");
    kiln_trap_free(trap);

    /* poll_oneoff against the store's deadline. */
    kiln_limits lim = {.timeout_ns = 100000000u};
    kiln_store *s3 = kiln_store_new(e, &lim, NULL);
    kiln_wasi *w3 = buffered();
    kiln_wasi_attach(w3, s3, &err);
    kiln_instance *i3 = kiln_instantiate(s3, l, m, &trap, &err);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    kiln_status st = i3 ? call(s3, i3, "sleep", NULL, 0, &trap) : KILN_ERROR;
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    T(st == KILN_TRAPPED && trap && trap->kind == KILN_TRAP_TIMEOUT, "a 10 s poll_oneoff under a 100 ms timeout traps with TIMEOUT");
    T(secs >= 0.09 && secs < 2.0, "after about 100 ms (%.3f s)", secs);
    if (trap) kiln_trap_free(trap);

    /* A store without WASI state: a trap that says what is missing. */
    kiln_store *s4 = kiln_store_new(e, NULL, NULL);
    kiln_instance *i4 = kiln_instantiate(s4, l, m, &trap, &err);
    st = i4 ? call(s4, i4, "hello", NULL, 0, &trap) : KILN_ERROR;
    T(st == KILN_TRAPPED && trap && trap->kind == KILN_TRAP_HOST && strstr(trap->detail, "kiln_wasi_attach"),
      "no WASI state attached: a host trap naming kiln_wasi_attach");
    if (trap) kiln_trap_free(trap);

    kiln_store_free(s1); kiln_store_free(s2); kiln_store_free(s3); kiln_store_free(s4);
    kiln_wasi_free(w1); kiln_wasi_free(w2); kiln_wasi_free(w3);
    kiln_linker_free(l);
    kiln_module_free(m);
    kiln_engine_free(e);
    TAP_DONE();
}
