/*
 * compile.c — validates a function body and compiles it, in one pass, into
 * kiln's register code (ops.h).
 *
 * The validator's operand stack doubles as a register allocator: the value
 * at stack position p lives in the frame slot right above the value below
 * it (its "natural" slot); locals come first. Slots are 64 bits, so a v128
 * takes two.
 * local.get and constants are not emitted: they push *virtual* operands that
 * name the local's slot or carry the constant, and the instruction that
 * consumes them reads the local directly or uses its _k (constant) form. A
 * virtual operand is materialized into its natural slot only when it must
 * be: before control flow merges, before its local is overwritten, or when
 * an op has no form that takes it. local.set after an op retargets that op's
 * destination to the local, so `a = b + c` is one instruction.
 *
 * Metering: fuel is charged per basic block, not per instruction. The
 * compiler sums the cost of the instructions it compiles (`pending`) and
 * writes the sum into the next instruction that ends a block (a branch, a
 * call, a return); at a label reached by falling through, a `charge`
 * instruction pays what is pending. Every path through the code therefore
 * pays exactly the cost of the instructions it executed, counted in whole
 * blocks, and a loop cannot run without paying.
 *
 * Paying is a subtraction; *checking* the balance (and the deadline) is
 * needed only where execution could go on without bound: branches back to a
 * loop (the _back ops and a br_table that takes a target behind it), calls
 * and returns. A forward branch, br_table's included, only subtracts. So a
 * trap for fuel or time comes at most one loop iteration or one call late,
 * and always at the same place for the same input.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/cost.h"
#include "engine/module.h"
#include "engine/ops.h"
#include "engine/reader.h"

enum { K_TEMP, K_LOCAL, K_CONST };
#define T_ANY 0 /* the type of a value popped from a polymorphic stack */

typedef struct opnd {
    uint8_t type;
    uint8_t kind;
    uint32_t slot;  /* its natural slot (set when pushed) */
    uint32_t local; /* K_LOCAL: the local's slot */
    uint64_t k, k2; /* K_CONST: its bits (k2: a v128's high half) */
} opnd;

/* CTL_TRY: a legacy try's body; CTL_CATCH: after its first catch or
 * catch_all (CTL_CATCH_ALL after catch_all); CTL_TRY_TABLE: a try_table. */
enum { CTL_BLOCK, CTL_LOOP, CTL_IF, CTL_ELSE, CTL_FUNC, CTL_TRY, CTL_CATCH, CTL_CATCH_ALL, CTL_TRY_TABLE };

typedef struct ctl {
    uint8_t kind;
    bool unreachable;     /* the rest of this block is stack-polymorphic */
    bool dead_at_entry;   /* emission was off when it began */
    bool targeted;        /* some branch goes to its end label */
    const kiln_valtype *params, *results;
    uint32_t np, nr;
    uint32_t height;      /* stack height below its params */
    uint32_t loop_pc;     /* CTL_LOOP: the branch target */
    int32_t patches;      /* forward branches to its end (list head) */
    int32_t else_patch;   /* CTL_IF: the branch taken when false */
    /* Exception handling: the handler whose body the code of this block
     * (its current part) is in, -1 for none; the one outside it; a try's
     * own handler and the depth of its exception slot. */
    int32_t scope, outer_scope, handler;
    uint32_t exn_depth;
} ctl;

typedef struct patch {
    uint32_t op_pos, field_pos;
    int32_t next;
} patch;

typedef struct C {
    kiln_module *m;
    funcdef *f;
    reader *r;
    kiln_valtype *local_types;
    uint32_t nlocals;
    uint32_t *local_slot;  /* each local's first slot: v128 takes two */
    uint32_t nlocal_slots;
    uint32_t max_slot;     /* one past the highest slot the stack used */

    opnd *stack;
    uint32_t sp, stack_cap, max_height;
    uint32_t virt_lo; /* no virtual operand below this position */

    ctl *ctls;
    uint32_t nctl, ctl_cap;

    uint32_t *code;
    uint32_t len, cap;
    uint32_t scratch[64];

    pcmap_entry *pcmap;
    uint32_t npc, pccap;

    patch *patches;
    uint32_t npatch, patch_cap;

    /* Exception handling (module.h): handlers in the order their bodies
     * begin, their clauses (sorted by handler at the end), the innermost
     * handler at this point, and the legacy try nesting that numbers the
     * slots holding caught exceptions (above the operand stack; their
     * uses are fixed up once the frame size is known). */
    eh_handler *eh;
    uint32_t neh, eh_cap;
    eh_clause *clauses;
    uint32_t *clause_handler;
    uint32_t nclauses, clause_cap, clause_handler_cap;
    int32_t cur_scope;
    uint32_t try_depth, max_try_depth;
    uint32_t exn_reserve; /* slots for legacy catches' exceptions, below the operand stack */
    uint32_t *exn_fixups;      /* code positions holding an exception depth */
    uint32_t nexn_fixups, exn_fixup_cap;

    bool dead;          /* emission off: this code is never reached */
    uint64_t pending;   /* fuel not yet charged */
    uint32_t wasm_off;  /* offset of the instruction being compiled */
    bool oom;

    /* Peephole state: the last emitted instruction, and whether its result
     * is the operand at stack position last_dst_stack. */
    int last_op;
    uint32_t last_pos;
    int64_t last_dst_stack;
} C;

#define FAIL(...) do { rd_fail(c->r, __VA_ARGS__); return false; } while (0)
#define FAIL_OOM() do { rd_fail_code(c->r, KILN_ERR_NO_MEMORY, "out of memory"); return false; } while (0)
#define FAIL_LIMIT(...) do { rd_fail_code(c->r, KILN_ERR_LIMIT, __VA_ARGS__); return false; } while (0)
#define TRY(x) do { if (!(x)) return false; } while (0)

static const kiln_valtype one_type[] = {KILN_I32, KILN_I64, KILN_F32, KILN_F64, KILN_V128, KILN_FUNCREF, KILN_EXTERNREF, KILN_EXNREF};

static const kiln_valtype *single(uint8_t t) {
    for (size_t i = 0; i < sizeof one_type / sizeof one_type[0]; i++)
        if (one_type[i] == t) return &one_type[i];
    return NULL;
}

static const char *tname(uint8_t t) { return t == T_ANY ? "any" : kiln_valtype_name((kiln_valtype)t); }

/* ------------------------------------------------------------ emission */

static bool grow(void **p, uint32_t *cap, uint32_t need, size_t elem) {
    if (need <= *cap) return true;
    uint32_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    void *q = realloc(*p, (size_t)n * elem);
    if (!q) return false;
    *p = q;
    *cap = n;
    return true;
}

/* Gives back the unused end of an array (kept as it is if out of memory).
 * A copy, not a shrinking realloc: that would leave the cut-off tail as a
 * hole between kept blocks, too small for the next function's buffers, and
 * the holes of a million small functions add up to as much again. The big
 * buffer freed here is what the next function's compile reuses. */
static void trim(void **p, uint32_t n, size_t elem) {
    if (!*p) return;
    size_t size = (size_t)(n ? n : 1) * elem;
    void *q = malloc(size);
    if (!q) return;
    memcpy(q, *p, size);
    free(*p);
    *p = q;
}

/* Appends an instruction; returns a pointer to its operands (valid until
 * the next emit). `mark` records its wasm offset for traps and backtraces. */
static uint32_t *emit(C *c, int op, bool mark) {
    c->last_dst_stack = -1;
    if (c->dead || c->oom) return c->scratch;
    uint32_t units = op_units[op];
    if (!grow((void **)&c->code, &c->cap, c->len + units, sizeof *c->code)) { c->oom = true; return c->scratch; }
    uint32_t pos = c->len;
    const void *h = interp_handlers[op];
    memcpy(&c->code[pos], &h, sizeof h);
    memset(&c->code[pos + 2], 0, (units - 2) * sizeof *c->code);
    c->len += units;
    if (mark) {
        if (!grow((void **)&c->pcmap, &c->pccap, c->npc + 1, sizeof *c->pcmap)) { c->oom = true; return c->scratch; }
        c->pcmap[c->npc].pc = pos;
        c->pcmap[c->npc].wasm_offset = c->wasm_off;
        c->npc++;
    }
    c->last_op = op;
    c->last_pos = pos;
    return &c->code[pos + 2];
}

/* The position of the instruction whose operands `ops` points at. */
static uint32_t pos_of(C *c, const uint32_t *ops) { return (uint32_t)(ops - c->code) - 2; }

/* Marks the current position as a branch target: peepholes must not reach
 * across it. */
static void label_here(C *c) {
    c->last_op = -1;
    c->last_dst_stack = -1;
}

static int32_t add_patch(C *c, uint32_t op_pos, uint32_t field_pos, int32_t next) {
    if (!grow((void **)&c->patches, &c->patch_cap, c->npatch + 1, sizeof *c->patches)) { c->oom = true; return next; }
    c->patches[c->npatch] = (patch){op_pos, field_pos, next};
    return (int32_t)c->npatch++;
}

static void resolve_patches(C *c, int32_t head, uint32_t target) {
    for (int32_t i = head; i >= 0; i = c->patches[i].next)
        c->code[c->patches[i].field_pos] = (uint32_t)((int64_t)target - (int64_t)c->patches[i].op_pos);
}

static uint32_t take_fuel(C *c) {
    uint64_t f = c->pending;
    c->pending = 0;
    return f > UINT32_MAX ? UINT32_MAX : (uint32_t)f;
}

/* ------------------------------------------------------------ operand stack */

/* Slots are 64 bits; a v128 value takes two. */
static uint32_t width(uint8_t t) { return t == KILN_V128 ? 2 : 1; }

/* The natural slot of stack position pos: right above the value below it. */
static uint32_t natural(C *c, uint32_t pos) {
    if (pos == 0) return c->nlocal_slots + c->exn_reserve;
    const opnd *below = &c->stack[pos - 1];
    return below->slot + width(below->type);
}

static bool push_opnd(C *c, opnd o) {
    if (!grow((void **)&c->stack, &c->stack_cap, c->sp + 1, sizeof *c->stack)) FAIL_OOM();
    if (o.kind != K_TEMP && c->sp < c->virt_lo) c->virt_lo = c->sp;
    o.slot = natural(c, c->sp);
    c->stack[c->sp++] = o;
    if (c->sp > c->max_height) c->max_height = c->sp;
    if (o.slot + width(o.type) > c->max_slot) c->max_slot = o.slot + width(o.type);
    return true;
}

static bool push(C *c, uint8_t type) { return push_opnd(c, (opnd){.type = type, .kind = K_TEMP}); }

static ctl *top_ctl(C *c) { return &c->ctls[c->nctl - 1]; }

/* Pops an operand of type `want` (T_ANY: any). *pos receives its position. */
static bool pop(C *c, uint8_t want, opnd *out, uint32_t *pos) {
    ctl *t = top_ctl(c);
    if (c->sp == t->height) {
        if (t->unreachable) {
            *out = (opnd){.type = T_ANY, .kind = K_TEMP};
            if (pos) *pos = c->sp;
            return true;
        }
        FAIL("type mismatch: expected %s but the stack is empty", want == T_ANY ? "a value" : tname(want));
    }
    opnd o = c->stack[--c->sp];
    if (want != T_ANY && o.type != T_ANY && o.type != want)
        FAIL("type mismatch: expected %s, found %s", tname(want), tname(o.type));
    *out = o;
    if (pos) *pos = c->sp;
    return true;
}

