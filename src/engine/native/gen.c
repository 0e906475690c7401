/*
 * gen.c — the native tier's translator: a compiled module's register code
 * (ops.h) to C, which the system's C compiler turns into a shared object
 * (build.c).
 *
 * Why from the register code and not from the wasm: it is already validated
 * and already carries what must be identical across tiers. Its fuel amounts
 * sit in the instructions that end blocks, so charging them at the same
 * places gives the same counts, the same out-of-fuel points and the same
 * deadline checks by construction; every position that can trap or call has
 * its wasm offset in the function's pcmap, so traps and backtraces name the
 * same instructions; local.get/const/local.set are already gone. What each
 * numeric or memory instruction computes comes from the same .def rows the
 * interpreter expands (prelude.h), so the two tiers share their semantics
 * rather than agree on them.
 *
 * Shape of the output: every slot of a frame is a C local (uint64_t s<N>, a
 * v128 is two of them; uint32_t where every value fits: narrow.c); every branch target is a label; each defined
 * function is a static C function taking its parameters as arguments and
 * returning its results (a struct when there are several); a large
 * module's functions are split into parts (native_generate_parts), where
 * they are hidden symbols of the shared object instead. Calls push the
 * interpreter's frame (ex->fsp) so that backtraces, profiles and depth
 * limits are the interpreter's. Rare instructions (bulk memory, tables,
 * memory.grow) spill their operands to the frame's real slots and ask the
 * interpreter to run that one instruction (knat_helpers.step).
 *
 * Nothing of the module reaches the C text except numbers: names, strings
 * and data never do, so a hostile module cannot inject C.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/native/native.h"
#include "engine/ops.h"
#include "engine/opshape.h"
#include "engine/runtime.h"
#include "engine/errkind.h"

/* Operand shapes: engine/opshape.h (shape[] and access_size[] below are
 * its table, read once per translation). */

/* Instructions run through knat_helpers.step: the operands (indexes into
 * the instruction's operand units) that are slots it reads and writes. A
 * v128 operand is not among them (none of these has one). */
typedef struct stepfmt {
    int op;
    int8_t reads[4], writes[1]; /* -1 ends */
} stepfmt;

static const stepfmt step_ops[] = {
    {OP_memory_grow, {1, -1}, {0}},
    {OP_memory_fill, {0, 1, 2, -1}, {-1}},
    {OP_memory_copy, {0, 1, 2, -1}, {-1}},
    {OP_memory_init, {1, 2, 3, -1}, {-1}},
    {OP_data_drop, {-1}, {-1}},
    {OP_table_get, {2, -1}, {0}},
    {OP_table_set, {1, 2, -1}, {-1}},
    {OP_table_size, {-1}, {0}},
    {OP_table_grow, {2, 3, -1}, {0}},
    {OP_table_fill, {1, 2, 3, -1}, {-1}},
    {OP_table_copy, {2, 3, 4, -1}, {-1}},
    {OP_table_init, {2, 3, 4, -1}, {-1}},
    {OP_elem_drop, {-1}, {-1}},
    {OP_ref_func, {-1}, {0}},
    /* memory instructions on any memory, memory64 (their accesses are
     * translated: mem_addr) */
    {OP_xmemory_size, {-1}, {0}},
    {OP_xmemory_grow, {1, -1}, {0}},
    {OP_xmemory_fill, {0, 1, 2, -1}, {-1}},
    {OP_xmemory_copy, {0, 1, 2, -1}, {-1}},
    {OP_xmemory_init, {1, 2, 3, -1}, {-1}},
};

static const stepfmt *step_fmt(int op) {
    for (size_t i = 0; i < sizeof step_ops / sizeof step_ops[0]; i++)
        if (step_ops[i].op == op) return &step_ops[i];
    return NULL;
}

/* ------------------------------------------------------------ generator */

typedef struct G {
    FILE *o;
    const kiln_module *m;
    const funcdef *f;
    uint32_t j;           /* f's index among defined functions */
    const native_options *opt;
    uint8_t *target;      /* per code unit: a branch lands here */
    uint8_t *inloop;      /* per code unit: a back branch passes it */
    uint8_t *gused;       /* per global: read or written in this function */
    uint8_t *rkinds;      /* result slot counts that need a struct type */
    int loaded_float;     /* the last load went to an SSE register as this */
    uint8_t *fkind;       /* per slot: 32 or 64 when its value was last made
                             by an f32 or f64 operation in this block */
    uint64_t pend;        /* fuel charged by the blocks since fr was last
                             brought up to date (deferred charges) */
    char kf[200];         /* the C expression for the fuel left, pend included */
    const char *lab;      /* label prefix: "L", or a counted loop's copy's */
    bool quiet;           /* in such a copy: no charges, no polls */
    bool nopoll;          /* in an uneven loop's poll-free copy: charges, no polls */
    knloop *loops;        /* counted loops (loops.c) */
    uint32_t nloops;
    const knloop *in;     /* the counted loop whose copy is being written */
    uint8_t *leaf;        /* per defined function: it calls and throws nothing,
                             so its caller pops its frame (leaf protocol, ret) */
    const knloop *bl;     /* the batched loop whose copy is being written, */
    unsigned bk;          /* ... and which copy: 1..bl->batch */
    uint8_t *narrow;      /* per slot: declared uint32_t (narrow.c) */
    uint8_t *wide;        /* per slot, in such a copy: its value is known
                             to be below 2^32 without a cast (find_ivs) */
    uint8_t *may_throw;   /* per defined function: an exception can come
                             out of it (mark_throwers) */
    uint8_t *may_tail;    /* per defined function: it can end in a tail call */
    uint8_t *inl;         /* per defined function: always inlined (mark_inline) */
    bool unwinds;         /* f has exits for exceptions (its U_ label) */
    const char *err;
    const memarg_x *xa;   /* the x-twin access being written (mem_addr) */
    uint64_t abi;
    uint32_t *calls;      /* (caller, callee) pairs of direct calls, for */
    size_t ncalls, capcalls; /* the prototypes each part needs */
    bool nomem;
} G;

static void note_call(G *g, uint32_t callee) {
    if (g->ncalls + 2 > g->capcalls) {
        size_t c = g->capcalls ? g->capcalls * 2 : 1024;
        uint32_t *n = realloc(g->calls, c * sizeof *n);
        if (!n) { g->nomem = true; return; }
        g->calls = n;
        g->capcalls = c;
    }
    g->calls[g->ncalls++] = g->j;
    g->calls[g->ncalls++] = callee;
}

static uint32_t units_at(const uint32_t *pc, int op) { return op_len(pc, op); }

static int branch_field(int op) { return op_branch_operand(op); }

static bool is_back(int op) {
    return op == OP_br_back || op == OP_br_z_back || op == OP_br_nz_back ||
           (op >= OP_br_eq_i32_back && op <= OP_br_ge_u_i32_k_back);
}

#define P(...) fprintf(g->o, __VA_ARGS__)

/* Deferred charges. The interpreter charges each block's fuel when the
 * block ends; native code needs the exact count only where it is seen: at
 * a poll (back branches, br_table, calls, returns), when fuel crosses into
 * a helper (calls, stepped instructions, traps). In between, the blocks'
 * charges add up at translation time (g->pend) and reach fr in one
 * subtraction: at a poll, on the taken edge of a forward branch, or where
 * a fall-through meets a label (every label is entered with nothing
 * pending). A run of forward branches that are not taken then costs one
 * subtraction instead of one each; a trap or a helper call in between is
 * passed the fuel with pend subtracted (KF). */
static void set_pend(G *g, uint64_t p) {
    g->pend = p;
    if (p) snprintf(g->kf, sizeof g->kf, "(KN_FUEL - %" PRIu64 ")", p);
    else snprintf(g->kf, sizeof g->kf, "KN_FUEL");
}
#define KF (g->kf)

static void charge(G *g, uint32_t f) {
    if (g->opt->no_meter || g->quiet || !f) return;
    set_pend(g, g->pend + f);
}

static void flush(G *g) {
    if (g->pend) P("  fr -= %" PRIu64 ";\n", g->pend);
    set_pend(g, 0);
}

static void charge_check(G *g, uint32_t f, uint32_t at) {
    if (g->opt->no_meter || g->quiet) return;
    charge(g, f);
    if (g->bl || g->nopoll) return; /* the test before the copy covers this poll */
    flush(g);
    P("  if (KN_UNLIKELY(fr < 0)) { int64_t f_ = KN_FUEL; fr = f_ - KN_POLL(KC + %u, f_); }\n", at);
}

/* A jump to label L<dest> (or the copy's own): what is pending goes with
 * it. In a batched copy the back branch goes on to the next copy, whose
 * head nothing else reaches, and carries what is pending there; the last
 * copy's goes back to the test at L<head>; an exit goes to the metered
 * code after the loop. Returns whether it carried what is pending (which
 * then stays pending: batch_copy hands it to the next copy). */
static bool jump(G *g, uint32_t dest) {
    const knloop *L = g->bl;
    if (L && dest == L->head && g->bk < L->batch) {
        P("goto B%u_%u_%u;\n", g->bk + 1, L->head, dest);
        return true;
    }
    const char *lab = L && (dest <= L->head || dest > L->back) ? "L" : g->lab;
    if (g->pend) P("{ fr -= %" PRIu64 "; goto %s%u; }\n", g->pend, lab, dest);
    else P("goto %s%u;\n", lab, dest);
    return false;
}

/* The C type a function returns for n result slots: the results and the
 * fuel above the limit (fr) that it returns with, so that the caller takes
 * its fuel from a register. knr0 and knr1 come back in registers. */
static void ret_type(G *g, uint32_t n) { P("knr%u", n); }

static void proto(G *g, uint32_t j, bool decl_only) {
    const funcdef *f = &g->m->funcs[j];
    P("KN_FN ");
    if (decl_only) P("__attribute__((unused)) ");
    else if (g->inl[j]) P("inline __attribute__((always_inline)) ");
    ret_type(g, f->type->result_slots);
    P(" f%u(exec *ex, kiln_instance *inst, uint64_t *fp, int64_t fr_in", j);
    for (uint32_t i = 0; i < f->type->param_slots; i++) P(", uint64_t a%u", i);
    P(")");
}

/* A pointer type for calling a function of this type through kiln_func.native. */
static void fnptr_type(G *g, const functype *t) {
    P("(");
    ret_type(g, t->result_slots);
    P(" (*)(exec *, kiln_instance *, uint64_t *, int64_t");
    for (uint32_t i = 0; i < t->param_slots; i++) P(", uint64_t");
    P("))");
}

/* Pushes the callee's frame as the interpreter's `enter` does. `def` and
 * `cinst` are C expressions for the callee's funcdef and instance. */
