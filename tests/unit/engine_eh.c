/*
 * engine_eh.c — exception handling through the public API (include/kiln.h):
 * tags made by the host (kiln_tag_new) satisfying a module's tag import,
 * a host function throwing with kiln_trap_throw and wasm catching it, a
 * host function calling back into wasm and letting its exception through
 * to be caught further out, uncaught exceptions as KILN_TRAP_EXCEPTION
 * traps with their tag and payload, tag exports, type-checked tag imports,
 * and the native tier's refusal. The module (assembled with wat2wasm
 * --enable-exceptions):
 *
 *   (module
 *     (import "host" "throw" (func $hthrow (param i32)))
 *     (import "host" "reenter" (func $reenter (param i32)))
 *     (import "host" "tag" (tag $ht (param i32)))
 *     (tag $own (export "own") (param i64))
 *     (func (export "catch-host") (param i32) (result i32)
 *       (try (result i32)
 *         (do (call $hthrow (local.get 0)) (i32.const -1))
 *         (catch $ht (i32.const 1) (i32.add))))
 *     (func (export "catch-reenter") (param i32) (result i32)
 *       (try (result i32)
 *         (do (call $reenter (local.get 0)) (i32.const -1))
 *         (catch $ht (i32.const 2) (i32.add))))
 *     (func (export "let-host") (param i32) (call $hthrow (local.get 0)))
 *     (func (export "throw-own") (param i64) (throw $own (local.get 0)))
 *     (func (export "throw-imported") (param i32) (throw $ht (local.get 0))))
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "tap.h"

static const unsigned char eh_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x03, 0x60,
    0x01, 0x7f, 0x00, 0x60, 0x01, 0x7e, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x02, 0x29, 0x03, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x05, 0x74, 0x68, 0x72,
    0x6f, 0x77, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x07, 0x72, 0x65,
    0x65, 0x6e, 0x74, 0x65, 0x72, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74,
    0x03, 0x74, 0x61, 0x67, 0x04, 0x00, 0x00, 0x03, 0x06, 0x05, 0x02, 0x02,
    0x00, 0x01, 0x00, 0x0d, 0x03, 0x01, 0x00, 0x01, 0x07, 0x4c, 0x06, 0x03,
    0x6f, 0x77, 0x6e, 0x04, 0x01, 0x0a, 0x63, 0x61, 0x74, 0x63, 0x68, 0x2d,
    0x68, 0x6f, 0x73, 0x74, 0x00, 0x02, 0x0d, 0x63, 0x61, 0x74, 0x63, 0x68,
    0x2d, 0x72, 0x65, 0x65, 0x6e, 0x74, 0x65, 0x72, 0x00, 0x03, 0x08, 0x6c,
    0x65, 0x74, 0x2d, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x04, 0x09, 0x74, 0x68,
    0x72, 0x6f, 0x77, 0x2d, 0x6f, 0x77, 0x6e, 0x00, 0x05, 0x0e, 0x74, 0x68,
    0x72, 0x6f, 0x77, 0x2d, 0x69, 0x6d, 0x70, 0x6f, 0x72, 0x74, 0x65, 0x64,
    0x00, 0x06, 0x0a, 0x38, 0x05, 0x10, 0x00, 0x06, 0x7f, 0x20, 0x00, 0x10,
    0x00, 0x41, 0x7f, 0x07, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x0b, 0x10, 0x00,
    0x06, 0x7f, 0x20, 0x00, 0x10, 0x01, 0x41, 0x7f, 0x07, 0x00, 0x41, 0x02,
    0x6a, 0x0b, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x06, 0x00,
    0x20, 0x00, 0x08, 0x01, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x08, 0x00, 0x0b
};

static kiln_val i32(int32_t v) { kiln_val x; memset(&x, 0, sizeof x); x.type = KILN_I32; x.of.i32 = v; return x; }
static kiln_val i64(int64_t v) { kiln_val x; memset(&x, 0, sizeof x); x.type = KILN_I64; x.of.i64 = v; return x; }

static kiln_tag *host_tag;
static int host_throws;

/* host.throw: throws the host's tag with its argument. */
static kiln_trap *host_throw(kiln_caller *c, void *env, uint64_t *slots) {
    (void)c; (void)env;
    host_throws++;
    kiln_val a = i32((int32_t)slots[0]);
    return kiln_trap_throw(host_tag, &a, 1);
}

/* host.reenter: calls the module's throw-imported and lets its exception
 * (a trap to this C code) go on to the wasm that called us. */
static kiln_trap *host_reenter(kiln_caller *c, void *env, uint64_t *slots) {
    (void)env;
    kiln_func *f = kiln_instance_func(kiln_caller_instance(c), "throw-imported");
    kiln_val a = i32((int32_t)slots[0] * 10);
    kiln_trap *t = NULL;
    kiln_error err = {0};
    if (!f || kiln_call(kiln_caller_store(c), f, &a, 1, NULL, 0, &t, &err) != KILN_TRAPPED)
        return kiln_trap_new(KILN_TRAP_HOST, "reenter: expected the callee to throw");
    return t;
}

static kiln_status call1(kiln_store *s, kiln_instance *in, const char *name, kiln_val arg, kiln_val *res, uint32_t nres,
                         kiln_trap **trap) {
    kiln_error err = {0};
    kiln_func *f = kiln_instance_func(in, name);
    if (!f) return KILN_ERROR;
    return kiln_call(s, f, &arg, 1, res, nres, trap, &err);
}

