/*
 * cmd_spectest.c — `kiln spectest SCRIPT.json...`: runs WebAssembly spec
 * scripts converted by wast2json (a JSON command list beside its .wasm
 * files) against the engine, with the `spectest` host module the scripts
 * import. Every failure is printed with its script and line; the last line
 * is "N passed, N failed, N skipped".
 */
#define _GNU_SOURCE /* memmem */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "cli/tier.h"

typedef struct named {
    char *name;
    kiln_instance *inst;
} named;

/* A name as bytes: wasm names may hold NULs, which cJSON's C strings drop. */
typedef struct rawname {
    char *bytes;
    size_t len;
} rawname;

typedef struct script {
    const char *path;
    char *dir;
    kiln_engine *engine;
    kiln_store *store;
    kiln_linker *linker;
    kiln_instance *current;
    named *names;
    int nnames;
    kiln_module **modules;
    int nmodules;
    int passed, failed, skipped;
    bool verbose;
    rawname *fields;   /* every "field" string of the script, in order */
    int nfields, next_field;
} script;

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t put_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
    if (cp < 0x10000) { o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[2] = (char)(0x80 | (cp & 0x3f)); return 3; }
    o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static uint32_t hex4(const char *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) return 0xfffd;
        v = v << 4 | (uint32_t)h;
    }
    return v;
}

/* Decodes the JSON string starting after its opening quote. */
static bool decode_json_string(const char *p, const char *end, rawname *out) {
    char *o = malloc((size_t)(end - p) + 1);
    if (!o) return false;
    size_t n = 0;
    while (p < end && *p != '"') {
        if (*p != '\\') { o[n++] = *p++; continue; }
        if (++p >= end) break;
        char c = *p++;
        switch (c) {
        case 'n': o[n++] = '\n'; break;
        case 't': o[n++] = '\t'; break;
        case 'r': o[n++] = '\r'; break;
        case 'b': o[n++] = '\b'; break;
        case 'f': o[n++] = '\f'; break;
        case 'u': {
            if (end - p < 4) { free(o); return false; }
            uint32_t cp = hex4(p);
            p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                uint32_t lo = hex4(p + 2);
                if (lo >= 0xdc00 && lo < 0xe000) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); p += 6; }
            }
            n += put_utf8(o + n, cp);
            break;
        }
        default: o[n++] = c;
        }
    }
    out->bytes = o;
    out->len = n;
    return true;
}

/* Collects the "field" strings of the raw JSON text in document order. */
static void collect_fields(script *s, const char *text, size_t len) {
    static const char key[] = "\"field\": \"";
    const char *end = text + len, *p = text;
    while ((p = memmem(p, (size_t)(end - p), key, sizeof key - 1))) {
        p += sizeof key - 1;
        rawname *f = realloc(s->fields, (size_t)(s->nfields + 1) * sizeof *f);
        if (!f) return;
        s->fields = f;
        if (!decode_json_string(p, end, &s->fields[s->nfields])) return;
        s->nfields++;
    }
}

/* ------------------------------------------------------------ the spectest module */

static kiln_trap *print_any(kiln_caller *c, void *env, uint64_t *slots) {
    (void)c; (void)env; (void)slots;
    return NULL;
}

