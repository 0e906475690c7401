/*
 * coredump.c — encodes and decodes Wasm coredumps (tool-conventions
 * Coredump.md; the layout is summarised in coredump.h), and lists one for
 * people. The reader is bounded against any input: every count is checked
 * against the bytes that could hold it before anything is allocated.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag/coredump.h"
#include "diag/reader.h"
#include "diag/symtab.h"

#define PAGE 65536u

/* ---------------------------------------------------------------- output buffer */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
    bool oom;
} buf;

static bool grow(buf *b, size_t more) {
    if (b->oom) return false;
    if (b->cap - b->n >= more) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n < more) {
        if (cap > SIZE_MAX / 2) { b->oom = true; return false; }
        cap *= 2;
    }
    uint8_t *np = realloc(b->p, cap);
    if (!np) { b->oom = true; return false; }
    b->p = np;
    b->cap = cap;
    return true;
}

static void put(buf *b, const void *src, size_t n) {
    if (n && grow(b, n)) { memcpy(b->p + b->n, src, n); b->n += n; }
}
static void put_u8(buf *b, uint8_t v) { put(b, &v, 1); }

static void put_uleb(buf *b, uint64_t v) {
    uint8_t t[10];
    size_t n = 0;
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        t[n++] = c | (v ? 0x80 : 0);
    } while (v);
    put(b, t, n);
}

static void put_sleb(buf *b, int64_t v) {
    uint8_t t[10];
    size_t n = 0;
    for (;;) {
        uint8_t c = v & 0x7f;
        v >>= 7; /* arithmetic: gcc and clang define it */
        bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
        t[n++] = c | (done ? 0 : 0x80);
        if (done) break;
    }
    put(b, t, n);
}

static void put_le(buf *b, uint64_t v, unsigned n) {
    uint8_t t[8];
    for (unsigned i = 0; i < n; i++) t[i] = (uint8_t)(v >> (8 * i));
    put(b, t, n);
}

static void put_name(buf *b, const char *s) {
    size_t n = s ? strlen(s) : 0;
    put_uleb(b, n);
    put(b, s, n);
}

/* A section: id, size, payload. Custom sections (id 0) start with a name. */
static void put_section(buf *out, uint8_t id, const char *custom_name, const buf *payload) {
    buf name = {0};
    if (custom_name) put_name(&name, custom_name);
    if (name.oom || payload->oom) out->oom = true;
    put_u8(out, id);
    put_uleb(out, name.n + payload->n);
    put(out, name.p, name.n);
    put(out, payload->p, payload->n);
    free(name.p);
}

/* A local or stack value: a type byte and the value, as Coredump.md says:
 * integers as i32/i64 are in the binary format (signed LEB128), floats as
 * their IEEE bits, little-endian. */
static void put_value(buf *b, const diag_core_value *v) {
    switch (v->type) {
    case KILN_I32: put_u8(b, 0x7f); put_sleb(b, (int32_t)(uint32_t)v->bits); break;
    case KILN_I64: put_u8(b, 0x7e); put_sleb(b, (int64_t)v->bits); break;
    case KILN_F32: put_u8(b, 0x7d); put_le(b, (uint32_t)v->bits, 4); break;
    case KILN_F64: put_u8(b, 0x7c); put_le(b, v->bits, 8); break;
    default: put_u8(b, DIAG_CORE_MISSING); break;
    }
}

/* A global as an immutable global with a constant initialiser. */
static bool put_global(buf *b, const diag_core_value *v) {
    put_u8(b, v->type);
    put_u8(b, 0x00);
    switch (v->type) {
    case KILN_I32: put_u8(b, 0x41); put_sleb(b, (int32_t)(uint32_t)v->bits); break;
    case KILN_I64: put_u8(b, 0x42); put_sleb(b, (int64_t)v->bits); break;
    case KILN_F32: put_u8(b, 0x43); put_le(b, (uint32_t)v->bits, 4); break;
    case KILN_F64: put_u8(b, 0x44); put_le(b, v->bits, 8); break;
    case KILN_V128: put_u8(b, 0xfd); put_uleb(b, 12); put(b, v->v128, 16); break;
    /* A coredump has no functions or host objects to point at: references
     * are written as null (docs/diagnostics.md says so). */
    case KILN_FUNCREF: case KILN_EXTERNREF: put_u8(b, 0xd0); put_u8(b, v->type); break;
    default: return false;
    }
    put_u8(b, 0x0b);
    return true;
}

/* The non-zero parts of a memory: 64-byte chunks are compared with zero and
 * runs of non-zero chunks become one segment, trimmed to their first and
 * last non-zero byte. A segment costs about a dozen bytes of header, so a
 * gap of a whole chunk is worth leaving out. */
typedef struct span { uint64_t off, size; } span;

static bool chunk_zero(const uint8_t *p) {
    uint64_t acc = 0, w;
    for (int i = 0; i < 64; i += 8) { memcpy(&w, p + i, 8); acc |= w; }
    return acc == 0;
}

