/* diag_coredump.c — unit tests of the coredump encoder/decoder and the
 * profile renderings (src/diag/coredump.c, profile.c), and of kiln run's
 * gathering (src/cli/diagout.c, compiled in here) on a trap kind that the
 * CLI cannot reach: a host function's. Expected values follow from how each
 * input was made. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "kiln.h"
#include "diag/coredump.h"
#include "diag/profile.h"
#include "diag_wasmgen.h"

/* kiln run's gathering code and the helpers it uses, built into this test. */
#include "cli/diagout.c"
#include "cli/util.c"

static diag_core_value V(uint8_t type, uint64_t bits) { diag_core_value v = {.type = type, .bits = bits}; return v; }

/* ---------------------------------------------------------------- round trip */

static void test_round_trip(void) {
    static uint8_t mem0[2 * 65536], mem1[65536];
    memset(mem0, 0, sizeof mem0);
    memset(mem1, 0, sizeof mem1);
    memcpy(mem0 + 100, "hello", 5);
    mem0[65536 + 1000] = 0xff;        /* second page */
    memset(mem0 + 4000, 0x5a, 300);   /* spans several 64-byte chunks */
    mem0[sizeof mem0 - 1] = 1;        /* the very last byte */
    mem1[0] = 9;

    diag_core_value locals0[] = {
        V(KILN_I32, 0xfffffff9u), V(KILN_I64, (uint64_t)-5000000000LL), V(KILN_F32, 0x7fc00001u),
        V(KILN_F64, 0x4019000000000000ull), V(DIAG_CORE_MISSING, 0), V(KILN_I32, 0x80000000u),
    };
    diag_core_value stack0[] = {V(KILN_I64, 1), V(KILN_I32, 2)};
    diag_core_frame frames[] = {
        {.instance = 1, .func_index = 7, .code_offset = 0x35, .nlocals = 6, .locals = locals0, .nstack = 2, .stack = stack0},
        {.instance = 0, .func_index = 300, .code_offset = 200000, .nlocals = 0},
    };
    diag_core_thread th = {.name = "main", .nframes = 2, .frames = frames};
    diag_core_value globals[5] = {V(KILN_I32, 66560), V(KILN_I64, (uint64_t)-1), V(KILN_F64, 0xbfd0000000000000ull),
                                  V(KILN_FUNCREF, 0), V(KILN_V128, 0)};
    for (int i = 0; i < 16; i++) globals[4].v128[i] = (uint8_t)(i * 17);
    uint32_t g0[] = {0, 1, 3}, g1[] = {2, 4}, m0[] = {0}, m1[] = {1};
    diag_core_instance insts[] = {{.module = 0, .nmemories = 1, .memories = m0, .nglobals = 3, .globals = g0},
                                  {.module = 1, .nmemories = 1, .memories = m1, .nglobals = 2, .globals = g1}};
    diag_core_memory mems[] = {{.pages = 2, .data = mem0}, {.pages = 1, .has_max = true, .max_pages = 4, .data = mem1}};
    char *mods[] = {"app.wasm", "lib.wasm"};
    diag_coredump c = {.executable = "app.wasm", .nmodules = 2, .modules = mods, .ninstances = 2, .instances = insts,
                       .nthreads = 1, .threads = &th, .nmemories = 2, .memories = mems, .nglobals = 5,
                       .globals = globals, .has_trap = true, .trap_kind = KILN_TRAP_UNREACHABLE,
                       .trap_message = "unreachable", .trap_detail = "it was"};
    uint8_t *bytes;
    size_t len;
    kiln_error err = {0};
    CHECK(diag_coredump_encode(&c, &bytes, &len, &err), "encode a coredump with 2 instances, 2 memories, 5 globals");
    if (!bytes) return;
    /* Runs of zeros are left out: far smaller than the 192 KiB of memory. */
    CHECK(len < 2000, "zero runs are not written (%zu bytes for 192 KiB of memory)", len);

    diag_coredump *r = diag_coredump_parse(bytes, len, &err);
    CHECK(r != NULL, "parse what was encoded (%s)", r ? "" : err.message);
    if (!r) { free(bytes); return; }
    CHECK(!strcmp(r->executable, "app.wasm") && r->nmodules == 2 && !strcmp(r->modules[1], "lib.wasm"),
          "process info and modules read back");
    CHECK(r->ninstances == 2 && r->instances[1].module == 1 && r->instances[0].nglobals == 3 &&
              r->instances[0].globals[2] == 3 && r->instances[1].memories[0] == 1,
          "instances read back with their memory and global indexes");
    CHECK(r->has_trap && r->trap_kind == KILN_TRAP_UNREACHABLE && !strcmp(r->trap_detail, "it was"),
          "kiln:trap section read back");
    CHECK(r->nthreads == 1 && !strcmp(r->threads[0].name, "main") && r->threads[0].nframes == 2, "one thread, 2 frames");
    const diag_core_frame *f = &r->threads[0].frames[0];
    bool same = f->instance == 1 && f->func_index == 7 && f->code_offset == 0x35 && f->nlocals == 6 && f->nstack == 2;
    for (uint32_t i = 0; same && i < 6; i++)
        same = f->locals[i].type == locals0[i].type &&
               (locals0[i].type == DIAG_CORE_MISSING || f->locals[i].bits == locals0[i].bits);
    CHECK(same, "frame 0: indexes, offset and every local (negative i32/i64, NaN payload, missing) read back");
    CHECK(f->stack[0].type == KILN_I64 && f->stack[0].bits == 1 && f->stack[1].bits == 2, "stack values read back");
    CHECK(r->threads[0].frames[1].code_offset == 200000 && r->threads[0].frames[1].func_index == 300,
          "frame 1: multi-byte LEB values read back");
    same = r->nglobals == 5;
    for (uint32_t i = 0; same && i < 5; i++) same = r->globals[i].type == globals[i].type && r->globals[i].bits == globals[i].bits;
    CHECK(same && !memcmp(r->globals[4].v128, globals[4].v128, 16), "globals of every type read back (v128 too)");
    CHECK(r->nmemories == 2 && r->memories[0].pages == 2 && !r->memories[0].has_max && r->memories[1].has_max &&
              r->memories[1].max_pages == 4,
          "memory sizes and limits read back");
    /* The segments must rebuild the memory exactly. */
    for (uint32_t mi = 0; mi < 2 && mi < r->nmemories; mi++) {
        size_t sz = mi == 0 ? sizeof mem0 : sizeof mem1;
        uint8_t *re = calloc(1, sz);
        if (!re) continue;
        for (uint32_t k = 0; k < r->memories[mi].nsegments; k++) {
            const diag_core_segment *s = &r->memories[mi].segments[k];
            if (s->offset + s->size <= sz) memcpy(re + s->offset, s->data, s->size);
        }
        CHECK(!memcmp(re, mi == 0 ? mem0 : mem1, sz), "memory %u rebuilt from %u data segments is identical", mi,
              r->memories[mi].nsegments);
        free(re);
    }
    diag_coredump_free(r);

    /* Every prefix and every single-byte change: errors, never a crash
     * (this suite also runs under ASan and UBSan). */
    int prefix_errors = 0;
    for (size_t n = 0; n < len; n++) {
        diag_coredump *x = diag_coredump_parse(bytes, n, &err);
        if (!x) prefix_errors++;
        diag_coredump_free(x);
    }
    CHECK(prefix_errors >= (int)len - 16, "truncated files are refused (%d of %zu prefixes)", prefix_errors, len);
    uint8_t *mut = malloc(len);
    if (mut) {
        for (size_t i = 0; i < len; i++) {
            memcpy(mut, bytes, len);
            mut[i] ^= (uint8_t)(0x80 | i);
            diag_coredump_free(diag_coredump_parse(mut, len, &err));
        }
        free(mut);
        CHECK(1, "every one-byte corruption parsed without a crash");
    }
    free(bytes);

    /* Indexes that lead nowhere are refused on both sides. */
    frames[0].instance = 5;
    CHECK(!diag_coredump_encode(&c, &bytes, &len, &err) && strstr(err.message, "instance 5"),
          "encode refuses a frame of a missing instance: %s", err.message);
}