/* Emits what puts operand `o` (at stack position pos) into slot `slot`. */
static void move_to(C *c, const opnd *o, uint32_t pos, uint32_t slot) {
    uint32_t *ins;
    int copy = o->type == KILN_V128 ? OP_copy128 : OP_copy;
    switch (o->kind) {
    case K_TEMP:
        if (natural(c, pos) == slot) return;
        ins = emit(c, copy, false);
        ins[0] = slot; ins[1] = natural(c, pos);
        break;
    case K_LOCAL:
        if (o->local == slot) return;
        ins = emit(c, copy, false);
        ins[0] = slot; ins[1] = o->local;
        break;
    case K_CONST:
        if (o->type == KILN_V128) {
            ins = emit(c, OP_const128, false);
            ins[0] = slot;
            ins[1] = (uint32_t)o->k; ins[2] = (uint32_t)(o->k >> 32);
            ins[3] = (uint32_t)o->k2; ins[4] = (uint32_t)(o->k2 >> 32);
        } else if (o->type == KILN_I64 || o->type == KILN_F64) {
            ins = emit(c, OP_const64, false);
            ins[0] = slot; ins[1] = (uint32_t)o->k; ins[2] = (uint32_t)(o->k >> 32);
        } else {
            ins = emit(c, OP_const32, false);
            ins[0] = slot; ins[1] = (uint32_t)o->k;
            if (valtype_is_ref(o->type)) { /* ref.null */
                ins = emit(c, OP_const64, false); /* a null is a whole zero slot */
                ins[0] = slot; ins[1] = 0; ins[2] = 0;
            }
        }
        break;
    }
}

/* The slot to read operand `o` from; constants go into their natural slot. */
static uint32_t in_slot(C *c, opnd *o, uint32_t pos) {
    if (o->kind == K_LOCAL) return o->local;
    if (o->kind == K_CONST) {
        move_to(c, o, pos, natural(c, pos));
        o->kind = K_TEMP;
    }
    return natural(c, pos);
}

static void materialize(C *c, uint32_t pos) {
    opnd *o = &c->stack[pos];
    if (o->kind == K_TEMP) return;
    move_to(c, o, pos, natural(c, pos));
    o->kind = K_TEMP;
}

/* Materializes every virtual operand: control flow is about to merge. */
static void flush_stack(C *c) {
    for (uint32_t p = c->virt_lo; p < c->sp; p++) materialize(c, p);
    c->virt_lo = c->sp;
}

/* Before local `slot` is written: operands still reading it get copies. */
static void protect_local(C *c, uint32_t slot, uint32_t below) {
    for (uint32_t p = c->virt_lo; p < below; p++)
        if (c->stack[p].kind == K_LOCAL && c->stack[p].local == slot) materialize(c, p);
}

/* Pushes a result produced into the natural slot of `pos` by the
 * instruction whose operands start at `ins`; remembers it for local.set. */
static bool push_result(C *c, uint8_t type, uint32_t pos, const uint32_t *ins) {
    TRY(push(c, type));
    if (!c->dead && ins != c->scratch) c->last_dst_stack = pos;
    return true;
}

/* ------------------------------------------------------------ control */

static bool push_ctl(C *c, uint8_t kind, const kiln_valtype *params, uint32_t np,
                     const kiln_valtype *results, uint32_t nr) {
    if (!grow((void **)&c->ctls, &c->ctl_cap, c->nctl + 1, sizeof *c->ctls)) FAIL_OOM();
    ctl *t = &c->ctls[c->nctl++];
    *t = (ctl){.kind = kind, .params = params, .np = np, .results = results, .nr = nr,
               .height = c->sp - np, .dead_at_entry = c->dead, .patches = -1, .else_patch = -1,
               .scope = c->cur_scope, .outer_scope = c->cur_scope, .handler = -1};
    return true;
}

static uint32_t label_arity(const ctl *t) { return t->kind == CTL_LOOP ? t->np : t->nr; }
static const kiln_valtype *label_types(const ctl *t) { return t->kind == CTL_LOOP ? t->params : t->results; }

/* Checks that the top of the stack holds `n` values of `types` (leaving
 * them there). */
static bool check_top(C *c, const kiln_valtype *types, uint32_t n) {
    ctl *t = top_ctl(c);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t want = (uint8_t)types[n - 1 - i];
        if (c->sp - i <= t->height) {
            if (t->unreachable) return true;
            FAIL("type mismatch: expected %u value(s) on the stack, found %u", n, i);
        }
        uint8_t have = c->stack[c->sp - 1 - i].type;
        if (have != T_ANY && have != want) FAIL("type mismatch: expected %s, found %s", tname(want), tname(have));
    }
    return true;
}

static void set_unreachable(C *c) {
    ctl *t = top_ctl(c);
    c->sp = t->height;
    if (c->virt_lo > c->sp) c->virt_lo = c->sp;
    t->unreachable = true;
    c->dead = true;
    c->pending = 0;
}

/* Emits copies of the top `arity` values into the label slots of `t`:
 * laid out from the natural slot of its height, by the label's types. */
static void branch_copies(C *c, const ctl *t) {
    uint32_t n = label_arity(t);
    uint32_t from = c->sp - n;
    if (from == t->height) {
        for (uint32_t i = 0; i < n; i++) materialize(c, from + i);
        return;
    }
    uint32_t dst = natural(c, t->height);
    const kiln_valtype *types = label_types(t);
    for (uint32_t i = 0; i < n; i++) {
        move_to(c, &c->stack[from + i], from + i, dst);
        dst += width((uint8_t)types[i]);
    }
}

static bool needs_copies(C *c, const ctl *t) {
    uint32_t n = label_arity(t);
    return c->sp - n != t->height;
}

/* The results of the function are at the top of the stack: move them to
 * slots 0.. and return. */
static void emit_return(C *c) {
    uint32_t n = c->f->type->nresults;
    uint32_t *ins;
    if (n == 1 && c->f->type->results[0] != KILN_V128) {
        opnd *o = &c->stack[c->sp - 1];
        uint32_t src = in_slot(c, o, c->sp - 1);
        ins = emit(c, OP_ret_slot, true);
        ins[0] = src;
        ins[1] = take_fuel(c);
        return;
    }
    /* Results go to slots 0.., laid out by type. Each lands at or below
     * its source, so copying in order never overwrites a pending one. */
    for (uint32_t i = 0; i < n; i++) materialize(c, c->sp - n + i);
    uint32_t dst = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t src = natural(c, c->sp - n + i);
        uint8_t t = (uint8_t)c->f->type->results[i];
        if (src != dst) { ins = emit(c, t == KILN_V128 ? OP_copy128 : OP_copy, false); ins[0] = dst; ins[1] = src; }
        dst += width(t);
    }
    ins = emit(c, OP_ret, true);
    ins[0] = take_fuel(c);
}

/* An unconditional branch to label `depth` (the stack holds its values). */
static void emit_br(C *c, uint32_t depth) {
    ctl *t = &c->ctls[c->nctl - 1 - depth];
    if (t->kind == CTL_FUNC) { emit_return(c); return; }
    branch_copies(c, t);
    uint32_t *ins = emit(c, t->kind == CTL_LOOP ? OP_br_back : OP_br, true);
    if (c->dead || c->oom) return;
    uint32_t pos = pos_of(c, ins);
    ins[1] = take_fuel(c);
    if (t->kind == CTL_LOOP) {
        ins[0] = (uint32_t)((int64_t)t->loop_pc - (int64_t)pos);
    } else {
        t->patches = add_patch(c, pos, pos + 2, t->patches);
        t->targeted = true;
    }
}

/* Points the branch field at `field` of the instruction at `pos` to label
 * `depth` (forward: patched later; loop: now). */
static void link_branch(C *c, uint32_t pos, uint32_t field, uint32_t depth) {
    ctl *t = &c->ctls[c->nctl - 1 - depth];
    if (t->kind == CTL_LOOP) {
        c->code[field] = (uint32_t)((int64_t)t->loop_pc - (int64_t)pos);
    } else {
        t->patches = add_patch(c, pos, field, t->patches);
        t->targeted = true;
    }
}

static bool is_i32_cmp(int op) { return op >= OP_i32_eq && op <= OP_i32_ge_u; }
static bool is_i32_cmp_k(int op) { return op >= OP_i32_eq_k && op <= OP_i32_ge_u_k; }
static const uint8_t cmp_invert[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};

/* Emits "branch to `depth` (or to a patch list) if cond is true (when_true)
 * or false"; `back` when the target is a loop. Fuses with the compare that
 * produced cond when it is the last instruction. Returns the instruction
 * position and its offset field. */
static void emit_cond_branch(C *c, opnd *cond, uint32_t cpos, bool when_true, bool back, uint32_t *pos_out,
                             uint32_t *field_out) {
    uint32_t *ins;
    uint32_t fuel = take_fuel(c);
    int bz = back ? OP_br_z_back : OP_br_z, bnz = back ? OP_br_nz_back : OP_br_nz;
    int shift = back ? OP_br_eq_i32_back - OP_br_eq_i32 : 0;
    bool fusable = !c->dead && cond->kind == K_TEMP && c->last_dst_stack == (int64_t)cpos && c->last_op >= 0;
    if (fusable && (is_i32_cmp(c->last_op) || is_i32_cmp_k(c->last_op) || c->last_op == OP_i32_eqz)) {
        int op = c->last_op;
        uint32_t *prev = &c->code[c->last_pos + 2];
        uint32_t a = prev[1], b = op == OP_i32_eqz ? 0 : prev[2];
        c->len = c->last_pos; /* un-emit the compare: the branch does it */
        if (op == OP_i32_eqz) {
            ins = emit(c, when_true ? bz : bnz, true);
            ins[0] = a; ins[2] = fuel;
            *pos_out = pos_of(c, ins); *field_out = *pos_out + 3;
            return;
        }
        unsigned idx = is_i32_cmp(op) ? (unsigned)(op - OP_i32_eq) : (unsigned)(op - OP_i32_eq_k);
        if (!when_true) idx = cmp_invert[idx];
        int bop = (is_i32_cmp(op) ? OP_br_eq_i32 : OP_br_eq_i32_k) + (int)idx + shift;
        ins = emit(c, bop, true);
        ins[0] = a; ins[1] = b; ins[3] = fuel;
        *pos_out = pos_of(c, ins); *field_out = *pos_out + 4;
        return;
    }
    uint32_t s = in_slot(c, cond, cpos);
    ins = emit(c, when_true ? bnz : bz, true);
    ins[0] = s; ins[2] = fuel;
    *pos_out = c->dead ? 0 : pos_of(c, ins);
    *field_out = *pos_out + 3;
}

static bool read_blocktype(C *c, const kiln_valtype **params, uint32_t *np,
                           const kiln_valtype **results, uint32_t *nr) {
    if (rd_eof(c->r)) FAIL("unexpected end");
    uint8_t b = *c->r->p;
    if (b == 0x40) { c->r->p++; *params = *results = NULL; *np = *nr = 0; return true; }
    if (valtype_is_valid(b)) {
        c->r->p++;
        *params = NULL; *np = 0;
        *results = single(b); *nr = 1;
        return true;
    }
    int64_t idx;
    TRY(rd_s33(c->r, &idx));
    if (idx < 0) FAIL("malformed block type");
    if ((uint64_t)idx >= c->m->ntypes) FAIL("unknown type %lld", (long long)idx);
    const functype *ft = &c->m->types[idx];
    *params = ft->params; *np = ft->nparams;
    *results = ft->results; *nr = ft->nresults;
    return true;
}

/* Pops and re-pushes a block's params, checking their types. */
static bool enter_block(C *c, const kiln_valtype *params, uint32_t np) {
    TRY(check_top(c, params, np));
    ctl *t = top_ctl(c);
    if (c->sp - t->height < np) {
        /* Polymorphic: conjure the params. */
        uint32_t have = c->sp - t->height;
        for (uint32_t i = have; i < np; i++) TRY(push(c, T_ANY));
        for (uint32_t i = 0; i < np; i++) c->stack[c->sp - np + i].type = (uint8_t)params[i];
    }
    flush_stack(c);
    return true;
}

