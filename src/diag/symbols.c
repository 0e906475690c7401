/*
 * symbols.c — the symbol index of a wasm module: section framing, function
 * body boundaries, the name section, and lookups that combine them with the
 * DWARF scopes and line tables that dwarf.c builds.
 */
#include <stdlib.h>
#include <string.h>

#include "diag/reader.h"
#include "diag/symtab.h"

/* ---------------------------------------------------------------- arena */

struct arena_chunk {
    arena_chunk *next;
    size_t used, cap;
    char data[];
};

char *symtab_strdup(diag_symbols *s, const char *p, size_t n)
{
    arena_chunk *c = s->arena;
    if (!c || c->cap - c->used < n + 1) {
        size_t cap = n + 1 > 65536 ? n + 1 : 65536;
        c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->next = s->arena;
        c->used = 0;
        c->cap = cap;
        s->arena = c;
    }
    char *d = c->data + c->used;
    memcpy(d, p, n);
    d[n] = 0;
    c->used += n + 1;
    return d;
}

/* ---------------------------------------------------------------- wasm sections */

static const char *const dwarf_section_names[DS_COUNT] = {
    [DS_INFO] = ".debug_info",         [DS_ABBREV] = ".debug_abbrev",
    [DS_LINE] = ".debug_line",         [DS_STR] = ".debug_str",
    [DS_LINE_STR] = ".debug_line_str", [DS_STR_OFFSETS] = ".debug_str_offsets",
    [DS_ADDR] = ".debug_addr",         [DS_RANGES] = ".debug_ranges",
    [DS_RNGLISTS] = ".debug_rnglists",
};

/* Counts imported functions and notices an imported global 0. */
static void parse_imports(diag_symbols *s, rd r, uint32_t *nglobal_imports)
{
    uint64_t n = rd_uleb(&r);
    for (uint64_t i = 0; i < n && !r.bad; i++) {
        rd_skip(&r, rd_uleb(&r)); /* module */
        rd_skip(&r, rd_uleb(&r)); /* field */
        uint8_t kind = rd_u8(&r);
        switch (kind) {
        case 0: /* func */
            rd_uleb(&r);
            if (!r.bad) s->nimports++;
            break;
        case 1: { /* table: reftype, limits */
            rd_u8(&r);
            uint8_t f = rd_u8(&r);
            rd_uleb(&r);
            if (f & 1) rd_uleb(&r);
            break;
        }
        case 2: { /* memory: limits */
            uint8_t f = rd_u8(&r);
            rd_uleb(&r);
            if (f & 1) rd_uleb(&r);
            break;
        }
        case 3: /* global: valtype, mut */
            rd_u8(&r);
            rd_u8(&r);
            (*nglobal_imports)++;
            break;
        case 4: /* tag */
            rd_u8(&r);
            rd_uleb(&r);
            break;
        default:
            return;
        }
    }
}

/* Global 0's initial value, when it is defined here as (i32.const N). */
static void parse_globals(diag_symbols *s, rd r, uint32_t nglobal_imports)
{
    if (nglobal_imports > 0 || rd_uleb(&r) == 0) return;
    uint8_t type = rd_u8(&r);
    rd_u8(&r);
    if (type == 0x7f && rd_u8(&r) == 0x41) {
        int64_t v = rd_sleb(&r);
        if (!r.bad && rd_u8(&r) == 0x0b && !r.bad) {
            s->sp_init_known = true;
            s->sp_init = (uint32_t)v;
        }
    }
}

static void parse_exports(diag_symbols *s, rd r)
{
    uint64_t n = rd_uleb(&r);
    for (uint64_t i = 0; i < n && !r.bad; i++) {
        uint64_t len = rd_uleb(&r);
        const uint8_t *name = r.p;
        if (!rd_skip(&r, len)) return;
        uint8_t kind = rd_u8(&r);
        uint64_t idx = rd_uleb(&r);
        if (!r.bad && kind == 3 && len == 15 &&
            memcmp(name, "__stack_pointer", 15) == 0 && idx < DIAG_NONE)
            s->sp_global = (uint32_t)idx;
    }
}

/* Function bodies: each is (size, body); DWARF's low_pc is the body start,
 * just past the size. */