static void frame_write(G *g, const char *def, const char *cinst, const char *slots_expr, uint32_t at, uint32_t units,
                        uint32_t argstart) {
    P("    frame *nf_ = ex->fsp + 1; uint64_t *nfp_ = fp + %u;\n", argstart);
    P("    if (KN_UNLIKELY(nf_ >= ex->frames_end || nfp_ + (%s) > ex->stack_end))"
      " H->trap(ex, inst, KC + %u, KN_FUEL, KILN_TRAP_CALL_STACK_EXHAUSTED, 0, 0);\n", slots_expr, at);
    P("    nf_->fn = %s; nf_->inst = %s; nf_->fp = nfp_; nf_->ret_pc = KC + %u;\n", def, cinst, at + units);
}

static void enter(G *g, const char *def, const char *cinst, const char *slots_expr, uint32_t at, uint32_t units,
                  uint32_t argstart) {
    frame_write(g, def, cinst, slots_expr, at, units, argstart);
    P("    ex->fsp = nf_; ex->native_fr = fr;\n");
}

/* A direct call's frame, cached: every field of the frame a direct call
 * site pushes (callee, instance, fp + argstart, return position) is the
 * same at each of its calls in one run of the caller, and so is the depth
 * check (the caller's own frame is ex->fsp at every call it makes, and the
 * bounds do not move). The caller keeps in w_ the site whose frame is in
 * the slot above its own, so a loop that calls one function writes and
 * checks it once; later calls only move ex->fsp. Only the caller's own
 * calls write that slot: after anything else that may (a call through
 * kiln_func, a tail call made in its callee's place, a stepped
 * instruction, a throw) w_ is cleared (forget_frame). While a profile is
 * on, w_ is never set, so every call takes the path that tells it. */
static void enter_cached(G *g, const char *def, const char *slots_expr, uint32_t at, uint32_t units, uint32_t argstart) {
    uint32_t site = at + 1;
    P("    if (KN_UNLIKELY(w_ != %uu)) {\n", site);
    frame_write(g, def, "inst", slots_expr, at, units, argstart);
    P("    w_ = ex->prof != NULL ? 0 : %uu;\n", site);
    P("    }\n");
    P("    ex->fsp++; ex->native_fr = fr;\n");
}

static void forget_frame(G *g) {
    if (!g->leaf[g->j]) P("  w_ = 0;\n");
}

static void call_args(G *g, const functype *t, uint32_t argstart) {
    for (uint32_t i = 0; i < t->param_slots; i++) P(", s%u", argstart + i);
}

static void take_results(G *g, const functype *t, uint32_t argstart) {
    P("    fr = r_.fr;\n");
    for (uint32_t i = 0; i < t->result_slots; i++) P("    s%u = r_.r[%u];\n", argstart + i, i);
}

/* A call through kiln_func f_ (a C variable): native when it has native
 * code, else through the slow helper with the operands in memory. */
static void call_func_var(G *g, const functype *t, uint32_t at, uint32_t units, uint32_t argstart) {
    P("    if (KN_LIKELY(f_->native != NULL)) {\n");
    enter(g, "f_->def", "f_->inst", "f_->def->frame_slots", at, units, argstart);
    P("    if (KN_UNLIKELY(ex->prof != NULL)) H->prof_enter(ex, KN_FUEL, f_);\n");
    P("    ");
    ret_type(g, t->result_slots);
    P(" r_ = (");
    fnptr_type(g, t);
    P("f_->native)(ex, f_->inst, nfp_, fr");
    call_args(g, t, argstart);
    P(");\n");
    take_results(g, t, argstart);
    P("    } else {\n");
    for (uint32_t i = 0; i < t->param_slots; i++) P("    fp[%u] = s%u;\n", argstart + i, argstart + i);
    P("    fr = H->call_slow(ex, inst, fp, KC + %u, f_, %u, KN_FUEL) - ex->native_lim;\n", at, argstart);
    for (uint32_t i = 0; i < t->result_slots; i++) P("    s%u = fp[%u];\n", argstart + i, argstart + i);
    P("    }\n");
    forget_frame(g);
}

const functype *native_type_of_id(const kiln_module *m, uint32_t id, uint32_t *index) {
    for (uint32_t k = 0; k < m->ntypes; k++)
        if (m->types[k].id == id) { if (index) *index = k; return &m->types[k]; }
    return NULL;
}

/* The leaf protocol: a leaf returns with its frame still pushed and its
 * caller pops it (pop_frame after the call, or the wrapper lw<j> for calls
 * through kiln_func.native and from the host), so that the leaf needs ex
 * only on its slow paths and leaves the register it held to its values.
 * site: the call site (at + 1) whose frame enter_cached pushed, where only
 * a call that took the uncached path told the profile; 0: any other. */
static void pop_frame_at(G *g, uint32_t site) {
    if (site) P("  if (KN_UNLIKELY(w_ != %uu) && ex->prof != NULL) H->prof_leave(ex, KN_FUEL);\n", site);
    else P("  if (KN_UNLIKELY(ex->prof != NULL)) H->prof_leave(ex, KN_FUEL);\n");
    P("  ex->fsp--; ex->native_fr = fr;\n");
}

static void pop_frame(G *g) { pop_frame_at(g, 0); }

static void ret(G *g, uint32_t at, uint32_t fuel, int slot) {
    charge_check(g, fuel, at);
    if (!g->leaf[g->j]) pop_frame(g);
    uint32_t n = g->f->type->result_slots;
    P("  { knr%u r_; r_.fr = fr; ", n);
    if (n == 1) P("r_.r[0] = s%u; ", slot >= 0 ? (uint32_t)slot : 0u);
    else for (uint32_t i = 0; i < n; i++) P("r_.r[%u] = s%u; ", i, i);
    P("return r_; }\n");
}

#define O(i) (pc[2 + (i)])

/* Opens a block with p_, the host address of a memory access: unchecked
 * (guard pages; the access itself is made by a KN_LD/KN_ST macro, which
 * names it for the fault handler, prelude.h) or checked against the
 * memory's size. Returns whether it is unchecked. */
static bool mem_addr(G *g, int op, uint32_t at, uint32_t addr_slot, uint32_t offset, bool is_store) {
    if (g->xa) { /* an x-twin: its memory, 32- or 64-bit address, 64-bit offset */
        const memarg_x *x = g->xa;
        unsigned n = op_access_size(op);
        P("  { const kiln_memory *xm_ = inst->memories[%u]; uint64_t b_ = %ss%u, ea_ = b_ + %" PRIu64 "u;\n", x->mem,
          x->is64 ? "" : "(uint64_t)(uint32_t)", addr_slot, x->offset);
        P("  if (KN_UNLIKELY(ea_ < b_ || ea_ > xm_->size || xm_->size - ea_ < %u))\n"
          "    H->trap_oob(ex, inst, KC + %u, %s, ea_ < b_ ? UINT64_MAX : ea_, %u, %d, %u);\n",
          n, at, KF, n, is_store, x->mem);
        P("  uint8_t *p_ = xm_->base + ea_;\n");
        return false;
    }
    bool checked = op_names[op][0] == 'c';
    const char *z = g->in && g->wide[addr_slot] ? "" : "(uint64_t)(uint32_t)";
    if (!checked) {
        P("  { uint8_t *p_ = mem + %ss%u + %uu;\n", z, addr_slot, offset);
    } else {
        P("  { uint64_t ea_ = %ss%u + %uu;\n", z, addr_slot, offset);
        P("  if (KN_UNLIKELY(ea_ + %u > inst->memory->size)) H->trap_oob(ex, inst, KC + %u, %s, ea_, %u, %d, 0u);\n",
          op_access_size(op), at, KF, op_access_size(op), is_store);
        P("  uint8_t *p_ = mem + ea_;\n");
    }
    /* A counted loop's plain access is inside the memory (the entry test
     * saw to it): a plain C access, like a checked one. */
    return !checked && !(g->in && g->in->plain);
}

/* An unchecked access's raw bytes into w_ (declared here), or from it. */
static void raw_load(G *g, int op, uint32_t at) {
    unsigned n = op_access_size(op);
    if (n == 16) P("  v128 w_; KN_LD16(w_, p_, %u);\n", at);
    else P("  uint64_t w_; KN_LD%u(w_, p_, %u);\n", n, at);
}

/* The kop_ name of an op: the unchecked twin's for checked accesses. */
static const char *kop(int op) {
    const char *n = op_names[op];
    return n[0] == 'c' && (op_shape(op) == SH_LOAD || op_shape(op) == SH_STORE || op_shape(op) >= SH_VLOAD) ? n + 1 : n;
}

/* Which loads and stores move floats. The register code does not say (an
 * f32.load is a load_i32), but the C compiler makes better code when a
 * value used as a float never passes through a general register: a load
 * whose value is next read by an f32 (f64) operation goes straight into an
 * SSE register, and so does a store of a value an f32 (f64) operation made
 * in the same block. Only the registers differ: the bytes are the same. */
static int float_width(int sh) {
    switch (sh) {
    case SH_FUN32: case SH_FBIN32: case SH_FCMP32: return 32;
    case SH_FUN64: case SH_FBIN64: case SH_FCMP64: return 64;
    default: return 0;
    }
}

static bool is_binary_shape(int sh) {
    return sh == SH_BIN32 || sh == SH_BIN64 || sh == SH_CMP64 || sh == SH_FCMP32 || sh == SH_FCMP64 ||
           sh == SH_FBIN32 || sh == SH_FBIN64 || sh == SH_BITS2 || sh == SH_IDIV;
}

/* 32 or 64 when the value a load leaves in slot d is next read, within
 * its block, as that float; else 0. */
static int next_use_float(G *g, uint32_t from, uint32_t d) {
    const uint32_t *code = g->f->code;
    for (uint32_t at = from, n = 0; at < g->f->code_len && n < 16; n++) {
        if (g->target[at]) return 0;
        const uint32_t *pc = code + at;
        int op = op_at(pc);
        if (op < 0) return 0;
        int sh = op_shape(op);
        if (sh >= SH_UN32 && sh <= SH_TRUNC) {
            if (O(1) == d || (is_binary_shape(sh) && O(2) == d)) return float_width(sh);
            if (O(0) == d) return 0;
        } else if (sh == SH_LOAD) {
            if (O(1) == d || O(0) == d) return 0;
        } else if (sh == SH_STORE) {
            if (O(0) == d || O(1) == d) return 0;
        } else {
            return 0;
        }
        at += units_at(pc, op);
    }
    return 0;
}

/* After an instruction: what its destination slots now hold. */
static void track(G *g, const uint32_t *pc, int op, int loaded_float) {
    int sh = op_shape(op);
    if (sh == SH_FUN32 || sh == SH_FBIN32) { g->fkind[O(0)] = 32; return; }
    if (sh == SH_FUN64 || sh == SH_FBIN64) { g->fkind[O(0)] = 64; return; }
    if ((sh >= SH_UN32 && sh <= SH_TRUNC) || sh == SH_SIMD_TEST || sh == SH_EXTRACT) { g->fkind[O(0)] = 0; return; }
    if (sh == SH_LOAD) { g->fkind[O(0)] = (uint8_t)loaded_float; return; }
    if (sh == SH_STORE || sh == SH_VSTORE || sh == SH_VSTORE_LANE) return;
    if (sh >= SH_SIMD_UN) { g->fkind[O(0)] = g->fkind[O(0) + 1] = 0; return; }
    switch (op) {
    case OP_copy: g->fkind[O(0)] = g->fkind[O(1)]; return;
    case OP_const32: case OP_const64: case OP_select: case OP_global_get: case OP_memory_size: case OP_ref_is_null:
        g->fkind[O(0)] = 0;
        return;
    case OP_charge: case OP_global_set: return;
    default:
        if (branch_field(op) >= 0) return;
        memset(g->fkind, 0, g->f->frame_slots);
    }
}