static bool end_block(C *c) {
    ctl *t = top_ctl(c);
    TRY(check_top(c, t->results, t->nr));
    if (c->sp - t->height != t->nr && !(t->unreachable && c->sp - t->height < t->nr))
        FAIL("type mismatch: block leaves %u value(s) on the stack, its type says %u", c->sp - t->height, t->nr);
    if (t->kind == CTL_IF) {
        /* An if without else: the false path must produce the results
         * from the params. */
        /* np == 0 guards memcmp: the arrays may be NULL then (UB even for 0 bytes). */
        if (t->np != t->nr || (t->np && memcmp(t->params, t->results, t->np * sizeof *t->params)))
            FAIL("type mismatch: if without else must have matching param and result types");
    }
    if (t->kind == CTL_TRY || t->kind == CTL_TRY_TABLE) {
        /* The body ends here (a try with no catch catches nothing). */
        if (t->handler >= 0) c->eh[t->handler].end = c->len;
        label_here(c);
    }
    if (t->kind == CTL_TRY || t->kind == CTL_CATCH || t->kind == CTL_CATCH_ALL) c->try_depth--;
    c->cur_scope = t->outer_scope;
    bool fall_live = !c->dead;
    if (fall_live) flush_stack(c);
    if (t->kind == CTL_FUNC) {
        if (fall_live) emit_return(c);
        c->nctl--;
        return true;
    }
    bool has_label = t->targeted || t->kind == CTL_IF;
    bool live_after = fall_live || t->targeted || (t->kind == CTL_IF && !t->dead_at_entry);
    if (has_label && fall_live && c->pending) {
        uint32_t *ins = emit(c, OP_charge, false);
        ins[0] = take_fuel(c);
    }
    c->dead = t->dead_at_entry || !live_after;
    if (!c->dead) {
        if (has_label) label_here(c);
        resolve_patches(c, t->patches, c->len);
        if (t->kind == CTL_IF && t->else_patch >= 0) resolve_patches(c, t->else_patch, c->len);
    }
    if (c->dead) c->pending = 0;
    uint32_t h = t->height;
    const kiln_valtype *res = t->results;
    uint32_t nr = t->nr;
    c->nctl--;
    c->sp = h;
    if (c->virt_lo > c->sp) c->virt_lo = c->sp;
    for (uint32_t i = 0; i < nr; i++) TRY(push(c, (uint8_t)res[i]));
    return true;
}

/* ------------------------------------------------------------ instructions */

/* A memarg: alignment flags (bit 6: a memory index follows), then the
 * offset (u64 for a memory64 memory). When the plain instruction cannot
 * make the access (another memory, memory64: module.h, memarg_x), x is set
 * and k is the index of its memarg_x for the x-twin; else k is the offset.
 * atype is the address's type. */
typedef struct marg {
    bool x;
    uint32_t k;
    uint8_t atype;
} marg;

static bool read_memarg(C *c, uint32_t natural_align, marg *ma) {
    uint32_t flags, mem = 0;
    uint64_t off;
    TRY(rd_u32(c->r, &flags));
    if (flags & 0x40) {
        if (engine_single_memory(c->m->engine)) FAIL("malformed memop flags 0x%x", flags);
        TRY(rd_u32(c->r, &mem));
        flags &= ~0x40u;
    }
    if (mem >= c->m->nmemories) FAIL("unknown memory %u", mem);
    const memtype *t = &c->m->memories[mem];
    if (t->is64) TRY(rd_u64(c->r, &off));
    else {
        uint32_t o;
        TRY(rd_u32(c->r, &o));
        off = o;
    }
    if (flags >= 32 || (1u << flags) > natural_align) FAIL("alignment must not be larger than natural");
    ma->atype = t->is64 ? KILN_I64 : KILN_I32;
    ma->x = mem != 0 || t->is64;
    if (!ma->x) { ma->k = (uint32_t)off; return true; }
    kiln_module *m = c->m;
    if (!grow((void **)&m->xargs, &m->xcap, m->nxargs + 1, sizeof *m->xargs)) FAIL_OOM();
    m->xargs[m->nxargs] = (memarg_x){.mem = mem, .is64 = t->is64, .offset = off};
    ma->k = m->nxargs++;
    return true;
}

static bool zero_byte(C *c) {
    uint8_t b;
    TRY(rd_u8(c->r, &b));
    if (b != 0) FAIL("zero byte expected");
    return true;
}

/* memory.size/grow/fill/copy/init: a memory index (one zero byte in Wasm
 * 2.0's encoding, which is memory 0's index). */
static bool memory_index(C *c, uint32_t *mem) {
    if (engine_single_memory(c->m->engine)) { /* Wasm 2.0: exactly one byte 0x00 */
        TRY(zero_byte(c));
        *mem = 0;
    } else TRY(rd_u32(c->r, mem));
    if (*mem >= c->m->nmemories) FAIL("unknown memory %u", *mem);
    return true;
}

/* The address type of memory mem. */
static uint8_t mem_atype(C *c, uint32_t mem) { return c->m->memories[mem].is64 ? KILN_I64 : KILN_I32; }

/* Whether memory mem's instructions need their x-form (ops.h). */
static bool mem_x(C *c, uint32_t mem) { return mem != 0 || c->m->memories[mem].is64; }

/* An access op for its memarg: the x-twin, or the checked twin with
 * explicit bounds checks, or the op. */
static int access_op(C *c, int op, const marg *ma);


static int load_op(uint8_t opcode, uint8_t *type, uint32_t *size) {
    static const struct { uint8_t t; uint8_t size; int op; } L[] = {
        [0x28 - 0x28] = {KILN_I32, 4, OP_load_i32}, [0x29 - 0x28] = {KILN_I64, 8, OP_load_i64},
        [0x2a - 0x28] = {KILN_F32, 4, OP_load_i32}, [0x2b - 0x28] = {KILN_F64, 8, OP_load_i64},
        [0x2c - 0x28] = {KILN_I32, 1, OP_load_i32_8s}, [0x2d - 0x28] = {KILN_I32, 1, OP_load_i32_8u},
        [0x2e - 0x28] = {KILN_I32, 2, OP_load_i32_16s}, [0x2f - 0x28] = {KILN_I32, 2, OP_load_i32_16u},
        [0x30 - 0x28] = {KILN_I64, 1, OP_load_i64_8s}, [0x31 - 0x28] = {KILN_I64, 1, OP_load_i64_8u},
        [0x32 - 0x28] = {KILN_I64, 2, OP_load_i64_16s}, [0x33 - 0x28] = {KILN_I64, 2, OP_load_i64_16u},
        [0x34 - 0x28] = {KILN_I64, 4, OP_load_i64_32s}, [0x35 - 0x28] = {KILN_I64, 4, OP_load_i64_32u},
    };
    *type = L[opcode - 0x28].t;
    *size = L[opcode - 0x28].size;
    return L[opcode - 0x28].op;
}

static int store_op(uint8_t opcode, uint8_t *type, uint32_t *size) {
    static const struct { uint8_t t; uint8_t size; int op; } S[] = {
        [0x36 - 0x36] = {KILN_I32, 4, OP_store_i32}, [0x37 - 0x36] = {KILN_I64, 8, OP_store_i64},
        [0x38 - 0x36] = {KILN_F32, 4, OP_store_i32}, [0x39 - 0x36] = {KILN_F64, 8, OP_store_i64},
        [0x3a - 0x36] = {KILN_I32, 1, OP_store_8}, [0x3b - 0x36] = {KILN_I32, 2, OP_store_16},
        [0x3c - 0x36] = {KILN_I64, 1, OP_store_8}, [0x3d - 0x36] = {KILN_I64, 2, OP_store_16},
        [0x3e - 0x36] = {KILN_I64, 4, OP_store_i32},
    };
    *type = S[opcode - 0x36].t;
    *size = S[opcode - 0x36].size;
    return S[opcode - 0x36].op;
}

/* With explicit bounds checks the checked twin of each access is used. */
static int checked(C *c, int op) {
    if (!engine_explicit_bounds(c->m->engine)) return op;
    if (op >= OP_load_i32 && op <= OP_load_i64_32u) return OP_cload_i32 + (op - OP_load_i32);
    if (op >= OP_store_i32 && op <= OP_store_16) return OP_cstore_i32 + (op - OP_store_i32);
    return op;
}

static int access_op(C *c, int op, const marg *ma) {
    _Static_assert(OP_xload_i64_32u - OP_xload_i32 == OP_load_i64_32u - OP_load_i32, "x-twins in the same order");
    _Static_assert(OP_xstore_16 - OP_xstore_i32 == OP_store_16 - OP_store_i32, "x-twins in the same order");
    if (!ma->x) return checked(c, op);
    if (op >= OP_load_i32 && op <= OP_load_i64_32u) return OP_xload_i32 + (op - OP_load_i32);
    return OP_xstore_i32 + (op - OP_store_i32);
}

/* Numeric instructions 0x45..0xc4: signature and op. */
static bool numeric_sig(uint8_t o, uint8_t *a, uint8_t *b, uint8_t *res, int *op) {
    const uint8_t I32 = KILN_I32, I64 = KILN_I64, F32 = KILN_F32, F64 = KILN_F64;
    if (o == 0x45) { *a = I32; *b = 0; *res = I32; *op = OP_i32_eqz; return true; }
    if (o >= 0x46 && o <= 0x4f) { *a = *b = I32; *res = I32; *op = OP_i32_eq + (o - 0x46); return true; }
    if (o == 0x50) { *a = I64; *b = 0; *res = I32; *op = OP_i64_eqz; return true; }
    if (o >= 0x51 && o <= 0x5a) { *a = *b = I64; *res = I32; *op = OP_i64_eq + (o - 0x51); return true; }
    if (o >= 0x5b && o <= 0x60) { *a = *b = F32; *res = I32; *op = OP_f32_eq + (o - 0x5b); return true; }
    if (o >= 0x61 && o <= 0x66) { *a = *b = F64; *res = I32; *op = OP_f64_eq + (o - 0x61); return true; }
    if (o >= 0x67 && o <= 0x69) { *a = I32; *b = 0; *res = I32; *op = OP_i32_clz + (o - 0x67); return true; }
    if (o >= 0x6a && o <= 0x78) { *a = *b = I32; *res = I32; *op = OP_i32_add + (o - 0x6a); return true; }
    if (o >= 0x79 && o <= 0x7b) { *a = I64; *b = 0; *res = I64; *op = OP_i64_clz + (o - 0x79); return true; }
    if (o >= 0x7c && o <= 0x8a) { *a = *b = I64; *res = I64; *op = OP_i64_add + (o - 0x7c); return true; }
    if (o >= 0x8b && o <= 0x91) { *a = F32; *b = 0; *res = F32; *op = OP_f32_abs + (o - 0x8b); return true; }
    if (o >= 0x92 && o <= 0x98) { *a = *b = F32; *res = F32; *op = OP_f32_add + (o - 0x92); return true; }
    if (o >= 0x99 && o <= 0x9f) { *a = F64; *b = 0; *res = F64; *op = OP_f64_abs + (o - 0x99); return true; }
    if (o >= 0xa0 && o <= 0xa6) { *a = *b = F64; *res = F64; *op = OP_f64_add + (o - 0xa0); return true; }
    static const uint8_t conv[][2] = {
        /* a7 */ {KILN_I64, KILN_I32}, {KILN_F32, KILN_I32}, {KILN_F32, KILN_I32}, {KILN_F64, KILN_I32},
        /* ab */ {KILN_F64, KILN_I32}, {KILN_I32, KILN_I64}, {KILN_I32, KILN_I64}, {KILN_F32, KILN_I64},
        /* af */ {KILN_F32, KILN_I64}, {KILN_F64, KILN_I64}, {KILN_F64, KILN_I64}, {KILN_I32, KILN_F32},
        /* b3 */ {KILN_I32, KILN_F32}, {KILN_I64, KILN_F32}, {KILN_I64, KILN_F32}, {KILN_F64, KILN_F32},
        /* b7 */ {KILN_I32, KILN_F64}, {KILN_I32, KILN_F64}, {KILN_I64, KILN_F64}, {KILN_I64, KILN_F64},
        /* bb */ {KILN_F32, KILN_F64},
    };
    if (o >= 0xa7 && o <= 0xbb) { *a = conv[o - 0xa7][0]; *b = 0; *res = conv[o - 0xa7][1]; *op = OP_i32_wrap_i64 + (o - 0xa7); return true; }
    if (o >= 0xc0 && o <= 0xc1) { *a = I32; *b = 0; *res = I32; *op = OP_i32_extend8_s + (o - 0xc0); return true; }
    if (o >= 0xc2 && o <= 0xc4) { *a = I64; *b = 0; *res = I64; *op = OP_i64_extend8_s + (o - 0xc2); return true; }
    return false;
}