static bool parse_code(diag_symbols *s, rd r, const uint8_t *payload)
{
    uint64_t n = rd_uleb(&r);
    if (r.bad || n > rd_left(&r)) return true; /* each body takes >= 1 byte */
    s->bodies = malloc((n ? n : 1) * sizeof *s->bodies);
    if (!s->bodies) return false;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t size = rd_uleb(&r);
        uint32_t start = (uint32_t)(r.p - payload);
        if (r.bad || !rd_skip(&r, size)) break;
        s->bodies[s->nbodies].start = start;
        s->bodies[s->nbodies].end = (uint32_t)(r.p - payload);
        s->nbodies++;
    }
    return true;
}

/* The "name" section: subsection 1 (function names) and 7 (global names).
 * Local names are not needed by reports and are skipped. */
static bool parse_names(diag_symbols *s, rd r)
{
    while (rd_left(&r) > 0 && !r.bad) {
        uint8_t id = rd_u8(&r);
        uint64_t size = rd_uleb(&r);
        if (r.bad || size > rd_left(&r)) return true;
        rd sub = rd_make(r.p, (size_t)size);
        r.p += size;
        if (id != 1 && id != 7) continue;
        uint64_t n = rd_uleb(&sub);
        for (uint64_t i = 0; i < n && !sub.bad; i++) {
            uint64_t idx = rd_uleb(&sub);
            uint64_t len = rd_uleb(&sub);
            const char *name = (const char *)sub.p;
            if (!rd_skip(&sub, len)) break;
            if (id == 7) {
                if (len == 15 && memcmp(name, "__stack_pointer", 15) == 0 &&
                    idx < DIAG_NONE)
                    s->sp_global = (uint32_t)idx;
                continue;
            }
            if (idx >= s->nfuncs || s->func_names[idx]) continue;
            char *copy = symtab_strdup(s, name, (size_t)len);
            if (!copy) return false;
            s->func_names[idx] = copy;
            s->has_names = true;
        }
    }
    return true;
}

static void set_err(kiln_error *err, const char *msg)
{
    kiln_error_set(err, KILN_ERR_INVALID, "%s", msg);
}

