/*
 * runtime.c — stores, linkers, instantiation (in the spec's order), calls
 * from the host, globals, and the module introspection API.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/runtime.h"
#include "engine/timer.h"
#include "engine/native/native.h"
#include "engine/errkind.h"

/* ------------------------------------------------------------ modules */

kiln_module *kiln_module_new(kiln_engine *e, const uint8_t *bytes, size_t len, kiln_error *err) {
    error_clear(err);
    if (!e || (!bytes && len)) { error_set(err, KILN_ERR_ARGUMENT, "no engine or no bytes"); return NULL; }
    return module_decode(e, bytes, len, err);
}

void kiln_module_free(kiln_module *m) {
    if (!m) return;
    module_free_contents(m);
    free(m);
}

static void describe_import(const kiln_module *m, const import *im, kiln_externdesc *out) {
    memset(out, 0, sizeof *out);
    out->module_name = im->module;
    out->name = im->name;
    out->kind = (kiln_externkind)im->kind;
    out->index = im->index;
    switch (im->kind) {
    case KILN_EXTERN_FUNC: functype_to_public(&m->types[im->type_index], &out->func); break;
    case KILN_EXTERN_TABLE:
        out->elem_type = (kiln_valtype)im->table.elem;
        out->limits = (kiln_limits_desc){im->table.min, im->table.max, im->table.has_max};
        break;
    case KILN_EXTERN_MEMORY:
        out->limits = (kiln_limits_desc){im->memory.min, im->memory.max, im->memory.has_max};
        break;
    case KILN_EXTERN_GLOBAL:
        out->global_type = (kiln_valtype)im->global.type;
        out->global_mutable = im->global.mutable_;
        break;
    case KILN_EXTERN_TAG: functype_to_public(&m->types[im->type_index], &out->tag_type); break;
    }
}

uint32_t kiln_module_import_count(const kiln_module *m) { return m->nimports; }
void kiln_module_import(const kiln_module *m, uint32_t i, kiln_externdesc *out) { describe_import(m, &m->imports[i], out); }
uint32_t kiln_module_export_count(const kiln_module *m) { return m->nexports; }
uint32_t kiln_module_func_count(const kiln_module *m) { return m->nfuncs; }

void kiln_module_export(const kiln_module *m, uint32_t i, kiln_externdesc *out) {
    const export_ *e = &m->exports[i];
    memset(out, 0, sizeof *out);
    out->name = e->name;
    out->kind = (kiln_externkind)e->kind;
    out->index = e->index;
    switch (e->kind) {
    case KILN_EXTERN_FUNC: functype_to_public(&m->types[m->func_types[e->index]], &out->func); break;
    case KILN_EXTERN_TABLE: {
        const tabletype *t = &m->tables[e->index];
        out->elem_type = (kiln_valtype)t->elem;
        out->limits = (kiln_limits_desc){t->min, t->max, t->has_max};
        break;
    }
    case KILN_EXTERN_MEMORY: {
        const memtype *t = &m->memories[e->index];
        out->limits = (kiln_limits_desc){t->min, t->max, t->has_max};
        break;
    }
    case KILN_EXTERN_GLOBAL:
        out->global_type = (kiln_valtype)m->global_types[e->index].type;
        out->global_mutable = m->global_types[e->index].mutable_;
        break;
    case KILN_EXTERN_TAG: functype_to_public(&m->types[m->tag_types[e->index]], &out->tag_type); break;
    }
}

bool kiln_module_find_export(const kiln_module *m, const char *name, kiln_externdesc *out) {
    for (uint32_t i = 0; i < m->nexports; i++)
        if (!strcmp(m->exports[i].name, name)) { kiln_module_export(m, i, out); return true; }
    return false;
}

bool kiln_module_func_type(const kiln_module *m, uint32_t fi, kiln_functype *out) {
    if (fi >= m->nfuncs) return false;
    functype_to_public(&m->types[m->func_types[fi]], out);
    return true;
}

bool kiln_module_custom_section(const kiln_module *m, uint32_t i, const char **name, const uint8_t **data, size_t *size) {
    if (i >= m->ncustoms) return false;
    *name = m->customs[i].name;
    *data = m->customs[i].data;
    *size = m->customs[i].size;
    return true;
}

uint32_t kiln_module_features(const kiln_module *m) {
    uint32_t f = m->features;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        if (m->types[i].nresults > 1) f |= KILN_FEATURE_MULTI_VALUE;
        for (uint32_t k = 0; k < m->types[i].nparams; k++)
            if (m->types[i].params[k] == KILN_V128) f |= KILN_FEATURE_SIMD;
            else if (m->types[i].params[k] == KILN_FUNCREF || m->types[i].params[k] == KILN_EXTERNREF) f |= KILN_FEATURE_REFERENCE_TYPES;
    }
    for (uint32_t i = 0; i < m->nimports; i++)
        if (m->imports[i].kind == KILN_EXTERN_GLOBAL && m->imports[i].global.mutable_) f |= KILN_FEATURE_MUTABLE_GLOBALS;
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == KILN_EXTERN_GLOBAL && m->global_types[m->exports[i].index].mutable_) f |= KILN_FEATURE_MUTABLE_GLOBALS;
    if (m->has_datacount) f |= KILN_FEATURE_BULK_MEMORY;
    for (uint32_t i = 0; i < m->ndatas; i++) if (m->datas[i].mode == SEG_PASSIVE) f |= KILN_FEATURE_BULK_MEMORY;
    for (uint32_t i = 0; i < m->nelems; i++) if (m->elems[i].mode != SEG_ACTIVE) f |= KILN_FEATURE_BULK_MEMORY;
    if (m->ntables > 1) f |= KILN_FEATURE_REFERENCE_TYPES;
    if (m->nmemories > 1) f |= KILN_FEATURE_MULTI_MEMORY;
    for (uint32_t i = 0; i < m->nmemories; i++) if (m->memories[i].is64) f |= KILN_FEATURE_MEMORY64;
    for (uint32_t i = 0; i < m->ntables; i++) if (m->tables[i].elem == KILN_EXTERNREF) f |= KILN_FEATURE_REFERENCE_TYPES;
    for (uint32_t i = 0; i < m->nglobals; i++)
        if (m->global_types[i].type == KILN_V128) f |= KILN_FEATURE_SIMD;
        else if (valtype_is_ref(m->global_types[i].type)) f |= KILN_FEATURE_REFERENCE_TYPES;
    return f;
}