/* Hand-made files: the reader follows the format, not just our writer. */
static void test_parse_errors(void) {
    kiln_error err = {0};
    buf m = {.n = 0}, s = {.n = 0};
    bn(&m, "\0asm\1\0\0\0", 8);
    s.n = 0; b8(&s, 0); bstr(&s, "x"); bcustom(&m, "core", &s);
    /* memory: 32769 pages; one segment at i32.const -2147483648 (2 GiB) */
    s.n = 0; bu(&s, 1); b8(&s, 0); bu(&s, 32769); bsec(&m, 5, &s);
    s.n = 0; bu(&s, 1); b8(&s, 0); b8(&s, 0x41); bn(&s, "\x80\x80\x80\x80\x78", 5); b8(&s, 0x0b); bu(&s, 2); bn(&s, "hi", 2);
    bsec(&m, 11, &s);
    diag_coredump *c = diag_coredump_parse(m.d, m.n, &err);
    CHECK(c && c->nmemories == 1 && c->memories[0].nsegments == 1 && c->memories[0].segments[0].offset == 0x80000000u,
          "a segment offset written as a negative i32 is the unsigned address 2 GiB");
    diag_coredump_free(c);

    buf d = {.n = 0};
    bn(&d, m.d, m.n);
    s.n = 0; b8(&s, 0); bstr(&s, "y"); bcustom(&d, "core", &s);
    c = diag_coredump_parse(d.d, d.n, &err);
    CHECK(!c && strstr(err.message, "second \"core\""), "two \"core\" sections are refused: %s", err.message);
    diag_coredump_free(c);

    buf e = {.n = 0};
    bn(&e, "\0asm\1\0\0\0", 8);
    c = diag_coredump_parse(e.d, e.n, &err);
    CHECK(!c && strstr(err.message, "no \"core\""), "a module without \"core\" is not a coredump: %s", err.message);
    diag_coredump_free(c);

    /* A value type the format does not have. */
    buf f = {.n = 0};
    bn(&f, "\0asm\1\0\0\0", 8);
    s.n = 0; b8(&s, 0); bstr(&s, "x"); bcustom(&f, "core", &s);
    s.n = 0; b8(&s, 0); bstr(&s, "t"); bu(&s, 1); b8(&s, 0); bu(&s, 0); bu(&s, 0); bu(&s, 0); bu(&s, 1); b8(&s, 0x7b);
    bcustom(&f, "corestack", &s);
    c = diag_coredump_parse(f.d, f.n, &err);
    CHECK(!c && strstr(err.message, "unknown value type"), "a v128 value in a frame is refused: %s", err.message);
    diag_coredump_free(c);

    /* Another tool's sections (a name section, a type section) are skipped. */
    buf g = {.n = 0};
    bn(&g, "\0asm\1\0\0\0", 8);
    s.n = 0; bu(&s, 0); bsec(&g, 1, &s);
    s.n = 0; b8(&s, 1); bcustom(&g, "name", &s);
    s.n = 0; b8(&s, 0); bstr(&s, "prog"); bcustom(&g, "core", &s);
    c = diag_coredump_parse(g.d, g.n, &err);
    CHECK(c && !strcmp(c->executable, "prog") && c->nthreads == 0, "unknown sections are skipped");
    diag_coredump_free(c);
}