diag_symbols *diag_symbols_build(const uint8_t *wasm, size_t len,
                                 kiln_error *err)
{
    static const uint8_t magic[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    if (!wasm || len < 8 || memcmp(wasm, magic, 8) != 0) {
        set_err(err, "not a WebAssembly module (bad magic or version)");
        return NULL;
    }
    if (len > UINT32_MAX) {
        set_err(err, "module larger than 4 GiB");
        return NULL;
    }
    diag_symbols *s = calloc(1, sizeof *s);
    if (!s) {
        set_err(err, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->sp_global = DIAG_NONE;

    /* Pass 1: frame the sections; remember where the interesting ones are. */
    rd r = rd_make(wasm + 8, len - 8);
    rd names = {0}, imports = {0}, globals = {0}, exports = {0}, code = {0};
    const uint8_t *code_payload = NULL;
    uint64_t ndefined = 0;
    rd dsecs[DS_COUNT];
    memset(dsecs, 0, sizeof dsecs);
    bool have_dwarf[DS_COUNT] = {0};
    while (rd_left(&r) > 0) {
        uint8_t id = rd_u8(&r);
        uint64_t size = rd_uleb(&r);
        if (r.bad || size > rd_left(&r)) break; /* truncated: keep what we have */
        rd body = rd_make(r.p, (size_t)size);
        r.p += size;
        switch (id) {
        case 0: {
            uint64_t nlen = rd_uleb(&body);
            const char *nm = (const char *)body.p;
            if (!rd_skip(&body, nlen)) break;
            rd payload = rd_make(body.p, rd_left(&body));
            if (nlen == 4 && memcmp(nm, "name", 4) == 0) {
                names = payload;
                break;
            }
            for (int k = 0; k < DS_COUNT; k++) {
                size_t kl = strlen(dwarf_section_names[k]);
                if (nlen == kl && memcmp(nm, dwarf_section_names[k], kl) == 0 &&
                    !have_dwarf[k]) {
                    dsecs[k] = payload;
                    have_dwarf[k] = true;
                }
            }
            break;
        }
        case 2: imports = body; break;
        case 3: ndefined = rd_uleb(&body); break;
        case 6: globals = body; break;
        case 7: exports = body; break;
        case 10:
            code = body;
            code_payload = body.p;
            s->code_offset = (uint32_t)(body.p - wasm);
            s->code_size = (uint32_t)size;
            break;
        default: break;
        }
    }

    uint32_t nglobal_imports = 0;
    if (imports.p) parse_imports(s, imports, &nglobal_imports);
    if (globals.p) parse_globals(s, globals, nglobal_imports);
    if (exports.p) parse_exports(s, exports);
    if (code.p && !parse_code(s, code, code_payload)) goto oom;
    if (ndefined < s->nbodies) ndefined = s->nbodies;
    /* A corrupt function count must not make us allocate gigabytes: no more
     * functions than bytes in the module. */
    if (ndefined > len) ndefined = len;
    s->nfuncs = s->nimports + (uint32_t)ndefined;
    if (s->nfuncs < s->nimports) s->nfuncs = s->nimports; /* overflow */
    s->func_names = calloc(s->nfuncs + 1, sizeof *s->func_names);
    s->func_demangled = calloc(s->nfuncs + 1, sizeof *s->func_demangled);
    s->func_dm_done = calloc(s->nfuncs + 1, 1);
    if (!s->func_names || !s->func_demangled || !s->func_dm_done) goto oom;
    if (names.p && !parse_names(s, names)) goto oom;

    /* DWARF. The sections that lookups read later (line tables and the
     * strings they and the names point into) are copied, each with a NUL
     * appended so any in-bounds string offset is terminated; the others are
     * read in place while indexing and forgotten after (what the index keeps
     * of .debug_info is copied into the arena). */
    static const bool kept[DS_COUNT] = {[DS_LINE] = true, [DS_STR] = true,
                                        [DS_LINE_STR] = true, [DS_STR_OFFSETS] = true};
    if (have_dwarf[DS_INFO] && have_dwarf[DS_ABBREV]) {
        size_t total = 0;
        for (int k = 0; k < DS_COUNT; k++)
            if (have_dwarf[k] && kept[k]) total += rd_left(&dsecs[k]) + 1;
        s->dwarf_copy = malloc(total ? total : 1);
        if (!s->dwarf_copy) goto oom;
        s->dwarf_copy_size = total ? total : 1;
        uint8_t *p = s->dwarf_copy;
        for (int k = 0; k < DS_COUNT; k++) {
            if (!have_dwarf[k]) continue;
            size_t n = rd_left(&dsecs[k]);
            s->sec[k].size = n;
            if (!kept[k]) {
                s->sec[k].data = dsecs[k].p;
                continue;
            }
            if (n) memcpy(p, dsecs[k].p, n);
            p[n] = 0;
            s->sec[k].data = p;
            p += n + 1;
        }
        bool ok = dwarf_index(s);
        for (int k = 0; k < DS_COUNT; k++)
            if (!kept[k]) s->sec[k] = (dsec){NULL, 0};
        if (!ok) goto oom;
    }
    /* Line tables without .debug_info cannot be tied to units: unused. */
    return s;
oom:
    diag_symbols_free(s);
    set_err(err, "out of memory while indexing symbols");
    return NULL;
}

void diag_symbols_free(diag_symbols *s)
{
    if (!s) return;
    for (uint32_t i = 0; i < s->ncus; i++) {
        free(s->cus[i].rows);
        free(s->cus[i].files);
    }
    for (uint32_t i = 0; i < s->nscopes; i++) free(s->scopes[i].demangled);
    if (s->func_demangled)
        for (uint32_t i = 0; i < s->nfuncs; i++) free(s->func_demangled[i]);
    while (s->arena) {
        arena_chunk *n = s->arena->next;
        free(s->arena);
        s->arena = n;
    }
    free(s->dwarf_copy);
    free(s->cus);
    free(s->scopes);
    free(s->ranges);
    free(s->names);
    free(s->top);
    free(s->curanges);
    free(s->bodies);
    free(s->func_names);
    free(s->func_demangled);
    free(s->func_dm_done);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* An array allocated for cap elements (at least one), or nothing. */
static size_t blocks(const void *p, size_t cap, size_t size) { return p ? kiln_heap_block((cap ? cap : 1) * size) : 0; }

size_t diag_symbols_footprint(diag_symbols *s)
{
    if (!s) return 0;
    pthread_mutex_lock(&s->lock); /* line tables and demangled names grow lazily */
    size_t n = kiln_heap_block(sizeof *s) + blocks(s->dwarf_copy, s->dwarf_copy_size, 1);
    for (arena_chunk *c = s->arena; c; c = c->next) n += kiln_heap_block(sizeof *c + c->cap);
    for (uint32_t i = 0; i < s->ncus; i++) {
        const dcu *cu = &s->cus[i];
        n += blocks(cu->rows, cu->nrows, sizeof *cu->rows) + blocks(cu->files, (size_t)cu->nfiles + 1, sizeof *cu->files);
    }
    for (uint32_t i = 0; i < s->nscopes; i++)
        if (s->scopes[i].demangled) n += kiln_heap_block(strlen(s->scopes[i].demangled) + 1);
    if (s->func_demangled)
        for (uint32_t i = 0; i < s->nfuncs; i++)
            if (s->func_demangled[i]) n += kiln_heap_block(strlen(s->func_demangled[i]) + 1);
    n += blocks(s->cus, s->cap_cus, sizeof *s->cus) + blocks(s->scopes, s->cap_scopes, sizeof *s->scopes) +
         blocks(s->ranges, s->cap_ranges, sizeof *s->ranges) + blocks(s->names, s->cap_names, sizeof *s->names) +
         blocks(s->top, s->ntop, sizeof *s->top) + blocks(s->curanges, s->cap_curanges, sizeof *s->curanges) +
         blocks(s->bodies, s->nbodies, sizeof *s->bodies) +
         blocks(s->func_names, (size_t)s->nfuncs + 1, sizeof *s->func_names) +
         blocks(s->func_demangled, (size_t)s->nfuncs + 1, sizeof *s->func_demangled) +
         blocks(s->func_dm_done, (size_t)s->nfuncs + 1, 1);
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ---------------------------------------------------------------- queries */

bool diag_symbols_has_dwarf(const diag_symbols *s)
{
    return s && (s->nscopes > 0 || s->ncus > 0);
}

bool diag_symbols_has_names(const diag_symbols *s) { return s && s->has_names; }
uint32_t diag_symbols_func_count(const diag_symbols *s) { return s->nfuncs; }
uint32_t diag_symbols_import_func_count(const diag_symbols *s)
{
    return s->nimports;
}
uint32_t diag_symbols_code_section_offset(const diag_symbols *s)
{
    return s->code_offset;
}

uint32_t diag_symbols_stack_pointer_global(const diag_symbols *s,
                                           uint32_t *initial)
{
    if (initial && s->sp_global == 0 && s->sp_init_known) *initial = s->sp_init;
    return s->sp_global;
}

/* Demangled if it is a C++ name, else the name itself. Caller holds lock. */
static const char *pretty(const char *raw, char **cache, bool *done)
{
    if (!raw) return NULL;
    if (!*done) {
        *cache = diag_demangle(raw);
        *done = true;
    }
    return *cache ? *cache : raw;
}

const char *diag_symbols_func_name(diag_symbols *s, uint32_t func_index)
{
    if (!s || func_index >= s->nfuncs || !s->func_names[func_index]) return NULL;
    pthread_mutex_lock(&s->lock);
    bool done = s->func_dm_done[func_index];
    const char *r = pretty(s->func_names[func_index],
                           &s->func_demangled[func_index], &done);
    s->func_dm_done[func_index] = done;
    pthread_mutex_unlock(&s->lock);
    return r;
}

uint32_t diag_symbols_func_at(const diag_symbols *s, uint32_t off,
                              uint32_t *body_start)
{
    if (!s || s->nbodies == 0) return DIAG_NONE;
    uint32_t lo = 0, hi = s->nbodies;
    while (lo < hi) { /* first body with start > off */
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->bodies[mid].start <= off) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0 || off >= s->bodies[lo - 1].end) return DIAG_NONE;
    if (body_start) *body_start = s->bodies[lo - 1].start;
    return s->nimports + lo - 1;
}

/* The top-level scope whose range contains off, or DIAG_NONE. Top ranges
 * are sorted by lo and rarely overlap (only in corrupt or odd input), so
 * looking back a few entries is enough. */
static uint32_t find_range(const drange *v, uint32_t n, uint32_t off)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v[mid].lo <= off) lo = mid + 1;
        else hi = mid;
    }
    for (uint32_t k = 0; k < 8 && lo > k; k++) {
        const drange *t = &v[lo - 1 - k];
        if (off < t->hi) return t->scope;
    }
    return DIAG_NONE;
}

static bool scope_contains(const diag_symbols *s, const dscope *sc, uint32_t off)
{
    for (uint32_t i = 0; i < sc->rcount; i++) {
        const drange *r = &s->ranges[sc->rfirst + i];
        if (r->lo <= off && off < r->hi) return true;
    }
    return false;
}

/* The row of unit `cu`'s line table that covers off, or NULL. Holds lock. */
static const lrow *find_row(diag_symbols *s, dcu *cu, uint32_t off)
{
    if (!cu->lines_done && !dwarf_decode_lines(s, cu)) return NULL;
    uint32_t lo = 0, hi = cu->nrows;
    while (lo < hi) { /* first row with addr > off */
        uint32_t mid = lo + (hi - lo) / 2;
        if (cu->rows[mid].addr <= off) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return NULL;
    const lrow *row = &cu->rows[lo - 1];
    return (row->file & LROW_END) ? NULL : row;
}

static const char *cu_file(diag_symbols *s, dcu *cu, uint32_t file)
{
    if (!cu->lines_done && !dwarf_decode_lines(s, cu)) return NULL;
    return file < cu->nfiles ? cu->files[file] : NULL;
}

static const char *scope_name(dscope *sc)
{
    return pretty(sc->name, &sc->demangled, &sc->demangle_done);
}

int diag_symbols_lookup(diag_symbols *s, uint32_t off, diag_loc *out, int max)
{
    if (!s || max <= 0) return 0;
    uint32_t func = diag_symbols_func_at(s, off, NULL);
    int n = 0;
    pthread_mutex_lock(&s->lock);
    uint32_t top = s->ntop ? find_range(s->top, s->ntop, off) : DIAG_NONE;
    if (top != DIAG_NONE) {
        /* The scopes containing off form a chain; in preorder the last one
         * that contains it is the innermost. */
        uint32_t inner = top;
        for (uint32_t j = top + 1; j < s->scopes[top].end && j < s->nscopes; j++)
            if (scope_contains(s, &s->scopes[j], off)) inner = j;
        dscope *sc = &s->scopes[inner];
        dcu *cu = &s->cus[sc->cu];
        const lrow *row = find_row(s, cu, off);
        out[0] = (diag_loc){0};
        out[0].function = scope_name(sc);
        out[0].symbol = sc->name;
        out[0].file = row ? cu_file(s, cu, row->file) : NULL;
        out[0].line = row ? row->line : 0;
        out[0].column = row ? row->column : 0;
        out[0].inlined = sc->inlined;
        n = 1;
        /* Walk outwards: each inlined scope's call site is a location in
         * the scope it was inlined into. */
        uint32_t guard = 0;
        while (sc->inlined && sc->parent != DIAG_NONE && n < max &&
               guard++ < 4096) {
            dscope *up = &s->scopes[sc->parent];
            out[n].function = scope_name(up);
            out[n].symbol = up->name;
            out[n].from_name_section = false;
            out[n].file = cu_file(s, cu, sc->call_file);
            out[n].line = sc->call_line;
            out[n].column = sc->call_column;
            out[n].inlined = up->inlined;
            n++;
            sc = up;
        }
    } else if (s->ncuranges) {
        /* A unit with a line table but no subprogram DIEs (built with
         * -gline-tables-only): a location without a DWARF function name. */
        uint32_t ci = find_range(s->curanges, s->ncuranges, off);
        if (ci != DIAG_NONE) {
            dcu *cu = &s->cus[ci];
            const lrow *row = find_row(s, cu, off);
            if (row) {
                out[0] = (diag_loc){.file = cu_file(s, cu, row->file),
                                    .line = row->line, .column = row->column};
                n = 1;
            }
        }
    }
    pthread_mutex_unlock(&s->lock);
    /* The outermost frame of the chain is a real wasm function: where DWARF
     * does not name it, the name section may. */
    if (func != DIAG_NONE && (n == 0 || !out[n - 1].function)) {
        const char *name = diag_symbols_func_name(s, func);
        if (name) {
            if (n == 0) out[n++] = (diag_loc){0};
            out[n - 1].function = name;
            out[n - 1].symbol = s->func_names[func];
            out[n - 1].from_name_section = true;
        }
    }
    return n;
}
