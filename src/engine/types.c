/*
 * types.c — the engine object, value types, and the function-type interner:
 * every distinct signature gets one engine-wide id, so call_indirect checks
 * a signature with one integer compare, across modules.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/ops.h"
#include "engine/runtime.h"
#include "engine/timer.h"
#include "engine/errkind.h"

const char *kiln_valtype_name(kiln_valtype t) {
    switch (t) {
    case KILN_I32: return "i32";
    case KILN_I64: return "i64";
    case KILN_F32: return "f32";
    case KILN_F64: return "f64";
    case KILN_V128: return "v128";
    case KILN_FUNCREF: return "funcref";
    case KILN_EXTERNREF: return "externref";
    case KILN_EXNREF: return "exnref";
    }
    return "?";
}

const char *kiln_externkind_name(kiln_externkind k) {
    switch (k) {
    case KILN_EXTERN_FUNC: return "func";
    case KILN_EXTERN_TABLE: return "table";
    case KILN_EXTERN_MEMORY: return "memory";
    case KILN_EXTERN_GLOBAL: return "global";
    case KILN_EXTERN_TAG: return "tag";
    }
    return "?";
}

bool valtype_is_valid(uint8_t t) {
    return t == KILN_I32 || t == KILN_I64 || t == KILN_F32 || t == KILN_F64 || t == KILN_V128 ||
           t == KILN_FUNCREF || t == KILN_EXTERNREF || t == KILN_EXNREF;
}

bool valtype_is_ref(uint8_t t) { return t == KILN_FUNCREF || t == KILN_EXTERNREF || t == KILN_EXNREF; }

char *kiln_functype_format(const kiln_functype *t, char *buf, size_t size) {
    size_t n = 0;
    if (size == 0) return buf;
    buf[0] = 0;
#define PUT(...) do { int w_ = snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__); if (w_ > 0) n += (size_t)w_; } while (0)
    PUT("(");
    for (uint32_t i = 0; i < t->nparams; i++) PUT("%s%s", i ? ", " : "", kiln_valtype_name(t->params[i]));
    PUT(") -> (");
    for (uint32_t i = 0; i < t->nresults; i++) PUT("%s%s", i ? ", " : "", kiln_valtype_name(t->results[i]));
    PUT(")");
#undef PUT
    return buf;
}

void functype_to_public(const functype *t, kiln_functype *out) {
    out->params = t->params;
    out->nparams = t->nparams;
    out->results = t->results;
    out->nresults = t->nresults;
}

void functype_count_slots(functype *t) {
    t->param_slots = t->result_slots = 0;
    for (uint32_t i = 0; i < t->nparams; i++) t->param_slots += t->params[i] == KILN_V128 ? 2 : 1;
    for (uint32_t i = 0; i < t->nresults; i++) t->result_slots += t->results[i] == KILN_V128 ? 2 : 1;
}

static uint32_t hash_sig(const kiln_valtype *p, uint32_t np, const kiln_valtype *r, uint32_t nr) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < np; i++) h = (h ^ (uint32_t)p[i]) * 16777619u;
    h = (h ^ 0xffu) * 16777619u;
    for (uint32_t i = 0; i < nr; i++) h = (h ^ (uint32_t)r[i]) * 16777619u;
    return h;
}

static bool same_sig(const functype *t, const kiln_valtype *p, uint32_t np, const kiln_valtype *r, uint32_t nr) {
    /* An empty list may be NULL (a host type of "() -> ()"), and memcmp on
     * NULL is undefined even for 0 bytes: compare only non-empty lists. */
    return t->nparams == np && t->nresults == nr && (np == 0 || !memcmp(t->params, p, np * sizeof *p)) &&
           (nr == 0 || !memcmp(t->results, r, nr * sizeof *r));
}