/* The constant-operand form of a binary op, or -1. k is adjusted (sub
 * becomes add of the negation). *fits: the constant fits the form. */
static int k_form(int op, uint64_t *k) {
    if (op >= OP_i32_eq && op <= OP_i32_ge_u) return OP_i32_eq_k + (op - OP_i32_eq);
    switch (op) {
    case OP_i32_add: return OP_i32_add_k;
    case OP_i32_sub: *k = (uint32_t)(0u - (uint32_t)*k); return OP_i32_add_k;
    case OP_i32_mul: return OP_i32_mul_k;
    case OP_i32_and: return OP_i32_and_k;
    case OP_i32_or: return OP_i32_or_k;
    case OP_i32_xor: return OP_i32_xor_k;
    case OP_i32_shl: return OP_i32_shl_k;
    case OP_i32_shr_s: return OP_i32_shr_s_k;
    case OP_i32_shr_u: return OP_i32_shr_u_k;
    default: break;
    }
    /* i64 forms take a sign-extended 32-bit constant. */
    int64_t v = (int64_t)*k;
    if (op == OP_i64_sub) { if (v == INT64_MIN) return -1; v = -v; }
    if (v < INT32_MIN || v > INT32_MAX) return -1;
    int r;
    switch (op) {
    case OP_i64_add: case OP_i64_sub: r = OP_i64_add_k; break;
    case OP_i64_and: r = OP_i64_and_k; break;
    case OP_i64_shl: r = OP_i64_shl_k; break;
    case OP_i64_shr_s: r = OP_i64_shr_s_k; break;
    case OP_i64_shr_u: r = OP_i64_shr_u_k; break;
    case OP_i64_eq: r = OP_i64_eq_k; break;
    case OP_i64_ne: r = OP_i64_ne_k; break;
    case OP_i64_lt_s: r = OP_i64_lt_s_k; break;
    case OP_i64_lt_u: r = OP_i64_lt_u_k; break;
    case OP_i64_gt_s: r = OP_i64_gt_s_k; break;
    case OP_i64_gt_u: r = OP_i64_gt_u_k; break;
    default: return -1;
    }
    *k = (uint64_t)v;
    return r;
}

/* For `k op x`: the op that computes the same as `x op' k`, or -1. */
static int mirror(int op) {
    switch (op) {
    case OP_i32_add: case OP_i32_mul: case OP_i32_and: case OP_i32_or: case OP_i32_xor:
    case OP_i32_eq: case OP_i32_ne: case OP_i64_add: case OP_i64_and: case OP_i64_eq: case OP_i64_ne:
        return op;
    case OP_i32_lt_s: return OP_i32_gt_s;
    case OP_i32_lt_u: return OP_i32_gt_u;
    case OP_i32_gt_s: return OP_i32_lt_s;
    case OP_i32_gt_u: return OP_i32_lt_u;
    case OP_i32_le_s: return OP_i32_ge_s;
    case OP_i32_le_u: return OP_i32_ge_u;
    case OP_i32_ge_s: return OP_i32_le_s;
    case OP_i32_ge_u: return OP_i32_le_u;
    case OP_i64_lt_s: return OP_i64_gt_s;
    case OP_i64_lt_u: return OP_i64_gt_u;
    case OP_i64_gt_s: return OP_i64_lt_s;
    case OP_i64_gt_u: return OP_i64_lt_u;
    default: return -1;
    }
}

static bool may_trap(int op) {
    switch (op) {
    case OP_i32_div_s: case OP_i32_div_u: case OP_i32_rem_s: case OP_i32_rem_u:
    case OP_i64_div_s: case OP_i64_div_u: case OP_i64_rem_s: case OP_i64_rem_u:
    case OP_i32_trunc_f32_s: case OP_i32_trunc_f32_u: case OP_i32_trunc_f64_s: case OP_i32_trunc_f64_u:
    case OP_i64_trunc_f32_s: case OP_i64_trunc_f32_u: case OP_i64_trunc_f64_s: case OP_i64_trunc_f64_u:
        return true;
    default:
        return false;
    }
}

static bool compile_numeric(C *c, uint8_t opcode) {
    uint8_t ta, tb, tr;
    int op;
    if (!numeric_sig(opcode, &ta, &tb, &tr, &op)) FAIL("illegal opcode 0x%02x", opcode);
    uint32_t *ins;
    if (!tb) {
        opnd a; uint32_t pa;
        TRY(pop(c, ta, &a, &pa));
        uint32_t sa = in_slot(c, &a, pa);
        ins = emit(c, op, may_trap(op));
        ins[0] = natural(c, pa); ins[1] = sa;
        return push_result(c, tr, pa, ins);
    }
    opnd a, b; uint32_t pa, pb;
    TRY(pop(c, tb, &b, &pb));
    TRY(pop(c, ta, &a, &pa));
    uint64_t k;
    int kop = -1;
    uint32_t sx = 0;
    if (b.kind == K_CONST && a.kind != K_CONST) {
        k = b.k;
        kop = k_form(op, &k);
        if (kop >= 0) sx = in_slot(c, &a, pa);
    } else if (a.kind == K_CONST && b.kind != K_CONST && mirror(op) >= 0) {
        k = a.k;
        kop = k_form(mirror(op), &k);
        if (kop >= 0) sx = in_slot(c, &b, pb);
    }
    if (kop >= 0) {
        ins = emit(c, kop, false);
        ins[0] = natural(c, pa); ins[1] = sx; ins[2] = (uint32_t)k;
        return push_result(c, tr, pa, ins);
    }
    uint32_t sa = in_slot(c, &a, pa), sb = in_slot(c, &b, pb);
    ins = emit(c, op, may_trap(op));
    ins[0] = natural(c, pa); ins[1] = sa; ins[2] = sb;
    return push_result(c, tr, pa, ins);
}

static bool local_index(C *c, uint32_t *idx) {
    TRY(rd_u32(c->r, idx));
    if (*idx >= c->nlocals) FAIL("unknown local %u", *idx);
    return true;
}

/* local.set / local.tee */
static bool compile_local_set(C *c, uint32_t li, bool tee) {
    uint8_t t = (uint8_t)c->local_types[li];
    uint32_t x = c->local_slot[li];
    opnd v; uint32_t pv;
    TRY(pop(c, t, &v, &pv));
    if (c->dead) {
        if (tee) TRY(push(c, t));
        return true;
    }
    uint32_t before = c->len;
    protect_local(c, x, pv);
    bool produced_last = v.kind == K_TEMP && c->last_dst_stack == (int64_t)pv && c->len == before &&
                         c->last_op >= 0 && c->last_op != OP_copy;
    if (produced_last) {
        c->code[c->last_pos + 2] = x; /* retarget the producer */
    } else if (!(v.kind == K_LOCAL && v.local == x)) {
        move_to(c, &v, pv, x);
    }
    c->last_dst_stack = -1;
    if (tee) TRY(push_opnd(c, (opnd){.type = t, .kind = K_LOCAL, .local = x}));
    return true;
}

static bool compile_call(C *c, const functype *ft, int op, uint32_t a0, uint32_t a1, const funcdef *target, bool indirect) {
    opnd idx = {0};
    uint32_t pidx = 0;
    if (indirect) TRY(pop(c, KILN_I32, &idx, &pidx));
    TRY(check_top(c, ft->params, ft->nparams));
    ctl *t = top_ctl(c);
    uint32_t avail = c->sp - t->height;
    uint32_t np = ft->nparams;
    if (avail < np) { /* polymorphic stack: conjure */
        while (c->sp - t->height < np) TRY(push(c, T_ANY));
    }
    uint32_t argpos = c->sp - np;
    for (uint32_t i = 0; i < np; i++) materialize(c, argpos + i);
    uint32_t *ins;
    if (op == OP_call) {
        uint32_t fuel = take_fuel(c);
        ins = emit(c, OP_call, true);
        memcpy(&ins[0], &target, sizeof target);
        ins[2] = natural(c, argpos);
        ins[3] = fuel;
    } else if (op == OP_call_import) {
        uint32_t fuel = take_fuel(c);
        ins = emit(c, OP_call_import, true);
        ins[0] = a0; ins[1] = natural(c, argpos); ins[2] = fuel;
    } else {
        uint32_t s = in_slot(c, &idx, pidx);
        uint32_t fuel = take_fuel(c);
        ins = emit(c, OP_call_indirect, true);
        ins[0] = a0; ins[1] = a1; ins[2] = natural(c, argpos); ins[3] = s; ins[4] = fuel;
    }
    c->sp = argpos;
    if (c->virt_lo > c->sp) c->virt_lo = c->sp;
    for (uint32_t i = 0; i < ft->nresults; i++) TRY(push(c, (uint8_t)ft->results[i]));
    c->last_dst_stack = -1;
    return true;
}

/* return_call, return_call_indirect: the callee's results are the
 * function's; its frame replaces this one (interp.c). */
static bool compile_return_call(C *c, bool indirect) {
    uint32_t fi = 0, ti, tab = 0;
    const functype *ft;
    if (indirect) {
        TRY(rd_u32(c->r, &ti));
        TRY(rd_u32(c->r, &tab));
        if (ti >= c->m->ntypes) FAIL("unknown type %u", ti);
        if (tab >= c->m->ntables) FAIL("unknown table %u", tab);
        if (c->m->tables[tab].elem != KILN_FUNCREF) FAIL("type mismatch: return_call_indirect through a table of %s", tname(c->m->tables[tab].elem));
        ft = &c->m->types[ti];
    } else {
        TRY(rd_u32(c->r, &fi));
        if (fi >= c->m->nfuncs) FAIL("unknown function %u", fi);
        ft = &c->m->types[c->m->func_types[fi]];
    }
    const functype *self = c->f->type;
    if (ft->nresults != self->nresults || (ft->nresults && memcmp(ft->results, self->results, ft->nresults * sizeof *ft->results)))
        FAIL("type mismatch: the tail call's results are not the function's");
    opnd idx = {0};
    uint32_t pidx = 0;
    if (indirect) TRY(pop(c, KILN_I32, &idx, &pidx));
    TRY(check_top(c, ft->params, ft->nparams));
    ctl *t = top_ctl(c);
    while (c->sp - t->height < ft->nparams) TRY(push(c, T_ANY)); /* polymorphic */
    uint32_t argpos = c->sp - ft->nparams;
    if (!c->dead) {
        for (uint32_t i = 0; i < ft->nparams; i++) materialize(c, argpos + i);
        uint32_t *ins;
        if (indirect) {
            uint32_t s = in_slot(c, &idx, pidx);
            uint32_t fuel = take_fuel(c);
            ins = emit(c, OP_return_call_indirect, true);
            ins[0] = tab; ins[1] = ft->id; ins[2] = natural(c, argpos); ins[3] = s; ins[4] = fuel;
        } else if (fi < c->m->nfunc_imports) {
            uint32_t fuel = take_fuel(c);
            ins = emit(c, OP_return_call_import, true);
            ins[0] = fi; ins[1] = natural(c, argpos); ins[2] = fuel;
        } else {
            const funcdef *target = &c->m->funcs[fi - c->m->nfunc_imports];
            uint32_t fuel = take_fuel(c);
            ins = emit(c, OP_return_call, true);
            memcpy(&ins[0], &target, sizeof target);
            ins[2] = natural(c, argpos); ins[3] = fuel;
        }
    }
    set_unreachable(c);
    return true;
}

