/*
 * engine_api.c — unit tests of the embedding API (include/kiln.h) on modules
 * assembled here from bytes, so every expected answer follows from how the
 * module was built: lifecycle, introspection, linking errors, host
 * functions, calls and their errors, globals/memories/tables, fuel (and its
 * determinism), memory and call-depth limits, timeouts, trap frames, the
 * explicit-bounds-check engine, and one module shared by stores on two
 * threads, one of which traps on a memory fault.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "tap.h"

/* tap.h's CHECK evaluates its condition twice; most conditions here call
 * the engine, so evaluate them once. */
#define CHECK1(cond, ...)             \
    do {                              \
        bool c1_ = (cond);            \
        CHECK(c1_, __VA_ARGS__);      \
    } while (0)

/* ------------------------------------------------------------ a small assembler */

typedef struct buf {
    uint8_t d[4096];
    size_t n;
} buf;

static void put(buf *b, uint8_t v) { b->d[b->n++] = v; }
static void raw(buf *b, const void *p, size_t n) { memcpy(b->d + b->n, p, n); b->n += n; }
static void leb(buf *b, uint64_t v) {
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        put(b, c | (v ? 0x80 : 0));
    } while (v);
}
static void str(buf *b, const char *s) { leb(b, strlen(s)); raw(b, s, strlen(s)); }
/* Appends section `id` with payload `p`; returns the payload's offset. */
static size_t section(buf *m, uint8_t id, const buf *p) {
    put(m, id);
    leb(m, p->n);
    size_t at = m->n;
    raw(m, p->d, p->n);
    return at;
}

enum { I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, FUNCREF = 0x70 };

/* Function indexes of the test module (imports first). */
enum {
    F_DOUBLE,      /* import env.double (i32) -> i32 */
    F_FAIL,        /* import env.fail () -> () */
    F_ADD,         /* (i32 i32) -> i32 */
    F_CALL_DOUBLE, /* (i32) -> i32: calls env.double */
    F_CALL_FAIL,   /* () -> (): calls env.fail */
    F_NESTED_FAIL, /* () -> (): calls F_CALL_FAIL */
    F_MIX,         /* (i64 f32 f64) -> (f64 i64) */
    F_LOOP,        /* (i32) -> i32: counts to its argument */
    F_GROW,        /* (i32) -> i32: memory.grow */
    F_LOAD,        /* (i32) -> i32: i32.load */
    F_RECURSE,     /* (i32) -> i32: never ends */
    F_OOB,         /* () -> i32: loads at 0xffffffff */
    F_DEEP,        /* () -> i32: calls F_OOB */
    F_SPIN,        /* () -> (): loops forever */
    NFUNCS
};

typedef struct testmod {
    buf m;
    size_t code_payload;           /* offset of the code section payload */
    uint32_t body_start[NFUNCS];   /* code offsets (from the payload) */
    uint32_t body_end[NFUNCS];
    uint32_t call_in_deep;         /* code offset of F_DEEP's call */
    uint32_t load_in_oob;          /* code offset of F_OOB's load */
} testmod;

