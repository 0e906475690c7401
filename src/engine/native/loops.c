/*
 * loops.c — counted loops whose fuel native code can charge once, at entry.
 *
 * Native code polls at every back branch, as the interpreter does: a
 * subtraction and a sign test per iteration. For a loop that runs a known
 * number of times T, and costs the same C on every path through its body,
 * the iterations together cost exactly T * C; when the fuel left covers
 * that, no poll in the loop could fire (neither out of fuel nor the
 * deadline's floor, which native code reads only when fr goes negative),
 * so the generator (gen.c) charges T * C at entry and runs a copy of the
 * body with no charges or polls. Otherwise the metered loop runs, unchanged.
 * Counts, out-of-fuel points and traps are the same either way: the body
 * may hold no call and no helper; an explicit trap in it (a division, a
 * conversion, a checked access) is handed the exact count, which the copy
 * computes from the counter (the iterations done so far) and from the fuel
 * charged before the trapping instruction within an iteration (cur_at: the
 * same on every path, as merges must agree); an unchecked access that
 * faults reports the count as of the last call on both tiers
 * (docs/metering.md). A loop whose paths cost differently (uneven) keeps
 * its charges in its copies; its polls go in the copy entered when the
 * fuel left covers T times its costliest path (lng, nopoll), and stay in
 * the one entered otherwise.
 *
 * The loops found: a body entered only by falling into its first
 * instruction and left only by not taking its one back branch, which tests
 * a counter against a bound (`br_ne_i32_back c b`, `br_ne_i32_k_back c K`,
 * `br_nz_back c`) where the counter changes once per iteration, by
 * `i32.add_k c c k` that no branch skips, and the bound not at all. Then
 * T = d / |k| for d = (bound - counter) * sign(k) mod 2^32, when d is a
 * non-zero multiple of |k| (gen.c tests that at run time; else the
 * metered loop runs).
 *
 * Loops with no counter (a list walk; a loop left from its middle) still
 * poll at every back branch, but their polls can be batched: when the fuel
 * above the limit covers B iterations of the costliest path (C), none of
 * the next B polls can fire, so gen.c runs B copies of the body in a row
 * with their charges (the count stays exact at every instruction, exits
 * and traps included) and no poll, then tests again; otherwise the metered
 * loop runs an iteration. A charge and a sign test per iteration become a
 * test and a subtraction per B iterations on a straight body. The loops
 * batched: entered only at the head (falling in or by a branch), one back
 * branch (its last instruction), plain instructions, forward branches
 * within or out of the body, and a short body (the copies multiply it).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/native/native.h"
#include "engine/ops.h"
#include "engine/opshape.h"

static bool is_back(int op) {
    return op == OP_br_back || op == OP_br_z_back || op == OP_br_nz_back ||
           (op >= OP_br_eq_i32_back && op <= OP_br_ge_u_i32_k_back);
}

/* Instructions a counted body may hold: nothing that calls or steps
 * through the interpreter. Rows of the .def files are all right: those
 * that trap explicitly are handed the count gen.c computes. */
static bool plain(int op) {
    if (op_x_base(op) >= 0) return true; /* an x-twin access: its plain op's shape */
    int sh = op_shape(op);
    if (sh != SH_NONE) return true;
    switch (op) {
    case OP_copy: case OP_copy128: case OP_const32: case OP_const64: case OP_const128:
    case OP_select: case OP_select128: case OP_global_get: case OP_global_get128:
    case OP_global_set: case OP_global_set128: case OP_memory_size: case OP_ref_is_null: case OP_charge:
    case OP_i8x16_shuffle: case OP_i32x4_shuffle: case OP_i8x16_shuffle_pshufb: /* d a b, then lanes */
        return true;
    default:
        return false;
    }
}

/* The slots a plain instruction writes: its destination, operand 0, and
 * the slot after it when the destination is a v128. */