static bool nonzero_spans(const uint8_t *d, uint64_t size, span **out, size_t *n) {
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    uint64_t i = 0;
    while (i < size) {
        while (i + 64 <= size && chunk_zero(d + i)) i += 64;
        if (i >= size) break;
        uint64_t s = i;
        while (i < size && (i + 64 > size || !chunk_zero(d + i))) i = i + 64 > size ? size : i + 64;
        uint64_t e = i;
        while (s < e && d[s] == 0) s++;
        while (e > s && d[e - 1] == 0) e--;
        if (s == e) continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            span *ns = realloc(*out, nc * sizeof *ns);
            if (!ns) { free(*out); *out = NULL; return false; }
            *out = ns;
            cap = nc;
        }
        (*out)[(*n)++] = (span){s, e - s};
    }
    return true;
}

bool diag_coredump_encode(const diag_coredump *c, uint8_t **out, size_t *len, kiln_error *err) {
    *out = NULL;
    *len = 0;
    /* Consistency first: a coredump whose indexes dangle would mislead. */
    for (uint32_t i = 0; i < c->ninstances; i++) {
        const diag_core_instance *in = &c->instances[i];
        if (in->module >= c->nmodules) { kiln_error_set(err, KILN_ERR_INVALID, "coredump: instance %u names module %u of %u", i, in->module, c->nmodules); return false; }
        for (uint32_t j = 0; j < in->nmemories; j++)
            if (in->memories[j] >= c->nmemories) { kiln_error_set(err, KILN_ERR_INVALID, "coredump: instance %u names memory %u of %u", i, in->memories[j], c->nmemories); return false; }
        for (uint32_t j = 0; j < in->nglobals; j++)
            if (in->globals[j] >= c->nglobals) { kiln_error_set(err, KILN_ERR_INVALID, "coredump: instance %u names global %u of %u", i, in->globals[j], c->nglobals); return false; }
    }
    for (uint32_t t = 0; t < c->nthreads; t++)
        for (uint32_t f = 0; f < c->threads[t].nframes; f++)
            if (c->threads[t].frames[f].instance >= c->ninstances) {
                kiln_error_set(err, KILN_ERR_INVALID, "coredump: frame %u names instance %u of %u", f, c->threads[t].frames[f].instance, c->ninstances);
                return false;
            }

    buf o = {0}, s = {0};
    put(&o, "\0asm\1\0\0\0", 8);

    put_u8(&s, 0x00);
    put_name(&s, c->executable);
    put_section(&o, 0, "core", &s);
    s.n = 0;

    put_uleb(&s, c->nmodules);
    for (uint32_t i = 0; i < c->nmodules; i++) { put_u8(&s, 0x00); put_name(&s, c->modules[i]); }
    put_section(&o, 0, "coremodules", &s);
    s.n = 0;

    put_uleb(&s, c->ninstances);
    for (uint32_t i = 0; i < c->ninstances; i++) {
        const diag_core_instance *in = &c->instances[i];
        put_u8(&s, 0x00);
        put_uleb(&s, in->module);
        put_uleb(&s, in->nmemories);
        for (uint32_t j = 0; j < in->nmemories; j++) put_uleb(&s, in->memories[j]);
        put_uleb(&s, in->nglobals);
        for (uint32_t j = 0; j < in->nglobals; j++) put_uleb(&s, in->globals[j]);
    }
    put_section(&o, 0, "coreinstances", &s);
    s.n = 0;

    for (uint32_t t = 0; t < c->nthreads; t++) {
        const diag_core_thread *th = &c->threads[t];
        put_u8(&s, 0x00);
        put_name(&s, th->name ? th->name : "main");
        put_uleb(&s, th->nframes);
        for (uint32_t i = 0; i < th->nframes; i++) {
            const diag_core_frame *f = &th->frames[i];
            put_u8(&s, 0x00);
            put_uleb(&s, f->instance);
            put_uleb(&s, f->func_index);
            put_uleb(&s, f->code_offset);
            put_uleb(&s, f->nlocals);
            for (uint32_t j = 0; j < f->nlocals; j++) put_value(&s, &f->locals[j]);
            put_uleb(&s, f->nstack);
            for (uint32_t j = 0; j < f->nstack; j++) put_value(&s, &f->stack[j]);
        }
        put_section(&o, 0, "corestack", &s);
        s.n = 0;
    }

    if (c->has_trap) {
        put_u8(&s, 0x00); /* version of kiln's section */
        put_uleb(&s, c->trap_kind);
        put_name(&s, c->trap_message);
        put_name(&s, c->trap_detail);
        put_section(&o, 0, "kiln:trap", &s);
        s.n = 0;
    }

    if (c->nmemories) {
        put_uleb(&s, c->nmemories);
        for (uint32_t i = 0; i < c->nmemories; i++) {
            const diag_core_memory *m = &c->memories[i];
            put_u8(&s, m->has_max ? 0x01 : 0x00);
            put_uleb(&s, m->pages);
            if (m->has_max) put_uleb(&s, m->max_pages);
        }
        put_section(&o, 5, NULL, &s);
        s.n = 0;
    }

    if (c->nglobals) {
        put_uleb(&s, c->nglobals);
        for (uint32_t i = 0; i < c->nglobals; i++)
            if (!put_global(&s, &c->globals[i])) {
                kiln_error_set(err, KILN_ERR_INVALID, "coredump: global %u has type 0x%02x, which a global cannot have", i, c->globals[i].type);
                goto fail;
            }
        put_section(&o, 6, NULL, &s);
        s.n = 0;
    }

    /* Data: every memory's non-zero runs as active segments. */
    uint64_t nseg = 0;
    buf d = {0};
    for (uint32_t i = 0; i < c->nmemories; i++) {
        const diag_core_memory *m = &c->memories[i];
        if (!m->data || !m->pages) continue;
        if (m->pages > 65536) { kiln_error_set(err, KILN_ERR_LIMIT, "coredump: memory %u has %" PRIu64 " pages, more than 4 GiB", i, m->pages); free(d.p); goto fail; }
        span *sp;
        size_t n;
        if (!nonzero_spans(m->data, m->pages * PAGE, &sp, &n)) { free(d.p); o.oom = true; goto fail; }
        for (size_t k = 0; k < n; k++) {
            if (i == 0) put_u8(&d, 0x00);
            else { put_u8(&d, 0x02); put_uleb(&d, i); }
            put_u8(&d, 0x41); /* i32.const offset: the format's offsets are i32, so >= 2 GiB reads negative */
            put_sleb(&d, (int32_t)(uint32_t)sp[k].off);
            put_u8(&d, 0x0b);
            put_uleb(&d, sp[k].size);
            put(&d, m->data + sp[k].off, sp[k].size);
        }
        nseg += n;
        free(sp);
    }
    if (nseg) {
        put_uleb(&s, nseg);
        put(&s, d.p, d.n);
        if (d.oom) s.oom = true;
        if (s.n > UINT32_MAX) { kiln_error_set(err, KILN_ERR_LIMIT, "coredump: the memory's contents exceed the 4 GiB a section can hold"); free(d.p); goto fail; }
        put_section(&o, 11, NULL, &s);
    }
    free(d.p);

    if (o.oom || s.oom) { kiln_error_set(err, KILN_ERR_NO_MEMORY, "coredump: out of memory"); goto fail; }
    free(s.p);
    *out = o.p;
    *len = o.n;
    return true;
fail:
    if (o.oom || s.oom) kiln_error_set(err, KILN_ERR_NO_MEMORY, "coredump: out of memory");
    free(o.p);
    free(s.p);
    return false;
}