static void build(testmod *t) {
    buf *m = &t->m;
    m->n = 0;
    raw(m, "\0asm\1\0\0\0", 8);

    buf p = {.n = 0};
    /* Types. */
    static const uint8_t types[] = {
        7,
        0x60, 2, I32, I32, 1, I32,           /* 0: (i32 i32) -> i32 */
        0x60, 1, I32, 1, I32,                /* 1: (i32) -> i32 */
        0x60, 0, 0,                          /* 2: () -> () */
        0x60, 3, I64, F32, F64, 2, F64, I64, /* 3: (i64 f32 f64) -> (f64 i64) */
        0x60, 0, 1, I32,                     /* 4: () -> i32 */
        0x60, 1, I64, 1, I32,                /* 5: (i64) -> i32, for mismatches */
        0x60, 0, 1, I64,                     /* 6: () -> i64 */
    };
    raw(&p, types, sizeof types);
    section(m, 1, &p);

    /* Imports. */
    p.n = 0;
    leb(&p, 2);
    str(&p, "env"); str(&p, "double"); put(&p, 0x00); leb(&p, 1);
    str(&p, "env"); str(&p, "fail"); put(&p, 0x00); leb(&p, 2);
    section(m, 2, &p);

    /* Functions. */
    static const uint8_t ftypes[] = {0, 1, 2, 2, 3, 1, 1, 1, 1, 4, 4, 2};
    p.n = 0;
    leb(&p, sizeof ftypes);
    raw(&p, ftypes, sizeof ftypes);
    section(m, 3, &p);

    /* Table: funcref, min 2, max 2. */
    p.n = 0;
    raw(&p, (uint8_t[]){1, FUNCREF, 0x01, 2, 2}, 5);
    section(m, 4, &p);

    /* Memory: min 1, max 4. */
    p.n = 0;
    raw(&p, (uint8_t[]){1, 0x01, 1, 4}, 4);
    section(m, 5, &p);

    /* Global: (mut i32) = 7. */
    p.n = 0;
    raw(&p, (uint8_t[]){1, I32, 1, 0x41, 7, 0x0b}, 6);
    section(m, 6, &p);

    /* Exports. */
    static const struct { const char *name; uint8_t kind; uint32_t index; } ex[] = {
        {"add", 0, F_ADD}, {"call_double", 0, F_CALL_DOUBLE}, {"nested_fail", 0, F_NESTED_FAIL},
        {"mix", 0, F_MIX}, {"loop", 0, F_LOOP}, {"grow", 0, F_GROW}, {"load", 0, F_LOAD},
        {"recurse", 0, F_RECURSE}, {"deep", 0, F_DEEP}, {"spin", 0, F_SPIN},
        {"tab", 1, 0}, {"mem", 2, 0}, {"counter", 3, 0},
    };
    p.n = 0;
    leb(&p, sizeof ex / sizeof ex[0]);
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) { str(&p, ex[i].name); put(&p, ex[i].kind); leb(&p, ex[i].index); }
    section(m, 7, &p);

    /* Element: table 0 at offset 0 gets add, loop. */
    p.n = 0;
    raw(&p, (uint8_t[]){1, 0x00, 0x41, 0, 0x0b, 2, F_ADD, F_LOOP}, 8);
    section(m, 9, &p);

    /* Code. Each body: size, locals, instructions. */
    static const uint8_t b_add[] = {0, 0x20, 0, 0x20, 1, 0x6a, 0x0b};
    static const uint8_t b_call_double[] = {0, 0x20, 0, 0x10, F_DOUBLE, 0x0b};
    static const uint8_t b_call_fail[] = {0, 0x10, F_FAIL, 0x0b};
    static const uint8_t b_nested_fail[] = {0, 0x10, F_CALL_FAIL, 0x0b};
    static const uint8_t b_mix[] = {0, 0x20, 2, 0x20, 0, 0x0b};
    /* (local i32) loop: l1 = l1 + 1; br_if (l1 <u l0) end; l1 */
    static const uint8_t b_loop[] = {1, 1, I32, 0x03, 0x40, 0x20, 1, 0x41, 1, 0x6a, 0x22, 1,
                                     0x20, 0, 0x49, 0x0d, 0, 0x0b, 0x20, 1, 0x0b};
    static const uint8_t b_grow[] = {0, 0x20, 0, 0x40, 0, 0x0b};
    static const uint8_t b_load[] = {0, 0x20, 0, 0x28, 2, 0, 0x0b};
    static const uint8_t b_recurse[] = {0, 0x20, 0, 0x41, 1, 0x6a, 0x10, F_RECURSE, 0x0b};
    static const uint8_t b_oob[] = {0, 0x41, 0x7f, 0x28, 2, 0, 0x0b};
    static const uint8_t b_deep[] = {0, 0x10, F_OOB, 0x0b};
    static const uint8_t b_spin[] = {0, 0x03, 0x40, 0x0c, 0, 0x0b, 0x0b};
    static const struct { const uint8_t *b; size_t n; } bodies[] = {
        {b_add, sizeof b_add}, {b_call_double, sizeof b_call_double}, {b_call_fail, sizeof b_call_fail},
        {b_nested_fail, sizeof b_nested_fail}, {b_mix, sizeof b_mix}, {b_loop, sizeof b_loop},
        {b_grow, sizeof b_grow}, {b_load, sizeof b_load}, {b_recurse, sizeof b_recurse},
        {b_oob, sizeof b_oob}, {b_deep, sizeof b_deep}, {b_spin, sizeof b_spin},
    };
    p.n = 0;
    leb(&p, sizeof bodies / sizeof bodies[0]);
    uint32_t starts[NFUNCS], ends[NFUNCS];
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        leb(&p, bodies[i].n);
        starts[F_ADD + i] = (uint32_t)p.n;
        raw(&p, bodies[i].b, bodies[i].n);
        ends[F_ADD + i] = (uint32_t)p.n;
    }
    t->code_payload = section(m, 10, &p);
    memcpy(t->body_start, starts, sizeof starts);
    memcpy(t->body_end, ends, sizeof ends);
    t->call_in_deep = starts[F_DEEP] + 1;   /* after the locals byte */
    t->load_in_oob = starts[F_OOB] + 3;     /* after locals and i32.const -1 */

    /* Data: "kiln" at 16. */
    p.n = 0;
    raw(&p, (uint8_t[]){1, 0x00, 0x41, 16, 0x0b, 4, 'k', 'i', 'l', 'n'}, 10);
    section(m, 11, &p);

    /* A custom section. */
    p.n = 0;
    str(&p, "kiln.test");
    raw(&p, "hello", 5);
    section(m, 0, &p);
}

/* ------------------------------------------------------------ host functions */

typedef struct hostenv {
    int calls;
    uint64_t mem_size_seen;
    int profile_set; /* kiln_store_set_profile from inside the call: 1 took, 0 refused */
} hostenv;

static kiln_trap *host_double(kiln_caller *c, void *env, uint64_t *slots) {
    hostenv *h = env;
    h->calls++;
    uint64_t size = 0;
    if (kiln_caller_memory(c, &size)) h->mem_size_seen = size;
    kiln_profile *p = kiln_profile_new();
    h->profile_set = p && kiln_store_set_profile(kiln_caller_store(c), p);
    if (h->profile_set) kiln_store_set_profile(kiln_caller_store(c), NULL);
    kiln_profile_free(p);
    slots[0] = (uint32_t)((uint32_t)slots[0] * 2u);
    return NULL;
}

static kiln_trap *host_fail(kiln_caller *c, void *env, uint64_t *slots) {
    (void)c; (void)env; (void)slots;
    return kiln_trap_new(KILN_TRAP_HOST, "boom %d", 7);
}

static const kiln_valtype t_i32[] = {KILN_I32}, t_i64[] = {KILN_I64};

static kiln_linker *make_linker(kiln_engine *e, hostenv *h) {
    kiln_linker *l = kiln_linker_new(e);
    if (!l) return NULL;
    kiln_error err = {0};
    kiln_functype td = {t_i32, 1, t_i32, 1}, tf = {NULL, 0, NULL, 0};
    if (!kiln_linker_define_host(l, "env", "double", &td, host_double, h, &err) ||
        !kiln_linker_define_host(l, "env", "fail", &tf, host_fail, NULL, &err)) {
        kiln_linker_free(l);
        return NULL;
    }
    return l;
}

static kiln_val vi32(int32_t v) { return (kiln_val){.type = KILN_I32, .of.i32 = v}; }

/* Calls export `name` with one i32 (or none when nargs is 0) expecting one
 * i32 result; returns the status and fills *out / *trap. */