int native_dests(const uint32_t *pc, int op, uint32_t d[2]) {
    if (op_x_base(op) >= 0) op = op_x_base(op); /* same operands as its plain op */
    int sh = op_shape(op);
    if (op_branch_operand(op) >= 0 || op == OP_charge || op == OP_global_set || op == OP_global_set128) return 0;
    if (sh == SH_STORE || sh == SH_VSTORE || sh == SH_VSTORE_LANE) return 0;
    bool wide = op == OP_copy128 || op == OP_const128 || op == OP_select128 || op == OP_global_get128 ||
                op == OP_i8x16_shuffle || op == OP_i32x4_shuffle || op == OP_i8x16_shuffle_pshufb ||
                (sh >= SH_SIMD_UN && sh != SH_SIMD_TEST && sh != SH_EXTRACT);
    d[0] = pc[2];
    d[1] = pc[2] + 1;
    return wide ? 2 : 1;
}

static bool writes(const uint32_t *pc, int op, uint32_t s) {
    uint32_t d[2];
    int n = native_dests(pc, op, d);
    return (n > 0 && d[0] == s) || (n > 1 && d[1] == s);
}

typedef struct edge { uint32_t from, to; } edge;

/* The loop's induction variables, for the copy's sake (failure just means
 * none). An induction variable v steps by a constant k per iteration: over
 * the T iterations it starts them at v0 + t*k, t = 0..T-1. The values the
 * body derives from it by adding constants and at most one slot the body
 * never writes (an invariant w) are v0 + t*k + w + c (c = k for v's own
 * update). When gen.c's entry test finds that none of them leaves
 * 0..2^32-1 for any t in 0..T-1, the copy may
 * compute them in 64 bits: the values are the same, and the C compiler,
 * which then knows that they do not wrap, turns mem + v + w + c into a
 * pointer that steps, as it does for native code.
 *
 * The body is followed value by value along its forward branches (`sym`:
 * what each slot holds, as the value a slot had when the iteration began
 * + an invariant + c; where paths meet and disagree, nothing known), so
 * that v may be written several times per iteration (v + w, then v + 8
 * through a copy) and on several paths, as long as every path ends the
 * iteration with v + k. The counter of a loop that ends when it wraps to 0
 * (br_nz counting up) does wrap: it is left out. */
#define NONE UINT32_MAX
typedef struct sym { uint32_t base, inv; int64_t c; } sym;

/* Records that a widened value base + inv + c is made; false when there
 * are more (base, inv) pairs than the entry test takes. */
static bool add_range(knloop *L, uint32_t iv, uint32_t inv, int64_t c) {
    for (uint32_t i = 0; i < L->nrange; i++) {
        knrange *r = &L->range[i];
        if (r->iv != iv || r->inv != inv) continue;
        if (c < r->lo) r->lo = c;
        if (c > r->hi) r->hi = c;
        return true;
    }
    if (L->nrange == KN_MAX_RANGES) return false;
    L->range[L->nrange++] = (knrange){.iv = iv, .inv = inv, .lo = c < 0 ? c : 0, .hi = c > 0 ? c : 0};
    return true;
}

static int iv_index(const knloop *L, uint32_t slot) {
    for (uint32_t i = 0; i < L->niv; i++)
        if (L->iv[i].slot == slot) return (int)i;
    return -1;
}

/* What an instruction leaves in its destination, given what its operands
 * hold (v), and how it may be widened (*w: 1 i32.add_k, 2 i32.add of a
 * derived value and an invariant, 3 the same the other way round). */
static sym eval(const uint32_t *pc, int op, const sym *v, const uint32_t *nw, uint8_t *w) {
    *w = 0;
    if (op == OP_i32_add_k && v[pc[3]].base != NONE) {
        *w = 1;
        return (sym){v[pc[3]].base, v[pc[3]].inv, v[pc[3]].c + (int32_t)pc[4]};
    }
    if (op == OP_i32_add)
        for (int i = 0; i < 2; i++) {
            uint32_t a = pc[3 + i], b = pc[4 - i];
            if (v[a].base != NONE && v[a].inv == NONE && nw[b] == 0 && b != v[a].base) {
                *w = (uint8_t)(2 + i);
                return (sym){v[a].base, b, v[a].c};
            }
        }
    if (op == OP_copy) return v[pc[3]];
    return (sym){NONE, NONE, 0};
}

