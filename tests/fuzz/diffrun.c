/*
 * diffrun — the kiln side of the differential harness (tests/fuzz/diff.sh;
 * diffrun.mjs is the V8 side). It loads one module, satisfies its imports
 * (wasm-opt -ttf modules import fuzzing-support.log-*) with functions that
 * print their arguments, calls every exported function in export order with
 * all-zero arguments, and prints what happened, in a format that the Node
 * script prints identically:
 *
 *   compile ok | compile error
 *   instantiate ok | instantiate trap CLASS | instantiate error
 *   call NAME
 *   import MODULE.NAME V...       (a call to an imported function)
 *   result V...                   (values: i32:-1 i64:5 f32:0x3fc00000
 *   trap CLASS                     f64:0x... funcref:null|func externref:null|ext)
 *
 * Floats are printed as bits; diff.sh canonicalizes NaNs before comparing,
 * since their payloads may legitimately differ between engines. Traps are
 * reduced to classes both engines can tell apart (see trap_class).
 *
 * With --native the module runs on the native tier (compiled with no
 * cache; a compile failure prints "compile error native"), and --print-fuel
 * ends the output with the fuel the store consumed: tests/suites/native runs
 * wasm-opt -ttf modules both ways and compares everything, fuel included.
 *
 * Usage: diffrun [--explicit-bounds] [--native] [--print-fuel] [--fuel N] MODULE.wasm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_link.h"

#define MAX_VALS 256

static void print_val(kiln_valtype t, uint64_t bits, const void *ref) {
    switch (t) {
    case KILN_I32: printf(" i32:%d", (int32_t)(uint32_t)bits); break;
    case KILN_I64: printf(" i64:%lld", (long long)(int64_t)bits); break;
    case KILN_F32: printf(" f32:0x%08x", (uint32_t)bits); break;
    case KILN_F64: printf(" f64:0x%016llx", (unsigned long long)bits); break;
    case KILN_FUNCREF: printf(" funcref:%s", ref ? "func" : "null"); break;
    case KILN_EXTERNREF: printf(" externref:%s", ref ? "ext" : "null"); break;
    default: printf(" ?%d", (int)t); break;
    }
}

static void print_kval(const kiln_val *v) {
    switch (v->type) {
    case KILN_I32: print_val(v->type, (uint32_t)v->of.i32, NULL); break;
    case KILN_I64: print_val(v->type, (uint64_t)v->of.i64, NULL); break;
    case KILN_F32: print_val(v->type, v->of.f32_bits, NULL); break;
    case KILN_F64: print_val(v->type, v->of.f64_bits, NULL); break;
    case KILN_FUNCREF: print_val(v->type, 0, v->of.funcref); break;
    case KILN_EXTERNREF: print_val(v->type, 0, v->of.externref); break;
    default: print_val(v->type, 0, NULL); break;
    }
}

static kiln_trap *logger(kiln_caller *c, void *env, uint64_t *slots) {
    const kiln_externdesc *d = env;
    printf("import %s.%s", d->module_name, d->name);
    for (uint32_t i = 0; i < d->func.nparams; i++)
        print_val(d->func.params[i], slots[i], (const void *)(uintptr_t)slots[i]);
    printf("\n");
    for (uint32_t i = 0; i < d->func.nresults; i++) slots[i] = 0;
    return NULL;
}

/*
 * V8 cannot tell a NaN conversion from an out-of-range one ("float
 * unrepresentable in integer range") nor a null table entry from a
 * signature mismatch, so those pairs are one class each. kiln reports
 * float->int overflow and INT_MIN/-1 both as "integer overflow"; V8 tells
 * them apart, so the trapping instruction's opcode decides (which also
 * checks that kiln's trap offsets point at the right instruction).
 */
static const char *trap_class(const kiln_trap *t, const kiln_module *m) {
    switch (t->kind) {
    case KILN_TRAP_UNREACHABLE: return "unreachable";
    case KILN_TRAP_MEMORY_OUT_OF_BOUNDS: return "oob-memory";
    case KILN_TRAP_TABLE_OUT_OF_BOUNDS:
    case KILN_TRAP_UNDEFINED_ELEMENT: return "oob-table";
    case KILN_TRAP_INTEGER_DIVIDE_BY_ZERO: return "div-zero";
    case KILN_TRAP_INVALID_CONVERSION: return "conversion";
    case KILN_TRAP_INTEGER_OVERFLOW: {
        size_t len;
        const uint8_t *b = kiln_module_bytes(m, &len);
        if (t->nframes && t->frames[0].module_offset < len) {
            uint8_t op = b[t->frames[0].module_offset];
            if (op >= 0xa8 && op <= 0xb1) return "conversion"; /* i32/i64.trunc_f32/f64_s/u */
            if (op == 0x6d || op == 0x7f) return "overflow";    /* i32/i64.div_s */
            return "overflow-at-unexpected-opcode";
        }
        return "overflow-without-frame";
    }
    case KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH:
    case KILN_TRAP_UNINITIALIZED_ELEMENT: return "indirect";
    case KILN_TRAP_CALL_STACK_EXHAUSTED: return "stack";
    case KILN_TRAP_OUT_OF_FUEL: return "fuel";
    case KILN_TRAP_TIMEOUT: return "timeout";
    default: return "other";
    }
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *nb = realloc(b, cap *= 2);
        if (!nb) { free(b); b = NULL; }
        else b = nb;
    }
    fclose(f);
    *len = n;
    return b;
}