static kiln_status call1(kiln_store *s, kiln_instance *in, const char *name, uint32_t nargs, int32_t arg,
                         int32_t *out, kiln_trap **trap) {
    kiln_func *f = kiln_instance_func(in, name);
    if (!f) return KILN_ERROR;
    kiln_val a = vi32(arg), r = {0};
    kiln_functype ft;
    kiln_func_type(f, &ft);
    kiln_error err = {0};
    kiln_status st = kiln_call(s, f, &a, nargs, &r, ft.nresults, trap, &err);
    if (st == KILN_OK && ft.nresults == 1 && out) *out = r.of.i32;
    return st;
}

static testmod TM;

/* ------------------------------------------------------------ tests */

static void test_introspection(kiln_engine *e, kiln_module *m) {
    CHECK1(kiln_version() && kiln_version()[0], "kiln_version is not empty");
    CHECK1(kiln_module_import_count(m) == 2, "two imports");
    kiln_externdesc d;
    kiln_module_import(m, 0, &d);
    CHECK1(d.kind == KILN_EXTERN_FUNC && !strcmp(d.module_name, "env") && !strcmp(d.name, "double") &&
          d.func.nparams == 1 && d.func.params[0] == KILN_I32 && d.func.nresults == 1,
          "import 0 is env.double (i32) -> (i32)");
    kiln_module_import(m, 1, &d);
    CHECK1(d.kind == KILN_EXTERN_FUNC && !strcmp(d.name, "fail") && d.func.nparams == 0 && d.func.nresults == 0,
          "import 1 is env.fail () -> ()");
    CHECK1(kiln_module_export_count(m) == 13, "13 exports");
    kiln_module_export(m, 0, &d);
    CHECK1(d.module_name == NULL && !strcmp(d.name, "add") && d.kind == KILN_EXTERN_FUNC && d.index == F_ADD,
          "export 0 is func add, index %u", (unsigned)F_ADD);
    CHECK1(kiln_module_find_export(m, "mix", &d) && d.kind == KILN_EXTERN_FUNC && d.index == F_MIX &&
          d.func.nparams == 3 && d.func.params[1] == KILN_F32 && d.func.nresults == 2 &&
          d.func.results[0] == KILN_F64 && d.func.results[1] == KILN_I64,
          "find_export mix: (i64 f32 f64) -> (f64 i64)");
    CHECK1(kiln_module_find_export(m, "mem", &d) && d.kind == KILN_EXTERN_MEMORY && d.limits.min == 1 &&
          d.limits.has_max && d.limits.max == 4, "find_export mem: memory 1..4 pages");
    CHECK1(kiln_module_find_export(m, "tab", &d) && d.kind == KILN_EXTERN_TABLE && d.elem_type == KILN_FUNCREF &&
          d.limits.min == 2 && d.limits.max == 2, "find_export tab: funcref 2..2");
    CHECK1(kiln_module_find_export(m, "counter", &d) && d.kind == KILN_EXTERN_GLOBAL &&
          d.global_type == KILN_I32 && d.global_mutable, "find_export counter: mutable i32 global");
    CHECK1(!kiln_module_find_export(m, "ad", &d) && !kiln_module_find_export(m, "", &d),
          "find_export of absent names is false");
    CHECK1(kiln_module_func_count(m) == NFUNCS, "function count %d (imports included)", NFUNCS);
    kiln_functype ft;
    CHECK1(kiln_module_func_type(m, F_DOUBLE, &ft) && ft.nparams == 1 && ft.nresults == 1, "func_type of an import");
    CHECK1(kiln_module_func_type(m, F_SPIN, &ft) && ft.nparams == 0 && ft.nresults == 0, "func_type of the last function");
    CHECK1(!kiln_module_func_type(m, NFUNCS, &ft), "func_type past the end is false");
    char fmt[64];
    kiln_module_func_type(m, F_MIX, &ft);
    kiln_functype_format(&ft, fmt, sizeof fmt);
    CHECK1(!strcmp(fmt, "(i64, f32, f64) -> (f64, i64)"), "functype_format: %s", fmt);
    const char *name;
    const uint8_t *data;
    size_t size;
    CHECK1(kiln_module_custom_section(m, 0, &name, &data, &size) && !strcmp(name, "kiln.test") && size == 5 &&
          !memcmp(data, "hello", 5), "custom section kiln.test holds \"hello\"");
    CHECK1(!kiln_module_custom_section(m, 1, &name, &data, &size), "only one custom section");
    size_t len;
    const uint8_t *bytes = kiln_module_bytes(m, &len);
    CHECK1(len == TM.m.n && !memcmp(bytes, TM.m.d, len), "module_bytes returns the bytes given");
    CHECK1(kiln_module_code_section_offset(m) == TM.code_payload, "code section payload at 0x%zx", TM.code_payload);
    (void)e;
}