/* ------------------------------------------------------------ exceptions
 * A throw finds its handler first (rt.c throw_at, with the interpreter's
 * eh_find), so native code only has to deliver it: the exception waits in
 * ex->native_exn, each native frame above the handler's returns at once
 * (U_: its frame popped as a return pops it), and the handler's frame,
 * back from its call, matches it against the same clauses in the same
 * order as eh_find and lands as eh_land does, in C locals. A call whose
 * callee can throw nothing is not followed by the test. */

/* Which defined functions an exception can come out of: those that throw,
 * call an import or through a table (anything may come back), or call
 * one that can, to a fixpoint. */
/* The instructions that call a function or throw: a function without any
 * is a leaf (gen_func); with one, an exception may come out of it
 * (mark_throwers; a direct call only if its callee may throw). */
static bool calls_or_throws(int op) {
    switch (op) {
    case OP_call: case OP_call_import: case OP_return_call: case OP_return_call_import:
    case OP_call_indirect: case OP_return_call_indirect: case OP_throw: case OP_throw_ref:
        return true;
    default:
        return false;
    }
}

/* Whether f calls no wasm function and throws nothing. */
static bool is_leaf(const funcdef *f) {
    for (uint32_t at = 0; at < f->code_len;) {
        int op = op_at(f->code + at);
        if (calls_or_throws(op)) return false;
        at += units_at(f->code + at, op);
    }
    return true;
}

static void mark_throwers(G *g) {
    const kiln_module *m = g->m;
    uint32_t nd = m->nfuncs - m->nfunc_imports;
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t j = 0; j < nd; j++) {
            if (g->may_throw[j]) continue;
            const funcdef *f = &m->funcs[j];
            for (uint32_t at = 0; at < f->code_len && !g->may_throw[j];) {
                const uint32_t *pc = f->code + at;
                int op = op_at(pc);
                if (op < 0) break;
                if (op == OP_call || op == OP_return_call) {
                    const funcdef *t;
                    memcpy(&t, pc + 2, sizeof t);
                    if (g->may_throw[t->index - m->nfunc_imports]) g->may_throw[j] = 1;
                } else if (calls_or_throws(op)) {
                    g->may_throw[j] = 1;
                }
                at += units_at(pc, op);
            }
            if (g->may_throw[j]) changed = true;
        }
    }
    for (uint32_t j = 0; j < nd; j++) {
        const funcdef *f = &m->funcs[j];
        for (uint32_t at = 0; at < f->code_len && !g->may_tail[j];) {
            const uint32_t *pc = f->code + at;
            int op = op_at(pc);
            if (op < 0) break;
            if (op == OP_return_call || op == OP_return_call_import || op == OP_return_call_indirect) g->may_tail[j] = 1;
            at += units_at(pc, op);
        }
        g->leaf[j] = is_leaf(f);
    }
}

/* inloop[at] = 1 for every position a back branch passes (from the
 * branch back to its target, br_table's included); inloop holds
 * f->code_len + 1 entries. */
static void mark_inloop(const funcdef *f, uint8_t *inloop) {
    memset(inloop, 0, f->code_len + 1);
    for (uint32_t at = 0; at < f->code_len;) {
        const uint32_t *pc = f->code + at;
        int op = op_at(pc);
        if (op < 0) return;
        int bf = branch_field(op);
        if (bf >= 0 && (int32_t)O(bf) <= 0) memset(inloop + (uint32_t)(at + O(bf)), 1, (size_t)(-(int32_t)O(bf)) + 1);
        if (op == OP_br_table)
            for (uint32_t i = 0; i <= O(1); i++)
                if ((int32_t)pc[2 + 3 + i] <= 0) memset(inloop + (uint32_t)(at + pc[2 + 3 + i]), 1, (size_t)(-(int32_t)pc[2 + 3 + i]) + 1);
        at += units_at(pc, op);
    }
}

/* Leaves the C compiler is told to inline into their callers: small, called
 * from at most INLINE_MAX_SITES places, one of them inside a loop. gcc -O2
 * inlines a function called once, or a small one; a leaf called from a
 * loop at a few sites gains more than its size says (CoreMark's state
 * machine: the six callee-saved registers it pushes and pops at each of
 * its 2 million calls, and the arguments' moves). Nothing else changes:
 * the caller still pushes the callee's frame (backtraces, profiles and
 * traps see it), and the callee's accesses keep their positions in its
 * own code (KC is expanded where the callee is defined). */
#define INLINE_MAX_UNITS 1024
#define INLINE_MAX_SITES 2
static void mark_inline(G *g) {
    const kiln_module *m = g->m;
    uint32_t nd = m->nfuncs - m->nfunc_imports, maxlen = 0;
    for (uint32_t j = 0; j < nd; j++)
        if (m->funcs[j].code_len > maxlen) maxlen = m->funcs[j].code_len;
    uint32_t *sites = calloc((size_t)nd + 1, sizeof *sites);
    uint8_t *looped = calloc((size_t)nd + 1, 1), *inloop = malloc((size_t)maxlen + 1);
    if (!sites || !looped || !inloop) { free(sites); free(looped); free(inloop); return; } /* no inlining: still correct */
    for (uint32_t j = 0; j < nd; j++) {
        const funcdef *f = &m->funcs[j];
        mark_inloop(f, inloop);
        for (uint32_t at = 0; at < f->code_len;) {
            const uint32_t *pc = f->code + at;
            int op = op_at(pc);
            if (op < 0) break;
            if (op == OP_call) {
                const funcdef *t;
                memcpy(&t, pc + 2, sizeof t);
                uint32_t cj = t->index - m->nfunc_imports;
                sites[cj]++;
                looped[cj] |= inloop[at];
            }
            at += units_at(pc, op);
        }
    }
    for (uint32_t j = 0; j < nd; j++)
        g->inl[j] = g->leaf[j] && looped[j] && sites[j] <= INLINE_MAX_SITES && m->funcs[j].code_len <= INLINE_MAX_UNITS;
    free(sites);
    free(looped);
    free(inloop);
}

/* Where the exception in ex->native_exn goes from position at: the first
 * clause that takes it, innermost handler first, else out (U_). */
static void gen_catch(G *g, uint32_t at) {
    const funcdef *f = g->f;
    const kiln_module *m = g->m;
    int32_t h = -1;
    for (int32_t i = (int32_t)f->neh - 1; i >= 0 && h < 0; i--)
        if (f->eh[i].start <= at && at < f->eh[i].end) h = i;
    P("  { exn *x_ = ex->native_exn; (void)x_;\n");
    while (h >= 0) {
        const eh_handler *eh = &f->eh[h];
        if (eh->kind == EH_DELEGATE) { h = eh->delegate; continue; }
        for (uint32_t k = 0; k < eh->nclauses; k++) {
            const eh_clause *cl = &f->eh_clauses[eh->first + k];
            uint32_t n = 0;
            if (cl->tag != EH_NO_TAG) {
                n = m->types[m->tag_types[cl->tag]].param_slots;
                P("    if (x_->tag == inst->tags[%u]) ", cl->tag);
            } else {
                P("    ");
            }
            P("{ ex->native_exn = NULL;");
            if (cl->kind == EH_CATCH || cl->kind == EH_CATCH_REF)
                for (uint32_t i = 0; i < n; i++) P(" s%u = x_->slots[%u];", cl->dst + i, i);
            if (cl->kind == EH_CATCH_REF) P(" s%u = (uintptr_t)x_;", cl->dst + n);
            if (cl->kind == EH_CATCH_ALL_REF) P(" s%u = (uintptr_t)x_;", cl->dst);
            if (cl->exn_slot != UINT32_MAX) P(" s%u = (uintptr_t)x_;", cl->exn_slot);
            P(" goto L%u; }\n", cl->target);
        }
        h = eh->parent;
    }
    P("    goto U_; }\n");
    g->unwinds = true;
}

/* After a call: the callee may have left a tail call to make in its
 * place (rt.c run_tail; its results come back in fp), then an exception
 * on its way. */
static void after_call(G *g, uint32_t at, uint32_t units, uint32_t argstart, const functype *t, bool may_throw,
                       bool may_tail) {
    if (may_tail) {
        P("  if (KN_UNLIKELY(ex->native_tail != NULL)) {\n");
        P("    fr = H->tail(ex, inst, fp, KC + %u, %u, KC + %u) - ex->native_lim;\n", at, argstart, at + units);
        forget_frame(g);
        for (uint32_t i = 0; i < t->result_slots; i++) P("    s%u = fp[%u];\n", argstart + i, argstart + i);
        P("  }\n");
    }
    if (!may_throw) return;
    P("  if (KN_UNLIKELY(ex->native_exn != NULL))\n");
    gen_catch(g, at);
}

/* Ends the function with a tail call to the kiln_func expression fx: its
 * arguments at this frame's base, the frame popped, the call left to the
 * call below (after_call). */
static void tail_exit(G *g, const char *fx, const functype *t, uint32_t argstart) {
    for (uint32_t i = 0; i < t->param_slots; i++) P("  fp[%u] = s%u;\n", i, argstart + i);
    P("  if (KN_UNLIKELY(ex->prof != NULL)) H->prof_leave(ex, KN_FUEL);\n");
    P("  ex->fsp--; ex->native_fr = fr; ex->native_tail = %s;\n", fx);
    P("  { knr%u r_ = {0}; r_.fr = fr; return r_; }\n", g->f->type->result_slots);
}

