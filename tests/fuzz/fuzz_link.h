/*
 * fuzz_link.h — shared by the engine fuzz target (fuzz_module.c) and the
 * differential harness (diffrun.c): satisfy every import of a module with a
 * dummy of the right type, and make all-zero arguments for an export.
 *
 * Header-only (static functions) because both programs are single files
 * built outside libkiln; nothing here is part of the engine.
 */
#ifndef KILN_FUZZ_LINK_H
#define KILN_FUZZ_LINK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"

/* A zero value of type t (ref types: null). */
static kiln_val fz_zero(kiln_valtype t) {
    kiln_val v;
    memset(&v, 0, sizeof v);
    v.type = t;
    return v;
}

/*
 * Defines, in l, a dummy for every import of m: function imports call
 * `host` with env pointing at that import's description in descs[] (which
 * must hold kiln_module_import_count(m) entries and outlive the linker);
 * memories, tables and globals are made in s at their minimum size with
 * zero contents. Returns false with err set when a dummy cannot be made
 * (a memory larger than the store allows, say): the caller skips the
 * module, since no instance could exist.
 */
static bool fz_link_dummies(kiln_linker *l, kiln_store *s, const kiln_module *m, kiln_host_fn host,
                            kiln_externdesc *descs, kiln_error *err) {
    uint32_t n = kiln_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        kiln_externdesc *d = &descs[i];
        kiln_module_import(m, i, d);
        kiln_extern ext;
        memset(&ext, 0, sizeof ext);
        ext.kind = d->kind;
        switch (d->kind) {
        case KILN_EXTERN_FUNC:
            if (!kiln_linker_define_host(l, d->module_name, d->name, &d->func, host, d, err)) return false;
            continue;
        case KILN_EXTERN_MEMORY:
            if (d->limits.min > 65536 || (d->limits.has_max && d->limits.max > 65536)) {
                if (err) snprintf(err->message, sizeof err->message, "memory import too large");
                return false;
            }
            ext.of.memory = kiln_memory_new(s, (uint32_t)d->limits.min,
                                            d->limits.has_max ? (uint32_t)d->limits.max : UINT32_MAX, err);
            if (!ext.of.memory) return false;
            break;
        case KILN_EXTERN_TABLE:
            if (d->limits.min > UINT32_MAX || (d->limits.has_max && d->limits.max >= UINT32_MAX)) {
                if (err) snprintf(err->message, sizeof err->message, "table import too large");
                return false;
            }
            ext.of.table = kiln_table_new(s, d->elem_type, (uint32_t)d->limits.min,
                                          d->limits.has_max ? (uint32_t)d->limits.max : UINT32_MAX, err);
            if (!ext.of.table) return false;
            break;
        case KILN_EXTERN_GLOBAL:
            ext.of.global = kiln_global_new(s, fz_zero(d->global_type), d->global_mutable, err);
            if (!ext.of.global) return false;
            break;
        default:
            if (err) snprintf(err->message, sizeof err->message, "unknown import kind %d", (int)d->kind);
            return false;
        }
        if (!kiln_linker_define(l, d->module_name, d->name, ext, err)) return false;
    }
    return true;
}

/* Fills args[] (room for t->nparams) with zeros of the parameter types. */
static void fz_zero_args(const kiln_functype *t, kiln_val *args) {
    for (uint32_t i = 0; i < t->nparams; i++) args[i] = fz_zero(t->params[i]);
}

#endif