/* ---------------------------------------------------------------- reading */

void diag_coredump_free(diag_coredump *c) {
    if (!c) return;
    free(c->executable);
    for (uint32_t i = 0; i < c->nmodules; i++) free(c->modules[i]);
    free(c->modules);
    for (uint32_t i = 0; i < c->ninstances; i++) { free(c->instances[i].memories); free(c->instances[i].globals); }
    free(c->instances);
    for (uint32_t t = 0; t < c->nthreads; t++) {
        diag_core_thread *th = &c->threads[t];
        for (uint32_t i = 0; i < th->nframes; i++) { free(th->frames[i].locals); free(th->frames[i].stack); }
        free(th->frames);
        free(th->name);
    }
    free(c->threads);
    for (uint32_t i = 0; i < c->nmemories; i++) free(c->memories[i].segments);
    free(c->memories);
    free(c->globals);
    free(c->trap_message);
    free(c->trap_detail);
    free(c->bytes);
    free(c);
}

typedef struct pctx {
    const uint8_t *base;
    kiln_error *err;
    bool failed;
} pctx;

static bool perr(pctx *x, const rd *r, const char *what) {
    if (!x->failed) kiln_error_set(x->err, KILN_ERR_INVALID, "not a valid coredump: %s (byte offset 0x%zx)", what, (size_t)(r->p - x->base));
    x->failed = true;
    return false;
}

/* A vector count, at most the bytes left (every element takes one at least). */
static bool rd_count(pctx *x, rd *r, uint32_t *n, const char *what) {
    uint64_t v = rd_uleb(r);
    if (r->bad || v > rd_left(r) || v > UINT32_MAX) return perr(x, r, what);
    *n = (uint32_t)v;
    return true;
}

static bool rd_u32leb(pctx *x, rd *r, uint32_t *out, const char *what) {
    uint64_t v = rd_uleb(r);
    if (r->bad || v > UINT32_MAX) return perr(x, r, what);
    *out = (uint32_t)v;
    return true;
}