static void test_linking(kiln_engine *e, kiln_module *m) {
    kiln_store *s = kiln_store_new(e, NULL, NULL);
    kiln_error err = {0};
    kiln_trap *trap = NULL;

    /* Nothing defined. */
    kiln_instance *in = kiln_instantiate(s, NULL, m, &trap, &err);
    CHECK1(!in && !trap && strstr(err.message, "env.double"), "no linker: the error names env.double: %s", err.message);

    /* A near miss is suggested. */
    kiln_linker *l = kiln_linker_new(e);
    kiln_functype td = {t_i32, 1, t_i32, 1}, tf = {NULL, 0, NULL, 0};
    hostenv h = {0};
    kiln_linker_define_host(l, "env", "doubel", &td, host_double, &h, &err);
    kiln_linker_define_host(l, "env", "fail", &tf, host_fail, NULL, &err);
    err.message[0] = 0;
    in = kiln_instantiate(s, l, m, &trap, &err);
    CHECK1(!in && strstr(err.message, "env.double") && strstr(err.message, "did you mean env.doubel"),
          "missing import with a suggestion: %s", err.message);
    kiln_linker_free(l);

    /* Wrong type: the message names the import and both types. */
    l = kiln_linker_new(e);
    kiln_functype wrong = {t_i64, 1, t_i32, 1};
    kiln_linker_define_host(l, "env", "double", &wrong, host_double, &h, &err);
    kiln_linker_define_host(l, "env", "fail", &tf, host_fail, NULL, &err);
    err.message[0] = 0;
    in = kiln_instantiate(s, l, m, &trap, &err);
    CHECK1(!in && strstr(err.message, "env.double") && strstr(err.message, "(i32) -> (i32)") &&
          strstr(err.message, "(i64) -> (i32)"), "type mismatch names env.double and both types: %s", err.message);

    /* A global where a function is wanted. */
    kiln_global *g = kiln_global_new(s, vi32(1), false, &err);
    kiln_linker_define(l, "env", "double", (kiln_extern){.kind = KILN_EXTERN_GLOBAL, .of.global = g}, &err);
    err.message[0] = 0;
    in = kiln_instantiate(s, l, m, &trap, &err);
    CHECK1(!in && strstr(err.message, "env.double"), "a global for a function import is refused: %s", err.message);

    /* Later definitions replace earlier ones; then it links. */
    kiln_linker_define_host(l, "env", "double", &td, host_double, &h, &err);
    in = kiln_instantiate(s, l, m, &trap, &err);
    CHECK1(in != NULL, "links once env.double has the right type");
    kiln_extern x;
    CHECK1(kiln_linker_get(l, "env", "double", &x) && x.kind == KILN_EXTERN_FUNC, "linker_get finds env.double");
    CHECK1(!kiln_linker_get(l, "env", "triple", &x), "linker_get of an absent name is false");
    /* Register the instance and link a second module against it. */
    CHECK1(kiln_linker_define_instance(l, "main", in, &err), "define_instance");
    CHECK1(kiln_linker_get(l, "main", "add", &x) && x.kind == KILN_EXTERN_FUNC, "the instance's exports are in the linker");
    kiln_store_free(s);
    kiln_linker_free(l);
}

