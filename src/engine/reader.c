/* reader.c — strict LEB128, fixed-width and UTF-8 reading (see reader.h). */
#include "engine/reader.h"
#include "engine/errkind.h"

#include <stdlib.h>

static void rd_vfail(reader *r, kiln_error_code code, const char *fmt, va_list ap) {
    if (r->failed) return; /* the first error is the one worth reporting */
    r->failed = true;
    if (!r->err) return;
    char msg[600];
    vsnprintf(msg, sizeof msg, fmt, ap);
    uint32_t off = (uint32_t)((r->p > r->end ? r->end : r->p) - r->base);
    if (r->where) error_set(r->err, code, "%s at byte offset 0x%x: %s", r->where, off, msg);
    else error_set(r->err, code, "at byte offset 0x%x: %s", off, msg);
}

void rd_fail(reader *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    rd_vfail(r, KILN_ERR_INVALID, fmt, ap);
    va_end(ap);
}

void rd_fail_code(reader *r, kiln_error_code code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    rd_vfail(r, code, fmt, ap);
    va_end(ap);
}

/* Unsigned LEB128 of at most `bits` bits. */
static bool rd_uleb(reader *r, unsigned bits, uint64_t *out) {
    uint64_t v = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end) { rd_fail(r, "unexpected end (in an integer)"); return false; }
        uint8_t b = *r->p++;
        if (i == maxbytes - 1) {
            /* The last byte: no continuation, and no bits beyond `bits`. */
            if (b & 0x80) { rd_fail(r, "integer representation too long"); return false; }
            unsigned used = bits - shift;
            if (used < 7 && (b >> used) != 0) { rd_fail(r, "integer too large"); return false; }
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    *out = v;
    return true;
}

/* Signed LEB128 of at most `bits` bits. */
static bool rd_sleb(reader *r, unsigned bits, int64_t *out) {
    uint64_t v = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    uint8_t b;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end) { rd_fail(r, "unexpected end (in an integer)"); return false; }
        b = *r->p++;
        if (i == maxbytes - 1) {
            if (b & 0x80) { rd_fail(r, "integer representation too long"); return false; }
            /* The unused high bits must all equal the sign bit. */
            unsigned used = bits - shift; /* value bits in this byte, 1..7 */
            if (used < 7) {
                int sign = (b >> (used - 1)) & 1;
                uint8_t rest = (uint8_t)(b & 0x7f) >> used;
                uint8_t want = sign ? (uint8_t)((0x7f >> used)) : 0;
                if (rest != want) { rd_fail(r, "integer too large"); return false; }
            }
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
    *out = (int64_t)v;
    return true;
}

bool rd_u32(reader *r, uint32_t *out) {
    uint64_t v;
    if (!rd_uleb(r, 32, &v)) return false;
    *out = (uint32_t)v;
    return true;
}

bool rd_u64(reader *r, uint64_t *out) { return rd_uleb(r, 64, out); }

bool rd_s32(reader *r, int32_t *out) {
    int64_t v;
    if (!rd_sleb(r, 32, &v)) return false;
    *out = (int32_t)v;
    return true;
}

bool rd_s33(reader *r, int64_t *out) { return rd_sleb(r, 33, out); }
bool rd_s64(reader *r, int64_t *out) { return rd_sleb(r, 64, out); }

bool rd_bytes(reader *r, uint32_t n, const uint8_t **out) {
    if ((size_t)(r->end - r->p) < n) { rd_fail(r, "unexpected end (need %u bytes)", n); return false; }
    *out = r->p;
    r->p += n;
    return true;
}

bool rd_fixed32(reader *r, uint32_t *out) {
    const uint8_t *b;
    if (!rd_bytes(r, 4, &b)) return false;
    *out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

bool rd_fixed64(reader *r, uint64_t *out) {
    uint32_t lo, hi;
    if (!rd_fixed32(r, &lo) || !rd_fixed32(r, &hi)) return false;
    *out = (uint64_t)hi << 32 | lo;
    return true;
}

bool utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        uint32_t cp;
        size_t len;
        if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
        else return false;
        if (i + len > n) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return false;
        if (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) return false;
        i += len;
    }
    return true;
}

bool rd_name(reader *r, char **out) {
    uint32_t len;
    return rd_name_len(r, out, &len);
}

bool rd_name_len(reader *r, char **out, uint32_t *len) {
    uint32_t n;
    const uint8_t *b;
    if (!rd_u32(r, &n) || !rd_bytes(r, n, &b)) return false;
    if (!utf8_valid(b, n)) { rd_fail(r, "malformed UTF-8 encoding"); return false; }
    char *s = malloc((size_t)n + 1);
    if (!s) { rd_fail_code(r, KILN_ERR_NO_MEMORY, "out of memory"); return false; }
    memcpy(s, b, n);
    s[n] = 0;
    *out = s;
    *len = n;
    return true;
}