static char *rd_name(pctx *x, rd *r, const char *what) {
    uint64_t n = rd_uleb(r);
    const uint8_t *p = r->p;
    if (r->bad || !rd_skip(r, n)) { perr(x, r, what); return NULL; }
    char *s = malloc(n + 1);
    if (!s) { kiln_error_set(x->err, KILN_ERR_NO_MEMORY, "out of memory"); x->failed = true; return NULL; }
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

static bool rd_value(pctx *x, rd *r, diag_core_value *v) {
    memset(v, 0, sizeof *v);
    v->type = rd_u8(r);
    switch (v->type) {
    case DIAG_CORE_MISSING: break;
    case 0x7f: v->bits = (uint32_t)(int32_t)rd_sleb(r); break;
    case 0x7e: v->bits = (uint64_t)rd_sleb(r); break;
    case 0x7d: v->bits = rd_u32(r); break;
    case 0x7c: v->bits = rd_u64(r); break;
    default:
        if (!r->bad) { r->p--; return perr(x, r, "unknown value type"); }
    }
    return r->bad ? perr(x, r, "truncated value") : true;
}

static bool rd_values(pctx *x, rd *r, uint32_t *n, diag_core_value **out, const char *what) {
    if (!rd_count(x, r, n, what)) return false;
    if (!*n) return true;
    if (!(*out = calloc(*n, sizeof **out))) { kiln_error_set(x->err, KILN_ERR_NO_MEMORY, "out of memory"); return x->failed = true, false; }
    for (uint32_t i = 0; i < *n; i++)
        if (!rd_value(x, r, &(*out)[i])) return false;
    return true;
}

static bool p_core(pctx *x, rd *r, diag_coredump *c) {
    if (rd_u8(r) != 0x00) return perr(x, r, "\"core\": unknown process-info kind");
    return (c->executable = rd_name(x, r, "\"core\": bad executable name")) != NULL;
}

static bool p_modules(pctx *x, rd *r, diag_coredump *c) {
    uint32_t n;
    if (!rd_count(x, r, &n, "\"coremodules\": bad count")) return false;
    if (n && !(c->modules = calloc(n, sizeof *c->modules))) { kiln_error_set(x->err, KILN_ERR_NO_MEMORY, "out of memory"); return x->failed = true, false; }
    for (uint32_t i = 0; i < n; i++) {
        if (rd_u8(r) != 0x00) return perr(x, r, "\"coremodules\": unknown module kind");
        if (!(c->modules[i] = rd_name(x, r, "\"coremodules\": bad module name"))) return false;
        c->nmodules = i + 1;
    }
    return true;
}

static bool rd_u32vec(pctx *x, rd *r, uint32_t *n, uint32_t **out, const char *what) {
    if (!rd_count(x, r, n, what)) return false;
    if (*n && !(*out = calloc(*n, sizeof **out))) { kiln_error_set(x->err, KILN_ERR_NO_MEMORY, "out of memory"); return x->failed = true, false; }
    for (uint32_t i = 0; i < *n; i++)
        if (!rd_u32leb(x, r, &(*out)[i], what)) return false;
    return true;
}

static bool p_instances(pctx *x, rd *r, diag_coredump *c) {
    uint32_t n;
    if (!rd_count(x, r, &n, "\"coreinstances\": bad count")) return false;
    if (n && !(c->instances = calloc(n, sizeof *c->instances))) { kiln_error_set(x->err, KILN_ERR_NO_MEMORY, "out of memory"); return x->failed = true, false; }
    c->ninstances = n;
    for (uint32_t i = 0; i < n; i++) {
        diag_core_instance *in = &c->instances[i];
        if (rd_u8(r) != 0x00) return perr(x, r, "\"coreinstances\": unknown instance kind");
        if (!rd_u32leb(x, r, &in->module, "\"coreinstances\": bad module index") ||
            !rd_u32vec(x, r, &in->nmemories, &in->memories, "\"coreinstances\": bad memory list") ||
            !rd_u32vec(x, r, &in->nglobals, &in->globals, "\"coreinstances\": bad global list"))
            return false;
    }
    return true;
}

static bool p_stack(pctx *x, rd *r, diag_coredump *c) {
    diag_core_thread *nt = realloc(c->threads, (c->nthreads + 1) * sizeof *nt);
    if (!nt) { kiln_error_set(x->err, KILN_ERR_NO_MEMORY, "out of memory"); return x->failed = true, false; }
    c->threads = nt;
    diag_core_thread *th = &c->threads[c->nthreads++];
    memset(th, 0, sizeof *th);
    if (rd_u8(r) != 0x00) return perr(x, r, "\"corestack\": unknown thread-info kind");
    if (!(th->name = rd_name(x, r, "\"corestack\": bad thread name"))) return false;
    uint32_t n;
    if (!rd_count(x, r, &n, "\"corestack\": bad frame count")) return false;
    if (n && !(th->frames = calloc(n, sizeof *th->frames))) { kiln_error_set(x->err, KILN_ERR_NO_MEMORY, "out of memory"); return x->failed = true, false; }
    for (uint32_t i = 0; i < n; i++) {
        diag_core_frame *f = &th->frames[i];
        th->nframes = i + 1;
        if (rd_u8(r) != 0x00) return perr(x, r, "\"corestack\": unknown frame kind");
        if (!rd_u32leb(x, r, &f->instance, "\"corestack\": bad instance index") ||
            !rd_u32leb(x, r, &f->func_index, "\"corestack\": bad function index") ||
            !rd_u32leb(x, r, &f->code_offset, "\"corestack\": bad code offset") ||
            !rd_values(x, r, &f->nlocals, &f->locals, "\"corestack\": bad locals") ||
            !rd_values(x, r, &f->nstack, &f->stack, "\"corestack\": bad stack values"))
            return false;
    }
    return true;
}

static bool p_trap(pctx *x, rd *r, diag_coredump *c) {
    if (rd_u8(r) != 0x00) return perr(x, r, "\"kiln:trap\": unknown version");
    if (!rd_u32leb(x, r, &c->trap_kind, "\"kiln:trap\": bad kind")) return false;
    if (!(c->trap_message = rd_name(x, r, "\"kiln:trap\": bad message"))) return false;
    if (!(c->trap_detail = rd_name(x, r, "\"kiln:trap\": bad detail"))) return false;
    c->has_trap = true;
    return true;
}

static bool p_memories(pctx *x, rd *r, diag_coredump *c) {
    uint32_t n;
    if (!rd_count(x, r, &n, "memory section: bad count")) return false;
    if (n && !(c->memories = calloc(n, sizeof *c->memories))) { kiln_error_set(x->err, KILN_ERR_NO_MEMORY, "out of memory"); return x->failed = true, false; }
    c->nmemories = n;
    for (uint32_t i = 0; i < n; i++) {
        diag_core_memory *m = &c->memories[i];
        uint8_t flags = rd_u8(r);
        if (flags & ~0x07) return perr(x, r, "memory section: unknown limits flags");
        m->pages = rd_uleb(r);
        if (flags & 1) { m->has_max = true; m->max_pages = rd_uleb(r); }
        if (r->bad) return perr(x, r, "memory section: truncated limits");
        if (m->pages > ((uint64_t)1 << 48)) return perr(x, r, "memory section: impossible size");
    }
    return true;
}

/* A constant expression of the global's type, and its end. */
static bool p_globals(pctx *x, rd *r, diag_coredump *c) {
    uint32_t n;
    if (!rd_count(x, r, &n, "global section: bad count")) return false;
    if (n && !(c->globals = calloc(n, sizeof *c->globals))) { kiln_error_set(x->err, KILN_ERR_NO_MEMORY, "out of memory"); return x->failed = true, false; }
    c->nglobals = n;
    for (uint32_t i = 0; i < n; i++) {
        diag_core_value *v = &c->globals[i];
        v->type = rd_u8(r);
        rd_u8(r); /* mutability: the format writes constants; either reads */
        uint8_t op = rd_u8(r);
        bool ok;
        switch (op) {
        case 0x41: ok = v->type == 0x7f; v->bits = (uint32_t)(int32_t)rd_sleb(r); break;
        case 0x42: ok = v->type == 0x7e; v->bits = (uint64_t)rd_sleb(r); break;
        case 0x43: ok = v->type == 0x7d; v->bits = rd_u32(r); break;
        case 0x44: ok = v->type == 0x7c; v->bits = rd_u64(r); break;
        case 0xfd:
            ok = v->type == 0x7b && rd_uleb(r) == 12 && rd_left(r) >= 16;
            if (ok) { memcpy(v->v128, r->p, 16); r->p += 16; }
            break;
        case 0xd0: ok = (v->type == 0x70 || v->type == 0x6f) && rd_u8(r) == v->type; break;
        default: ok = false;
        }
        if (r->bad) return perr(x, r, "global section: truncated global");
        if (!ok) return perr(x, r, "global section: not a constant of the global's type");
        if (rd_u8(r) != 0x0b) return perr(x, r, "global section: initialiser does not end");
    }
    return true;
}

static bool add_segment(pctx *x, diag_core_memory *m, uint64_t off, uint64_t size, const uint8_t *data) {
    diag_core_segment *ns = realloc(m->segments, (m->nsegments + 1) * sizeof *ns);
    if (!ns) { kiln_error_set(x->err, KILN_ERR_NO_MEMORY, "out of memory"); return x->failed = true, false; }
    m->segments = ns;
    m->segments[m->nsegments++] = (diag_core_segment){off, size, data};
    return true;
}

/* Needs the memory section first (the binary format puts it first too). */
static bool p_data(pctx *x, rd *r, diag_coredump *c) {
    uint32_t n;
    if (!rd_count(x, r, &n, "data section: bad count")) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t flags = rd_uleb(r), mem = 0;
        if (flags == 1) { /* passive: no place in memory */
            uint64_t len = rd_uleb(r);
            if (r->bad || !rd_skip(r, len)) return perr(x, r, "data section: truncated segment");
            continue;
        }
        if (flags == 2) mem = rd_uleb(r);
        else if (flags != 0) return perr(x, r, "data section: unknown segment kind");
        uint8_t op = rd_u8(r);
        uint64_t off;
        if (op == 0x41) off = (uint32_t)(int32_t)rd_sleb(r);
        else if (op == 0x42) off = (uint64_t)rd_sleb(r);
        else return perr(x, r, "data section: offset is not a constant");
        if (rd_u8(r) != 0x0b) return perr(x, r, "data section: offset does not end");
        uint64_t len = rd_uleb(r);
        const uint8_t *p = r->p;
        if (r->bad || !rd_skip(r, len)) return perr(x, r, "data section: truncated segment");
        if (mem >= c->nmemories) return perr(x, r, "data section: segment of a memory that does not exist");
        diag_core_memory *m = &c->memories[mem];
        if (off > m->pages * PAGE || len > m->pages * PAGE - off)
            return perr(x, r, "data section: segment past the memory's end");
        if (len && !add_segment(x, m, off, len, p)) return false;
    }
    return true;
}