const char *kiln_feature_name(uint32_t bit) {
    switch (bit) {
    case KILN_FEATURE_SIGN_EXT: return "sign-ext";
    case KILN_FEATURE_SAT_FLOAT_TO_INT: return "nontrapping-float-to-int";
    case KILN_FEATURE_MULTI_VALUE: return "multi-value";
    case KILN_FEATURE_MUTABLE_GLOBALS: return "mutable-globals";
    case KILN_FEATURE_BULK_MEMORY: return "bulk-memory";
    case KILN_FEATURE_REFERENCE_TYPES: return "reference-types";
    case KILN_FEATURE_SIMD: return "simd";
    case KILN_FEATURE_EXCEPTIONS: return "exception-handling";
    case KILN_FEATURE_TAIL_CALL: return "tail-call";
    case KILN_FEATURE_EXTENDED_CONST: return "extended-const";
    case KILN_FEATURE_RELAXED_SIMD: return "relaxed-simd";
    case KILN_FEATURE_MULTI_MEMORY: return "multi-memory";
    case KILN_FEATURE_MEMORY64: return "memory64";
    default: return "?";
    }
}

const uint8_t *kiln_module_bytes(const kiln_module *m, size_t *len) { *len = m->len; return m->bytes; }
uint32_t kiln_module_code_section_offset(const kiln_module *m) { return m->code_section_offset; }

/* ------------------------------------------------------------ stores */

kiln_store *kiln_store_new(kiln_engine *e, const kiln_limits *limits, void *user_data) {
    kiln_store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->engine = e;
    if (limits) s->limits = *limits;
    /* Unset: 4 GiB, what a memory32 memory can hold; a memory64 memory may
     * use a larger limit, up to KILN_MAX_MEMORY_BYTES. */
    if (!s->limits.max_memory_bytes) s->limits.max_memory_bytes = (uint64_t)KILN_MAX_PAGES * KILN_PAGE_SIZE;
    if (s->limits.max_memory_bytes > KILN_MAX_MEMORY_BYTES) s->limits.max_memory_bytes = KILN_MAX_MEMORY_BYTES;
    if (!s->limits.max_table_elements) s->limits.max_table_elements = KILN_MAX_TABLE;
    if (!s->limits.max_stack_bytes) s->limits.max_stack_bytes = 8u << 20;
    if (!s->limits.max_call_depth) s->limits.max_call_depth = 100000;
    s->user_data = user_data;
    s->ex.store = s;
    s->ex.fuel = s->ex.fuel_start = s->limits.fuel ? (int64_t)(s->limits.fuel > INT64_MAX ? INT64_MAX : s->limits.fuel) : INT64_MAX;
    return s;
}

void *kiln_store_user_data(const kiln_store *s) { return s->user_data; }

bool kiln_store_set_data(kiln_store *s, const void *key, void *value) {
    for (uint32_t i = 0; i < s->ndata; i++)
        if (s->data[i].key == key) { s->data[i].value = value; return true; }
    store_data *d = realloc(s->data, (s->ndata + 1) * sizeof *d);
    if (!d) return false;
    s->data = d;
    d[s->ndata++] = (store_data){key, value};
    return true;
}

void *kiln_store_get_data(const kiln_store *s, const void *key) {
    for (uint32_t i = 0; i < s->ndata; i++)
        if (s->data[i].key == key) return s->data[i].value;
    return NULL;
}

uint64_t kiln_store_deadline_ns(const kiln_store *s) { return s->deadline_ns; }

void kiln_store_stats_get(kiln_store *s, kiln_store_stats *out) {
    store_memory_changed(s, 0); /* bring the integral up to now */
    out->fuel_consumed = (uint64_t)(s->ex.fuel_start - s->ex.fuel);
    out->fuel_remaining = (uint64_t)s->ex.fuel;
    out->memory_bytes = s->memory_bytes;
    out->peak_memory_bytes = s->peak_memory_bytes;
    out->memory_byte_seconds = s->memory_byte_ns / 1e9;
    out->host_calls = s->ex.host_calls;
    out->calls = s->calls;
}

void kiln_store_capture_locals(kiln_store *s, bool on) { s->ex.capture_locals = on; }

static void free_instance(kiln_instance *i) {
    free(i->funcs);
    free(i->own);
    free(i->tables);
    free(i->memories);
    free(i->globals);
    free(i->tags);
    if (i->elem_values)
        for (uint32_t k = 0; k < i->module->nelems; k++) free(i->elem_values[k]);
    free(i->elem_values);
    free(i->elem_dropped);
    free(i->data_dropped);
    free(i);
}

void kiln_store_free(kiln_store *s) {
    if (!s) return;
    for (kiln_instance *i = s->instances, *n; i; i = n) { n = i->next; free_instance(i); }
    for (kiln_memory *m = s->memories, *n; m; m = n) { n = m->next; memory_destroy(m); }
    for (kiln_table *t = s->tables, *n; t; t = n) { n = t->next; free(t->elems); free(t); }
    for (kiln_global *g = s->globals, *n; g; g = n) { n = g->next; free(g); }
    exn_free_all(s);
    free(s->data);
    if (s->ex.stack)
        pool_give_stacks(s->engine, s->ex.stack, (size_t)(s->ex.stack_end - s->ex.stack) * sizeof(uint64_t), s->ex.frames,
                         (size_t)(s->ex.frames_end - s->ex.frames));
    free(s);
}