static bool define_spectest(script *s, kiln_error *err) {
    static const kiln_valtype I32[] = {KILN_I32}, I64[] = {KILN_I64}, F32[] = {KILN_F32}, F64[] = {KILN_F64};
    static const kiln_valtype I32F32[] = {KILN_I32, KILN_F32}, F64F64[] = {KILN_F64, KILN_F64};
    static const struct { const char *name; const kiln_valtype *p; uint32_t n; } prints[] = {
        {"print", NULL, 0}, {"print_i32", I32, 1}, {"print_i64", I64, 1}, {"print_f32", F32, 1},
        {"print_f64", F64, 1}, {"print_i32_f32", I32F32, 2}, {"print_f64_f64", F64F64, 2},
    };
    for (size_t i = 0; i < sizeof prints / sizeof prints[0]; i++) {
        kiln_functype t = {prints[i].p, prints[i].n, NULL, 0};
        if (!kiln_linker_define_host(s->linker, "spectest", prints[i].name, &t, print_any, NULL, err)) return false;
    }
    kiln_val v;
    kiln_extern e;
    v.type = KILN_I32; v.of.i32 = 666;
    e.kind = KILN_EXTERN_GLOBAL;
    if (!(e.of.global = kiln_global_new(s->store, v, false, err)) || !kiln_linker_define(s->linker, "spectest", "global_i32", e, err)) return false;
    v.type = KILN_I64; v.of.i64 = 666;
    if (!(e.of.global = kiln_global_new(s->store, v, false, err)) || !kiln_linker_define(s->linker, "spectest", "global_i64", e, err)) return false;
    v.type = KILN_F32; v.of.f32_bits = 0x4426a666; /* 666.6 */
    if (!(e.of.global = kiln_global_new(s->store, v, false, err)) || !kiln_linker_define(s->linker, "spectest", "global_f32", e, err)) return false;
    v.type = KILN_F64; v.of.f64_bits = 0x4084d4cccccccccdull; /* 666.6 */
    if (!(e.of.global = kiln_global_new(s->store, v, false, err)) || !kiln_linker_define(s->linker, "spectest", "global_f64", e, err)) return false;
    e.kind = KILN_EXTERN_TABLE;
    if (!(e.of.table = kiln_table_new(s->store, KILN_FUNCREF, 10, 20, err)) || !kiln_linker_define(s->linker, "spectest", "table", e, err)) return false;
    e.kind = KILN_EXTERN_MEMORY;
    if (!(e.of.memory = kiln_memory_new(s->store, 1, 2, err)) || !kiln_linker_define(s->linker, "spectest", "memory", e, err)) return false;
    return true;
}

/* ------------------------------------------------------------ values */

/* The bytes of one lane of a v128 in a script ("lane_type"), or 0. */
static int lane_bytes(const cJSON *j) {
    const cJSON *lt = cJSON_GetObjectItem(j, "lane_type");
    if (!cJSON_IsString(lt)) return 0;
    const char *s = lt->valuestring;
    if (!strcmp(s, "i8")) return 1;
    if (!strcmp(s, "i16")) return 2;
    if (!strcmp(s, "i32") || !strcmp(s, "f32")) return 4;
    if (!strcmp(s, "i64") || !strcmp(s, "f64")) return 8;
    return 0;
}

/* A v128 is written lane by lane: {"type": "v128", "lane_type": "i16",
 * "value": ["65535", ...]}, each lane an unsigned decimal (float lanes as
 * their bits). `nan:...` lanes are not values: the caller handles them. */
static bool parse_v128(const cJSON *j, uint8_t out[16]) {
    int lb = lane_bytes(j);
    const cJSON *lanes = cJSON_GetObjectItem(j, "value");
    if (!lb || !cJSON_IsArray(lanes) || cJSON_GetArraySize(lanes) != 16 / lb) return false;
    for (int i = 0; i < 16 / lb; i++) {
        const cJSON *l = cJSON_GetArrayItem(lanes, i);
        if (!cJSON_IsString(l)) return false;
        char *end;
        uint64_t x = strtoull(l->valuestring, &end, 10);
        if (*end) return false;
        for (int k = 0; k < lb; k++) out[i * lb + k] = (uint8_t)(x >> (8 * k));
    }
    return true;
}

/* Externref values in scripts are small integers; kiln carries them as
 * pointers, so "ref.extern N" becomes (void*)(N + 1), keeping NULL free
 * for ref.null. */
static bool parse_value(const cJSON *j, kiln_val *out, bool *skip) {
    const cJSON *type = cJSON_GetObjectItem(j, "type"), *value = cJSON_GetObjectItem(j, "value");
    if (!cJSON_IsString(type)) return false;
    const char *t = type->valuestring;
    const char *v = cJSON_IsString(value) ? value->valuestring : NULL;
    memset(out, 0, sizeof *out);
    (void)skip;
    if (!strcmp(t, "v128")) { out->type = KILN_V128; return parse_v128(j, out->of.v128); }
    if (!v) return false;
    if (!strcmp(t, "i32")) { out->type = KILN_I32; out->of.i32 = (int32_t)strtoul(v, NULL, 10); }
    else if (!strcmp(t, "i64")) { out->type = KILN_I64; out->of.i64 = (int64_t)strtoull(v, NULL, 10); }
    else if (!strcmp(t, "f32")) { out->type = KILN_F32; out->of.f32_bits = (uint32_t)strtoul(v, NULL, 10); }
    else if (!strcmp(t, "f64")) { out->type = KILN_F64; out->of.f64_bits = strtoull(v, NULL, 10); }
    else if (!strcmp(t, "externref")) {
        out->type = KILN_EXTERNREF;
        out->of.externref = !strcmp(v, "null") ? NULL : (void *)(uintptr_t)(strtoull(v, NULL, 10) + 1);
    } else if (!strcmp(t, "exnref")) {
        out->type = KILN_EXNREF;
        if (strcmp(v, "null")) return false; /* scripts pass only null exnrefs */
        out->of.exnref = NULL;
    } else if (!strcmp(t, "funcref")) {
        out->type = KILN_FUNCREF;
        if (strcmp(v, "null")) return false; /* scripts pass only null funcrefs */
        out->of.funcref = NULL;
    } else return false;
    return true;
}