diag_coredump *diag_coredump_parse(const uint8_t *bytes, size_t len, kiln_error *err) {
    diag_coredump *c = calloc(1, sizeof *c);
    if (!c || !(c->bytes = malloc(len ? len : 1))) { free(c); kiln_error_set(err, KILN_ERR_NO_MEMORY, "out of memory"); return NULL; }
    memcpy(c->bytes, bytes, len);
    c->nbytes = len;
    pctx x = {c->bytes, err, false};
    rd r = rd_make(c->bytes, len);
    if (len < 8 || memcmp(c->bytes, "\0asm\1\0\0\0", 8) != 0) {
        perr(&x, &r, "no wasm module header (\\0asm, version 1)");
        goto fail;
    }
    r.p += 8;
    bool seen_core = false, seen_modules = false, seen_instances = false;
    while (rd_left(&r) > 0) {
        uint8_t id = rd_u8(&r);
        uint64_t size = rd_uleb(&r);
        if (r.bad || size > rd_left(&r)) { perr(&x, &r, "section size past the end of the file"); goto fail; }
        rd s = rd_make(r.p, (size_t)size);
        r.p += size;
        bool ok = true;
        const char *what = NULL;
        if (id == 0) {
            uint64_t nl = rd_uleb(&s);
            const char *name = (const char *)s.p;
            if (s.bad || !rd_skip(&s, nl)) { perr(&x, &s, "bad custom section name"); goto fail; }
#define IS(lit) (nl == sizeof lit - 1 && !memcmp(name, lit, nl))
            if (IS("core")) {
                if (seen_core) { perr(&x, &s, "a second \"core\" section"); goto fail; }
                seen_core = true;
                ok = p_core(&x, &s, c), what = "\"core\"";
            } else if (IS("coremodules")) {
                if (seen_modules) { perr(&x, &s, "a second \"coremodules\" section"); goto fail; }
                seen_modules = true;
                ok = p_modules(&x, &s, c), what = "\"coremodules\"";
            } else if (IS("coreinstances")) {
                if (seen_instances) { perr(&x, &s, "a second \"coreinstances\" section"); goto fail; }
                seen_instances = true;
                ok = p_instances(&x, &s, c), what = "\"coreinstances\"";
            } else if (IS("corestack")) {
                ok = p_stack(&x, &s, c), what = "\"corestack\"";
            } else if (IS("kiln:trap")) {
                ok = p_trap(&x, &s, c), what = "\"kiln:trap\"";
            } else {
                continue; /* another tool's section */
            }
#undef IS
        } else if (id == 5) {
            if (c->nmemories) { perr(&x, &s, "a second memory section"); goto fail; }
            ok = p_memories(&x, &s, c), what = "the memory section";
        } else if (id == 6) {
            if (c->nglobals) { perr(&x, &s, "a second global section"); goto fail; }
            ok = p_globals(&x, &s, c), what = "the global section";
        } else if (id == 11) {
            ok = p_data(&x, &s, c), what = "the data section";
        } else {
            continue; /* types, functions, ...: not part of a coredump's state */
        }
        if (!ok) goto fail;
        if (rd_left(&s) != 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "bytes left over at the end of %s", what);
            perr(&x, &s, msg);
            goto fail;
        }
    }
    if (!seen_core) { perr(&x, &r, "no \"core\" section"); goto fail; }
    /* Indexes must lead somewhere. Producers before multi-instance coredumps
     * wrote no "coreinstances"; their frames' instance numbers are kept as read. */
    for (uint32_t i = 0; i < c->ninstances; i++) {
        const diag_core_instance *in = &c->instances[i];
        if (seen_modules && in->module >= c->nmodules) { perr(&x, &r, "an instance of a module that is not listed"); goto fail; }
        for (uint32_t j = 0; j < in->nmemories; j++)
            if (in->memories[j] >= c->nmemories) { perr(&x, &r, "an instance names a memory that does not exist"); goto fail; }
        for (uint32_t j = 0; j < in->nglobals; j++)
            if (in->globals[j] >= c->nglobals) { perr(&x, &r, "an instance names a global that does not exist"); goto fail; }
    }
    if (seen_instances)
        for (uint32_t t = 0; t < c->nthreads; t++)
            for (uint32_t f = 0; f < c->threads[t].nframes; f++)
                if (c->threads[t].frames[f].instance >= c->ninstances) { perr(&x, &r, "a frame of an instance that is not listed"); goto fail; }
    return c;