/* The value and call stacks are made on the first call. */
static bool exec_ready(kiln_store *s, kiln_error *err) {
    exec *ex = &s->ex;
    if (ex->stack) return true;
    size_t slots = s->limits.max_stack_bytes / sizeof(uint64_t);
    if (!pool_take_stacks(s->engine, slots * sizeof(uint64_t), s->limits.max_call_depth, &ex->stack, &ex->frames)) {
        ex->stack = malloc(slots * sizeof(uint64_t));
        ex->frames = malloc((size_t)s->limits.max_call_depth * sizeof(frame));
    }
    if (!ex->stack || !ex->frames) {
        free(ex->stack); free(ex->frames);
        ex->stack = NULL; ex->frames = NULL;
        error_set(err, KILN_ERR_NO_MEMORY, "out of memory for the wasm stack");
        return false;
    }
    ex->stack_end = ex->stack + slots;
    ex->frames_end = ex->frames + s->limits.max_call_depth;
    ex->fsp = ex->frames - 1;
    ex->sp = ex->stack;
    return true;
}

/* ------------------------------------------------------------ globals */

static kiln_global *global_make(kiln_store *s, uint8_t type, bool mut, uint64_t bits) {
    kiln_global *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->type = type;
    g->mutable_ = mut;
    g->bits = bits;
    g->next = s->globals;
    s->globals = g;
    return g;
}

static uint64_t val_to_bits(const kiln_val *v) {
    switch (v->type) {
    case KILN_I32: return (uint32_t)v->of.i32;
    case KILN_I64: return (uint64_t)v->of.i64;
    case KILN_F32: return v->of.f32_bits;
    case KILN_F64: return v->of.f64_bits;
    case KILN_FUNCREF: return (uintptr_t)v->of.funcref;
    case KILN_EXTERNREF: return (uintptr_t)v->of.externref;
    case KILN_EXNREF: return (uintptr_t)v->of.exnref;
    default: return 0;
    }
}

static kiln_val bits_to_val(uint8_t type, uint64_t bits) {
    kiln_val v;
    memset(&v, 0, sizeof v);
    v.type = (kiln_valtype)type;
    switch (type) {
    case KILN_I32: v.of.i32 = (int32_t)(uint32_t)bits; break;
    case KILN_I64: v.of.i64 = (int64_t)bits; break;
    case KILN_F32: v.of.f32_bits = (uint32_t)bits; break;
    case KILN_F64: v.of.f64_bits = bits; break;
    case KILN_FUNCREF: v.of.funcref = (kiln_func *)(uintptr_t)bits; break;
    case KILN_EXTERNREF: v.of.externref = (void *)(uintptr_t)bits; break;
    case KILN_EXNREF: v.of.exnref = (void *)(uintptr_t)bits; break;
    }
    return v;
}

kiln_global *kiln_global_new(kiln_store *s, kiln_val init, bool mut, kiln_error *err) {
    if (!valtype_is_valid((uint8_t)init.type)) { error_set(err, KILN_ERR_ARGUMENT, "unsupported global type"); return NULL; }
    kiln_global *g = global_make(s, (uint8_t)init.type, mut, val_to_bits(&init));
    if (!g) { error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    if (init.type == KILN_V128) { memcpy(&g->bits, init.of.v128, 8); memcpy(&g->hi, init.of.v128 + 8, 8); }
    return g;
}

kiln_val kiln_global_get(const kiln_global *g) {
    kiln_val v = bits_to_val(g->type, g->bits);
    if (g->type == KILN_V128) { memcpy(v.of.v128, &g->bits, 8); memcpy(v.of.v128 + 8, &g->hi, 8); }
    return v;
}

bool kiln_global_set(kiln_global *g, kiln_val v, kiln_error *err) {
    if (!g->mutable_) { error_set(err, KILN_ERR_ARGUMENT, "global is immutable"); return false; }
    if ((uint8_t)v.type != g->type) { error_set(err, KILN_ERR_ARGUMENT, "type mismatch: global is %s, value is %s", kiln_valtype_name((kiln_valtype)g->type), kiln_valtype_name(v.type)); return false; }
    g->bits = val_to_bits(&v);
    if (v.type == KILN_V128) { memcpy(&g->bits, v.of.v128, 8); memcpy(&g->hi, v.of.v128 + 8, 8); }
    return true;
}

/* ------------------------------------------------------------ linker */

typedef struct linker_entry {
    char *module, *name;
    kiln_extern ext;
} linker_entry;

struct kiln_linker {
    kiln_engine *engine;
    linker_entry *entries;
    uint32_t n, cap;
    kiln_func **owned;      /* host functions made by this linker */
    uint32_t nowned;
    /* An open-addressed index of entries by (module, name): entry number
     * + 1, 0 empty; at most half full. Every instantiation looks up each
     * import: a scan of WASI's ~50 names was 7% of a hello-world request. */
    uint32_t *index;
    uint32_t index_cap;     /* a power of two, or 0 */
};

kiln_linker *kiln_linker_new(kiln_engine *e) {
    kiln_linker *l = calloc(1, sizeof *l);
    if (l) l->engine = e;
    return l;
}

void kiln_linker_free(kiln_linker *l) {
    if (!l) return;
    for (uint32_t i = 0; i < l->n; i++) { free(l->entries[i].module); free(l->entries[i].name); }
    free(l->entries);
    free(l->index);
    for (uint32_t i = 0; i < l->nowned; i++) { free(l->owned[i]->name); free(l->owned[i]); }
    free(l->owned);
    free(l);
}

static uint32_t linker_hash(const char *module, const char *name) {
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)module; *p; p++) h = (h ^ *p) * 16777619u;
    h = (h ^ 0xff) * 16777619u; /* a byte no name ends with: "a"+"bc" differs from "ab"+"c" */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * 16777619u;
    return h;
}

