/* footprint.c — what a compiled module costs in memory, and the limit on it
 * (kiln_module_footprint, kiln_config.max_module_bytes).
 *
 * The footprint is counted from the module's own allocations, block by
 * block, as the allocator takes them: a block of n bytes costs what glibc's
 * malloc reserves for it (an 8-byte header, 16-byte alignment, 32 bytes at
 * least; a block past the mmap threshold is its own mapping, rounded to
 * pages). Many tiny blocks are exactly what a hostile module with millions of
 * empty functions makes, so the header matters: counting requested bytes
 * alone would miss a third of the cost.
 *
 * The limit is checked while the module compiles, not after: a function
 * section that declares more functions than the limit can hold is refused
 * before their table is allocated, and the bodies are refused as soon as
 * what is compiled plus the least the rest can take passes the limit. */
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/errkind.h"
#include "engine/footprint.h"
#include "engine/native/native.h"

/* An array of n elements allocated as calloc(n ? n : 1, size), as the
 * decoder does; 0 when it was never allocated. */
static size_t arr(const void *p, size_t n, size_t size) { return p ? heap_block((n ? n : 1) * size) : 0; }

size_t funcdef_footprint(const funcdef *f) {
    return arr(f->code, f->code_len, sizeof *f->code) + arr(f->pcmap, f->npcmap, sizeof *f->pcmap) +
           arr(f->local_types, f->nlocals, sizeof *f->local_types) + arr(f->eh, f->neh, sizeof *f->eh) +
           arr(f->eh_clauses, f->neh_clauses, sizeof *f->eh_clauses);
}

/* The least a defined function adds besides its funcdef: a compiled body
 * (one instruction at least) and its local types (one entry at least). */
size_t funcdef_min_footprint(void) { return heap_block(sizeof(uint32_t)) + heap_block(sizeof(kiln_valtype)); }

/* Everything but the compiled bodies (funcdef_footprint of each). */
static size_t module_base_footprint(const kiln_module *m) {
    size_t n = heap_block(sizeof *m) + heap_block(m->len ? m->len : 1);
    if (m->types) {
        n += arr(m->types, m->ntypes, sizeof *m->types);
        for (uint32_t i = 0; i < m->ntypes; i++)
            n += arr(m->types[i].params, m->types[i].nparams, sizeof(kiln_valtype)) +
                 arr(m->types[i].results, m->types[i].nresults, sizeof(kiln_valtype));
    }
    if (m->imports) {
        n += arr(m->imports, m->nimports, sizeof *m->imports);
        for (uint32_t i = 0; i < m->nimports; i++)
            n += (m->imports[i].module ? heap_block(strlen(m->imports[i].module) + 1) : 0) +
                 (m->imports[i].name ? heap_block(strlen(m->imports[i].name) + 1) : 0);
    }
    uint32_t nd = m->nfuncs - m->nfunc_imports;
    n += arr(m->func_types, m->nfuncs, sizeof *m->func_types) + arr(m->funcs, nd, sizeof *m->funcs) +
         arr(m->func_declared, m->nfuncs, 1);
    n += arr(m->tables, m->ntables, sizeof *m->tables) + arr(m->memories, m->nmemories, sizeof *m->memories) +
         arr(m->global_types, m->nglobals, sizeof *m->global_types) +
         arr(m->globals, m->nglobals - m->nglobal_imports, sizeof *m->globals) +
         arr(m->tag_types, m->ntags, sizeof *m->tag_types);
    if (m->exports) {
        n += arr(m->exports, m->nexports, sizeof *m->exports);
        for (uint32_t i = 0; i < m->nexports; i++)
            if (m->exports[i].name) n += heap_block((size_t)m->exports[i].name_len + 1);
    }
    if (m->elems) {
        n += arr(m->elems, m->nelems, sizeof *m->elems);
        for (uint32_t i = 0; i < m->nelems; i++) n += arr(m->elems[i].items, m->elems[i].count, sizeof(constexpr));
    }
    n += arr(m->datas, m->ndatas, sizeof *m->datas);
    if (m->customs) {
        n += arr(m->customs, m->ncustoms, sizeof *m->customs);
        for (uint32_t i = 0; i < m->ncustoms; i++)
            if (m->customs[i].name) n += heap_block(strlen(m->customs[i].name) + 1);
    }
    n += arr(m->csteps, m->ccap, sizeof *m->csteps);
    n += arr(m->xargs, m->xcap, sizeof *m->xargs); /* the x-twin accesses' memargs */
    return n;
}

size_t kiln_module_footprint(const kiln_module *m) {
    if (!m) return 0;
    size_t n = module_base_footprint(m);
    if (m->funcs)
        for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) n += funcdef_footprint(&m->funcs[i]);
    const struct native_code *nc = native_of(m);
    if (nc)
        n += heap_block(sizeof *nc) + arr(nc->sites, nc->nsites, sizeof *nc->sites) +
             ((nc->so_bytes + 4095) & ~(size_t)4095); /* the memfd's pages, which the mapping shares */
    return n;
}

uint64_t engine_max_module_bytes(const kiln_engine *e) {
    return e->config.max_module_bytes ? e->config.max_module_bytes : KILN_DEFAULT_MAX_MODULE_BYTES;
}

/* "256 MiB", "1.5 GiB", "3000 bytes": for messages. */
static const char *human(uint64_t n, char *buf, size_t size) {
    if (n >= (1ull << 30) && n % (1ull << 30) == 0) snprintf(buf, size, "%llu GiB", (unsigned long long)(n >> 30));
    else if (n >= (1ull << 30)) snprintf(buf, size, "%.1f GiB", (double)n / (1ull << 30));
    else if (n >= (1ull << 20) && n % (1ull << 20) == 0) snprintf(buf, size, "%llu MiB", (unsigned long long)(n >> 20));
    else if (n >= (1ull << 20)) snprintf(buf, size, "%.1f MiB", (double)n / (1ull << 20));
    else snprintf(buf, size, "%llu bytes", (unsigned long long)n);
    return buf;
}

bool footprint_refuse(const kiln_module *m, uint64_t need, const char *what, kiln_error *err) {
    uint64_t limit = engine_max_module_bytes(m->engine);
    const char *opt = m->engine->config.max_module_bytes_option;
    char a[32], b[32];
    return error_set(err, KILN_ERR_LIMIT,
                     "module too large once compiled: %s need at least %s, over the limit of %s for one compiled "
                     "module%s%s%s",
                     what, human(need, a, sizeof a), human(limit, b, sizeof b), opt ? " (" : "", opt ? opt : "",
                     opt ? " raises it)" : "");
}

bool footprint_check_functions(const kiln_module *m, uint32_t ndefined, kiln_error *err) {
    uint64_t need = module_base_footprint(m) + heap_block((size_t)(ndefined ? ndefined : 1) * sizeof(funcdef)) +
                    heap_block(m->nfuncs ? m->nfuncs : 1) + (uint64_t)ndefined * funcdef_min_footprint();
    if (need <= engine_max_module_bytes(m->engine)) return true;
    char what[64];
    snprintf(what, sizeof what, "its %u functions", ndefined);
    return footprint_refuse(m, need, what, err);
}

size_t footprint_bodies_base(const kiln_module *m) { return module_base_footprint(m); }
