/*
 * diag-run-trap — runs a WASI command module in kiln's engine and prints
 * the trap report src/diag makes of whatever trap ends it: the end-to-end
 * check that the engine's frame offsets and the symbol index agree.
 *
 *   diag-run-trap [--detail=0|1|full] [--json] X.wasm [ARGS...]
 *
 * Exit status: 0 when the program trapped (the report is on stdout), 1
 * when it did not, 2 on a usage or load error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "kiln.h"
#include "kiln_wasi.h"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

int main(int argc, char **argv)
{
    diag_report_opts o = {.detail = DIAG_DETAIL_FRAMES};
    bool json = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strncmp(argv[i], "--detail=", 9)) diag_detail_parse(argv[i] + 9, &o.detail);
        else if (!strcmp(argv[i], "--json")) json = true;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: diag-run-trap [--detail=L] [--json] X.wasm [ARGS...]\n");
        return 2;
    }
    size_t len;
    uint8_t *bytes = slurp(argv[i], &len);
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_module *m = bytes && e ? kiln_module_new(e, bytes, len, &err) : NULL;
    if (!m) {
        fprintf(stderr, "%s: %s\n", argv[i], bytes ? err.message : "unreadable");
        return 2;
    }
    kiln_linker *l = kiln_linker_new(e);
    kiln_wasi_config wc = {.argv = (const char *const *)argv + i, .argc = (size_t)(argc - i)};
    wc.stdio[1].kind = KILN_WASI_STDIO_NULL;
    kiln_wasi *w = kiln_wasi_new(&wc, &err);
    kiln_store *s = kiln_store_new(e, NULL, NULL);
    if (!l || !w || !s || !kiln_wasi_define(l, &err) || !kiln_wasi_attach(w, s, &err)) {
        fprintf(stderr, "setup: %s\n", err.message);
        return 2;
    }
    kiln_trap *trap = NULL;
    kiln_instance *inst = kiln_instantiate(s, l, m, &trap, &err);
    if (inst) {
        kiln_func *start = kiln_instance_func(inst, "_start");
        if (!start) {
            fprintf(stderr, "no _start\n");
            return 2;
        }
        kiln_call(s, start, NULL, 0, NULL, 0, &trap, &err);
    }
    int rc = 1;
    if (trap && trap->kind != KILN_TRAP_EXIT) {
        /* The report's symbols come from the module's own bytes. */
        size_t mlen;
        const uint8_t *mb = kiln_module_bytes(m, &mlen);
        diag_symbols *syms = diag_symbols_build(mb, mlen, &err);
        if (json) {
            char *j = diag_format_trap_json(trap, syms, &o);
            if (j) printf("%s\n", j);
            free(j);
        } else {
            diag_format_trap(trap, syms, &o, stdout);
        }
        diag_symbols_free(syms);
        rc = 0;
    } else if (!inst) {
        fprintf(stderr, "instantiate: %s\n", err.message);
        rc = 2;
    }
    if (trap) kiln_trap_free(trap);
    kiln_store_free(s);
    kiln_wasi_free(w);
    kiln_linker_free(l);
    kiln_module_free(m);
    kiln_engine_free(e);
    free(bytes);
    return rc;
}