static linker_entry *linker_find(const kiln_linker *l, const char *module, const char *name) {
    if (!l->index_cap) return NULL;
    uint32_t mask = l->index_cap - 1;
    for (uint32_t i = linker_hash(module, name) & mask;; i = (i + 1) & mask) {
        uint32_t k = l->index[i];
        if (!k) return NULL;
        linker_entry *e = &l->entries[k - 1];
        if (!strcmp(e->name, name) && !strcmp(e->module, module)) return e;
    }
}

static void index_put(uint32_t *index, uint32_t cap, const linker_entry *e, uint32_t k) {
    uint32_t i = linker_hash(e->module, e->name) & (cap - 1);
    while (index[i]) i = (i + 1) & (cap - 1);
    index[i] = k;
}

/* Indexes entry n - 1, the newest: false when out of memory. */
static bool linker_index_add(kiln_linker *l) {
    if (2 * (uint64_t)l->n > l->index_cap) {
        uint32_t cap = l->index_cap ? l->index_cap * 2 : 64;
        uint32_t *ix = calloc(cap, sizeof *ix);
        if (!ix) return false;
        for (uint32_t k = 1; k < l->n; k++) index_put(ix, cap, &l->entries[k - 1], k);
        free(l->index);
        l->index = ix;
        l->index_cap = cap;
    }
    index_put(l->index, l->index_cap, &l->entries[l->n - 1], l->n);
    return true;
}

bool kiln_linker_define(kiln_linker *l, const char *module, const char *name, kiln_extern ext, kiln_error *err) {
    linker_entry *e = linker_find(l, module, name);
    if (e) { e->ext = ext; return true; }
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 32;
        linker_entry *ne = realloc(l->entries, cap * sizeof *ne);
        if (!ne) { error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return false; }
        l->entries = ne;
        l->cap = cap;
    }
    char *m = strdup(module), *n = strdup(name);
    if (!m || !n) { free(m); free(n); error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return false; }
    l->entries[l->n++] = (linker_entry){m, n, ext};
    if (!linker_index_add(l)) {
        l->n--;
        free(m);
        free(n);
        error_set(err, KILN_ERR_NO_MEMORY, "out of memory");
        return false;
    }
    return true;
}

bool kiln_linker_get(const kiln_linker *l, const char *module, const char *name, kiln_extern *out) {
    linker_entry *e = linker_find(l, module, name);
    if (!e) return false;
    *out = e->ext;
    return true;
}

