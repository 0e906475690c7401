/*
 * interp.c — the interpreter: one function, direct-threaded with computed
 * goto over the register code of ops.h. The hot state lives in locals the
 * compiler keeps in registers: pc, fp (the frame's slots), mem (linear
 * memory's base) and inst.
 *
 * Memory accesses are not bounds-checked: linear memory sits in an 8 GiB
 * reservation whose inaccessible part faults (memory.c), and the fault
 * handler (trap.c) jumps back to interp_call. So that the trap can name the
 * instruction, each access first stores pc into ex->pc: one store, cheaper
 * than a compare and branch, and it keeps traps precise. With
 * kiln_config.explicit_bounds_checks the compiler emits the checked twins
 * (cload_*, cstore_*) instead.
 *
 * Wasm calls do not recurse in C: a call pushes a frame on the store's call
 * stack and jumps; the callee's slots start where the caller put the
 * arguments, so arguments are never copied.
 */
#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ops.h"
#include "engine/runtime.h"
#include "engine/cost.h"
#include "engine/simd.h"
#include "engine/arith.h"
#include "engine/native/native.h"

const void *const *interp_handlers;

enum {
#define OPN(name, n) OPN_##name = (n),
    KILN_OPS(OPN)
#undef OPN
};

/* For an arithmetic trap, its operands in a sentence, read back from the
 * trapping instruction's slots: "i32.div_s: 7 / 0", "i64.trunc_f64_s of
 * 1.5e+20: out of i64's range". */
static void describe_arith(kiln_trap *t, exec *ex, const uint32_t *pc, const trapinfo *ti) {
    if (!pc || !ex->fsp || ex->fsp < ex->frames) return;
    int op = op_at(pc);
    if (op < OP_i32_div_s) return;
    const uint64_t *fp = ex->fsp->fp;
    char name[32];
    snprintf(name, sizeof name, "%s", op_names[op]);
    char *us = strchr(name, '_');
    if (us) *us = '.';
    bool is64 = name[1] == '6';
    bool div = strstr(name, ".div_") || strstr(name, ".rem_");
    if (div) {
        uint64_t a = ti->has_operands ? ti->a : fp[pc[3]], b = ti->has_operands ? ti->b : fp[pc[4]];
        bool sgn = name[strlen(name) - 1] == 's';
        char as[32], bs[32];
        if (is64) {
            if (sgn) { snprintf(as, sizeof as, "%lld", (long long)a); snprintf(bs, sizeof bs, "%lld", (long long)b); }
            else { snprintf(as, sizeof as, "%llu", (unsigned long long)a); snprintf(bs, sizeof bs, "%llu", (unsigned long long)b); }
        } else {
            if (sgn) { snprintf(as, sizeof as, "%d", (int32_t)(uint32_t)a); snprintf(bs, sizeof bs, "%d", (int32_t)(uint32_t)b); }
            else { snprintf(as, sizeof as, "%u", (uint32_t)a); snprintf(bs, sizeof bs, "%u", (uint32_t)b); }
        }
        const char *sym = strstr(name, ".div_") ? "/" : "%";
        if (t->kind == KILN_TRAP_INTEGER_DIVIDE_BY_ZERO)
            snprintf(t->detail, sizeof t->detail, "%s: %s %s %s: the divisor is zero", name, as, sym, bs);
        else
            snprintf(t->detail, sizeof t->detail, "%s: %s %s %s does not fit in %s", name, as, sym, bs, is64 ? "i64" : "i32");
        return;
    }
    if (strstr(name, ".trunc_f")) {
        uint64_t bits = ti->has_operands ? ti->a : fp[pc[3]];
        double x;
        if (strstr(name, "_f32_")) { float f; uint32_t u = (uint32_t)bits; memcpy(&f, &u, 4); x = f; }
        else memcpy(&x, &bits, 8);
        if (x != x) snprintf(t->detail, sizeof t->detail, "%s of NaN", name);
        else snprintf(t->detail, sizeof t->detail, "%s of %.17g: outside %s's range", name, x, is64 ? "i64" : "i32");
    }
}

kiln_trap *trap_build(exec *ex, const uint32_t *pc, kiln_instance *inst, const trapinfo *ti) {
    kiln_trap *t = ti->host ? ti->host : trap_make(ti->kind);
    if (!t) return NULL;
    switch (ti->kind) {
    case KILN_TRAP_MEMORY_OUT_OF_BOUNDS: {
        const kiln_memory *tm = inst && ti->mem < inst->module->nmemories ? inst->memories[ti->mem] : NULL;
        uint64_t msize = tm ? tm->size : 0;
        char which[32] = "linear memory";
        if (ti->mem) snprintf(which, sizeof which, "memory %u", ti->mem);
        t->address = ti->addr;
        t->access_size = ti->size;
        t->memory_size = msize;
        t->memory_index = ti->mem;
        t->memory64 = tm && tm->is64;
        if (ti->size)
            snprintf(t->detail, sizeof t->detail, "%u-byte %s at address 0x%llx; %s is %llu bytes (%llu pages)",
                     ti->size, ti->is_store ? "store" : "load", (unsigned long long)ti->addr, which,
                     (unsigned long long)msize, (unsigned long long)(msize >> 16));
        else
            snprintf(t->detail, sizeof t->detail, "bulk access of %llu bytes at address 0x%llx; %s is %llu bytes (%llu pages)",
                     (unsigned long long)ti->index, (unsigned long long)ti->addr, which,
                     (unsigned long long)msize, (unsigned long long)(msize >> 16));
        break;
    }
    case KILN_TRAP_TABLE_OUT_OF_BOUNDS:
    case KILN_TRAP_UNDEFINED_ELEMENT:
        t->table_index = ti->table;
        t->element_index = ti->index;
        t->table_size = ti->limit;
        snprintf(t->detail, sizeof t->detail, "element %u of table %u, whose size is %u", ti->index, ti->table, ti->limit);
        break;
    case KILN_TRAP_UNINITIALIZED_ELEMENT:
        t->table_index = ti->table;
        t->element_index = ti->index;
        snprintf(t->detail, sizeof t->detail, "element %u of table %u is null", ti->index, ti->table);
        break;
    case KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH: {
        kiln_engine *e = ex->store->engine;
        const functype *w = engine_type_by_id(e, ti->want_type), *h = engine_type_by_id(e, ti->have_type);
        char a[160] = "?", b[160] = "?";
        kiln_functype pw, ph;
        if (w) { functype_to_public(w, &pw); kiln_functype_format(&pw, a, sizeof a); }
        if (h) { functype_to_public(h, &ph); kiln_functype_format(&ph, b, sizeof b); }
        snprintf(t->detail, sizeof t->detail, "the call expects %s but element %u of table %u is %s", a, ti->index, ti->table, b);
        break;
    }
    case KILN_TRAP_INTEGER_DIVIDE_BY_ZERO:
    case KILN_TRAP_INTEGER_OVERFLOW:
    case KILN_TRAP_INVALID_CONVERSION:
        describe_arith(t, ex, pc, ti);
        break;
    case KILN_TRAP_CALL_STACK_EXHAUSTED:
        snprintf(t->detail, sizeof t->detail, "more than %u nested calls or %llu bytes of wasm stack",
                 ex->store->limits.max_call_depth, (unsigned long long)ex->store->limits.max_stack_bytes);
        break;
    case KILN_TRAP_OUT_OF_FUEL:
        snprintf(t->detail, sizeof t->detail, "the fuel limit of %lld was spent", (long long)ex->fuel_start);
        break;
    case KILN_TRAP_EXCEPTION:
        if (ti->exn) exn_to_trap(t, ti->exn);
        break;
    case KILN_TRAP_TIMEOUT: {
        uint64_t ns = ex->store->limits.timeout_ns;
        if (ns % 1000000u == 0) snprintf(t->detail, sizeof t->detail, "the %llu ms deadline passed", (unsigned long long)(ns / 1000000u));
        else snprintf(t->detail, sizeof t->detail, "the %.3f ms deadline passed", (double)ns / 1e6);
        break;
    }
    default:
        break;
    }
    trap_backtrace(t, ex, pc);
    return t;
}