static void test_locals(void) {
    /* A v128 takes two slots; references have no encoding. */
    kiln_valtype types[] = {KILN_I32, KILN_V128, KILN_F32, KILN_FUNCREF, KILN_I64};
    uint64_t slots[] = {0xdeadbeef00000007ull, 1, 2, 0x3fc00000, 0, 0xfffffffffffffffeull};
    diag_core_value *v = diag_core_locals(types, 5, slots, 6);
    CHECK(v && v[0].type == KILN_I32 && v[0].bits == 7 && v[1].type == DIAG_CORE_MISSING && v[2].type == KILN_F32 &&
              v[2].bits == 0x3fc00000 && v[3].type == DIAG_CORE_MISSING && v[4].type == KILN_I64 &&
              v[4].bits == 0xfffffffffffffffeull,
          "locals from slots: i32 from the low half, v128 skips two slots, references missing");
    free(v);
    v = diag_core_locals(types, 5, NULL, 0);
    bool all = v != NULL;
    for (int i = 0; all && i < 5; i++) all = v[i].type == DIAG_CORE_MISSING;
    CHECK(all, "locals not captured: every one missing, the count kept");
    free(v);
    v = diag_core_locals(types, 5, slots, 5);
    CHECK(v && v[0].type == DIAG_CORE_MISSING, "slots that do not match the types are not trusted");
    free(v);
}