fail:
    diag_coredump_free(c);
    return NULL;
}

/* ---------------------------------------------------------------- helpers */

diag_core_value *diag_core_locals(const kiln_valtype *types, uint32_t ntypes, const uint64_t *slots, uint32_t nslots) {
    if (!ntypes) return NULL;
    diag_core_value *v = calloc(ntypes, sizeof *v);
    if (!v) return NULL;
    uint32_t need = 0;
    for (uint32_t i = 0; i < ntypes; i++) need += types[i] == KILN_V128 ? 2 : 1;
    bool known = slots && need == nslots;
    uint32_t k = 0;
    for (uint32_t i = 0; i < ntypes; i++) {
        v[i].type = DIAG_CORE_MISSING;
        switch (types[i]) {
        case KILN_I32: case KILN_F32:
            if (known) { v[i].type = (uint8_t)types[i]; v[i].bits = (uint32_t)slots[k]; }
            break;
        case KILN_I64: case KILN_F64:
            if (known) { v[i].type = (uint8_t)types[i]; v[i].bits = slots[k]; }
            break;
        default: break; /* v128 and references: the format has no encoding */
        }
        k += types[i] == KILN_V128 ? 2 : 1;
    }
    return v;
}

/* The body's start comes from the symbol index's own table of bodies (this
 * directory's internals: symtab.h), so nothing here re-reads the code section. */
