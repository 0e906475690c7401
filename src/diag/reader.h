/*
 * reader.h — a bounds-checked byte cursor for the wasm and DWARF readers in
 * src/diag. Every read past the end yields 0 and sets `bad`, so parsers can
 * read a whole record and check once: corrupt input degrades, never crashes.
 */
#ifndef KILN_DIAG_READER_H
#define KILN_DIAG_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct rd {
    const uint8_t *p;
    const uint8_t *end;
    bool bad;
} rd;

static inline rd rd_make(const uint8_t *p, size_t n)
{
    rd r = {p, p + n, false};
    return r;
}

static inline size_t rd_left(const rd *r) { return (size_t)(r->end - r->p); }

static inline bool rd_skip(rd *r, uint64_t n)
{
    if (n > rd_left(r)) {
        r->p = r->end;
        r->bad = true;
        return false;
    }
    r->p += n;
    return true;
}

static inline uint8_t rd_u8(rd *r)
{
    if (r->p >= r->end) {
        r->bad = true;
        return 0;
    }
    return *r->p++;
}

/* Little-endian fixed-size unsigned integer of n bytes (n <= 8). */
static inline uint64_t rd_uint(rd *r, unsigned n)
{
    if (rd_left(r) < n) {
        r->p = r->end;
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    return v;
}

static inline uint16_t rd_u16(rd *r) { return (uint16_t)rd_uint(r, 2); }
static inline uint32_t rd_u32(rd *r) { return (uint32_t)rd_uint(r, 4); }
static inline uint64_t rd_u64(rd *r) { return rd_uint(r, 8); }

/* LEB128. Bits beyond 64 are dropped (DWARF producers never need them, and a
 * corrupt input must not be undefined behaviour). */
static inline uint64_t rd_uleb(rd *r)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        if (r->p >= r->end) {
            r->bad = true;
            return 0;
        }
        uint8_t b = *r->p++;
        if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) return v;
    }
}

static inline int64_t rd_sleb(rd *r)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        if (r->p >= r->end) {
            r->bad = true;
            return 0;
        }
        b = *r->p++;
        if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
    return (int64_t)v;
}

/* A NUL-terminated string in the buffer; NULL (and bad) when unterminated. */
static inline const char *rd_cstr(rd *r)
{
    const uint8_t *z = r->p < r->end ? memchr(r->p, 0, rd_left(r)) : NULL;
    if (!z) {
        r->p = r->end;
        r->bad = true;
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p = z + 1;
    return s;
}

#endif /* KILN_DIAG_READER_H */
