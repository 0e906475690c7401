/*
 * exn.c — exception handling's runtime: tags, exception objects and their
 * collector, and the search for the handler a throw lands in.
 *
 * An exnref is a pointer to an `exn` in a 64-bit slot; exceptions belong to
 * their store. They can be held anywhere a value can (locals, the operand
 * stack, globals, tables, other exceptions' payloads), so they are freed by
 * a small mark-and-sweep collector that runs when a throw allocates and
 * the store holds exn_limit of them (then the limit becomes twice what
 * survived, at least EXN_MIN_LIMIT). Roots: every slot of the value stack
 * below the thrower's frame top, read conservatively (a slot whose bits
 * equal a live exception's address keeps it: slots are untyped, and a
 * stale copy only delays a free), every exnref global and table element,
 * and, transitively, the payloads of what is marked. An exnref handed to
 * the host (a result of kiln_call) stays valid until the store next runs
 * wasm; an uncaught exception travels as a copy inside its trap.
 *
 * Throwing costs code that throws nothing nothing: the compiler records
 * each function's handlers in a table (module.h), and eh_find reads it
 * only when a throw happens.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/runtime.h"
#include "engine/errkind.h"

enum { EXN_MIN_LIMIT = 1024 };

kiln_tag *tag_make(kiln_store *s, const kiln_valtype *params, uint32_t np) {
    kiln_tag *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->type.params = malloc((np ? np : 1) * sizeof *params);
    if (!t->type.params) { free(t); return NULL; }
    if (np) memcpy(t->type.params, params, np * sizeof *params);
    t->type.nparams = np;
    t->type.id = engine_intern_type(s->engine, params, np, NULL, 0);
    functype_count_slots(&t->type);
    t->next = s->tags;
    s->tags = t;
    return t;
}

kiln_tag *kiln_tag_new(kiln_store *s, const kiln_functype *type, kiln_error *err) {
    if (type->nresults) {
        error_set(err, KILN_ERR_ARGUMENT, "a tag's type has no results");
        return NULL;
    }
    for (uint32_t i = 0; i < type->nparams; i++)
        if (!valtype_is_valid((uint8_t)type->params[i])) {
            error_set(err, KILN_ERR_ARGUMENT, "tag param %u: not a value type", i);
            return NULL;
        }
    kiln_tag *t = tag_make(s, type->params, type->nparams);
    if (!t && err) error_set(err, KILN_ERR_NO_MEMORY, "out of memory");
    return t;
}

void kiln_tag_type(const kiln_tag *t, kiln_functype *out) { functype_to_public(&t->type, out); }

/* The collection's set of exceptions: open addressing on the address
 * (a sort made the collector the costliest part of a throw). */
typedef struct gc {
    exn **slot;      /* capacity mask + 1, a power of two above 2n */
    uint8_t *mark;
    uint64_t mask;
    exn **work;      /* marked, payload not yet scanned */
    uint32_t nwork;
} gc;