/* Fuel lives in a local (a register) while wasm runs. A charge point
 * compares it with ex->fuel_floor, which is 0 until the deadline timer, on
 * another thread, raises it: then the next charge point takes the slow
 * path, which tells timeout from out-of-fuel. One compare with memory, no
 * store, per basic block. */
/* CHARGE pays; CHARGE_CHECK pays and checks, and is used only where
 * execution could otherwise go on without bound: back-edges, calls,
 * returns, br_table jumps back to a loop, and bulk operations (see compile.c). */
#ifdef KILN_NO_METER
#define CHARGE(f) ((void)(f))
#define CHARGE_CHECK(f) ((void)(f))
#else
#define CHARGE(f) (fuel -= (int64_t)(f))
#define CHARGE_CHECK(f)                                                                   \
    do {                                                                                  \
        fuel -= (int64_t)(f);                                                             \
        if (__builtin_expect(fuel < __atomic_load_n(&ex->fuel_floor, __ATOMIC_RELAXED), 0)) \
            goto out_of_fuel;                                                             \
    } while (0)
#endif
#define CHARGE_EXTRA(n) CHARGE_CHECK(n)
/* Around anything that may look at or run on the store's fuel. */
#define SAVE_FUEL() (ex->fuel = fuel)
#define LOAD_FUEL() (fuel = ex->fuel)

/* Bulk operations (memory.fill/copy/init, table.fill/copy/init) pay their
 * whole cost before they start (docs/metering.md), then move at most
 * BULK_CHUNK bytes at a time and look at the deadline between chunks: one
 * memory.fill of 4 GiB ran 25 s past a 1 s timeout when it was a single
 * memset. A timeout in the middle leaves the operation partly done, which
 * only the timed-out store can see. Fuel is unaffected. */
#define BULK_CHUNK ((size_t)1 << 20)

static inline bool bulk_interrupted(const exec *ex) {
#ifdef KILN_NO_METER
    (void)ex;
    return false;
#else
    return __atomic_load_n(&ex->interrupted, __ATOMIC_RELAXED) != 0;
#endif
}

/* memmove(dst, src, n), or memset(dst, byte, n) when src is NULL, in
 * chunks; false when the deadline passed first. An overlapping move
 * upwards goes from the end, as memmove would. */
static bool bulk_bytes(const exec *ex, uint8_t *dst, const uint8_t *src, int byte, size_t n) {
    bool from_end = src && (uintptr_t)dst > (uintptr_t)src;
    for (size_t done = 0; done < n;) {
        size_t c = n - done < BULK_CHUNK ? n - done : BULK_CHUNK;
        size_t off = from_end ? n - done - c : done;
        if (src) memmove(dst + off, src + off, c);
        else memset(dst + off, byte, c);
        done += c;
        if (done < n && bulk_interrupted(ex)) return false;
    }
    return true;
}

/* table.fill's loop, in chunks of the same size. */
static bool bulk_fill_refs(const exec *ex, void **dst, void *v, size_t n) {
    const size_t chunk = BULK_CHUNK / sizeof *dst;
    for (size_t done = 0; done < n;) {
        size_t c = n - done < chunk ? n - done : chunk;
        for (size_t k = 0; k < c; k++) dst[done + k] = v;
        done += c;
        if (done < n && bulk_interrupted(ex)) return false;
    }
    return true;
}

/* A bulk operation stopped by the deadline traps as a charge point would. */
#ifdef KILN_NO_METER
#define BULK(done) ((void)(done))
#else
#define BULK(done)                                  \
    do {                                            \
        if (__builtin_expect(!(done), 0)) goto out_of_fuel; \
    } while (0)
#endif

#ifdef KILN_OP_STATS
/* A diagnostic build (make OPT="-O2 -DKILN_OP_STATS"): counts executed ops
 * and adjacent pairs, printed at exit. Never in a normal build. */
static uint64_t op_count[OP__COUNT], pair_count[OP__COUNT][OP__COUNT];
static int op_prev = -1;
static void op_stats_count(const void *h) {
    for (int i = 0; i < OP__COUNT; i++)
        if (interp_handlers[i] == h) {
            op_count[i]++;
            if (op_prev >= 0) pair_count[op_prev][i]++;
            op_prev = i;
            return;
        }
}
static void op_stats_print(void) {
    uint64_t total = 0;
    for (int i = 0; i < OP__COUNT; i++) total += op_count[i];
    fprintf(stderr, "ops executed: %llu\n", (unsigned long long)total);
    for (int k = 0; k < 40; k++) {
        int best = -1;
        for (int i = 0; i < OP__COUNT; i++) if (op_count[i] && (best < 0 || op_count[i] > op_count[best])) best = i;
        if (best < 0) break;
        fprintf(stderr, "  %-22s %6.2f%%\n", op_names[best], 100.0 * op_count[best] / total);
        op_count[best] = 0;
    }
    fprintf(stderr, "pairs:\n");
    for (int k = 0; k < 40; k++) {
        int bi = -1, bj = -1;
        for (int i = 0; i < OP__COUNT; i++) for (int j = 0; j < OP__COUNT; j++)
            if (pair_count[i][j] && (bi < 0 || pair_count[i][j] > pair_count[bi][bj])) { bi = i; bj = j; }
        if (bi < 0) break;
        fprintf(stderr, "  %-22s -> %-22s %6.2f%%\n", op_names[bi], op_names[bj], 100.0 * pair_count[bi][bj] / total);
        pair_count[bi][bj] = 0;
    }
}
__attribute__((constructor)) static void op_stats_init(void) { atexit(op_stats_print); }
#endif