kiln_func *kiln_linker_define_host(kiln_linker *l, const char *module, const char *name, const kiln_functype *type,
                                   kiln_host_fn fn, void *env, kiln_error *err) {
    uint32_t id = engine_intern_type(l->engine, type->params, type->nparams, type->results, type->nresults);
    if (id == UINT32_MAX) { error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    kiln_func *f = calloc(1, sizeof *f);
    kiln_func **owned = realloc(l->owned, (l->nowned + 1) * sizeof *owned);
    size_t nl = strlen(module) + strlen(name) + 2;
    char *fname = malloc(nl);
    if (!f || !owned || !fname) { free(f); free(fname); if (owned) l->owned = owned; error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    l->owned = owned;
    snprintf(fname, nl, "%s.%s", module, name);
    f->kind = FUNC_HOST;
    f->type_id = id;
    f->type = engine_type_by_id(l->engine, id);
    f->host = fn;
    f->env = env;
    f->name = fname;
    l->owned[l->nowned++] = f;
    kiln_extern ext = {.kind = KILN_EXTERN_FUNC, .of.func = f};
    if (!kiln_linker_define(l, module, name, ext, err)) return NULL;
    return f;
}

bool kiln_linker_define_instance(kiln_linker *l, const char *module, kiln_instance *inst, kiln_error *err) {
    const kiln_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        kiln_extern ext;
        if (!kiln_instance_export_n(inst, m->exports[i].name, m->exports[i].name_len, &ext)) continue;
        if (!kiln_linker_define(l, module, m->exports[i].name, ext, err)) return false;
    }
    return true;
}

/* ------------------------------------------------------------ instantiation */

static const char *extern_desc(const import *im, const kiln_module *m, char *buf, size_t n) {
    char sig[200];
    switch (im->kind) {
    case KILN_EXTERN_FUNC: {
        kiln_functype ft;
        functype_to_public(&m->types[im->type_index], &ft);
        snprintf(buf, n, "func %s", kiln_functype_format(&ft, sig, sizeof sig));
        break;
    }
    case KILN_EXTERN_TABLE:
        if (im->table.has_max) snprintf(buf, n, "table %u..%u %s", im->table.min, im->table.max, kiln_valtype_name((kiln_valtype)im->table.elem));
        else snprintf(buf, n, "table %u.. %s", im->table.min, kiln_valtype_name((kiln_valtype)im->table.elem));
        break;
    case KILN_EXTERN_MEMORY:
        if (im->memory.has_max) snprintf(buf, n, "memory%s %llu..%llu pages", im->memory.is64 ? " i64" : "",
                                         (unsigned long long)im->memory.min, (unsigned long long)im->memory.max);
        else snprintf(buf, n, "memory%s %llu.. pages", im->memory.is64 ? " i64" : "", (unsigned long long)im->memory.min);
        break;
    case KILN_EXTERN_TAG: {
        kiln_functype ft;
        functype_to_public(&m->types[im->type_index], &ft);
        snprintf(buf, n, "tag %s", kiln_functype_format(&ft, sig, sizeof sig));
        break;
    }
    default:
        snprintf(buf, n, "global %s%s", im->global.mutable_ ? "mut " : "", kiln_valtype_name((kiln_valtype)im->global.type));
    }
    return buf;
}

static const char *extern_have(const kiln_extern *e, char *buf, size_t n) {
    char sig[200];
    switch (e->kind) {
    case KILN_EXTERN_FUNC: {
        kiln_functype ft;
        functype_to_public(e->of.func->type, &ft);
        snprintf(buf, n, "func %s", kiln_functype_format(&ft, sig, sizeof sig));
        break;
    }
    case KILN_EXTERN_TABLE:
        if (e->of.table->has_max) snprintf(buf, n, "table %u..%u %s", e->of.table->size, e->of.table->max, kiln_valtype_name((kiln_valtype)e->of.table->elem));
        else snprintf(buf, n, "table %u.. %s", e->of.table->size, kiln_valtype_name((kiln_valtype)e->of.table->elem));
        break;
    case KILN_EXTERN_MEMORY:
        if (e->of.memory->has_max) snprintf(buf, n, "memory%s %llu..%llu pages", e->of.memory->is64 ? " i64" : "", (unsigned long long)(e->of.memory->size / KILN_PAGE_SIZE), (unsigned long long)e->of.memory->max_pages);
        else snprintf(buf, n, "memory%s %llu.. pages", e->of.memory->is64 ? " i64" : "", (unsigned long long)(e->of.memory->size / KILN_PAGE_SIZE));
        break;
    case KILN_EXTERN_TAG: {
        kiln_functype ft;
        kiln_tag_type(e->of.tag, &ft);
        snprintf(buf, n, "tag %s", kiln_functype_format(&ft, sig, sizeof sig));
        break;
    }
    default:
        snprintf(buf, n, "global %s%s", e->of.global->mutable_ ? "mut " : "", kiln_valtype_name((kiln_valtype)e->of.global->type));
    }
    return buf;
}

static unsigned edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    unsigned d[65][65];
    for (size_t i = 0; i <= la; i++) d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            unsigned c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

/* "; did you mean env.foo?" when the linker has something close. */
static void suggest(const kiln_linker *l, const import *im, char *buf, size_t n) {
    buf[0] = 0;
    if (!l) return;
    unsigned best = 4;
    const linker_entry *pick = NULL;
    for (uint32_t i = 0; i < l->n; i++) {
        const linker_entry *e = &l->entries[i];
        unsigned d = edit_distance(e->name, im->name) + edit_distance(e->module, im->module);
        if (d < best) { best = d; pick = e; }
    }
    char qm[80], qn[80];
    if (pick)
        snprintf(buf, n, "; did you mean %s.%s?", name_for_message(pick->module, strlen(pick->module), qm, sizeof qm),
                 name_for_message(pick->name, strlen(pick->name), qn, sizeof qn));
}

static bool limits_match(uint64_t have_min, uint64_t have_max, bool have_has_max, uint64_t want_min, uint64_t want_max, bool want_has_max) {
    if (have_min < want_min) return false;
    if (want_has_max) {
        if (!have_has_max) return false;
        if (have_max > want_max) return false;
    }
    return true;
}

static bool resolve_import(kiln_instance *inst, const kiln_linker *l, const import *im, uint32_t *nf, uint32_t *nt,
                           uint32_t *ng, uint32_t *ntg, kiln_error *err) {
    const kiln_module *m = inst->module;
    kiln_extern ext;
    char want[256], have[256], hint[200];
    /* Names are quoted escaped: they may hold newlines, and a link error
     * must stay one line. Only an error needs them (an instantiation per
     * request must not pay for it). */
    char qm[80], qn[80];
#define QUOTE_NAMES()                                                  \
    (name_for_message(im->module, strlen(im->module), qm, sizeof qm), \
     name_for_message(im->name, strlen(im->name), qn, sizeof qn))
    if (!l || !kiln_linker_get(l, im->module, im->name, &ext)) {
        QUOTE_NAMES();
        suggest(l, im, hint, sizeof hint);
        error_set(err, KILN_ERR_LINK, "unknown import: %s.%s (%s) is not defined%s", qm, qn, extern_desc(im, m, want, sizeof want), hint);
        return false;
    }
    if (ext.kind != im->kind) {
        QUOTE_NAMES();
        error_set(err, KILN_ERR_LINK, "incompatible import type for %s.%s: the module wants %s, the host provides %s", qm, qn,
               extern_desc(im, m, want, sizeof want), extern_have(&ext, have, sizeof have));
        return false;
    }
    bool ok = true;
    switch (im->kind) {
    case KILN_EXTERN_FUNC:
        ok = ext.of.func->type_id == m->types[im->type_index].id;
        if (ok) inst->funcs[(*nf)++] = ext.of.func;
        break;
    case KILN_EXTERN_TABLE: {
        kiln_table *t = ext.of.table;
        ok = t->elem == im->table.elem &&
             limits_match(t->size, t->max, t->has_max, im->table.min, im->table.max, im->table.has_max);
        if (ok) inst->tables[(*nt)++] = t;
        break;
    }
    case KILN_EXTERN_MEMORY: {
        kiln_memory *mem = ext.of.memory;
        ok = mem->is64 == im->memory.is64 &&
             limits_match(mem->size / KILN_PAGE_SIZE, mem->max_pages, mem->has_max, im->memory.min, im->memory.max,
                          im->memory.has_max);
        if (ok) inst->memories[im->index] = mem;
        break;
    }
    case KILN_EXTERN_GLOBAL:
        ok = ext.of.global->type == im->global.type && ext.of.global->mutable_ == im->global.mutable_;
        if (ok) inst->globals[(*ng)++] = ext.of.global;
        break;
    case KILN_EXTERN_TAG:
        /* Tags match by type (exactly); they catch by identity. */
        ok = ext.of.tag->type.id == m->types[im->type_index].id;
        if (ok) inst->tags[(*ntg)++] = ext.of.tag;
        break;
    }
    if (!ok) {
        QUOTE_NAMES();
        error_set(err, KILN_ERR_LINK, "incompatible import type for %s.%s: the module wants %s, the host provides %s", qm, qn,
               extern_desc(im, m, want, sizeof want), extern_have(&ext, have, sizeof have));
        return false;
    }
    return true;
#undef QUOTE_NAMES
}

static uint64_t eval_const(const kiln_instance *inst, const constexpr *c);

/* An extended constant expression: its steps on a stack (the decoder
 * checked their types and that the depth stays within KILN_CONST_DEPTH).
 * i32 results keep the upper half of the slot zero, as every i32 does. */
static uint64_t eval_extended(const kiln_instance *inst, const constexpr *c) {
    uint64_t st[KILN_CONST_DEPTH];
    unsigned sp = 0;
    const constexpr *step = inst->module->csteps + c->index;
    for (uint64_t i = 0; i < c->bits; i++) {
        const constexpr *e = &step[i];
        uint64_t b = 0, a = 0;
        if (e->op >= CONST_I32_ADD && e->op <= CONST_I64_MUL) { b = st[--sp]; a = st[--sp]; }
        switch (e->op) {
        case CONST_I32_ADD: st[sp++] = (uint32_t)(a + b); break;
        case CONST_I32_SUB: st[sp++] = (uint32_t)(a - b); break;
        case CONST_I32_MUL: st[sp++] = (uint32_t)((uint32_t)a * (uint32_t)b); break;
        case CONST_I64_ADD: st[sp++] = a + b; break;
        case CONST_I64_SUB: st[sp++] = a - b; break;
        case CONST_I64_MUL: st[sp++] = a * b; break;
        default: st[sp++] = eval_const(inst, e); break;
        }
    }
    return sp ? st[sp - 1] : 0;
}

static uint64_t eval_const(const kiln_instance *inst, const constexpr *c) {
    switch (c->op) {
    case CONST_GLOBAL_GET: return inst->globals[c->index]->bits;
    case CONST_REF_FUNC: return (uintptr_t)inst->funcs[c->index];
    case CONST_REF_NULL: return 0;
    case CONST_EXTENDED: return eval_extended(inst, c);
    default: return c->bits;
    }
}

/* The high half of a v128 constant expression's value. */
static uint64_t eval_const_hi(const kiln_instance *inst, const constexpr *c) {
    if (c->op == CONST_V128) return c->bits2;
    if (c->op == CONST_GLOBAL_GET) return inst->globals[c->index]->hi;
    return 0;
}

static kiln_trap *init_trap(kiln_trap_kind kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static kiln_trap *init_trap(kiln_trap_kind kind, const char *fmt, ...) {
    kiln_trap *t = trap_make(kind);
    if (!t) return NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->detail, sizeof t->detail, fmt, ap);
    va_end(ap);
    return t;
}

kiln_instance *kiln_instantiate(kiln_store *s, kiln_linker *l, const kiln_module *m, kiln_trap **trap, kiln_error *err) {
    if (trap) *trap = NULL;
    error_clear(err);
    kiln_instance *inst = calloc(1, sizeof *inst);
    if (!inst) { error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    inst->store = s;
    inst->module = m;
    uint32_t ndef = m->nfuncs - m->nfunc_imports;
    inst->funcs = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *inst->funcs);
    inst->own = calloc(ndef ? ndef : 1, sizeof *inst->own);
    inst->tables = calloc(m->ntables ? m->ntables : 1, sizeof *inst->tables);
    inst->memories = calloc(m->nmemories ? m->nmemories : 1, sizeof *inst->memories);
    inst->globals = calloc(m->nglobals ? m->nglobals : 1, sizeof *inst->globals);
    inst->tags = calloc(m->ntags ? m->ntags : 1, sizeof *inst->tags);
    inst->elem_values = calloc(m->nelems ? m->nelems : 1, sizeof *inst->elem_values);
    inst->elem_dropped = calloc(m->nelems ? m->nelems : 1, 1);
    inst->data_dropped = calloc(m->ndatas ? m->ndatas : 1, 1);
    if (!inst->funcs || !inst->own || !inst->tables || !inst->memories || !inst->globals || !inst->tags || !inst->elem_values || !inst->elem_dropped ||
        !inst->data_dropped) {
        error_set(err, KILN_ERR_NO_MEMORY, "out of memory");
        free_instance(inst);
        return NULL;
    }

    /* 1. Imports, type-checked. */
    uint32_t nf = 0, nt = 0, ng = 0, ntg = 0;
    for (uint32_t i = 0; i < m->nimports; i++)
        if (!resolve_import(inst, l, &m->imports[i], &nf, &nt, &ng, &ntg, err)) { free_instance(inst); return NULL; }

    /* From here on the instance belongs to the store: a trap below leaves
     * what earlier segments wrote into shared tables and memories. */
    inst->next = s->instances;
    s->instances = inst;

    /* 2. The module's own functions, tables, memory, globals. */
    for (uint32_t i = 0; i < ndef; i++) {
        kiln_func *f = &inst->own[i];
        f->kind = FUNC_WASM;
        f->def = &m->funcs[i];
        f->type = f->def->type;
        f->type_id = f->type->id;
        f->inst = inst;
        inst->funcs[m->nfunc_imports + i] = f;
    }
    /* The native tier, when the module has native code by now. */
    if ((inst->native = native_of(m)))
        for (uint32_t i = 0; i < ndef; i++) inst->own[i].native = inst->native->mod->funcs[i];
    for (uint32_t i = m->ntag_imports; i < m->ntags; i++) {
        const functype *ft = &m->types[m->tag_types[i]];
        if (!(inst->tags[i] = tag_make(s, ft->params, ft->nparams))) { error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        const tabletype *t = &m->tables[i];
        if (!(inst->tables[i] = table_create(s, t->elem, t->min, t->max, t->has_max, err))) return NULL;
    }
    for (uint32_t i = m->nmemory_imports; i < m->nmemories; i++) {
        const memtype *t = &m->memories[i];
        /* memory64 types may say up to 2^48 pages; kiln's memory64 memories
         * stop at KILN_MAX_PAGES64 and at the store's memory limit (a maximum
         * above them: growing fails there) */
        uint64_t top = t->is64 ? KILN_MAX_PAGES64 : KILN_MAX_PAGES;
        if (t->min > top) {
            error_set(err, KILN_ERR_LIMIT, "memory %u needs %llu pages at start; kiln's %s memories hold at most %llu",
                      i, (unsigned long long)t->min, t->is64 ? "memory64" : "memory32", (unsigned long long)top);
            return NULL;
        }
        uint64_t max = t->has_max && t->max < top ? t->max : top;
        if (!(inst->memories[i] = memory_create(s, t->min, max, t->has_max, t->is64, err))) return NULL;
    }
    if (m->nmemories) { inst->memory = inst->memories[0]; inst->mem_base = inst->memory->base; }
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        const global_def *g = &m->globals[i - m->nglobal_imports];
        if (!(inst->globals[i] = global_make(s, g->type.type, g->type.mutable_, eval_const(inst, &g->init)))) {
            error_set(err, KILN_ERR_NO_MEMORY, "out of memory");
            return NULL;
        }
        inst->globals[i]->hi = eval_const_hi(inst, &g->init);
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem_seg *seg = &m->elems[i];
        void **v = calloc(seg->count ? seg->count : 1, sizeof *v);
        if (!v) { error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
        for (uint32_t k = 0; k < seg->count; k++) v[k] = (void *)(uintptr_t)eval_const(inst, &seg->items[k]);
        inst->elem_values[i] = v;
    }

    /* 3. Active element segments, then data segments, in order. */
    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem_seg *seg = &m->elems[i];
        if (seg->mode == SEG_PASSIVE) continue;
        inst->elem_dropped[i] = 1;
        if (seg->mode == SEG_DECLARATIVE) continue;
        kiln_table *t = inst->tables[seg->table];
        uint64_t off = (uint32_t)eval_const(inst, &seg->offset);
        if (off + seg->count > t->size) {
            if (trap) *trap = init_trap(KILN_TRAP_TABLE_OUT_OF_BOUNDS,
                                        "element segment %u writes %u elements at offset %llu into table %u of size %u", i,
                                        seg->count, (unsigned long long)off, seg->table, t->size);
            return NULL;
        }
        memcpy(t->elems + off, inst->elem_values[i], (size_t)seg->count * sizeof *t->elems);
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const data_seg *seg = &m->datas[i];
        if (seg->mode == SEG_PASSIVE) continue;
        inst->data_dropped[i] = 1;
        kiln_memory *mem = inst->memories[seg->memory];
        uint64_t off = eval_const(inst, &seg->offset);
        if (!mem->is64) off = (uint32_t)off;
        uint64_t size = mem->size;
        if (off > size || seg->size > size - off) {
            if (trap) {
                *trap = init_trap(KILN_TRAP_MEMORY_OUT_OF_BOUNDS,
                                  "data segment %u writes %u bytes at offset %llu; linear memory is %llu bytes (%llu pages)", i,
                                  seg->size, (unsigned long long)off, (unsigned long long)size, (unsigned long long)(size >> 16));
                if (*trap) {
                    (*trap)->address = off; (*trap)->memory_size = size; (*trap)->access_size = seg->size;
                    (*trap)->memory_index = seg->memory; (*trap)->memory64 = mem->is64;
                }
            }
            return NULL;
        }
        if (seg->size) memcpy(mem->base + off, seg->bytes, seg->size);
    }

    /* 4. The start function. */
    if (m->has_start) {
        kiln_trap *t = NULL;
        kiln_status st = kiln_call(s, inst->funcs[m->start], NULL, 0, NULL, 0, &t, err);
        if (st != KILN_OK) {
            if (trap) *trap = t;
            else kiln_trap_free(t);
            return NULL;
        }
    }
    return inst;
}

/* ------------------------------------------------------------ exports */

bool kiln_instance_export(kiln_instance *i, const char *name, kiln_extern *out) {
    return kiln_instance_export_n(i, name, strlen(name), out);
}

bool kiln_instance_export_n(kiln_instance *i, const char *name, size_t len, kiln_extern *out) {
    const kiln_module *m = i->module;
    for (uint32_t k = 0; k < m->nexports; k++) {
        const export_ *e = &m->exports[k];
        if (e->name_len != len || memcmp(e->name, name, len)) continue;
        out->kind = (kiln_externkind)e->kind;
        switch (e->kind) {
        case KILN_EXTERN_FUNC: out->of.func = i->funcs[e->index]; break;
        case KILN_EXTERN_TABLE: out->of.table = i->tables[e->index]; break;
        case KILN_EXTERN_MEMORY: out->of.memory = i->memories[e->index]; break;
        case KILN_EXTERN_GLOBAL: out->of.global = i->globals[e->index]; break;
        case KILN_EXTERN_TAG: out->of.tag = i->tags[e->index]; break;
        }
        return true;
    }
    return false;
}

static void *export_of(kiln_instance *i, const char *name, kiln_externkind kind) {
    kiln_extern e;
    if (!kiln_instance_export(i, name, &e) || e.kind != kind) return NULL;
    return e.of.func; /* the union's members are all pointers */
}

kiln_func *kiln_instance_func(kiln_instance *i, const char *name) { return export_of(i, name, KILN_EXTERN_FUNC); }
kiln_memory *kiln_instance_memory(kiln_instance *i, const char *name) { return export_of(i, name, KILN_EXTERN_MEMORY); }
kiln_global *kiln_instance_global(kiln_instance *i, const char *name) { return export_of(i, name, KILN_EXTERN_GLOBAL); }
kiln_table *kiln_instance_table(kiln_instance *i, const char *name) { return export_of(i, name, KILN_EXTERN_TABLE); }
const kiln_module *kiln_instance_module(const kiln_instance *i) { return i->module; }

kiln_memory *kiln_instance_memory_at(kiln_instance *i, uint32_t index) {
    return index < i->module->nmemories ? i->memories[index] : NULL;
}
uint32_t kiln_instance_global_count(const kiln_instance *i) { return i->module->nglobals; }
kiln_global *kiln_instance_global_at(kiln_instance *i, uint32_t index) {
    return index < i->module->nglobals ? i->globals[index] : NULL;
}

const kiln_valtype *kiln_module_local_types(const kiln_module *m, uint32_t fi, uint32_t *n) {
    if (fi < m->nfunc_imports || fi >= m->nfuncs) { *n = 0; return NULL; }
    const funcdef *f = &m->funcs[fi - m->nfunc_imports];
    *n = f->nlocals;
    return f->local_types;
}

/* ------------------------------------------------------------ calls */

void kiln_func_type(const kiln_func *f, kiln_functype *out) { functype_to_public(f->type, out); }

uint8_t *kiln_caller_memory(kiln_caller *c, uint64_t *size) {
    kiln_memory *m = c->inst ? c->inst->memory : NULL;
    if (!m) { if (size) *size = 0; return NULL; }
    if (size) *size = m->size;
    return m->base;
}
kiln_store *kiln_caller_store(kiln_caller *c) { return c->ex->store; }
kiln_instance *kiln_caller_instance(kiln_caller *c) { return c->inst; }

kiln_status kiln_call(kiln_store *s, kiln_func *f, const kiln_val *args, uint32_t nargs, kiln_val *results,
                      uint32_t nresults, kiln_trap **trap, kiln_error *err) {
    if (trap) *trap = NULL;
    if (!f) { error_set(err, KILN_ERR_ARGUMENT, "no function to call"); return KILN_ERROR; }
    const functype *t = f->type;
    if (nargs != t->nparams) { error_set(err, KILN_ERR_ARGUMENT, "the function takes %u argument(s), %u given", t->nparams, nargs); return KILN_ERROR; }
    if (nresults != t->nresults) { error_set(err, KILN_ERR_ARGUMENT, "the function returns %u value(s), room for %u given", t->nresults, nresults); return KILN_ERROR; }
    for (uint32_t i = 0; i < nargs; i++)
        if ((uint8_t)args[i].type != (uint8_t)t->params[i]) {
            error_set(err, KILN_ERR_ARGUMENT, "argument %u is %s, the function wants %s", i, kiln_valtype_name(args[i].type), kiln_valtype_name(t->params[i]));
            return KILN_ERROR;
        }
    if (f->kind == FUNC_WASM && f->inst->store != s) { error_set(err, KILN_ERR_ARGUMENT, "the function belongs to another store"); return KILN_ERROR; }
    if (!exec_ready(s, err)) return KILN_ERROR;
    signals_thread_init();

    exec *ex = &s->ex;
    uint64_t *saved_sp = ex->sp;
    uint64_t *slots = ex->sp;
    uint32_t need = t->param_slots > t->result_slots ? t->param_slots : t->result_slots;
    if (slots + need > ex->stack_end) {
        if (trap) *trap = trap_make(KILN_TRAP_CALL_STACK_EXHAUSTED);
        return KILN_TRAPPED;
    }
    for (uint32_t i = 0, k = 0; i < nargs; i++) {
        if (args[i].type == KILN_V128) { memcpy(&slots[k], args[i].of.v128, 16); k += 2; }
        else slots[k++] = val_to_bits(&args[i]);
    }
    kiln_trap *tr;
    /* The outermost call owns the deadline. */
    bool timed = ex->depth == 0 && s->limits.timeout_ns;
    uint64_t budget = s->limits.timeout_ns;
    if (timed && s->limits.timeout_whole_store) {
        uint64_t now = engine_now_ns();
        if (!s->first_call_ns) s->first_call_ns = now;
        uint64_t spent = now - s->first_call_ns;
        if (spent >= budget) { /* the store's time is up before this call starts */
            if (trap) {
                *trap = trap_make(KILN_TRAP_TIMEOUT);
                if (*trap) snprintf((*trap)->detail, sizeof (*trap)->detail, "the %.3f ms deadline had passed before this call", (double)budget / 1e6);
            }
            return KILN_TRAPPED;
        }
        budget -= spent;
    }
    if (timed && !timer_arm(s, budget)) { error_set(err, KILN_ERR_INTERNAL, "cannot start the deadline timer"); return KILN_ERROR; }
    ex->depth++;
    s->calls++;
    if (f->kind == FUNC_HOST) {
        kiln_caller cl = {ex, NULL};
        ex->sp = slots + need;
        tr = f->host(&cl, f->env, slots);
    } else {
        tr = f->inst->native ? native_call(ex, f, slots) : interp_call(ex, f, slots);
    }
    ex->depth--;
    if (timed) timer_disarm(s);
    ex->sp = saved_sp;
    if (tr) {
        if (trap) *trap = tr;
        else kiln_trap_free(tr);
        return KILN_TRAPPED;
    }
    for (uint32_t i = 0, k = 0; i < nresults; i++) {
        if (t->results[i] == KILN_V128) {
            memset(&results[i], 0, sizeof results[i]);
            results[i].type = KILN_V128;
            memcpy(results[i].of.v128, &slots[k], 16);
            k += 2;
        } else {
            results[i] = bits_to_val((uint8_t)t->results[i], slots[k++]);
        }
    }
    return KILN_OK;
}