static uint64_t gc_hash(const gc *g, const exn *p) {
    return (((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull >> 17) & g->mask;
}

/* The index of p in the set, or -1. */
static int64_t gc_find(const gc *g, const exn *p) {
    for (uint64_t i = gc_hash(g, p);; i = (i + 1) & g->mask) {
        if (g->slot[i] == p) return (int64_t)i;
        if (!g->slot[i]) return -1;
    }
}

static void gc_ref(gc *g, uint64_t bits) {
    if (!bits) return;
    int64_t i = gc_find(g, (const exn *)(uintptr_t)bits);
    if (i < 0 || g->mark[i]) return;
    g->mark[i] = 1;
    g->work[g->nwork++] = g->slot[i];
}

/* Native code keeps slots in C locals and machine registers: while native
 * frames are on the C stack, every aligned word between here and the
 * outermost one's entry (ex->native_stack_base) is read as a possible
 * exnref, as the value stack is. The registers a native caller kept
 * across its call out are saved into scan_c_stack's frame first
 * (__builtin_unwind_init), which scan_words, called from it, reads as
 * part of the range. Not instrumented: the range holds other frames'
 * redzones. */
static __attribute__((noinline, no_sanitize("address"))) void scan_words(gc *g, const char *hi) {
    uintptr_t p = ((uintptr_t)__builtin_frame_address(0) + 7) & ~(uintptr_t)7;
    for (; p + 8 <= (uintptr_t)hi; p += 8) gc_ref(g, *(const uint64_t *)p);
}

static __attribute__((noinline)) void scan_c_stack(gc *g, const char *hi) {
    __builtin_unwind_init();
    scan_words(g, hi);
    __asm__ volatile("" ::: "memory"); /* keep the spills and this frame alive */
}

static void collect(exec *ex, const uint64_t *top, const uint64_t *extra, uint32_t nextra) {
    kiln_store *s = ex->store;
    uint64_t cap = 16;
    while (cap < (uint64_t)s->nexns * 2) cap *= 2;
    gc g = {.mask = cap - 1};
    g.slot = calloc(cap, sizeof *g.slot);
    g.mark = calloc(cap, 1);
    g.work = malloc((s->nexns ? s->nexns : 1) * sizeof *g.work);
    if (!g.slot || !g.mark || !g.work) goto out; /* no memory: keep everything */
    for (exn *e = s->exns; e; e = e->next) {
        uint64_t i = gc_hash(&g, e);
        while (g.slot[i]) i = (i + 1) & g.mask;
        g.slot[i] = e;
    }
    if (ex->stack)
        for (const uint64_t *p = ex->stack; p < top && p < ex->stack_end; p++) gc_ref(&g, *p);
    for (uint32_t i = 0; i < nextra; i++) gc_ref(&g, extra[i]); /* the new one's payload */
    if (ex->native_exn) gc_ref(&g, (uintptr_t)ex->native_exn);
    if (ex->native_stack_base) scan_c_stack(&g, ex->native_stack_base);
    for (kiln_global *gl = s->globals; gl; gl = gl->next)
        if (gl->type == KILN_EXNREF) gc_ref(&g, gl->bits);
    for (kiln_table *t = s->tables; t; t = t->next)
        if (t->elem == KILN_EXNREF)
            for (uint32_t i = 0; i < t->size; i++) gc_ref(&g, (uintptr_t)t->elems[i]);
    while (g.nwork) {
        exn *e = g.work[--g.nwork];
        for (uint32_t i = 0; i < e->nslots; i++) gc_ref(&g, e->slots[i]);
    }
    exn **link = &s->exns;
    uint32_t live = 0;
    while (*link) {
        exn *e = *link;
        if (!g.mark[gc_find(&g, e)]) { *link = e->next; free(e); }
        else { link = &e->next; live++; }
    }
    s->nexns = live;
out:
    s->exn_limit = s->nexns * 2 > EXN_MIN_LIMIT ? s->nexns * 2 : EXN_MIN_LIMIT;
    free(g.slot);
    free(g.mark);
    free(g.work);
}

exn *exn_new(exec *ex, kiln_tag *tag, const uint64_t *payload, const uint64_t *top) {
    kiln_store *s = ex->store;
    uint32_t n = tag->type.param_slots;
    if (s->nexns >= s->exn_limit) collect(ex, top, payload, n);
    exn *e = malloc(sizeof *e + n * sizeof *e->slots);
    if (!e) return NULL;
    e->tag = tag;
    e->nslots = n;
    if (n) memcpy(e->slots, payload, n * sizeof *e->slots);
    e->next = s->exns;
    s->exns = e;
    s->nexns++;
    return e;
}

void exn_free_all(kiln_store *s) {
    for (exn *e = s->exns, *n; e; e = n) { n = e->next; free(e); }
    s->exns = NULL;
    s->nexns = 0;
    for (kiln_tag *t = s->tags, *n; t; t = n) { n = t->next; free(t->type.params); free(t); }
    s->tags = NULL;
}

static void describe(kiln_trap *t) {
    char sig[160], args[200] = "";
    kiln_functype ft;
    kiln_tag_type(t->exn_tag, &ft);
    kiln_functype_format(&ft, sig, sizeof sig);
    size_t o = 0;
    for (uint32_t i = 0, k = 0; i < ft.nparams && k < t->exn_nslots && o < sizeof args; i++) {
        uint64_t b = t->exn_slots[k];
        int w;
        switch (ft.params[i]) {
        case KILN_I32: w = snprintf(args + o, sizeof args - o, "%s%d", i ? ", " : "", (int32_t)(uint32_t)b); break;
        case KILN_I64: w = snprintf(args + o, sizeof args - o, "%s%lld", i ? ", " : "", (long long)b); break;
        default: w = snprintf(args + o, sizeof args - o, "%s0x%llx", i ? ", " : "", (unsigned long long)b); break;
        }
        if (w > 0) o += (size_t)w;
        k += ft.params[i] == KILN_V128 ? 2 : 1;
    }
    /* "(i32) -> ()": a tag has no results; show its params alone. */
    char *arrow = strstr(sig, " -> ");
    if (arrow) *arrow = 0;
    /* Long signatures and argument lists are cut (%.Ns): a detail line stays one line. */
    snprintf(t->detail, sizeof t->detail, "an exception of tag type %.120s, arguments (%.180s), was thrown and not caught",
             sig, args);
}

void exn_to_trap(kiln_trap *t, const exn *e) {
    t->exn_tag = e->tag;
    free(t->exn_slots);
    t->exn_slots = malloc((e->nslots ? e->nslots : 1) * sizeof *t->exn_slots);
    t->exn_nslots = t->exn_slots ? e->nslots : 0;
    if (t->exn_slots && e->nslots) memcpy(t->exn_slots, e->slots, e->nslots * sizeof *e->slots);
    describe(t);
}

kiln_trap *kiln_trap_throw(kiln_tag *tag, const kiln_val *args, uint32_t nargs) {
    if (!tag || nargs != tag->type.nparams) return NULL;
    for (uint32_t i = 0; i < nargs; i++)
        if ((uint8_t)args[i].type != (uint8_t)tag->type.params[i]) return NULL;
    kiln_trap *t = trap_make(KILN_TRAP_EXCEPTION);
    if (!t) return NULL;
    uint32_t n = tag->type.param_slots;
    t->exn_slots = calloc(n ? n : 1, sizeof *t->exn_slots);
    if (!t->exn_slots) { kiln_trap_free(t); return NULL; }
    for (uint32_t i = 0, k = 0; i < nargs; i++) {
        const kiln_val *v = &args[i];
        switch (v->type) {
        case KILN_V128: memcpy(&t->exn_slots[k], v->of.v128, 16); k += 2; continue;
        case KILN_I32: t->exn_slots[k] = (uint32_t)v->of.i32; break;
        case KILN_I64: t->exn_slots[k] = (uint64_t)v->of.i64; break;
        case KILN_F32: t->exn_slots[k] = v->of.f32_bits; break;
        case KILN_F64: t->exn_slots[k] = v->of.f64_bits; break;
        case KILN_FUNCREF: t->exn_slots[k] = (uintptr_t)v->of.funcref; break;
        default: t->exn_slots[k] = (uintptr_t)v->of.externref; break;
        }
        k++;
    }
    t->exn_nslots = n;
    t->exn_tag = tag;
    describe(t);
    return t;
}

uint32_t kiln_trap_exception_args(const kiln_trap *t, kiln_val *out, uint32_t n) {
    if (!t || t->kind != KILN_TRAP_EXCEPTION || !t->exn_tag) return 0;
    const functype *ft = &t->exn_tag->type;
    for (uint32_t i = 0, k = 0; i < ft->nparams && i < n && k < t->exn_nslots; i++) {
        kiln_val *v = &out[i];
        memset(v, 0, sizeof *v);
        v->type = ft->params[i];
        uint64_t b = t->exn_slots[k];
        switch (v->type) {
        case KILN_V128: if (k + 1 < t->exn_nslots) memcpy(v->of.v128, &t->exn_slots[k], 16); k += 2; continue;
        case KILN_I32: v->of.i32 = (int32_t)(uint32_t)b; break;
        case KILN_I64: v->of.i64 = (int64_t)b; break;
        case KILN_F32: v->of.f32_bits = (uint32_t)b; break;
        case KILN_F64: v->of.f64_bits = b; break;
        case KILN_FUNCREF: v->of.funcref = (kiln_func *)(uintptr_t)b; break;
        default: v->of.externref = (void *)(uintptr_t)b; break;
        }
        k++;
    }
    return ft->nparams;
}

bool eh_find(const exec *ex, const uint32_t *pc, const exn *e, frame **out, const eh_clause **clause) {
    const uint32_t *at = pc;
    for (frame *f = ex->fsp; f >= ex->frames; f--) {
        const funcdef *fn = f->fn;
        if (fn->neh) {
            uint32_t rel = (uint32_t)(at - fn->code);
            int32_t h = -1;
            for (int32_t i = (int32_t)fn->neh - 1; i >= 0 && h < 0; i--)
                if (fn->eh[i].start <= rel && rel < fn->eh[i].end) h = i;
            while (h >= 0) {
                const eh_handler *eh = &fn->eh[h];
                if (eh->kind == EH_DELEGATE) { h = eh->delegate; continue; }
                for (uint32_t k = 0; k < eh->nclauses; k++) {
                    const eh_clause *cl = &fn->eh_clauses[eh->first + k];
                    if (cl->tag == EH_NO_TAG || f->inst->tags[cl->tag] == e->tag) {
                        *out = f;
                        *clause = cl;
                        return true;
                    }
                }
                h = eh->parent;
            }
        }
        if (!f->ret_pc) break; /* the frame the host (or the other tier) called */
        at = f->ret_pc - 1;   /* inside the call instruction */
    }
    return false;
}

const uint32_t *eh_land(frame *f, const eh_clause *cl, exn *e) {
    uint64_t *fp = f->fp;
    switch (cl->kind) {
    case EH_CATCH:
        if (e->nslots) memcpy(fp + cl->dst, e->slots, e->nslots * sizeof *fp);
        break;
    case EH_CATCH_REF:
        if (e->nslots) memcpy(fp + cl->dst, e->slots, e->nslots * sizeof *fp);
        fp[cl->dst + e->nslots] = (uintptr_t)e;
        break;
    case EH_CATCH_ALL_REF:
        fp[cl->dst] = (uintptr_t)e;
        break;
    default:
        break;
    }
    if (cl->exn_slot != UINT32_MAX) fp[cl->exn_slot] = (uintptr_t)e;
    return f->fn->code + cl->target;
}
