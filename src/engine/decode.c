/*
 * decode.c — the binary format: every section parsed and checked, module-
 * level validation (indexes, limits, constant expressions, segments), then
 * each function body handed to compile.c, which validates and compiles it in
 * one pass. Errors name the section and the byte offset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/footprint.h"
#include "engine/module.h"
#include "engine/native/native.h"
#include "engine/reader.h"
#include "engine/errkind.h"

static const char *const section_names[] = {
    "custom", "type", "import", "function", "table", "memory", "global",
    "export", "start", "element", "code", "data", "datacount", "tag",
};

/* The order sections must appear in (custom sections aside). */
static int section_rank(uint8_t id) {
    /* The tag section (13) goes between memory and global. */
    static const int rank[] = {0, 2, 4, 6, 8, 10, 14, 16, 18, 20, 24, 26, 22, 12};
    return id < sizeof rank / sizeof rank[0] ? rank[id] : -1;
}

#define FAIL(...) do { rd_fail(r, __VA_ARGS__); return false; } while (0)
#define FAIL_OOM() do { rd_fail_code(r, KILN_ERR_NO_MEMORY, "out of memory"); return false; } while (0)

/* A wasm name as it may appear inside an error message (module.h). Names
 * are any UTF-8, newlines included, and an error must stay one line:
 * control characters, quotes and backslashes become \hh (as in the text
 * format), and a long name is cut with "...". */
const char *name_for_message(const char *s, size_t len, char *buf, size_t size) {
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool esc = c < 0x20 || c == 0x7f || c == '"' || c == '\\';
        if (o + (esc ? 3 : 1) + 4 > size) { memcpy(buf + o, "...", 4); return buf; }
        if (esc) { buf[o++] = '\\'; buf[o++] = hex[c >> 4]; buf[o++] = hex[c & 15]; }
        else buf[o++] = (char)c;
    }
    buf[o] = '\0';
    return buf;
}

static void *xcalloc(reader *r, size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) rd_fail_code(r, KILN_ERR_NO_MEMORY, "out of memory");
    return p;
}

static bool rd_valtype(reader *r, uint8_t *out) {
    uint8_t b;
    if (!rd_u8(r, &b)) return false;
    if (!valtype_is_valid(b)) FAIL("malformed value type 0x%02x", b);
    *out = b;
    return true;
}

static bool rd_reftype(reader *r, uint8_t *out) {
    uint8_t b;
    if (!rd_u8(r, &b)) return false;
    if (b != KILN_FUNCREF && b != KILN_EXTERNREF && b != KILN_EXNREF) FAIL("malformed reference type 0x%02x", b);
    *out = b;
    return true;
}

static bool rd_limits(reader *r, uint32_t *min, uint32_t *max, bool *has_max) {
    uint8_t flag;
    if (!rd_u8(r, &flag)) return false;
    if (flag > 1) FAIL("malformed limits flags 0x%02x (integer too large)", flag);
    if (!rd_u32(r, min)) return false;
    *has_max = flag == 1;
    *max = UINT32_MAX;
    if (*has_max && !rd_u32(r, max)) return false;
    return true;
}

/* A memory type: limits flags bit 0 = a maximum follows, bit 2 = memory64
 * (then the limits are u64 page counts, at most 2^48). Bit 1 (shared, the
 * threads proposal) is not supported. */
static bool rd_memtype(reader *r, memtype *t) {
    uint8_t flag;
    if (!rd_u8(r, &flag)) return false;
    if (flag & ~5u) FAIL("malformed limits flags 0x%02x (integer too large)", flag);
    t->is64 = flag & 4;
    t->has_max = flag & 1;
    t->max = UINT64_MAX;
    if (t->is64) {
        if (!rd_u64(r, &t->min) || (t->has_max && !rd_u64(r, &t->max))) return false;
        if (t->min > (1ull << 48) || (t->has_max && t->max > (1ull << 48)))
            FAIL("memory size must be at most 2^48 pages (16EiB)");
    } else {
        uint32_t mn, mx = UINT32_MAX;
        if (!rd_u32(r, &mn) || (t->has_max && !rd_u32(r, &mx))) return false;
        t->min = mn;
        if (t->has_max) t->max = mx;
        if (t->min > KILN_MAX_PAGES) FAIL("memory size must be at most 65536 pages (4GiB)");
        if (t->has_max && t->max > KILN_MAX_PAGES) FAIL("memory size must be at most 65536 pages (4GiB)");
    }
    if (t->has_max && t->max < t->min) FAIL("size minimum must not be greater than maximum");
    return true;
}

static bool check_tabletype(reader *r, const tabletype *t) {
    if (t->has_max && t->max < t->min) FAIL("size minimum must not be greater than maximum");
    return true;
}