/* ---------------------------------------------------------------- host trap, through kiln run's code */

static kiln_trap *fail_host(kiln_caller *c, void *env, uint64_t *slots) {
    (void)c; (void)env; (void)slots;
    return kiln_trap_new(KILN_TRAP_HOST, "the host said no");
}

static void test_host_trap(void) {
    buf m = {.n = 0}, s = {.n = 0};
    bn(&m, "\0asm\1\0\0\0", 8);
    s.n = 0; bu(&s, 2); b8(&s, 0x60); bu(&s, 0); bu(&s, 0); b8(&s, 0x60); bu(&s, 1); b8(&s, 0x7f); bu(&s, 0);
    bsec(&m, 1, &s);
    s.n = 0; bu(&s, 1); bstr(&s, "env"); bstr(&s, "fail"); b8(&s, 0); bu(&s, 0); bsec(&m, 2, &s);
    s.n = 0; bu(&s, 1); bu(&s, 1); bsec(&m, 3, &s);
    s.n = 0; bu(&s, 1); b8(&s, 0); bu(&s, 1); bsec(&m, 5, &s);
    s.n = 0; bu(&s, 1); b8(&s, 0x7f); b8(&s, 1); b8(&s, 0x41); bu(&s, 1234); b8(&s, 0x0b); bsec(&m, 6, &s);
    s.n = 0; bu(&s, 1); bstr(&s, "run"); b8(&s, 0); bu(&s, 1); bsec(&m, 7, &s);
    /* run(i32) with one i64 local: local 1 = -7; call env.fail. The call is
     * 7 bytes into the body (3 of local declarations, 2 + 2 before it). */
    s.n = 0; bu(&s, 1);
    static const uint8_t body[] = {0x01, 0x01, 0x7e, 0x42, 0x79, 0x21, 0x01, 0x10, 0x00, 0x0b};
    bu(&s, sizeof body); bn(&s, body, sizeof body);
    bsec(&m, 10, &s);
    s.n = 0; bu(&s, 1); b8(&s, 0); b8(&s, 0x41); bu(&s, 8); b8(&s, 0x0b); bstr(&s, "abc"); bsec(&m, 11, &s);

    char path[] = "/tmp/kiln-unit-core-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) { CHECK(0, "a temporary file"); return; }
    close(fd);
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_module *mod = e ? kiln_module_new(e, m.d, m.n, &err) : NULL;
    kiln_linker *l = e ? kiln_linker_new(e) : NULL;
    kiln_store *st = e ? kiln_store_new(e, NULL, NULL) : NULL;
    kiln_functype ft = {NULL, 0, NULL, 0};
    if (!mod || !l || !st || !kiln_linker_define_host(l, "env", "fail", &ft, fail_host, NULL, &err)) {
        CHECK(0, "set up the host-trap module: %s", err.message);
        goto out;
    }
    cli_diagout d = {.coredump_path = path};
    CHECK(cli_diagout_start(&d, st, mod, "host.wasm"), "diagout starts");
    kiln_trap *trap = NULL;
    kiln_instance *inst = kiln_instantiate(st, l, mod, &trap, &err);
    if (!inst) { CHECK(0, "instantiate: %s", err.message); kiln_trap_free(trap); goto out; }
    d.instance = inst;
    kiln_val arg = {.type = KILN_I32, .of.i32 = 99};
    kiln_status rs = kiln_call(st, kiln_instance_func(inst, "run"), &arg, 1, NULL, 0, &trap, &err);
    CHECK(rs == KILN_TRAPPED && trap && trap->kind == KILN_TRAP_HOST, "the host function traps");
    if (trap) cli_diagout_trap(&d, trap);
    kiln_trap_free(trap);
    cli_diagout_finish(&d);

    size_t len;
    unsigned char *bytes = cli_read_file(path, &len);
    diag_coredump *c = bytes ? diag_coredump_parse(bytes, len, &err) : NULL;
    CHECK(c != NULL, "kiln run's gathering wrote a coredump for a host trap");
    if (c) {
        CHECK(c->has_trap && c->trap_kind == KILN_TRAP_HOST && !strcmp(c->trap_detail, "the host said no"),
              "its kiln:trap section names the host trap");
        const diag_core_frame *f = c->nthreads == 1 && c->threads[0].nframes == 1 ? &c->threads[0].frames[0] : NULL;
        CHECK(f && f->func_index == 1 && f->code_offset == 7, "one frame: run (func 1), at the call, 7 bytes into its body");
        CHECK(f && f->nlocals == 2 && f->locals[0].type == KILN_I32 && f->locals[0].bits == 99 &&
                  f->locals[1].type == KILN_I64 && (int64_t)f->locals[1].bits == -7,
              "its locals: the argument 99 and the i64 -7");
        CHECK(c->nglobals == 1 && c->globals[0].bits == 1234 && c->nmemories == 1 && c->memories[0].pages == 1 &&
                  c->memories[0].nsegments == 1 && c->memories[0].segments[0].offset == 8 &&
                  !memcmp(c->memories[0].segments[0].data, "abc", 3),
              "the instance's global and memory (\"abc\" at 8)");
    }
    diag_coredump_free(c);
    free(bytes);
out:
    unlink(path);
    kiln_store_free(st);
    kiln_linker_free(l);
    kiln_module_free(mod);
    kiln_engine_free(e);
}