static bool gen_op(G *g, const uint32_t *pc, uint32_t at, int op) {
    uint32_t units = units_at(pc, op);
    int bf = branch_field(op);
    if (bf >= 0) {
        uint32_t fuel = O(bf + 1), dest = at + O(bf);
        if (is_back(op)) charge_check(g, fuel, at);
        else charge(g, fuel);
        if (g->in && at == g->in->back && g->wide[g->in->counter]) {
            /* The counter steps to its bound without wrapping (the entry
             * test): "not there yet" is "below it" (above, counting down). */
            const knloop *L = g->in;
            if (op == OP_br_nz_back) P("  if (s%u != 0) ", L->counter);
            else if (op == OP_br_ne_i32_k_back) P("  if (s%u %s %uu) ", L->counter, L->step > 0 ? "<" : ">", L->bound);
            else P("  if (s%u %s (uint64_t)(uint32_t)s%u) ", L->counter, L->step > 0 ? "<" : ">", L->bound);
            jump(g, dest);
            return true;
        }
        if (op == OP_br || op == OP_br_back) {
            P("  ");
            if (!jump(g, dest)) set_pend(g, 0); /* nothing falls through */
            return true;
        }
        if (op == OP_br_z || op == OP_br_z_back) { P("  if ((uint32_t)s%u == 0) ", O(0)); jump(g, dest); return true; }
        if (op == OP_br_nz || op == OP_br_nz_back) { P("  if ((uint32_t)s%u != 0) ", O(0)); jump(g, dest); return true; }
        /* fused compare and branch */
        const char *n = op_names[op] + 3; /* after "br_" */
        static const struct { const char *pre, *op; bool sgn; } cmp[] = {
            {"eq", "==", false}, {"ne", "!=", false}, {"lt_s", "<", true}, {"lt_u", "<", false},
            {"gt_s", ">", true}, {"gt_u", ">", false}, {"le_s", "<=", true}, {"le_u", "<=", false},
            {"ge_s", ">=", true}, {"ge_u", ">=", false},
        };
        for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++) {
            size_t l = strlen(cmp[i].pre);
            if (strncmp(n, cmp[i].pre, l) || n[l] != '_') continue;
            bool k = strstr(n, "_k") != NULL;
            const char *T = cmp[i].sgn ? "int32_t" : "uint32_t";
            if (k) P("  if ((%s)(uint32_t)s%u %s (%s)%uu) ", T, O(0), cmp[i].op, T, O(1));
            else P("  if ((%s)(uint32_t)s%u %s (%s)(uint32_t)s%u) ", T, O(0), cmp[i].op, T, O(1));
            jump(g, dest);
            return true;
        }
        g->err = "unknown branch";
        return false;
    }
    uint8_t wide = g->in ? g->in->wide_at[at - g->in->head] : 0;
    if (op == OP_i32_add_k && wide) {
        int32_t k = (int32_t)O(2);
        if (k < 0) P("  s%u = s%u - %uu;\n", O(0), O(1), (uint32_t)-(int64_t)k);
        else P("  s%u = s%u + %uu;\n", O(0), O(1), (uint32_t)k);
        return true;
    }
    if (op == OP_i32_add && wide) {
        uint32_t a = wide == 2 ? O(1) : O(2), b = wide == 2 ? O(2) : O(1);
        P("  s%u = s%u + (uint64_t)(uint32_t)s%u;\n", O(0), a, b);
        return true;
    }
    switch (op) {
    case OP_unreachable:
        P("  H->trap(ex, inst, KC + %u, %s, KILN_TRAP_UNREACHABLE, 0, 0);\n", at, KF);
        return true;
    case OP_charge:
        charge(g, O(0));
        return true;
    case OP_br_table: {
        /* As in the interpreter: a poll only on the targets behind it. */
        charge(g, O(2));
        flush(g);
        uint32_t n = O(1);
        P("  switch ((uint32_t)s%u) {\n", O(0));
        for (uint32_t i = 0; i <= n; i++) {
            int32_t off = (int32_t)pc[2 + 3 + i];
            if (i < n) P("  case %u: ", i);
            else P("  default: ");
            if (off <= 0 && !g->opt->no_meter && !g->quiet)
                P("if (KN_UNLIKELY(fr < 0)) { int64_t f_ = KN_FUEL; fr = f_ - KN_POLL(KC + %u, f_); } ", at);
            P("goto L%u;\n", at + (uint32_t)off);
        }
        P("  }\n");
        return true;
    }
    case OP_call: {
        const funcdef *t;
        memcpy(&t, pc + 2, sizeof t);
        uint32_t cj = t->index - g->m->nfunc_imports, argstart = O(2);
        charge_check(g, O(3), at);
        /* In a loop, the frame is cached (enter_cached); elsewhere a call
         * is made once per run more often than not, and caching would only
         * add the test. */
        bool cached = g->inloop[at];
        char def[32], fs[16];
        snprintf(def, sizeof def, "&defs[%u]", cj);
        snprintf(fs, sizeof fs, "%u", t->frame_slots);
        P("  {\n");
        if (cached) {
            enter_cached(g, def, fs, at, units, argstart);
            P("    if (KN_UNLIKELY(w_ != %uu)) H->prof_enter(ex, KN_FUEL, inst->funcs[%u]);\n", at + 1, t->index);
        } else {
            enter(g, def, "inst", fs, at, units, argstart);
            P("    if (KN_UNLIKELY(ex->prof != NULL)) H->prof_enter(ex, KN_FUEL, inst->funcs[%u]);\n", t->index);
        }
        P("    ");
        ret_type(g, t->type->result_slots);
        P(" r_ = f%u(ex, inst, fp + %u, fr", cj, argstart);
        note_call(g, cj);
        call_args(g, t->type, argstart);
        P(");\n");
        take_results(g, t->type, argstart);
        if (g->leaf[cj]) pop_frame_at(g, cached ? at + 1 : 0);
        P("  }\n");
        if (!cached) forget_frame(g);
        after_call(g, at, units, argstart, t->type, g->may_throw[cj], g->may_tail[cj]);
        return true;
    }
    case OP_call_import: {
        uint32_t fi = O(0), argstart = O(1);
        const functype *t = &g->m->types[g->m->func_types[fi]];
        charge_check(g, O(2), at);
        P("  { kiln_func *f_ = inst->funcs[%u];\n", fi);
        call_func_var(g, t, at, units, argstart);
        P("  }\n");
        after_call(g, at, units, argstart, t, true, true);
        return true;
    }
    case OP_return_call: {
        const funcdef *t;
        memcpy(&t, pc + 2, sizeof t);
        charge_check(g, O(3), at);
        P("  if (KN_UNLIKELY(fp + %u > ex->stack_end)) H->trap(ex, inst, KC + %u, KN_FUEL, KILN_TRAP_CALL_STACK_EXHAUSTED, 0, 0);\n",
          t->frame_slots, at);
        char fx[48];
        snprintf(fx, sizeof fx, "inst->funcs[%u]", t->index);
        tail_exit(g, fx, t->type, O(2));
        return true;
    }
    case OP_return_call_import: {
        uint32_t fi = O(0);
        const functype *t = &g->m->types[g->m->func_types[fi]];
        charge_check(g, O(2), at);
        P("  { kiln_func *f_ = inst->funcs[%u];\n", fi);
        P("    if (KN_UNLIKELY(f_->kind != FUNC_HOST && fp + f_->def->frame_slots > ex->stack_end))"
          " H->trap(ex, inst, KC + %u, KN_FUEL, KILN_TRAP_CALL_STACK_EXHAUSTED, 0, 0);\n", at);
        tail_exit(g, "f_", t, O(1));
        P("  }\n");
        return true;
    }
    case OP_return_call_indirect: {
        uint32_t tab = O(0), tid = O(1), argstart = O(2), ei = O(3), ti = 0;
        const functype *t = native_type_of_id(g->m, tid, &ti);
        if (!t) { g->err = "return_call_indirect of a type the module does not declare"; return false; }
        charge_check(g, O(4), at);
        P("  { kiln_table *tb_ = inst->tables[%u]; uint32_t i_ = (uint32_t)s%u;\n", tab, ei);
        P("    if (KN_UNLIKELY(i_ >= tb_->size)) H->trap_table(ex, inst, KC + %u, KN_FUEL, KILN_TRAP_UNDEFINED_ELEMENT, i_, tb_->size, %u);\n", at, tab);
        P("    kiln_func *f_ = tb_->elems[i_];\n");
        P("    if (KN_UNLIKELY(!f_)) H->trap_table(ex, inst, KC + %u, KN_FUEL, KILN_TRAP_UNINITIALIZED_ELEMENT, i_, 0, %u);\n", at, tab);
        P("    if (KN_UNLIKELY(f_->type_id != types[%u].id)) H->trap_sig(ex, inst, KC + %u, KN_FUEL, i_, %u, types[%u].id, f_->type_id);\n", ti, at, tab, ti);
        P("    if (KN_UNLIKELY(f_->kind != FUNC_HOST && fp + f_->def->frame_slots > ex->stack_end))"
          " H->trap(ex, inst, KC + %u, KN_FUEL, KILN_TRAP_CALL_STACK_EXHAUSTED, 0, 0);\n", at);
        tail_exit(g, "f_", t, argstart);
        P("  }\n");
        return true;
    }
    case OP_call_indirect: {
        uint32_t tab = O(0), tid = O(1), argstart = O(2), ei = O(3), ti = 0;
        const functype *t = native_type_of_id(g->m, tid, &ti);
        if (!t) { g->err = "call_indirect of a type the module does not declare"; return false; }
        charge_check(g, O(4), at);
        P("  { kiln_table *tb_ = inst->tables[%u]; uint32_t i_ = (uint32_t)s%u;\n", tab, ei);
        P("    if (KN_UNLIKELY(i_ >= tb_->size)) H->trap_table(ex, inst, KC + %u, KN_FUEL, KILN_TRAP_UNDEFINED_ELEMENT, i_, tb_->size, %u);\n", at, tab);
        P("    kiln_func *f_ = tb_->elems[i_];\n");
        P("    if (KN_UNLIKELY(!f_)) H->trap_table(ex, inst, KC + %u, KN_FUEL, KILN_TRAP_UNINITIALIZED_ELEMENT, i_, 0, %u);\n", at, tab);
        P("    if (KN_UNLIKELY(f_->type_id != types[%u].id)) H->trap_sig(ex, inst, KC + %u, KN_FUEL, i_, %u, types[%u].id, f_->type_id);\n", ti, at, tab, ti);
        call_func_var(g, t, at, units, argstart);
        P("  }\n");
        after_call(g, at, units, argstart, t, true, true);
        return true;
    }
    case OP_throw: {
        uint32_t tag = O(0), argstart = O(1);
        uint32_t n = g->m->types[g->m->tag_types[tag]].param_slots;
        charge_check(g, O(2), at);
        for (uint32_t i = 0; i < n; i++) P("  fp[%u] = s%u;\n", argstart + i, argstart + i);
        P("  fr = H->throw_new(ex, inst, fp, KC + %u, KN_FUEL, %u, %u) - ex->native_lim;\n", at, tag, argstart);
        forget_frame(g);
        gen_catch(g, at);
        return true;
    }
    case OP_throw_ref:
        charge_check(g, O(1), at);
        P("  fr = H->throw_ref(ex, inst, KC + %u, KN_FUEL, s%u) - ex->native_lim;\n", at, O(0));
        forget_frame(g);
        gen_catch(g, at);
        return true;
    case OP_ret:
        ret(g, at, O(0), -1);
        return true;
    case OP_ret_slot:
        ret(g, at, O(1), (int)O(0));
        return true;
    case OP_copy: P("  s%u = s%u;\n", O(0), O(1)); return true;
    case OP_copy128: P("  { uint64_t lo_ = s%u, hi_ = s%u; s%u = lo_; s%u = hi_; }\n", O(1), O(1) + 1, O(0), O(0) + 1); return true;
    case OP_const128:
        P("  s%u = 0x%" PRIx64 "ull; s%u = 0x%" PRIx64 "ull;\n", O(0), (uint64_t)O(2) << 32 | O(1), O(0) + 1,
          (uint64_t)O(4) << 32 | O(3));
        return true;
    case OP_const32: P("  s%u = %uu;\n", O(0), O(1)); return true;
    case OP_const64: P("  s%u = 0x%" PRIx64 "ull;\n", O(0), (uint64_t)O(2) << 32 | O(1)); return true;
    case OP_select: P("  s%u = (uint32_t)s%u ? s%u : s%u;\n", O(0), O(3), O(1), O(2)); return true;
    case OP_select128:
        P("  { int c_ = (uint32_t)s%u != 0; uint64_t lo_ = c_ ? s%u : s%u, hi_ = c_ ? s%u : s%u; s%u = lo_; s%u = hi_; }\n",
          O(3), O(1), O(2), O(1) + 1, O(2) + 1, O(0), O(0) + 1);
        return true;
    case OP_global_get: g->gused[O(1)] = 1; P("  s%u = g%u->bits;\n", O(0), O(1)); return true;
    case OP_global_set: g->gused[O(0)] = 1; P("  g%u->bits = s%u;\n", O(0), O(1)); return true;
    case OP_global_get128: g->gused[O(1)] = 1; P("  s%u = g%u->bits; s%u = g%u->hi;\n", O(0), O(1), O(0) + 1, O(1)); return true;
    case OP_global_set128:
        g->gused[O(0)] = 1;
        P("  g%u->bits = s%u; g%u->hi = s%u;\n", O(0), O(1), O(0), O(1) + 1);
        return true;
    case OP_memory_size: P("  s%u = inst->memory->size >> 16;\n", O(0)); return true;
    case OP_ref_is_null: P("  s%u = s%u == 0;\n", O(0), O(1)); return true;
    case OP_v128_bitselect:
        P("  { v128 r_ = v_blend(KV(s%u, s%u), KV(s%u, s%u), KV(s%u, s%u)); s%u = r_[0]; s%u = r_[1]; }\n",
          O(3), O(3) + 1, O(1), O(1) + 1, O(2), O(2) + 1, O(0), O(0) + 1);
        return true;
    case OP_i32x4_shuffle: {
        /* Whole 32-bit lanes: selector i (0..7) picks lane i&3 of a (< 4) or
         * b; constant selectors, so the C compiler emits one or two shuffles. */
        uint32_t k = O(3);
        P("  { vu32 a_ = (vu32)KV(s%u, s%u), b_ = (vu32)KV(s%u, s%u);\n", O(1), O(1) + 1, O(2), O(2) + 1);
        P("    vu32 r32_ = {");
        for (int i = 0; i < 4; i++) {
            unsigned sel = (k >> (8 * i)) & 7;
            P("%s%s_[%u]", i ? ", " : "", sel < 4 ? "a" : "b", sel & 3);
        }
        P("};\n    v128 r_ = (v128)r32_; s%u = r_[0]; s%u = r_[1]; }\n", O(0), O(0) + 1);
        return true;
    }
    case OP_i8x16_shuffle:
    case OP_i8x16_shuffle_pshufb: {
        uint32_t nk = op == OP_i8x16_shuffle ? 4 : 8;
        P("  { static const uint32_t k_[%u] = {", nk);
        for (uint32_t i = 0; i < nk; i++) P("%s%uu", i ? ", " : "", O(3 + i));
        P("};\n    v128 r_ = %s(KV(s%u, s%u), KV(s%u, s%u), (const uint8_t *)k_); s%u = r_[0]; s%u = r_[1]; }\n",
          op == OP_i8x16_shuffle ? "i8x16_shuffle" : "i8x16_shuffle_masks", O(1), O(1) + 1, O(2), O(2) + 1, O(0),
          O(0) + 1);
        return true;
    }
    default:
        break;
    }

    /* An x-twin (any memory, memory64): its plain op's code, with the
     * address checked against its memory (mem_addr). */
    int xb = op_x_base(op);
    if (xb >= 0) {
        g->xa = &g->m->xargs[O(2)];
        bool done = gen_op(g, pc, at, xb); /* same operand layout */
        g->xa = NULL;
        return done;
    }

    const char *name = kop(op);
    switch (op_shape(op)) {
    case SH_UN32: case SH_UN64: case SH_FUN32: case SH_FUN64: case SH_CONV:
        P("  s%u = kop_%s(s%u);\n", O(0), name, O(1));
        return true;
    case SH_BIN32: case SH_BIN64: case SH_CMP64: case SH_FCMP32: case SH_FCMP64: case SH_FBIN32: case SH_FBIN64:
    case SH_BITS2:
        P("  s%u = kop_%s(s%u, s%u);\n", O(0), name, O(1), O(2));
        return true;
    case SH_BIN32K: case SH_BIN64K: case SH_CMP64K:
        P("  s%u = kop_%s(s%u, %uu);\n", O(0), name, O(1), O(2));
        return true;
    case SH_IDIV:
        if (g->in && native_loop_div(g->in, op, O(2))) {
            P("  s%u = kopu_%s(s%u, s%u);\n", O(0), name, O(1), O(2));
            return true;
        }
        P("  { uint64_t r_; int k_ = kop_%s(s%u, s%u, &r_);\n", name, O(1), O(2));
        P("    if (KN_UNLIKELY(k_)) H->trap(ex, inst, KC + %u, %s, k_, s%u, s%u);\n    s%u = r_; }\n", at, KF, O(1), O(2), O(0));
        return true;
    case SH_TRUNC:
        P("  { uint64_t r_; int k_ = kop_%s(s%u, &r_);\n", name, O(1));
        P("    if (KN_UNLIKELY(k_)) H->trap(ex, inst, KC + %u, %s, k_, s%u, 0);\n    s%u = r_; }\n", at, KF, O(1), O(0));
        return true;
    case SH_LOAD:
        if (mem_addr(g, op, at, O(1), O(2), false)) {
            int fw = op == OP_load_i32 ? 32 : op == OP_load_i64 ? 64 : 0;
            if (fw && next_use_float(g, at + units, O(0)) == fw) {
                if (fw == 32) P("  float w_; KN_LDF4(w_, p_, %u); s%u = of_f32(w_); }\n", at, O(0));
                else P("  double w_; KN_LDF8(w_, p_, %u); s%u = of_f64(w_); }\n", at, O(0));
                g->loaded_float = fw;
                return true;
            }
            if (op_sign_extends(op)) {
                P("  KN_LDS_%s(s%u, p_, %u); }\n", name, O(0), at);
                return true;
            }
            raw_load(g, op, at);
            P("  s%u = kop_%s((const uint8_t *)&w_); }\n", O(0), name);
        } else {
            /* A plain or checked access: floats again straight into and
             * out of SSE registers. */
            int fw = !strcmp(name, "load_i32") ? 32 : !strcmp(name, "load_i64") ? 64 : 0;
            if (fw && next_use_float(g, at + units, O(0)) == fw) {
                P("  %s w_; memcpy(&w_, p_, %d); s%u = of_f%d(w_); }\n", fw == 32 ? "float" : "double", fw / 8, O(0), fw);
                g->loaded_float = fw;
                return true;
            }
            P("  s%u = kop_%s(p_); }\n", O(0), name);
        }
        return true;
    case SH_STORE:
        if (mem_addr(g, op, at, O(0), O(2), true)) {
            if (op == OP_store_i32 && g->fkind[O(1)] == 32) P("  KN_STF4(p_, f32_of(s%u), %u); }\n", O(1), at);
            else if (op == OP_store_i64 && g->fkind[O(1)] == 64) P("  KN_STF8(p_, f64_of(s%u), %u); }\n", O(1), at);
            else P("  KN_ST%u(p_, s%u, %u); }\n", op_access_size(op), O(1), at);
        } else if (!strcmp(name, "store_i32") && g->fkind[O(1)] == 32) {
            P("  float x_ = f32_of(s%u); memcpy(p_, &x_, 4); }\n", O(1));
        } else if (!strcmp(name, "store_i64") && g->fkind[O(1)] == 64) {
            P("  double x_ = f64_of(s%u); memcpy(p_, &x_, 8); }\n", O(1));
        } else {
            P("  kop_%s(p_, s%u); }\n", name, O(1));
        }
        return true;
    case SH_VLOAD:
        if (mem_addr(g, op, at, O(1), O(2), false)) {
            raw_load(g, op, at);
            P("  v128 r_ = kop_%s((const uint8_t *)&w_);", name);
        } else {
            P("  v128 r_ = kop_%s(p_);", name);
        }
        P(" s%u = r_[0]; s%u = r_[1]; }\n", O(0), O(0) + 1);
        return true;
    case SH_VLOAD_LANE:
        if (mem_addr(g, op, at, O(1), O(2), false)) {
            raw_load(g, op, at);
            P("  v128 r_ = kop_%s((const uint8_t *)&w_, KV(s%u, s%u), %uu);", name, O(3), O(3) + 1, O(4));
        } else {
            P("  v128 r_ = kop_%s(p_, KV(s%u, s%u), %uu);", name, O(3), O(3) + 1, O(4));
        }
        P(" s%u = r_[0]; s%u = r_[1]; }\n", O(0), O(0) + 1);
        return true;
    case SH_VSTORE:
        if (mem_addr(g, op, at, O(0), O(2), true)) P("  KN_ST16(p_, KV(s%u, s%u), %u); }\n", O(1), O(1) + 1, at);
        else P("  kop_%s(p_, KV(s%u, s%u)); }\n", name, O(1), O(1) + 1);
        return true;
    case SH_VSTORE_LANE:
        if (mem_addr(g, op, at, O(0), O(2), true))
            P("  uint64_t w_ = 0; kop_%s((uint8_t *)&w_, KV(s%u, s%u), %uu); KN_ST%u(p_, w_, %u); }\n", name, O(1),
              O(1) + 1, O(3), op_access_size(op), at);
        else
            P("  kop_%s(p_, KV(s%u, s%u), %uu); }\n", name, O(1), O(1) + 1, O(3));
        return true;
    case SH_SIMD_UN:
        P("  { v128 r_ = kop_%s(KV(s%u, s%u)); s%u = r_[0]; s%u = r_[1]; }\n", name, O(1), O(1) + 1, O(0), O(0) + 1);
        return true;
    case SH_SIMD_BIN:
        P("  { v128 r_ = kop_%s(KV(s%u, s%u), KV(s%u, s%u)); s%u = r_[0]; s%u = r_[1]; }\n", name, O(1), O(1) + 1,
          O(2), O(2) + 1, O(0), O(0) + 1);
        return true;
    case SH_SIMD_TERN:
        P("  { v128 r_ = kop_%s(KV(s%u, s%u), KV(s%u, s%u), KV(s%u, s%u)); s%u = r_[0]; s%u = r_[1]; }\n", name, O(1),
          O(1) + 1, O(2), O(2) + 1, O(3), O(3) + 1, O(0), O(0) + 1);
        return true;
    case SH_SIMD_TEST:
        P("  s%u = kop_%s(KV(s%u, s%u));\n", O(0), name, O(1), O(1) + 1);
        return true;
    case SH_SIMD_SHIFT:
        P("  { v128 r_ = kop_%s(KV(s%u, s%u), s%u); s%u = r_[0]; s%u = r_[1]; }\n", name, O(1), O(1) + 1, O(2), O(0),
          O(0) + 1);
        return true;
    case SH_SIMD_SHIFT_K:
        P("  { v128 r_ = kop_%s(KV(s%u, s%u), %uu); s%u = r_[0]; s%u = r_[1]; }\n", name, O(1), O(1) + 1, O(2), O(0),
          O(0) + 1);
        return true;
    case SH_SPLAT:
        P("  { v128 r_ = kop_%s(s%u); s%u = r_[0]; s%u = r_[1]; }\n", name, O(1), O(0), O(0) + 1);
        return true;
    case SH_EXTRACT:
        P("  s%u = kop_%s(KV(s%u, s%u), %uu);\n", O(0), name, O(1), O(1) + 1, O(2));
        return true;
    case SH_REPLACE:
        P("  { v128 r_ = kop_%s(KV(s%u, s%u), s%u, %uu); s%u = r_[0]; s%u = r_[1]; }\n", name, O(1), O(1) + 1, O(2),
          O(3), O(0), O(0) + 1);
        return true;
    default:
        break;
    }

    const stepfmt *sf = step_fmt(op);
    if (sf) {
        for (int i = 0; i < 4 && sf->reads[i] >= 0; i++) {
            uint32_t s = O(sf->reads[i]);
            P("  fp[%u] = s%u;\n", s, s);
        }
        P("  fr = H->step(ex, inst, fp, KC + %u, %s) - ex->native_lim;\n", at, KF);
        forget_frame(g);
        set_pend(g, 0); /* the helper started from KF: fr has it all */
        if (sf->writes[0] >= 0) {
            uint32_t s = O(sf->writes[0]);
            P("  s%u = fp[%u];\n", s, s);
        }
        return true;
    }
    g->err = op_names[op];
    return false;
}

