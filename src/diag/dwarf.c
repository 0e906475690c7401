/*
 * dwarf.c — a compact DWARF reader (versions 2 to 5, 32- and 64-bit
 * offsets) for what symbolication needs: compile units, subprograms and
 * inlined subroutines with their code ranges, call sites and names, and
 * line tables. Everything else in .debug_info is skipped as fast as the
 * abbreviations allow (DIEs whose attributes all have fixed sizes are
 * stepped over in one move). Line tables are decoded per unit, lazily.
 *
 * Corrupt input: a unit that cannot be read is dropped, a range list that
 * runs off its section ends there, and every count is bounded by the bytes
 * that could hold it.
 */
#include <stdlib.h>
#include <string.h>

#include "diag/reader.h"
#include "diag/symtab.h"

/* The DWARF constants we use (DWARF 5, section 7). */
enum {
    TAG_inlined_subroutine = 0x1d, TAG_compile_unit = 0x11,
    TAG_subprogram = 0x2e, TAG_partial_unit = 0x3c, TAG_skeleton_unit = 0x4a,

    AT_stmt_list = 0x10, AT_low_pc = 0x11, AT_high_pc = 0x12, AT_name = 0x03,
    AT_comp_dir = 0x1b, AT_abstract_origin = 0x31, AT_specification = 0x47,
    AT_ranges = 0x55, AT_call_column = 0x57, AT_call_file = 0x58,
    AT_call_line = 0x59, AT_linkage_name = 0x6e, AT_str_offsets_base = 0x72,
    AT_addr_base = 0x73, AT_rnglists_base = 0x74,
    AT_MIPS_linkage_name = 0x2007,

    FORM_addr = 0x01, FORM_block2 = 0x03, FORM_block4 = 0x04,
    FORM_data2 = 0x05, FORM_data4 = 0x06, FORM_data8 = 0x07,
    FORM_string = 0x08, FORM_block = 0x09, FORM_block1 = 0x0a,
    FORM_data1 = 0x0b, FORM_flag = 0x0c, FORM_sdata = 0x0d, FORM_strp = 0x0e,
    FORM_udata = 0x0f, FORM_ref_addr = 0x10, FORM_ref1 = 0x11,
    FORM_ref2 = 0x12, FORM_ref4 = 0x13, FORM_ref8 = 0x14,
    FORM_ref_udata = 0x15, FORM_indirect = 0x16, FORM_sec_offset = 0x17,
    FORM_exprloc = 0x18, FORM_flag_present = 0x19, FORM_strx = 0x1a,
    FORM_addrx = 0x1b, FORM_ref_sup4 = 0x1c, FORM_strp_sup = 0x1d,
    FORM_data16 = 0x1e, FORM_line_strp = 0x1f, FORM_ref_sig8 = 0x20,
    FORM_implicit_const = 0x21, FORM_loclistx = 0x22, FORM_rnglistx = 0x23,
    FORM_ref_sup8 = 0x24, FORM_strx1 = 0x25, FORM_strx2 = 0x26,
    FORM_strx3 = 0x27, FORM_strx4 = 0x28, FORM_addrx1 = 0x29,
    FORM_addrx2 = 0x2a, FORM_addrx3 = 0x2b, FORM_addrx4 = 0x2c,
    FORM_GNU_addr_index = 0x1f01, FORM_GNU_str_index = 0x1f02,
    FORM_GNU_ref_alt = 0x1f20, FORM_GNU_strp_alt = 0x1f21,

    RLE_end_of_list = 0, RLE_base_addressx = 1, RLE_startx_endx = 2,
    RLE_startx_length = 3, RLE_offset_pair = 4, RLE_base_address = 5,
    RLE_start_end = 6, RLE_start_length = 7,

    LNCT_path = 1, LNCT_directory_index = 2,
};

/* Bounds that keep corrupt input from costing unbounded time or memory. */
#define MAX_DEPTH 1024
#define MAX_RANGES_PER_LIST 4096
#define MAX_ABBREV_CODE 1000000

/* ---------------------------------------------------------------- growth */

static bool grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap) return true;
    uint64_t c = *cap ? (uint64_t)*cap * 2 : 64;
    while (c < need) c *= 2;
    if (c > UINT32_MAX / 2) return false;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q) return false;
    *p = q;
    *cap = (uint32_t)c;
    return true;
}
#define GROW(arr, cap, need) grow((void **)&(arr), &(cap), (need), sizeof *(arr))

/* ---------------------------------------------------------------- abbreviations */

typedef struct aspec {
    uint16_t at, form;
    int64_t implicit;
} aspec;

typedef struct abbrev {
    uint64_t code;
    uint16_t tag;
    bool children;
    int32_t fixed;   /* byte size of all attributes when fixed, else -1 */
    uint32_t first, n;
} abbrev;

typedef struct abbrev_table {
    uint64_t offset;          /* in .debug_abbrev; UINT64_MAX: none loaded */
    uint8_t addr_size, offset_size, version;
    abbrev *ab;
    uint32_t nab, cap_ab;
    aspec *sp;
    uint32_t nsp, cap_sp;
    bool dense;               /* ab[i].code == i + 1 */
} abbrev_table;

/* Size of a form's value when it does not depend on the data, else -1. */
static int form_fixed_size(unsigned form, unsigned addr_size,
                           unsigned offset_size, unsigned version)
{
    switch (form) {
    case FORM_addr: return (int)addr_size;
    case FORM_data1: case FORM_ref1: case FORM_flag: case FORM_strx1:
    case FORM_addrx1: return 1;
    case FORM_data2: case FORM_ref2: case FORM_strx2: case FORM_addrx2:
        return 2;
    case FORM_strx3: case FORM_addrx3: return 3;
    case FORM_data4: case FORM_ref4: case FORM_strx4: case FORM_addrx4:
    case FORM_ref_sup4: return 4;
    case FORM_data8: case FORM_ref8: case FORM_ref_sig8: case FORM_ref_sup8:
        return 8;
    case FORM_data16: return 16;
    case FORM_strp: case FORM_line_strp: case FORM_sec_offset:
    case FORM_strp_sup: case FORM_GNU_ref_alt: case FORM_GNU_strp_alt:
        return (int)offset_size;
    case FORM_ref_addr: return (int)(version <= 2 ? addr_size : offset_size);
    case FORM_flag_present: case FORM_implicit_const: return 0;
    default: return -1;
    }
}