static void test_calls(kiln_engine *e, kiln_module *m) {
    kiln_store *s = kiln_store_new(e, NULL, (void *)0x1234);
    CHECK1(kiln_store_user_data(s) == (void *)0x1234, "store user data");
    hostenv h = {0};
    kiln_linker *l = make_linker(e, &h);
    kiln_error err = {0};
    kiln_trap *trap = NULL;
    kiln_instance *in = kiln_instantiate(s, l, m, &trap, &err);
    CHECK1(in != NULL, "instantiate: %s", err.message);
    if (!in) { kiln_linker_free(l); kiln_store_free(s); return; }
    CHECK1(kiln_instance_module(in) == m, "instance_module");

    int32_t r = 0;
    kiln_val args[3] = {vi32(40), vi32(2)}, res[2];
    kiln_func *add = kiln_instance_func(in, "add");
    CHECK1(kiln_call(s, add, args, 2, res, 1, &trap, &err) == KILN_OK && res[0].type == KILN_I32 && res[0].of.i32 == 42,
          "add(40, 2) = 42");

    /* Host function: arguments and results through slots; memory visible. */
    CHECK1(call1(s, in, "call_double", 1, -21, &r, &trap) == KILN_OK && r == -42 && h.calls == 1,
          "host function doubles -21 to %d (called %d time)", r, h.calls);
    CHECK1(h.mem_size_seen == 65536, "the host saw the caller's 64 KiB memory (%" PRIu64 ")", h.mem_size_seen);
    CHECK1(h.profile_set == 0, "a profile cannot be attached while guest code runs (from a host function)");
    kiln_profile *prof = kiln_profile_new();
    CHECK1(prof && kiln_store_set_profile(s, prof) && kiln_store_set_profile(s, NULL),
          "between calls a profile can be attached and removed");
    kiln_profile_free(prof);

    /* Host trap: propagates with its detail and the wasm frames below it. */
    trap = NULL;
    CHECK1(call1(s, in, "nested_fail", 0, 0, NULL, &trap) == KILN_TRAPPED && trap, "a host trap traps the call");
    if (trap) {
        CHECK1(trap->kind == KILN_TRAP_HOST && strstr(trap->detail, "boom 7"), "host trap kind and detail: %s", trap->detail);
        int at = -1;
        for (uint32_t i = 0; i < trap->nframes; i++)
            if (trap->frames[i].module == m && trap->frames[i].func_index == F_CALL_FAIL) { at = (int)i; break; }
        CHECK1(at >= 0 && (uint32_t)at + 1 < trap->nframes && trap->frames[at + 1].func_index == F_NESTED_FAIL,
              "host trap frames: call_fail then nested_fail (%u frames)", trap->nframes);
        kiln_trap_free(trap);
        trap = NULL;
    }

    /* kiln_call argument and result errors. */
    err.message[0] = 0;
    CHECK1(kiln_call(s, add, args, 1, res, 1, &trap, &err) == KILN_ERROR && strstr(err.message, "argument"),
          "too few arguments: %s", err.message);
    kiln_val bad[2] = {vi32(1), {.type = KILN_I64, .of.i64 = 2}};
    err.message[0] = 0;
    CHECK1(kiln_call(s, add, bad, 2, res, 1, &trap, &err) == KILN_ERROR && strstr(err.message, "i64") &&
          strstr(err.message, "i32"), "an i64 for an i32 parameter: %s", err.message);
    err.message[0] = 0;
    CHECK1(kiln_call(s, add, args, 2, res, 2, &trap, &err) == KILN_ERROR && err.message[0],
          "room for the wrong number of results: %s", err.message);
    kiln_store *other = kiln_store_new(e, NULL, NULL);
    err.message[0] = 0;
    CHECK1(kiln_call(other, add, args, 2, res, 1, &trap, &err) == KILN_ERROR && err.message[0],
          "a function called in another store: %s", err.message);
    kiln_store_free(other);

    /* Several results of several types. */
    kiln_val margs[3] = {{.type = KILN_I64, .of.i64 = -5000000000LL}, {.type = KILN_F32, .of.f32_bits = 0x7fa00001},
                         {.type = KILN_F64, .of.f64_bits = 0xfff0000000000123ull}};
    kiln_func *mix = kiln_instance_func(in, "mix");
    CHECK1(kiln_call(s, mix, margs, 3, res, 2, &trap, &err) == KILN_OK && res[0].type == KILN_F64 &&
          res[0].of.f64_bits == 0xfff0000000000123ull && res[1].type == KILN_I64 && res[1].of.i64 == -5000000000LL,
          "mix returns (f64 NaN payload intact, i64)");

    /* Globals. */
    kiln_global *g = kiln_instance_global(in, "counter");
    CHECK1(g && kiln_global_get(g).type == KILN_I32 && kiln_global_get(g).of.i32 == 7, "global counter is 7");
    CHECK1(g && kiln_global_set(g, vi32(9), &err) && kiln_global_get(g).of.i32 == 9, "global set to 9");
    err.message[0] = 0;
    CHECK1(g && !kiln_global_set(g, (kiln_val){.type = KILN_F32, .of.f32_bits = 0}, &err) && err.message[0],
          "setting an i32 global to an f32 fails: %s", err.message);
    kiln_global *ig = kiln_global_new(s, (kiln_val){.type = KILN_I64, .of.i64 = 3}, false, &err);
    err.message[0] = 0;
    CHECK1(ig && !kiln_global_set(ig, (kiln_val){.type = KILN_I64, .of.i64 = 4}, &err) && kiln_global_get(ig).of.i64 == 3,
          "an immutable global cannot be set: %s", err.message);
    CHECK1(!kiln_instance_global(in, "add") && !kiln_instance_func(in, "counter") && !kiln_instance_memory(in, "nope"),
          "export lookups of the wrong kind or name give NULL");

    /* Memories. */
    kiln_memory *mem = kiln_instance_memory(in, "mem");
    CHECK1(mem && kiln_memory_size(mem) == 65536 && !memcmp(kiln_memory_data(mem) + 16, "kiln", 4),
          "memory: 64 KiB with the data segment at 16");
    if (mem) {
        memcpy(kiln_memory_data(mem) + 100, "\x78\x56\x34\x12", 4);
        CHECK1(call1(s, in, "load", 1, 100, &r, &trap) == KILN_OK && r == 0x12345678, "wasm reads what the host wrote");
        CHECK1(kiln_memory_grow(mem, 1) == 1 && kiln_memory_size(mem) == 131072, "memory_grow from the host");
        CHECK1(call1(s, in, "grow", 1, 1, &r, &trap) == KILN_OK && r == 2, "memory.grow in wasm sees 2 pages");
        CHECK1(call1(s, in, "grow", 1, 2, &r, &trap) == KILN_OK && r == -1, "memory.grow past the maximum of 4 is -1");
        CHECK1(kiln_memory_grow(mem, 1) == 3 && kiln_memory_grow(mem, 1) == -1, "host grow to 4 pages, then -1");
        CHECK1(call1(s, in, "load", 1, 262140, &r, &trap) == KILN_OK && r == 0, "the last word of 4 pages reads 0");
        trap = NULL;
        CHECK1(call1(s, in, "load", 1, 262141, &r, &trap) == KILN_TRAPPED && trap &&
              trap->kind == KILN_TRAP_MEMORY_OUT_OF_BOUNDS && trap->address == 262141 && trap->access_size == 4 &&
              trap->memory_size == 262144, "a load one byte past 4 pages traps with its operands");
        kiln_trap_free(trap);
        trap = NULL;
    }
    kiln_memory *hm = kiln_memory_new(s, 1, 2, &err);
    CHECK1(hm && kiln_memory_size(hm) == 65536 && kiln_memory_grow(hm, 1) == 1 && kiln_memory_grow(hm, 1) == -1,
          "a host memory 1..2 grows once");

    /* Tables. */
    kiln_table *tab = kiln_instance_table(in, "tab");
    kiln_val tv;
    CHECK1(tab && kiln_table_size(tab) == 2, "table of 2");
    CHECK1(tab && kiln_table_get(tab, 0, &tv) && tv.type == KILN_FUNCREF && tv.of.funcref == add,
          "table[0] is the exported add");
    CHECK1(tab && !kiln_table_get(tab, 2, &tv), "table_get past the end is false");
    if (tab && kiln_table_get(tab, 1, &tv) && tv.of.funcref) {
        kiln_val a = vi32(5), rv;
        CHECK1(kiln_call(s, tv.of.funcref, &a, 1, &rv, 1, &trap, &err) == KILN_OK && rv.of.i32 == 5,
              "calling table[1] (loop) through the API");
    }
    kiln_table *ht = kiln_table_new(s, KILN_EXTERNREF, 3, UINT32_MAX, &err);
    CHECK1(ht && kiln_table_size(ht) == 3 && kiln_table_get(ht, 2, &tv) && tv.type == KILN_EXTERNREF &&
          tv.of.externref == NULL, "a host externref table starts null");

    /* Store data. */
    static int key;
    CHECK1(kiln_store_set_data(s, &key, &h) && kiln_store_get_data(s, &key) == &h && !kiln_store_get_data(s, &r),
          "store data by key");

    kiln_store_free(s);
    kiln_linker_free(l);
}

/* Fuel consumed by one call of loop(n) in a fresh store. */
static int64_t fuel_for(kiln_engine *e, kiln_module *m, int32_t n, uint64_t *remaining) {
    kiln_limits lim = {.fuel = 10000000};
    kiln_store *s = kiln_store_new(e, &lim, NULL);
    hostenv h = {0};
    kiln_linker *l = make_linker(e, &h);
    kiln_error err = {0};
    kiln_trap *trap = NULL;
    kiln_instance *in = kiln_instantiate(s, l, m, &trap, &err);
    int64_t used = -1;
    int32_t r;
    if (in) {
        kiln_store_stats before, after;
        kiln_store_stats_get(s, &before);
        if (call1(s, in, "loop", 1, n, &r, &trap) == KILN_OK && r == (n > 0 ? n : 1)) {
            kiln_store_stats_get(s, &after);
            used = (int64_t)(after.fuel_consumed - before.fuel_consumed);
            if (remaining) *remaining = after.fuel_remaining;
        }
    }
    kiln_trap_free(trap);
    kiln_store_free(s);
    kiln_linker_free(l);
    return used;
}

