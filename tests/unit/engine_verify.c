/*
 * engine_verify.c — the register-code verifier (src/engine/verify.c)
 * accepts what the compiler emits and refuses code that breaks each of its
 * rules: an unknown instruction, a length that overruns the function, a
 * branch into the middle of an instruction, a slot outside the frame, a
 * global the module does not have. The module (wat2wasm):
 *
 *   (module (memory 1) (global $g (mut i32) (i32.const 0))
 *     (func (export "f") (param i32 i32) (result i32) (local i32)
 *       (loop $l
 *         (local.set 2 (i32.add (local.get 2) (i32.load (local.get 0))))
 *         (global.set $g (local.get 2))
 *         (br_if $l (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))))
 *       (local.get 2)))
 *
 * And exception handling's rules: handlers cover whole instructions, land
 * on instructions, deliver into the frame; throws name the module's tags.
 * (wat2wasm --enable-exceptions):
 *
 *   (module (tag $e (param i32))
 *     (func (export "g") (param i32) (result i32)
 *       (try (result i32)
 *         (do (throw $e (local.get 0)))
 *         (catch $e (try (do (rethrow 1)) (catch_all))))))
 */
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "engine/opshape.h"
#include "engine/runtime.h"
#include "tap.h"

static const unsigned char wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60,
  0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01,
  0x00, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x05,
  0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x22, 0x01, 0x20, 0x01, 0x01, 0x7f,
  0x03, 0x40, 0x20, 0x02, 0x20, 0x00, 0x28, 0x02, 0x00, 0x6a, 0x21, 0x02,
  0x20, 0x02, 0x24, 0x00, 0x20, 0x01, 0x41, 0x01, 0x6b, 0x22, 0x01, 0x0d,
  0x00, 0x0b, 0x20, 0x02, 0x0b};

static const unsigned char eh_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60,
    0x01, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x01,
    0x0d, 0x03, 0x01, 0x00, 0x00, 0x07, 0x05, 0x01, 0x01, 0x67, 0x00, 0x00,
    0x0a, 0x13, 0x01, 0x11, 0x00, 0x06, 0x7f, 0x20, 0x00, 0x08, 0x00, 0x07,
    0x00, 0x06, 0x40, 0x09, 0x01, 0x19, 0x0b, 0x0b, 0x0b
};

/* The first instruction of f whose op satisfies want, or -1. */
static int64_t find(const funcdef *f, bool (*want)(int op)) {
    for (uint32_t at = 0; at < f->code_len;) {
        int op = op_at(f->code + at);
        if (op < 0) return -1;
        if (want(op)) return at;
        at += op_len(f->code + at, op);
    }
    return -1;
}
static bool is_branch(int op) { return op_branch_operand(op) >= 0; }
static bool is_load(int op) { return op_shape(op) == SH_LOAD; }
static bool is_global_set(int op) { return op == OP_global_set; }
static bool is_throw(int op) { return op == OP_throw; }

