/* table.c — tables of references (funcref: kiln_func*, externref: void*). */
#include <stdio.h>
#include <stdlib.h>

#include "engine/runtime.h"
#include "engine/errkind.h"

kiln_table *table_create(kiln_store *s, uint8_t elem, uint32_t min, uint32_t max, bool has_max, kiln_error *err) {
    uint32_t limit = s->limits.max_table_elements;
    if (min > limit) {
        error_set(err, KILN_ERR_LIMIT, "table needs %u elements at start but the limit is %u", min, limit);
        return NULL;
    }
    uint64_t bytes = (uint64_t)(min ? min : 1) * sizeof(void *);
    if (!store_budget_fits(s, bytes)) {
        if (err)
            error_set(err, KILN_ERR_LIMIT, 
                     "table needs %u elements (%llu bytes) at start but the memory limit of %llu bytes has %llu left "
                     "(tables count against it as linear memory does)", min, (unsigned long long)bytes,
                     (unsigned long long)s->limits.max_memory_bytes, (unsigned long long)store_budget_left(s));
        return NULL;
    }
    kiln_table *t = calloc(1, sizeof *t);
    if (!t) { error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    t->elems = calloc(min ? min : 1, sizeof *t->elems);
    if (!t->elems) { free(t); error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    t->elem = elem;
    t->size = t->cap = min;
    t->max = has_max ? max : UINT32_MAX;
    t->has_max = has_max;
    t->limit = limit;
    t->store = s;
    s->table_bytes += bytes;
    t->next = s->tables;
    s->tables = t;
    return t;
}

int64_t table_grow(kiln_table *t, uint64_t delta, void *init) {
    uint32_t old = t->size;
    uint64_t n = (uint64_t)old + delta;
    if (n > t->max || n > t->limit) return -1;
    if (n > t->cap) {
        uint64_t cap = t->cap ? t->cap : 8;
        while (cap < n) cap *= 2;
        if (cap > t->limit) cap = n;
        uint64_t had = (uint64_t)(t->cap ? t->cap : 1) * sizeof(void *), more = cap * sizeof(void *) - had;
        if (!store_budget_fits(t->store, more)) {
            cap = n; /* exactly what is asked, if that fits */
            more = cap * sizeof(void *) - had;
            if (!store_budget_fits(t->store, more)) return -1;
        }
        void **e = realloc(t->elems, cap * sizeof *e);
        if (!e) return -1;
        t->store->table_bytes += more;
        t->elems = e;
        t->cap = (uint32_t)cap;
    }
    for (uint64_t i = old; i < n; i++) t->elems[i] = init;
    t->size = (uint32_t)n;
    return old;
}

kiln_table *kiln_table_new(kiln_store *s, kiln_valtype elem, uint32_t min, uint32_t max, kiln_error *err) {
    if (elem != KILN_FUNCREF && elem != KILN_EXTERNREF && elem != KILN_EXNREF) {
        error_set(err, KILN_ERR_ARGUMENT, "a table holds funcref or externref");
        return NULL;
    }
    if (max != UINT32_MAX && max < min) {
        error_set(err, KILN_ERR_ARGUMENT, "invalid table limits %u..%u", min, max);
        return NULL;
    }
    return table_create(s, (uint8_t)elem, min, max, max != UINT32_MAX, err);
}

uint32_t kiln_table_size(const kiln_table *t) { return t->size; }

bool kiln_table_get(const kiln_table *t, uint32_t i, kiln_val *out) {
    if (i >= t->size) return false;
    out->type = (kiln_valtype)t->elem;
    if (t->elem == KILN_FUNCREF) out->of.funcref = t->elems[i];
    else out->of.externref = t->elems[i];
    return true;
}