/* What an entry test on v + inv + c, c in lo..hi, needs: the type of its
 * arithmetic, " + inv" (w), and how far the steps take v from v0 in T - 1
 * of them, up (up) or down (down; "0" for the other way). T - 1 < 2^32,
 * so with a step below 2^29 and offsets below 2^40 every term and sum
 * stays below 2^62 and int64_t holds it (cheaper: no carries, half the
 * registers); otherwise (T - 1) * k may pass 2^63, and __int128 holds it.
 * A step by a slot w: entry_test has found (T - 1) * w below 2^32. */
static const char *test_terms(const kniv *v, uint32_t inv, int64_t lo, int64_t hi, char up[64], char down[64],
                              char w[64]) {
    w[0] = 0;
    if (inv != UINT32_MAX) snprintf(w, 64, " + (int64_t)(uint32_t)s%u", inv);
    snprintf(up, 64, "0");
    snprintf(down, 64, "0");
    bool small = lo > -(INT64_C(1) << 40) && hi < (INT64_C(1) << 40);
    if (v->by != UINT32_MAX) {
        const char *t = small ? "int64_t" : "__int128";
        snprintf(up, 64, "(%s)((uint64_t)(t_ - 1) * (uint32_t)s%u)", t, v->by);
        return t;
    }
    int64_t k = v->step < 0 ? -(int64_t)v->step : v->step;
    const char *t = small && k < (INT64_C(1) << 29) ? "int64_t" : "__int128";
    snprintf(v->step < 0 ? down : up, 64, "(%s)(t_ - 1) * %" PRId64, t, k);
    return t;
}

