/*
 * narrow.c — which slots of a function the generated C may declare as
 * uint32_t instead of uint64_t.
 *
 * Every slot is a 64-bit C local by default (gen.c), and a 32-bit value in
 * it is stored zero-extended: (uint32_t)(a + b) as a uint64_t. The C
 * compiler then keeps that value in a 64-bit register and, where a loop
 * carries it, often zero-extends it again after each 32-bit operation
 * (`add %eax,%r15d; mov %r15d,%r15d`): an instruction, and a cycle on the
 * chain, that native code does not have. A slot every write of which is
 * below 2^32 holds the same values as a uint32_t, so declaring it one
 * changes no result: reads zero-extend back to 64 bits where a 64-bit value
 * is wanted, and the C compiler knows the high bits are clear.
 *
 * The analysis is conservative: a slot is narrow when each instruction that
 * writes it makes a 32-bit integer (the i32 rows of the .def files, every
 * comparison, loads of at most 32 bits zero-extended, 32-bit constants, an
 * i32 parameter, global or call result), or copies or selects between
 * narrow slots; a fixpoint settles copies. Anything it does not know makes
 * the slot 64-bit. Three kinds stay 64-bit on purpose:
 *   - addresses (the address operand of any access): gcc adds a uint64_t
 *     to mem as it is, where a uint32_t is zero-extended again before each
 *     access (CoreMark's list code: 3% more instructions);
 *   - the counted loops' widened induction variables (loops.c, find_ivs):
 *     their values are below 2^32 too, but the copy computes them in 64
 *     bits so that the C compiler knows they do not wrap;
 *   - floats: f32 bits would fit, but gcc moves them between register
 *     classes differently, and nothing here was measured to gain.
 * A function with exception handlers is left 64-bit whole: a catch writes
 * payloads and exception references (pointers) into slots.
 */
#include <string.h>

#include "engine/native/native.h"
#include "engine/ops.h"
#include "engine/opshape.h"
#include "engine/runtime.h"

/* What a write by op makes: 1 always below 2^32, 0 not known to be. */
static bool makes_narrow(int op) {
    int base = op_x_base(op) >= 0 ? op_x_base(op) : op;
    const char *n = op_names[base];
    switch (op_shape(base)) {
    case SH_UN32: case SH_BIN32: case SH_BIN32K: case SH_CMP64: case SH_CMP64K: case SH_FCMP32: case SH_FCMP64:
    case SH_SIMD_TEST:
        return true;
    case SH_IDIV: case SH_TRUNC: case SH_CONV:
        return !strncmp(n, "i32_", 4);
    case SH_LOAD:
        if (n[0] == 'c') n++; /* the checked twin */
        return !strncmp(n, "load_i32", 8) || !strcmp(n, "load_i64_8u") || !strcmp(n, "load_i64_16u") ||
               !strcmp(n, "load_i64_32u");
    default:
        return op == OP_const32 || op == OP_ref_is_null;
    }
}

#define NARROW_MAX_PASSES 8

static bool is_i32(kiln_valtype t) { return t == KILN_I32; }

/* The result slots of a call of type t at argstart: narrow for i32 results
 * (a v128 result shifts the slots: all 64-bit then). */
static bool call_results(const functype *t, uint32_t argstart, uint32_t ns, uint8_t *nar) {
    bool plain = t->result_slots == t->nresults, changed = false;
    for (uint32_t i = 0; i < t->result_slots && argstart + i < ns; i++)
        if (nar[argstart + i] && !(plain && is_i32(t->results[i]))) { nar[argstart + i] = 0; changed = true; }
    return changed;
}