/* A load or store in the body (before it writes its destination): its
 * address must be a widened value, or no access of the copy is plain. */
static uint32_t addr_slot(const uint32_t *pc, int op) {
    int sh = op_shape(op);
    if (sh == SH_LOAD || sh == SH_VLOAD || sh == SH_VLOAD_LANE) return pc[3];
    if (sh == SH_STORE || sh == SH_VSTORE || sh == SH_VSTORE_LANE) return pc[2];
    return NONE; /* an access of another form */
}

static void note_access(knloop *L, const uint32_t *pc, int op, const sym *v) {
    uint32_t a = addr_slot(pc, op);
    if (a == NONE) { L->plain = false; return; }
    /* x-twins (other memories, memory64) and checked twins (explicit
     * bounds checks) keep their own checks. */
    if (op_x_base(op) >= 0 || op_names[op][0] == 'c' || v[a].base == NONE) { L->plain = false; return; }
    uint32_t iv = (uint32_t)iv_index(L, v[a].base), inv = v[a].inv;
    int64_t end = v[a].c + (int64_t)pc[4] + (int64_t)op_access_size(op);
    for (uint32_t i = 0; i < L->nacc; i++)
        if (L->acc[i].iv == iv && L->acc[i].inv == inv) {
            if (end > L->acc[i].end) L->acc[i].end = end;
            return;
        }
    if (L->nacc == KN_MAX_RANGES) { L->plain = false; return; }
    L->acc[L->nacc++] = (struct knacc){iv, inv, end};
}

static void join(sym *into, const sym *from, uint32_t ns) {
    for (uint32_t s = 0; s < ns; s++)
        if (into[s].base != from[s].base || into[s].inv != from[s].inv || into[s].c != from[s].c)
            into[s] = (sym){NONE, NONE, 0};
}

/* One pass over the body (its branches all go forward), following what
 * each slot holds on every path: v at the back branch. With L set, marks
 * the widened instructions and their ranges; false when they do not fit. */
static bool flow(const funcdef *f, knloop *L, const uint32_t *nw, const uint32_t *tix, sym *saved, uint32_t ns,
                 sym *v, bool mark, uint32_t *addr_ivs) {
    const uint32_t *code = f->code;
    bool live = true, ok = true;
    for (uint32_t at = L->head; at <= L->back && ok;) {
        const uint32_t *pc = code + at;
        int op = op_at(pc);
        uint32_t t = tix[at - L->head];
        if (t != NONE && at != L->head) {
            sym *in = saved + (size_t)t * ns;
            if (live) join(in, v, ns);
            memcpy(v, in, ns * sizeof *v);
            live = true;
        }
        if (at == L->back) break;
        int b = op_branch_operand(op);
        if (b >= 0) {
            uint32_t to = at + pc[2 + b];
            sym *in = saved + (size_t)tix[to - L->head] * ns;
            if (in[0].c == INT64_MIN) memcpy(in, v, ns * sizeof *v);
            else join(in, v, ns);
            if (op == OP_br) live = false;
        } else {
            if (mark && op_access_size(op)) {
                uint32_t a = addr_slot(pc, op);
                if (a != NONE && v[a].base != NONE) *addr_ivs |= 1u << iv_index(L, v[a].base);
                if (L->plain) note_access(L, pc, op, v);
            }
            uint8_t w;
            sym r = eval(pc, op, v, nw, &w);
            if (mark && w) {
                ok = add_range(L, (uint32_t)iv_index(L, r.base), r.inv, r.c);
                L->wide_at[at - L->head] = w;
            }
            uint32_t d[2];
            int n = native_dests(pc, op, d);
            for (int i = 0; i < n; i++)
                if (d[i] < ns) v[d[i]] = i == 0 ? r : (sym){NONE, NONE, 0};
        }
        at += op_len(pc, op);
    }
    return ok;
}