/* One way into a copy (label X<head>_<head>): when the fuel left covers
 * the iterations and L's values fit, widen them, charge, and jump. */
static void entry_test(G *g, const knloop *L, const char *first, char x) {
    uint32_t k = L->step < 0 ? (uint32_t)-(int64_t)L->step : (uint32_t)L->step;
    /* The fuel left covers the iterations (an uneven loop's at its
     * costliest path's cost, for its copy without polls); the copy runs
     * without charges, or with an uneven loop's. */
    bool tested = !g->opt->no_meter && (!L->uneven || L->nopoll), charged = tested && !L->uneven;
    P("    if (%sd_ != 0 && d_ %% %uu == 0", first, k);
    /* T < 2^32: below 2^31 per iteration, T times the cost is below 2^63,
     * and one signed comparison also fails for a negative fr. */
    if (tested && L->cost < (UINT64_C(1) << 31)) P(" && t_ * %" PRIu64 " <= fr", L->cost);
    else if (tested) P(" && fr >= 0 && (uint64_t)t_ * %" PRIu64 "u <= (uint64_t)fr", L->cost);
    /* A step by a slot: (T - 1) * w, both below 2^32, fits in 64 bits;
     * below 2^32 it keeps every sum below 2^62 (test_terms). */
    for (uint32_t i = 0; i < L->niv; i++)
        if (L->iv[i].by != UINT32_MAX) P("\n        && (uint64_t)(t_ - 1) * (uint32_t)s%u <= 0xffffffffu", L->iv[i].by);
    /* No induction variable leaves 0..2^32-1 (find_ivs): the copy keeps
     * them in 64 bits. */
    for (uint32_t i = 0; i < L->nrange; i++) {
        const knrange *r = &L->range[i];
        const kniv *v = &L->iv[r->iv];
        char up[64], down[64], w[64];
        const char *wt = test_terms(v, r->inv, r->lo, r->hi, up, down, w);
        if (v->step < 0 || r->lo < 0)
            P("\n        && (int64_t)(uint32_t)s%u%s - %s + %" PRId64 " >= 0", v->slot, w, down, r->lo);
        /* Below 2^32: implied by a test of plain accesses further out
         * (a memory32 memory ends at 2^32 at most). */
        bool implied = false;
        for (uint32_t a = 0; L->plain && a < L->nacc; a++)
            implied |= L->acc[a].iv == r->iv && L->acc[a].inv == r->inv && L->acc[a].end > r->hi;
        if (!implied)
            P("\n        && (%s)(uint32_t)s%u%s + %s + %" PRId64 " <= 0xffffffffll", wt, v->slot, w, up, r->hi);
    }
    /* Plain accesses: each stays inside the memory (which only grows, and
     * never moves: guard-page mode). */
    for (uint32_t i = 0; L->plain && i < L->nacc; i++) {
        const struct knacc *a = &L->acc[i];
        const kniv *v = &L->iv[a->iv];
        char up[64], down[64], w[64];
        const char *wt = test_terms(v, a->inv, a->end, a->end, up, down, w);
        P("\n        && (%s)(uint32_t)s%u%s + %s + %" PRId64 " <= (%s)inst->memory->size", wt, v->slot, w, up, a->end, wt);
    }
    /* Divisors (find_divs): not 0, and not -1 for a signed division. */
    for (uint32_t i = 0; i < L->ndiv; i++) {
        const struct kndiv *d = &L->div[i];
        const char *t = d->wide ? "" : "(uint32_t)";
        if (d->sign) P("\n        && %ss%u + 1u > 1u", t, d->slot);
        else P("\n        && %ss%u != 0", t, d->slot);
    }
    P(") {\n");
    for (uint32_t i = 0; i < L->niv; i++) P("      s%u = (uint32_t)s%u;\n", L->iv[i].slot, L->iv[i].slot);
    if (charged) {
        P("      h%u_c = (int64_t)((uint64_t)t_ * %" PRIu64 "u); h%u_s = (uint32_t)s%u;\n", L->head, L->cost, L->head,
          L->counter);
        P("      fr -= h%u_c;", L->head);
    }
    P("      goto %c%u_%u; }%s\n", x, L->head, L->head, x == 'C' ? " }" : ""); /* C's closes the entry's block */
}

/* Entering a counted loop (loops.c) by falling into it: when the fuel left
 * covers all its iterations, charge them now and run a copy: the second
 * way in (E, L->lng: strides for long runs, or no polls) when there is
 * one and its test holds, else C. The
 * trip count: d / |step| for d = (bound - counter) * sign(step) mod 2^32,
 * when that divides (d = 0 would mean 2^32 / |step| iterations: left
 * metered). */
static void counted_entry(G *g, const knloop *L) {
    uint32_t k = L->step < 0 ? (uint32_t)-(int64_t)L->step : (uint32_t)L->step;
    char bound[24];
    if (L->bound_is_slot) snprintf(bound, sizeof bound, "(uint32_t)s%u", L->bound);
    else snprintf(bound, sizeof bound, "%uu", L->bound);
    if (L->step > 0) P("  { uint32_t d_ = %s - (uint32_t)s%u;\n", bound, L->counter);
    else P("  { uint32_t d_ = (uint32_t)s%u - %s;\n", L->counter, bound);
    P("    int64_t t_ = (int64_t)(d_ / %uu); (void)t_;\n", k);
    bool charged = !g->opt->no_meter && !L->uneven;
    /* fr is what is left until the next poll (at most KNAT_POLL, abi.h): a
     * loop that costs less than KNAT_POLL but more than fr would run
     * metered, a fifth of the time for one that costs a fifth of it. Poll
     * early instead, which only moves the limit (fr >= 0: the fuel is
     * above the floor, so it cannot run out here; only a deadline can
     * stop it, as at any poll). */
    if (charged && L->cost < (UINT64_C(1) << 31))
        P("    if (d_ != 0 && d_ %% %uu == 0 && t_ * %" PRIu64 " > fr && fr >= 0 && t_ * %" PRIu64 " <= KNAT_POLL)"
          " { int64_t f_ = KN_FUEL; fr = f_ - KN_POLL(KC + %u, f_); }\n", k, L->cost, L->cost, L->head);
    if (L->lng) {
        char first[32] = "";
        if (L->long_t) snprintf(first, sizeof first, "t_ >= %u && ", L->long_t);
        entry_test(g, L->lng, first, 'E');
    }
    entry_test(g, L, "", 'C');
}

/* At the copy's head the induction variables hold their widened values;
 * at a label in the body, what held them on every path (find_ivs). */
static void wide_at_label(G *g, const knloop *L, uint32_t at) {
    uint32_t ns = g->f->frame_slots;
    memset(g->wide, 0, ns);
    if (!L->niv) return;
    if (at == L->head) {
        for (uint32_t i = 0; i < L->niv; i++) g->wide[L->iv[i].slot] = 1;
        return;
    }
    uint32_t t = L->label_ix[at - L->head];
    if (t != UINT32_MAX) memcpy(g->wide, L->wide_in + (size_t)t * ns, ns);
}

/* After an instruction of a copy: which slots now hold widened values. */
static void track_wide(G *g, const knloop *L, const uint32_t *pc, uint32_t at, int op) {
    uint32_t d[2];
    int n = native_dests(pc, op, d);
    bool w = L->wide_at[at - L->head] || (op == OP_copy && g->wide[O(1)]);
    for (int i = 0; i < n; i++)
        if (d[i] < g->f->frame_slots) g->wide[d[i]] = w;
}

