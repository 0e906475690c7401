/*
 * verify.c — a checker of compiled register code: what the interpreter and
 * the native tier take for granted without checking at run time.
 *
 *   - every instruction is known (op_at) and the lengths add up to the
 *     function's code_len exactly;
 *   - every branch (offsets of br*, br_table's table) lands on the start of
 *     an instruction inside the function;
 *   - every slot operand of the instructions whose operand shape is known
 *     (the .def rows, opshape.h, and the data-movement, global and branch
 *     instructions) lies inside the frame, a v128 with both its slots;
 *   - global and tag indexes are the module's;
 *   - exception handlers (module.h) cover whole instructions, nest inside
 *     earlier ones, land on instructions, and deliver their payload (and
 *     exception) inside the frame.
 *
 * A violation is a compiler bug, never the module's fault: the module was
 * validated first. The libFuzzer target runs this on everything the
 * compiler emits (tests/fuzz/fuzz_module.c), so a fuzzed module that makes
 * the compiler emit bad code is a finding even when running it would not
 * crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/opshape.h"
#include "engine/runtime.h"

typedef struct V {
    const funcdef *f;
    const kiln_module *m;
    char *why;
    size_t n;
} V;

static bool fail(V *v, uint32_t at, const char *what, uint32_t x) {
    snprintf(v->why, v->n, "function %u, unit %u (%s): %s %u", v->f->index, at,
             op_at(v->f->code + at) >= 0 ? op_names[op_at(v->f->code + at)] : "?", what, x);
    return false;
}

/* Operand i of the instruction at pc is a slot (w = 1) or a v128 (w = 2). */
static bool slot(V *v, uint32_t at, const uint32_t *pc, int i, int w) {
    uint32_t s = pc[2 + i];
    if ((uint64_t)s + (uint64_t)w > v->f->frame_slots) return fail(v, at, "slot outside the frame:", s);
    return true;
}

/* Operand i of the instruction at pc is a memory index. */
static bool memidx(V *v, uint32_t at, const uint32_t *pc, int i) {
    if (pc[2 + i] >= v->m->nmemories) return fail(v, at, "no such memory:", pc[2 + i]);
    return true;
}

#define S(i) slot(v, at, pc, (i), 1)
#define M(i) memidx(v, at, pc, (i))
#define W(i) slot(v, at, pc, (i), 2)

static bool operands(V *v, uint32_t at, const uint32_t *pc, int op) {
    int xb = op_x_base(op);
    if (xb >= 0) {
        if (pc[4] >= v->m->nxargs) return fail(v, at, "no such memarg:", pc[4]);
        if (v->m->xargs[pc[4]].mem >= v->m->nmemories) return fail(v, at, "no such memory:", v->m->xargs[pc[4]].mem);
        op = xb;
    }
    switch (op_shape(op)) {
    case SH_UN32: case SH_UN64: case SH_FUN32: case SH_FUN64: case SH_CONV: case SH_TRUNC:
    case SH_BIN32K: case SH_BIN64K: case SH_CMP64K: case SH_LOAD: case SH_STORE:
        return S(0) && S(1);
    case SH_BIN32: case SH_BIN64: case SH_CMP64: case SH_FCMP32: case SH_FCMP64: case SH_FBIN32: case SH_FBIN64:
    case SH_BITS2: case SH_IDIV:
        return S(0) && S(1) && S(2);
    case SH_SIMD_TEST: case SH_EXTRACT: return S(0) && W(1);
    case SH_SPLAT: return W(0) && S(1);
    case SH_SIMD_UN: case SH_SIMD_SHIFT_K: return W(0) && W(1);
    case SH_SIMD_BIN: return W(0) && W(1) && W(2);
    case SH_SIMD_TERN: return W(0) && W(1) && W(2) && W(3);
    case SH_SIMD_SHIFT: return W(0) && W(1) && S(2);
    case SH_REPLACE: return W(0) && W(1) && S(2);
    case SH_VLOAD: return W(0) && S(1);
    case SH_VSTORE: return S(0) && W(1);
    case SH_VLOAD_LANE: return W(0) && S(1) && W(3);
    case SH_VSTORE_LANE: return S(0) && W(1);
    default: break;
    }
    switch (op) {
    case OP_copy: return S(0) && S(1);
    case OP_copy128: return W(0) && W(1);
    case OP_const32: case OP_const64: case OP_memory_size: return S(0);
    case OP_xmemory_size: return M(1) && S(0);
    case OP_xmemory_grow: return M(2) && S(0) && S(1);
    case OP_xmemory_fill: return M(3) && S(0) && S(1) && S(2);
    case OP_xmemory_copy: return M(3) && M(4) && S(0) && S(1) && S(2);
    case OP_xmemory_init:
        if (pc[2] >= v->m->ndatas) return fail(v, at, "no such data segment:", pc[2]);
        return M(4) && S(1) && S(2) && S(3);
    case OP_const128: return W(0);
    case OP_select: return S(0) && S(1) && S(2) && S(3);
    case OP_select128: return W(0) && W(1) && W(2) && S(3);
    case OP_global_get:
        if (pc[3] >= v->m->nglobals) return fail(v, at, "no such global:", pc[3]);
        return S(0);
    case OP_global_set:
        if (pc[2] >= v->m->nglobals) return fail(v, at, "no such global:", pc[2]);
        return S(1);
    case OP_throw: {
        if (pc[2] >= v->m->ntags) return fail(v, at, "no such tag:", pc[2]);
        uint32_t n = v->m->types[v->m->tag_types[pc[2]]].param_slots;
        if ((uint64_t)pc[3] + n > v->f->frame_slots) return fail(v, at, "arguments outside the frame from slot", pc[3]);
        return true;
    }
    case OP_throw_ref:
        return S(0);
    case OP_return_call: {
        const funcdef *t;
        memcpy(&t, pc + 2, sizeof t);
        if ((uint64_t)pc[4] + t->type->param_slots > v->f->frame_slots) return fail(v, at, "arguments outside the frame from slot", pc[4]);
        return true;
    }
    case OP_return_call_import:
        if (pc[2] >= v->m->nfunc_imports) return fail(v, at, "no such imported function:", pc[2]);
        if ((uint64_t)pc[3] + v->m->types[v->m->func_types[pc[2]]].param_slots > v->f->frame_slots)
            return fail(v, at, "arguments outside the frame from slot", pc[3]);
        return true;
    case OP_return_call_indirect:
        if (pc[2] >= v->m->ntables) return fail(v, at, "no such table:", pc[2]);
        return S(3) && S(2);
    case OP_ret_slot: case OP_br_z: case OP_br_nz: case OP_br_z_back: case OP_br_nz_back: case OP_br_table:
        return S(0);
    default:
        break;
    }
    if (op_branch_operand(op) == 2) return S(0) && (strstr(op_names[op], "_k") ? true : S(1));
    return true;
}

