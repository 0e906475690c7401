/* diag_wasmgen.h — builds small wasm modules with a name section and
 * hand-written DWARF for the diag unit tests, so that every expected answer
 * follows from how the module was made, not from the code under test.
 *
 * The module: 1 imported function ("env.imp"), 3 defined functions whose
 * bodies are 16 bytes each (body i starts at code offset CODE_BODY(i)).
 * Names: 0 "imp", 1 "alpha", 2 "_ZN2ns4betaEi", 3 (none).
 * DWARF (when asked), unit comp_dir = dir, file 1 = "src.c" (dir 0):
 *   subprogram "alpha"  [body1, body1+16)
 *     inlined_subroutine of "helper" [body1+4, body1+10) called at file 1
 *       line 20 column 7
 *   subprogram (linkage "_ZN2ns4betaEi") [body2, body2+16)
 *   subprogram "helper" (abstract: name only)
 * Line table rows: body1 -> line 10 col 3, body1+4 -> line 30 col 9,
 *   body1+10 -> line 11 col 5, end at body1+16; body2 -> line 40 col 1, end
 *   at body2+16.
 */
#ifndef DIAG_WASMGEN_H
#define DIAG_WASMGEN_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
    uint8_t d[8192];
    size_t n;
} buf;

static void b8(buf *b, uint8_t v) { b->d[b->n++] = v; }
static void bn(buf *b, const void *p, size_t n) { memcpy(b->d + b->n, p, n); b->n += n; }
static void bu(buf *b, uint64_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        b8(b, c | (v ? 0x80 : 0));
    } while (v);
}
static void b32(buf *b, uint32_t v) { for (int i = 0; i < 4; i++) b8(b, (uint8_t)(v >> (8 * i))); }
static void b16(buf *b, uint16_t v) { b8(b, (uint8_t)v); b8(b, (uint8_t)(v >> 8)); }
static void bstr(buf *b, const char *s) { bu(b, strlen(s)); bn(b, s, strlen(s)); }
static void bcstr(buf *b, const char *s) { bn(b, s, strlen(s) + 1); }
static void bsec(buf *m, uint8_t id, const buf *body) { b8(m, id); bu(m, body->n); bn(m, body->d, body->n); }
static void bcustom(buf *m, const char *name, const buf *body)
{
    buf t = {.n = 0};
    bstr(&t, name);
    bn(&t, body->d, body->n);
    bsec(m, 0, &t);
}

/* The code section payload starts with the count (1 byte: 3); each body is
 * its size (1 byte: 16) then 16 bytes. */
#define CODE_BODY(i) (1u + 1u + ((i) - 1u) * 17u)