static void test_fuel(kiln_engine *e, kiln_module *m) {
    /* Determinism: the same call leaves the same remaining fuel. */
    uint64_t rem1 = 0, rem2 = 0;
    int64_t a = fuel_for(e, m, 100, &rem1), b = fuel_for(e, m, 100, &rem2);
    CHECK1(a > 0 && a == b && rem1 == rem2 && rem1 == 10000000 - (uint64_t)a,
          "loop(100) uses %" PRId64 " fuel, the same again (remaining %" PRIu64 " twice)", a, rem1);
    /* The cost table (docs/metering.md): the loop body is 7 instructions of
     * cost 1 (local.get, i32.const, i32.add, local.tee, local.get,
     * i32.lt_u, br_if), so 100 more trips cost exactly 700 more. */
    int64_t c = fuel_for(e, m, 200, NULL);
    CHECK1(c - a == 700, "loop(200) - loop(100) = %" PRId64 " fuel (want 700)", c - a);

    /* Running out. */
    kiln_limits lim = {.fuel = 1000};
    kiln_store *s = kiln_store_new(e, &lim, NULL);
    hostenv h = {0};
    kiln_linker *l = make_linker(e, &h);
    kiln_error err = {0};
    kiln_trap *trap = NULL;
    kiln_instance *in = kiln_instantiate(s, l, m, &trap, &err);
    int32_t r;
    CHECK1(in && call1(s, in, "loop", 1, 1000000, &r, &trap) == KILN_TRAPPED && trap &&
          trap->kind == KILN_TRAP_OUT_OF_FUEL, "loop(1000000) on 1000 fuel: out of fuel");
    if (trap) {
        CHECK1(trap->nframes >= 1 && trap->frames[0].func_index == F_LOOP, "the out-of-fuel trap is in loop");
        kiln_trap_free(trap);
        trap = NULL;
    }
    kiln_store_stats st;
    kiln_store_stats_get(s, &st);
    CHECK1(st.fuel_remaining == 0 || st.fuel_remaining < 8, "no fuel left after running out (%" PRIu64 ")", st.fuel_remaining);
    trap = NULL;
    CHECK1(in && call1(s, in, "loop", 1, 1, &r, &trap) == KILN_TRAPPED && trap && trap->kind == KILN_TRAP_OUT_OF_FUEL,
          "the store stays out of fuel");
    kiln_trap_free(trap);
    kiln_store_free(s);
    kiln_linker_free(l);
}

static void test_limits(kiln_engine *e, kiln_module *m) {
    hostenv h = {0};
    kiln_error err = {0};
    kiln_trap *trap = NULL;
    int32_t r;

    /* max_memory_bytes below the module's own maximum. The limit is one
     * budget for memory and table slots: the module's table of 2 (16
     * bytes) counts, so 128 KiB + 16 bytes is what 2 pages need. */
    kiln_limits lim = {.max_memory_bytes = 2 * 65536 + 16};
    kiln_store *s = kiln_store_new(e, &lim, NULL);
    kiln_linker *l = make_linker(e, &h);
    kiln_instance *in = kiln_instantiate(s, l, m, &trap, &err);
    CHECK1(in && call1(s, in, "grow", 1, 1, &r, &trap) == KILN_OK && r == 1, "grow to 2 pages under a 128 KiB + 16 limit");
    CHECK1(in && call1(s, in, "grow", 1, 1, &r, &trap) == KILN_OK && r == -1, "grow to 3 pages under that limit is -1");
    kiln_memory *mem = in ? kiln_instance_memory(in, "mem") : NULL;
    CHECK1(mem && kiln_memory_grow(mem, 1) == -1 && kiln_memory_size(mem) == 131072, "host grow past the limit is -1 too");
    kiln_store_free(s);
    kiln_linker_free(l);
    /* Exactly 128 KiB: the table's 16 bytes leave room for 1 page only. */
    lim.max_memory_bytes = 2 * 65536;
    s = kiln_store_new(e, &lim, NULL);
    l = make_linker(e, &h);
    in = kiln_instantiate(s, l, m, &trap, &err);
    CHECK1(in && call1(s, in, "grow", 1, 1, &r, &trap) == KILN_OK && r == -1,
           "under exactly 128 KiB the table's slots leave no room for a second page (-1)");
    CHECK1(in && kiln_store_hold(s, 65536 - 16) && !kiln_store_hold(s, 1),
           "the host can hold what is left of the budget, and not a byte more");
    if (in) kiln_store_release(s, 65536 - 16);
    CHECK1(in && kiln_store_hold(s, 1), "released, the byte fits again");
    kiln_store_free(s);
    kiln_linker_free(l);

    /* Call depth. */
    kiln_limits dl = {.max_call_depth = 100};
    s = kiln_store_new(e, &dl, NULL);
    l = make_linker(e, &h);
    in = kiln_instantiate(s, l, m, &trap, &err);
    trap = NULL;
    CHECK1(in && call1(s, in, "recurse", 1, 0, &r, &trap) == KILN_TRAPPED && trap &&
          trap->kind == KILN_TRAP_CALL_STACK_EXHAUSTED, "recursion stops at a depth of 100");
    if (trap) {
        CHECK1(trap->nframes >= 1 && trap->frames[0].func_index == F_RECURSE, "the exhaustion trap is in recurse (%u frames)",
              trap->nframes);
        kiln_trap_free(trap);
        trap = NULL;
    }
    kiln_val args[2] = {vi32(1), vi32(2)}, res;
    CHECK1(in && kiln_call(s, kiln_instance_func(in, "add"), args, 2, &res, 1, &trap, &err) == KILN_OK && res.of.i32 == 3,
          "the store works after exhaustion");
    kiln_store_free(s);
    kiln_linker_free(l);

    /* Timeout. */
    kiln_limits tl = {.timeout_ns = 50 * 1000000ull};
    s = kiln_store_new(e, &tl, NULL);
    l = make_linker(e, &h);
    in = kiln_instantiate(s, l, m, &trap, &err);
    trap = NULL;
    CHECK1(in && call1(s, in, "spin", 0, 0, NULL, &trap) == KILN_TRAPPED && trap && trap->kind == KILN_TRAP_TIMEOUT,
          "an endless loop times out after 50 ms");
    kiln_trap_free(trap);
    trap = NULL;
    CHECK1(in && call1(s, in, "loop", 1, 10, &r, &trap) == KILN_OK && r == 10, "the next call has its own deadline");
    kiln_store_free(s);
    kiln_linker_free(l);
}