/* ---------------------------------------------------------------- profiles */

static const char *line_after(const char *text, const char *line) {
    size_t n = strlen(line);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, line, n) && (p[n] == '\n' || p[n] == 0)) return p;
    return NULL;
}

/* The numbers of the table row of function `name` (the last column). */
static bool row(const char *table, const char *name, uint64_t *self, uint64_t *total, uint64_t *calls) {
    size_t nl = strlen(name);
    for (const char *p = table; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > nl && p[len - nl - 1] == ' ' && !strncmp(p + len - nl, name, nl) &&
            sscanf(p, "%" SCNu64 " %*s %" SCNu64 " %*s %" SCNu64, self, total, calls) == 3)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

static void test_profile(void) {
    static const int fake_module; /* only compared, never read */
    const kiln_module *M = (const kiln_module *)&fake_module;
    uint8_t wasm[8192];
    size_t wl = gen_module(wasm, 1, 0, "/x");
    kiln_error err = {0};
    diag_symbols *syms = diag_symbols_build(wasm, wl, &err);
    /* root -> main(h) -> alpha(1) x3, ns::beta(int)(2), rec(h) -> rec -> rec;
     * host names stand in for functions the test names itself. */
    static const char main_s[] = "main", rec_s[] = "rec", semi[] = "odd;name";
    kiln_profile_node n[] = {
        {NULL, 0, 0, 0, 0, NULL},
        {NULL, 0, 0, 10, 1, main_s},
        {M, 1, 1, 300, 3, NULL},
        {M, 2, 1, 100, 1, NULL},
        {NULL, 0, 1, 5, 1, rec_s},
        {NULL, 0, 4, 6, 1, rec_s},
        {NULL, 0, 5, 7, 1, rec_s},
        {NULL, 0, 1, 2, 1, semi},
    };
    diag_profile *p = diag_profile_build(n, 8, M, syms, &err);
    CHECK(p != NULL, "build a profile");
    if (!p) { diag_symbols_free(syms); return; }
    CHECK(diag_profile_total_fuel(p) == 430, "total fuel is the sum of selfs (430)");
    char *col = diag_profile_collapsed(p);
    CHECK(col && line_after(col, "main 10") && line_after(col, "main;alpha 300") && line_after(col, "main;ns::beta(int) 100") &&
              line_after(col, "main;rec 5") && line_after(col, "main;rec;rec 6") && line_after(col, "main;rec;rec;rec 7") &&
              line_after(col, "main;odd_name 2"),
          "collapsed stacks: one line per context, names from the name section demangled, ';' in a name replaced");
    int lines = 0;
    for (const char *q = col; q && *q; q++) lines += *q == '\n';
    CHECK(lines == 7, "no other lines (%d)", lines);
    char *table = diag_profile_table(p, 0);
    uint64_t se = 0, to = 0, ca = 0;
    /* rec: self 18; total counts the recursion once: 18, not 5+6+7 + 6+7 + 7. */
    CHECK(table && row(table, "rec", &se, &to, &ca) && se == 18 && to == 18 && ca == 3,
          "table: a recursive function's total counts each stack once");
    CHECK(table && row(table, "main", &se, &to, &ca) && se == 10 && to == 430 && ca == 1 && strstr(table, " 100.00% "),
          "table: main's total is everything");
    CHECK(table && row(table, "alpha", &se, &to, &ca) && se == 300 && to == 300 && ca == 3 && strstr(table, " 69.77% "),
          "table: alpha's self, total, calls and share (300/430)");
    CHECK(table && row(table, "ns::beta(int)", &se, &to, &ca) && se == 100 && ca == 1, "table: the demangled C++ name");
    const char *a = table ? strstr(table, "alpha") : NULL, *b = table ? strstr(table, "ns::beta") : NULL;
    CHECK(a && b && a < b, "table: sorted by self fuel");
    char *svg = diag_profile_svg(p, "t<1>");
    CHECK(svg && strstr(svg, "t&lt;1&gt;") && !strstr(svg, "t<1>"),
          "svg: the title is escaped");
    int rects = 0;
    for (const char *q = svg; q && (q = strstr(q, "<rect x=")); q++) rects++;
    CHECK(rects == 1 + 8, "svg: the background and one box per context with the root (%d)", rects);

    /* The same tree with siblings created in another order: same bytes. */
    kiln_profile_node n2[] = {
        {NULL, 0, 0, 0, 0, NULL},
        {NULL, 0, 0, 10, 1, main_s},
        {NULL, 0, 1, 2, 1, semi},
        {NULL, 0, 1, 5, 1, rec_s},
        {M, 2, 1, 100, 1, NULL},
        {NULL, 0, 3, 6, 1, rec_s},
        {M, 1, 1, 300, 3, NULL},
        {NULL, 0, 5, 7, 1, rec_s},
    };
    diag_profile *p2 = diag_profile_build(n2, 8, M, syms, &err);
    char *col2 = p2 ? diag_profile_collapsed(p2) : NULL, *svg2 = p2 ? diag_profile_svg(p2, "t<1>") : NULL;
    CHECK(col && col2 && !strcmp(col, col2) && svg && svg2 && !strcmp(svg, svg2),
          "the order calls happened in does not change the output");
    free(col); free(table); free(svg); free(col2); free(svg2);
    diag_profile_free(p);
    diag_profile_free(p2);

    /* A chain deeper than the cut: everything below it in one frame. */
    enum { DEEP = DIAG_PROFILE_MAX_DEPTH + 100 };
    kiln_profile_node *deep = calloc(DEEP + 1, sizeof *deep);
    if (deep) {
        for (uint32_t i = 1; i <= DEEP; i++) deep[i] = (kiln_profile_node){NULL, 0, i - 1, 1, 1, rec_s};
        diag_profile *pd = diag_profile_build(deep, DEEP + 1, M, syms, &err);
        char *cd = pd ? diag_profile_collapsed(pd) : NULL;
        const char *last = cd ? strstr(cd, "[deeper frames] ") : NULL;
        CHECK(last && atoi(last + 16) == DEEP - DIAG_PROFILE_MAX_DEPTH && diag_profile_total_fuel(pd) == DEEP,
              "stacks deeper than %d frames end in one [deeper frames] holding the rest", DIAG_PROFILE_MAX_DEPTH);
        char *td = pd ? diag_profile_table(pd, 0) : NULL;
        uint64_t se = 0, to = 0, ca = 0;
        CHECK(td && row(td, "rec", &se, &to, &ca) && se == DEEP && to == DEEP && ca == DEEP,
              "the table still counts every frame of the deep recursion");
        free(td);
        free(cd);
        diag_profile_free(pd);
        free(deep);
    }
    kiln_profile_node bad[] = {{NULL, 0, 0, 0, 0, NULL}, {NULL, 0, 2, 0, 0, main_s}, {NULL, 0, 1, 0, 0, main_s}};
    diag_profile *pb = diag_profile_build(bad, 3, M, syms, &err);
    CHECK(!pb && strstr(err.message, "tree"), "nodes whose parents come later are refused: %s", err.message);
    diag_profile_free(pb);
    diag_symbols_free(syms);
}

int main(void) {
    test_round_trip();
    test_parse_errors();
    test_locals();
    test_host_trap();
    test_profile();
    TAP_DONE();
}