static bool f32_is_canonical_nan(uint32_t b) { return (b & 0x7fffffffu) == 0x7fc00000u; }
static bool f32_is_arith_nan(uint32_t b) { return (b & 0x7fc00000u) == 0x7fc00000u; }
static bool f64_is_canonical_nan(uint64_t b) { return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull; }
static bool f64_is_arith_nan(uint64_t b) { return (b & 0x7ff8000000000000ull) == 0x7ff8000000000000ull; }

/* A v128 result against its expectation, lane by lane: float lanes may
 * expect nan:canonical or nan:arithmetic. */
static bool v128_matches(const cJSON *j, const uint8_t got[16]) {
    int lb = lane_bytes(j);
    const cJSON *lanes = cJSON_GetObjectItem(j, "value");
    const cJSON *lt = cJSON_GetObjectItem(j, "lane_type");
    if (!lb || !cJSON_IsArray(lanes) || cJSON_GetArraySize(lanes) != 16 / lb) return false;
    bool is_float = lt->valuestring[0] == 'f';
    for (int i = 0; i < 16 / lb; i++) {
        const cJSON *l = cJSON_GetArrayItem(lanes, i);
        if (!cJSON_IsString(l)) return false;
        uint64_t have = 0;
        for (int k = lb - 1; k >= 0; k--) have = have << 8 | got[i * lb + k];
        const char *s = l->valuestring;
        if (is_float && !strncmp(s, "nan:", 4)) {
            bool canon = !strcmp(s, "nan:canonical");
            if (!canon && strcmp(s, "nan:arithmetic")) return false;
            bool ok = lb == 4 ? (canon ? f32_is_canonical_nan((uint32_t)have) : f32_is_arith_nan((uint32_t)have))
                              : (canon ? f64_is_canonical_nan(have) : f64_is_arith_nan(have));
            if (!ok) return false;
            continue;
        }
        char *end;
        uint64_t want = strtoull(s, &end, 10);
        if (*end || want != have) return false;
    }
    return true;
}

/* Does `got` match the expected value `j`? */
static bool value_matches(const cJSON *j, const kiln_val *got, bool *skip) {
    const char *t = cJSON_GetObjectItem(j, "type")->valuestring;
    const cJSON *value = cJSON_GetObjectItem(j, "value");
    const char *v = cJSON_IsString(value) ? value->valuestring : "";
    (void)skip;
    if (!strcmp(t, "v128")) return got->type == KILN_V128 && v128_matches(j, got->of.v128);
    if (!strcmp(t, "f32") && got->type == KILN_F32) {
        if (!strcmp(v, "nan:canonical")) return f32_is_canonical_nan(got->of.f32_bits);
        if (!strcmp(v, "nan:arithmetic")) return f32_is_arith_nan(got->of.f32_bits);
    }
    if (!strcmp(t, "f64") && got->type == KILN_F64) {
        if (!strcmp(v, "nan:canonical")) return f64_is_canonical_nan(got->of.f64_bits);
        if (!strcmp(v, "nan:arithmetic")) return f64_is_arith_nan(got->of.f64_bits);
    }
    if (!strcmp(t, "exnref") && got->type == KILN_EXNREF) {
        if (!strcmp(v, "null")) return got->of.exnref == NULL;
        return got->of.exnref != NULL;
    }
    if (!strcmp(t, "funcref") && got->type == KILN_FUNCREF) {
        if (!strcmp(v, "null")) return got->of.funcref == NULL;
        return got->of.funcref != NULL; /* "ref.func": any non-null function */
    }
    kiln_val want;
    bool sk = false;
    if (!parse_value(j, &want, &sk)) return false;
    if (want.type != got->type) return false;
    switch (want.type) {
    case KILN_I32: return want.of.i32 == got->of.i32;
    case KILN_I64: return want.of.i64 == got->of.i64;
    case KILN_F32: return want.of.f32_bits == got->of.f32_bits;
    case KILN_F64: return want.of.f64_bits == got->of.f64_bits;
    case KILN_EXTERNREF: return want.of.externref == got->of.externref;
    default: return false;
    }
}

