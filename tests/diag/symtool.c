/*
 * diag-symtool — a command-line front end to src/diag for tests.
 *
 *   diag-symtool X.wasm < addrs        symbolicate code offsets, one per line,
 *                                      printed as llvm-symbolizer --inlining does
 *   diag-symtool --dwarf-only X.wasm   the same without name-section fallbacks
 *   diag-symtool --raw X.wasm          dwarf-only, names as recorded (mangled)
 *   diag-symtool --time X.wasm         build the index N times, print ms per build
 *   diag-symtool --report X.wasm [--json] [--detail=0|1|full] [--sp=N]
 *                [--kind=oob|unreachable|...] [--address=A] OFF...
 *                                      format a trap whose frames are at these
 *                                      code offsets (innermost first)
 *   diag-symtool --funcs X.wasm < offs the name-section name of the function
 *                                      at each code offset
 *   diag-symtool --demangle            demangle the names on stdin, one a line
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag/diag.h"

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

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of this (single-threaded) process: what a build costs even when
 * the machine is busy with other work and wall time says little. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* dwarf_only: answer "??" where only the name section knows the function,
 * as llvm-symbolizer (which ignores the name section) does. */
static int symbolize(diag_symbols *s, bool dwarf_only, bool raw)
{
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        char *end;
        unsigned long long a = strtoull(line, &end, 0);
        if (end == line) continue;
        diag_loc locs[64];
        int n = diag_symbols_lookup(s, (uint32_t)a, locs, 64);
        if (dwarf_only && n > 0 && locs[n - 1].from_name_section) {
            locs[n - 1].function = locs[n - 1].symbol = NULL;
            if (n == 1 && !locs[0].file) n = 0;
        }
        if (n == 0) printf("??\n??:0:0\n");
        for (int i = 0; i < n; i++) {
            const char *fn = raw ? locs[i].symbol : locs[i].function;
            printf("%s\n", fn ? fn : "??");
            if (locs[i].file)
                printf("%s:%" PRIu32 ":%" PRIu32 "\n", locs[i].file, locs[i].line, locs[i].column);
            else
                printf("??:0:0\n");
        }
        printf("\n");
        fflush(stdout);
    }
    return 0;
}

static kiln_trap_kind parse_kind(const char *k)
{
    if (!strcmp(k, "oob")) return KILN_TRAP_MEMORY_OUT_OF_BOUNDS;
    if (!strcmp(k, "unreachable")) return KILN_TRAP_UNREACHABLE;
    if (!strcmp(k, "div")) return KILN_TRAP_INTEGER_DIVIDE_BY_ZERO;
    if (!strcmp(k, "stack")) return KILN_TRAP_CALL_STACK_EXHAUSTED;
    return KILN_TRAP_UNREACHABLE;
}