/* The memory fault in F_OOB, called from F_DEEP: kind, operands, frames. */
static void check_oob_trap(const kiln_module *m, const kiln_trap *t, const char *where) {
    CHECK1(t && t->kind == KILN_TRAP_MEMORY_OUT_OF_BOUNDS && t->address == 0xffffffffull && t->access_size == 4 &&
          t->memory_size == 65536, "%s: out-of-bounds load at 0xffffffff, 4 bytes, 64 KiB memory", where);
    if (!t || t->nframes < 2) { CHECK1(0, "%s: at least two frames", where); return; }
    const kiln_frame *f0 = &t->frames[0], *f1 = &t->frames[1];
    CHECK1(f0->module == m && f0->func_index == F_OOB && f1->func_index == F_DEEP,
          "%s: frames are oob then deep (%u, %u)", where, f0->func_index, f1->func_index);
    CHECK1(f0->code_offset == TM.load_in_oob, "%s: frame 0 at the load (code offset 0x%x, want 0x%x)", where,
          f0->code_offset, TM.load_in_oob);
    CHECK1(f1->code_offset == TM.call_in_deep, "%s: frame 1 at the call (code offset 0x%x, want 0x%x)", where,
          f1->code_offset, TM.call_in_deep);
    CHECK1(f0->code_offset >= TM.body_start[F_OOB] && f0->code_offset < TM.body_end[F_OOB] &&
          f1->code_offset >= TM.body_start[F_DEEP] && f1->code_offset < TM.body_end[F_DEEP],
          "%s: each frame's offset lies in its own function's body", where);
    CHECK1(f0->module_offset == TM.code_payload + f0->code_offset, "%s: module offset = code section + code offset", where);
}

static void test_traps(kiln_engine *e, kiln_module *m, const char *what) {
    kiln_store *s = kiln_store_new(e, NULL, NULL);
    hostenv h = {0};
    kiln_linker *l = make_linker(e, &h);
    kiln_error err = {0};
    kiln_trap *trap = NULL;
    kiln_instance *in = kiln_instantiate(s, l, m, &trap, &err);
    int32_t r;
    CHECK1(in && call1(s, in, "deep", 0, 0, &r, &trap) == KILN_TRAPPED, "%s: deep traps", what);
    check_oob_trap(m, trap, what);
    CHECK1(trap && trap->message[0] && trap->detail[0], "%s: message \"%s\", detail \"%s\"", what,
          trap ? trap->message : "", trap ? trap->detail : "");
    kiln_trap_free(trap);
    trap = NULL;
    CHECK1(in && call1(s, in, "load", 1, 65532, &r, &trap) == KILN_OK && r == 0, "%s: the last word loads", what);
    CHECK1(in && call1(s, in, "load", 1, 65533, &r, &trap) == KILN_TRAPPED && trap && trap->address == 65533,
          "%s: one byte further traps", what);
    kiln_trap_free(trap);
    kiln_store_free(s);
    kiln_linker_free(l);
}

/* ------------------------------------------------------------ threads */

typedef struct job {
    kiln_engine *e;
    kiln_module *m;
    int iters;
    int ok;          /* every result right */
    int fault_ok;    /* the memory fault trapped properly */
    int64_t fuel;    /* fuel of the last loop(1000) */
    kiln_trap *trap; /* the fault, kept for checking on the main thread */
} job;

static void *worker(void *arg) {
    job *j = arg;
    kiln_limits lim = {.fuel = 1000000000};
    kiln_store *s = kiln_store_new(j->e, &lim, NULL);
    hostenv h = {0};
    kiln_linker *l = make_linker(j->e, &h);
    kiln_error err = {0};
    kiln_trap *trap = NULL;
    kiln_instance *in = s && l ? kiln_instantiate(s, l, j->m, &trap, &err) : NULL;
    j->ok = in != NULL;
    int32_t r;
    for (int i = 0; in && i < j->iters; i++) {
        kiln_store_stats a, b;
        kiln_store_stats_get(s, &a);
        if (call1(s, in, "loop", 1, 1000, &r, &trap) != KILN_OK || r != 1000) j->ok = 0;
        kiln_store_stats_get(s, &b);
        j->fuel = (int64_t)(b.fuel_consumed - a.fuel_consumed);
        if (call1(s, in, "call_double", 1, i, &r, &trap) != KILN_OK || r != 2 * i) j->ok = 0;
        if (h.calls != i + 1) j->ok = 0;
    }
    if (in && call1(s, in, "deep", 0, 0, &r, &trap) == KILN_TRAPPED) {
        j->fault_ok = 1;
        j->trap = trap;
        trap = NULL;
        /* The store works after a fault on this thread. */
        if (call1(s, in, "load", 1, 16, &r, &trap) != KILN_OK || r != 0x6e6c696b) j->fault_ok = 0;
    }
    kiln_trap_free(trap);
    kiln_store_free(s);
    kiln_linker_free(l);
    return NULL;
}