int main(void) {
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_module *m = kiln_module_new(e, eh_wasm, sizeof eh_wasm, &err);
    CHECK(m != NULL, "the module compiles (%s)", err.message);
    if (!m) TAP_DONE();
    CHECK(kiln_module_features(m) & KILN_FEATURE_EXCEPTIONS, "its features include exception-handling");
    char why[200] = "";
    CHECK(kiln_module_native_supported(m, why, sizeof why),
          "the native tier takes it: exceptions run natively (tests/suites/eh and native compare the tiers) (%s)", why);

    kiln_store *s = kiln_store_new(e, NULL, NULL);
    const kiln_valtype p_i32[] = {KILN_I32}, p_i64[] = {KILN_I64};
    kiln_functype bad = {p_i32, 1, p_i32, 1};
    CHECK(kiln_tag_new(s, &bad, &err) == NULL && err.message[0], "a tag type with results is refused (%s)", err.message);
    kiln_functype tt = {p_i32, 1, NULL, 0};
    host_tag = kiln_tag_new(s, &tt, &err);
    CHECK(host_tag != NULL, "kiln_tag_new makes a tag");
    kiln_functype got;
    kiln_tag_type(host_tag, &got);
    CHECK(got.nparams == 1 && got.params[0] == KILN_I32 && got.nresults == 0, "kiln_tag_type gives its params back");
    kiln_val wrong = i64(1);
    kiln_trap *nt = kiln_trap_throw(host_tag, &wrong, 1);
    CHECK(nt == NULL, "kiln_trap_throw refuses arguments of the wrong type");

    /* A linker whose tag has the wrong type: a link error. */
    kiln_linker *lbad = kiln_linker_new(e);
    kiln_functype t64 = {p_i64, 1, NULL, 0};
    kiln_extern x = {.kind = KILN_EXTERN_TAG, .of.tag = kiln_tag_new(s, &t64, &err)};
    kiln_functype hf = {p_i32, 1, NULL, 0};
    kiln_linker_define_host(lbad, "host", "throw", &hf, host_throw, NULL, &err);
    kiln_linker_define_host(lbad, "host", "reenter", &hf, host_reenter, NULL, &err);
    kiln_linker_define(lbad, "host", "tag", x, &err);
    kiln_trap *trap = NULL;
    memset(&err, 0, sizeof err);
    CHECK(kiln_instantiate(s, lbad, m, &trap, &err) == NULL && strstr(err.message, "incompatible import type") &&
              strstr(err.message, "tag"),
          "a tag import of another type does not link (%s)", err.message);
    kiln_linker_free(lbad);

    kiln_linker *l = kiln_linker_new(e);
    kiln_linker_define_host(l, "host", "throw", &hf, host_throw, NULL, &err);
    kiln_linker_define_host(l, "host", "reenter", &hf, host_reenter, NULL, &err);
    x.of.tag = host_tag;
    kiln_linker_define(l, "host", "tag", x, &err);
    kiln_instance *in = kiln_instantiate(s, l, m, &trap, &err);
    CHECK(in != NULL, "it links with the host's tag (%s)", err.message);
    if (!in) TAP_DONE();

    kiln_val r;
    CHECK(call1(s, in, "catch-host", i32(41), &r, 1, &trap) == KILN_OK && r.of.i32 == 42 && host_throws == 1,
          "wasm catches what a host function throws (41 + 1 = %d)", r.of.i32);
    CHECK(call1(s, in, "catch-reenter", i32(4), &r, 1, &trap) == KILN_OK && r.of.i32 == 42,
          "an exception from a nested kiln_call, let through by the host, is caught further out (4*10 + 2 = %d)", r.of.i32);

    trap = NULL;
    CHECK(call1(s, in, "let-host", i32(7), NULL, 0, &trap) == KILN_TRAPPED && trap && trap->kind == KILN_TRAP_EXCEPTION,
          "a host exception nobody catches ends the call as KILN_TRAP_EXCEPTION");
    if (trap) {
        kiln_val a[2];
        CHECK(trap->exn_tag == host_tag && kiln_trap_exception_args(trap, a, 2) == 1 && a[0].type == KILN_I32 && a[0].of.i32 == 7,
              "the trap carries the tag and the payload (7)");
        CHECK(!strcmp(trap->message, "uncaught wasm exception") && !strcmp(kiln_trap_kind_id(trap->kind), "exception"),
              "its message and id come from the table of trap kinds (%s)", trap->message);
        CHECK(trap->nframes >= 1, "it has a backtrace (%u frames)", trap->nframes);
        kiln_trap_free(trap);
    }

    kiln_extern own;
    CHECK(kiln_instance_export(in, "own", &own) && own.kind == KILN_EXTERN_TAG && own.of.tag, "the module's tag is exported");
    kiln_externdesc d;
    CHECK(kiln_module_find_export(m, "own", &d) && d.kind == KILN_EXTERN_TAG && d.tag_type.nparams == 1 &&
              d.tag_type.params[0] == KILN_I64,
          "its export describes its type");
    trap = NULL;
    CHECK(call1(s, in, "throw-own", i64(-5), NULL, 0, &trap) == KILN_TRAPPED && trap && trap->kind == KILN_TRAP_EXCEPTION &&
              trap->exn_tag == own.of.tag && strstr(trap->detail, "(-5)"),
          "an uncaught wasm throw names its tag and arguments (%s)", trap ? trap->detail : "");
    kiln_trap_free(trap);

    /* The store collects exceptions: many throws leave it bounded. */
    for (int i = 0; i < 5000; i++) {
        trap = NULL;
        if (call1(s, in, "catch-host", i32(i), &r, 1, &trap) != KILN_OK || r.of.i32 != i + 1) break;
        if (i == 4999) CHECK(1, "5000 host throws caught in a row");
    }
    kiln_linker_free(l);
    kiln_store_free(s);
    kiln_module_free(m);
    kiln_engine_free(e);
    TAP_DONE();
}