static int cmp_abbrev(const void *a, const void *b)
{
    uint64_t x = ((const abbrev *)a)->code, y = ((const abbrev *)b)->code;
    return x < y ? -1 : x > y;
}

/* Loads the abbreviation table at `off` for a unit with these sizes (kept
 * when the previous unit used the same one). false: unreadable. */
static bool load_abbrevs(const diag_symbols *s, abbrev_table *t, uint64_t off,
                         unsigned addr_size, unsigned offset_size,
                         unsigned version, bool *oom)
{
    if (t->offset == off && t->addr_size == addr_size &&
        t->offset_size == offset_size && t->version == version)
        return t->nab > 0;
    t->offset = off;
    t->addr_size = (uint8_t)addr_size;
    t->offset_size = (uint8_t)offset_size;
    t->version = (uint8_t)version;
    t->nab = t->nsp = 0;
    const dsec *sec = &s->sec[DS_ABBREV];
    if (off >= sec->size) return false;
    rd r = rd_make(sec->data + off, sec->size - (size_t)off);
    t->dense = true;
    for (;;) {
        uint64_t code = rd_uleb(&r);
        if (r.bad || code == 0) break;
        if (code > MAX_ABBREV_CODE) return (t->nab = 0), false;
        if (!GROW(t->ab, t->cap_ab, t->nab + 1)) return (*oom = true), false;
        abbrev *a = &t->ab[t->nab];
        a->code = code;
        a->tag = (uint16_t)rd_uleb(&r);
        a->children = rd_u8(&r) != 0;
        a->first = t->nsp;
        a->fixed = 0;
        for (;;) {
            uint64_t at = rd_uleb(&r), form = rd_uleb(&r);
            if (r.bad) return (t->nab = 0), false;
            if (at == 0 && form == 0) break;
            int64_t implicit = form == FORM_implicit_const ? rd_sleb(&r) : 0;
            if (!GROW(t->sp, t->cap_sp, t->nsp + 1)) return (*oom = true), false;
            t->sp[t->nsp++] = (aspec){(uint16_t)at, (uint16_t)form, implicit};
            int fs = form > 0xffff ? -1
                   : form_fixed_size((unsigned)form, addr_size, offset_size, version);
            if (fs < 0 || a->fixed < 0) a->fixed = -1;
            else a->fixed += fs;
        }
        a->n = t->nsp - a->first;
        if (a->code != (uint64_t)t->nab + 1) t->dense = false;
        t->nab++;
    }
    if (!t->dense) qsort(t->ab, t->nab, sizeof *t->ab, cmp_abbrev);
    return t->nab > 0;
}

static const abbrev *find_abbrev(const abbrev_table *t, uint64_t code)
{
    if (t->dense) return code >= 1 && code <= t->nab ? &t->ab[code - 1] : NULL;
    uint32_t lo = 0, hi = t->nab;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->ab[mid].code < code) lo = mid + 1;
        else hi = mid;
    }
    return lo < t->nab && t->ab[lo].code == code ? &t->ab[lo] : NULL;
}

/* ---------------------------------------------------------------- attribute values */

typedef enum vkind {
    V_NONE, V_CONST, V_ADDR, V_ADDRX, V_STR, V_STRP, V_LSTRP, V_STRX, V_REF,
    V_SECOFF, V_RNGLISTX,
} vkind;

typedef struct fval {
    vkind kind;
    uint64_t u;
    const char *s; /* V_STR */
} fval;

/* The unit being read. */
typedef struct unit {
    const diag_symbols *s;
    uint64_t offset;      /* of the unit header */
    uint8_t version, addr_size, offset_size;
    uint64_t str_offsets_base, addr_base, rnglists_base;
    bool has_rnglists_base;
    uint64_t base_pc;     /* the unit's low_pc: base of range lists */
} unit;

