/*
 * fuzz_module — libFuzzer target for src/engine: arbitrary bytes go through
 * kiln_module_new (decode, validate, compile); a module that compiles is
 * instantiated with dummy imports (fuzz_link.h) and every exported function
 * is called with all-zero arguments under small fuel, memory and stack
 * limits, so each input runs in bounded time and space.
 *
 * Each input is also run as the body of a function in a fixed module (see
 * wrap_body), which reaches the compiler and interpreter far more often.
 *
 * Each module runs twice: once on an engine that bounds-checks memory with
 * guard pages and the fault handler, once on one with explicit checks. The
 * two are the same program compiled two ways, so they must agree on
 * whether the module is valid and, call by call, on every result bit and
 * trap kind: a disagreement aborts (a finding), which catches wrong code in
 * either set of memory ops, not only crashes.
 *
 * Every module that compiles has its register code checked by the
 * verifier (src/engine/verify.c), and goes through the native tier's
 * translator (gen.c, to C text, without running a C compiler): it must
 * either translate or say why in one line, and the C must carry nothing
 * of the module but numbers: exactly the six double quotes of its fixed
 * lines and printable ASCII only (a hostile module must not inject C).
 *
 * Build and run: make fuzz-module FUZZ_SECONDS=60 (see mk/fuzz.mk).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_link.h"
#include "engine/native/native.h"

/* Small enough that a worst-case input finishes in well under a second
 * under ASan+UBSan, large enough for real loops to run a while. */
#define FUEL 200000
#define MAX_MEMORY (16u << 20)
#define MAX_TABLE 10000
#define MAX_STACK (256u << 10)
#define MAX_DEPTH 2000
#define MAX_EXPORTS 64
#define MAX_VALS 64

/* What one call did, for comparing the two engines. */
typedef struct outcome {
    kiln_status status;
    kiln_trap_kind trap;
    uint32_t nresults;
    uint64_t bits[MAX_VALS];
} outcome;

typedef struct run {
    bool compiled, linked, instantiated;
    kiln_trap_kind init_trap;
    uint32_t ncalls;
    outcome calls[MAX_EXPORTS];
} run;

static kiln_trap *dummy_host(kiln_caller *c, void *env, uint64_t *slots) {
    const kiln_externdesc *d = env;
    /* Touch the caller's memory the way a real host would. */
    uint64_t size = 0;
    uint8_t *mem = kiln_caller_memory(c, &size);
    if (mem && size) (void)mem[size - 1];
    for (uint32_t i = 0; i < d->func.nresults; i++) slots[i] = 0;
    return NULL;
}

/* A value's bits, with a reference reduced to null or not (the two engines'
 * objects have different addresses). */
static uint64_t val_bits(const kiln_val *v) {
    switch (v->type) {
    case KILN_I32: return (uint32_t)v->of.i32;
    case KILN_I64: return (uint64_t)v->of.i64;
    case KILN_F32: return v->of.f32_bits;
    case KILN_F64: return v->of.f64_bits;
    case KILN_FUNCREF: return v->of.funcref != NULL;
    case KILN_EXTERNREF: return v->of.externref != NULL;
    default: return 0;
    }
}

static bool translate_too; /* on the first of the two engines only */