/* The copy: the loop's body with labels C<head>_<pos> (E<head>_<pos>
 * for the second way in, L->lng), no charges and no
 * polls, rejoining the metered code after the loop. An instruction that
 * traps is handed the count the metered loop would have had: the fuel at
 * entry (fr + h_c), less the iterations done (the counter's distance from
 * where it started, h_s, less the current one if the counter has moved
 * in it) times the cost, less what this iteration charged before it.
 * The copy of a loop whose paths cost differently keeps its charges and
 * polls (and the exact count with them); it exists for its widened
 * induction variables alone. */
static bool counted_copy(G *g, const knloop *L, char x) {
    char lab[24];
    snprintf(lab, sizeof lab, "%c%u_", x, L->head);
    g->lab = lab;
    g->quiet = !L->uneven; /* an uneven loop's copy charges as the metered loop does */
    g->nopoll = L->nopoll;
    g->in = L;
    set_pend(g, 0);
    const uint32_t *code = g->f->code;
    bool ok = true;
    for (uint32_t at = L->head; at <= L->back && ok;) {
        const uint32_t *pc = code + at;
        int op = op_at(pc);
        if (at == L->head || g->target[at]) {
            flush(g);
            P(" %s%u:;\n", lab, at);
            memset(g->fkind, 0, g->f->frame_slots);
            wide_at_label(g, L, at);
        }
        uint32_t k = L->step < 0 ? (uint32_t)-(int64_t)L->step : (uint32_t)L->step;
        char moved[64];
        if (L->step > 0) snprintf(moved, sizeof moved, "((uint32_t)s%u - h%u_s)", L->counter, L->head);
        else snprintf(moved, sizeof moved, "(h%u_s - (uint32_t)s%u)", L->head, L->counter);
        if (g->quiet)
            snprintf(g->kf, sizeof g->kf, "(KN_FUEL + h%u_c - (int64_t)(%s / %uu - %d) * %" PRIu64 " - %" PRId64 ")",
                     L->head, moved, k, at > L->add_at ? 1 : 0, L->cost, L->cur_at[at - L->head]);
        g->loaded_float = 0;
        ok = gen_op(g, pc, at, op);
        if (ok) { track(g, pc, op, g->loaded_float); track_wide(g, L, pc, at, op); }
        at += units_at(pc, op);
    }
    flush(g);
    P("  goto L%u;\n", L->after);
    g->lab = "L";
    g->quiet = false;
    g->nopoll = false;
    g->in = NULL;
    return ok;
}

/* A batched loop's copies (loops.c): L<head> tests whether the fuel above
 * the limit covers bl->batch iterations of the costliest path; if it does,
 * B1_<head>_ runs them in a row. Each copy charges as the metered body does
 * (pend: the count is exact at every trap and exit) but never polls, since
 * the test showed that no poll among them could fire; copy k's back branch
 * goes on into copy k+1 with its charges still pending, the last one's
 * back to the test. Leaving the loop from any copy goes to the metered
 * code after it, as from the metered body. */
static bool batch_copy(G *g, const knloop *L) {
    const uint32_t *code = g->f->code;
    bool ok = true;
    g->bl = L;
    set_pend(g, 0);
    for (unsigned k = 1; k <= L->batch && ok; k++) {
        char lab[40];
        snprintf(lab, sizeof lab, "B%u_%u_", k, L->head);
        g->lab = lab;
        g->bk = k;
        for (uint32_t at = L->head; at <= L->back && ok;) {
            const uint32_t *pc = code + at;
            int op = op_at(pc);
            if (at == L->head || g->target[at]) {
                if (at != L->head || k == 1) flush(g); /* else: carried from copy k-1 */
                P(" %s%u:;\n", lab, at);
                memset(g->fkind, 0, g->f->frame_slots);
            }
            g->loaded_float = 0;
            ok = gen_op(g, pc, at, op);
            if (ok) track(g, pc, op, g->loaded_float);
            at += units_at(pc, op);
        }
        /* Past the back branch: what is pending goes on into the next copy
         * (jump), or with the fall-through out of the loop. */
        uint64_t carried = g->pend;
        flush(g);
        P("  goto L%u;\n", L->after);
        set_pend(g, carried);
    }
    set_pend(g, 0);
    g->lab = "L";
    g->bl = NULL;
    g->bk = 0;
    return ok;
}

static bool gen_func(G *g, uint32_t j) {
    const funcdef *f = &g->m->funcs[j];
    g->f = f;
    g->j = j;
    const uint32_t *code = f->code;
    memset(g->target, 0, f->code_len + 1);
    memset(g->gused, 0, g->m->nglobals);
    memset(g->fkind, 0, f->frame_slots);
    /* Labels: every branch target. */
    for (uint32_t at = 0; at < f->code_len;) {
        int op = op_at(code + at);
        if (op < 0) { g->err = "unknown instruction"; return false; }
        const uint32_t *pc = code + at;
        int bf = branch_field(op);
        if (bf >= 0) g->target[at + O(bf)] = 1;
        if (op == OP_br_table)
            for (uint32_t i = 0; i <= O(1); i++) g->target[at + pc[2 + 3 + i]] = 1;
        at += units_at(pc, op);
    }
    mark_inloop(f, g->inloop);
    /* Where exceptions land. */
    for (uint32_t i = 0; i < f->neh_clauses; i++) g->target[f->eh_clauses[i].target] = 1;
    g->unwinds = false;
    /* Counted loops (loops.c): the instruction after each gets a label,
     * where its unmetered copy rejoins. */
    native_free_loops(g->loops, g->nloops);
    g->loops = NULL;
    g->nloops = native_find_loops(f, &g->loops);
    for (uint32_t i = 0; i < g->nloops; i++) g->target[g->loops[i].after] = 1;
    native_narrow_slots(g->m, f, g->loops, g->nloops, g->narrow);
    g->lab = "L";
    g->quiet = false;
    /* The body into a buffer first: its globals are declared at the top. */
    FILE *saved = g->o;
    char *body = NULL;
    size_t blen = 0;
    g->o = open_memstream(&body, &blen);
    if (!g->o) { g->o = saved; g->err = "out of memory"; return false; }
    bool ok = true;
    set_pend(g, 0);
    for (uint32_t at = 0; at < f->code_len && ok;) {
        const uint32_t *pc = code + at;
        int op = op_at(pc);
        if (g->target[at]) {
            flush(g);
            for (uint32_t i = 0; i < g->nloops; i++)
                if (g->loops[i].head == at && !g->loops[i].batch) counted_entry(g, &g->loops[i]);
            P(" L%u:;\n", at);
            for (uint32_t i = 0; i < g->nloops; i++)
                if (g->loops[i].head == at && g->loops[i].batch) {
                    /* Without metering, always: the baseline that measures
                     * metering's cost keeps the loop's shape (its copies in
                     * a row are an unrolled loop, which gcc may not make on
                     * its own), without the charges. */
                    if (!g->opt->no_meter) P("  if (fr >= %" PRIu64 ") goto B1_%u_%u;\n", g->loops[i].cost * g->loops[i].batch, at, at);
                    else P("  goto B1_%u_%u;\n", at, at);
                }
            memset(g->fkind, 0, f->frame_slots);
        }
        g->loaded_float = 0;
        ok = gen_op(g, pc, at, op);
        if (ok) track(g, pc, op, g->loaded_float);
        at += units_at(pc, op);
    }
    for (uint32_t i = 0; i < g->nloops && ok; i++)
        ok = g->loops[i].batch ? batch_copy(g, &g->loops[i])
                               : counted_copy(g, &g->loops[i], 'C') && (!g->loops[i].lng || counted_copy(g, g->loops[i].lng, 'E'));
    if (ok && g->unwinds) {
        /* An exception caught below this frame: it returns (no results). */
        set_pend(g, 0);
        P(" U_:;\n");
        P("  if (KN_UNLIKELY(ex->prof != NULL)) H->prof_leave(ex, KN_FUEL);\n");
        P("  ex->fsp--; ex->native_fr = fr;\n");
        P("  { knr%u r_ = {0}; r_.fr = fr; return r_; }\n", f->type->result_slots);
    }
    fclose(g->o);
    g->o = saved;
    if (!ok) { free(body); return false; }

    /* KC, the function's register code, is read where it is used (frame
     * pushes and slow paths): a leaf then spends nothing on it. */
    P("#define KC (defs[%u].code)\n", j);
    proto(g, j, false);
    P(" {\n");
    P("  uint8_t *mem = inst->mem_base;\n");
    /* fr: the fuel above the limit, so that a charge point is a subtraction
     * and a sign test. The limit is the exec's (ex->native_lim, abi.h): one
     * for every native frame, since fuel only goes down; it changes only in
     * a poll, which every frame sees through the call that made it. The
     * caller passes its fr, and takes the callee's back from the result. */
    P("  int64_t fr = fr_in;\n");
    P("  (void)mem; (void)fr;\n");
    if (!g->leaf[j]) P("  uint32_t w_ = 0; (void)w_; /* enter_cached */\n");
    /* Each counted loop's run in its copy: what was charged at entry, and
     * where the counter started. */
    for (uint32_t i = 0; i < g->nloops; i++)
        if (!g->loops[i].batch) P("  int64_t h%u_c = 0; uint32_t h%u_s = 0; (void)h%u_c; (void)h%u_s;\n", g->loops[i].head, g->loops[i].head,
          g->loops[i].head, g->loops[i].head);
    /* Native frames live on the C stack: stop before it runs out. A leaf
     * (it calls no wasm function and throws nothing) of a bounded frame
     * needs no check of its own: its caller passed one, and its frame fits
     * many times in what rt.c keeps below the limit (STACK_RESERVE). */
    if (!is_leaf(f) || f->frame_slots > 256)
        P("  if (KN_UNLIKELY(KN_SP() < ex->native_stack_limit))"
          " H->trap(ex, inst, KC, KN_FUEL, KILN_TRAP_CALL_STACK_EXHAUSTED, 0, 0);\n");
    for (uint32_t i = 0; i < f->frame_slots; i++) {
        const char *t = g->narrow[i] ? "uint32_t" : "uint64_t";
        if (i < f->type->param_slots) P("  %s s%u = a%u;\n", t, i, i);
        else P("  %s s%u = 0;\n", t, i);
    }
    for (uint32_t k = 0; k < g->m->nglobals; k++)
        if (g->gused[k]) P("  kiln_global *g%u = inst->globals[%u];\n", k, k);
    fwrite(body, 1, blen, g->o);
    free(body);
    P("}\n#undef KC\n\n");
    return true;
}

/* The top of every part: the prelude, the result types, the shared state
 * (H, defs, types) and the prototypes: every defined function's in part 0
 * (its tables name them all), in another part those it defines or calls
 * (need, by defined-function index). One part:
 * everything static, as one translation unit. Several: functions and the
 * shared state are hidden symbols of the shared object, defined in part 0
 * (declared hidden here too, so that calls and loads across parts stay
 * direct, never through the PLT or GOT). */