static bool table_index(C *c, uint32_t *t) {
    TRY(rd_u32(c->r, t));
    if (*t >= c->m->ntables) FAIL("unknown table %u", *t);
    return true;
}

static bool compile_fc(C *c) {
    uint32_t sub;
    TRY(rd_u32(c->r, &sub));
    uint32_t *ins;
    opnd a, b, d;
    uint32_t pa, pb, pd;
    if (sub <= 7) {
        static const uint8_t from[] = {KILN_F32, KILN_F32, KILN_F64, KILN_F64, KILN_F32, KILN_F32, KILN_F64, KILN_F64};
        uint8_t to = sub < 4 ? KILN_I32 : KILN_I64;
        TRY(pop(c, from[sub], &a, &pa));
        uint32_t s = in_slot(c, &a, pa);
        ins = emit(c, OP_i32_trunc_sat_f32_s + (int)sub, false);
        ins[0] = natural(c, pa); ins[1] = s;
        return push_result(c, to, pa, ins);
    }
    switch (sub) {
    case 8: { /* memory.init */
        uint32_t seg, mem;
        TRY(rd_u32(c->r, &seg));
        TRY(memory_index(c, &mem));
        if (!c->m->has_datacount) FAIL("data count section required");
        if (seg >= c->m->ndatas) FAIL("unknown data segment %u", seg);
        TRY(pop(c, KILN_I32, &d, &pd)); TRY(pop(c, KILN_I32, &b, &pb)); TRY(pop(c, mem_atype(c, mem), &a, &pa));
        uint32_t sa = in_slot(c, &a, pa), sb = in_slot(c, &b, pb), sd = in_slot(c, &d, pd);
        ins = emit(c, mem_x(c, mem) ? OP_xmemory_init : OP_memory_init, true);
        ins[0] = seg; ins[1] = sa; ins[2] = sb; ins[3] = sd;
        if (mem_x(c, mem)) ins[4] = mem;
        return true;
    }
    case 9: { /* data.drop */
        uint32_t seg;
        TRY(rd_u32(c->r, &seg));
        if (!c->m->has_datacount) FAIL("data count section required");
        if (seg >= c->m->ndatas) FAIL("unknown data segment %u", seg);
        ins = emit(c, OP_data_drop, false);
        ins[0] = seg;
        return true;
    }
    case 10: /* memory.copy dst src */
    case 11: { /* memory.fill */
        uint32_t m1, m2 = 0;
        TRY(memory_index(c, &m1));
        if (sub == 10) TRY(memory_index(c, &m2));
        else m2 = m1;
        /* copy: dst in m1's address type, src in m2's, n in the smaller */
        uint8_t t1 = mem_atype(c, m1), t2 = mem_atype(c, m2);
        uint8_t tn = sub == 11 ? t1 : (t1 == KILN_I64 && t2 == KILN_I64 ? KILN_I64 : KILN_I32);
        TRY(pop(c, tn, &d, &pd)); TRY(pop(c, sub == 10 ? t2 : KILN_I32, &b, &pb)); TRY(pop(c, t1, &a, &pa));
        uint32_t sa = in_slot(c, &a, pa), sb = in_slot(c, &b, pb), sd = in_slot(c, &d, pd);
        bool x = mem_x(c, m1) || mem_x(c, m2);
        ins = emit(c, sub == 10 ? (x ? OP_xmemory_copy : OP_memory_copy) : (x ? OP_xmemory_fill : OP_memory_fill), true);
        ins[0] = sa; ins[1] = sb; ins[2] = sd;
        if (x) { ins[3] = m1; if (sub == 10) ins[4] = m2; }
        return true;
    }
    case 12: { /* table.init elem table */
        uint32_t seg, t;
        TRY(rd_u32(c->r, &seg));
        TRY(table_index(c, &t));
        if (seg >= c->m->nelems) FAIL("unknown elem segment %u", seg);
        if (c->m->elems[seg].elem_type != c->m->tables[t].elem) FAIL("type mismatch: table.init of %s into a table of %s",
            tname(c->m->elems[seg].elem_type), tname(c->m->tables[t].elem));
        TRY(pop(c, KILN_I32, &d, &pd)); TRY(pop(c, KILN_I32, &b, &pb)); TRY(pop(c, KILN_I32, &a, &pa));
        uint32_t sa = in_slot(c, &a, pa), sb = in_slot(c, &b, pb), sd = in_slot(c, &d, pd);
        ins = emit(c, OP_table_init, true);
        ins[0] = t; ins[1] = seg; ins[2] = sa; ins[3] = sb; ins[4] = sd;
        return true;
    }
    case 13: { /* elem.drop */
        uint32_t seg;
        TRY(rd_u32(c->r, &seg));
        if (seg >= c->m->nelems) FAIL("unknown elem segment %u", seg);
        ins = emit(c, OP_elem_drop, false);
        ins[0] = seg;
        return true;
    }
    case 14: { /* table.copy dst src */
        uint32_t td, ts;
        TRY(table_index(c, &td));
        TRY(table_index(c, &ts));
        if (c->m->tables[td].elem != c->m->tables[ts].elem) FAIL("type mismatch: table.copy between tables of different element types");
        TRY(pop(c, KILN_I32, &d, &pd)); TRY(pop(c, KILN_I32, &b, &pb)); TRY(pop(c, KILN_I32, &a, &pa));
        uint32_t sa = in_slot(c, &a, pa), sb = in_slot(c, &b, pb), sd = in_slot(c, &d, pd);
        ins = emit(c, OP_table_copy, true);
        ins[0] = td; ins[1] = ts; ins[2] = sa; ins[3] = sb; ins[4] = sd;
        return true;
    }
    case 15: { /* table.grow */
        uint32_t t;
        TRY(table_index(c, &t));
        TRY(pop(c, KILN_I32, &b, &pb));
        TRY(pop(c, c->m->tables[t].elem, &a, &pa));
        uint32_t sa = in_slot(c, &a, pa), sb = in_slot(c, &b, pb);
        ins = emit(c, OP_table_grow, false);
        ins[0] = natural(c, pa); ins[1] = t; ins[2] = sa; ins[3] = sb;
        return push_result(c, KILN_I32, pa, ins);
    }
    case 16: { /* table.size */
        uint32_t t;
        TRY(table_index(c, &t));
        uint32_t pos = c->sp;
        ins = emit(c, OP_table_size, false);
        ins[0] = natural(c, pos); ins[1] = t;
        return push_result(c, KILN_I32, pos, ins);
    }
    case 17: { /* table.fill */
        uint32_t t;
        TRY(table_index(c, &t));
        TRY(pop(c, KILN_I32, &d, &pd));
        TRY(pop(c, c->m->tables[t].elem, &b, &pb));
        TRY(pop(c, KILN_I32, &a, &pa));
        uint32_t sa = in_slot(c, &a, pa), sb = in_slot(c, &b, pb), sd = in_slot(c, &d, pd);
        ins = emit(c, OP_table_fill, true);
        ins[0] = t; ins[1] = sa; ins[2] = sb; ins[3] = sd;
        return true;
    }
    default:
        FAIL("illegal opcode 0xfc %u", sub);
    }
}

/* ------------------------------------------------------------ exceptions
 *
 * Both encodings compile to the same two instructions (throw, throw_ref)
 * and a per-function handler table (module.h): entering a try costs
 * nothing at run time; a throw looks the table up. A try_table's catch
 * clauses land on small stubs placed before its body (a branch to the
 * clause's label, or a return when the label is the function's), which the
 * body's entry jumps over; the payload is written by the unwinder straight
 * into the label's slots. A legacy catch lands on its own code, with the
 * payload in the try's slots and the exception in a slot of its own above
 * the operand stack, for rethrow. */

static bool tag_index(C *c, uint32_t *x) {
    TRY(rd_u32(c->r, x));
    if (*x >= c->m->ntags) FAIL("unknown tag %u", *x);
    return true;
}

static const functype *tag_type(C *c, uint32_t x) { return &c->m->types[c->m->tag_types[x]]; }

static int32_t new_handler(C *c, uint8_t kind) {
    if (!grow((void **)&c->eh, &c->eh_cap, c->neh + 1, sizeof *c->eh)) { c->oom = true; return -1; }
    c->eh[c->neh] = (eh_handler){.kind = kind, .start = c->len, .end = c->len, .parent = c->cur_scope, .delegate = -1};
    return (int32_t)c->neh++;
}

static void add_clause(C *c, int32_t h, eh_clause cl) {
    if (h < 0 || c->dead || c->oom) return;
    if (!grow((void **)&c->clauses, &c->clause_cap, c->nclauses + 1, sizeof *c->clauses) ||
        !grow((void **)&c->clause_handler, &c->clause_handler_cap, c->nclauses + 1, sizeof *c->clause_handler)) {
        c->oom = true;
        return;
    }
    c->clauses[c->nclauses] = cl;
    c->clause_handler[c->nclauses++] = (uint32_t)h;
}

/* The operand at code position `field` names an exception slot by depth. */
static void exn_fixup(C *c, uint32_t field) {
    if (c->dead || c->oom) return;
    if (!grow((void **)&c->exn_fixups, &c->exn_fixup_cap, c->nexn_fixups + 1, sizeof *c->exn_fixups)) { c->oom = true; return; }
    c->exn_fixups[c->nexn_fixups++] = field;
}

static bool compile_throw(C *c) {
    uint32_t x;
    TRY(tag_index(c, &x));
    const functype *ft = tag_type(c, x);
    TRY(check_top(c, ft->params, ft->nparams));
    ctl *t = top_ctl(c);
    while (c->sp - t->height < ft->nparams) TRY(push(c, T_ANY)); /* polymorphic */
    uint32_t argpos = c->sp - ft->nparams;
    if (!c->dead) {
        for (uint32_t i = 0; i < ft->nparams; i++) materialize(c, argpos + i);
        uint32_t fuel = take_fuel(c);
        uint32_t *ins = emit(c, OP_throw, true);
        ins[0] = x; ins[1] = natural(c, argpos); ins[2] = fuel;
    }
    set_unreachable(c);
    return true;
}

/* throw_ref, and rethrow (from the slot of a legacy catch: depth). */
static bool compile_throw_ref(C *c, bool rethrow, uint32_t depth) {
    uint32_t s = 0;
    if (!rethrow) {
        opnd a; uint32_t pa;
        TRY(pop(c, KILN_EXNREF, &a, &pa));
        if (!c->dead) s = in_slot(c, &a, pa);
    }
    if (!c->dead) {
        uint32_t fuel = take_fuel(c);
        uint32_t *ins = emit(c, OP_throw_ref, true);
        ins[0] = rethrow ? depth : s; ins[1] = fuel;
        if (rethrow) exn_fixup(c, pos_of(c, ins) + 2);
    }
    set_unreachable(c);
    return true;
}