static void test_threads(kiln_engine *e, kiln_module *m) {
    job jobs[2] = {{e, m, 300, 0, 0, 0, NULL}, {e, m, 300, 0, 0, 0, NULL}};
    pthread_t t[2];
    int started = 0;
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, worker, &jobs[i]) == 0) started++;
    for (int i = 0; i < started; i++) pthread_join(t[i], NULL);
    CHECK1(started == 2, "two threads started");
    CHECK1(jobs[0].ok && jobs[1].ok, "two stores on two threads running one module: every result right");
    CHECK1(jobs[0].fuel > 0 && jobs[0].fuel == jobs[1].fuel && jobs[0].fuel == fuel_for(e, m, 1000, NULL),
          "fuel per loop(1000) is the same on both threads and on the main thread (%" PRId64 ")", jobs[0].fuel);
    for (int i = 0; i < 2; i++) {
        char what[48];
        snprintf(what, sizeof what, "memory fault on thread %d", i + 1);
        CHECK1(jobs[i].fault_ok, "%s: trapped, and the store worked after it", what);
        check_oob_trap(m, jobs[i].trap, what);
        kiln_trap_free(jobs[i].trap);
    }
}

/* The linker's index (runtime.c): hundreds of names across modules, the
 * index grown several times; each found, absent ones not, a redefinition
 * replacing its entry, names that split differently kept apart. */
static void test_linker_index(kiln_engine *e) {
    kiln_linker *l = kiln_linker_new(e);
    kiln_error err = {0};
    kiln_functype tf = {NULL, 0, NULL, 0};
    enum { N = 300 };
    kiln_func *f[N];
    char mod[16], name[16];
    int made = 0;
    for (int i = 0; i < N; i++) {
        snprintf(mod, sizeof mod, "m%d", i % 7);
        snprintf(name, sizeof name, "f%d", i);
        made += (f[i] = kiln_linker_define_host(l, mod, name, &tf, host_fail, NULL, &err)) != NULL;
    }
    CHECK(made == N, "%d host functions defined in 7 modules", made);
    int found = 0, absent = 0;
    kiln_extern x;
    for (int i = 0; i < N; i++) {
        snprintf(mod, sizeof mod, "m%d", i % 7);
        snprintf(name, sizeof name, "f%d", i);
        found += kiln_linker_get(l, mod, name, &x) && x.kind == KILN_EXTERN_FUNC && x.of.func == f[i];
        snprintf(mod, sizeof mod, "m%d", (i + 1) % 7);
        absent += !kiln_linker_get(l, mod, name, &x);
    }
    CHECK(found == N, "each is found as defined (%d of %d)", found, N);
    CHECK(absent == N, "none under another module (%d of %d)", absent, N);
    CHECK(!kiln_linker_get(l, "m0", "nope", &x) && !kiln_linker_get(l, "", "", &x), "unknown names are absent");
    kiln_extern other = {.kind = KILN_EXTERN_FUNC, .of.func = f[1]};
    CHECK(kiln_linker_define(l, "m0", "f0", other, &err) && kiln_linker_get(l, "m0", "f0", &x) && x.of.func == f[1],
          "a redefinition replaces the entry");
    kiln_extern a = {.kind = KILN_EXTERN_FUNC, .of.func = f[2]}, b = {.kind = KILN_EXTERN_FUNC, .of.func = f[3]};
    kiln_extern xa, xb;
    CHECK(kiln_linker_define(l, "ab", "c", a, &err) && kiln_linker_define(l, "a", "bc", b, &err) &&
              kiln_linker_get(l, "ab", "c", &xa) && kiln_linker_get(l, "a", "bc", &xb) && xa.of.func == f[2] &&
              xb.of.func == f[3] && !kiln_linker_get(l, "abc", "", &x),
          "ab.c and a.bc are two names");
    kiln_linker_free(l);
}

int main(void) {
    build(&TM);
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(NULL, &err);
    CHECK1(e != NULL, "engine_new: %s", err.message);
    if (!e) TAP_DONE();
    kiln_module *m = kiln_module_new(e, TM.m.d, TM.m.n, &err);
    CHECK1(m != NULL, "module_new on %zu hand-assembled bytes: %s", TM.m.n, err.message);
    if (!m) { kiln_engine_free(e); TAP_DONE(); }

    /* A broken copy of the module is refused with a message. */
    uint8_t broken[sizeof TM.m.d];
    memcpy(broken, TM.m.d, TM.m.n);
    broken[TM.code_payload + TM.body_start[F_ADD] + 5] = 0x06; /* i32.add -> an illegal opcode */
    err.message[0] = 0;
    kiln_module *bm = kiln_module_new(e, broken, TM.m.n, &err);
    CHECK1(!bm && strstr(err.message, "byte offset"), "a module with an illegal opcode is refused: %s", err.message);
    CHECK1(!kiln_module_new(e, TM.m.d, 7, &err), "a truncated module is refused");

    test_introspection(e, m);
    test_linking(e, m);
    test_calls(e, m);
    test_fuel(e, m);
    test_limits(e, m);
    test_traps(e, m, "guard pages");
    test_threads(e, m);
    test_linker_index(e);

    /* The explicit-bounds-check engine traps the same way. */
    kiln_config cfg = {.explicit_bounds_checks = true};
    kiln_engine *ce = kiln_engine_new(&cfg, &err);
    kiln_module *cm = ce ? kiln_module_new(ce, TM.m.d, TM.m.n, &err) : NULL;
    CHECK1(cm != NULL, "module on an explicit-bounds-check engine: %s", err.message);
    if (cm) {
        test_traps(ce, cm, "explicit checks");
        test_threads(ce, cm);
        kiln_module_free(cm);
    }
    kiln_engine_free(ce);

    kiln_module_free(m);
    kiln_engine_free(e);
    TAP_DONE();
}
