/*
 * reader.h — a bounds-checked cursor over the module binary. Every read
 * either succeeds or records one error naming the byte offset; LEB128 is
 * checked strictly (length and unused bits), as the spec requires.
 */
#ifndef KILN_ENGINE_READER_H
#define KILN_ENGINE_READER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kiln.h"

typedef struct reader {
    const uint8_t *base; /* start of the module: offsets are relative to it */
    const uint8_t *p, *end;
    kiln_error *err;
    const char *where;   /* "section 3 (function)" for messages */
    bool failed;
} reader;

/* Records the first failure: a malformed or invalid module (rd_fail), or
 * another kind (rd_fail_code: out of memory, an engine limit). */
void rd_fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rd_fail_code(reader *r, kiln_error_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static inline uint32_t rd_offset(const reader *r) { return (uint32_t)(r->p - r->base); }
static inline bool rd_eof(const reader *r) { return r->p >= r->end; }

static inline bool rd_u8(reader *r, uint8_t *out) {
    if (r->p >= r->end) { rd_fail(r, "unexpected end"); return false; }
    *out = *r->p++;
    return true;
}

bool rd_u32(reader *r, uint32_t *out);
bool rd_u64(reader *r, uint64_t *out);
bool rd_s32(reader *r, int32_t *out);
bool rd_s33(reader *r, int64_t *out);
bool rd_s64(reader *r, int64_t *out);
bool rd_bytes(reader *r, uint32_t n, const uint8_t **out);
bool rd_fixed32(reader *r, uint32_t *out);
bool rd_fixed64(reader *r, uint64_t *out);
/* A length-prefixed UTF-8 name, checked; *out is NUL-terminated and malloc'd. */
bool rd_name(reader *r, char **out);
bool rd_name_len(reader *r, char **out, uint32_t *len);
bool utf8_valid(const uint8_t *s, size_t n);

#endif