static void translate(const kiln_module *m) {
    /* The compiler's output first: a violation is a compiler bug. */
    for (uint32_t j = 0; j < m->nfuncs - m->nfunc_imports; j++) {
        char why[200];
        if (!code_verify(m, &m->funcs[j], why, sizeof why)) {
            fprintf(stderr, "code_verify: %s\n", why);
            abort();
        }
    }
    char *c = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&c, &len);
    if (!f) abort();
    kiln_error err;
    err.message[0] = '\0';
    native_options opt = {.key = "00ff"};
    bool ok = native_generate(m, &opt, native_abi(), f, &err);
    fclose(f);
    if (ok) {
        size_t quotes = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char ch = (unsigned char)c[i];
            if (ch == '"') quotes++;
            else if (ch != '\n' && ch != '\t' && (ch < 0x20 || ch > 0x7e)) abort();
        }
        if (quotes != 6 || len == 0) abort();
    } else if (!err.message[0] || strchr(err.message, '\n')) {
        abort();
    }
    free(c);
    /* The same split into tiny parts (build.c compiles large modules so):
     * every function defined in exactly one part, in order, the module's
     * descriptor in part 0 only, nothing but printable text. */
    native_part *parts = NULL;
    unsigned np = 0;
    err.message[0] = '\0';
    bool pok = native_generate_parts(m, &opt, native_abi(), 512, &parts, &np, &err);
    if (pok != ok) abort();
    if (pok) {
        uint32_t nd = m->nfuncs - m->nfunc_imports, seen = 0;
        if (np < 1 || np > NATIVE_MAX_PARTS) abort();
        for (unsigned k = 0; k < np; k++) {
            const char *t = parts[k].text;
            if (!t || parts[k].len != strlen(t)) abort();
            for (size_t i = 0; i < parts[k].len; i++) {
                unsigned char ch = (unsigned char)t[i];
                if (ch != '\n' && ch != '\t' && (ch < 0x20 || ch > 0x7e)) abort();
            }
            if ((strstr(t, "kiln_native_module") != NULL) != (k == 0)) abort();
            for (const char *q = t; (q = strstr(q, "#define KC (defs[")); q++) {
                if ((uint32_t)strtoul(q + 17, NULL, 10) != seen) abort();
                seen++;
            }
        }
        if (seen != nd) abort();
    }
    native_free_parts(parts, np);
}

static void run_module(kiln_engine *e, const uint8_t *data, size_t size, run *out) {
    memset(out, 0, sizeof *out);
    kiln_error err;
    err.message[0] = '\0';
    kiln_module *m = kiln_module_new(e, data, size, &err);
    if (!m) {
        /* The error must be one non-empty line (the CLI prints it as is). */
        if (!err.message[0] || !memchr(err.message, '\0', sizeof err.message) || strchr(err.message, '\n'))
            abort();
        return;
    }
    out->compiled = true;
    if (translate_too) translate(m);
    kiln_limits lim = {.max_memory_bytes = MAX_MEMORY, .max_table_elements = MAX_TABLE,
                       .max_stack_bytes = MAX_STACK, .max_call_depth = MAX_DEPTH, .fuel = FUEL};
    kiln_store *s = kiln_store_new(e, &lim, NULL);
    kiln_linker *l = kiln_linker_new(e);
    uint32_t nimp = kiln_module_import_count(m);
    kiln_externdesc *descs = calloc(nimp ? nimp : 1, sizeof *descs);
    if (!s || !l || !descs) abort();
    kiln_trap *trap = NULL;
    kiln_instance *inst = NULL;
    if (fz_link_dummies(l, s, m, dummy_host, descs, &err)) {
        out->linked = true;
        inst = kiln_instantiate(s, l, m, &trap, &err);
        if (trap) { out->init_trap = trap->kind; kiln_trap_free(trap); trap = NULL; }
    }
    if (inst) {
        out->instantiated = true;
        uint32_t nexp = kiln_module_export_count(m);
        for (uint32_t i = 0; i < nexp && out->ncalls < MAX_EXPORTS; i++) {
            kiln_externdesc d;
            kiln_module_export(m, i, &d);
            if (d.kind != KILN_EXTERN_FUNC) continue;
            kiln_extern ext;
            /* Exports are looked up by name, like an embedder would. */
            if (!kiln_instance_export(inst, d.name, &ext) || ext.kind != KILN_EXTERN_FUNC) continue;
            kiln_functype t;
            kiln_func_type(ext.of.func, &t);
            if (t.nparams > MAX_VALS || t.nresults > MAX_VALS) continue;
            kiln_val args[MAX_VALS], res[MAX_VALS];
            fz_zero_args(&t, args);
            outcome *o = &out->calls[out->ncalls++];
            o->status = kiln_call(s, ext.of.func, args, t.nparams, res, t.nresults, &trap, &err);
            if (o->status == KILN_TRAPPED) {
                o->trap = trap ? trap->kind : KILN_TRAP_NONE;
                kiln_trap_free(trap);
                trap = NULL;
            } else if (o->status == KILN_OK) {
                o->nresults = t.nresults;
                for (uint32_t k = 0; k < t.nresults; k++) {
                    if (res[k].type != t.results[k]) abort(); /* results must carry their types */
                    o->bits[k] = val_bits(&res[k]);
                }
            }
            /* Fuel is the store's, so once it runs out every later call
             * would only report that again. */
            if (o->status == KILN_TRAPPED && o->trap == KILN_TRAP_OUT_OF_FUEL) break;
        }
    }
    kiln_linker_free(l);
    kiln_store_free(s);
    kiln_module_free(m);
    free(descs);
}