static bool handler_fail(V *v, uint32_t h, const char *what, uint32_t x) {
    snprintf(v->why, v->n, "function %u, handler %u: %s %u", v->f->index, h, what, x);
    return false;
}

static bool verify_handlers(V *v, const uint8_t *start) {
    const funcdef *f = v->f;
    for (uint32_t h = 0; h < f->neh; h++) {
        const eh_handler *e = &f->eh[h];
        if (e->start > e->end || e->end > f->code_len) return handler_fail(v, h, "range past the code, end", e->end);
        if (e->start < e->end && (!start[e->start] || (e->end < f->code_len && !start[e->end])))
            return handler_fail(v, h, "range not on instructions, start", e->start);
        if (e->parent >= (int32_t)h || e->parent < -1) return handler_fail(v, h, "parent not enclosing:", (uint32_t)e->parent);
        if (e->kind == EH_DELEGATE && (e->delegate >= (int32_t)h || e->delegate < -1))
            return handler_fail(v, h, "delegate not enclosing:", (uint32_t)e->delegate);
        if ((uint64_t)e->first + e->nclauses > f->neh_clauses) return handler_fail(v, h, "clauses past the table:", e->first);
        for (uint32_t k = 0; k < e->nclauses; k++) {
            const eh_clause *c = &f->eh_clauses[e->first + k];
            if (c->target >= f->code_len || !start[c->target]) return handler_fail(v, h, "clause lands on a non-instruction:", c->target);
            uint64_t n = c->kind == EH_CATCH_REF || c->kind == EH_CATCH_ALL_REF;
            if (c->tag != EH_NO_TAG) {
                if (c->tag >= v->m->ntags) return handler_fail(v, h, "no such tag:", c->tag);
                if (c->kind == EH_CATCH || c->kind == EH_CATCH_REF) n += v->m->types[v->m->tag_types[c->tag]].param_slots;
            }
            if (c->dst + n > f->frame_slots) return handler_fail(v, h, "payload outside the frame from slot", c->dst);
            if (c->exn_slot != UINT32_MAX && c->exn_slot >= f->frame_slots) return handler_fail(v, h, "exception slot outside the frame:", c->exn_slot);
        }
    }
    return true;
}

bool code_verify(const kiln_module *m, const funcdef *f, char *why, size_t n) {
    V vv = {f, m, why, n}, *v = &vv;
    uint8_t *start = calloc((size_t)f->code_len + 1, 1);
    if (!start) { snprintf(why, n, "out of memory"); return false; }
    bool ok = true;
    uint32_t at = 0;
    while (ok && at < f->code_len) {
        const uint32_t *pc = f->code + at;
        int op = op_at(pc);
        if (op < 0) { ok = fail(v, at, "unknown instruction", 0); break; }
        if (op_units[op] > f->code_len - at) { ok = fail(v, at, "runs past the end, units", op_units[op]); break; }
        uint32_t len = op_len(pc, op);
        if (len > f->code_len - at) { ok = fail(v, at, "runs past the end, units", len); break; }
        start[at] = 1;
        ok = operands(v, at, pc, op);
        at += len;
    }
    if (ok && at != f->code_len) ok = fail(v, at, "the last instruction overruns code_len", f->code_len);
    /* Branch targets, now that every start is known. */
    for (at = 0; ok && at < f->code_len;) {
        const uint32_t *pc = f->code + at;
        int op = op_at(pc);
        int bo = op_branch_operand(op);
        if (bo >= 0) {
            uint64_t to = (uint64_t)at + (uint64_t)(int64_t)(int32_t)pc[2 + bo];
            if (to >= f->code_len || !start[to]) ok = fail(v, at, "branch to a non-instruction, offset", pc[2 + bo]);
        } else if (op == OP_br_table) {
            for (uint32_t i = 0; ok && i <= pc[3]; i++) {
                uint64_t to = (uint64_t)at + (uint64_t)(int64_t)(int32_t)pc[2 + 3 + i];
                if (to >= f->code_len || !start[to]) ok = fail(v, at, "br_table target not an instruction, entry", i);
            }
        }
        at += op_len(pc, op);
    }
    if (ok) ok = verify_handlers(v, start);
    free(start);
    return ok;
}

#ifdef KILN_DEBUG
void kiln_assert_fail(const char *what, const char *file, int line) {
    fprintf(stderr, "kiln: internal error: %s:%d: %s\n", file, line, what);
    abort();
}
#endif