/* Reads one attribute value of form `form`; false when it cannot be read. */
static bool read_form(rd *r, const unit *u, unsigned form, int64_t implicit,
                      fval *v)
{
    v->kind = V_NONE;
    v->u = 0;
    switch (form) {
    case FORM_addr: v->kind = V_ADDR; v->u = rd_uint(r, u->addr_size); break;
    case FORM_data1: case FORM_flag: v->kind = V_CONST; v->u = rd_u8(r); break;
    case FORM_data2: v->kind = V_CONST; v->u = rd_u16(r); break;
    case FORM_data4: v->kind = V_CONST; v->u = rd_u32(r); break;
    case FORM_data8: v->kind = V_CONST; v->u = rd_u64(r); break;
    case FORM_data16: rd_skip(r, 16); break;
    case FORM_sdata: v->kind = V_CONST; v->u = (uint64_t)rd_sleb(r); break;
    case FORM_udata: v->kind = V_CONST; v->u = rd_uleb(r); break;
    case FORM_implicit_const: v->kind = V_CONST; v->u = (uint64_t)implicit; break;
    case FORM_flag_present: v->kind = V_CONST; v->u = 1; break;
    case FORM_string: v->kind = V_STR; v->s = rd_cstr(r); break;
    case FORM_strp: v->kind = V_STRP; v->u = rd_uint(r, u->offset_size); break;
    case FORM_line_strp: v->kind = V_LSTRP; v->u = rd_uint(r, u->offset_size); break;
    case FORM_strx: case FORM_GNU_str_index:
        v->kind = V_STRX; v->u = rd_uleb(r); break;
    case FORM_strx1: v->kind = V_STRX; v->u = rd_u8(r); break;
    case FORM_strx2: v->kind = V_STRX; v->u = rd_u16(r); break;
    case FORM_strx3: v->kind = V_STRX; v->u = rd_uint(r, 3); break;
    case FORM_strx4: v->kind = V_STRX; v->u = rd_u32(r); break;
    case FORM_addrx: case FORM_GNU_addr_index:
        v->kind = V_ADDRX; v->u = rd_uleb(r); break;
    case FORM_addrx1: v->kind = V_ADDRX; v->u = rd_u8(r); break;
    case FORM_addrx2: v->kind = V_ADDRX; v->u = rd_u16(r); break;
    case FORM_addrx3: v->kind = V_ADDRX; v->u = rd_uint(r, 3); break;
    case FORM_addrx4: v->kind = V_ADDRX; v->u = rd_u32(r); break;
    case FORM_ref1: v->kind = V_REF; v->u = u->offset + rd_u8(r); break;
    case FORM_ref2: v->kind = V_REF; v->u = u->offset + rd_u16(r); break;
    case FORM_ref4: v->kind = V_REF; v->u = u->offset + rd_u32(r); break;
    case FORM_ref8: v->kind = V_REF; v->u = u->offset + rd_u64(r); break;
    case FORM_ref_udata: v->kind = V_REF; v->u = u->offset + rd_uleb(r); break;
    case FORM_ref_addr:
        v->kind = V_REF;
        v->u = rd_uint(r, u->version <= 2 ? u->addr_size : u->offset_size);
        break;
    case FORM_ref_sig8: case FORM_ref_sup8: rd_skip(r, 8); break;
    case FORM_ref_sup4: rd_skip(r, 4); break;
    case FORM_strp_sup: case FORM_GNU_ref_alt: case FORM_GNU_strp_alt:
        rd_skip(r, u->offset_size); break;
    case FORM_sec_offset: v->kind = V_SECOFF; v->u = rd_uint(r, u->offset_size); break;
    case FORM_rnglistx: v->kind = V_RNGLISTX; v->u = rd_uleb(r); break;
    case FORM_loclistx: rd_uleb(r); break;
    case FORM_exprloc: case FORM_block: rd_skip(r, rd_uleb(r)); break;
    case FORM_block1: rd_skip(r, rd_u8(r)); break;
    case FORM_block2: rd_skip(r, rd_u16(r)); break;
    case FORM_block4: rd_skip(r, rd_u32(r)); break;
    case FORM_indirect: {
        uint64_t f = rd_uleb(r);
        /* An indirect form naming itself again is legal but pointless; one
         * level is all producers use and all we follow. */
        if (r->bad || f == FORM_indirect || f == FORM_implicit_const || f > 0xffff)
            return false;
        return read_form(r, u, (unsigned)f, 0, v);
    }
    default: return false;
    }
    return !r->bad;
}

/* A string attribute's text, or NULL. */
static const char *val_str(const unit *u, const fval *v)
{
    const dsec *sec;
    uint64_t off;
    switch (v->kind) {
    case V_STR: return v->s;
    case V_STRP: sec = &u->s->sec[DS_STR]; off = v->u; break;
    case V_LSTRP: sec = &u->s->sec[DS_LINE_STR]; off = v->u; break;
    case V_STRX: {
        const dsec *so = &u->s->sec[DS_STR_OFFSETS];
        uint64_t base = u->str_offsets_base;
        if (!so->data || v->u > so->size / u->offset_size) return NULL;
        uint64_t at = base + v->u * u->offset_size;
        if (at > so->size || so->size - at < u->offset_size) return NULL;
        rd r = rd_make(so->data + at, u->offset_size);
        off = rd_uint(&r, u->offset_size);
        sec = &u->s->sec[DS_STR];
        break;
    }
    default: return NULL;
    }
    if (!sec->data || off >= sec->size) return NULL;
    return (const char *)sec->data + off;
}

/* An address attribute's value; false when it cannot be resolved. */
static bool val_addr(const unit *u, const fval *v, uint64_t *out)
{
    if (v->kind == V_ADDR || v->kind == V_CONST) {
        *out = v->u;
        return true;
    }
    if (v->kind != V_ADDRX) return false;
    const dsec *a = &u->s->sec[DS_ADDR];
    if (!a->data || v->u > a->size / u->addr_size) return false;
    uint64_t at = u->addr_base + v->u * u->addr_size;
    if (at > a->size || a->size - at < u->addr_size) return false;
    rd r = rd_make(a->data + at, u->addr_size);
    *out = rd_uint(&r, u->addr_size);
    return true;
}

static bool addrx(const unit *u, uint64_t idx, uint64_t *out)
{
    fval v = {V_ADDRX, idx, NULL};
    return val_addr(u, &v, out);
}

/* ---------------------------------------------------------------- ranges */

/* Adds [lo, hi) for scope `sc` if it is a plausible code range: wasm-ld
 * marks the ranges of discarded functions with tombstones (0, -1, -2) that
 * fall outside the code section. Returns false only when out of memory. */
static bool add_range(diag_symbols *s, uint32_t sc, uint64_t lo, uint64_t hi)
{
    uint64_t limit = s->code_size ? s->code_size : UINT32_MAX;
    if (lo == 0 || lo >= hi || lo >= limit) return true;
    if (hi > limit) hi = limit;
    /* A corrupt unit can make every DIE share one huge range list; keep
     * the total proportional to the input. */
    if (s->nranges >= 1000000 + s->sec[DS_INFO].size) return true;
    if (!GROW(s->ranges, s->cap_ranges, s->nranges + 1)) return false;
    s->ranges[s->nranges++] = (drange){(uint32_t)lo, (uint32_t)hi, sc};
    return true;
}

/* DWARF 2-4 .debug_ranges: pairs of addresses, a base-address selector
 * (start = max address), (0, 0) ending the list. */