int main(int argc, char **argv)
{
    const char *mode = "sym", *path = NULL;
    int i = 1;
    if (argc > 1 && argv[1][0] == '-' && argv[1][1] == '-') mode = argv[i++] + 2;
    if (!strcmp(mode, "demangle")) {
        char line[16384];
        while (fgets(line, sizeof line, stdin)) {
            line[strcspn(line, "\n")] = 0;
            char *d = diag_demangle(line);
            printf("%s\n", d ? d : line);
            free(d);
        }
        return 0;
    }
    if (i < argc) path = argv[i++];
    if (!path) {
        fprintf(stderr, "usage: diag-symtool [--time|--report|--funcs] X.wasm ...\n");
        return 2;
    }
    size_t len;
    uint8_t *wasm = slurp(path, &len);
    if (!wasm) {
        perror(path);
        return 1;
    }
    kiln_error err;
    if (!strcmp(mode, "time")) {
        int reps = 10;
        double best = 1e30, total = 0, cbest = 1e30, ctotal = 0;
        for (int r = 0; r < reps; r++) {
            double t0 = now_ms(), c0 = cpu_ms();
            diag_symbols *s = diag_symbols_build(wasm, len, &err);
            double t1 = now_ms(), c1 = cpu_ms();
            ctotal += c1 - c0;
            if (c1 - c0 < cbest) cbest = c1 - c0;
            if (!s) {
                fprintf(stderr, "%s\n", err.message);
                return 1;
            }
            diag_symbols_free(s);
            total += t1 - t0;
            if (t1 - t0 < best) best = t1 - t0;
        }
        printf("%zu bytes: index build wall best %.2f ms, mean %.2f ms; cpu best %.2f ms, "
               "mean %.2f ms (%d builds)\n", len, best, total / reps, cbest, ctotal / reps, reps);
        /* Then a first trap's worth of work: lookups spread over the whole
         * code section decode the line tables of the units they land in. */
        diag_symbols *s = diag_symbols_build(wasm, len, &err);
        if (!s) return 1;
        double t0 = now_ms();
        diag_loc l[64];
        int found = 0;
        for (uint32_t k = 0; k < 1000; k++) {
            uint32_t off = (uint32_t)((uint64_t)k * (len / 2) / 1000);
            if (diag_symbols_lookup(s, off, l, 64) > 0) found++;
        }
        double t1 = now_ms();
        printf("1000 lookups spread over the module: %.2f ms (%d found)\n", t1 - t0, found);
        t0 = now_ms();
        diag_symbols_lookup(s, (uint32_t)(len / 3), l, 64);
        printf("one more lookup: %.3f ms\n", now_ms() - t0);
        diag_symbols_free(s);
        return 0;
    }
    diag_symbols *s = diag_symbols_build(wasm, len, &err);
    if (!s) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    int rc = 0;
    if (!strcmp(mode, "sym") || !strcmp(mode, "dwarf-only")) {
        rc = symbolize(s, !strcmp(mode, "dwarf-only"), false);
    } else if (!strcmp(mode, "raw")) {
        rc = symbolize(s, true, true);
    } else if (!strcmp(mode, "funcs")) {
        char line[256];
        while (fgets(line, sizeof line, stdin)) {
            char *end;
            uint32_t off = (uint32_t)strtoul(line, &end, 0);
            if (end == line) continue;
            uint32_t f = diag_symbols_func_at(s, off, NULL);
            const char *name = f == DIAG_NONE ? NULL : diag_symbols_func_name(s, f);
            printf("0x%" PRIx32 "\t%s\n", off, name ? name : "-");
        }
    } else if (!strcmp(mode, "report")) {
        kiln_trap t = {0};
        diag_report_opts o = {.detail = DIAG_DETAIL_FRAMES};
        bool json = false;
        kiln_frame frames[64];
        t.kind = KILN_TRAP_UNREACHABLE;
        for (; i < argc; i++) {
            const char *a = argv[i];
            if (!strcmp(a, "--json")) json = true;
            else if (!strncmp(a, "--detail=", 9)) diag_detail_parse(a + 9, &o.detail);
            else if (!strncmp(a, "--sp=", 5)) {
                o.stack_pointer_known = true;
                o.stack_pointer = (uint32_t)strtoul(a + 5, NULL, 0);
            } else if (!strncmp(a, "--kind=", 7)) t.kind = parse_kind(a + 7);
            else if (!strncmp(a, "--address=", 10)) t.address = strtoull(a + 10, NULL, 0);
            else if (!strncmp(a, "--message=", 10)) snprintf(t.message, sizeof t.message, "%s", a + 10);
            else if (!strncmp(a, "--detail-text=", 14)) snprintf(t.detail, sizeof t.detail, "%s", a + 14);
            else if (!strcmp(a, "--host")) {
                if (t.nframes < 64) frames[t.nframes++] = (kiln_frame){0};
            } else if (t.nframes < 64) {
                uint32_t off = (uint32_t)strtoul(a, NULL, 0);
                uint32_t f = diag_symbols_func_at(s, off, NULL);
                frames[t.nframes++] = (kiln_frame){
                    .module = (const kiln_module *)s, /* any non-NULL: a wasm frame */
                    .func_index = f,
                    .module_offset = diag_symbols_code_section_offset(s) + off,
                    .code_offset = off};
            }
        }
        t.frames = frames;
        if (json) {
            char *j = diag_format_trap_json(&t, s, &o);
            if (!j) rc = 1;
            else printf("%s\n", j);
            free(j);
        } else {
            rc = diag_format_trap(&t, s, &o, stdout) ? 1 : 0;
        }
    }
    diag_symbols_free(s);
    free(wasm);
    return rc;
}