/* Do the values a catch clause delivers match label `depth`'s? */
static bool clause_types(C *c, uint8_t kind, uint32_t tag, uint32_t depth) {
    const ctl *t = &c->ctls[c->nctl - 1 - depth];
    const functype *ft = kind <= EH_CATCH_REF ? tag_type(c, tag) : NULL;
    uint32_t n = (ft ? ft->nparams : 0) + (kind == EH_CATCH_REF || kind == EH_CATCH_ALL_REF);
    if (label_arity(t) != n) FAIL("type mismatch: catch clause delivers %u value(s) to a label of %u", n, label_arity(t));
    const kiln_valtype *lt = label_types(t);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t want = ft && i < ft->nparams ? (uint8_t)ft->params[i] : KILN_EXNREF;
        if ((uint8_t)lt[i] != want) FAIL("type mismatch: catch clause delivers %s where its label takes %s", tname(want), tname((uint8_t)lt[i]));
    }
    return true;
}

static bool compile_try_table(C *c) {
    const kiln_valtype *params, *results;
    uint32_t np, nr, n;
    TRY(read_blocktype(c, &params, &np, &results, &nr));
    TRY(rd_u32(c->r, &n));
    if (n > (uint32_t)(c->r->end - c->r->p)) FAIL("try_table has more catch clauses (%u) than the body has bytes", n);
    eh_clause *cl = calloc(n ? n : 1, sizeof *cl);
    uint32_t *depth = calloc(n ? n : 1, sizeof *depth);
    bool ok = cl && depth;
    if (!ok) rd_fail_code(c->r, KILN_ERR_NO_MEMORY, "out of memory");
    for (uint32_t i = 0; i < n && ok; i++) {
        uint8_t k = 0;
        ok = rd_u8(c->r, &k);
        if (ok && k > EH_CATCH_ALL_REF) { rd_fail(c->r, "malformed catch clause kind 0x%02x", k); ok = false; }
        cl[i] = (eh_clause){.kind = k, .tag = EH_NO_TAG, .exn_slot = UINT32_MAX};
        if (ok && k <= EH_CATCH_REF) ok = tag_index(c, &cl[i].tag);
        if (ok) ok = rd_u32(c->r, &depth[i]);
        if (ok && depth[i] >= c->nctl) { rd_fail(c->r, "unknown label %u", depth[i]); ok = false; }
        if (ok) ok = clause_types(c, k, cl[i].tag, depth[i]);
    }
    if (ok) ok = enter_block(c, params, np);
    if (ok && !c->dead && n) {
        /* The stubs, behind a branch over them. */
        label_here(c);
        uint32_t *ins = emit(c, OP_br, true);
        uint32_t pos = pos_of(c, ins);
        ins[1] = take_fuel(c);
        int32_t skip = c->oom ? -1 : add_patch(c, pos, pos + 2, -1);
        for (uint32_t i = 0; i < n && !c->oom; i++) {
            ctl *t = &c->ctls[c->nctl - 1 - depth[i]];
            cl[i].target = c->len;
            if (t->kind == CTL_FUNC) {
                cl[i].dst = 0; /* the results' slots */
                ins = emit(c, OP_ret, true);
                ins[0] = 0;
            } else {
                cl[i].dst = natural(c, t->height);
                ins = emit(c, t->kind == CTL_LOOP ? OP_br_back : OP_br, true);
                if (!c->oom) link_branch(c, pos_of(c, ins), pos_of(c, ins) + 2, depth[i]);
            }
        }
        label_here(c);
        if (!c->oom) resolve_patches(c, skip, c->len);
    }
    if (ok) ok = push_ctl(c, CTL_TRY_TABLE, params, np, results, nr);
    if (ok) {
        label_here(c);
        int32_t h = new_handler(c, EH_TRY_TABLE);
        ctl *t = top_ctl(c);
        t->handler = h;
        if (h >= 0) t->scope = c->cur_scope = h;
        for (uint32_t i = 0; i < n; i++) add_clause(c, h, cl[i]);
    }
    free(cl);
    free(depth);
    return ok;
}

static bool compile_try(C *c) {
    const kiln_valtype *params, *results;
    uint32_t np, nr;
    TRY(read_blocktype(c, &params, &np, &results, &nr));
    TRY(enter_block(c, params, np));
    TRY(push_ctl(c, CTL_TRY, params, np, results, nr));
    label_here(c);
    int32_t h = new_handler(c, EH_TRY);
    ctl *t = top_ctl(c);
    t->handler = h;
    if (h >= 0) t->scope = c->cur_scope = h;
    t->exn_depth = c->try_depth++;
    if (c->try_depth > c->max_try_depth) c->max_try_depth = c->try_depth;
    return true;
}

/* catch x, catch_all: the try's body (or the previous catch) ends. */
static bool compile_catch(C *c, bool all) {
    ctl *t = top_ctl(c);
    uint32_t x = EH_NO_TAG;
    if (t->kind == CTL_CATCH_ALL) FAIL(all ? "catch_all after catch_all" : "catch after catch_all");
    if (t->kind != CTL_TRY && t->kind != CTL_CATCH) FAIL("%s without a matching try", all ? "catch_all" : "catch");
    if (!all) TRY(tag_index(c, &x));
    TRY(check_top(c, t->results, t->nr));
    if (c->sp - t->height != t->nr && !(t->unreachable && c->sp - t->height < t->nr))
        FAIL("type mismatch: try leaves %u value(s), its type says %u", c->sp - t->height, t->nr);
    if (t->kind == CTL_TRY && t->handler >= 0) c->eh[t->handler].end = c->len;
    if (!c->dead) {
        flush_stack(c);
        uint32_t *ins = emit(c, OP_br, true);
        if (!c->dead && !c->oom) {
            uint32_t pos = pos_of(c, ins);
            ins[1] = take_fuel(c);
            t->patches = add_patch(c, pos, pos + 2, t->patches);
            t->targeted = true;
        }
    }
    c->dead = t->dead_at_entry;
    c->pending = 0;
    c->sp = t->height;
    if (c->virt_lo > c->sp) c->virt_lo = c->sp;
    label_here(c);
    add_clause(c, t->handler, (eh_clause){.kind = all ? EH_CATCH_ALL : EH_CATCH, .tag = x, .target = c->len,
                                          .dst = natural(c, t->height), .exn_slot = t->exn_depth});
    c->cur_scope = t->scope = t->outer_scope;
    t->kind = all ? CTL_CATCH_ALL : CTL_CATCH;
    t->unreachable = false;
    if (!all) {
        const functype *ft = tag_type(c, x);
        for (uint32_t i = 0; i < ft->nparams; i++) TRY(push(c, (uint8_t)ft->params[i]));
    }
    return true;
}

static bool compile_delegate(C *c) {
    ctl *t = top_ctl(c);
    uint32_t depth;
    if (t->kind != CTL_TRY) FAIL("delegate without a matching try");
    TRY(rd_u32(c->r, &depth));
    if (depth >= c->nctl - 1) FAIL("unknown label %u", depth);
    const ctl *to = &c->ctls[c->nctl - 2 - depth];
    if (t->handler >= 0) {
        c->eh[t->handler].kind = EH_DELEGATE;
        c->eh[t->handler].delegate = to->kind == CTL_FUNC ? -1 : to->scope;
    }
    return end_block(c);
}

static bool compile_rethrow(C *c) {
    uint32_t depth;
    TRY(rd_u32(c->r, &depth));
    if (depth >= c->nctl) FAIL("unknown label %u", depth);
    const ctl *t = &c->ctls[c->nctl - 1 - depth];
    if (t->kind != CTL_CATCH && t->kind != CTL_CATCH_ALL) FAIL("invalid rethrow label %u: not a catch", depth);
    return compile_throw_ref(c, true, t->exn_depth);
}

/* After the body: exception slots are the ones reserved between the locals
 * and the operand stack, clauses are grouped by handler. (Not above the
 * operand stack: a callee's frame starts at its arguments, on the operand
 * stack, and would overwrite an exception that a catch body holds across a
 * call, such as C++'s destructor calls before `rethrow`.) */
static bool finish_eh(C *c, funcdef *f, uint32_t *frame_slots) {
    (void)frame_slots;
    uint32_t base = c->nlocal_slots;
    for (uint32_t i = 0; i < c->nexn_fixups; i++) c->code[c->exn_fixups[i]] += base;
    for (uint32_t i = 0; i < c->nclauses; i++)
        if (c->clauses[i].exn_slot != UINT32_MAX) c->clauses[i].exn_slot += base;
    if (!c->neh) return true;
    eh_clause *sorted = malloc((c->nclauses ? c->nclauses : 1) * sizeof *sorted);
    if (!sorted) return false;
    uint32_t k = 0;
    for (uint32_t h = 0; h < c->neh; h++) {
        c->eh[h].first = k;
        for (uint32_t i = 0; i < c->nclauses; i++)
            if (c->clause_handler[i] == h) sorted[k++] = c->clauses[i];
        c->eh[h].nclauses = k - c->eh[h].first;
    }
    f->eh = c->eh;
    f->neh = c->neh;
    f->eh_clauses = sorted;
    f->neh_clauses = c->nclauses;
    c->eh = NULL;
    return true;
}

#include "engine/compile_simd.inc"

/* The feature an opcode belongs to (for kiln inspect); 0 for the MVP. */
static uint32_t opcode_feature(C *c, uint8_t op) {
    if (op >= 0xc0 && op <= 0xc4) return KILN_FEATURE_SIGN_EXT;
    if (op == 0x25 || op == 0x26 || op == 0x1c || (op >= 0xd0 && op <= 0xd2)) return KILN_FEATURE_REFERENCE_TYPES;
    if (op == 0xfd) return KILN_FEATURE_SIMD;
    if ((op >= 0x06 && op <= 0x0a) || op == 0x18 || op == 0x19 || op == 0x1f) return KILN_FEATURE_EXCEPTIONS;
    if (op == 0x12 || op == 0x13) return KILN_FEATURE_TAIL_CALL;
    if (op == 0xfc && !rd_eof(c->r)) {
        uint8_t sub = *c->r->p; /* a one-byte LEB for every sub-opcode in use */
        if (sub <= 7) return KILN_FEATURE_SAT_FLOAT_TO_INT;
        if (sub <= 14) return KILN_FEATURE_BULK_MEMORY;
        return KILN_FEATURE_REFERENCE_TYPES;
    }
    if ((op == 0x02 || op == 0x03 || op == 0x04) && !rd_eof(c->r)) {
        /* A block type that is a type index (not 0x40 or a value type)
         * with params or several results. */
        uint8_t b = *c->r->p;
        if (b != 0x40 && !valtype_is_valid(b)) return KILN_FEATURE_MULTI_VALUE;
    }
    return 0;
}