bool diag_core_frame_address(const diag_symbols *syms, const diag_core_frame *f, uint32_t *address) {
    if (!syms || f->func_index < syms->nimports) return false;
    uint32_t i = f->func_index - syms->nimports;
    if (i >= syms->nbodies) return false;
    uint64_t a = (uint64_t)syms->bodies[i].start + f->code_offset;
    if (a >= syms->bodies[i].end) return false;
    *address = (uint32_t)a;
    return true;
}

const char *diag_core_type_name(uint8_t type) {
    switch (type) {
    case 0x7f: return "i32";
    case 0x7e: return "i64";
    case 0x7d: return "f32";
    case 0x7c: return "f64";
    case 0x7b: return "v128";
    case 0x70: return "funcref";
    case 0x6f: return "externref";
    case DIAG_CORE_MISSING: return "missing";
    default: return "?";
    }
}

/* ---------------------------------------------------------------- listing */

/* Shortest decimal that reads back as the same float. */
static void fmt_float(char *b, size_t n, double d, bool is32) {
    if (isnan(d)) { snprintf(b, n, "%snan", signbit(d) ? "-" : ""); return; }
    if (isinf(d)) { snprintf(b, n, "%sinf", d < 0 ? "-" : ""); return; }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(b, n, "%.*g", prec, d);
        if (is32 ? strtof(b, NULL) == (float)d : strtod(b, NULL) == d) return;
    }
}

static void fmt_value(char *b, size_t n, const diag_core_value *v) {
    switch (v->type) {
    case 0x7f: snprintf(b, n, "%" PRId32 " (0x%" PRIx32 ")", (int32_t)(uint32_t)v->bits, (uint32_t)v->bits); break;
    case 0x7e: snprintf(b, n, "%" PRId64 " (0x%" PRIx64 ")", (int64_t)v->bits, v->bits); break;
    case 0x7d: {
        uint32_t u = (uint32_t)v->bits;
        float f;
        memcpy(&f, &u, 4);
        fmt_float(b, n, f, true);
        break;
    }
    case 0x7c: {
        double d;
        memcpy(&d, &v->bits, 8);
        fmt_float(b, n, d, false);
        break;
    }
    case 0x7b: {
        size_t k = (size_t)snprintf(b, n, "0x");
        for (int i = 15; i >= 0 && k + 2 < n; i--) k += (size_t)snprintf(b + k, n - k, "%02x", v->v128[i]);
        break;
    }
    case 0x70: case 0x6f: snprintf(b, n, "null"); break;
    default: snprintf(b, n, "<unknown>"); break;
    }
}