static kiln_trap *run(exec *ex, kiln_instance *inst, const uint32_t *pc, uint64_t *fp, bool init) {
    static const void *const labels[OP__COUNT] = {
#define LBL(name, n) &&L_##name,
        KILN_OPS(LBL)
#undef LBL
    };
    if (init) {
        interp_handlers = labels;
        return NULL;
    }

    uint8_t *mem = inst->mem_base;
    int64_t fuel = ex->fuel;
    trapinfo ti = {0};
    /* Call setup shared by call, call_import and call_indirect. */
    const funcdef *ncallee;
    kiln_instance *ninst;
    uint64_t *nfp;
    const uint32_t *ret;
    kiln_func *hf = NULL;
    exn *thrown;

#define O(i) (pc[2 + (i)])
#define S(i) (fp[O(i)])
#ifdef KILN_OP_STATS
#define STAT(h) op_stats_count(h)
#else
#define STAT(h) ((void)0)
#endif
#define DISPATCH()                              \
    do {                                        \
        const void *h_;                         \
        memcpy(&h_, pc, sizeof h_);             \
        STAT(h_);                               \
        goto *h_;                               \
    } while (0)
#define NEXT(name) do { pc += 2 + OPN_##name; DISPATCH(); } while (0)
#define TRAP(k) do { ti.kind = (k); goto trap; } while (0)

    DISPATCH();

    /* ------------------------------------------------------------ control */
L_unreachable:
    TRAP(KILN_TRAP_UNREACHABLE);
L_charge:
    CHARGE(O(0));
    NEXT(charge);
#define BRANCHES(SUFFIX, PAY)                                          \
    L_br##SUFFIX:                                                      \
    PAY(O(1));                                                         \
    pc += (int32_t)O(0);                                               \
    DISPATCH();                                                        \
    L_br_z##SUFFIX:                                                    \
    PAY(O(2));                                                         \
    if ((uint32_t)S(0) == 0) { pc += (int32_t)O(1); DISPATCH(); }      \
    NEXT(br_z##SUFFIX);                                                \
    L_br_nz##SUFFIX:                                                   \
    PAY(O(2));                                                         \
    if ((uint32_t)S(0) != 0) { pc += (int32_t)O(1); DISPATCH(); }      \
    NEXT(br_nz##SUFFIX);
    BRANCHES(, CHARGE)
    BRANCHES(_back, CHARGE_CHECK)
L_br_table: {
    uint32_t i = (uint32_t)S(0), n = O(1);
    CHARGE(O(2));
    if (i > n) i = n;
    int32_t off = (int32_t)pc[2 + 3 + i];
    /* A poll only when the jump goes back (to a loop), as for br_if. */
    if (off <= 0) CHARGE_CHECK(0);
    pc += off;
    DISPATCH();
}

#define BRCMP(name, T, op, b_expr, PAY)                           \
    L_##name: {                                                  \
        PAY(O(3));                                               \
        T a_ = (T)(uint32_t)S(0), b_ = (T)(b_expr);              \
        if (a_ op b_) { pc += (int32_t)O(2); DISPATCH(); }       \
        NEXT(name);                                              \
    }
#define BRPAIR(cmp, T, op)                                                  \
    BRCMP(br_##cmp##_i32, T, op, (uint32_t)S(1), CHARGE)                    \
    BRCMP(br_##cmp##_i32_k, T, op, O(1), CHARGE)                            \
    BRCMP(br_##cmp##_i32_back, T, op, (uint32_t)S(1), CHARGE_CHECK)         \
    BRCMP(br_##cmp##_i32_k_back, T, op, O(1), CHARGE_CHECK)
    BRPAIR(eq, uint32_t, ==)
    BRPAIR(ne, uint32_t, !=)
    BRPAIR(lt_s, int32_t, <)
    BRPAIR(lt_u, uint32_t, <)
    BRPAIR(gt_s, int32_t, >)
    BRPAIR(gt_u, uint32_t, >)
    BRPAIR(le_s, int32_t, <=)
    BRPAIR(le_u, uint32_t, <=)
    BRPAIR(ge_s, int32_t, >=)
    BRPAIR(ge_u, uint32_t, >=)

L_call: {
    memcpy(&ncallee, &pc[2], sizeof ncallee);
    CHARGE_CHECK(O(3));
    nfp = fp + O(2);
    ninst = inst;
    ret = pc + 2 + OPN_call;
    goto enter;
}
L_call_import: {
    kiln_func *f = inst->funcs[O(0)];
    CHARGE_CHECK(O(2));
    nfp = fp + O(1);
    ret = pc + 2 + OPN_call_import;
    if (f->kind == FUNC_HOST) { hf = f; goto host_call; }
    ncallee = f->def;
    ninst = f->inst;
    goto enter;
}
L_call_indirect: {
    kiln_table *tb = inst->tables[O(0)];
    uint32_t i = (uint32_t)S(3);
    CHARGE_CHECK(O(4));
    if (i >= tb->size) { ti.index = i; ti.limit = tb->size; ti.table = O(0); TRAP(KILN_TRAP_UNDEFINED_ELEMENT); }
    kiln_func *f = tb->elems[i];
    if (!f) { ti.index = i; ti.table = O(0); TRAP(KILN_TRAP_UNINITIALIZED_ELEMENT); }
    if (f->type_id != O(1)) {
        ti.index = i; ti.table = O(0); ti.want_type = O(1); ti.have_type = f->type_id;
        TRAP(KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH);
    }
    nfp = fp + O(2);
    ret = pc + 2 + OPN_call_indirect;
    if (f->kind == FUNC_HOST) { hf = f; goto host_call; }
    ncallee = f->def;
    ninst = f->inst;
    goto enter;
}
/* A call's frame push, and the start of the callee (enter, enter_hooked). */
#define ENTER_FRAME()                                                               \
    do {                                                                            \
        nf->fn = ncallee;                                                           \
        nf->inst = ninst;                                                           \
        nf->fp = nfp;                                                               \
        nf->ret_pc = ret;                                                           \
        ex->fsp = nf;                                                               \
        SAVE_FUEL(); /* so a memory fault, which loses the register, counts up to here */ \
    } while (0)
#define ENTER_BODY()                                                                \
    do {                                                                            \
        uint32_t np_ = ncallee->type->param_slots;                                  \
        memset(nfp + np_, 0, (size_t)(ncallee->nlocal_slots - np_) * sizeof *nfp); \
        fp = nfp;                                                                   \
        pc = ncallee->code;                                                         \
        if (ninst != inst) { inst = ninst; mem = inst->mem_base; }                  \
        DISPATCH();                                                                 \
    } while (0)
enter: {
    frame *nf = ex->fsp + 1;
    if (__builtin_expect(nf >= ex->frames_end || nfp + ncallee->frame_slots > ex->stack_end, 0))
        TRAP(KILN_TRAP_CALL_STACK_EXHAUSTED);
    /* Profiling and instances switched to native code need more than a
     * frame push; one test of ex->call_hooks keeps both off the common
     * path (an interpreted call tests one flag, as before the native tier). */
    if (__builtin_expect(__atomic_load_n(&ex->call_hooks, __ATOMIC_RELAXED) != 0, 0)) goto enter_hooked;
    ENTER_FRAME();
    ENTER_BODY();
}
enter_hooked: {
    /* The instance switched to native code (kiln_instance_use_native):
     * the callee runs there; this function goes on interpreting. */
    if (__atomic_load_n(&ninst->native, __ATOMIC_RELAXED) != NULL) {
        SAVE_FUEL();
        kiln_trap *t = native_call_from(ex, &ninst->own[ncallee->index - ninst->module->nfunc_imports], nfp, ret);
        LOAD_FUEL();
        if (t) return t;
        if (__builtin_expect(ex->native_exn != NULL, 0)) {
            /* Thrown in native code, caught here or below (rt.c throw_at). */
            thrown = ex->native_exn;
            ex->native_exn = NULL;
            pc = ret - 1; /* inside the call */
            goto unwind;
        }
        pc = ret;
        DISPATCH();
    }
    frame *nf = ex->fsp + 1;
    ENTER_FRAME();
    if (ex->prof != NULL) prof_enter(ex, fuel, ninst->module, ncallee->index, NULL);
    ENTER_BODY();
}
host_call: {
    ex->pc = pc;
    ex->sp = fp + ex->fsp->fn->frame_slots;
    kiln_caller cl = {ex, inst};
    SAVE_FUEL();
    ex->host_calls++;
    if (ex->prof) prof_enter(ex, fuel, NULL, 0, hf->name);
    kiln_trap *t = hf->host(&cl, hf->env, nfp);
    LOAD_FUEL();
    if (ex->prof) prof_leave(ex, fuel);
    if (t) {
        if (__builtin_expect(t->kind == KILN_TRAP_EXCEPTION && t->exn_tag != NULL, 0)) {
            /* A host function threw (or let through a wasm exception from
             * a call it made): it may be caught here. */
            thrown = exn_new(ex, t->exn_tag, t->exn_slots, fp + ex->fsp->fn->frame_slots);
            if (thrown) { kiln_trap_free(t); goto unwind; }
        }
        ti.host = t; ti.kind = t->kind; goto trap;
    }
    pc = ret;
    DISPATCH();
}
    /* ------------------------------------------------------------ exceptions */
L_throw:
    CHARGE_CHECK(O(2));
    SAVE_FUEL();
    thrown = exn_new(ex, inst->tags[O(0)], fp + O(1), fp + ex->fsp->fn->frame_slots);
    if (__builtin_expect(!thrown, 0)) {
        ti.host = kiln_trap_new(KILN_TRAP_HOST, "out of memory for an exception");
        if (!ti.host) return NULL;
        ti.kind = KILN_TRAP_HOST;
        goto trap;
    }
    goto unwind;
L_throw_ref:
    CHARGE_CHECK(O(1));
    thrown = (exn *)(uintptr_t)S(0);
    if (!thrown) TRAP(KILN_TRAP_NULL_EXNREF);
    goto unwind;
unwind: {
    /* Find the handler first (nothing moves if none catches: the trap's
     * backtrace is then the thrower's), then pop the frames above it. */
    frame *hfr;
    const eh_clause *cl;
    if (!eh_find(ex, pc, thrown, &hfr, &cl)) { ti.kind = KILN_TRAP_EXCEPTION; ti.exn = thrown; goto trap; }
    while (ex->fsp != hfr) {
        if (ex->prof) prof_leave(ex, fuel);
        ex->fsp--;
    }
    pc = eh_land(hfr, cl, thrown);
    fp = hfr->fp;
    if (hfr->inst != inst) { inst = hfr->inst; mem = inst->mem_base; }
    SAVE_FUEL();
    DISPATCH();
}
/* Tail calls: the callee takes the caller's frame (its arguments move to
 * the frame's base, its ret_pc stays), so a chain of tail calls runs in
 * constant stack, and an exception from the callee is not caught by the
 * caller's handlers (the caller is gone). A host callee runs after the
 * frame is popped, its results landing where the caller's caller expects
 * them. */
L_return_call:
    memcpy(&ncallee, &pc[2], sizeof ncallee);
    CHARGE_CHECK(O(3));
    nfp = fp + O(2);
    ninst = inst;
    goto tail_enter;
L_return_call_import: {
    kiln_func *f = inst->funcs[O(0)];
    CHARGE_CHECK(O(2));
    nfp = fp + O(1);
    if (f->kind == FUNC_HOST) { hf = f; goto tail_host; }
    ncallee = f->def;
    ninst = f->inst;
    goto tail_enter;
}
L_return_call_indirect: {
    kiln_table *tb = inst->tables[O(0)];
    uint32_t i = (uint32_t)S(3);
    CHARGE_CHECK(O(4));
    if (i >= tb->size) { ti.index = i; ti.limit = tb->size; ti.table = O(0); TRAP(KILN_TRAP_UNDEFINED_ELEMENT); }
    kiln_func *f = tb->elems[i];
    if (!f) { ti.index = i; ti.table = O(0); TRAP(KILN_TRAP_UNINITIALIZED_ELEMENT); }
    if (f->type_id != O(1)) {
        ti.index = i; ti.table = O(0); ti.want_type = O(1); ti.have_type = f->type_id;
        TRAP(KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH);
    }
    nfp = fp + O(2);
    if (f->kind == FUNC_HOST) { hf = f; goto tail_host; }
    ncallee = f->def;
    ninst = f->inst;
    goto tail_enter;
}
tail_enter: {
    if (__builtin_expect(fp + ncallee->frame_slots > ex->stack_end, 0)) TRAP(KILN_TRAP_CALL_STACK_EXHAUSTED);
    if (__builtin_expect(__atomic_load_n(&ex->call_hooks, __ATOMIC_RELAXED) != 0, 0)) {
        if (__atomic_load_n(&ninst->native, __ATOMIC_RELAXED) != NULL) {
            /* Into native code: an ordinary call, then this frame returns
             * its results. */
            SAVE_FUEL();
            kiln_trap *t = native_call_from(ex, &ninst->own[ncallee->index - ninst->module->nfunc_imports], nfp, pc);
            LOAD_FUEL();
            if (t) return t;
            if (__builtin_expect(ex->native_exn != NULL, 0)) {
                /* Caught below this frame, which the tail call replaced:
                 * unwind from its caller's call, as tail_host does. */
                frame *cf = ex->fsp;
                const uint32_t *rp = cf->ret_pc;
                thrown = ex->native_exn;
                ex->native_exn = NULL;
                if (!rp) { ti.kind = KILN_TRAP_EXCEPTION; ti.exn = thrown; goto trap; }
                if (ex->prof) prof_leave(ex, fuel);
                ex->fsp = cf - 1;
                fp = ex->fsp->fp;
                if (ex->fsp->inst != inst) { inst = ex->fsp->inst; mem = inst->mem_base; }
                pc = rp - 1;
                goto unwind;
            }
            memmove(fp, nfp, (size_t)ncallee->type->result_slots * sizeof *fp);
            goto do_return;
        }
        if (ex->prof) { prof_leave(ex, fuel); prof_enter(ex, fuel, ninst->module, ncallee->index, NULL); }
    }
    memmove(fp, nfp, (size_t)ncallee->type->param_slots * sizeof *fp);
    frame *cf = ex->fsp;
    cf->fn = ncallee;
    cf->inst = ninst;
    nfp = fp;
    SAVE_FUEL();
    ENTER_BODY();
}
tail_host: {
    /* Pop this frame first: the host's results go to its base, where the
     * caller reads this function's results. */
    memmove(fp, nfp, (size_t)hf->type->param_slots * sizeof *fp);
    frame *cf = ex->fsp;
    const uint32_t *rp = cf->ret_pc;
    if (ex->prof) prof_leave(ex, fuel);
    ex->pc = pc;
    ex->sp = fp + cf->fn->frame_slots;
    kiln_caller cl = {ex, inst};
    SAVE_FUEL();
    ex->host_calls++;
    if (ex->prof) prof_enter(ex, fuel, NULL, 0, hf->name);
    kiln_trap *t = hf->host(&cl, hf->env, fp);
    LOAD_FUEL();
    if (ex->prof) prof_leave(ex, fuel);
    if (t) {
        /* Report (or catch) it in the callers: this frame is gone. */
        if (t->kind == KILN_TRAP_EXCEPTION && t->exn_tag != NULL && rp) {
            thrown = exn_new(ex, t->exn_tag, t->exn_slots, fp + cf->fn->frame_slots);
            if (thrown) {
                kiln_trap_free(t);
                ex->fsp = cf - 1;
                fp = ex->fsp->fp;
                if (ex->fsp->inst != inst) { inst = ex->fsp->inst; mem = inst->mem_base; }
                pc = rp - 1; /* inside the caller's call */
                goto unwind;
            }
        }
        ti.host = t; ti.kind = t->kind; goto trap;
    }
    ex->fsp = cf - 1;
    SAVE_FUEL();
    if (!rp) return NULL;
    fp = ex->fsp->fp;
    if (ex->fsp->inst != inst) { inst = ex->fsp->inst; mem = inst->mem_base; }
    pc = rp;
    DISPATCH();
}
L_ret:
    CHARGE_CHECK(O(0));
    goto do_return;
L_ret_slot:
    fp[0] = S(0);
    CHARGE_CHECK(O(1));
    goto do_return;
do_return: {
    if (__builtin_expect(ex->prof != NULL, 0)) prof_leave(ex, fuel);
    frame *f = ex->fsp;
    const uint32_t *rp = f->ret_pc;
    KILN_ASSERT(f >= ex->frames && f < ex->frames_end);
    ex->fsp = f - 1;
    SAVE_FUEL();
    if (!rp) return NULL;
    KILN_ASSERT(ex->fsp >= ex->frames && fp == f->fp);
    fp = ex->fsp->fp;
    if (ex->fsp->inst != inst) { inst = ex->fsp->inst; mem = inst->mem_base; }
    pc = rp;
    DISPATCH();
}

    /* ------------------------------------------------------------ data movement */
L_copy:
    fp[O(0)] = S(1);
    NEXT(copy);
/* A v128 is always written with one 16-byte store: written as two 8-byte
 * halves, the next handler's 16-byte load of it could not be forwarded from
 * the store buffer and would stall ~10 cycles (the SIMD loop's constants,
 * copies and splats did this on every iteration). */
L_copy128:
    v_st(&fp[O(0)], v_ld(&fp[O(1)]));
    NEXT(copy128);
L_const128:
    v_st(&fp[O(0)], (v128){(uint64_t)O(2) << 32 | O(1), (uint64_t)O(4) << 32 | O(3)});
    NEXT(const128);
L_const32:
    fp[O(0)] = O(1);
    NEXT(const32);
L_const64:
    fp[O(0)] = (uint64_t)O(2) << 32 | O(1);
    NEXT(const64);
L_select:
    fp[O(0)] = (uint32_t)S(3) ? S(1) : S(2);
    NEXT(select);
L_select128: {
    uint32_t src = (uint32_t)S(3) ? O(1) : O(2);
    v_st(&fp[O(0)], v_ld(&fp[src]));
    NEXT(select128);
}
L_global_get:
    fp[O(0)] = inst->globals[O(1)]->bits;
    NEXT(global_get);
L_global_set:
    inst->globals[O(0)]->bits = S(1);
    NEXT(global_set);

    /* ------------------------------------------------------------ memory */
#define LOAD(name, T, conv)                                                  \
    L_##name: {                                                              \
        ex->pc = pc;                                                         \
        T v_;                                                                \
        memcpy(&v_, mem + (uint64_t)(uint32_t)S(1) + O(2), sizeof v_);       \
        fp[O(0)] = conv;                                                     \
        NEXT(name);                                                          \
    }
#define STORE(name, T)                                                       \
    L_##name: {                                                              \
        ex->pc = pc;                                                         \
        T v_ = (T)S(1);                                                      \
        memcpy(mem + (uint64_t)(uint32_t)S(0) + O(2), &v_, sizeof v_);       \
        NEXT(name);                                                          \
    }
#define CLOAD(name, T, conv)                                                 \
    L_c##name: {                                                             \
        uint64_t ea_ = (uint64_t)(uint32_t)S(1) + O(2);                      \
        if (ea_ + sizeof(T) > inst->memory->size) {                          \
            ti.addr = ea_; ti.size = sizeof(T); ti.is_store = 0;             \
            TRAP(KILN_TRAP_MEMORY_OUT_OF_BOUNDS);                            \
        }                                                                    \
        T v_;                                                                \
        memcpy(&v_, mem + ea_, sizeof v_);                                   \
        fp[O(0)] = conv;                                                     \
        NEXT(c##name);                                                       \
    }
#define CSTORE(name, T)                                                      \
    L_c##name: {                                                             \
        uint64_t ea_ = (uint64_t)(uint32_t)S(0) + O(2);                      \
        if (ea_ + sizeof(T) > inst->memory->size) {                          \
            ti.addr = ea_; ti.size = sizeof(T); ti.is_store = 1;             \
            TRAP(KILN_TRAP_MEMORY_OUT_OF_BOUNDS);                            \
        }                                                                    \
        T v_ = (T)S(1);                                                      \
        memcpy(mem + ea_, &v_, sizeof v_);                                   \
        NEXT(c##name);                                                       \
    }
/* The x-twins (ops.h): any memory, 32- or 64-bit addresses, 64-bit
 * offsets, checked here. XADDR leaves p_, the host address of the n bytes
 * at the address in operand ai plus the offset, or traps. */
#define XADDR(ai, n, is_st)                                                            \
    const memarg_x *xa_ = &inst->module->xargs[O(2)];                                  \
    const kiln_memory *xm_ = inst->memories[xa_->mem];                                 \
    uint64_t xb_ = xa_->is64 ? S(ai) : (uint32_t)S(ai), ea_ = xb_ + xa_->offset;       \
    if (__builtin_expect(ea_ < xb_ || ea_ > xm_->size || xm_->size - ea_ < (n), 0)) {  \
        ti.addr = ea_ < xb_ ? UINT64_MAX : ea_; ti.size = (n); ti.is_store = (is_st);  \
        ti.mem = xa_->mem;                                                             \
        TRAP(KILN_TRAP_MEMORY_OUT_OF_BOUNDS);                                          \
    }                                                                                  \
    uint8_t *p_ = xm_->base + ea_;
#define XLOAD(name, T, conv)                                                 \
    L_x##name: {                                                             \
        XADDR(1, sizeof(T), 0)                                               \
        T v_;                                                                \
        memcpy(&v_, p_, sizeof v_);                                          \
        fp[O(0)] = conv;                                                     \
        NEXT(x##name);                                                       \
    }
#define XSTORE(name, T)                                                      \
    L_x##name: {                                                             \
        XADDR(0, sizeof(T), 1)                                               \
        T v_ = (T)S(1);                                                      \
        memcpy(p_, &v_, sizeof v_);                                          \
        NEXT(x##name);                                                       \
    }
/* The accesses, from their one definition (ops_mem.def): each row three
 * times, unchecked, with an explicit check, and as an x-twin. */
#define LOADOP(name, T, conv) LOAD(name, T, conv) CLOAD(name, T, conv) XLOAD(name, T, conv)
#define STOREOP(name, T) STORE(name, T) CSTORE(name, T) XSTORE(name, T)
#include "engine/ops_mem.def"

L_memory_size:
    fp[O(0)] = inst->memory->size >> 16;
    NEXT(memory_size);
L_memory_grow:
    fp[O(0)] = (uint32_t)memory_grow(inst->memory, (uint32_t)S(1));
    NEXT(memory_grow);
L_memory_fill: {
    uint64_t d = (uint32_t)S(0), n = (uint32_t)S(2);
    CHARGE_EXTRA(n / FUEL_BYTES_PER_UNIT);
    if (d + n > inst->memory->size) { ti.addr = d; ti.index = (uint32_t)n; TRAP(KILN_TRAP_MEMORY_OUT_OF_BOUNDS); }
    BULK(bulk_bytes(ex, mem + d, NULL, (int)(uint8_t)S(1), n));
    NEXT(memory_fill);
}
L_memory_copy: {
    uint64_t d = (uint32_t)S(0), s = (uint32_t)S(1), n = (uint32_t)S(2);
    CHARGE_EXTRA(n / FUEL_BYTES_PER_UNIT);
    uint64_t size = inst->memory->size;
    if (s + n > size) { ti.addr = s; ti.index = (uint32_t)n; TRAP(KILN_TRAP_MEMORY_OUT_OF_BOUNDS); }
    if (d + n > size) { ti.addr = d; ti.index = (uint32_t)n; TRAP(KILN_TRAP_MEMORY_OUT_OF_BOUNDS); }
    BULK(bulk_bytes(ex, mem + d, mem + s, 0, n));
    NEXT(memory_copy);
}
L_memory_init: {
    uint32_t seg = O(0);
    uint64_t d = (uint32_t)S(1), s = (uint32_t)S(2), n = (uint32_t)S(3);
    CHARGE_EXTRA(n / FUEL_BYTES_PER_UNIT);
    const data_seg *ds = &inst->module->datas[seg];
    uint64_t have = inst->data_dropped[seg] ? 0 : ds->size;
    if (s + n > have) { ti.addr = s; ti.index = (uint32_t)n; TRAP(KILN_TRAP_MEMORY_OUT_OF_BOUNDS); }
    if (d + n > inst->memory->size) { ti.addr = d; ti.index = (uint32_t)n; TRAP(KILN_TRAP_MEMORY_OUT_OF_BOUNDS); }
    if (n) BULK(bulk_bytes(ex, mem + d, ds->bytes + s, 0, n));
    NEXT(memory_init);
}
L_data_drop:
    inst->data_dropped[O(0)] = 1;
    NEXT(data_drop);

    /* Memory instructions on any memory; a memory64 memory's operands
     * and results are i64 (XVAL: operand i as its memory's address). */
#define XMEM(k) (inst->memories[O(k)])
#define XVAL(i, m) ((m)->is64 ? S(i) : (uint32_t)S(i))
#define XOOB(at, n, k) do { ti.addr = (at); ti.index = (uint32_t)(n); ti.mem = O(k); TRAP(KILN_TRAP_MEMORY_OUT_OF_BOUNDS); } while (0)
L_xmemory_size: {
    const kiln_memory *m = XMEM(1);
    fp[O(0)] = m->size >> 16;
    NEXT(xmemory_size);
}
L_xmemory_grow: {
    kiln_memory *m = XMEM(2);
    int64_t r = memory_grow(m, XVAL(1, m));
    fp[O(0)] = m->is64 ? (uint64_t)r : (uint32_t)r;
    NEXT(xmemory_grow);
}
L_xmemory_fill: {
    const kiln_memory *m = XMEM(3);
    uint64_t d = XVAL(0, m), n = XVAL(2, m);
    CHARGE_EXTRA(n / FUEL_BYTES_PER_UNIT);
    if (d > m->size || n > m->size - d) XOOB(d, n, 3);
    BULK(bulk_bytes(ex, m->base + d, NULL, (int)(uint8_t)S(1), n));
    NEXT(xmemory_fill);
}
L_xmemory_copy: {
    const kiln_memory *md = XMEM(3), *ms = XMEM(4);
    /* n is i64 only when both memories are memory64 */
    uint64_t d = XVAL(0, md), s = XVAL(1, ms), n = md->is64 && ms->is64 ? S(2) : (uint32_t)S(2);
    CHARGE_EXTRA(n / FUEL_BYTES_PER_UNIT);
    if (s > ms->size || n > ms->size - s) XOOB(s, n, 4);
    if (d > md->size || n > md->size - d) XOOB(d, n, 3);
    BULK(bulk_bytes(ex, md->base + d, ms->base + s, 0, n));
    NEXT(xmemory_copy);
}
L_xmemory_init: {
    const kiln_memory *m = XMEM(4);
    uint32_t seg = O(0);
    uint64_t d = XVAL(1, m), s = (uint32_t)S(2), n = (uint32_t)S(3);
    CHARGE_EXTRA(n / FUEL_BYTES_PER_UNIT);
    const data_seg *ds = &inst->module->datas[seg];
    uint64_t have = inst->data_dropped[seg] ? 0 : ds->size;
    if (s + n > have) { ti.addr = s; ti.index = (uint32_t)n; TRAP(KILN_TRAP_MEMORY_OUT_OF_BOUNDS); }
    if (d > m->size || n > m->size - d) XOOB(d, n, 4);
    if (n) BULK(bulk_bytes(ex, m->base + d, ds->bytes + s, 0, n));
    NEXT(xmemory_init);
}
#undef XMEM
#undef XVAL
#undef XOOB

    /* ------------------------------------------------------------ tables */
L_table_get: {
    kiln_table *t = inst->tables[O(1)];
    uint32_t i = (uint32_t)S(2);
    if (i >= t->size) { ti.index = i; ti.limit = t->size; ti.table = O(1); TRAP(KILN_TRAP_TABLE_OUT_OF_BOUNDS); }
    fp[O(0)] = (uintptr_t)t->elems[i];
    NEXT(table_get);
}
L_table_set: {
    kiln_table *t = inst->tables[O(0)];
    uint32_t i = (uint32_t)S(1);
    if (i >= t->size) { ti.index = i; ti.limit = t->size; ti.table = O(0); TRAP(KILN_TRAP_TABLE_OUT_OF_BOUNDS); }
    t->elems[i] = (void *)(uintptr_t)S(2);
    NEXT(table_set);
}
L_table_size:
    fp[O(0)] = inst->tables[O(1)]->size;
    NEXT(table_size);
L_table_grow: {
    uint32_t n = (uint32_t)S(3);
    CHARGE_EXTRA(n / FUEL_ELEMS_PER_UNIT);
    fp[O(0)] = (uint32_t)table_grow(inst->tables[O(1)], n, (void *)(uintptr_t)S(2));
    NEXT(table_grow);
}
L_table_fill: {
    kiln_table *t = inst->tables[O(0)];
    uint64_t i = (uint32_t)S(1), n = (uint32_t)S(3);
    CHARGE_EXTRA(n / FUEL_ELEMS_PER_UNIT);
    if (i + n > t->size) { ti.index = (uint32_t)i; ti.limit = t->size; ti.table = O(0); TRAP(KILN_TRAP_TABLE_OUT_OF_BOUNDS); }
    BULK(bulk_fill_refs(ex, t->elems + i, (void *)(uintptr_t)S(2), n));
    NEXT(table_fill);
}
L_table_copy: {
    kiln_table *dt = inst->tables[O(0)], *st = inst->tables[O(1)];
    uint64_t d = (uint32_t)S(2), s = (uint32_t)S(3), n = (uint32_t)S(4);
    CHARGE_EXTRA(n / FUEL_ELEMS_PER_UNIT);
    if (s + n > st->size) { ti.index = (uint32_t)s; ti.limit = st->size; ti.table = O(1); TRAP(KILN_TRAP_TABLE_OUT_OF_BOUNDS); }
    if (d + n > dt->size) { ti.index = (uint32_t)d; ti.limit = dt->size; ti.table = O(0); TRAP(KILN_TRAP_TABLE_OUT_OF_BOUNDS); }
    if (n) BULK(bulk_bytes(ex, (uint8_t *)(dt->elems + d), (const uint8_t *)(st->elems + s), 0, n * sizeof *dt->elems));
    NEXT(table_copy);
}
L_table_init: {
    kiln_table *t = inst->tables[O(0)];
    uint32_t seg = O(1);
    uint64_t d = (uint32_t)S(2), s = (uint32_t)S(3), n = (uint32_t)S(4);
    CHARGE_EXTRA(n / FUEL_ELEMS_PER_UNIT);
    uint64_t have = inst->elem_dropped[seg] ? 0 : inst->module->elems[seg].count;
    if (s + n > have) { ti.index = (uint32_t)s; ti.limit = (uint32_t)have; ti.table = O(0); TRAP(KILN_TRAP_TABLE_OUT_OF_BOUNDS); }
    if (d + n > t->size) { ti.index = (uint32_t)d; ti.limit = t->size; ti.table = O(0); TRAP(KILN_TRAP_TABLE_OUT_OF_BOUNDS); }
    if (n) BULK(bulk_bytes(ex, (uint8_t *)(t->elems + d), (const uint8_t *)(inst->elem_values[seg] + s), 0, n * sizeof *t->elems));
    NEXT(table_init);
}
L_elem_drop:
    inst->elem_dropped[O(0)] = 1;
    NEXT(elem_drop);
L_ref_func:
    fp[O(0)] = (uintptr_t)inst->funcs[O(1)];
    NEXT(ref_func);
L_ref_is_null:
    fp[O(0)] = S(1) == 0;
    NEXT(ref_is_null);

    /* ------------------------------------------------------------ numbers */
/* The numeric instructions, from their one definition (ops_scalar.def):
 * each shape becomes a handler that reads its operands from slots. */
#define UN32(name, expr) L_##name: { uint32_t a = (uint32_t)S(1); fp[O(0)] = (uint32_t)(expr); NEXT(name); }
#define BIN32(name, expr) L_##name: { uint32_t a = (uint32_t)S(1), b = (uint32_t)S(2); fp[O(0)] = (uint32_t)(expr); NEXT(name); }
#define BIN32K(name, expr) L_##name: { uint32_t a = (uint32_t)S(1), b = O(2); fp[O(0)] = (uint32_t)(expr); NEXT(name); }
#define UN64(name, expr) L_##name: { uint64_t a = S(1); fp[O(0)] = (uint64_t)(expr); NEXT(name); }
#define BIN64(name, expr) L_##name: { uint64_t a = S(1), b = S(2); fp[O(0)] = (uint64_t)(expr); NEXT(name); }
#define BIN64K(name, expr) L_##name: { uint64_t a = S(1), b = (uint64_t)(int64_t)(int32_t)O(2); fp[O(0)] = (uint64_t)(expr); NEXT(name); }
#define CMP64(name, expr) L_##name: { uint64_t a = S(1), b = S(2); fp[O(0)] = (uint32_t)(expr); NEXT(name); }
#define CMP64K(name, expr) L_##name: { uint64_t a = S(1), b = (uint64_t)(int64_t)(int32_t)O(2); fp[O(0)] = (uint32_t)(expr); NEXT(name); }
#define FCMP32(name, op) L_##name: { float a = f32_of(S(1)), b = f32_of(S(2)); fp[O(0)] = (uint32_t)(a op b); NEXT(name); }
#define FCMP64(name, op) L_##name: { double a = f64_of(S(1)), b = f64_of(S(2)); fp[O(0)] = (uint32_t)(a op b); NEXT(name); }
#define FUN32(name, expr) L_##name: { float a = f32_of(S(1)); fp[O(0)] = of_f32(expr); NEXT(name); }
#define FUN64(name, expr) L_##name: { double a = f64_of(S(1)); fp[O(0)] = of_f64(expr); NEXT(name); }
#define FBIN32(name, expr) L_##name: { float a = f32_of(S(1)), b = f32_of(S(2)); fp[O(0)] = of_f32(expr); NEXT(name); }
#define FBIN64(name, expr) L_##name: { double a = f64_of(S(1)), b = f64_of(S(2)); fp[O(0)] = of_f64(expr); NEXT(name); }
#define CONV(name, expr) L_##name: { uint64_t x = S(1); fp[O(0)] = (uint64_t)(expr); NEXT(name); }
#define BITS2(name, expr) L_##name: { uint64_t x = S(1), y = S(2); fp[O(0)] = (uint64_t)(expr); NEXT(name); }
#define IDIV(name, T, overflows, expr)                                  \
    L_##name: {                                                        \
        T a = (T)S(1), b = (T)S(2);                                    \
        if (b == 0) TRAP(KILN_TRAP_INTEGER_DIVIDE_BY_ZERO);            \
        if (overflows) TRAP(KILN_TRAP_INTEGER_OVERFLOW);               \
        fp[O(0)] = (T)(expr);                                          \
        NEXT(name);                                                    \
    }
#define TRUNC(name, FT, of, lo_ok, hi_ok, conv)                        \
    L_##name: {                                                        \
        FT x = of(S(1));                                               \
        if (x != x) TRAP(KILN_TRAP_INVALID_CONVERSION);                \
        if (!(lo_ok && hi_ok)) TRAP(KILN_TRAP_INTEGER_OVERFLOW);       \
        fp[O(0)] = conv;                                               \
        NEXT(name);                                                    \
    }
#include "engine/ops_scalar.def"

#include "engine/interp_simd.inc"

L_step_end:
    SAVE_FUEL();
    return NULL;

#ifndef KILN_NO_METER
out_of_fuel:
    /* Pairs with the timer's release store of the floor. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    ti.kind = __atomic_load_n(&ex->interrupted, __ATOMIC_RELAXED) ? KILN_TRAP_TIMEOUT : KILN_TRAP_OUT_OF_FUEL;
    if (fuel < 0) fuel = 0;
    goto trap;
#endif
trap:
    SAVE_FUEL();
    ex->pc = pc;
    return trap_build(ex, pc, inst, &ti);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void do_init(void) { run(NULL, NULL, NULL, NULL, true); }
void interp_init(void) { pthread_once(&init_once, do_init); }

int op_at(const uint32_t *pc) {
    const void *h;
    memcpy(&h, pc, sizeof h);
    for (int i = 0; i < OP__COUNT; i++)
        if (interp_handlers[i] == h) return i;
    return -1;
}

bool interp_access_info(const uint32_t *pc, uint32_t *size, int *is_store, uint32_t *addr_operand) {
    static const uint8_t sizes[] = {4, 8, 1, 1, 2, 2, 1, 1, 2, 2, 4, 4, 4, 8, 1, 2};
    _Static_assert(sizeof sizes == OP_store_16 - OP_load_i32 + 1, "one size per scalar access op");
    int op = op_at(pc);
    if (op >= OP_load_i32 && op <= OP_store_16) {
        *is_store = op >= OP_store_i32;
        *size = sizes[op - OP_load_i32];
    } else if (op >= OP_v128_load && op <= OP_v128_store64_lane) {
        *is_store = op >= OP_v128_store;
        *size = simd_access_size[op - OP_v128_load];
    } else {
        return false;
    }
    *addr_operand = *is_store ? 0 : 1;
    return true;
}

/* The memory access at `pc` faulted: say which, where, and how big. */
static kiln_trap *fault_trap(exec *ex) {
    const uint32_t *pc = ex->pc;
    frame *f = ex->fsp;
    trapinfo ti = {.kind = KILN_TRAP_MEMORY_OUT_OF_BOUNDS};
    uint32_t ai;
    if (interp_access_info(pc, &ti.size, &ti.is_store, &ai))
        ti.addr = (uint64_t)(uint32_t)f->fp[pc[2 + ai]] + pc[4];
    return trap_build(ex, pc, f->inst, &ti);
}

kiln_trap *interp_step(exec *ex, kiln_instance *inst, const uint32_t *pc, uint64_t *fp) {
    /* The instruction, followed by step_end, in a buffer: run() executes
     * exactly this one. Its operands are slot indexes and immediates, never
     * pc-relative (the native tier steps no branch). */
    int op = op_at(pc);
    uint32_t buf[16];
    if (op < 0 || op_units[op] + op_units[OP_step_end] > 16) {
        trapinfo ti = {.kind = KILN_TRAP_UNREACHABLE};
        return trap_build(ex, pc, inst, &ti);
    }
    memcpy(buf, pc, op_units[op] * sizeof *buf);
    const void *end = interp_handlers[OP_step_end];
    memcpy(buf + op_units[op], &end, sizeof end);
    kiln_trap *t = run(ex, inst, buf, fp, false);
    if (t) {
        ex->pc = pc;
        trap_backtrace(t, ex, pc); /* frames named from the real code, not the buffer */
    }
    return t;
}

kiln_trap *interp_call(exec *ex, kiln_func *f, uint64_t *fp) {
    const funcdef *fn = f->def;
    frame *base = frame_enter(ex, f, fp, NULL);
    if (!base) {
        trapinfo ti = {.kind = KILN_TRAP_CALL_STACK_EXHAUSTED};
        return trap_build(ex, NULL, f->inst, &ti);
    }
    uint32_t np = fn->type->param_slots;
    memset(fp + np, 0, (size_t)(fn->nlocal_slots - np) * sizeof *fp);

    sigjmp_buf jb;
    sigjmp_buf *saved_jmp = ex->jmp;
    exec *saved_tls = kiln_tls_exec;
    uint32_t prof_cur = ex->prof_cur;
    if (ex->prof) prof_enter(ex, ex->fuel, f->inst->module, fn->index, NULL);
    kiln_trap *t;
    if (sigsetjmp(jb, 0)) {
        t = fault_trap(ex);
    } else {
        ex->jmp = &jb;
        kiln_tls_exec = ex;
        t = run(ex, f->inst, fn->code, fp, false);
    }
    if (t && ex->prof) prof_unwind(ex, ex->fuel, prof_cur);
    ex->fsp = base - 1;
    ex->jmp = saved_jmp;
    kiln_tls_exec = saved_tls;
    return t;
}