static void format_value(const kiln_val *v, char *buf, size_t n) {
    switch (v->type) {
    case KILN_I32: snprintf(buf, n, "i32:%" PRIu32, (uint32_t)v->of.i32); break;
    case KILN_I64: snprintf(buf, n, "i64:%" PRIu64, (uint64_t)v->of.i64); break;
    case KILN_F32: snprintf(buf, n, "f32:0x%08" PRIx32, v->of.f32_bits); break;
    case KILN_F64: snprintf(buf, n, "f64:0x%016" PRIx64, v->of.f64_bits); break;
    case KILN_FUNCREF: snprintf(buf, n, "funcref:%s", v->of.funcref ? "func" : "null"); break;
    case KILN_EXNREF: snprintf(buf, n, "exnref:%s", v->of.exnref ? "exn" : "null"); break;
    case KILN_EXTERNREF:
        if (v->of.externref) snprintf(buf, n, "externref:%" PRIuPTR, (uintptr_t)v->of.externref - 1);
        else snprintf(buf, n, "externref:null");
        break;
    case KILN_V128: { /* as i32 lanes, the first lane first */
        uint32_t l[4];
        memcpy(l, v->of.v128, 16);
        snprintf(buf, n, "v128:i32x4 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32, l[0], l[1], l[2], l[3]);
        break;
    }
    default: snprintf(buf, n, "?"); break;
    }
}

/* ------------------------------------------------------------ commands */

static void fail(script *s, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(script *s, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL %s:%d: ", s->path, line);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    s->failed++;
}

static unsigned char *load(script *s, const char *file, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", s->dir, file);
    return cli_read_file(path, len);
}

/* --tier native: every module also compiled to native code (default: interp). */
static cli_tier spec_tier = {.tier = TIER_INTERP, .set = true};

static kiln_module *compile(script *s, const char *file, kiln_error *err) {
    size_t len;
    unsigned char *bytes = load(s, file, &len);
    if (!bytes) { kiln_error_set(err, KILN_ERR_NOT_FOUND, "cannot read %s/%s: %s", s->dir, file, strerror(errno)); return NULL; }
    kiln_module *m = kiln_module_new(s->engine, bytes, len, err);
    free(bytes);
    if (m && spec_tier.tier == TIER_NATIVE) {
        char cache[4096];
        kiln_native_options o;
        cli_tier_native_options(&spec_tier, &o, cache, sizeof cache);
        if (!kiln_module_compile_native(m, &o, NULL, err)) { kiln_module_free(m); return NULL; }
    }
    if (m) {
        kiln_module **nm = realloc(s->modules, (size_t)(s->nmodules + 1) * sizeof *nm);
        if (!nm) { kiln_module_free(m); kiln_error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
        s->modules = nm;
        s->modules[s->nmodules++] = m; /* freed after the store */
    }
    return m;
}

static kiln_instance *find_instance(script *s, const cJSON *name) {
    if (!cJSON_IsString(name)) return s->current;
    for (int i = s->nnames - 1; i >= 0; i--)
        if (!strcmp(s->names[i].name, name->valuestring)) return s->names[i].inst;
    return NULL;
}

static void cmd_module(script *s, const cJSON *c, int line) {
    kiln_error err = {0};
    const cJSON *file = cJSON_GetObjectItem(c, "filename"), *name = cJSON_GetObjectItem(c, "name");
    s->current = NULL;
    kiln_module *m = compile(s, file->valuestring, &err);
    if (!m) { fail(s, line, "module %s did not compile: %s", file->valuestring, err.message); return; }
    kiln_trap *trap = NULL;
    kiln_instance *inst = kiln_instantiate(s->store, s->linker, m, &trap, &err);
    if (!inst) {
        fail(s, line, "module %s did not instantiate: %s", file->valuestring, trap ? trap->message : err.message);
        kiln_trap_free(trap);
        return;
    }
    s->current = inst;
    if (cJSON_IsString(name)) {
        named *nn = realloc(s->names, (size_t)(s->nnames + 1) * sizeof *nn);
        if (!nn) return;
        s->names = nn;
        s->names[s->nnames].name = strdup(name->valuestring);
        s->names[s->nnames++].inst = inst;
    }
    s->passed++;
}

/* Runs an action; returns 0 ok, 1 trapped, 2 error (already reported). */
static int do_action(script *s, const cJSON *a, int line, kiln_val *results, uint32_t *nresults, kiln_trap **trap, bool *skip) {
    const char *type = cJSON_GetObjectItem(a, "type")->valuestring;
    const char *field = cJSON_GetObjectItem(a, "field")->valuestring;
    /* The same field, byte-exact (cJSON stops at a NUL). */
    const char *fname = field;
    size_t flen = strlen(field);
    if (s->next_field < s->nfields) {
        rawname *rn = &s->fields[s->next_field++];
        if (rn->len >= flen && !memcmp(rn->bytes, field, flen)) { fname = rn->bytes; flen = rn->len; }
    }
    kiln_instance *inst = find_instance(s, cJSON_GetObjectItem(a, "module"));
    if (!inst) { fail(s, line, "no module to run %s in", field); return 2; }
    kiln_extern ext;
    bool found = kiln_instance_export_n(inst, fname, flen, &ext);
    if (!strcmp(type, "get")) {
        if (!found || ext.kind != KILN_EXTERN_GLOBAL) { fail(s, line, "no global export \"%s\"", field); return 2; }
        results[0] = kiln_global_get(ext.of.global);
        *nresults = 1;
        return 0;
    }
    if (!found || ext.kind != KILN_EXTERN_FUNC) { fail(s, line, "no function export \"%s\"", field); return 2; }
    kiln_func *f = ext.of.func;
    const cJSON *args = cJSON_GetObjectItem(a, "args");
    int n = cJSON_GetArraySize(args);
    kiln_val argv[64];
    if (n > 64) { fail(s, line, "too many arguments"); return 2; }
    for (int i = 0; i < n; i++)
        if (!parse_value(cJSON_GetArrayItem(args, i), &argv[i], skip)) { fail(s, line, "cannot parse argument %d", i); return 2; }
    if (*skip) return 0;
    kiln_functype ft;
    kiln_func_type(f, &ft);
    if (ft.nresults > 64) { fail(s, line, "too many results"); return 2; }
    kiln_error err = {0};
    kiln_status st = kiln_call(s->store, f, argv, (uint32_t)n, results, ft.nresults, trap, &err);
    *nresults = ft.nresults;
    if (st == KILN_ERROR) { fail(s, line, "cannot call %s: %s", field, err.message); return 2; }
    return st == KILN_TRAPPED ? 1 : 0;
}

static void cmd_assert_return(script *s, const cJSON *c, int line) {
    kiln_val results[64];
    uint32_t n = 0;
    kiln_trap *trap = NULL;
    bool skip = false;
    const cJSON *action = cJSON_GetObjectItem(c, "action");
    int r = do_action(s, action, line, results, &n, &trap, &skip);
    if (r == 2) return;
    const char *field = cJSON_GetObjectItem(action, "field")->valuestring;
    if (skip) { s->skipped++; return; }
    if (r == 1) {
        fail(s, line, "%s trapped: %s", field, trap ? trap->message : "?");
        kiln_trap_free(trap);
        return;
    }
    const cJSON *expected = cJSON_GetObjectItem(c, "expected");
    const cJSON *either = cJSON_GetObjectItem(c, "either");
    if (either) {
        /* (either v1 v2 ...): the one result may be any of them (the
         * relaxed SIMD tests list what each permitted choice gives). */
        if (n != 1) { fail(s, line, "%s returned %u values; 'either' wants one", field, n); return; }
        int na = cJSON_GetArraySize(either);
        for (int k = 0; k < na; k++) {
            bool sk = false;
            if (value_matches(cJSON_GetArrayItem(either, k), &results[0], &sk)) {
                if (sk) s->skipped++; else s->passed++;
                return;
            }
        }
        char got[96];
        format_value(&results[0], got, sizeof got);
        fail(s, line, "%s result: got %s, none of the %d values 'either' allows", field, got, na);
        return;
    }
    if (!expected) { s->passed++; return; } /* a bare action */
    uint32_t ne = (uint32_t)cJSON_GetArraySize(expected);
    if (ne != n) { fail(s, line, "%s returned %u values, expected %u", field, n, ne); return; }
    for (uint32_t i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(expected, (int)i);
        bool sk = false;
        if (!value_matches(e, &results[i], &sk)) {
            char got[96];
            format_value(&results[i], got, sizeof got);
            const cJSON *ev = cJSON_GetObjectItem(e, "value");
            char *lanes = cJSON_IsArray(ev) ? cJSON_PrintUnformatted(ev) : NULL; /* a v128's */
            fail(s, line, "%s result %u: got %s, expected %s:%s", field, i, got,
                 cJSON_GetObjectItem(e, "type")->valuestring, cJSON_IsString(ev) ? ev->valuestring : lanes ? lanes : "?");
            free(lanes);
            return;
        }
        if (sk) { s->skipped++; return; }
    }
    s->passed++;
}

static bool text_matches(const kiln_trap *t, const char *want) {
    const char *have = kiln_trap_kind_spec_text(t->kind);
    return strncmp(want, have, strlen(have)) == 0;
}

static void cmd_assert_trap(script *s, const cJSON *c, int line) {
    kiln_val results[64];
    uint32_t n = 0;
    kiln_trap *trap = NULL;
    bool skip = false;
    const char *want = cJSON_GetObjectItem(c, "text")->valuestring;
    const cJSON *action = cJSON_GetObjectItem(c, "action");
    int r = do_action(s, action, line, results, &n, &trap, &skip);
    if (r == 2) return;
    if (skip) { s->skipped++; return; }
    const char *field = cJSON_GetObjectItem(action, "field")->valuestring;
    if (r == 0) { fail(s, line, "%s returned, expected a trap \"%s\"", field, want); return; }
    if (!text_matches(trap, want)) fail(s, line, "%s trapped with \"%s\", expected \"%s\"", field, kiln_trap_kind_spec_text(trap->kind), want);
    else s->passed++;
    kiln_trap_free(trap);
}

/* assert_exception: the call must end in an exception nobody caught. */
static void cmd_assert_exception(script *s, const cJSON *c, int line) {
    kiln_val results[64];
    uint32_t n = 0;
    kiln_trap *trap = NULL;
    bool skip = false;
    const cJSON *action = cJSON_GetObjectItem(c, "action");
    int r = do_action(s, action, line, results, &n, &trap, &skip);
    if (r == 2) return;
    if (skip) { s->skipped++; return; }
    const char *field = cJSON_GetObjectItem(action, "field")->valuestring;
    if (r == 0) fail(s, line, "%s returned, expected an uncaught exception", field);
    else if (trap->kind != KILN_TRAP_EXCEPTION) fail(s, line, "%s trapped with \"%s\", expected an uncaught exception", field, trap->message);
    else s->passed++;
    kiln_trap_free(trap);
}

/* assert_invalid, assert_malformed: the module must not compile. */
static void cmd_assert_bad_module(script *s, const cJSON *c, int line, const char *what) {
    const cJSON *mt = cJSON_GetObjectItem(c, "module_type");
    if (cJSON_IsString(mt) && strcmp(mt->valuestring, "binary")) { s->skipped++; return; } /* text modules */
    kiln_error err = {0};
    kiln_module *m = compile(s, cJSON_GetObjectItem(c, "filename")->valuestring, &err);
    if (m) { fail(s, line, "%s module compiled, expected \"%s\"", what, cJSON_GetObjectItem(c, "text")->valuestring); return; }
    if (s->verbose) printf("  %s:%d: %s: %s (expected %s)\n", s->path, line, what, err.message, cJSON_GetObjectItem(c, "text")->valuestring);
    s->passed++;
}

static void cmd_assert_unlinkable(script *s, const cJSON *c, int line, bool expect_trap) {
    kiln_error err = {0};
    const char *want = cJSON_GetObjectItem(c, "text")->valuestring;
    kiln_module *m = compile(s, cJSON_GetObjectItem(c, "filename")->valuestring, &err);
    if (!m) { fail(s, line, "module did not compile: %s", err.message); return; }
    kiln_trap *trap = NULL;
    kiln_instance *inst = kiln_instantiate(s->store, s->linker, m, &trap, &err);
    if (inst) { fail(s, line, "module instantiated, expected \"%s\"", want); return; }
    if (expect_trap && !trap) { fail(s, line, "expected a trap \"%s\", got a link error: %s", want, err.message); return; }
    if (!expect_trap && trap) { fail(s, line, "expected a link error \"%s\", got a trap: %s", want, trap->message); kiln_trap_free(trap); return; }
    if (trap && !text_matches(trap, want)) {
        fail(s, line, "instantiation trapped with \"%s\", expected \"%s\"", kiln_trap_kind_spec_text(trap->kind), want);
        kiln_trap_free(trap);
        return;
    }
    kiln_trap_free(trap);
    s->passed++;
}

static void run_command(script *s, const cJSON *c) {
    const char *type = cJSON_GetObjectItem(c, "type")->valuestring;
    int line = cJSON_GetObjectItem(c, "line")->valueint;
    if (!strcmp(type, "module")) cmd_module(s, c, line);
    else if (!strcmp(type, "register")) {
        kiln_instance *inst = find_instance(s, cJSON_GetObjectItem(c, "name"));
        kiln_error err = {0};
        if (!inst) { fail(s, line, "nothing to register"); return; }
        if (!kiln_linker_define_instance(s->linker, cJSON_GetObjectItem(c, "as")->valuestring, inst, &err)) fail(s, line, "register: %s", err.message);
        else s->passed++;
    } else if (!strcmp(type, "assert_return") || !strcmp(type, "action")) cmd_assert_return(s, c, line);
    else if (!strcmp(type, "assert_trap") || !strcmp(type, "assert_exhaustion")) cmd_assert_trap(s, c, line);
    else if (!strcmp(type, "assert_exception")) cmd_assert_exception(s, c, line);
    else if (!strcmp(type, "assert_invalid")) cmd_assert_bad_module(s, c, line, "invalid");
    else if (!strcmp(type, "assert_malformed")) cmd_assert_bad_module(s, c, line, "malformed");
    else if (!strcmp(type, "assert_unlinkable")) cmd_assert_unlinkable(s, c, line, false);
    else if (!strcmp(type, "assert_uninstantiable")) cmd_assert_unlinkable(s, c, line, true);
    else fail(s, line, "unknown command type %s", type);
}

static int run_script(const char *path, bool verbose, const kiln_config *cfg, int *passed, int *failed, int *skipped) {
    size_t len;
    unsigned char *text = cli_read_file(path, &len);
    if (!text) return cli_fail("spectest", "cannot read %s: %s", path, strerror(errno));
    cJSON *root = cJSON_ParseWithLength((const char *)text, len);
    if (!root) { free(text); return cli_fail("spectest", "%s: not valid JSON", path); }
    const cJSON *commands = cJSON_GetObjectItem(root, "commands");
    if (!cJSON_IsArray(commands)) { free(text); cJSON_Delete(root); return cli_fail("spectest", "%s: no \"commands\" array (is it wast2json output?)", path); }

    script s = {.path = path, .verbose = verbose};
    collect_fields(&s, (const char *)text, len);
    free(text);
    s.dir = strdup(path);
    char *slash = s.dir ? strrchr(s.dir, '/') : NULL;
    if (slash) *slash = 0;
    else if (s.dir) strcpy(s.dir, ".");
    kiln_error err = {0};
    s.engine = kiln_engine_new(cfg, &err);
    if (s.engine) s.store = kiln_store_new(s.engine, NULL, NULL);
    if (s.engine) s.linker = kiln_linker_new(s.engine);
    int rc = 0;
    if (!s.engine || !s.store || !s.linker || !define_spectest(&s, &err)) {
        rc = cli_fail("spectest", "cannot set up: %s", err.message[0] ? err.message : "out of memory");
    } else {
        const cJSON *c;
        cJSON_ArrayForEach(c, commands) run_command(&s, c);
    }
    *passed += s.passed;
    *failed += s.failed;
    *skipped += s.skipped;
    kiln_linker_free(s.linker);
    kiln_store_free(s.store);
    for (int i = 0; i < s.nmodules; i++) kiln_module_free(s.modules[i]);
    free(s.modules);
    for (int i = 0; i < s.nnames; i++) free(s.names[i].name);
    free(s.names);
    kiln_engine_free(s.engine);
    free(s.dir);
    for (int i = 0; i < s.nfields; i++) free(s.fields[i].bytes);
    free(s.fields);
    cJSON_Delete(root);
    return rc;
}

static void usage(FILE *f) {
    fprintf(f,
            "Usage: kiln spectest [--verbose] SCRIPT.json...\n\n"
            "Runs WebAssembly spec test scripts converted by wast2json (wabt), each\n"
            "a JSON command list with its .wasm files beside it:\n\n"
            "  wast2json i32.wast -o out/i32.json && kiln spectest out/i32.json\n\n"
            "Commands run: module, register, action, assert_return (nan:canonical and\n"
            "nan:arithmetic included; 'either': any one of the values listed),\n"
            "assert_trap, assert_exhaustion, assert_invalid,\n"
            "assert_malformed (binary modules; text ones are skipped and counted as\n"
            "skipped), assert_unlinkable, assert_uninstantiable, assert_exception; v128 values are compared\n"
            "lane by lane. The `spectest` host module is provided.\n\n"
            "Options:\n"
            "  -v, --verbose   also print why each expected-bad module was rejected\n"
            "  --explicit-bounds-checks\n"
            "                  compile memory accesses with explicit bounds checks\n"
            "                  (kiln_config.explicit_bounds_checks) instead of guard pages\n"
            "  --single-memory reject modules with several memories, as Wasm 2.0 did\n"
            "                  (kiln_config.single_memory; the core suite at 7ef86dd and\n"
            "                  the memory64 proposal's files expect it)\n"
            "  --tier interp|native\n"
            "                  which engine runs the modules (default interp); native\n"
            "                  compiles each with the C compiler (see kiln run --help)\n"
            "  --cache DIR, --no-cache, --cc COMPILER\n"
            "                  the native tier's artifact cache and compiler\n"
            "  -h, --help      this text\n\n"
            "Output: one line per failure (FAIL script:line: what happened), then\n"
            "\"N passed, N failed, N skipped\".\n"
            "Exit status: 0 when nothing failed, 1 otherwise (or on a usage error).\n");
}

int cmd_spectest(int argc, char **argv) {
    static const struct option opts[] = {{"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
                                         {"explicit-bounds-checks", no_argument, NULL, 'B'},
                                         {"single-memory", no_argument, NULL, 'S'},
                                         {"tier", required_argument, NULL, 'T'}, {"cache", required_argument, NULL, 'C'},
                                         {"no-cache", no_argument, NULL, 'N'}, {"cc", required_argument, NULL, 'K'}, {0}};
    bool verbose = false;
    kiln_config cfg = {0};
    int o;
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "+:vh", opts, NULL)) != -1) {
        if (o == 'v') verbose = true;
        else if (o == 'h') { usage(stdout); return 0; }
        else if (o == 'B') cfg.explicit_bounds_checks = true;
        else if (o == 'S') cfg.single_memory = true;
        else if (o == 'T') {
            if (!strcmp(optarg, "native")) spec_tier.tier = TIER_NATIVE;
            else if (!strcmp(optarg, "interp")) spec_tier.tier = TIER_INTERP;
            else return cli_fail("spectest", "bad --tier '%s': want interp or native", optarg);
        }
        else if (o == 'C') spec_tier.cache = optarg;
        else if (o == 'N') spec_tier.no_cache = true;
        else if (o == 'K') spec_tier.cc = optarg;
        else if (o == ':') return cli_fail("spectest", "%s needs a value (see kiln spectest --help)", argv[optind - 1]);
        else return cli_unknown_option("spectest", argv[optind - 1]);
    }
    if (optind >= argc) { usage(stderr); return 1; }
    int passed = 0, failed = 0, skipped = 0, rc = 0;
    for (int i = optind; i < argc; i++)
        if (run_script(argv[i], verbose, &cfg, &passed, &failed, &skipped)) rc = 1;
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed || rc ? 1 : 0;
}