bool native_narrow_slots(const kiln_module *m, const funcdef *f, const knloop *loops, uint32_t nloops, uint8_t *nar) {
    uint32_t ns = f->frame_slots;
    if (f->neh) { memset(nar, 0, ns); return false; }
    memset(nar, 1, ns);
    /* Parameters: narrow when i32 (a v128 parameter shifts the slots). */
    const functype *ft = f->type;
    bool plain = ft->param_slots == ft->nparams;
    for (uint32_t i = 0; i < ft->param_slots && i < ns; i++) nar[i] = plain && is_i32(ft->params[i]);
    /* Widened induction variables and what the copies compute from them. */
    for (uint32_t i = 0; i < nloops; i++)
        for (const knloop *L = &loops[i]; L; L = L->lng) {
            if (L->batch) break;
            if (L->counter < ns) nar[L->counter] = 0;
            for (uint32_t v = 0; v < L->niv; v++)
                if (L->iv[v].slot < ns) nar[L->iv[v].slot] = 0;
            for (uint32_t at = L->head; L->wide_at && at <= L->back;) {
                const uint32_t *pc = f->code + at;
                int op = op_at(pc);
                if (op < 0) break;
                if (L->wide_at[at - L->head] && pc[2] < ns) nar[pc[2]] = 0;
                at += op_len(pc, op);
            }
        }
    /* Addresses stay 64-bit: the C compiler adds them to mem as they are,
     * where a uint32_t would be zero-extended again at each use. */
    for (uint32_t at = 0; at < f->code_len;) {
        const uint32_t *pc = f->code + at;
        int op = op_at(pc);
        if (op < 0) break;
        int base = op_x_base(op) >= 0 ? op_x_base(op) : op, sh = op_shape(base);
        if ((sh == SH_LOAD || sh == SH_VLOAD || sh == SH_VLOAD_LANE) && pc[3] < ns) nar[pc[3]] = 0;
        if ((sh == SH_STORE || sh == SH_VSTORE || sh == SH_VSTORE_LANE) && pc[2] < ns) nar[pc[2]] = 0;
        at += op_len(pc, op);
    }
    /* Every write; copies and selects until nothing changes (a few
     * passes; a chain of copies written backwards could take one pass per
     * slot: past NARROW_MAX_PASSES the function stays 64-bit). */
    bool changed = true;
    for (unsigned pass = 0; changed; pass++) {
        if (pass == NARROW_MAX_PASSES) { memset(nar, 0, ns); return false; }
        changed = false;
        for (uint32_t at = 0; at < f->code_len;) {
            const uint32_t *pc = f->code + at;
            int op = op_at(pc);
            if (op < 0) { memset(nar, 0, ns); return false; }
            uint32_t d[2];
            int nd = 0;
            bool w = false; /* what is written is narrow */
            const funcdef *cd;
            switch (op) {
            case OP_copy: nd = 1; d[0] = pc[2]; w = pc[3] < ns && nar[pc[3]]; break;
            case OP_select: nd = 1; d[0] = pc[2]; w = pc[3] < ns && pc[4] < ns && nar[pc[3]] && nar[pc[4]]; break;
            case OP_global_get: nd = 1; d[0] = pc[2]; w = pc[3] < m->nglobals && is_i32(m->global_types[pc[3]].type); break;
            case OP_call:
                memcpy(&cd, pc + 2, sizeof cd);
                changed |= call_results(cd->type, pc[4], ns, nar);
                break;
            case OP_call_import: changed |= call_results(&m->types[m->func_types[pc[2]]], pc[3], ns, nar); break;
            case OP_call_indirect: {
                const functype *t = native_type_of_id(m, pc[3], NULL);
                if (!t) { memset(nar, 0, ns); return false; }
                changed |= call_results(t, pc[4], ns, nar);
                break;
            }
            case OP_const32: case OP_const64: case OP_memory_size: case OP_ref_is_null:
                nd = 1; d[0] = pc[2]; w = makes_narrow(op); break;
            case OP_global_set: case OP_global_set128: case OP_charge: case OP_br_table: case OP_ret: case OP_ret_slot:
            case OP_unreachable: case OP_throw: case OP_throw_ref: case OP_return_call:
            case OP_return_call_import: case OP_return_call_indirect:
                break;
            default:
                if (op_branch_operand(op) >= 0) break; /* branches write nothing */
                if (op_shape(op_x_base(op) >= 0 ? op_x_base(op) : op) != SH_NONE) {
                    /* a .def row: its operand 0 (and the next slot for a
                     * v128), or nothing for a store (native_dests) */
                    nd = native_dests(pc, op, d);
                    w = nd == 1 && makes_narrow(op);
                } else if (op_len(pc, op) > 2) {
                    /* anything else (v128 bitselect and shuffles, the
                     * instructions run through the interpreter): taken as
                     * writing operand 0 and the slot after it, wide */
                    nd = 2; d[0] = pc[2]; d[1] = pc[2] + 1;
                }
                break;
            }
            for (int i = 0; i < nd; i++)
                if (d[i] < ns && nar[d[i]] && !w) { nar[d[i]] = 0; changed = true; }
            at += op_len(pc, op);
        }
    }
    return true;
}