static void print_locals(FILE *out, const char *what, uint32_t n, const diag_core_value *v) {
    for (uint32_t i = 0; i < n; i++) {
        char val[80];
        fmt_value(val, sizeof val, &v[i]);
        fprintf(out, "        %s %u: %s = %s\n", what, i, diag_core_type_name(v[i].type), val);
    }
}

static void print_frame(FILE *out, const diag_coredump *c, uint32_t idx, const diag_core_frame *f, diag_symbols *syms,
                        int syms_module) {
    uint32_t mod = f->instance < c->ninstances ? c->instances[f->instance].module : UINT32_MAX;
    bool ours = syms && syms_module >= 0 && mod == (uint32_t)syms_module;
    uint32_t addr = 0;
    bool has_addr = ours && diag_core_frame_address(syms, f, &addr);
    diag_loc loc[16];
    int nl = has_addr ? diag_symbols_lookup(syms, addr, loc, 16) : 0;
    const char *fname = ours ? diag_symbols_func_name(syms, f->func_index) : NULL;
    fprintf(out, "  #%-2u ", idx);
    bool named = true;
    if (nl > 0 && loc[0].function) fprintf(out, "%s", loc[0].function);
    else if (fname) fprintf(out, "%s", fname);
    else { fprintf(out, "wasm-function[%u]", f->func_index); named = false; }
    if (nl > 0 && loc[0].file) fprintf(out, " at %s:%u:%u", loc[0].file, loc[0].line, loc[0].column);
    if (named) fprintf(out, "  (func %u, +0x%x", f->func_index, f->code_offset);
    else fprintf(out, "  (+0x%x", f->code_offset);
    if (has_addr) fprintf(out, ", code address 0x%x", addr);
    if (c->ninstances > 1) fprintf(out, ", instance %u", f->instance);
    fprintf(out, ")\n");
    for (int i = 1; i < nl; i++) {
        fprintf(out, "        inlined into %s", loc[i].function ? loc[i].function : "?");
        if (loc[i].file) fprintf(out, " at %s:%u:%u", loc[i].file, loc[i].line, loc[i].column);
        fprintf(out, "\n");
    }
    if (ours && !has_addr) fprintf(out, "        (the module has no body for this function at this offset)\n");
    print_locals(out, "local", f->nlocals, f->locals);
    print_locals(out, "stack", f->nstack, f->stack);
}

int diag_coredump_print(const diag_coredump *c, diag_symbols *syms, int syms_module, FILE *out) {
    fprintf(out, "coredump of %s\n", c->executable && *c->executable ? c->executable : "(unnamed)");
    if (c->has_trap) {
        fprintf(out, "trap: %s\n", c->trap_message ? c->trap_message : "?");
        if (c->trap_detail && *c->trap_detail) fprintf(out, "  %s\n", c->trap_detail);
    }
    for (uint32_t i = 0; i < c->nmodules; i++) fprintf(out, "module %u: %s\n", i, c->modules[i]);
    for (uint32_t t = 0; t < c->nthreads; t++) {
        const diag_core_thread *th = &c->threads[t];
        fprintf(out, "thread %s: %u frame%s, youngest first\n", th->name, th->nframes, th->nframes == 1 ? "" : "s");
        for (uint32_t i = 0; i < th->nframes; i++) print_frame(out, c, i, &th->frames[i], syms, syms_module);
    }
    for (uint32_t i = 0; i < c->nmemories; i++) {
        const diag_core_memory *m = &c->memories[i];
        uint64_t held = 0;
        for (uint32_t k = 0; k < m->nsegments; k++) held += m->segments[k].size;
        fprintf(out, "memory %u: %" PRIu64 " page%s (%" PRIu64 " bytes)", i, m->pages, m->pages == 1 ? "" : "s",
                m->pages * PAGE);
        if (m->has_max) fprintf(out, ", at most %" PRIu64 " pages", m->max_pages);
        fprintf(out, "; %u data segment%s %" PRIu64 " bytes, the rest is zero\n", m->nsegments,
                m->nsegments == 1 ? " holds" : "s hold", held);
    }
    uint32_t sp = syms && syms_module >= 0 ? diag_symbols_stack_pointer_global(syms, NULL) : DIAG_NONE;
    if (c->nglobals) fprintf(out, "globals:\n");
    for (uint32_t i = 0; i < c->nglobals; i++) {
        char val[80];
        fmt_value(val, sizeof val, &c->globals[i]);
        /* The symbol index knows one global's name: the C stack pointer of
         * the instance whose module it describes. */
        const char *name = "";
        if (sp != DIAG_NONE)
            for (uint32_t k = 0; k < c->ninstances; k++)
                if (c->instances[k].module == (uint32_t)syms_module && sp < c->instances[k].nglobals &&
                    c->instances[k].globals[sp] == i)
                    name = "  __stack_pointer";
        fprintf(out, "  global %u: %s = %s%s\n", i, diag_core_type_name(c->globals[i].type), val, name);
    }
    return ferror(out) ? -1 : 0;
}