static bool read_ranges_v4(diag_symbols *s, const unit *u, uint64_t off,
                           uint32_t sc)
{
    const dsec *sec = &s->sec[DS_RANGES];
    if (!sec->data || off >= sec->size) return true;
    rd r = rd_make(sec->data + off, sec->size - (size_t)off);
    uint64_t maxaddr = u->addr_size == 8 ? UINT64_MAX : (1ull << (8 * u->addr_size)) - 1;
    uint64_t base = u->base_pc;
    for (int i = 0; i < MAX_RANGES_PER_LIST; i++) {
        uint64_t a = rd_uint(&r, u->addr_size), b = rd_uint(&r, u->addr_size);
        if (r.bad || (a == 0 && b == 0)) break;
        if (a == maxaddr) {
            base = b;
            continue;
        }
        if (!add_range(s, sc, base + a, base + b)) return false;
    }
    return true;
}

/* DWARF 5 .debug_rnglists entries starting at `off`. */
static bool read_rnglist(diag_symbols *s, const unit *u, uint64_t off,
                         uint32_t sc)
{
    const dsec *sec = &s->sec[DS_RNGLISTS];
    if (!sec->data || off >= sec->size) return true;
    rd r = rd_make(sec->data + off, sec->size - (size_t)off);
    uint64_t base = u->base_pc, a = 0, b = 0;
    for (int i = 0; i < MAX_RANGES_PER_LIST; i++) {
        uint8_t kind = rd_u8(&r);
        bool emit = true;
        switch (kind) {
        case RLE_end_of_list: return true;
        case RLE_base_addressx:
            if (!addrx(u, rd_uleb(&r), &base)) base = 0;
            emit = false;
            break;
        case RLE_startx_endx:
        {
            /* Both indexes are read whatever the first resolves to. */
            bool ea = addrx(u, rd_uleb(&r), &a);
            bool eb = addrx(u, rd_uleb(&r), &b);
            emit = ea && eb;
        }
            break;
        case RLE_startx_length:
            emit = addrx(u, rd_uleb(&r), &a);
            b = a + rd_uleb(&r);
            break;
        case RLE_offset_pair:
            a = base + rd_uleb(&r);
            b = base + rd_uleb(&r);
            break;
        case RLE_base_address:
            base = rd_uint(&r, u->addr_size);
            emit = false;
            break;
        case RLE_start_end:
            a = rd_uint(&r, u->addr_size);
            b = rd_uint(&r, u->addr_size);
            break;
        case RLE_start_length:
            a = rd_uint(&r, u->addr_size);
            b = a + rd_uleb(&r);
            break;
        default: return true;
        }
        if (r.bad) return true;
        if (emit && !add_range(s, sc, a, b)) return false;
    }
    return true;
}

static bool read_ranges_attr(diag_symbols *s, const unit *u, const fval *v,
                             uint32_t sc)
{
    if (u->version < 5) {
        if (v->kind != V_SECOFF && v->kind != V_CONST) return true;
        return read_ranges_v4(s, u, v->u, sc);
    }
    uint64_t off;
    if (v->kind == V_RNGLISTX) {
        /* The offsets table at rnglists_base holds offsets relative to it. */
        const dsec *sec = &s->sec[DS_RNGLISTS];
        uint64_t base = u->has_rnglists_base ? u->rnglists_base
                        : (u->offset_size == 8 ? 20 : 12);
        if (!sec->data || v->u > sec->size / u->offset_size) return true;
        uint64_t at = base + v->u * u->offset_size;
        if (at > sec->size || sec->size - at < u->offset_size) return true;
        rd r = rd_make(sec->data + at, u->offset_size);
        off = base + rd_uint(&r, u->offset_size);
    } else if (v->kind == V_SECOFF || v->kind == V_CONST) {
        off = v->u;
    } else {
        return true;
    }
    return read_rnglist(s, u, off, sc);
}

/* ---------------------------------------------------------------- DIE walk */

/* The attributes of one interesting DIE. */
typedef struct die_attrs {
    fval name, linkage, origin, spec, low, high, ranges, call_file, call_line,
        call_column, stmt_list, comp_dir;
    bool has_str_base, has_addr_base, has_rng_base;
    uint64_t str_base, addr_base, rng_base;
} die_attrs;

static bool read_attrs(rd *r, const unit *u, const abbrev_table *t,
                       const abbrev *a, die_attrs *d)
{
    memset(d, 0, sizeof *d);
    for (uint32_t i = 0; i < a->n; i++) {
        const aspec *sp = &t->sp[a->first + i];
        fval v;
        if (!read_form(r, u, sp->form, sp->implicit, &v)) return false;
        switch (sp->at) {
        case AT_name: d->name = v; break;
        case AT_linkage_name: case AT_MIPS_linkage_name: d->linkage = v; break;
        case AT_abstract_origin: d->origin = v; break;
        case AT_specification: d->spec = v; break;
        case AT_low_pc: d->low = v; break;
        case AT_high_pc: d->high = v; break;
        case AT_ranges: d->ranges = v; break;
        case AT_call_file: d->call_file = v; break;
        case AT_call_line: d->call_line = v; break;
        case AT_call_column: d->call_column = v; break;
        case AT_stmt_list: d->stmt_list = v; break;
        case AT_comp_dir: d->comp_dir = v; break;
        case AT_str_offsets_base: d->has_str_base = true; d->str_base = v.u; break;
        case AT_addr_base: d->has_addr_base = true; d->addr_base = v.u; break;
        case AT_rnglists_base: d->has_rng_base = true; d->rng_base = v.u; break;
        default: break;
        }
    }
    return true;
}

static bool skip_attrs(rd *r, const unit *u, const abbrev_table *t,
                       const abbrev *a)
{
    if (a->fixed >= 0) return rd_skip(r, (uint64_t)a->fixed);
    for (uint32_t i = 0; i < a->n; i++) {
        const aspec *sp = &t->sp[a->first + i];
        int fs = form_fixed_size(sp->form, u->addr_size, u->offset_size, u->version);
        if (fs >= 0) {
            if (!rd_skip(r, (uint64_t)fs)) return false;
            continue;
        }
        fval v;
        if (!read_form(r, u, sp->form, sp->implicit, &v)) return false;
    }
    return true;
}