static size_t gen_module(uint8_t *out, int with_names, int with_dwarf, const char *dir)
{
    buf m = {.n = 0}, s = {.n = 0};
    bn(&m, "\0asm\1\0\0\0", 8);
    /* type: () -> () */
    s.n = 0; bu(&s, 1); b8(&s, 0x60); bu(&s, 0); bu(&s, 0); bsec(&m, 1, &s);
    /* import env.imp */
    s.n = 0; bu(&s, 1); bstr(&s, "env"); bstr(&s, "imp"); b8(&s, 0); bu(&s, 0); bsec(&m, 2, &s);
    /* functions */
    s.n = 0; bu(&s, 3); bu(&s, 0); bu(&s, 0); bu(&s, 0); bsec(&m, 3, &s);
    /* global 0: mut i32 = 65536 (the shadow stack pointer) */
    s.n = 0; bu(&s, 1); b8(&s, 0x7f); b8(&s, 1); b8(&s, 0x41); bu(&s, 65536); b8(&s, 0x0b);
    bsec(&m, 6, &s);
    /* code: 3 bodies of 16 bytes: no locals, 14 nops, end */
    s.n = 0; bu(&s, 3);
    for (int i = 0; i < 3; i++) {
        bu(&s, 16); bu(&s, 0);
        for (int k = 0; k < 14; k++) b8(&s, 0x01);
        b8(&s, 0x0b);
    }
    bsec(&m, 10, &s);
    if (with_dwarf) {
        uint32_t b1 = CODE_BODY(1), b2 = CODE_BODY(2);
        buf ab = {.n = 0};
        /* 1: compile_unit, children: name strp, comp_dir string, stmt_list sec_offset, low_pc addr */
        bu(&ab, 1); bu(&ab, 0x11); b8(&ab, 1);
        bu(&ab, 0x03); bu(&ab, 0x0e); bu(&ab, 0x1b); bu(&ab, 0x08);
        bu(&ab, 0x10); bu(&ab, 0x17); bu(&ab, 0x11); bu(&ab, 0x01); bu(&ab, 0); bu(&ab, 0);
        /* 2: subprogram, children: name string, low_pc addr, high_pc data4 */
        bu(&ab, 2); bu(&ab, 0x2e); b8(&ab, 1);
        bu(&ab, 0x03); bu(&ab, 0x08); bu(&ab, 0x11); bu(&ab, 0x01); bu(&ab, 0x12); bu(&ab, 0x06);
        bu(&ab, 0); bu(&ab, 0);
        /* 3: inlined_subroutine, no children: abstract_origin ref4, low_pc, high_pc data4,
         *    call_file data1, call_line data1, call_column data1 */
        bu(&ab, 3); bu(&ab, 0x1d); b8(&ab, 0);
        bu(&ab, 0x31); bu(&ab, 0x13); bu(&ab, 0x11); bu(&ab, 0x01); bu(&ab, 0x12); bu(&ab, 0x06);
        bu(&ab, 0x58); bu(&ab, 0x0b); bu(&ab, 0x59); bu(&ab, 0x0b); bu(&ab, 0x57); bu(&ab, 0x0b);
        bu(&ab, 0); bu(&ab, 0);
        /* 4: subprogram, no children: linkage_name strp, low_pc, high_pc data4 */
        bu(&ab, 4); bu(&ab, 0x2e); b8(&ab, 0);
        bu(&ab, 0x6e); bu(&ab, 0x0e); bu(&ab, 0x11); bu(&ab, 0x01); bu(&ab, 0x12); bu(&ab, 0x06);
        bu(&ab, 0); bu(&ab, 0);
        /* 5: subprogram, no children: name string, inline data1 */
        bu(&ab, 5); bu(&ab, 0x2e); b8(&ab, 0);
        bu(&ab, 0x03); bu(&ab, 0x08); bu(&ab, 0x20); bu(&ab, 0x0b); bu(&ab, 0); bu(&ab, 0);
        bu(&ab, 0);

        buf str = {.n = 0};
        bcstr(&str, "src.c");              /* offset 0 */
        bcstr(&str, "_ZN2ns4betaEi");      /* offset 6 */

        buf info = {.n = 0};
        b32(&info, 0); /* length, patched below */
        b16(&info, 4); b32(&info, 0); b8(&info, 4);
        /* offset 11: CU */
        bu(&info, 1); b32(&info, 0); bcstr(&info, dir); b32(&info, 0); b32(&info, 0);
        /* subprogram alpha */
        bu(&info, 2); bcstr(&info, "alpha"); b32(&info, b1); b32(&info, 16);
        size_t patch_origin = info.n + 1;
        bu(&info, 3); b32(&info, 0); b32(&info, b1 + 4); b32(&info, 6);
        b8(&info, 1); b8(&info, 20); b8(&info, 7);
        b8(&info, 0); /* end of alpha's children */
        bu(&info, 4); b32(&info, 6); b32(&info, b2); b32(&info, 16);
        uint32_t helper_off = (uint32_t)info.n;
        bu(&info, 5); bcstr(&info, "helper"); b8(&info, 1);
        b8(&info, 0); /* end of CU children */
        uint32_t len = (uint32_t)info.n - 4;
        memcpy(info.d, &len, 4);
        memcpy(info.d + patch_origin, &helper_off, 4); /* CU-relative: unit starts at 0 */

        buf line = {.n = 0};
        b32(&line, 0); b16(&line, 4);
        size_t hl_at = line.n;
        b32(&line, 0);
        size_t hstart = line.n;
        b8(&line, 1); b8(&line, 1); b8(&line, 1); b8(&line, (uint8_t)-5); b8(&line, 14); b8(&line, 13);
        const uint8_t std_len[12] = {0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1};
        bn(&line, std_len, 12);
        b8(&line, 0); /* no include dirs */
        bcstr(&line, "src.c"); bu(&line, 0); bu(&line, 0); bu(&line, 0);
        b8(&line, 0);
        uint32_t hl = (uint32_t)(line.n - hstart);
        memcpy(line.d + hl_at, &hl, 4);
        /* sequence 1 */
        b8(&line, 0); bu(&line, 5); b8(&line, 2); b32(&line, b1);          /* set_address */
        b8(&line, 3); bu(&line, 9); b8(&line, 5); bu(&line, 3); b8(&line, 1); /* line 10 col 3, copy */
        b8(&line, 2); bu(&line, 4); b8(&line, 3); bu(&line, 20); b8(&line, 5); bu(&line, 9); b8(&line, 1);
        b8(&line, 2); bu(&line, 6); b8(&line, 3); b8(&line, 0x6d); /* advance_line -19 (sleb 0x6d) */
        b8(&line, 5); bu(&line, 5); b8(&line, 1);
        b8(&line, 2); bu(&line, 6); b8(&line, 0); bu(&line, 1); b8(&line, 1); /* end_sequence */
        /* sequence 2 */
        b8(&line, 0); bu(&line, 5); b8(&line, 2); b32(&line, b2);
        b8(&line, 3); bu(&line, 39); b8(&line, 5); bu(&line, 1); b8(&line, 1);
        b8(&line, 2); bu(&line, 16); b8(&line, 0); bu(&line, 1); b8(&line, 1);
        uint32_t llen = (uint32_t)line.n - 4;
        memcpy(line.d, &llen, 4);

        bcustom(&m, ".debug_info", &info);
        bcustom(&m, ".debug_abbrev", &ab);
        bcustom(&m, ".debug_line", &line);
        bcustom(&m, ".debug_str", &str);
    }
    if (with_names) {
        buf n = {.n = 0}, sub = {.n = 0};
        bu(&sub, 3);
        bu(&sub, 0); bstr(&sub, "imp");
        bu(&sub, 1); bstr(&sub, "alpha");
        bu(&sub, 2); bstr(&sub, "_ZN2ns4betaEi");
        b8(&n, 1); bu(&n, sub.n); bn(&n, sub.d, sub.n);
        sub.n = 0; bu(&sub, 1); bu(&sub, 0); bstr(&sub, "__stack_pointer");
        b8(&n, 7); bu(&n, sub.n); bn(&n, sub.d, sub.n);
        bcustom(&m, "name", &n);
    }
    memcpy(out, m.d, m.n);
    return m.n;
}
#endif