static void part_head(G *g, unsigned k, unsigned n, const uint8_t *need) {
    const kiln_module *m = g->m;
    uint32_t nd = m->nfuncs - m->nfunc_imports;
    if (n > 1) P("/* Generated by kiln from a WebAssembly module: native tier, part %u of %u. */\n", k + 1, n);
    else P("/* Generated by kiln from a WebAssembly module: native tier. */\n");
    if (native_host_vex()) P("#define KN_VEX 1 /* AVX's three-operand float instructions for v128 lanes (simd.h) */\n");
    P("#include \"engine/native/prelude.h\"\n\n");
    if (n > 1) {
        const char *ext = k ? "extern " : "";
        P("#define KN_FN __attribute__((visibility(\"hidden\")))\n");
        P("%sKN_FN const knat_helpers *H;\n", ext);
        P("%sKN_FN const funcdef *defs; %sKN_FN const functype *types;\n\n", ext, ext);
    } else {
        P("#define KN_FN static\n");
        P("static const knat_helpers *H;\n");
        P("static const funcdef *defs; static const functype *types;\n\n");
    }
    /* Result structs (ret_type): the fuel, and one per count of result slots. */
    P("typedef struct { int64_t fr; } knr0;\n");
    for (uint32_t i = 0; i <= KILN_MAX_FUNC_RESULTS * 2; i++)
        if (g->rkinds[i]) P("typedef struct { uint64_t r[%u]; int64_t fr; } knr%u;\n", i, i);
    for (uint32_t j = 0; j < nd; j++)
        if (!need || need[j]) { proto(g, j, true); P(";\n"); }
    P("\n");
}

/* Part 0's end: entry thunks, the tables and the module descriptor. */
static void part_tail(G *g) {
    const kiln_module *m = g->m;
    uint32_t nd = m->nfuncs - m->nfunc_imports;
    /* A leaf's wrapper (leaf protocol, pop_frame): the function every
     * caller that does not know it is a leaf calls. */
    for (uint32_t j = 0; j < nd; j++) {
        if (!g->leaf[j]) continue;
        const functype *t = m->funcs[j].type;
        P("static ");
        ret_type(g, t->result_slots);
        P(" lw%u(exec *ex, kiln_instance *inst, uint64_t *fp, int64_t fr_in", j);
        for (uint32_t i = 0; i < t->param_slots; i++) P(", uint64_t a%u", i);
        P(") {\n  ");
        ret_type(g, t->result_slots);
        P(" r_ = f%u(ex, inst, fp, fr_in", j);
        for (uint32_t i = 0; i < t->param_slots; i++) P(", a%u", i);
        P(");\n  int64_t fr = r_.fr;\n");
        pop_frame(g);
        P("  return r_;\n}\n");
    }
    /* Entry thunks: from slots, as native_call passes them. */
    for (uint32_t j = 0; j < nd; j++) {
        const functype *t = m->funcs[j].type;
        P("static void e%u(exec *ex, kiln_instance *inst, uint64_t *fp) {\n  ", j);
        ret_type(g, t->result_slots);
        P(" r_ = %s%u(ex, inst, fp, ex->fuel - ex->native_lim", g->leaf[j] ? "lw" : "f", j);
        for (uint32_t i = 0; i < t->param_slots; i++) P(", fp[%u]", i);
        P(");\n");
        /* Back to the host, which reads the fuel stored last from ex->fuel. */
        P("  ex->fuel = r_.fr + ex->native_lim;\n");
        /* A tail call's callee (ex->native_tail) has its arguments in fp. */
        if (t->result_slots) {
            P("  if (!ex->native_tail) {");
            for (uint32_t i = 0; i < t->result_slots; i++) P(" fp[%u] = r_.r[%u];", i, i);
            P(" }\n");
        }
        P("}\n");
    }
    P("\nstatic const knat_entry entries[%u] = {", nd ? nd : 1);
    for (uint32_t j = 0; j < nd; j++) P("%se%u,", j % 8 ? " " : "\n  ", j);
    P("};\nstatic void *const funcs[%u] = {", nd ? nd : 1);
    for (uint32_t j = 0; j < nd; j++) P("%s(void *)%s%u,", j % 8 ? " " : "\n  ", g->leaf[j] ? "lw" : "f", j);
    P("};\nstatic void bind(const knat_helpers *h, const funcdef *d, const functype *t) { H = h; defs = d; types = t; }\n");
    P("__attribute__((visibility(\"default\"))) const knat_module kiln_native_module = {\n");
    /* The key is hex digits only (build.c), so it is safe in a C string. */
    const char *key = g->opt->key ? g->opt->key : "";
    for (const char *k = key; *k; k++)
        if (!strchr("0123456789abcdef", *k)) key = "";
    P("  0x%" PRIx64 "ull, \"%s\", %u, bind, entries, funcs, KN_SITES_START, KN_SITES_END,\n};\n", g->abi, key, nd);
}

static void free_g(G *g) {
    free(g->target); free(g->inloop); free(g->gused); free(g->rkinds); free(g->fkind); free(g->wide); free(g->narrow); native_free_loops(g->loops, g->nloops);
    free(g->may_throw); free(g->may_tail); free(g->calls); free(g->leaf); free(g->inl);
}

void native_free_parts(native_part *p, unsigned n) {
    for (unsigned i = 0; p && i < n; i++) free(p[i].text);
    free(p);
}

bool native_generate_parts(const kiln_module *m, const native_options *opt, uint64_t abi, size_t part_bytes,
                           native_part **parts_out, unsigned *nparts_out, kiln_error *err) {
    *parts_out = NULL;
    *nparts_out = 0;
    interp_init();
    uint32_t nd = m->nfuncs - m->nfunc_imports;
    uint32_t maxlen = 0, maxslots = 0;
    for (uint32_t j = 0; j < nd; j++) {
        if (m->funcs[j].code_len > maxlen) maxlen = m->funcs[j].code_len;
        if (m->funcs[j].frame_slots > maxslots) maxslots = m->funcs[j].frame_slots;
    }
    G gg = {.m = m, .opt = opt, .abi = abi}, *g = &gg;
    g->target = calloc((size_t)maxlen + 2, 1);
    g->inloop = calloc((size_t)maxlen + 2, 1);
    g->gused = calloc((size_t)m->nglobals + 1, 1);
    g->rkinds = calloc(KILN_MAX_FUNC_RESULTS * 2 + 2, 1);
    g->fkind = calloc((size_t)maxslots + 2, 1);
    g->wide = calloc((size_t)maxslots + 2, 1);
    g->narrow = calloc((size_t)maxslots + 2, 1);
    g->may_throw = calloc((size_t)nd + 1, 1);
    g->leaf = calloc((size_t)nd + 1, 1);
    g->may_tail = calloc((size_t)nd + 1, 1);
    g->inl = calloc((size_t)nd + 1, 1);
    size_t *off = calloc((size_t)nd + 1, sizeof *off);
    char *body = NULL;
    size_t blen = 0;
    FILE *bf = NULL;
    if (!g->target || !g->inloop || !g->gused || !g->rkinds || !g->fkind || !g->wide || !g->narrow || !g->may_throw || !g->may_tail || !g->leaf || !g->inl || !off ||
        !(bf = open_memstream(&body, &blen))) {
        free_g(g); free(off);
        error_set(err, KILN_ERR_NO_MEMORY, "native: out of memory");
        return false;
    }
    for (uint32_t k = 0; k < m->ntypes; k++)
        if (m->types[k].result_slots > 0) g->rkinds[m->types[k].result_slots] = 1;
    mark_throwers(g);
    mark_inline(g);
    /* Every function's C, one after the other; off[j] is where f<j> starts. */
    g->o = bf;
    bool ok = true;
    for (uint32_t j = 0; j < nd && ok; j++) {
        long at = ftell(bf);
        off[j] = at < 0 ? 0 : (size_t)at;
        ok = gen_func(g, j);
    }
    long end = ftell(bf);
    off[nd] = end < 0 ? 0 : (size_t)end;
    if (fclose(bf) || g->nomem) ok = ok && (g->err = "out of memory", false);
    if (!ok) {
        error_set(err, KILN_ERR_UNSUPPORTED, "native: cannot translate function %u: %s", m->nfunc_imports + g->j,
                 g->err ? g->err : "?");
        free_g(g); free(off); free(body);
        return false;
    }
    /* Parts of about part_bytes of function text each, in function order
     * (neighbours call each other most, and stay in one unit where the C
     * compiler can inline): a function goes where its middle byte falls. */
    size_t total = off[nd];
    unsigned n = 1;
    if (part_bytes && total > part_bytes) {
        size_t want = (total + part_bytes - 1) / part_bytes;
        n = (unsigned)(want > NATIVE_MAX_PARTS ? NATIVE_MAX_PARTS : want);
    }
    uint32_t *first = calloc((size_t)n + 1, sizeof *first); /* first function of each part */
    native_part *parts = calloc(n, sizeof *parts);
    uint8_t *need = calloc((size_t)nd + 1, 1); /* prototypes a part needs */
    if (!first || !parts || !need) {
        free_g(g); free(off); free(body); free(first); free(parts); free(need);
        error_set(err, KILN_ERR_NO_MEMORY, "native: out of memory");
        return false;
    }
    unsigned np = 0;
    for (uint32_t j = 0, prev = UINT32_MAX; j < nd; j++) {
        size_t mid = off[j] + (off[j + 1] - off[j]) / 2;
        uint32_t k = (uint32_t)(total ? (unsigned __int128)mid * n / total : 0);
        if (k != prev) { first[np++] = j; prev = k; } /* empty parts are dropped */
    }
    if (np == 0) first[np++] = 0; /* no defined function: one part */
    first[np] = nd;
    for (unsigned k = 0; k < np && ok; k++) {
        FILE *o = open_memstream(&parts[k].text, &parts[k].len);
        if (!o) { ok = false; break; }
        g->o = o;
        /* Part 0 names every function (its tables); another part its own
         * and those they call. */
        if (np > 1 && k > 0) {
            memset(need, 0, nd);
            for (uint32_t j = first[k]; j < first[k + 1]; j++) need[j] = 1;
            for (size_t e = 0; e < g->ncalls; e += 2)
                if (g->calls[e] >= first[k] && g->calls[e] < first[k + 1]) need[g->calls[e + 1]] = 1;
        }
        part_head(g, k, np, np > 1 && k > 0 ? need : NULL);
        fwrite(body + off[first[k]], 1, off[first[k + 1]] - off[first[k]], o);
        if (k == 0) part_tail(g);
        if (fclose(o)) ok = false;
    }
    free_g(g); free(off); free(body); free(first); free(need);
    if (!ok) {
        native_free_parts(parts, np);
        error_set(err, KILN_ERR_NO_MEMORY, "native: out of memory");
        return false;
    }
    *parts_out = parts;
    *nparts_out = np;
    return true;
}

bool native_generate(const kiln_module *m, const native_options *opt, uint64_t abi, FILE *out, kiln_error *err) {
    native_part *p;
    unsigned n;
    if (!native_generate_parts(m, opt, abi, 0, &p, &n, err)) return false;
    bool ok = fwrite(p[0].text, 1, p[0].len, out) == p[0].len;
    native_free_parts(p, n);
    if (!ok) error_set(err, KILN_ERR_IO, "native: cannot write the C translation");
    return ok;
}