static void find_ivs(const funcdef *f, const edge *br, uint32_t nbr, knloop *L, bool wraps_up, bool by) {
    const uint32_t *code = f->code;
    uint32_t ns = f->frame_slots ? f->frame_slots : 1, span = L->back - L->head + 1, nt = 0;
    uint32_t *nw = calloc(ns, sizeof *nw), *tix = malloc(span * sizeof *tix);
    sym *v = malloc(ns * sizeof *v), *saved = NULL;
    L->wide_at = calloc(span, 1);
    L->plain = false;
    L->nacc = 0;
    if (!nw || !tix || !v || !L->wide_at) goto done;
    for (uint32_t i = 0; i < span; i++) tix[i] = NONE;
    for (uint32_t i = 0; i < nbr; i++)
        if (br[i].from >= L->head && br[i].from < L->back && tix[br[i].to - L->head] == NONE) tix[br[i].to - L->head] = nt++;
    if ((uint64_t)nt * ns > (1u << 18)) goto done; /* a huge body: leave it narrow */
    saved = malloc(((size_t)nt * ns + 1) * sizeof *saved);
    if (!saved) goto done;
    for (uint32_t at = L->head; at < L->back;) {
        const uint32_t *pc = code + at;
        int op = op_at(pc);
        uint32_t d[2];
        int n = native_dests(pc, op, d);
        for (int i = 0; i < n; i++)
            if (d[i] < ns) nw[d[i]]++;
        at += op_len(pc, op);
    }
    /* First: which slots end each iteration at their start + k. */
    for (uint32_t s = 0; s < ns; s++) v[s] = (sym){s, NONE, 0};
    for (uint32_t i = 0; i < nt; i++) saved[(size_t)i * ns].c = INT64_MIN; /* not reached yet */
    uint32_t addr_ivs = 0;
    flow(f, L, nw, tix, saved, ns, v, false, &addr_ivs);
    for (uint32_t s = 0; s < ns && L->niv < KN_MAX_IVS; s++) {
        if (v[s].base != s) continue;
        /* By a slot: v + w, w unchanged in the body (a stride). */
        if (by && v[s].inv != NONE && v[s].c == 0 && s != L->counter) {
            L->iv[L->niv++] = (kniv){.slot = s, .step = 1, .by = v[s].inv};
            continue;
        }
        if (v[s].inv != NONE || v[s].c == 0 || v[s].c != (int32_t)v[s].c) continue;
        if (s == L->counter && wraps_up && v[s].c > 0) continue;
        L->iv[L->niv++] = (kniv){.slot = s, .step = (int32_t)v[s].c, .by = NONE};
    }
    /* Then: what derives from them, widened. Only what addresses memory
     * needs it (mem + a 64-bit value), and the entry test fails when a
     * value wraps: an induction variable that reaches no address (x - r
     * that starts below 0 and is only compared) is left narrow, and the
     * pass runs again without it. The counter stays: gcc makes better
     * loops of a count that cannot wrap (CoreMark's matrix_test: 3.6%
     * more instructions with its counters narrow). */
    bool ok = false;
    for (int pass = 0; pass < 2 && L->niv; pass++) {
        for (uint32_t s = 0; s < ns; s++) v[s] = (sym){iv_index(L, s) >= 0 ? s : NONE, NONE, 0};
        for (uint32_t i = 0; i < nt; i++) saved[(size_t)i * ns].c = INT64_MIN;
        L->plain = true;
        L->nrange = L->nacc = 0;
        memset(L->wide_at, 0, span);
        addr_ivs = 0;
        ok = flow(f, L, nw, tix, saved, ns, v, true, &addr_ivs);
        int c = iv_index(L, L->counter);
        if (c >= 0) addr_ivs |= 1u << c;
        if (!ok || addr_ivs == (1u << L->niv) - 1) break;
        uint32_t n = 0;
        for (uint32_t i = 0; i < L->niv; i++)
            if (addr_ivs >> i & 1) L->iv[n++] = L->iv[i];
        L->niv = n;
        ok = false;
    }
    if (!L->niv) { L->plain = false; L->nrange = L->nacc = 0; memset(L->wide_at, 0, span); goto done; }
    /* Every induction variable's own values (v0 + t*k). */
    for (uint32_t i = 0; i < L->niv && ok; i++) ok = add_range(L, i, NONE, 0);
    /* Which slots hold widened values where paths meet: the labels. */
    if (ok && (L->wide_in = malloc((size_t)nt * ns + 1))) {
        for (size_t i = 0; i < (size_t)nt * ns; i++) L->wide_in[i] = saved[i].base != NONE && saved[i / ns * ns].c != INT64_MIN;
        L->label_ix = tix;
        tix = NULL;
    }
    if (!ok || !L->wide_in) { L->niv = L->nrange = 0; memset(L->wide_at, 0, span); L->plain = false; }
done:
    free(nw);
    free(tix);
    free(v);
    free(saved);
}