static void eh_rules(kiln_engine *e) {
    kiln_error err = {0};
    kiln_module *m = kiln_module_new(e, eh_wasm, sizeof eh_wasm, &err);
    CHECK(m != NULL, "the exception-handling module compiles (%s)", err.message);
    if (!m) return;
    funcdef *f = &m->funcs[0];
    char why[200];
    CHECK(code_verify(m, f, why, sizeof why) && f->neh == 2 && f->neh_clauses == 2,
          "its code and handler table verify (%u handlers, %u clauses)", f->neh, f->neh_clauses);
    if (f->neh < 2 || f->neh_clauses < 2) { kiln_module_free(m); return; }
    eh_handler h0 = f->eh[0], h1 = f->eh[1];
    eh_clause c0 = f->eh_clauses[0];
    f->eh[0].end = f->code_len + 1;
    CHECK(!code_verify(m, f, why, sizeof why) && strstr(why, "handler 0"), "a handler past the code is refused (%s)", why);
    f->eh[0] = h0;
    f->eh[1].parent = 1;
    CHECK(!code_verify(m, f, why, sizeof why) && strstr(why, "parent"), "a handler that is its own parent is refused (%s)", why);
    f->eh[1] = h1;
    f->eh_clauses[0].target += 1;
    CHECK(!code_verify(m, f, why, sizeof why) && strstr(why, "non-instruction"), "a clause landing inside an instruction is refused (%s)", why);
    f->eh_clauses[0] = c0;
    f->eh_clauses[0].dst = f->frame_slots;
    CHECK(!code_verify(m, f, why, sizeof why) && strstr(why, "payload"), "a payload outside the frame is refused (%s)", why);
    f->eh_clauses[0] = c0;
    f->eh_clauses[0].exn_slot = f->frame_slots;
    CHECK(!code_verify(m, f, why, sizeof why) && strstr(why, "exception slot"), "an exception slot outside the frame is refused (%s)", why);
    f->eh_clauses[0] = c0;
    int64_t t = find(f, is_throw);
    CHECK(t >= 0, "it has a throw");
    if (t >= 0) {
        uint32_t tag = f->code[t + 2];
        f->code[t + 2] = 9;
        CHECK(!code_verify(m, f, why, sizeof why) && strstr(why, "tag"), "a throw of an unknown tag is refused (%s)", why);
        f->code[t + 2] = tag;
    }
    CHECK(code_verify(m, f, why, sizeof why), "restored, the exception-handling function verifies again (%s)", why);
    kiln_module_free(m);
}

int main(void) {
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_module *m = e ? kiln_module_new(e, wasm, sizeof wasm, &err) : NULL;
    CHECK(m != NULL, "the module compiles");
    if (!m) TAP_DONE();
    funcdef *f = &m->funcs[0];
    char why[200];
    CHECK(code_verify(m, f, why, sizeof why), "the compiler's code verifies");

    uint32_t *saved = malloc(f->code_len * sizeof *saved);
    if (!saved) TAP_DONE();
    memcpy(saved, f->code, f->code_len * sizeof *saved);
    uint32_t len = f->code_len;
#define RESTORE() (memcpy(f->code, saved, len * sizeof *saved), f->code_len = len)

    int64_t b = find(f, is_branch);
    CHECK(b >= 0, "it has a branch");
    if (b >= 0) {
        int bo = op_branch_operand(op_at(f->code + b));
        f->code[b + 2 + bo] += 1; /* one unit into the target instruction */
        CHECK(!code_verify(m, f, why, sizeof why) && strstr(why, "branch"),
              "a branch into the middle of an instruction is refused (%s)", why);
        RESTORE();
    }
    int64_t l = find(f, is_load);
    CHECK(l >= 0, "it has a load");
    if (l >= 0) {
        f->code[l + 2] = f->frame_slots; /* the destination, one past the frame */
        CHECK(!code_verify(m, f, why, sizeof why) && strstr(why, "slot"), "a slot outside the frame is refused (%s)", why);
        RESTORE();
    }
    int64_t g = find(f, is_global_set);
    CHECK(g >= 0, "it has a global.set");
    if (g >= 0) {
        f->code[g + 2] = 7;
        CHECK(!code_verify(m, f, why, sizeof why) && strstr(why, "global"), "an unknown global is refused (%s)", why);
        RESTORE();
    }
    f->code_len = len - 1;
    CHECK(!code_verify(m, f, why, sizeof why), "a length that cuts the last instruction is refused (%s)", why);
    RESTORE();
    f->code[0] = 0xdeadbeef;
    f->code[1] = 0x12345678;
    CHECK(!code_verify(m, f, why, sizeof why) && strstr(why, "unknown"), "an unknown instruction is refused (%s)", why);
    RESTORE();
    CHECK(code_verify(m, f, why, sizeof why), "restored, it verifies again");
    eh_rules(e);
    free(saved);
    kiln_module_free(m);
    kiln_engine_free(e);
    TAP_DONE();
}