static bool rd_globaltype(reader *r, globaltype *g) {
    uint8_t mut;
    if (!rd_valtype(r, &g->type) || !rd_u8(r, &mut)) return false;
    if (mut > 1) FAIL("malformed mutability 0x%02x", mut);
    g->mutable_ = mut;
    return true;
}

/* Reads one instruction of a constant expression (opcode op, already
 * read) into c. Only imported immutable globals may be read. */
static bool rd_const_instr(reader *r, kiln_module *m, uint8_t op, constexpr *c) {
    switch (op) {
    case 0x41: { int32_t v; if (!rd_s32(r, &v)) return false; c->op = CONST_I32; c->type = KILN_I32; c->bits = (uint32_t)v; break; }
    case 0x42: { int64_t v; if (!rd_s64(r, &v)) return false; c->op = CONST_I64; c->type = KILN_I64; c->bits = (uint64_t)v; break; }
    case 0x43: { uint32_t v; if (!rd_fixed32(r, &v)) return false; c->op = CONST_F32; c->type = KILN_F32; c->bits = v; break; }
    case 0x44: { uint64_t v; if (!rd_fixed64(r, &v)) return false; c->op = CONST_F64; c->type = KILN_F64; c->bits = v; break; }
    case 0x23: {
        uint32_t g;
        if (!rd_u32(r, &g)) return false;
        if (g >= m->nglobals) FAIL("unknown global %u", g);
        if (g >= m->nglobal_imports) FAIL("unknown global %u: constant expressions may only read imported globals", g);
        if (m->global_types[g].mutable_) FAIL("constant expression required: global %u is mutable", g);
        c->op = CONST_GLOBAL_GET; c->type = m->global_types[g].type; c->index = g;
        break;
    }
    case 0xd0: { uint8_t t; if (!rd_reftype(r, &t)) return false; c->op = CONST_REF_NULL; c->type = t; c->bits = 0; break; }
    case 0xd2: {
        uint32_t f;
        if (!rd_u32(r, &f)) return false;
        if (f >= m->nfuncs) FAIL("unknown function %u", f);
        m->func_declared[f] = 1;
        c->op = CONST_REF_FUNC; c->type = KILN_FUNCREF; c->index = f;
        break;
    }
    case 0xfd: { /* v128.const: the only constant SIMD instruction */
        uint32_t sub;
        const uint8_t *b;
        if (!rd_u32(r, &sub)) return false;
        if (sub != 0x0c) FAIL("constant expression required (opcode 0xfd %u is not constant)", sub);
        if (!rd_bytes(r, 16, &b)) return false;
        c->op = CONST_V128; c->type = KILN_V128;
        memcpy(&c->bits, b, 8);
        memcpy(&c->bits2, b + 8, 8);
        break;
    }
    case 0x6a: c->op = CONST_I32_ADD; c->type = KILN_I32; break;
    case 0x6b: c->op = CONST_I32_SUB; c->type = KILN_I32; break;
    case 0x6c: c->op = CONST_I32_MUL; c->type = KILN_I32; break;
    case 0x7c: c->op = CONST_I64_ADD; c->type = KILN_I64; break;
    case 0x7d: c->op = CONST_I64_SUB; c->type = KILN_I64; break;
    case 0x7e: c->op = CONST_I64_MUL; c->type = KILN_I64; break;
    default:
        FAIL("constant expression required (opcode 0x%02x is not constant)", op);
    }
    return true;
}

/* Reads a constant expression of type `want` (0: any reference type is
 * checked by the caller): one instruction, kept as it is, or (extended
 * constant expressions) a sequence, its types checked on a stack and its
 * steps appended to m->csteps. */