static bool div_sign(int op) { return op == OP_i32_div_s || op == OP_i64_div_s; }
static bool div_wide(int op) { return op == OP_i64_div_s || op == OP_i64_div_u || op == OP_i64_rem_s || op == OP_i64_rem_u; }

/* The body's divisions by an invariant, on every path (no branch skips
 * them): when the entry test finds the divisor fit, none can trap. Only
 * those: a division the loop may skip must not send it to the metered
 * loop for a divisor it would never use. */
static void find_divs(const funcdef *f, const edge *br, uint32_t nbr, knloop *L) {
    const uint32_t *code = f->code;
    L->ndiv = 0;
    for (uint32_t at = L->head; at < L->back;) {
        const uint32_t *pc = code + at;
        int op = op_at(pc);
        at += op_len(pc, op);
        if (op_shape(op) != SH_IDIV || native_loop_div(L, op, pc[4])) continue;
        bool ok = L->ndiv < KN_MAX_DIVS;
        for (uint32_t i = 0; ok && i < nbr; i++)
            ok = !(br[i].from >= L->head && br[i].from < at && br[i].to >= at && br[i].from != L->back);
        for (uint32_t w = L->head; ok && w < L->back;) {
            const uint32_t *wp = code + w;
            int wop = op_at(wp);
            ok = !writes(wp, wop, pc[4]);
            w += op_len(wp, wop);
        }
        if (ok) L->div[L->ndiv++] = (struct kndiv){pc[4], div_wide(op), div_sign(op)};
    }
}

bool native_loop_div(const knloop *L, int op, uint32_t b) {
    for (uint32_t i = 0; i < L->ndiv; i++)
        if (L->div[i].slot == b && L->div[i].wide == div_wide(op) && L->div[i].sign >= div_sign(op)) return true;
    return false;
}

/* The shortest run for which the long runs' copy is worth its entry test:
 * its terms (ranges, accesses, strides) cost a few instructions each, once;
 * what it saves grows with the run and with the accesses it makes plain.
 * At least LONG_T_MIN, and LONG_T_TERM runs of a body access per term.
 * Measured (bench/RESULTS.md): CoreMark's 9-iteration matrix loop (4
 * accesses) lost with E from 8 iterations on, and is at 23 now; imgproc's
 * IDCT loops (8 iterations) stay at 8 and gain 23% of their instructions. */