static bool compile_body(C *c) {
    reader *r = c->r;
    while (c->nctl > 0) {
        if (c->oom) FAIL_OOM();
        c->wasm_off = rd_offset(r);
        uint8_t opcode;
        if (!rd_u8(r, &opcode)) return false; /* "unexpected end" */
        if (!c->dead) c->pending += fuel_cost(opcode);
        c->m->features |= opcode_feature(c, opcode);
        uint32_t *ins;
        opnd a, b, cond;
        uint32_t pa, pb, pc_;
        switch (opcode) {
        case 0x00: /* unreachable */
            ins = emit(c, OP_unreachable, true);
            set_unreachable(c);
            break;
        case 0x01: /* nop */
            break;
        case 0x02: case 0x03: { /* block, loop */
            const kiln_valtype *params, *results;
            uint32_t np, nr;
            TRY(read_blocktype(c, &params, &np, &results, &nr));
            TRY(enter_block(c, params, np));
            TRY(push_ctl(c, opcode == 0x02 ? CTL_BLOCK : CTL_LOOP, params, np, results, nr));
            if (opcode == 0x03 && !c->dead) {
                if (c->pending) { ins = emit(c, OP_charge, false); ins[0] = take_fuel(c); }
                label_here(c);
                top_ctl(c)->loop_pc = c->len;
            }
            break;
        }
        case 0x04: { /* if */
            const kiln_valtype *params, *results;
            uint32_t np, nr;
            TRY(read_blocktype(c, &params, &np, &results, &nr));
            TRY(pop(c, KILN_I32, &cond, &pc_));
            /* Params must be in their slots before the branch; keep the
             * compare last so it can fuse. */
            TRY(check_top(c, params, np));
            uint32_t before = c->len;
            TRY(enter_block(c, params, np));
            if (c->len != before) label_here(c);
            uint32_t pos = 0, field = 0;
            emit_cond_branch(c, &cond, pc_, false, false, &pos, &field);
            TRY(push_ctl(c, CTL_IF, params, np, results, nr));
            if (!c->dead) top_ctl(c)->else_patch = add_patch(c, pos, field, -1);
            break;
        }
        case 0x05: { /* else */
            ctl *t = top_ctl(c);
            if (t->kind != CTL_IF) FAIL("else without a matching if");
            TRY(check_top(c, t->results, t->nr));
            if (c->sp - t->height != t->nr && !(t->unreachable && c->sp - t->height < t->nr))
                FAIL("type mismatch: if branch leaves %u value(s), its type says %u", c->sp - t->height, t->nr);
            if (!c->dead) {
                flush_stack(c);
                ins = emit(c, OP_br, true);
                if (!c->dead && !c->oom) {
                    uint32_t pos = pos_of(c, ins);
                    ins[1] = take_fuel(c);
                    t->patches = add_patch(c, pos, pos + 2, t->patches);
                    t->targeted = true;
                }
            }
            c->dead = t->dead_at_entry;
            c->pending = 0;
            if (!c->dead) {
                label_here(c);
                resolve_patches(c, t->else_patch, c->len);
            }
            t->else_patch = -1;
            t->kind = CTL_ELSE;
            t->unreachable = false;
            c->sp = t->height;
            if (c->virt_lo > c->sp) c->virt_lo = c->sp;
            for (uint32_t i = 0; i < t->np; i++) TRY(push(c, (uint8_t)t->params[i]));
            break;
        }
        case 0x0b: /* end */
            TRY(end_block(c));
            break;
        case 0x06: TRY(compile_try(c)); break;
        case 0x07: TRY(compile_catch(c, false)); break;
        case 0x08: TRY(compile_throw(c)); break;
        case 0x09: TRY(compile_rethrow(c)); break;
        case 0x0a: TRY(compile_throw_ref(c, false, 0)); break;
        case 0x18: TRY(compile_delegate(c)); break;
        case 0x19: TRY(compile_catch(c, true)); break;
        case 0x1f: TRY(compile_try_table(c)); break;
        case 0x0c: { /* br */
            uint32_t depth;
            TRY(rd_u32(r, &depth));
            if (depth >= c->nctl) FAIL("unknown label %u", depth);
            ctl *t = &c->ctls[c->nctl - 1 - depth];
            TRY(check_top(c, label_types(t), label_arity(t)));
            if (!c->dead) emit_br(c, depth);
            set_unreachable(c);
            break;
        }
        case 0x0d: { /* br_if */
            uint32_t depth;
            TRY(rd_u32(r, &depth));
            if (depth >= c->nctl) FAIL("unknown label %u", depth);
            TRY(pop(c, KILN_I32, &cond, &pc_));
            ctl *t = &c->ctls[c->nctl - 1 - depth];
            uint32_t n = label_arity(t);
            TRY(check_top(c, label_types(t), n));
            ctl *cur = top_ctl(c);
            if (c->sp - cur->height < n) { /* polymorphic: conjure the values */
                uint32_t have = c->sp - cur->height;
                for (uint32_t i = have; i < n; i++) TRY(push(c, T_ANY));
                for (uint32_t i = 0; i < n; i++) c->stack[c->sp - n + i].type = (uint8_t)label_types(t)[i];
            }
            if (c->dead) break;
            if (t->kind == CTL_FUNC || needs_copies(c, t)) {
                /* Skip over the copies when the condition is false. */
                uint32_t pos, field;
                emit_cond_branch(c, &cond, pc_, false, false, &pos, &field);
                int32_t skip = add_patch(c, pos, field, -1);
                emit_br(c, depth);
                label_here(c);
                resolve_patches(c, skip, c->len);
            } else {
                uint32_t before = c->len;
                for (uint32_t i = 0; i < n; i++) materialize(c, c->sp - n + i);
                if (c->len != before) label_here(c); /* no fusing across the copies */
                uint32_t pos, field;
                emit_cond_branch(c, &cond, pc_, true, t->kind == CTL_LOOP, &pos, &field);
                link_branch(c, pos, field, depth);
                label_here(c);
            }
            break;
        }
        case 0x0e: { /* br_table */
            uint32_t n;
            TRY(rd_u32(r, &n));
            if (n > (uint32_t)(r->end - r->p)) FAIL("br_table has more labels (%u) than the body has bytes", n);
            uint32_t *depths = malloc(((size_t)n + 1) * sizeof *depths);
            if (!depths) FAIL_OOM();
            bool ok = true;
            for (uint32_t i = 0; i <= n && ok; i++) {
                ok = rd_u32(r, &depths[i]);
                if (ok && depths[i] >= c->nctl) { rd_fail(r, "unknown label %u", depths[i]); ok = false; }
            }
            if (ok) ok = pop(c, KILN_I32, &cond, &pc_);
            uint32_t arity = 0;
            if (ok) {
                ctl *dflt = &c->ctls[c->nctl - 1 - depths[n]];
                arity = label_arity(dflt);
                for (uint32_t i = 0; i <= n && ok; i++) {
                    ctl *t = &c->ctls[c->nctl - 1 - depths[i]];
                    if (label_arity(t) != arity) { rd_fail(r, "type mismatch: br_table labels have different arities"); ok = false; break; }
                    ok = check_top(c, label_types(t), arity);
                }
            }
            if (ok && !c->dead) {
                for (uint32_t i = 0; i < arity; i++) materialize(c, c->sp - arity + i);
                uint32_t s = in_slot(c, &cond, pc_);
                uint32_t fuel = take_fuel(c);
                /* br_table: a n f, then n+1 offsets. */
                if (!grow((void **)&c->code, &c->cap, c->len + 5 + n + 1, sizeof *c->code)) { free(depths); FAIL_OOM(); }
                ins = emit(c, OP_br_table, true);
                if (c->oom) { free(depths); FAIL_OOM(); }
                uint32_t pos = pos_of(c, ins);
                ins[0] = s; ins[1] = n; ins[2] = fuel;
                uint32_t tab = c->len;
                c->len += n + 1;
                for (uint32_t i = 0; i <= n; i++) c->code[tab + i] = 0;
                for (uint32_t i = 0; i <= n; i++) {
                    uint32_t depth = depths[i];
                    ctl *t = &c->ctls[c->nctl - 1 - depth];
                    if (t->kind != CTL_FUNC && !needs_copies(c, t)) {
                        link_branch(c, pos, tab + i, depth);
                        continue;
                    }
                    /* A trampoline: copies, then the branch. */
                    label_here(c);
                    c->code[tab + i] = c->len - pos;
                    emit_br(c, depth);
                }
            }
            free(depths);
            if (!ok) return false;
            set_unreachable(c);
            break;
        }
        case 0x0f: /* return */
            TRY(check_top(c, c->f->type->results, c->f->type->nresults));
            if (!c->dead) emit_return(c);
            set_unreachable(c);
            break;
        case 0x10: { /* call */
            uint32_t fi;
            TRY(rd_u32(r, &fi));
            if (fi >= c->m->nfuncs) FAIL("unknown function %u", fi);
            const functype *ft = &c->m->types[c->m->func_types[fi]];
            if (fi < c->m->nfunc_imports) TRY(compile_call(c, ft, OP_call_import, fi, 0, NULL, false));
            else TRY(compile_call(c, ft, OP_call, 0, 0, &c->m->funcs[fi - c->m->nfunc_imports], false));
            break;
        }
        case 0x11: { /* call_indirect */
            uint32_t ti, tab;
            TRY(rd_u32(r, &ti));
            TRY(rd_u32(r, &tab));
            if (ti >= c->m->ntypes) FAIL("unknown type %u", ti);
            if (tab >= c->m->ntables) FAIL("unknown table %u", tab);
            if (c->m->tables[tab].elem != KILN_FUNCREF) FAIL("type mismatch: call_indirect through a table of externref");
            const functype *ft = &c->m->types[ti];
            TRY(compile_call(c, ft, OP_call_indirect, tab, ft->id, NULL, true));
            break;
        }
        case 0x12: case 0x13: TRY(compile_return_call(c, opcode == 0x13)); break;
        case 0x1a: /* drop */
            TRY(pop(c, T_ANY, &a, &pa));
            break;
        case 0x1b: /* select */
        case 0x1c: { /* select t */
            uint8_t t = T_ANY;
            if (opcode == 0x1c) {
                uint32_t n;
                TRY(rd_u32(r, &n));
                if (n != 1) FAIL("invalid result arity for select");
                uint8_t vt;
                TRY(rd_u8(r, &vt));
                if (!valtype_is_valid(vt)) FAIL("malformed value type 0x%02x", vt);
                t = vt;
            }
            TRY(pop(c, KILN_I32, &cond, &pc_));
            TRY(pop(c, t, &b, &pb));
            TRY(pop(c, t == T_ANY ? b.type : t, &a, &pa));
            uint8_t rt = t != T_ANY ? t : (a.type != T_ANY ? a.type : b.type);
            if (opcode == 0x1b && (valtype_is_ref(a.type) || valtype_is_ref(b.type)))
                FAIL("type mismatch: select without a type needs numeric operands");
            uint32_t sa = in_slot(c, &a, pa), sb = in_slot(c, &b, pb), sc = in_slot(c, &cond, pc_);
            ins = emit(c, rt == KILN_V128 ? OP_select128 : OP_select, false);
            ins[0] = natural(c, pa); ins[1] = sa; ins[2] = sb; ins[3] = sc;
            TRY(push_result(c, rt, pa, ins));
            break;
        }
        case 0x20: { /* local.get */
            uint32_t x;
            TRY(local_index(c, &x));
            TRY(push_opnd(c, (opnd){.type = (uint8_t)c->local_types[x], .kind = K_LOCAL, .local = c->local_slot[x]}));
            break;
        }
        case 0x21: case 0x22: { /* local.set, local.tee */
            uint32_t x;
            TRY(local_index(c, &x));
            TRY(compile_local_set(c, x, opcode == 0x22));
            break;
        }
        case 0x23: { /* global.get */
            uint32_t g;
            TRY(rd_u32(r, &g));
            if (g >= c->m->nglobals) FAIL("unknown global %u", g);
            uint32_t pos = c->sp;
            ins = emit(c, c->m->global_types[g].type == KILN_V128 ? OP_global_get128 : OP_global_get, false);
            ins[0] = natural(c, pos); ins[1] = g;
            TRY(push_result(c, c->m->global_types[g].type, pos, ins));
            break;
        }
        case 0x24: { /* global.set */
            uint32_t g;
            TRY(rd_u32(r, &g));
            if (g >= c->m->nglobals) FAIL("unknown global %u", g);
            if (!c->m->global_types[g].mutable_) FAIL("global is immutable: global.set of global %u", g);
            TRY(pop(c, c->m->global_types[g].type, &a, &pa));
            uint32_t s = in_slot(c, &a, pa);
            ins = emit(c, c->m->global_types[g].type == KILN_V128 ? OP_global_set128 : OP_global_set, false);
            ins[0] = g; ins[1] = s;
            break;
        }
        case 0x25: { /* table.get */
            uint32_t t;
            TRY(table_index(c, &t));
            TRY(pop(c, KILN_I32, &a, &pa));
            uint32_t s = in_slot(c, &a, pa);
            ins = emit(c, OP_table_get, true);
            ins[0] = natural(c, pa); ins[1] = t; ins[2] = s;
            TRY(push_result(c, c->m->tables[t].elem, pa, ins));
            break;
        }
        case 0x26: { /* table.set */
            uint32_t t;
            TRY(table_index(c, &t));
            TRY(pop(c, c->m->tables[t].elem, &b, &pb));
            TRY(pop(c, KILN_I32, &a, &pa));
            uint32_t sa = in_slot(c, &a, pa), sb = in_slot(c, &b, pb);
            ins = emit(c, OP_table_set, true);
            ins[0] = t; ins[1] = sa; ins[2] = sb;
            break;
        }
        case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e:
        case 0x2f: case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: {
            uint8_t t;
            uint32_t size;
            int op = load_op(opcode, &t, &size);
            marg ma;
            TRY(read_memarg(c, size, &ma));
            TRY(pop(c, ma.atype, &a, &pa));
            uint32_t s = in_slot(c, &a, pa);
            ins = emit(c, access_op(c, op, &ma), true);
            ins[0] = natural(c, pa); ins[1] = s; ins[2] = ma.k;
            TRY(push_result(c, t, pa, ins));
            break;
        }
        case 0x36: case 0x37: case 0x38: case 0x39: case 0x3a: case 0x3b: case 0x3c:
        case 0x3d: case 0x3e: {
            uint8_t t;
            uint32_t size;
            int op = store_op(opcode, &t, &size);
            marg ma;
            TRY(read_memarg(c, size, &ma));
            TRY(pop(c, t, &b, &pb));
            TRY(pop(c, ma.atype, &a, &pa));
            uint32_t sa = in_slot(c, &a, pa), sb = in_slot(c, &b, pb);
            ins = emit(c, access_op(c, op, &ma), true);
            ins[0] = sa; ins[1] = sb; ins[2] = ma.k;
            break;
        }
        case 0x3f: { /* memory.size */
            uint32_t mem;
            TRY(memory_index(c, &mem));
            uint32_t pos = c->sp;
            ins = emit(c, mem_x(c, mem) ? OP_xmemory_size : OP_memory_size, false);
            ins[0] = natural(c, pos);
            if (mem_x(c, mem)) ins[1] = mem;
            TRY(push_result(c, mem_atype(c, mem), pos, ins));
            break;
        }
        case 0x40: { /* memory.grow */
            uint32_t mem;
            TRY(memory_index(c, &mem));
            TRY(pop(c, mem_atype(c, mem), &a, &pa));
            uint32_t s = in_slot(c, &a, pa);
            ins = emit(c, mem_x(c, mem) ? OP_xmemory_grow : OP_memory_grow, true);
            ins[0] = natural(c, pa); ins[1] = s;
            if (mem_x(c, mem)) ins[2] = mem;
            TRY(push_result(c, mem_atype(c, mem), pa, ins));
            break;
        }
        case 0x41: { int32_t v; TRY(rd_s32(r, &v)); TRY(push_opnd(c, (opnd){.type = KILN_I32, .kind = K_CONST, .k = (uint32_t)v})); break; }
        case 0x42: { int64_t v; TRY(rd_s64(r, &v)); TRY(push_opnd(c, (opnd){.type = KILN_I64, .kind = K_CONST, .k = (uint64_t)v})); break; }
        case 0x43: { uint32_t v; TRY(rd_fixed32(r, &v)); TRY(push_opnd(c, (opnd){.type = KILN_F32, .kind = K_CONST, .k = v})); break; }
        case 0x44: { uint64_t v; TRY(rd_fixed64(r, &v)); TRY(push_opnd(c, (opnd){.type = KILN_F64, .kind = K_CONST, .k = v})); break; }
        case 0xbc: case 0xbd: case 0xbe: case 0xbf: { /* reinterpret: the bits stay, the type changes */
            static const uint8_t from[] = {KILN_F32, KILN_F64, KILN_I32, KILN_I64};
            static const uint8_t to[] = {KILN_I32, KILN_I64, KILN_F32, KILN_F64};
            int64_t keep = c->last_dst_stack;
            TRY(pop(c, from[opcode - 0xbc], &a, &pa));
            a.type = to[opcode - 0xbc];
            TRY(push_opnd(c, a));
            c->last_dst_stack = keep;
            break;
        }
        case 0xd0: { /* ref.null */
            uint8_t t;
            TRY(rd_u8(r, &t));
            if (t != KILN_FUNCREF && t != KILN_EXTERNREF && t != KILN_EXNREF) FAIL("malformed reference type 0x%02x", t);
            TRY(push_opnd(c, (opnd){.type = t, .kind = K_CONST, .k = 0}));
            break;
        }
        case 0xd1: { /* ref.is_null */
            TRY(pop(c, T_ANY, &a, &pa));
            if (a.type != T_ANY && !valtype_is_ref(a.type)) FAIL("type mismatch: ref.is_null of %s", tname(a.type));
            uint32_t s = in_slot(c, &a, pa);
            ins = emit(c, OP_ref_is_null, false);
            ins[0] = natural(c, pa); ins[1] = s;
            TRY(push_result(c, KILN_I32, pa, ins));
            break;
        }
        case 0xd2: { /* ref.func */
            uint32_t fi;
            TRY(rd_u32(r, &fi));
            if (fi >= c->m->nfuncs) FAIL("unknown function %u", fi);
            if (!c->m->func_declared[fi]) FAIL("undeclared function reference %u", fi);
            uint32_t pos = c->sp;
            ins = emit(c, OP_ref_func, false);
            ins[0] = natural(c, pos); ins[1] = fi;
            TRY(push_result(c, KILN_FUNCREF, pos, ins));
            break;
        }
        case 0xfc:
            TRY(compile_fc(c));
            break;
        case 0xfd:
            TRY(compile_simd(c));
            break;
        default:
            if (opcode >= 0x45 && opcode <= 0xc4) { TRY(compile_numeric(c, opcode)); break; }
            FAIL("illegal opcode 0x%02x", opcode);
        }
        (void)pb;
    }
    return true;
}