int main(int argc, char **argv) {
    kiln_config cfg = {0};
    kiln_limits lim = {.timeout_ns = 10ull * 1000 * 1000 * 1000};
    const char *path = NULL;
    bool native = false, print_fuel = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--explicit-bounds")) cfg.explicit_bounds_checks = true;
        else if (!strcmp(argv[i], "--native")) native = true;
        else if (!strcmp(argv[i], "--print-fuel")) print_fuel = true;
        else if (!strcmp(argv[i], "--fuel") && i + 1 < argc) lim.fuel = strtoull(argv[++i], NULL, 0);
        else path = argv[i];
    }
    if (!path) { fprintf(stderr, "usage: diffrun [--explicit-bounds] [--native] [--print-fuel] [--fuel N] MODULE.wasm\n"); return 2; }
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) { fprintf(stderr, "diffrun: cannot read %s\n", path); return 2; }

    kiln_error err;
    kiln_engine *e = kiln_engine_new(&cfg, &err);
    if (!e) { fprintf(stderr, "diffrun: %s\n", err.message); return 2; }
    kiln_module *m = kiln_module_new(e, bytes, len, &err);
    if (!m) {
        printf("compile error\n");
        fprintf(stderr, "diffrun: %s\n", err.message);
        return 0;
    }
    printf("compile ok\n");
    if (native) {
        kiln_native_options no = {0};
        if (!kiln_module_compile_native(m, &no, NULL, &err)) {
            printf("compile error native\n");
            fprintf(stderr, "diffrun: %s\n", err.message);
            return 0;
        }
    }
    kiln_store *s = kiln_store_new(e, &lim, NULL);
    kiln_linker *l = kiln_linker_new(e);
    uint32_t nimp = kiln_module_import_count(m);
    kiln_externdesc *descs = calloc(nimp ? nimp : 1, sizeof *descs);
    if (!s || !l || !descs) { fprintf(stderr, "diffrun: out of memory\n"); return 2; }
    kiln_trap *trap = NULL;
    kiln_instance *inst = NULL;
    if (!fz_link_dummies(l, s, m, logger, descs, &err)) {
        printf("instantiate error\n");
        fprintf(stderr, "diffrun: %s\n", err.message);
        return 0;
    }
    inst = kiln_instantiate(s, l, m, &trap, &err);
    if (!inst) {
        if (trap) printf("instantiate trap %s\n", trap_class(trap, m));
        else { printf("instantiate error\n"); fprintf(stderr, "diffrun: %s\n", err.message); }
        return 0;
    }
    printf("instantiate ok\n");
    uint32_t nexp = kiln_module_export_count(m);
    for (uint32_t i = 0; i < nexp; i++) {
        kiln_externdesc d;
        kiln_module_export(m, i, &d);
        if (d.kind != KILN_EXTERN_FUNC) continue;
        kiln_func *f = kiln_instance_func(inst, d.name);
        if (!f) {
            /* A name with a NUL byte: the C-string lookup cannot find it.
             * diffrun.mjs skips such names too. */
            printf("call %s\nskipped\n", d.name);
            continue;
        }
        kiln_functype t;
        kiln_func_type(f, &t);
        if (t.nparams > MAX_VALS || t.nresults > MAX_VALS) { printf("call %s\nskipped\n", d.name); continue; }
        static kiln_val args[MAX_VALS], res[MAX_VALS];
        fz_zero_args(&t, args);
        printf("call %s\n", d.name);
        fflush(stdout);
        kiln_status st = kiln_call(s, f, args, t.nparams, res, t.nresults, &trap, &err);
        if (st == KILN_OK) {
            printf("result");
            for (uint32_t k = 0; k < t.nresults; k++) print_kval(&res[k]);
            printf("\n");
        } else if (st == KILN_TRAPPED) {
            printf("trap %s\n", trap_class(trap, m));
            kiln_trap_free(trap);
        } else {
            printf("error %s\n", err.message);
        }
        fflush(stdout);
    }
    if (print_fuel) {
        kiln_store_stats st;
        kiln_store_stats_get(s, &st);
        printf("fuel %llu\n", (unsigned long long)st.fuel_consumed);
    }
    kiln_linker_free(l);
    kiln_store_free(s);
    kiln_module_free(m);
    kiln_engine_free(e);
    free(descs);
    free(bytes);
    return 0;
}