#define LONG_T_MIN 8
#define LONG_T_TERM 10
static uint32_t long_runs(const funcdef *f, const knloop *G) {
    uint32_t acc = 0, terms = G->nrange + G->nacc;
    for (uint32_t i = 0; i < G->niv; i++) terms += G->iv[i].by != NONE;
    for (uint32_t at = G->head; at < G->back;) {
        const uint32_t *pc = f->code + at;
        int op = op_at(pc);
        acc += op_access_size(op) != 0;
        at += op_len(pc, op);
    }
    uint32_t t = acc ? (LONG_T_TERM * terms + acc - 1) / acc : UINT32_MAX;
    return t > LONG_T_MIN ? t : LONG_T_MIN;
}

static bool counted(const funcdef *f, const edge *br, uint32_t nbr, uint32_t back, knloop *out) {
    const uint32_t *code = f->code, *bp = code + back;
    int bop = op_at(bp), bf = op_branch_operand(bop);
    uint32_t head = back + bp[2 + bf];
    if (head >= back) return false;
    knloop L = {.head = head, .back = back, .after = back + op_len(bp, bop)};
    uint32_t other;
    bool other_is_slot;
    if (bop == OP_br_nz_back) { L.counter = bp[2]; other = 0; other_is_slot = false; }
    else if (bop == OP_br_ne_i32_back || bop == OP_br_ne_i32_k_back) { L.counter = bp[2]; other = bp[3]; other_is_slot = bop == OP_br_ne_i32_back; }
    else return false;
    /* Entered only by falling into head, left only at the back branch. */
    for (uint32_t i = 0; i < nbr; i++) {
        bool inside = br[i].from >= head && br[i].from <= back;
        if (br[i].to == head && br[i].from != back) return false;
        if (!inside && br[i].to > head && br[i].to <= back) return false;
        if (inside && br[i].from != back && (br[i].to <= br[i].from || br[i].to > back)) return false;
    }
    /* The body: plain instructions; the fuel on every path; the counter's
     * one update (either compare operand may be the counter). */
    uint32_t span = back - head + 1;
    int64_t *at_label = malloc(span * sizeof *at_label), *cur_at = malloc(span * sizeof *cur_at);
    if (!at_label || !cur_at) { free(at_label); free(cur_at); return false; }
    for (uint32_t i = 0; i < span; i++) at_label[i] = cur_at[i] = -1;
    bool ok = true;
    int64_t cur = 0; /* fuel since head on the path falling through here; -1: none falls through */
    uint32_t nwrite[2] = {0, 0}, add_at[2] = {0, 0};
    int32_t step[2] = {0, 0};
    uint32_t cand[2] = {L.counter, other};
    int ncand = other_is_slot ? 2 : 1;
    bool uneven = false; /* paths of different fuel: costs and cur_at are maxima then */
    for (uint32_t at = head; at < back && ok;) {
        const uint32_t *pc = code + at;
        int op = op_at(pc);
        if (op < 0) { ok = false; break; }
        /* Merge what branches bring with what falls through. */
        if (at_label[at - head] >= 0) {
            if (cur >= 0 && cur != at_label[at - head]) uneven = true;
            if (cur < at_label[at - head]) cur = at_label[at - head];
        }
        if (cur < 0) { ok = false; break; } /* unreachable code: leave it alone */
        cur_at[at - head] = cur;
        int b = op_branch_operand(op);
        if (b >= 0) {
            if (is_back(op) || op == OP_br_table) { ok = false; break; }
            int64_t v = cur + pc[2 + b + 1];
            uint32_t to = at + pc[2 + b];
            if (at_label[to - head] >= 0 && at_label[to - head] != v) uneven = true;
            if (at_label[to - head] < v) at_label[to - head] = v;
            cur = op == OP_br ? -1 : v;
        } else if (!plain(op)) {
            ok = false;
        } else {
            if (op == OP_charge) cur += pc[2];
            for (int c = 0; c < ncand; c++) {
                if (!writes(pc, op, cand[c])) continue;
                nwrite[c]++;
                if (op == OP_i32_add_k && pc[2] == cand[c] && pc[3] == cand[c]) { add_at[c] = at; step[c] = (int32_t)pc[4]; }
                else step[c] = 0;
            }
        }
        at += op_len(pc, op);
    }
    if (ok && at_label[span - 1] >= 0) {
        if (cur >= 0 && cur != at_label[span - 1]) uneven = true;
        if (cur < at_label[span - 1]) cur = at_label[span - 1];
    }
    cur_at[span - 1] = cur; /* the back branch itself */
    free(at_label);
    L.cur_at = cur_at;
    if (!ok || cur < 0) { free(cur_at); return false; }
    L.cost = (uint64_t)cur + bp[2 + bf + 1];
    if (L.cost == 0) { free(cur_at); return false; }
    /* Which operand counts: written once, by its add; the other never. */
    int c = -1;
    for (int i = 0; i < ncand; i++)
        if (nwrite[i] == 1 && step[i] != 0 && (ncand == 1 || nwrite[1 - i] == 0)) c = i;
    if (c < 0) { free(cur_at); return false; }
    /* No branch skips the update. */
    for (uint32_t i = 0; i < nbr; i++)
        if (br[i].from >= head && br[i].from < add_at[c] && br[i].to > add_at[c]) { free(cur_at); return false; }
    L.counter = cand[c];
    L.add_at = add_at[c];
    L.step = step[c];
    if (ncand == 2) { L.bound_is_slot = true; L.bound = cand[1 - c]; }
    else { L.bound_is_slot = false; L.bound = other; }
    L.uneven = uneven;
    L.lng = NULL;
    find_ivs(f, br, nbr, &L, bop == OP_br_nz_back, false);
    find_divs(f, br, nbr, &L);
    if (uneven && L.niv == 0 && L.ndiv == 0) {
        free(L.cur_at); free(L.wide_at); free(L.wide_in); free(L.label_ix);
        return false;
    }
    /* For long runs: strides too, when they make the accesses plain. And
     * for a loop whose paths cost differently, a copy without polls when
     * the fuel left covers its costliest path T times (the strides' one,
     * or the same analysis again); its own copy, with polls, is the
     * fallback. */
    L.long_t = 0;
    bool strides = !L.plain || !L.nacc;
    if (strides || uneven) {
        knloop G = L;
        G.niv = G.nrange = 0;
        G.wide_in = NULL;
        G.label_ix = NULL;
        find_ivs(f, br, nbr, &G, bop == OP_br_nz_back, strides);
        bool by = false;
        for (uint32_t i = 0; i < G.niv; i++) by |= G.iv[i].by != NONE;
        by = by && G.plain && G.nacc;
        if ((by || uneven) && (L.lng = malloc(sizeof *L.lng))) {
            G.nopoll = uneven;
            *L.lng = G;
            L.long_t = by ? long_runs(f, &G) : 0;
        } else {
            free(G.wide_at); free(G.wide_in); free(G.label_ix);
        }
    }
    *out = L;
    return true;
}