static bool read_locals(C *c) {
    reader *r = c->r;
    uint32_t ngroups;
    TRY(rd_u32(r, &ngroups));
    const functype *ft = c->f->type;
    uint64_t total = ft->nparams;
    const uint8_t *save = r->p;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t t;
        TRY(rd_u32(r, &n));
        TRY(rd_u8(r, &t));
        total += n;
        if (total > UINT32_MAX) FAIL("too many locals");
        if (!valtype_is_valid(t)) FAIL("malformed value type 0x%02x", t);
    }
    if (total > KILN_MAX_LOCALS) FAIL_LIMIT("too many locals: %llu (kiln's limit is %u)", (unsigned long long)total, KILN_MAX_LOCALS);
    c->nlocals = (uint32_t)total;
    c->local_types = malloc((total ? total : 1) * sizeof *c->local_types);
    c->local_slot = malloc((total ? total : 1) * sizeof *c->local_slot);
    if (!c->local_types || !c->local_slot) FAIL_OOM();
    memcpy(c->local_types, ft->params, ft->nparams * sizeof *ft->params);
    r->p = save;
    uint32_t k = ft->nparams;
    for (uint32_t i = 0; i < ngroups; i++) {
        uint32_t n;
        uint8_t t;
        TRY(rd_u32(r, &n));
        TRY(rd_u8(r, &t));
        for (uint32_t j = 0; j < n; j++) c->local_types[k++] = (kiln_valtype)t;
    }
    uint32_t slot = 0;
    for (uint32_t i = 0; i < c->nlocals; i++) {
        c->local_slot[i] = slot;
        slot += width((uint8_t)c->local_types[i]);
    }
    c->nlocal_slots = slot;
    c->max_slot = slot + c->exn_reserve;
    return true;
}

/* Compiles with `reserve` exception slots; *need, when the body's legacy
 * try nesting wants more (then nothing is kept). */
static bool compile_reserved(kiln_module *m, funcdef *f, const uint8_t *body, uint32_t size,
                             kiln_error *err, uint32_t reserve, uint32_t *need) {
    char where[64];
    snprintf(where, sizeof where, "function %u", f->index);
    reader r = {.base = m->bytes, .p = body, .end = body + size, .err = err, .where = where};
    C c = {.m = m, .f = f, .r = &r, .last_op = -1, .last_dst_stack = -1, .cur_scope = -1,
           .exn_reserve = reserve};
    bool ok = read_locals(&c);
    if (ok) {
        c.virt_lo = 0;
        c.ctls = NULL;
        ok = push_ctl(&c, CTL_FUNC, NULL, 0, f->type->results, f->type->nresults);
        if (ok) c.ctls[0].height = 0;
    }
    if (ok) ok = compile_body(&c);
    if (ok && c.oom) { rd_fail_code(&r, KILN_ERR_NO_MEMORY, "out of memory"); ok = false; }
    if (ok && r.p != r.end) { rd_fail(&r, "section size mismatch: bytes after the function's final end (END opcode expected)"); ok = false; }
    *need = c.max_try_depth;
    if (ok && c.max_try_depth > reserve) {
        ok = true; /* compiled again by the caller, with the slots */
    } else if (ok) {
        f->nlocals = c.nlocals;
        f->nlocal_slots = c.nlocal_slots;
        uint32_t slots = c.max_slot + 2;
        uint32_t result_slots = 0;
        for (uint32_t i = 0; i < f->type->nresults; i++) result_slots += width((uint8_t)f->type->results[i]);
        if (slots < result_slots) slots = result_slots;
        if (!finish_eh(&c, f, &slots)) { rd_fail_code(&r, KILN_ERR_NO_MEMORY, "out of memory"); ok = false; }
        /* Kept as long as the module: trimmed to their length. Growth by
         * doubling leaves up to half of each unused, and 64 entries at
         * least: 880 bytes for an empty function, 1.67 GB for a module of
         * 1.9M of them (issue 17, break 4). */
        trim((void **)&c.code, c.len, sizeof *c.code);
        trim((void **)&c.pcmap, c.npc, sizeof *c.pcmap);
        trim((void **)&f->eh, f->neh, sizeof *f->eh);
        f->frame_slots = slots;
        f->code = c.code;
        f->code_len = c.len;
        f->pcmap = c.pcmap;
        f->npcmap = c.npc;
        f->local_types = c.local_types;
        c.code = NULL;
        c.pcmap = NULL;
        c.local_types = NULL;
    }
    free(c.code);
    free(c.pcmap);
    free(c.stack);
    free(c.ctls);
    free(c.patches);
    free(c.eh);
    free(c.clauses);
    free(c.clause_handler);
    free(c.exn_fixups);
    free(c.local_types);
    free(c.local_slot);
    return ok;
}

/* The slots a legacy catch keeps its exception in must lie below the
 * operand stack, and their number (the try nesting depth) is known only at
 * the end: a function with legacy try is compiled twice, the second time
 * with the slots reserved. Other functions are compiled once, as before. */
bool compile_function(kiln_module *m, funcdef *f, const uint8_t *body, uint32_t size, kiln_error *err) {
    uint32_t need = 0;
    if (!compile_reserved(m, f, body, size, err, 0, &need)) return false;
    if (need == 0) return true;
    uint32_t again = 0;
    return compile_reserved(m, f, body, size, err, need, &again);
}