static bool rd_constexpr(reader *r, kiln_module *m, uint8_t want, constexpr *c) {
    uint8_t op;
    memset(c, 0, sizeof *c);
    if (!rd_u8(r, &op)) return false;
    if (op == 0x0b) FAIL("type mismatch: a constant expression with no value");
    if (!rd_const_instr(r, m, op, c)) return false;
    if (c->op >= CONST_I32_ADD) FAIL("type mismatch in constant expression: %s needs two operands", op < 0x7c ? "i32 arithmetic" : "i64 arithmetic");
    if (!rd_u8(r, &op)) return false;
    if (op != 0x0b) {
        /* Several instructions: the first one and the rest become steps. */
        uint8_t types[KILN_CONST_DEPTH];
        unsigned depth = 1;
        types[0] = c->type;
        uint32_t first = m->ncsteps, n = 0;
        constexpr e = *c;
        for (;;) {
            if (m->ncsteps == m->ccap) {
                if (m->ccap >= UINT32_MAX / 2) FAIL_OOM();
                uint32_t cap = m->ccap ? 2 * m->ccap : 16;
                constexpr *grown = realloc(m->csteps, (size_t)cap * sizeof *grown);
                if (!grown) FAIL_OOM();
                m->csteps = grown;
                m->ccap = cap;
            }
            m->csteps[m->ncsteps++] = e;
            n++;
            if (op == 0x0b) break;
            if (!rd_const_instr(r, m, op, &e)) return false;
            if (e.op >= CONST_I32_ADD && e.op <= CONST_I64_MUL) {
                if (depth < 2 || types[depth - 1] != e.type || types[depth - 2] != e.type)
                    FAIL("type mismatch in constant expression: %s wants two %s operands",
                         e.op <= CONST_I32_MUL ? "i32 arithmetic" : "i64 arithmetic", kiln_valtype_name((kiln_valtype)e.type));
                depth--;
            } else {
                if (depth == KILN_CONST_DEPTH) {
                    rd_fail_code(r, KILN_ERR_LIMIT, "constant expression holds more than %d values at once (kiln's limit)",
                                 KILN_CONST_DEPTH);
                    return false;
                }
                types[depth++] = e.type;
            }
            if (!rd_u8(r, &op)) return false;
        }
        if (depth != 1) FAIL("type mismatch in constant expression: it leaves %u values, not one", depth);
        c->op = CONST_EXTENDED;
        c->type = types[0];
        c->index = first;
        c->bits = n;
        m->features |= KILN_FEATURE_EXTENDED_CONST;
    }
    if (want && c->type != want)
        FAIL("type mismatch in constant expression: expected %s, got %s",
             kiln_valtype_name((kiln_valtype)want), kiln_valtype_name((kiln_valtype)c->type));
    return true;
}

static bool sec_type(reader *r, kiln_module *m) {
    if (!rd_u32(r, &m->ntypes)) return false;
    if (m->ntypes > (uint32_t)(r->end - r->p)) FAIL("type count %u is larger than the section", m->ntypes);
    if (!(m->types = xcalloc(r, m->ntypes, sizeof *m->types))) return false;
    for (uint32_t i = 0; i < m->ntypes; i++) {
        functype *t = &m->types[i];
        uint8_t form;
        if (!rd_u8(r, &form)) return false;
        if (form != 0x60) FAIL("malformed function type form 0x%02x (expected 0x60)", form);
        for (int pass = 0; pass < 2; pass++) {
            uint32_t n;
            if (!rd_u32(r, &n)) return false;
            if (n > (uint32_t)(r->end - r->p)) FAIL("too many value types (%u)", n);
            kiln_valtype *v = xcalloc(r, n, sizeof *v);
            if (!v) return false;
            if (pass == 0) { t->params = v; t->nparams = n; }
            else { t->results = v; t->nresults = n; }
            for (uint32_t k = 0; k < n; k++) {
                uint8_t b;
                if (!rd_valtype(r, &b)) return false;
                v[k] = (kiln_valtype)b;
            }
        }
        if (t->nresults > KILN_MAX_FUNC_RESULTS) FAIL("too many results (%u)", t->nresults);
        functype_count_slots(t);
        t->id = engine_intern_type(m->engine, t->params, t->nparams, t->results, t->nresults);
        if (t->id == UINT32_MAX) FAIL_OOM();
    }
    return true;
}

/* A tag's type: attribute 0 (exception), then a function type index whose
 * type has no results. */
static bool rd_tagtype(reader *r, kiln_module *m, uint32_t *type_index) {
    uint8_t attr;
    if (!rd_u8(r, &attr)) return false;
    if (attr != 0) FAIL("malformed tag attribute 0x%02x", attr);
    if (!rd_u32(r, type_index)) return false;
    if (*type_index >= m->ntypes) FAIL("unknown type %u", *type_index);
    if (m->types[*type_index].nresults) FAIL("non-empty tag result type");
    return true;
}

static bool sec_tag(reader *r, kiln_module *m) {
    uint32_t n;
    if (!rd_u32(r, &n)) return false;
    if (n > (uint32_t)(r->end - r->p)) FAIL("tag count %u is larger than the section", n);
    uint32_t *t = realloc(m->tag_types, ((size_t)m->ntag_imports + n + 1) * sizeof *t);
    if (!t) FAIL_OOM();
    m->tag_types = t;
    for (uint32_t i = 0; i < n; i++)
        if (!rd_tagtype(r, m, &m->tag_types[m->ntag_imports + i])) return false;
    m->ntags = m->ntag_imports + n;
    return true;
}