static void free_loop(knloop *L);

/* Iterations to a fuel test: 8 for a body of up to 32 units of register
 * code, 4 up to 64, none beyond (the copies multiply the body). CoreMark's
 * list walks (20-30 units): 4 saved 3.3% of its instructions, 8 another
 * 1.5%, 16 nothing more. */
#define BATCH_MAX_BODY 64
#define BATCH_SHORT_BODY 32
static unsigned batch_of(uint32_t units) { return units <= BATCH_SHORT_BODY ? 8 : 4; }

static bool batched(const funcdef *f, const edge *br, uint32_t nbr, uint32_t back, knloop *out) {
    const uint32_t *code = f->code, *bp = code + back;
    int bop = op_at(bp), bf = op_branch_operand(bop);
    uint32_t head = back + bp[2 + bf];
    if (head >= back || back - head > BATCH_MAX_BODY) return false;
    /* Branches from outside may enter at the head (the test is there, past
     * its label), never past it; inside, only the back branch goes back. */
    for (uint32_t i = 0; i < nbr; i++) {
        bool inside = br[i].from >= head && br[i].from <= back;
        if (!inside && br[i].to > head && br[i].to <= back) return false;
        if (inside && br[i].from != back && br[i].to <= br[i].from) return false;
    }
    /* The costliest path around: charges merge by their maximum. */
    uint32_t span = back - head + 1;
    int64_t *at_label = malloc(span * sizeof *at_label);
    if (!at_label) return false;
    for (uint32_t i = 0; i < span; i++) at_label[i] = -1;
    bool ok = true;
    int64_t cur = 0; /* -1: nothing falls through to here */
    for (uint32_t at = head; at < back && ok;) {
        const uint32_t *pc = code + at;
        int op = op_at(pc);
        if (op < 0) { ok = false; break; }
        if (at_label[at - head] > cur) cur = at_label[at - head];
        int b = op_branch_operand(op);
        if (b >= 0) {
            if (is_back(op) || op == OP_br_table) { ok = false; break; }
            uint32_t to = at + pc[2 + b];
            int64_t v = cur < 0 ? -1 : cur + pc[2 + b + 1];
            if (to <= back && at_label[to - head] < v) at_label[to - head] = v;
            if (op == OP_br) cur = -1;
            else if (cur >= 0) cur = v;
        } else if (!plain(op)) {
            ok = false;
        } else if (op == OP_charge && cur >= 0) {
            cur += pc[2];
        }
        at += op_len(pc, op);
    }
    if (ok && at_label[span - 1] > cur) cur = at_label[span - 1];
    free(at_label);
    if (!ok || cur < 0) return false;
    uint64_t cost = (uint64_t)cur + bp[2 + bf + 1];
    if (cost == 0) return false;
    *out = (knloop){.head = head, .back = back, .after = back + op_len(bp, bop), .cost = cost,
                    .batch = batch_of(back - head)};
    return true;
}