static void mismatch(const char *what, unsigned call) {
    fprintf(stderr, "fuzz_module: guard-page and explicit-check engines disagree: %s (call %u)\n", what, call);
    abort();
}

static void compare(const run *a, const run *b) {
    if (a->compiled != b->compiled) mismatch("validity", 0);
    if (a->linked != b->linked) mismatch("linking", 0);
    if (a->instantiated != b->instantiated || a->init_trap != b->init_trap) mismatch("instantiation", 0);
    uint32_t n = a->ncalls < b->ncalls ? a->ncalls : b->ncalls;
    for (uint32_t i = 0; i < n; i++) {
        const outcome *x = &a->calls[i], *y = &b->calls[i];
        /* The two code streams may differ in cost (checked ops), so the
         * point where fuel runs out may too: stop comparing there. */
        if ((x->status == KILN_TRAPPED && x->trap == KILN_TRAP_OUT_OF_FUEL) ||
            (y->status == KILN_TRAPPED && y->trap == KILN_TRAP_OUT_OF_FUEL))
            return;
        if (x->status != y->status) mismatch("status", i);
        if (x->status == KILN_TRAPPED && x->trap != y->trap) mismatch("trap kind", i);
        if (x->status == KILN_OK && memcmp(x->bits, y->bits, x->nresults * sizeof x->bits[0]) != 0)
            mismatch("results", i);
    }
    if (a->ncalls != b->ncalls) mismatch("number of calls", n);
}

/*
 * Byte-level mutation of whole modules mostly explores the decoder: a
 * mutated section size or count makes the rest invalid, so few inputs
 * reach the compiler's peepholes or the interpreter. Each input is
 * therefore also used as the code of one function in a fixed module that
 * has a bit of everything to refer to: a memory, a table with two
 * functions, globals of each type, passive data and element segments, and
 * an imported function. The first byte picks the function's type; the rest
 * is its instruction sequence (after fixed locals of each type). The seeds
 * for this use are tests/fuzz/seeds/bodies.hex.
 */
typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *data, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_u32(buf *b, uint32_t v) {
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        if (v) c |= 0x80;
        put(b, &c, 1);
    } while (v);
}

static void section(buf *b, uint8_t id, const void *data, size_t n) {
    put(b, &id, 1);
    put_u32(b, (uint32_t)n);
    put(b, data, n);
}