static bool sec_import(reader *r, kiln_module *m) {
    if (!rd_u32(r, &m->nimports)) return false;
    if (m->nimports > (uint32_t)(r->end - r->p)) FAIL("import count %u is larger than the section", m->nimports);
    if (!(m->imports = xcalloc(r, m->nimports, sizeof *m->imports))) return false;
    for (uint32_t i = 0; i < m->nimports; i++) {
        import *im = &m->imports[i];
        if (!rd_name(r, &im->module) || !rd_name(r, &im->name) || !rd_u8(r, &im->kind)) return false;
        switch (im->kind) {
        case KILN_EXTERN_FUNC:
            if (!rd_u32(r, &im->type_index)) return false;
            if (im->type_index >= m->ntypes) FAIL("unknown type %u", im->type_index);
            im->index = m->nfunc_imports++;
            break;
        case KILN_EXTERN_TABLE:
            if (!rd_reftype(r, &im->table.elem) ||
                !rd_limits(r, &im->table.min, &im->table.max, &im->table.has_max) ||
                !check_tabletype(r, &im->table))
                return false;
            im->index = m->ntable_imports++;
            break;
        case KILN_EXTERN_MEMORY:
            if (!rd_memtype(r, &im->memory)) return false;
            im->index = m->nmemory_imports++;
            break;
        case KILN_EXTERN_GLOBAL:
            if (!rd_globaltype(r, &im->global)) return false;
            im->index = m->nglobal_imports++;
            break;
        case KILN_EXTERN_TAG:
            if (!rd_tagtype(r, m, &im->type_index)) return false;
            im->index = m->ntag_imports++;
            break;
        default:
            FAIL("malformed import kind 0x%02x", im->kind);
        }
    }
    if (m->nmemory_imports > 1 && engine_single_memory(m->engine)) FAIL("multiple memories");
    return true;
}

static bool sec_function(reader *r, kiln_module *m, uint32_t *ndefined) {
    if (!rd_u32(r, ndefined)) return false;
    if (*ndefined > (uint32_t)(r->end - r->p)) FAIL("function count %u is larger than the section", *ndefined);
    m->nfuncs = m->nfunc_imports + *ndefined;
    free(m->func_types);
    if (!(m->func_types = xcalloc(r, m->nfuncs, sizeof *m->func_types))) return false;
    for (uint32_t i = 0; i < *ndefined; i++) {
        uint32_t t;
        if (!rd_u32(r, &t)) return false;
        if (t >= m->ntypes) FAIL("unknown type %u", t);
        m->func_types[m->nfunc_imports + i] = t;
    }
    return true;
}

static bool sec_table(reader *r, kiln_module *m, uint32_t *ndefined) {
    if (!rd_u32(r, ndefined)) return false;
    if (*ndefined > (uint32_t)(r->end - r->p)) FAIL("table count %u is larger than the section", *ndefined);
    uint32_t total = m->ntable_imports + *ndefined;
    tabletype *t = realloc(m->tables, (size_t)(total ? total : 1) * sizeof *t);
    if (!t) FAIL_OOM();
    m->tables = t;
    m->ntables = total;
    for (uint32_t i = m->ntable_imports; i < total; i++) {
        if (!rd_reftype(r, &t[i].elem) || !rd_limits(r, &t[i].min, &t[i].max, &t[i].has_max) ||
            !check_tabletype(r, &t[i]))
            return false;
    }
    return true;
}

static bool sec_memory(reader *r, kiln_module *m) {
    uint32_t n;
    if (!rd_u32(r, &n)) return false;
    if (n > (uint32_t)(r->end - r->p)) FAIL("memory count %u is larger than the section", n);
    uint32_t total = m->nmemory_imports + n;
    if (total > 1 && engine_single_memory(m->engine)) FAIL("multiple memories");
    memtype *t = realloc(m->memories, (size_t)(total ? total : 1) * sizeof *t);
    if (!t) FAIL_OOM();
    m->memories = t;
    m->nmemories = total;
    for (uint32_t i = m->nmemory_imports; i < total; i++)
        if (!rd_memtype(r, &t[i])) return false;
    return true;
}

static bool sec_global(reader *r, kiln_module *m) {
    uint32_t n;
    if (!rd_u32(r, &n)) return false;
    if (n > (uint32_t)(r->end - r->p)) FAIL("global count %u is larger than the section", n);
    uint32_t total = m->nglobal_imports + n;
    globaltype *gt = realloc(m->global_types, (size_t)(total ? total : 1) * sizeof *gt);
    if (!gt) FAIL_OOM();
    m->global_types = gt;
    if (!(m->globals = xcalloc(r, n, sizeof *m->globals))) return false;
    for (uint32_t i = 0; i < n; i++) {
        global_def *g = &m->globals[i];
        if (!rd_globaltype(r, &g->type)) return false;
        /* Initialisers see only the imported globals. */
        m->nglobals = m->nglobal_imports;
        if (!rd_constexpr(r, m, g->type.type, &g->init)) return false;
        gt[m->nglobal_imports + i] = g->type;
    }
    m->nglobals = total;
    return true;
}