uint32_t native_find_loops(const funcdef *f, knloop **out) {
    *out = NULL;
    const uint32_t *code = f->code;
    uint32_t nbr = 0, cap = 0, nl = 0;
    edge *br = NULL;
    for (uint32_t at = 0; at < f->code_len;) {
        const uint32_t *pc = code + at;
        int op = op_at(pc);
        if (op < 0) { free(br); return 0; }
        int b = op_branch_operand(op);
        uint32_t n = op == OP_br_table ? pc[2 + 1] + 1 : b < 0 ? 0 : 1;
        for (uint32_t i = 0; i < n; i++) {
            if (nbr == cap) {
                cap = cap ? cap * 2 : 64;
                edge *e = realloc(br, cap * sizeof *e);
                if (!e) { free(br); return 0; }
                br = e;
            }
            uint32_t off = op == OP_br_table ? pc[2 + 3 + i] : pc[2 + b];
            br[nbr++] = (edge){at, at + off};
        }
        at += op_len(pc, op);
    }
    knloop *loops = NULL;
    for (uint32_t i = 0; i < nbr; i++) {
        const uint32_t *pc = code + br[i].from;
        knloop L;
        if (!is_back(op_at(pc)) ||
            (!counted(f, br, nbr, br[i].from, &L) && !batched(f, br, nbr, br[i].from, &L)))
            continue;
        knloop *n = realloc(loops, (nl + 1) * sizeof *n);
        if (!n) { free_loop(&L); break; }
        loops = n;
        loops[nl++] = L;
    }
    free(br);
    *out = loops;
    return nl;
}

static void free_loop(knloop *L) {
    if (L->lng) { /* shares cur_at */
        free(L->lng->wide_at);
        free(L->lng->wide_in);
        free(L->lng->label_ix);
        free(L->lng);
    }
    free(L->cur_at);
    free(L->wide_at);
    free(L->wide_in);
    free(L->label_ix);
}

void native_free_loops(knloop *loops, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) free_loop(&loops[i]);
    free(loops);
}
