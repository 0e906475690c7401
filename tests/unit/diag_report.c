/* Unit tests of src/diag/report.c (trap reports) and nearest.c (name
 * suggestions). Traps are built by hand over the module diag_wasmgen.h makes;
 * its source file is written here so snippets can be checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "diag/diag.h"
#include "diag_wasmgen.h"
#include "tap.h"

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
    return n;
}

static int streq_json(const cJSON *o, const char *key, const char *want)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    return cJSON_IsString(v) && strcmp(v->valuestring, want) == 0;
}

/* Shows a report in the TAP output as comment lines. */
static void print_comment(const char *r)
{
    for (const char *p = r; p && *p;) {
        const char *e = strchr(p, '\n');
        int len = e ? (int)(e - p) : (int)strlen(p);
        printf("# %.*s\n", len, p);
        p += len + (e ? 1 : 0);
    }
}

static kiln_frame frame(uint32_t func, uint32_t off)
{
    return (kiln_frame){.module = (const kiln_module *)1, .func_index = func,
                        .module_offset = 1000 + off, .code_offset = off};
}

int main(void)
{
    char dir[] = "/tmp/kiln-diag-report-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/src.c", dir);
    FILE *f = fopen(path, "w");
    for (int i = 1; i <= 45; i++) {
        if (i == 30) fprintf(f, "\tx = table[idx];\n");
        else fprintf(f, "line %d of src.c\n", i);
    }
    fclose(f);

    static uint8_t w[16384];
    kiln_error err;
    size_t n = gen_module(w, 1, 1, dir);
    diag_symbols *s = diag_symbols_build(w, n, &err);
    kiln_frame fr[4] = {frame(1, CODE_BODY(1) + 5), frame(2, CODE_BODY(2) + 3)};
    kiln_trap t = {.kind = KILN_TRAP_MEMORY_OUT_OF_BOUNDS, .address = 0xfffffff0u,
                   .access_size = 4, .memory_size = 17 * 65536, .nframes = 2, .frames = fr};
    snprintf(t.message, sizeof t.message, "out-of-bounds memory access");
    snprintf(t.detail, sizeof t.detail, "4-byte load at address 0xfffffff0; linear memory is 1.06 MiB (17 pages)");
    diag_report_opts o = {.detail = DIAG_DETAIL_FRAMES, .source_root = dir};
    const char *h = NULL;

    char *r = diag_format_trap_str(&t, s, &o);
    print_comment(r);
    static const char head[] = "error: wasm trap: out-of-bounds memory access\n  4-byte load at address 0xfffffff0;";
    CHECK(r && strncmp(r, head, sizeof head - 1) == 0,
          "report starts with the message and the detail");
    CHECK(r && strstr(r, "\nbacktrace:\n  0: helper        at src.c:30:9   (inlined into alpha)\n"),
          "frame 0: the inlined helper, path relative to the source root");
    CHECK(r && strstr(r, "\n  1: alpha         at src.c:20:7\n"), "frame 1: alpha at the call site");
    CHECK(r && strstr(r, "\n  2: ns::beta(int) at src.c:40:1\n"), "frame 2: the demangled C++ function");
    CHECK(r && strstr(r, "  --> src.c:30:9\n") && strstr(r, "30 | \tx = table[idx];\n") &&
          strstr(r, "   | \t       ^\n"), "frame 0's source line with a caret under column 9 (tab kept)");
    CHECK(r && count(r, "-->") == 1, "one snippet at the default detail");
    CHECK(r && strstr(r, "hint: ") && strstr(r, "stack overflow"),
          "an address just below 4 GiB with __stack_pointer as global 0: stack overflow hint");
    CHECK(r && !strstr(r, "note:"), "no 'build with -g' note when there are source lines");
    free(r);

    o.detail = DIAG_DETAIL_LINE;
    r = diag_format_trap_str(&t, s, &o);
    CHECK(r && strcmp(r, "error: wasm trap: out-of-bounds memory access in helper at src.c:30:9\n") == 0,
          "detail 0: one line");
    free(r);

    o.detail = DIAG_DETAIL_FULL;
    r = diag_format_trap_str(&t, s, &o);
    CHECK(r && count(r, "-->") == 3, "detail full: a snippet per frame");
    char want[128];
    snprintf(want, sizeof want, "[wasm offset 0x%x, code offset 0x%x]", 1000 + CODE_BODY(1) + 5, CODE_BODY(1) + 5);
    CHECK(r && strstr(r, want), "detail full: offsets");
    free(r);

    o.detail = DIAG_DETAIL_FRAMES;
    o.no_source = true;
    r = diag_format_trap_str(&t, s, &o);
    CHECK(r && count(r, "-->") == 0, "no_source: no snippet");
    free(r);
    o.no_source = false;

    /* The JSON form. */
    char *j = diag_format_trap_json(&t, s, &o);
    cJSON *doc = j ? cJSON_Parse(j) : NULL;
    CHECK(doc != NULL, "JSON report parses");
    cJSON *frames = cJSON_GetObjectItem(doc, "frames");
    cJSON *f0 = cJSON_GetArrayItem(frames, 0), *f1 = cJSON_GetArrayItem(frames, 1);
    CHECK(cJSON_GetArraySize(frames) == 3, "JSON: 3 frames");
    CHECK(streq_json(doc, "kind", "memory_out_of_bounds") && cJSON_GetObjectItem(doc, "address") &&
          cJSON_GetObjectItem(doc, "address")->valuedouble == 4294967280.0, "JSON: kind and address");
    CHECK(f0 && streq_json(f0, "function", "helper") && cJSON_IsTrue(cJSON_GetObjectItem(f0, "inlined")) &&
          cJSON_GetObjectItem(f0, "line")->valueint == 30, "JSON: frame 0 helper:30, inlined");
    CHECK(f1 && streq_json(f1, "function", "alpha") && cJSON_GetObjectItem(f1, "line")->valueint == 20 &&
          cJSON_GetObjectItem(f1, "func_offset")->valueint == 5, "JSON: frame 1 alpha:20, +5 into its body");
    cJSON_Delete(doc);
    free(j);

    /* Frames of another module than syms' are not symbolicated with it. */
    o.module = (const kiln_module *)2;
    r = diag_format_trap_str(&t, s, &o);
    CHECK(r && strstr(r, "  0: wasm-function[1] (wasm offset") && !strstr(r, "helper"),
          "frames of another module: indexes only");
    free(r);
    o.module = (const kiln_module *)1;
    r = diag_format_trap_str(&t, s, &o);
    CHECK(r && strstr(r, "  0: helper"), "frames of syms' own module: symbolicated");
    free(r);
    o.module = NULL;

    /* Recursion: 99 identical frames below the first are folded, and a
     * wrapped address with a deep, self-recursive stack is a stack overflow. */
    kiln_frame deep[100];
    deep[0] = frame(1, CODE_BODY(1) + 5);
    for (int i = 1; i < 100; i++) deep[i] = frame(2, CODE_BODY(2) + 3);
    kiln_trap rt = t;
    rt.frames = deep;
    rt.nframes = 100;
    o.detail = DIAG_DETAIL_FRAMES;
    r = diag_format_trap_str(&rt, s, &o);
    CHECK(r && strstr(r, "\n  2: ns::beta(int) at src.c:40:1\n  ... the frame above repeats 98 more times (frames 3 to 100)\n"),
          "99 identical frames are shown once with a count");
    CHECK(r && !strstr(r, "  3: "), "the repeated frames are not listed");
    free(r);
    for (int i = 0; i < 100; i++) deep[i] = frame(2, CODE_BODY(2) + 3);
    h = NULL;
    const char *hh = diag_trap_hint(&rt, s, &o);
    CHECK(hh && strncmp(hh, "C stack overflow:", 17) == 0,
          "a wrapped address under deep recursion: C stack overflow, no doubt");
    diag_symbols_free(s);

    /* Names only: function+offset and the -g note. */
    n = gen_module(w, 1, 0, dir);
    s = diag_symbols_build(w, n, &err);
    r = diag_format_trap_str(&t, s, &o);
    snprintf(want, sizeof want, "  0: alpha+0x5 (wasm offset 0x%x)\n", 1000 + CODE_BODY(1) + 5);
    CHECK(r && strstr(r, want), "names only: function+offset (wasm offset)");
    CHECK(r && strstr(r, "note: no debug information; build with -g (kiln-cc -g)"), "names only: the -g note");
    free(r);
    diag_symbols_free(s);

    /* Nothing known: function indexes, host frames. */
    fr[2] = (kiln_frame){0};
    t.nframes = 3;
    t.kind = KILN_TRAP_UNREACHABLE;
    t.message[0] = t.detail[0] = 0;
    r = diag_format_trap_str(&t, NULL, &o);
    char kw[160];
    snprintf(kw, sizeof kw, "error: wasm trap: %s\n", kiln_trap_kind_message(KILN_TRAP_UNREACHABLE));
    CHECK(r && strncmp(r, kw, strlen(kw)) == 0, "empty message: the kind's words, from the table of trap kinds");
    CHECK(r && strstr(r, "  0: wasm-function[1] (wasm offset") && strstr(r, "  2: <host function>\n"),
          "no symbols: function indexes; host frames named as such");
    CHECK(r && strstr(r, "no function names or debug information; build with -g"), "no symbols: the -g note");
    free(r);

    /* Stack-overflow diagnosis from the stack pointer's value. */
    t.kind = KILN_TRAP_MEMORY_OUT_OF_BOUNDS;
    t.address = 0x20;
    CHECK(diag_trap_hint(&t, NULL, NULL) == NULL, "a low address is not a stack overflow");
    t.address = 0x100000008ull;
    diag_report_opts sp = {.stack_pointer_known = true, .stack_pointer = 0xffffff00u};
    h = diag_trap_hint(&t, NULL, &sp);
    CHECK(h && strncmp(h, "C stack overflow", 16) == 0, "negative stack pointer: C stack overflow");
    t.address = 0x7ffff000;
    CHECK(diag_trap_hint(&t, NULL, &sp) && strncmp(diag_trap_hint(&t, NULL, &sp), "C stack overflow", 16) == 0,
          "negative stack pointer and any address: C stack overflow");
    t.kind = KILN_TRAP_EXIT;
    t.exit_code = 3;
    r = diag_format_trap_str(&t, NULL, NULL);
    CHECK(r && strstr(r, "exited with code 3"), "an exit is reported as such");
    free(r);

    /* Detail levels. */
    diag_detail d = DIAG_DETAIL_FULL;
    CHECK(diag_detail_parse("0", &d) && d == DIAG_DETAIL_LINE, "KILN_BACKTRACE=0");
    CHECK(diag_detail_parse("full", &d) && d == DIAG_DETAIL_FULL, "KILN_BACKTRACE=full");
    CHECK(!diag_detail_parse("banana", &d), "an unknown level is refused");
    setenv("KILN_BACKTRACE", "0", 1);
    CHECK(diag_detail_from_env() == DIAG_DETAIL_LINE, "read from the environment");
    unsetenv("KILN_BACKTRACE");
    CHECK(diag_detail_from_env() == DIAG_DETAIL_FRAMES, "default: frames");

    /* Frames with and without DWARF in one backtrace (a program built
     * without -g under a wasi-libc that has it): the bare frames still get
     * the -g note. */
    n = gen_module(w, 1, 1, dir);
    s = diag_symbols_build(w, n, &err);
    kiln_frame mixed[2] = {frame(1, CODE_BODY(1) + 5), frame(3, CODE_BODY(3) + 2)};
    kiln_trap mt = {.kind = KILN_TRAP_UNREACHABLE, .nframes = 2, .frames = mixed};
    o = (diag_report_opts){.detail = DIAG_DETAIL_FRAMES, .source_root = dir};
    r = diag_format_trap_str(&mt, s, &o);
    print_comment(r);
    CHECK(r && strstr(r, "\n  2: wasm-function[3]+0x2 (wasm offset ") &&
          strstr(r, "note: frames without a source line have no debug information; build with -g"),
          "some frames with lines, one without: the -g note for that one");
    free(r);
    /* An indirect call past the table's end has its own kind id and its
     * table operands in JSON. */
    kiln_trap ut = {.kind = KILN_TRAP_UNDEFINED_ELEMENT, .table_size = 8, .element_index = 5000,
                    .nframes = 1, .frames = mixed};
    j = diag_format_trap_json(&ut, s, &o);
    doc = j ? cJSON_Parse(j) : NULL;
    CHECK(doc && streq_json(doc, "kind", "undefined_element") &&
          streq_json(doc, "message", "indirect call past the end of the table"),
          "JSON: undefined_element, in words when the message is empty");
    CHECK(doc && cJSON_GetObjectItem(doc, "element_index") &&
          cJSON_GetObjectItem(doc, "element_index")->valueint == 5000 &&
          cJSON_GetObjectItem(doc, "table_size") && cJSON_GetObjectItem(doc, "table_size")->valueint == 8,
          "JSON: undefined_element's element index and table size");
    cJSON_Delete(doc);
    free(j);
    diag_symbols_free(s);

    /* Name suggestions. */
    const char *cands[] = {"wasi_snapshot_preview1.fd_write", "wasi_snapshot_preview1.fd_read",
                           "wasi_snapshot_preview1.proc_exit", "env.memory", "wasi_unstable.fd_write"};
    const char *out[4];
    int k = diag_nearest_names("wasi_snapshot_preview1.fd_wirte", cands, 5, out, 4);
    CHECK(k >= 1 && strcmp(out[0], "wasi_snapshot_preview1.fd_write") == 0, "a transposition is the best match");
    k = diag_nearest_names("wasi_unstable.fd_read", cands, 5, out, 4);
    CHECK(k >= 1 && strcmp(out[0], "wasi_snapshot_preview1.fd_read") == 0,
          "the right field in another module is suggested");
    k = diag_nearest_names("completely_different", cands, 5, out, 4);
    CHECK(k == 0, "nothing close: no suggestion");
    k = diag_nearest_names("WASI_SNAPSHOT_PREVIEW1.PROC_EXIT", cands, 5, out, 1);
    CHECK(k == 1 && strcmp(out[0], "wasi_snapshot_preview1.proc_exit") == 0, "case does not count");

    unlink(path);
    rmdir(dir);
    TAP_DONE();
}