static int export_cmp(const void *a, const void *b) {
    const export_ *x = *(const export_ *const *)a, *y = *(const export_ *const *)b;
    uint32_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    if (c) return c;
    return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

static bool sec_export(reader *r, kiln_module *m) {
    if (!rd_u32(r, &m->nexports)) return false;
    if (m->nexports > (uint32_t)(r->end - r->p)) FAIL("export count %u is larger than the section", m->nexports);
    if (!(m->exports = xcalloc(r, m->nexports, sizeof *m->exports))) return false;
    for (uint32_t i = 0; i < m->nexports; i++) {
        export_ *e = &m->exports[i];
        if (!rd_name_len(r, &e->name, &e->name_len) || !rd_u8(r, &e->kind) || !rd_u32(r, &e->index)) return false;
        uint32_t limit;
        switch (e->kind) {
        case KILN_EXTERN_FUNC: limit = m->nfuncs; break;
        case KILN_EXTERN_TABLE: limit = m->ntables; break;
        case KILN_EXTERN_MEMORY: limit = m->nmemories; break;
        case KILN_EXTERN_GLOBAL: limit = m->nglobals; break;
        case KILN_EXTERN_TAG: limit = m->ntags; break;
        default: FAIL("malformed export kind 0x%02x", e->kind);
        }
        if (e->index >= limit) {
            char nb[96];
            FAIL("unknown %s %u in export \"%s\"", kiln_externkind_name((kiln_externkind)e->kind), e->index,
                 name_for_message(e->name, e->name_len, nb, sizeof nb));
        }
        if (e->kind == KILN_EXTERN_FUNC) m->func_declared[e->index] = 1;
    }
    /* Names must be unique: sort a copy and compare neighbours. */
    const export_ **sorted = xcalloc(r, m->nexports, sizeof *sorted);
    if (!sorted) return false;
    for (uint32_t i = 0; i < m->nexports; i++) sorted[i] = &m->exports[i];
    qsort(sorted, m->nexports, sizeof *sorted, export_cmp);
    for (uint32_t i = 1; i < m->nexports; i++)
        if (!export_cmp(&sorted[i - 1], &sorted[i])) {
            char nb[96];
            name_for_message(sorted[i]->name, sorted[i]->name_len, nb, sizeof nb);
            free(sorted);
            FAIL("duplicate export name \"%s\"", nb);
        }
    free(sorted);
    return true;
}

static bool sec_start(reader *r, kiln_module *m) {
    if (!rd_u32(r, &m->start)) return false;
    if (m->start >= m->nfuncs) FAIL("unknown function %u (start)", m->start);
    const functype *t = &m->types[m->func_types[m->start]];
    if (t->nparams || t->nresults) FAIL("start function %u must take no arguments and return nothing", m->start);
    m->has_start = true;
    return true;
}

static bool sec_element(reader *r, kiln_module *m) {
    if (!rd_u32(r, &m->nelems)) return false;
    if (m->nelems > (uint32_t)(r->end - r->p)) FAIL("element segment count %u is larger than the section", m->nelems);
    if (!(m->elems = xcalloc(r, m->nelems, sizeof *m->elems))) return false;
    for (uint32_t i = 0; i < m->nelems; i++) {
        elem_seg *s = &m->elems[i];
        uint32_t flags;
        if (!rd_u32(r, &flags)) return false;
        if (flags > 7) FAIL("malformed element segment flags %u", flags);
        s->mode = (flags & 1) ? ((flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE) : SEG_ACTIVE;
        s->table = 0;
        if (s->mode == SEG_ACTIVE) {
            if ((flags & 2) && !rd_u32(r, &s->table)) return false;
            if (s->table >= m->ntables) FAIL("unknown table %u", s->table);
            if (!rd_constexpr(r, m, KILN_I32, &s->offset)) return false;
        }
        bool exprs = flags & 4;
        s->elem_type = KILN_FUNCREF;
        if (flags & 3) { /* an explicit elemkind or reftype follows */
            if (exprs) {
                if (!rd_reftype(r, &s->elem_type)) return false;
            } else {
                uint8_t kind;
                if (!rd_u8(r, &kind)) return false;
                if (kind != 0) FAIL("malformed element kind 0x%02x", kind);
            }
        }
        if (!rd_u32(r, &s->count)) return false;
        if (s->count > (uint32_t)(r->end - r->p)) FAIL("element count %u is larger than the section", s->count);
        if (!(s->items = xcalloc(r, s->count, sizeof *s->items))) return false;
        for (uint32_t k = 0; k < s->count; k++) {
            constexpr *c = &s->items[k];
            if (exprs) {
                if (!rd_constexpr(r, m, s->elem_type, c)) return false;
                if (c->op != CONST_REF_NULL && c->op != CONST_REF_FUNC && c->op != CONST_GLOBAL_GET)
                    FAIL("type mismatch in element expression");
            } else {
                uint32_t f;
                if (!rd_u32(r, &f)) return false;
                if (f >= m->nfuncs) FAIL("unknown function %u", f);
                m->func_declared[f] = 1;
                c->op = CONST_REF_FUNC; c->type = KILN_FUNCREF; c->index = f;
            }
        }
        if (s->mode == SEG_ACTIVE && m->tables[s->table].elem != s->elem_type)
            FAIL("type mismatch: element segment %u of %s into a table of %s", i,
                 kiln_valtype_name((kiln_valtype)s->elem_type),
                 kiln_valtype_name((kiln_valtype)m->tables[s->table].elem));
    }
    return true;
}

static bool sec_data(reader *r, kiln_module *m) {
    uint32_t n;
    if (!rd_u32(r, &n)) return false;
    if (m->has_datacount && n != m->ndatas) FAIL("data count and data section have inconsistent lengths");
    if (n > (uint32_t)(r->end - r->p)) FAIL("data segment count %u is larger than the section", n);
    free(m->datas);
    m->ndatas = n;
    if (!(m->datas = xcalloc(r, n, sizeof *m->datas))) return false;
    for (uint32_t i = 0; i < n; i++) {
        data_seg *s = &m->datas[i];
        uint32_t flags;
        if (!rd_u32(r, &flags)) return false;
        if (flags > 2) FAIL("malformed data segment flags %u", flags);
        s->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
        if (flags == 2 && !rd_u32(r, &s->memory)) return false;
        if (s->mode == SEG_ACTIVE) {
            if (s->memory >= m->nmemories) FAIL("unknown memory %u", s->memory);
            if (!rd_constexpr(r, m, m->memories[s->memory].is64 ? KILN_I64 : KILN_I32, &s->offset)) return false;
        }
        if (!rd_u32(r, &s->size) || !rd_bytes(r, s->size, &s->bytes)) return false;
    }
    return true;
}

static bool sec_code(reader *r, kiln_module *m, uint32_t ndefined) {
    uint32_t n;
    if (!rd_u32(r, &n)) return false;
    if (n != ndefined) FAIL("function and code section have inconsistent lengths (%u and %u)", ndefined, n);
    for (uint32_t i = 0; i < n; i++) {
        funcdef *f = &m->funcs[i];
        uint32_t size;
        if (!rd_u32(r, &size)) return false;
        if (size > (uint32_t)(r->end - r->p)) FAIL("function body %u is larger than the section", i);
        f->body_offset = rd_offset(r);
        f->body_size = size;
        r->p += size;
    }
    return true;
}

/* Compiles every body once the whole module is known (the data count and
 * the declared function references must be in hand first). */
static bool compile_bodies(kiln_module *m, kiln_error *err) {
    /* The compiled-size limit (footprint.c): what is compiled so far plus
     * the least the rest can take, after every body, so that a module past
     * it stops within one function of the limit. */
    uint64_t limit = engine_max_module_bytes(m->engine), total = footprint_bodies_base(m);
    uint32_t nd = m->nfuncs - m->nfunc_imports;
    for (uint32_t i = 0; i < nd; i++) {
        funcdef *f = &m->funcs[i];
        if (!compile_function(m, f, m->bytes + f->body_offset, f->body_size, err)) return false;
#ifdef KILN_DEBUG
        char why[200];
        if (!code_verify(m, f, why, sizeof why)) kiln_assert_fail(why, __FILE__, __LINE__);
#endif
        total += funcdef_footprint(f);
        uint64_t need = total + (uint64_t)(nd - i - 1) * funcdef_min_footprint();
        if (need > limit) {
            char what[96];
            snprintf(what, sizeof what, "its %u functions (compiled up to function %u)", nd, f->index);
            return footprint_refuse(m, need, what, err);
        }
    }
    if (total > limit) return footprint_refuse(m, total, "its code, tables and data", err);
    return true;
}

static bool sec_custom(reader *r, kiln_module *m) {
    char *name;
    if (!rd_name(r, &name)) return false;
    custom_section *c = realloc(m->customs, (m->ncustoms + 1) * sizeof *c);
    if (!c) { free(name); FAIL_OOM(); }
    m->customs = c;
    c[m->ncustoms].name = name;
    c[m->ncustoms].data = r->p;
    c[m->ncustoms].size = (uint32_t)(r->end - r->p);
    m->ncustoms++;
    r->p = r->end;
    return true;
}

static bool decode_sections(reader *top, kiln_module *m) {
    reader *r = top;
    uint32_t magic, version;
    if ((size_t)(r->end - r->p) < 4) FAIL("unexpected end (magic header not detected)");
    if (!rd_fixed32(r, &magic)) return false;
    if (magic != 0x6d736100) { r->p -= 4; FAIL("magic header not detected (not a WebAssembly module)"); }
    if ((size_t)(r->end - r->p) < 4) FAIL("unexpected end (unknown binary version)");
    if (!rd_fixed32(r, &version)) return false;
    if (version != 1) { r->p -= 4; FAIL("unknown binary version %u", version); }

    int last_rank = 0;
    uint32_t nfuncs_declared = 0, ntables_declared = 0;
    bool have_function = false, have_code = false;
    while (!rd_eof(r)) {
        uint8_t id;
        uint32_t size;
        uint32_t section_start = rd_offset(r);
        if (!rd_u8(r, &id)) return false;
        if (id > 13) { r->p--; FAIL("malformed section id %u", id); }
        /* A bad or truncated size still names its section in the message. */
        char head[64];
        snprintf(head, sizeof head, "section %u (%s) size", id, section_names[id]);
        r->where = head;
        if (!rd_u32(r, &size)) return false;
        r->where = NULL;
        if (size > (uint32_t)(r->end - r->p)) FAIL("section %u (%s) size %u runs past the end (unexpected end)", id, section_names[id], size);
        if (id != 0) {
            int rank = section_rank(id);
            if (rank <= last_rank) { r->p = r->base + section_start; FAIL("unexpected content after last section: section %u (%s) is out of order or repeated (junk after last section)", id, section_names[id]); }
            last_rank = rank;
        }
        char where[64];
        snprintf(where, sizeof where, "section %u (%s)", id, section_names[id]);
        reader sr = {.base = r->base, .p = r->p, .end = r->p + size, .err = r->err, .where = where};
        bool ok = true;
        /* Sections after the function section may name functions
         * (ref.func, exports): the declared-reference set must exist. */
        if (id > 3 && !m->func_declared && !(m->func_declared = calloc(m->nfuncs ? m->nfuncs : 1, 1)))
            FAIL_OOM();
        switch (id) {
        case 0: ok = sec_custom(&sr, m); break;
        case 1: ok = sec_type(&sr, m); break;
        case 2: ok = sec_import(&sr, m); break;
        case 3: ok = sec_function(&sr, m, &nfuncs_declared); have_function = true; break;
        case 4: ok = sec_table(&sr, m, &ntables_declared); break;
        case 5: ok = sec_memory(&sr, m); break;
        case 6: ok = sec_global(&sr, m); break;
        case 7: ok = sec_export(&sr, m); break;
        case 8: ok = sec_start(&sr, m); break;
        case 9: ok = sec_element(&sr, m); break;
        case 10:
            m->code_section_offset = rd_offset(&sr);
            ok = sec_code(&sr, m, nfuncs_declared);
            have_code = true;
            break;
        case 11: ok = sec_data(&sr, m); break;
        case 12:
            ok = rd_u32(&sr, &m->ndatas);
            m->has_datacount = true;
            break;
        case 13: ok = sec_tag(&sr, m); m->features |= KILN_FEATURE_EXCEPTIONS; break;
        }
        if (!ok || sr.failed) { r->failed = true; return false; }
        if (sr.p != sr.end) { r->p = sr.p; r->where = NULL; FAIL("%s section size mismatch (section size mismatch)", section_names[id]); }
        r->p = sr.end;

        if (id == 2) {
            /* Import types go first in each index space. */
            m->nfuncs = m->nfunc_imports;
            if (!(m->func_types = calloc(m->nfuncs ? m->nfuncs : 1, sizeof *m->func_types))) FAIL_OOM();
            if (!(m->tables = calloc(m->ntable_imports ? m->ntable_imports : 1, sizeof *m->tables))) FAIL_OOM();
            if (!(m->memories = calloc(m->nmemory_imports ? m->nmemory_imports : 1, sizeof *m->memories))) FAIL_OOM();
            if (!(m->global_types = calloc(m->nglobal_imports ? m->nglobal_imports : 1, sizeof *m->global_types))) FAIL_OOM();
            if (!(m->tag_types = calloc(m->ntag_imports ? m->ntag_imports : 1, sizeof *m->tag_types))) FAIL_OOM();
            m->ntags = m->ntag_imports;
            m->ntables = m->ntable_imports;
            m->nmemories = m->nmemory_imports;
            m->nglobals = m->nglobal_imports;
            for (uint32_t i = 0; i < m->nimports; i++) {
                import *im = &m->imports[i];
                switch (im->kind) {
                case KILN_EXTERN_FUNC: m->func_types[im->index] = im->type_index; break;
                case KILN_EXTERN_TABLE: m->tables[im->index] = im->table; break;
                case KILN_EXTERN_MEMORY: m->memories[im->index] = im->memory; break;
                case KILN_EXTERN_GLOBAL: m->global_types[im->index] = im->global; break;
                case KILN_EXTERN_TAG: m->tag_types[im->index] = im->type_index; m->features |= KILN_FEATURE_EXCEPTIONS; break;
                }
            }
        }
        if (id == 3) {
            /* sec_function rebuilt func_types; put the import types back. */
            for (uint32_t i = 0; i < m->nimports; i++)
                if (m->imports[i].kind == KILN_EXTERN_FUNC) m->func_types[m->imports[i].index] = m->imports[i].type_index;
            /* Past the compiled-size limit whatever the bodies: refused
             * before the table of functions is allocated. */
            if (!footprint_check_functions(m, nfuncs_declared, r->err)) { r->failed = true; return false; }
            if (!(m->funcs = calloc(nfuncs_declared ? nfuncs_declared : 1, sizeof *m->funcs))) FAIL_OOM();
            for (uint32_t i = 0; i < nfuncs_declared; i++) {
                m->funcs[i].index = m->nfunc_imports + i;
                m->funcs[i].type = &m->types[m->func_types[m->nfunc_imports + i]];
            }
        }
        if (id == 3 && !(m->func_declared = calloc(m->nfuncs ? m->nfuncs : 1, 1))) FAIL_OOM();
    }
    if (have_function && nfuncs_declared > 0 && !have_code)
        FAIL("function and code section have inconsistent lengths (%u and 0)", nfuncs_declared);
    if (m->has_datacount && !m->datas && m->ndatas != 0)
        FAIL("data count and data section have inconsistent lengths");
    return true;
}

kiln_module *module_decode(kiln_engine *e, const uint8_t *bytes, size_t len, kiln_error *err) {
    kiln_module *m = calloc(1, sizeof *m);
    if (!m) { error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    m->engine = e;
    m->len = len;
    m->bytes = malloc(len ? len : 1);
    if (!m->bytes) { free(m); error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    memcpy(m->bytes, bytes, len);
    if (len > UINT32_MAX) {
        error_set(err, KILN_ERR_LIMIT, "module is larger than 4 GiB");
        module_free_contents(m);
        free(m);
        return NULL;
    }
    reader r = {.base = m->bytes, .p = m->bytes, .end = m->bytes + len, .err = err};
    bool ok = decode_sections(&r, m);
    if (ok) {
        /* Index spaces that had no section still need their arrays. */
        if (!m->func_declared) m->func_declared = calloc(m->nfuncs ? m->nfuncs : 1, 1);
        if (!m->func_declared) { rd_fail_code(&r, KILN_ERR_NO_MEMORY, "out of memory"); ok = false; }
    }
    if (ok) ok = compile_bodies(m, err);
    if (!ok) {
        if (err && !err->message[0]) error_set(err, KILN_ERR_INVALID, "invalid module");
        module_free_contents(m);
        free(m);
        return NULL;
    }
    return m;
}

void module_free_contents(kiln_module *m) {
    native_unload(m->native);
    m->native = NULL;
    /* A count is read before its array is allocated: when decoding stops in
     * between (a count larger than its section), the count is set and the
     * array is NULL. Hence the array checks below. */
    if (m->types)
        for (uint32_t i = 0; i < m->ntypes; i++) { free(m->types[i].params); free(m->types[i].results); }
    free(m->types);
    if (m->imports)
        for (uint32_t i = 0; i < m->nimports; i++) { free(m->imports[i].module); free(m->imports[i].name); }
    free(m->imports);
    free(m->func_types);
    if (m->funcs)
        for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
            free(m->funcs[i].code); free(m->funcs[i].pcmap); free(m->funcs[i].local_types);
            free(m->funcs[i].eh); free(m->funcs[i].eh_clauses);
        }
    free(m->funcs);
    free(m->tables);
    free(m->memories);
    free(m->xargs);
    free(m->global_types);
    free(m->tag_types);
    free(m->globals);
    if (m->exports)
        for (uint32_t i = 0; i < m->nexports; i++) free(m->exports[i].name);
    free(m->exports);
    if (m->elems)
        for (uint32_t i = 0; i < m->nelems; i++) free(m->elems[i].items);
    free(m->elems);
    free(m->datas);
    if (m->customs)
        for (uint32_t i = 0; i < m->ncustoms; i++) free(m->customs[i].name);
    free(m->customs);
    free(m->func_declared);
    free(m->csteps);
    free(m->bytes);
}