/* A string the index keeps: strings inside .debug_info (DW_FORM_string)
 * are copied, since that section is not kept after indexing. *oom is set
 * when the copy fails. */
static const char *keep_str(diag_symbols *s, const char *p, bool *oom)
{
    const dsec *info = &s->sec[DS_INFO];
    if (!p || (const uint8_t *)p < info->data || (const uint8_t *)p >= info->data + info->size)
        return p;
    const char *c = symtab_strdup(s, p, strlen(p));
    if (!c) *oom = true;
    return c;
}

static uint32_t ref_of(const die_attrs *d)
{
    const fval *v = d->origin.kind == V_REF ? &d->origin
                  : d->spec.kind == V_REF ? &d->spec : NULL;
    return v && v->u < DIAG_NONE ? (uint32_t)v->u : DIAG_NONE;
}

/* The code ranges of a DIE, added for scope `sc`. */
static bool die_ranges(diag_symbols *s, const unit *u, const die_attrs *d,
                       uint32_t sc)
{
    if (d->ranges.kind != V_NONE) return read_ranges_attr(s, u, &d->ranges, sc);
    uint64_t lo, hi;
    if (d->low.kind == V_NONE || !val_addr(u, &d->low, &lo)) return true;
    if (d->high.kind == V_CONST) hi = lo + d->high.u; /* DWARF 4+: a length */
    else if (!val_addr(u, &d->high, &hi)) return true;
    return add_range(s, sc, lo, hi);
}

typedef struct level {
    uint32_t scope; /* the enclosing scope for children */
    uint32_t own;   /* scope made by the DIE that opened this level */
} level;

/* Walks one unit's DIEs. false only when out of memory. */
static bool walk_unit(diag_symbols *s, unit *u, rd r, abbrev_table *t,
                      level *stack)
{
    int depth = 0;
    stack[0] = (level){DIAG_NONE, DIAG_NONE};
    uint32_t cu_index = DIAG_NONE;
    bool first = true;
    while (rd_left(&r) > 0) {
        uint32_t die_off = (uint32_t)(r.p - s->sec[DS_INFO].data);
        uint64_t code = rd_uleb(&r);
        if (r.bad) break;
        if (code == 0) {
            if (depth > 0) {
                if (stack[depth].own != DIAG_NONE)
                    s->scopes[stack[depth].own].end = s->nscopes;
                depth--;
            }
            if (depth == 0 && !first) break; /* the unit DIE's children ended */
            continue;
        }
        const abbrev *a = find_abbrev(t, code);
        if (!a) break;
        unsigned tag = a->tag;
        bool unit_die = first && (tag == TAG_compile_unit ||
                                  tag == TAG_partial_unit ||
                                  tag == TAG_skeleton_unit);
        if (first && !unit_die) break; /* type units and the like */
        first = false;
        uint32_t own = DIAG_NONE;
        if (unit_die || tag == TAG_subprogram || tag == TAG_inlined_subroutine) {
            die_attrs d;
            if (!read_attrs(&r, u, t, a, &d)) break;
            if (unit_die) {
                if (d.has_str_base) u->str_offsets_base = d.str_base;
                if (d.has_addr_base) u->addr_base = d.addr_base;
                if (d.has_rng_base) {
                    u->rnglists_base = d.rng_base;
                    u->has_rnglists_base = true;
                }
                uint64_t lo;
                if (d.low.kind != V_NONE && val_addr(u, &d.low, &lo)) u->base_pc = lo;
                if (!GROW(s->cus, s->cap_cus, s->ncus + 1)) return false;
                /* The unit's own ranges go to curanges. */
                uint32_t r0 = s->nranges;
                if (!die_ranges(s, u, &d, s->ncus)) return false;
                uint32_t nr = s->nranges - r0;
                if (nr) {
                    if (!GROW(s->curanges, s->cap_curanges, s->ncuranges + nr)) return false;
                    memcpy(s->curanges + s->ncuranges, s->ranges + r0, nr * sizeof *s->ranges);
                    s->ncuranges += nr;
                }
                s->nranges = r0;
                dcu *cu = &s->cus[s->ncus];
                memset(cu, 0, sizeof *cu);
                cu->offset = (uint32_t)u->offset;
                cu->version = u->version;
                cu->addr_size = u->addr_size;
                cu->offset_size = u->offset_size;
                cu->has_stmt = d.stmt_list.kind == V_SECOFF || d.stmt_list.kind == V_CONST;
                cu->stmt_list = d.stmt_list.u;
                bool oom = false;
                cu->comp_dir = keep_str(s, val_str(u, &d.comp_dir), &oom);
                if (oom) return false;
                cu_index = s->ncus++;
            } else {
                bool oom = false;
                const char *name = keep_str(s, val_str(u, &d.name), &oom);
                const char *linkage = keep_str(s, val_str(u, &d.linkage), &oom);
                if (oom) return false;
                uint32_t ref = ref_of(&d);
                if (tag == TAG_subprogram) {
                    if (!GROW(s->names, s->cap_names, s->nnames + 1)) return false;
                    s->names[s->nnames++] = (dname){die_off, ref, name, linkage};
                }
                bool inl = tag == TAG_inlined_subroutine;
                uint32_t parent = stack[depth].scope;
                if (cu_index != DIAG_NONE && (!inl || parent != DIAG_NONE)) {
                    uint32_t sc = s->nscopes;
                    uint32_t r0 = s->nranges;
                    if (!die_ranges(s, u, &d, sc)) return false;
                    if (s->nranges > r0) {
                        if (!GROW(s->scopes, s->cap_scopes, sc + 1)) return false;
                        dscope *x = &s->scopes[sc];
                        memset(x, 0, sizeof *x);
                        x->name = linkage ? linkage : name;
                        x->has_linkage = linkage != NULL;
                        x->parent = inl ? parent : DIAG_NONE;
                        x->end = sc + 1;
                        x->cu = cu_index;
                        x->inlined = inl;
                        x->ref = linkage ? DIAG_NONE : ref;
                        x->rfirst = r0;
                        x->rcount = s->nranges - r0;
                        if (inl) {
                            x->call_file = (uint32_t)d.call_file.u;
                            x->call_line = (uint32_t)d.call_line.u;
                            x->call_column = (uint32_t)d.call_column.u;
                        }
                        s->nscopes++;
                        own = sc;
                    }
                }
            }
        } else if (!skip_attrs(&r, u, t, a)) {
            break;
        }
        if (a->children) {
            if (depth + 1 >= MAX_DEPTH) break;
            depth++;
            stack[depth].scope = own != DIAG_NONE ? own : stack[depth - 1].scope;
            stack[depth].own = own;
        } else if (own != DIAG_NONE) {
            s->scopes[own].end = own + 1;
        }
    }
    /* A unit cut short: close what is open. */
    for (; depth > 0; depth--)
        if (stack[depth].own != DIAG_NONE) s->scopes[stack[depth].own].end = s->nscopes;
    return true;
}

