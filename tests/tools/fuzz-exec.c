/*
 * fuzz-exec.c — runs every exported function of a module (in export order,
 * arguments all zero, one store) and prints what each returned, in a form
 * tests/tools/fuzz-exec.mjs prints the same way for Node's V8: the two
 * outputs of a module must be identical (tests/suites/differential). The
 * modules come from binaryen's `wasm-opt -ttf`, whose imports
 * (fuzzing-support.log-*) are defined here as no-ops. Floats are printed as
 * the bits of their double value; any NaN as "nan" (payloads do not cross
 * JS). With --types it prints the exports' result and parameter types as
 * two JSON lines for the Node side; with --checked it uses the
 * explicit-bounds-check engine.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kiln.h"
static kiln_trap *nop(kiln_caller *c, void *e, uint64_t *s) { (void)c; (void)e; (void)s; return NULL; }
int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: kiln-fuzz-exec MODULE.wasm [--types|--checked]\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    static unsigned char b[1 << 22];
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    kiln_error err = {{0}}; kiln_config cfg = {.explicit_bounds_checks = argc > 2 && !strcmp(argv[2], "--checked")};
    kiln_engine *e = kiln_engine_new(&cfg, &err);
    kiln_module *m = kiln_module_new(e, b, n, &err);
    if (!m) { printf("compile error: %s\n", err.message); return 2; }
    if (argc > 2 && !strcmp(argv[2], "--types")) {
        for (int pass = 0; pass < 2; pass++) {
            printf("{"); int first = 1;
            for (uint32_t i = 0; i < kiln_module_export_count(m); i++) {
                kiln_externdesc x; kiln_module_export(m, i, &x);
                if (x.kind != KILN_EXTERN_FUNC) continue;
                printf("%s\"%s\":", first ? "" : ",", x.name); first = 0;
                if (pass == 0) printf("\"%s\"", x.func.nresults == 1 ? kiln_valtype_name(x.func.results[0]) : "none");
                else { printf("["); for (uint32_t k = 0; k < x.func.nparams; k++) printf("%s\"%s\"", k ? "," : "", kiln_valtype_name(x.func.params[k])); printf("]"); }
            }
            printf("}\n");
        }
        return 0;
    }
    kiln_linker *l = kiln_linker_new(e);
    static const kiln_valtype ti[] = {KILN_I32}, tl[] = {KILN_I64}, tf[] = {KILN_F32}, td[] = {KILN_F64};
    kiln_functype a = {ti, 1, NULL, 0}, bb = {tl, 1, NULL, 0}, c = {tf, 1, NULL, 0}, d = {td, 1, NULL, 0};
    kiln_linker_define_host(l, "fuzzing-support", "log-i32", &a, nop, NULL, &err);
    kiln_linker_define_host(l, "fuzzing-support", "log-i64", &bb, nop, NULL, &err);
    kiln_linker_define_host(l, "fuzzing-support", "log-f32", &c, nop, NULL, &err);
    kiln_linker_define_host(l, "fuzzing-support", "log-f64", &d, nop, NULL, &err);
    kiln_store *s = kiln_store_new(e, NULL, NULL);
    kiln_trap *t = NULL;
    kiln_instance *in = kiln_instantiate(s, l, m, &t, &err);
    if (!in) { printf("instantiate error: %s\n", t ? t->message : err.message); return 2; }
    for (uint32_t i = 0; i < kiln_module_export_count(m); i++) {
        kiln_externdesc x; kiln_module_export(m, i, &x);
        if (x.kind != KILN_EXTERN_FUNC) continue;
        kiln_func *fn = kiln_instance_func(in, x.name);
        kiln_functype ft; kiln_func_type(fn, &ft);
        kiln_val args[64], res[64];
        for (uint32_t k = 0; k < ft.nparams; k++) { memset(&args[k], 0, sizeof args[k]); args[k].type = ft.params[k]; }
        printf("[fuzz-exec] calling %s\n", x.name);
        t = NULL;
        kiln_status st = kiln_call(s, fn, args, ft.nparams, res, ft.nresults, &t, &err);
        if (st == KILN_TRAPPED) { printf("[trap]\n"); kiln_trap_free(t); continue; }
        if (st != KILN_OK) { printf("error %s\n", err.message); continue; }
        if (ft.nresults == 1 && res[0].type == KILN_I32) printf("[fuzz-exec] note result: %s => %" PRId32 "\n", x.name, res[0].of.i32);
        if (ft.nresults == 1 && res[0].type == KILN_I64) printf("[fuzz-exec] note result: %s => %" PRId64 "\n", x.name, res[0].of.i64);
        if (ft.nresults == 1 && (res[0].type == KILN_F32 || res[0].type == KILN_F64)) {
            double dv; if (res[0].type == KILN_F32) { float fv; memcpy(&fv, &res[0].of.f32_bits, 4); dv = fv; } else memcpy(&dv, &res[0].of.f64_bits, 8);
            uint64_t bits; memcpy(&bits, &dv, 8);
            if (dv != dv) printf("[fuzz-exec] note result: %s => nan\n", x.name); else printf("[fuzz-exec] note result: %s => f:%016" PRIx64 "\n", x.name, bits);
        }
    }
    return 0;
}