static bool rehash(kiln_engine *e, uint32_t nb) {
    uint32_t *b = calloc(nb, sizeof *b);
    if (!b) return false;
    for (uint32_t id = 0; id < e->ntypes; id++) {
        functype *t = e->types[id];
        uint32_t h = hash_sig(t->params, t->nparams, t->results, t->nresults) & (nb - 1);
        while (b[h]) h = (h + 1) & (nb - 1);
        b[h] = id + 1;
    }
    free(e->buckets);
    e->buckets = b;
    e->nbuckets = nb;
    return true;
}

uint32_t engine_intern_type(kiln_engine *e, const kiln_valtype *p, uint32_t np, const kiln_valtype *r, uint32_t nr) {
    pthread_mutex_lock(&e->lock);
    uint32_t id = UINT32_MAX;
    if (e->nbuckets == 0 || (e->ntypes + 1) * 2 > e->nbuckets) {
        if (!rehash(e, e->nbuckets ? e->nbuckets * 2 : 64)) goto out;
    }
    uint32_t h = hash_sig(p, np, r, nr) & (e->nbuckets - 1);
    while (e->buckets[h]) {
        functype *t = e->types[e->buckets[h] - 1];
        if (same_sig(t, p, np, r, nr)) { id = e->buckets[h] - 1; goto out; }
        h = (h + 1) & (e->nbuckets - 1);
    }
    if (e->ntypes == e->types_cap) {
        uint32_t cap = e->types_cap ? e->types_cap * 2 : 64;
        functype **nt = realloc(e->types, cap * sizeof *nt);
        if (!nt) goto out;
        e->types = nt;
        e->types_cap = cap;
    }
    functype *t = calloc(1, sizeof *t);
    if (!t) goto out;
    t->params = malloc((np ? np : 1) * sizeof *p);
    t->results = malloc((nr ? nr : 1) * sizeof *r);
    if (!t->params || !t->results) { free(t->params); free(t->results); free(t); goto out; }
    if (np) memcpy(t->params, p, np * sizeof *p);   /* p may be NULL when empty */
    if (nr) memcpy(t->results, r, nr * sizeof *r);
    t->nparams = np;
    t->nresults = nr;
    functype_count_slots(t);
    t->id = e->ntypes;
    e->types[e->ntypes++] = t;
    e->buckets[h] = t->id + 1;
    id = t->id;
out:
    pthread_mutex_unlock(&e->lock);
    return id;
}

const functype *engine_type_by_id(kiln_engine *e, uint32_t id) {
    pthread_mutex_lock(&e->lock);
    const functype *t = id < e->ntypes ? e->types[id] : NULL;
    pthread_mutex_unlock(&e->lock);
    return t;
}

bool engine_explicit_bounds(const kiln_engine *e) { return e->config.explicit_bounds_checks; }
bool engine_single_memory(const kiln_engine *e) { return e->config.single_memory; }

kiln_engine *kiln_engine_new(const kiln_config *config, kiln_error *err) {
    interp_init();
    /* Explicit bounds checks: no access can fault, so no handler (the
     * contract of kiln_config.explicit_bounds_checks). */
    if (!(config && config->explicit_bounds_checks) && !signals_install(err)) return NULL;
    kiln_engine *e = calloc(1, sizeof *e);
    if (!e) { error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    if (config) e->config = *config;
    pthread_mutex_init(&e->lock, NULL);
    return e;
}

void kiln_engine_free(kiln_engine *e) {
    if (!e) return;
    timer_shutdown(e);
    pool_free(e);
    for (uint32_t i = 0; i < e->ntypes; i++) {
        free(e->types[i]->params);
        free(e->types[i]->results);
        free(e->types[i]);
    }
    free(e->types);
    free(e->buckets);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

const unsigned char op_units[OP__COUNT] = {
#define U(name, n) 2 + (n),
    KILN_OPS(U)
#undef U
};

const char *const op_names[OP__COUNT] = {
#define N(name, n) #name,
    KILN_OPS(N)
#undef N
};