/* ---------------------------------------------------------------- units */

static int cmp_dname(const void *a, const void *b)
{
    uint32_t x = ((const dname *)a)->die, y = ((const dname *)b)->die;
    return x < y ? -1 : x > y;
}

static int cmp_drange(const void *a, const void *b)
{
    const drange *x = a, *y = b;
    if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
    return x->scope < y->scope ? -1 : x->scope > y->scope;
}

static const dname *find_name(const diag_symbols *s, uint32_t die)
{
    uint32_t lo = 0, hi = s->nnames;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->names[mid].die < die) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->nnames && s->names[lo].die == die ? &s->names[lo] : NULL;
}

/* A scope's name as llvm-symbolizer picks it: the linkage name found by
 * following abstract_origin/specification, else the first DW_AT_name. */
static void resolve_name(diag_symbols *s, dscope *x)
{
    const char *name = x->name;
    uint32_t ref = x->ref;
    for (int hops = 0; ref != DIAG_NONE && hops < 16; hops++) {
        const dname *e = find_name(s, ref);
        if (!e) break;
        if (e->linkage) {
            x->name = e->linkage;
            x->has_linkage = true;
            return;
        }
        if (!name) name = e->name;
        ref = e->ref;
    }
    x->name = name;
}

bool dwarf_index(diag_symbols *s)
{
    const dsec *info = &s->sec[DS_INFO];
    abbrev_table t = {.offset = UINT64_MAX};
    /* Reserve by the size of .debug_info (clang's output has a subprogram or
     * inline per ~200 bytes of it), so the arrays are not copied over and
     * over while growing; untouched reserved pages cost nothing. */
    uint32_t guess = (uint32_t)(info->size / 128 < 1u << 24 ? info->size / 128 : 1u << 24);
    if (!GROW(s->scopes, s->cap_scopes, guess) || !GROW(s->names, s->cap_names, guess) ||
        !GROW(s->ranges, s->cap_ranges, guess))
        return false;
    level *stack = malloc(MAX_DEPTH * sizeof *stack);
    bool ok = stack != NULL;
    uint64_t off = 0;
    while (ok && off + 11 <= info->size) {
        rd r = rd_make(info->data + off, info->size - (size_t)off);
        unit u = {.s = s, .offset = off, .offset_size = 4};
        uint64_t len = rd_u32(&r);
        if (len == 0xffffffffu) {
            len = rd_u64(&r);
            u.offset_size = 8;
        } else if (len >= 0xfffffff0u) {
            break; /* reserved: nothing after it can be framed */
        }
        if (len > rd_left(&r)) len = rd_left(&r); /* truncated: read what is there */
        uint64_t next = (uint64_t)(r.p - info->data) + len;
        r.end = r.p + len;
        u.version = (uint8_t)rd_u16(&r);
        uint64_t abbrev_off;
        bool is_code_unit = true;
        if (u.version >= 5) {
            uint8_t type = rd_u8(&r);
            u.addr_size = rd_u8(&r);
            abbrev_off = rd_uint(&r, u.offset_size);
            if (type == 4 || type == 5) rd_skip(&r, 8); /* skeleton/split: dwo id */
            else if (type != 1 && type != 3) is_code_unit = false;
        } else {
            abbrev_off = rd_uint(&r, u.offset_size);
            u.addr_size = rd_u8(&r);
        }
        u.str_offsets_base = u.addr_base = u.offset_size == 8 ? 16 : 8;
        bool oom = false;
        if (!r.bad && is_code_unit && u.version >= 2 && u.version <= 5 &&
            u.addr_size >= 1 && u.addr_size <= 8 &&
            load_abbrevs(s, &t, abbrev_off, u.addr_size, u.offset_size, u.version, &oom))
            ok = walk_unit(s, &u, r, &t, stack);
        if (oom) ok = false;
        off = next;
    }
    free(stack);
    free(t.ab);
    free(t.sp);
    if (!ok) return false;

    for (uint32_t i = 1; i < s->nnames; i++)
        if (s->names[i - 1].die > s->names[i].die) {
            qsort(s->names, s->nnames, sizeof *s->names, cmp_dname);
            break;
        }
    uint32_t ntop = 0;
    for (uint32_t i = 0; i < s->nscopes; i++) {
        dscope *x = &s->scopes[i];
        if (!x->has_linkage && x->ref != DIAG_NONE) resolve_name(s, x);
        if (x->parent == DIAG_NONE) ntop += x->rcount;
    }
    s->top = malloc((ntop ? ntop : 1) * sizeof *s->top);
    if (!s->top) return false;
    for (uint32_t i = 0; i < s->nscopes; i++) {
        dscope *x = &s->scopes[i];
        if (x->parent != DIAG_NONE) continue;
        for (uint32_t k = 0; k < x->rcount; k++) s->top[s->ntop++] = s->ranges[x->rfirst + k];
    }
    for (uint32_t i = 1; i < s->ntop; i++)
        if (cmp_drange(&s->top[i - 1], &s->top[i]) > 0) {
            qsort(s->top, s->ntop, sizeof *s->top, cmp_drange);
            break;
        }
    for (uint32_t i = 1; i < s->ncuranges; i++)
        if (cmp_drange(&s->curanges[i - 1], &s->curanges[i]) > 0) {
            qsort(s->curanges, s->ncuranges, sizeof *s->curanges, cmp_drange);
            break;
        }
    return true;
}