static size_t wrap_body(const uint8_t *data, size_t size, buf *m) {
    static const uint8_t header[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    static const uint8_t types[] = {
        6,
        0x60, 0, 0,                                           /* 0: () -> () */
        0x60, 0, 1, 0x7f,                                     /* 1: () -> i32 */
        0x60, 1, 0x7f, 1, 0x7f,                               /* 2: (i32) -> i32 */
        0x60, 4, 0x7f, 0x7e, 0x7d, 0x7c, 2, 0x7f, 0x7e,       /* 3: (i32 i64 f32 f64) -> (i32 i64) */
        0x60, 1, 0x7f, 0,                                     /* 4: (i32) -> () */
        0x60, 2, 0x7f, 0x7e, 2, 0x7f, 0x7e,                   /* 5: (i32 i64) -> (i32 i64), for blocks */
    };
    static const uint8_t imports[] = {1, 3, 'e', 'n', 'v', 3, 'l', 'o', 'g', 0x00, 4};
    static const uint8_t table[] = {1, 0x70, 0x01, 4, 8};
    static const uint8_t memory[] = {1, 0x01, 1, 2};
    static const uint8_t globals[] = {
        4,
        0x7f, 1, 0x41, 0, 0x0b,
        0x7e, 1, 0x42, 0, 0x0b,
        0x7d, 1, 0x43, 0, 0, 0x80, 0x3f, 0x0b,
        0x7c, 0, 0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0xbf, 0x0b,
    };
    static const uint8_t exports[] = {3, 1, 'f', 0x00, 1, 1, 'g', 0x00, 2, 1, 'm', 0x02, 0};
    static const uint8_t elems[] = {2, 0x00, 0x41, 0, 0x0b, 2, 1, 2, /* active at 0: f, g */
                                    0x01, 0x00, 2, 2, 1};             /* passive: g, f */
    static const uint8_t datacount[] = {1};
    static const uint8_t datas[] = {1, 0x01, 8, 1, 2, 3, 4, 0x80, 0xff, 0x7f, 0};
    static const uint8_t helper[] = {7, 0x00, 0x20, 0, 0x41, 1, 0x6a, 0x0b}; /* (i32) -> i32: x + 1 */
    static const uint8_t locals[] = {4, 2, 0x7f, 2, 0x7e, 2, 0x7d, 2, 0x7c};

    if (size < 1) return 0;
    uint8_t funcs[] = {2, (uint8_t)(data[0] % 4), 2};
    buf code = {0}, body = {0};
    put(&body, locals, sizeof locals);
    put(&body, data + 1, size - 1);
    put(&body, "\x0b", 1);
    put_u32(&code, 2);
    put_u32(&code, (uint32_t)body.len);
    put(&code, body.p, body.len);
    put(&code, helper, sizeof helper);

    m->len = 0;
    put(m, header, sizeof header);
    section(m, 1, types, sizeof types);
    section(m, 2, imports, sizeof imports);
    section(m, 3, funcs, sizeof funcs);
    section(m, 4, table, sizeof table);
    section(m, 5, memory, sizeof memory);
    section(m, 6, globals, sizeof globals);
    section(m, 7, exports, sizeof exports);
    section(m, 9, elems, sizeof elems);
    section(m, 12, datacount, sizeof datacount);
    section(m, 10, code.p, code.len);
    section(m, 11, datas, sizeof datas);
    free(code.p);
    free(body.p);
    return m->len;
}

static kiln_engine *guard_engine, *explicit_engine;
static buf wrapped;
static run run_a, run_b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!guard_engine) {
        kiln_config guard = {.explicit_bounds_checks = false}, expl = {.explicit_bounds_checks = true};
        guard_engine = kiln_engine_new(&guard, NULL);
        explicit_engine = kiln_engine_new(&expl, NULL);
        if (!guard_engine || !explicit_engine) abort();
    }
    translate_too = true;
    run_module(guard_engine, data, size, &run_a);
    translate_too = false;
    run_module(explicit_engine, data, size, &run_b);
    compare(&run_a, &run_b);
    if (size <= 16384 && wrap_body(data, size, &wrapped)) {
        translate_too = true;
        run_module(guard_engine, wrapped.p, wrapped.len, &run_a);
        translate_too = false;
        run_module(explicit_engine, wrapped.p, wrapped.len, &run_b);
        compare(&run_a, &run_b);
    }
    return 0;
}