/* ---------------------------------------------------------------- line tables */

/* Joins path parts as LLVM's sys::path::append does: one '/' between
 * non-empty parts unless one is already there; no normalisation. */
static size_t path_append(char *buf, size_t len, size_t cap, const char *part)
{
    if (!part || !*part) return len;
    if (len > 0 && buf[len - 1] != '/' && part[0] != '/' && len + 1 < cap)
        buf[len++] = '/';
    size_t n = strlen(part);
    if (n > cap - 1 - len) n = cap - 1 - len;
    memcpy(buf + len, part, n);
    len += n;
    buf[len] = 0;
    return len;
}

typedef struct lseq {
    uint32_t first, count; /* rows, the last being the end row */
    uint32_t lo;
} lseq;

static int cmp_lseq(const void *a, const void *b)
{
    const lseq *x = a, *y = b;
    if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

typedef struct lfile {
    const char *name;
    uint64_t dir;
} lfile;

/* Reads a DWARF 5 directory or file entry list (formats, then entries).
 * Returns 0, -1 when corrupt (what was read is kept), -2 when out of memory. */
static int read_v5_entries(rd *r, const unit *u, lfile **out, uint32_t *n)
{
    *out = NULL;
    *n = 0;
    uint8_t nformats = rd_u8(r);
    uint64_t fmt[2 * 255];
    for (unsigned i = 0; i < nformats; i++) {
        fmt[2 * i] = rd_uleb(r);
        fmt[2 * i + 1] = rd_uleb(r);
    }
    uint64_t count = rd_uleb(r);
    if (r->bad || count > rd_left(r)) return -1;
    *out = calloc(count ? count : 1, sizeof **out);
    if (!*out) return -2;
    for (uint64_t k = 0; k < count; k++) {
        for (unsigned i = 0; i < nformats; i++) {
            fval v;
            if (fmt[2 * i + 1] > 0xffff ||
                !read_form(r, u, (unsigned)fmt[2 * i + 1], 0, &v))
                return -1;
            if (fmt[2 * i] == LNCT_path) (*out)[k].name = val_str(u, &v);
            else if (fmt[2 * i] == LNCT_directory_index) (*out)[k].dir = v.u;
        }
        *n = (uint32_t)k + 1;
    }
    return 0;
}

static bool make_file_paths(diag_symbols *s, dcu *cu, unsigned version,
                            const char **dirs, uint32_t ndirs,
                            const lfile *files, uint32_t nfiles, uint32_t first)
{
    cu->files = calloc((size_t)nfiles + first + 1, sizeof *cu->files);
    if (!cu->files) return false;
    cu->nfiles = nfiles + first;
    char buf[4096];
    for (uint32_t i = 0; i < nfiles; i++) {
        const char *name = files[i].name;
        if (!name) continue;
        if (name[0] == '/') {
            cu->files[first + i] = name;
            continue;
        }
        const char *dir = NULL;
        uint64_t di = files[i].dir;
        if (version >= 5) {
            if (di < ndirs) dir = dirs[di];
        } else if (di > 0 && di <= ndirs) {
            dir = dirs[di - 1];
        }
        size_t len = 0;
        buf[0] = 0;
        if ((version < 5 || di != 0) && cu->comp_dir && !(dir && dir[0] == '/'))
            len = path_append(buf, len, sizeof buf, cu->comp_dir);
        len = path_append(buf, len, sizeof buf, dir);
        len = path_append(buf, len, sizeof buf, name);
        const char *p = symtab_strdup(s, buf, len);
        if (!p) return false;
        cu->files[first + i] = p;
    }
    return true;
}

bool dwarf_decode_lines(diag_symbols *s, dcu *cu)
{
    cu->lines_done = true;
    const dsec *sec = &s->sec[DS_LINE];
    if (!cu->has_stmt || !sec->data || cu->stmt_list >= sec->size) return true;
    rd r = rd_make(sec->data + cu->stmt_list, sec->size - (size_t)cu->stmt_list);
    unit u = {.s = s, .offset_size = 4, .addr_size = cu->addr_size};
    uint64_t len = rd_u32(&r);
    if (len == 0xffffffffu) {
        len = rd_u64(&r);
        u.offset_size = 8;
    }
    if (r.bad || len > rd_left(&r)) return true;
    r.end = r.p + len;
    unsigned version = rd_u16(&r);
    u.version = (uint8_t)version;
    if (version < 2 || version > 5) return true;
    if (version >= 5) {
        u.addr_size = rd_u8(&r);
        rd_u8(&r); /* segment selector size */
    }
    uint64_t hlen = rd_uint(&r, u.offset_size);
    if (r.bad || hlen > rd_left(&r)) return true;
    const uint8_t *program = r.p + hlen;
    unsigned min_inst = rd_u8(&r);
    if (version >= 4) rd_u8(&r); /* max ops per instruction: VLIW only */
    bool default_stmt = rd_u8(&r) != 0;
    (void)default_stmt;
    int line_base = (int8_t)rd_u8(&r);
    unsigned line_range = rd_u8(&r);
    unsigned opcode_base = rd_u8(&r);
    uint8_t std_len[256] = {0};
    for (unsigned i = 1; i < opcode_base; i++) std_len[i] = rd_u8(&r);
    if (r.bad || line_range == 0) return true;

    const char **dirs = NULL;
    uint32_t ndirs = 0, nfiles = 0;
    lfile *files = NULL;
    bool oom = false;
    uint32_t cap_dirs = 0, cap_files = 0;
    if (version >= 5) {
        lfile *d = NULL;
        int rc = read_v5_entries(&r, &u, &d, &ndirs);
        if (rc == -2) oom = true;
        if (d && ndirs) {
            dirs = calloc(ndirs, sizeof *dirs);
            if (dirs)
                for (uint32_t i = 0; i < ndirs; i++) dirs[i] = d[i].name;
            else oom = true;
        }
        free(d);
        if (rc == 0 && !oom && read_v5_entries(&r, &u, &files, &nfiles) == -2)
            oom = true;
        cap_files = nfiles;
    } else {
        for (;;) {
            const char *d = rd_cstr(&r);
            if (!d || !*d) break;
            if (!GROW(dirs, cap_dirs, ndirs + 1)) { oom = true; break; }
            dirs[ndirs++] = d;
        }
        for (;;) {
            const char *f = rd_cstr(&r);
            if (!f || !*f) break;
            uint64_t di = rd_uleb(&r);
            rd_uleb(&r);
            rd_uleb(&r);
            if (!GROW(files, cap_files, nfiles + 1)) { oom = true; break; }
            files[nfiles++] = (lfile){f, di};
        }
    }
    lrow *rows = NULL;
    lseq *seqs = NULL;
    uint32_t nrows = 0, cap_rows = 0, nseqs = 0, cap_seqs = 0;
    if (oom) goto done;

    /* The line-number program (DWARF 5, 6.2.5). */
    r.p = program;
    uint64_t addr = 0, file = 1, line = 1, col = 0;
    uint32_t seq_first = 0;
    bool seq_ok = true;
    while (rd_left(&r) > 0 && !r.bad) {
        uint8_t op = rd_u8(&r);
        bool emit = false, end_seq = false;
        if (op >= opcode_base) {
            unsigned adj = op - opcode_base;
            addr += (uint64_t)(adj / line_range) * min_inst;
            line += (uint64_t)(int64_t)(line_base + (int)(adj % line_range));
            emit = true;
        } else if (op == 0) {
            uint64_t n = rd_uleb(&r);
            if (r.bad || n == 0 || n > rd_left(&r)) break;
            const uint8_t *next = r.p + n;
            uint8_t sub = rd_u8(&r);
            if (sub == 1) {
                emit = end_seq = true;
            } else if (sub == 2) {
                addr = rd_uint(&r, n - 1 > 8 ? 8 : (unsigned)(n - 1));
            } else if (sub == 3) { /* DW_LNE_define_file (v2-4) */
                const char *f = rd_cstr(&r);
                uint64_t di = rd_uleb(&r);
                if (f && version < 5) {
                    if (!GROW(files, cap_files, nfiles + 1)) { oom = true; break; }
                    files[nfiles++] = (lfile){f, di};
                }
            }
            r.p = next;
        } else {
            switch (op) {
            case 1: emit = true; break;                            /* copy */
            case 2: addr += rd_uleb(&r) * min_inst; break;         /* advance_pc */
            case 3: line += (uint64_t)rd_sleb(&r); break;          /* advance_line */
            case 4: file = rd_uleb(&r); break;                     /* set_file */
            case 5: col = rd_uleb(&r); break;                      /* set_column */
            case 8: addr += (uint64_t)((255 - opcode_base) / line_range) * min_inst; break;
            case 9: addr += rd_u16(&r); break;                     /* fixed_advance_pc */
            case 6: case 7: case 10: case 11: break;
            default:
                for (unsigned i = 0; i < std_len[op]; i++) rd_uleb(&r);
                break;
            }
        }
        if (!emit || r.bad) continue;
        if (addr > UINT32_MAX) seq_ok = false;
        if (!GROW(rows, cap_rows, nrows + 1)) { oom = true; break; }
        rows[nrows++] = (lrow){(uint32_t)addr, (uint32_t)line,
                               (uint32_t)(file & ~LROW_END) | (end_seq ? LROW_END : 0),
                               col > UINT32_MAX ? UINT32_MAX : (uint32_t)col};
        if (end_seq) {
            uint32_t lo = rows[seq_first].addr;
            uint64_t limit = s->code_size ? s->code_size : UINT32_MAX;
            /* Empty sequences and tombstoned ones (discarded code) are dropped. */
            if (seq_ok && lo != 0 && lo < rows[nrows - 1].addr && lo < limit) {
                if (!GROW(seqs, cap_seqs, nseqs + 1)) { oom = true; break; }
                seqs[nseqs++] = (lseq){seq_first, nrows - seq_first, lo};
            }
            seq_first = nrows;
            seq_ok = true;
            addr = 0, file = 1, line = 1, col = 0;
        }
    }
    if (oom) goto done;
    /* Sequences in address order, rows concatenated. */
    if (nseqs > 1) qsort(seqs, nseqs, sizeof *seqs, cmp_lseq);
    uint32_t total = 0;
    for (uint32_t i = 0; i < nseqs; i++) total += seqs[i].count;
    cu->rows = malloc((total ? total : 1) * sizeof *cu->rows);
    if (!cu->rows) { oom = true; goto done; }
    for (uint32_t i = 0; i < nseqs; i++) {
        memcpy(cu->rows + cu->nrows, rows + seqs[i].first, seqs[i].count * sizeof *rows);
        cu->nrows += seqs[i].count;
    }
    if (!make_file_paths(s, cu, version, dirs, ndirs, files, nfiles, version >= 5 ? 0 : 1))
        oom = true;
done:
    free(rows);
    free(seqs);
    free(dirs);
    free(files);
    return !oom;
}
