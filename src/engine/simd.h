/*
 * simd.h — the lane arithmetic behind the interpreter's v128 handlers
 * (interp_simd.inc), with wasm's exact semantics.
 *
 * Values are GNU C vector types (vector_size(16)): portable GNU C that gcc
 * and clang lower to the target's SIMD instructions, or to scalar code
 * where there are none. Operations that such generic code does not express
 * as one or a few instructions are written with x86 intrinsics, chosen at
 * build time: SSE2 (always present on x86-64) by default, SSSE3 and SSE4.1
 * forms when the build enables them (-mssse3, -msse4.1, -march=...). Every
 * intrinsic path has a lane-by-lane C fallback below it; defining
 * KILN_SIMD_PORTABLE forces the fallbacks (that is how they are tested on
 * x86-64).
 *
 * Lane i of a v128 is bytes [i*size, (i+1)*size) of its little-endian
 * memory image, which is also its image in a frame's two slots; kiln's
 * slots and linear memory already assume a little-endian host.
 */
#ifndef KILN_ENGINE_SIMD_H
#define KILN_ENGINE_SIMD_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine/arith.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "kiln's v128 lanes assume a little-endian host"
#endif

#if defined(__SSE2__) && !defined(KILN_SIMD_PORTABLE)
#define SIMD_SSE2 1
#include <emmintrin.h>
#if defined(__SSSE3__)
#define SIMD_SSSE3 1
#include <tmmintrin.h>
#endif
#if defined(__SSE4_1__)
#define SIMD_SSE41 1
#include <smmintrin.h>
#endif
#endif

typedef int8_t vi8 __attribute__((vector_size(16)));
typedef uint8_t vu8 __attribute__((vector_size(16)));
typedef int16_t vi16 __attribute__((vector_size(16)));
typedef uint16_t vu16 __attribute__((vector_size(16)));
typedef int32_t vi32 __attribute__((vector_size(16)));
typedef uint32_t vu32 __attribute__((vector_size(16)));
typedef int64_t vi64 __attribute__((vector_size(16)));
typedef uint64_t vu64 __attribute__((vector_size(16)));
typedef float vf32 __attribute__((vector_size(16)));
typedef double vf64 __attribute__((vector_size(16)));
typedef vu64 v128;

#ifdef SIMD_SSE2
#define MI(v) ((__m128i)(v))
#define MS(v) ((__m128)(v))
#define MD(v) ((__m128d)(v))
#endif

/* Frame slots and linear memory are only 8-byte aligned: always go
 * through memcpy (an unaligned 16-byte move). */
static inline v128 v_ld(const void *p) { v128 v; memcpy(&v, p, 16); return v; }
static inline void v_st(void *p, v128 v) { memcpy(p, &v, 16); }
static inline uint64_t ld_u8(const uint8_t *p) { return *p; }
static inline uint64_t ld_u16(const uint8_t *p) { uint16_t x; memcpy(&x, p, 2); return x; }
static inline uint64_t ld_u32(const uint8_t *p) { uint32_t x; memcpy(&x, p, 4); return x; }
static inline uint64_t ld_u64(const uint8_t *p) { uint64_t x; memcpy(&x, p, 8); return x; }
static inline v128 v_splat(uint64_t s) { return (v128){s, s}; }

/* A store into linear memory: the high half first. Memory that is not
 * accessible lies above memory that is, so if the high half faults nothing
 * was written, and if it did not the low half cannot fault: a trapping
 * store never leaves a partial write, whatever the compiler makes of a
 * 16-byte copy. */
static inline void v_st_mem(uint8_t *p, v128 v) {
    uint64_t lo = v[0], hi = v[1];
    memcpy(p + 8, &hi, 8);
    __asm__ volatile("" ::: "memory");
    memcpy(p, &lo, 8);
}

static inline uint64_t splat8(uint64_t x) { return (x & 0xff) * 0x0101010101010101ull; }
static inline uint64_t splat16(uint64_t x) { return (x & 0xffff) * 0x0001000100010001ull; }
static inline uint64_t splat32(uint64_t x) { return (x & 0xffffffffu) * 0x0000000100000001ull; }

/* A lane-wise select by a mask of all-ones / all-zeros lanes. */
static inline v128 v_blend(v128 mask, v128 yes, v128 no) { return (yes & mask) | (no & ~mask); }

/* ------------------------------------------------------------ float add and multiply */
/* Lane-wise, the first operand's NaN when both are NaNs, as the scalar
 * fadd32 and friends (arith.h, which says why): one instruction in a fixed
 * order, three-operand in generated code on AVX hosts; with SSE its
 * second operand in a register (a memory operand would have to be 16-byte
 * aligned); elsewhere those scalar helpers per lane. */
#if defined(KN_VEX) && defined(SIMD_SSE2)
#define KN_FOP_(T, ins, a, b) __extension__({ T r_; __asm__(ins " %2, %1, %0" : "=x"(r_) : "x"(a), "xm"(b)); r_; })
static inline v128 vfadd32(v128 a, v128 b) { return (v128)KN_FOP_(__m128, "vaddps", MS(a), MS(b)); }
static inline v128 vfmul32(v128 a, v128 b) { return (v128)KN_FOP_(__m128, "vmulps", MS(a), MS(b)); }
static inline v128 vfadd64(v128 a, v128 b) { return (v128)KN_FOP_(__m128d, "vaddpd", MD(a), MD(b)); }
static inline v128 vfmul64(v128 a, v128 b) { return (v128)KN_FOP_(__m128d, "vmulpd", MD(a), MD(b)); }
#elif defined(SIMD_SSE2)
static inline v128 vfadd32(v128 a, v128 b) { __m128 x = MS(a); __asm__("addps %1, %0" : "+x"(x) : "x"(MS(b))); return (v128)x; }
static inline v128 vfmul32(v128 a, v128 b) { __m128 x = MS(a); __asm__("mulps %1, %0" : "+x"(x) : "x"(MS(b))); return (v128)x; }
static inline v128 vfadd64(v128 a, v128 b) { __m128d x = MD(a); __asm__("addpd %1, %0" : "+x"(x) : "x"(MD(b))); return (v128)x; }
static inline v128 vfmul64(v128 a, v128 b) { __m128d x = MD(a); __asm__("mulpd %1, %0" : "+x"(x) : "x"(MD(b))); return (v128)x; }
#else
static inline v128 vfadd32(v128 a, v128 b) { LANEWISE(vf32, 4, fadd32(x_[i], y_[i])); }
static inline v128 vfmul32(v128 a, v128 b) { LANEWISE(vf32, 4, fmul32(x_[i], y_[i])); }
static inline v128 vfadd64(v128 a, v128 b) { LANEWISE(vf64, 2, fadd64(x_[i], y_[i])); }
static inline v128 vfmul64(v128 a, v128 b) { LANEWISE(vf64, 2, fmul64(x_[i], y_[i])); }
#endif

/* ------------------------------------------------------------ saturating, min, max, average */

static inline int sat_i8(int x) { return x < -128 ? -128 : x > 127 ? 127 : x; }
static inline int sat_u8(int x) { return x < 0 ? 0 : x > 255 ? 255 : x; }
static inline int32_t sat_i16(int32_t x) { return x < -32768 ? -32768 : x > 32767 ? 32767 : x; }
static inline int32_t sat_u16(int32_t x) { return x < 0 ? 0 : x > 65535 ? 65535 : x; }

#define LANEWISE(VT, N, expr)                                  \
    do {                                                       \
        VT x_ = (VT)a, y_ = (VT)b, r_ = {0};                   \
        for (int i = 0; i < (N); i++) r_[i] = (expr);          \
        return (v128)r_;                                       \
    } while (0)
#define LANEWISE1(VT, N, expr) LANECVT(VT, VT, N, expr)
/* From lanes of type VIN to as many lanes of type VOUT. */
#define LANECVT(VIN, VOUT, N, expr)                            \
    do {                                                       \
        VIN x_ = (VIN)a;                                       \
        VOUT r_ = {0};                                         \
        for (int i = 0; i < (N); i++) r_[i] = (expr);          \
        return (v128)r_;                                       \
    } while (0)

static inline v128 i8x16_add_sat_s(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_adds_epi8(MI(a), MI(b));
#else
    LANEWISE(vi8, 16, sat_i8(x_[i] + y_[i]));
#endif
}
static inline v128 i8x16_add_sat_u(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_adds_epu8(MI(a), MI(b));
#else
    LANEWISE(vu8, 16, sat_u8(x_[i] + y_[i]));
#endif
}
static inline v128 i8x16_sub_sat_s(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_subs_epi8(MI(a), MI(b));
#else
    LANEWISE(vi8, 16, sat_i8(x_[i] - y_[i]));
#endif
}
static inline v128 i8x16_sub_sat_u(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_subs_epu8(MI(a), MI(b));
#else
    LANEWISE(vu8, 16, sat_u8(x_[i] - y_[i]));
#endif
}
static inline v128 i16x8_add_sat_s(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_adds_epi16(MI(a), MI(b));
#else
    LANEWISE(vi16, 8, sat_i16(x_[i] + y_[i]));
#endif
}
static inline v128 i16x8_add_sat_u(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_adds_epu16(MI(a), MI(b));
#else
    LANEWISE(vu16, 8, sat_u16(x_[i] + y_[i]));
#endif
}
static inline v128 i16x8_sub_sat_s(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_subs_epi16(MI(a), MI(b));
#else
    LANEWISE(vi16, 8, sat_i16(x_[i] - y_[i]));
#endif
}
static inline v128 i16x8_sub_sat_u(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_subs_epu16(MI(a), MI(b));
#else
    LANEWISE(vu16, 8, sat_u16(x_[i] - y_[i]));
#endif
}

/* min/max: one instruction where the ISA has it, else a compare and a
 * blend (generic code). */
#define MINMAX(name, VT, op, intrin)                                   \
    static inline v128 name(v128 a, v128 b) {                          \
        intrin;                                                        \
        return v_blend((v128)((VT)a op (VT)b), a, b);                  \
    }
#define NOINTRIN (void)0
#ifdef SIMD_SSE2
MINMAX(i8x16_min_u, vu8, <, return (v128)_mm_min_epu8(MI(a), MI(b)))
MINMAX(i8x16_max_u, vu8, >, return (v128)_mm_max_epu8(MI(a), MI(b)))
MINMAX(i16x8_min_s, vi16, <, return (v128)_mm_min_epi16(MI(a), MI(b)))
MINMAX(i16x8_max_s, vi16, >, return (v128)_mm_max_epi16(MI(a), MI(b)))
#else
MINMAX(i8x16_min_u, vu8, <, NOINTRIN)
MINMAX(i8x16_max_u, vu8, >, NOINTRIN)
MINMAX(i16x8_min_s, vi16, <, NOINTRIN)
MINMAX(i16x8_max_s, vi16, >, NOINTRIN)
#endif
#ifdef SIMD_SSE41
MINMAX(i8x16_min_s, vi8, <, return (v128)_mm_min_epi8(MI(a), MI(b)))
MINMAX(i8x16_max_s, vi8, >, return (v128)_mm_max_epi8(MI(a), MI(b)))
MINMAX(i16x8_min_u, vu16, <, return (v128)_mm_min_epu16(MI(a), MI(b)))
MINMAX(i16x8_max_u, vu16, >, return (v128)_mm_max_epu16(MI(a), MI(b)))
MINMAX(i32x4_min_s, vi32, <, return (v128)_mm_min_epi32(MI(a), MI(b)))
MINMAX(i32x4_max_s, vi32, >, return (v128)_mm_max_epi32(MI(a), MI(b)))
MINMAX(i32x4_min_u, vu32, <, return (v128)_mm_min_epu32(MI(a), MI(b)))
MINMAX(i32x4_max_u, vu32, >, return (v128)_mm_max_epu32(MI(a), MI(b)))
#else
MINMAX(i8x16_min_s, vi8, <, NOINTRIN)
MINMAX(i8x16_max_s, vi8, >, NOINTRIN)
MINMAX(i16x8_min_u, vu16, <, NOINTRIN)
MINMAX(i16x8_max_u, vu16, >, NOINTRIN)
MINMAX(i32x4_min_s, vi32, <, NOINTRIN)
MINMAX(i32x4_max_s, vi32, >, NOINTRIN)
MINMAX(i32x4_min_u, vu32, <, NOINTRIN)
MINMAX(i32x4_max_u, vu32, >, NOINTRIN)
#endif

static inline v128 i8x16_avgr_u(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_avg_epu8(MI(a), MI(b));
#else
    LANEWISE(vu8, 16, (uint8_t)(((unsigned)x_[i] + y_[i] + 1) >> 1));
#endif
}
static inline v128 i16x8_avgr_u(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_avg_epu16(MI(a), MI(b));
#else
    LANEWISE(vu16, 8, (uint16_t)(((unsigned)x_[i] + y_[i] + 1) >> 1));
#endif
}

/* ------------------------------------------------------------ abs, popcnt, multiply */

/* Arithmetic is done on unsigned lanes so that it wraps (wasm's abs of the
 * most negative value is itself); signed types only compare and shift. */
static inline v128 i8x16_abs(v128 a) {
#ifdef SIMD_SSSE3
    return (v128)_mm_abs_epi8(MI(a));
#else
    vu8 m = (vu8)((vi8)a < 0);
    return (v128)(((vu8)a ^ m) - m);
#endif
}
static inline v128 i16x8_abs(v128 a) {
#ifdef SIMD_SSSE3
    return (v128)_mm_abs_epi16(MI(a));
#else
    vu16 m = (vu16)((vi16)a >> 15);
    return (v128)(((vu16)a ^ m) - m);
#endif
}
static inline v128 i32x4_abs(v128 a) {
#ifdef SIMD_SSSE3
    return (v128)_mm_abs_epi32(MI(a));
#else
    vu32 m = (vu32)((vi32)a >> 31);
    return (v128)(((vu32)a ^ m) - m);
#endif
}
static inline v128 i64x2_abs(v128 a) {
#ifdef SIMD_SSE2
    /* The sign of each 64-bit lane, from its high 32 bits. */
    __m128i s = _mm_shuffle_epi32(_mm_srai_epi32(MI(a), 31), _MM_SHUFFLE(3, 3, 1, 1));
    return (v128)_mm_sub_epi64(_mm_xor_si128(MI(a), s), s);
#else
    vu64 m = (vu64)((vi64)a >> 63);
    return (a ^ m) - m;
#endif
}

static inline v128 i8x16_popcnt(v128 a) {
#ifdef SIMD_SSSE3
    const __m128i lut = _mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m128i low = _mm_set1_epi8(0x0f);
    __m128i lo = _mm_and_si128(MI(a), low), hi = _mm_and_si128(_mm_srli_epi16(MI(a), 4), low);
    return (v128)_mm_add_epi8(_mm_shuffle_epi8(lut, lo), _mm_shuffle_epi8(lut, hi));
#else
    vu8 v = (vu8)a;
    v = v - ((v >> 1) & 0x55);
    v = (v & 0x33) + ((v >> 2) & 0x33);
    return (v128)((v + (v >> 4)) & 0x0f);
#endif
}

static inline v128 i32x4_mul(v128 a, v128 b) {
#ifdef SIMD_SSE41
    return (v128)_mm_mullo_epi32(MI(a), MI(b));
#else
    return (v128)((vu32)a * (vu32)b);
#endif
}

/* (a*b + 2^14) >> 15, saturated: only -32768 * -32768 overflows. */
static inline v128 i16x8_q15mulr_sat_s(v128 a, v128 b) {
#if defined(SIMD_SSSE3)
    /* pmulhrsw gives -32768 for that case, but -32768 is also the right
     * answer for -32768 * 32767; equal inputs tell the overflow apart. */
    __m128i r = _mm_mulhrs_epi16(MI(a), MI(b));
    __m128i over = _mm_and_si128(_mm_cmpeq_epi16(r, _mm_set1_epi16(INT16_MIN)), _mm_cmpeq_epi16(MI(a), MI(b)));
    return (v128)_mm_xor_si128(r, over);
#elif defined(SIMD_SSE2)
    __m128i lo = _mm_mullo_epi16(MI(a), MI(b)), hi = _mm_mulhi_epi16(MI(a), MI(b));
    const __m128i round = _mm_set1_epi32(0x4000);
    __m128i p0 = _mm_srai_epi32(_mm_add_epi32(_mm_unpacklo_epi16(lo, hi), round), 15);
    __m128i p1 = _mm_srai_epi32(_mm_add_epi32(_mm_unpackhi_epi16(lo, hi), round), 15);
    return (v128)_mm_packs_epi32(p0, p1);
#else
    LANEWISE(vi16, 8, (int16_t)sat_i16((x_[i] * y_[i] + 0x4000) >> 15));
#endif
}

static inline v128 i32x4_dot_i16x8_s(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_madd_epi16(MI(a), MI(b));
#else
    vi16 x = (vi16)a, y = (vi16)b;
    vu32 r = {0};
    for (int i = 0; i < 4; i++)
        r[i] = (uint32_t)((int32_t)x[2 * i] * y[2 * i]) + (uint32_t)((int32_t)x[2 * i + 1] * y[2 * i + 1]);
    return (v128)r;
#endif
}

/* ------------------------------------------------------------ relaxed SIMD */
/* kiln's deterministic choices (docs/ARCHITECTURE.md, "Relaxed SIMD"):
 * madd and nmadd round twice (a multiply, then an add: no fused multiply-
 * add, on either tier); the dot products take both operands as signed and
 * wrap, the i16 sums as the i32 ones. nmadd negates the product by its
 * sign bit, so that no compiler can fold the negation into the add. */
static inline v128 f32x4_relaxed_madd(v128 a, v128 b, v128 c) {
    return vfadd32(vfmul32(a, b), c);
}
static inline v128 f32x4_relaxed_nmadd(v128 a, v128 b, v128 c) {
    const vu32 sign = {0x80000000u, 0x80000000u, 0x80000000u, 0x80000000u};
    return vfadd32((v128)((vu32)vfmul32(a, b) ^ sign), c);
}
static inline v128 f64x2_relaxed_madd(v128 a, v128 b, v128 c) {
    return vfadd64(vfmul64(a, b), c);
}
static inline v128 f64x2_relaxed_nmadd(v128 a, v128 b, v128 c) {
    const v128 sign = {0x8000000000000000ull, 0x8000000000000000ull};
    return vfadd64(vfmul64(a, b) ^ sign, c);
}
static inline v128 i16x8_relaxed_dot_i8x16_i7x16_s(v128 a, v128 b) {
    vi8 x = (vi8)a, y = (vi8)b;
    vi16 r = {0};
    for (int i = 0; i < 8; i++)
        r[i] = (int16_t)(uint16_t)(uint32_t)(x[2 * i] * y[2 * i] + x[2 * i + 1] * y[2 * i + 1]);
    return (v128)r;
}
static inline v128 i32x4_relaxed_dot_i8x16_i7x16_add_s(v128 a, v128 b, v128 c) {
    vi8 x = (vi8)a, y = (vi8)b;
    vu32 z = (vu32)c, r = {0};
    for (int i = 0; i < 4; i++) {
        int32_t s = 0;
        for (int k = 0; k < 4; k++) s += x[4 * i + k] * y[4 * i + k];
        r[i] = z[i] + (uint32_t)s;
    }
    return (v128)r;
}

/* ------------------------------------------------------------ lane tests */

static inline bool v128_any_true(v128 a) { return (a[0] | a[1]) != 0; }

static inline uint32_t i8x16_all_true(v128 a) {
#ifdef SIMD_SSE2
    return _mm_movemask_epi8(_mm_cmpeq_epi8(MI(a), _mm_setzero_si128())) == 0;
#else
    vu8 x = (vu8)a;
    for (int i = 0; i < 16; i++) if (!x[i]) return 0;
    return 1;
#endif
}
static inline uint32_t i16x8_all_true(v128 a) {
#ifdef SIMD_SSE2
    return _mm_movemask_epi8(_mm_cmpeq_epi16(MI(a), _mm_setzero_si128())) == 0;
#else
    vu16 x = (vu16)a;
    for (int i = 0; i < 8; i++) if (!x[i]) return 0;
    return 1;
#endif
}
static inline uint32_t i32x4_all_true(v128 a) {
#ifdef SIMD_SSE2
    return _mm_movemask_epi8(_mm_cmpeq_epi32(MI(a), _mm_setzero_si128())) == 0;
#else
    vu32 x = (vu32)a;
    for (int i = 0; i < 4; i++) if (!x[i]) return 0;
    return 1;
#endif
}
static inline uint32_t i64x2_all_true(v128 a) { return a[0] != 0 && a[1] != 0; }

static inline uint32_t i8x16_bitmask(v128 a) {
#ifdef SIMD_SSE2
    return (uint32_t)_mm_movemask_epi8(MI(a));
#else
    vu8 x = (vu8)a;
    uint32_t m = 0;
    for (int i = 0; i < 16; i++) m |= (uint32_t)(x[i] >> 7) << i;
    return m;
#endif
}
static inline uint32_t i16x8_bitmask(v128 a) {
#ifdef SIMD_SSE2
    return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(MI(a), _mm_setzero_si128()));
#else
    vu16 x = (vu16)a;
    uint32_t m = 0;
    for (int i = 0; i < 8; i++) m |= (uint32_t)(x[i] >> 15) << i;
    return m;
#endif
}
static inline uint32_t i32x4_bitmask(v128 a) {
#ifdef SIMD_SSE2
    return (uint32_t)_mm_movemask_ps(MS(a));
#else
    vu32 x = (vu32)a;
    uint32_t m = 0;
    for (int i = 0; i < 4; i++) m |= (x[i] >> 31) << i;
    return m;
#endif
}
static inline uint32_t i64x2_bitmask(v128 a) { return (uint32_t)(a[0] >> 63 | (a[1] >> 63) << 1); }

/* ------------------------------------------------------------ shifts (count already masked) */

static inline v128 i8x16_shl(v128 a, unsigned n) {
#ifdef SIMD_SSE2
    /* No 8-bit shifts: shift 16-bit lanes, drop the bits that crossed. */
    __m128i r = _mm_sll_epi16(MI(a), _mm_cvtsi32_si128((int)n));
    return (v128)_mm_and_si128(r, _mm_set1_epi8((char)(0xff << n)));
#else
    return (v128)((vu8)a << (uint8_t)n);
#endif
}
static inline v128 i8x16_shr_u(v128 a, unsigned n) {
#ifdef SIMD_SSE2
    __m128i r = _mm_srl_epi16(MI(a), _mm_cvtsi32_si128((int)n));
    return (v128)_mm_and_si128(r, _mm_set1_epi8((char)(0xff >> n)));
#else
    return (v128)((vu8)a >> (uint8_t)n);
#endif
}
static inline v128 i8x16_shr_s(v128 a, unsigned n) {
#ifdef SIMD_SSE2
    /* Each byte into the high half of a 16-bit lane, shift, repack. */
    __m128i c = _mm_cvtsi32_si128((int)n + 8);
    __m128i lo = _mm_sra_epi16(_mm_unpacklo_epi8(MI(a), MI(a)), c);
    __m128i hi = _mm_sra_epi16(_mm_unpackhi_epi8(MI(a), MI(a)), c);
    return (v128)_mm_packs_epi16(lo, hi);
#else
    return (v128)((vi8)a >> (int8_t)n);
#endif
}
static inline v128 i16x8_shl(v128 a, unsigned n) { return (v128)((vu16)a << (uint16_t)n); }
static inline v128 i16x8_shr_u(v128 a, unsigned n) { return (v128)((vu16)a >> (uint16_t)n); }
static inline v128 i16x8_shr_s(v128 a, unsigned n) { return (v128)((vi16)a >> (int16_t)n); }
static inline v128 i32x4_shl(v128 a, unsigned n) { return (v128)((vu32)a << n); }
static inline v128 i32x4_shr_u(v128 a, unsigned n) { return (v128)((vu32)a >> n); }
static inline v128 i32x4_shr_s(v128 a, unsigned n) { return (v128)((vi32)a >> (int32_t)n); }
static inline v128 i64x2_shl(v128 a, unsigned n) { return a << (uint64_t)n; }
static inline v128 i64x2_shr_u(v128 a, unsigned n) { return a >> (uint64_t)n; }
static inline v128 i64x2_shr_s(v128 a, unsigned n) {
#ifdef SIMD_SSE2
    /* No 64-bit arithmetic shift before AVX-512: shift logically and
     * restore the sign by xor. */
    __m128i s = _mm_shuffle_epi32(_mm_srai_epi32(MI(a), 31), _MM_SHUFFLE(3, 3, 1, 1));
    __m128i c = _mm_cvtsi32_si128((int)n);
    return (v128)_mm_xor_si128(_mm_srl_epi64(_mm_xor_si128(MI(a), s), c), s);
#else
    return (v128)((vi64)a >> (int64_t)n);
#endif
}

/* ------------------------------------------------------------ narrow, extend */

static inline v128 i8x16_narrow_i16x8_s(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_packs_epi16(MI(a), MI(b));
#else
    vi16 x = (vi16)a, y = (vi16)b;
    vi8 r = {0};
    for (int i = 0; i < 8; i++) { r[i] = (int8_t)sat_i8(x[i]); r[i + 8] = (int8_t)sat_i8(y[i]); }
    return (v128)r;
#endif
}
static inline v128 i8x16_narrow_i16x8_u(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_packus_epi16(MI(a), MI(b));
#else
    vi16 x = (vi16)a, y = (vi16)b;
    vu8 r = {0};
    for (int i = 0; i < 8; i++) { r[i] = (uint8_t)sat_u8(x[i]); r[i + 8] = (uint8_t)sat_u8(y[i]); }
    return (v128)r;
#endif
}
static inline v128 i16x8_narrow_i32x4_s(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_packs_epi32(MI(a), MI(b));
#else
    vi32 x = (vi32)a, y = (vi32)b;
    vi16 r = {0};
    for (int i = 0; i < 4; i++) { r[i] = (int16_t)sat_i16(x[i]); r[i + 4] = (int16_t)sat_i16(y[i]); }
    return (v128)r;
#endif
}
#if defined(SIMD_SSE2) && !defined(SIMD_SSE41)
/* Clamps signed 32-bit lanes to [0, 65535] and sign-extends their low 16
 * bits, so that a signed pack then keeps them exactly. */
static inline __m128i clamp_u16_lanes(__m128i v) {
    v = _mm_and_si128(v, _mm_cmpgt_epi32(v, _mm_setzero_si128()));
    __m128i big = _mm_cmpgt_epi32(v, _mm_set1_epi32(65535));
    v = _mm_or_si128(_mm_andnot_si128(big, v), _mm_and_si128(big, _mm_set1_epi32(65535)));
    return _mm_srai_epi32(_mm_slli_epi32(v, 16), 16);
}
#endif
static inline v128 i16x8_narrow_i32x4_u(v128 a, v128 b) {
#if defined(SIMD_SSE41)
    return (v128)_mm_packus_epi32(MI(a), MI(b));
#elif defined(SIMD_SSE2)
    return (v128)_mm_packs_epi32(clamp_u16_lanes(MI(a)), clamp_u16_lanes(MI(b)));
#else
    vi32 x = (vi32)a, y = (vi32)b;
    vu16 r = {0};
    for (int i = 0; i < 4; i++) { r[i] = (uint16_t)sat_u16(x[i]); r[i + 4] = (uint16_t)sat_u16(y[i]); }
    return (v128)r;
#endif
}

/* Extends half of the lanes (high: lanes N/2..N-1) to twice their width. */
#define EXTEND_LANES(FROM, TO, N, high)                          \
    do {                                                         \
        FROM x_ = (FROM)a;                                       \
        TO r_ = {0};                                             \
        for (int i = 0; i < (N) / 2; i++) r_[i] = x_[i + ((high) ? (N) / 2 : 0)]; \
        return (v128)r_;                                         \
    } while (0)

static inline v128 i16x8_extend_i8x16_s(v128 a, bool high) {
#ifdef SIMD_SSE2
    __m128i u = high ? _mm_unpackhi_epi8(MI(a), MI(a)) : _mm_unpacklo_epi8(MI(a), MI(a));
    return (v128)_mm_srai_epi16(u, 8);
#else
    EXTEND_LANES(vi8, vi16, 16, high);
#endif
}
static inline v128 i16x8_extend_i8x16_u(v128 a, bool high) {
#ifdef SIMD_SSE2
    __m128i z = _mm_setzero_si128();
    return (v128)(high ? _mm_unpackhi_epi8(MI(a), z) : _mm_unpacklo_epi8(MI(a), z));
#else
    EXTEND_LANES(vu8, vu16, 16, high);
#endif
}
static inline v128 i32x4_extend_i16x8_s(v128 a, bool high) {
#ifdef SIMD_SSE2
    __m128i u = high ? _mm_unpackhi_epi16(MI(a), MI(a)) : _mm_unpacklo_epi16(MI(a), MI(a));
    return (v128)_mm_srai_epi32(u, 16);
#else
    EXTEND_LANES(vi16, vi32, 8, high);
#endif
}
static inline v128 i32x4_extend_i16x8_u(v128 a, bool high) {
#ifdef SIMD_SSE2
    __m128i z = _mm_setzero_si128();
    return (v128)(high ? _mm_unpackhi_epi16(MI(a), z) : _mm_unpacklo_epi16(MI(a), z));
#else
    EXTEND_LANES(vu16, vu32, 8, high);
#endif
}
static inline v128 i64x2_extend_i32x4_s(v128 a, bool high) {
#ifdef SIMD_SSE2
    __m128i s = _mm_srai_epi32(MI(a), 31);
    return (v128)(high ? _mm_unpackhi_epi32(MI(a), s) : _mm_unpacklo_epi32(MI(a), s));
#else
    EXTEND_LANES(vi32, vi64, 4, high);
#endif
}
static inline v128 i64x2_extend_i32x4_u(v128 a, bool high) {
#ifdef SIMD_SSE2
    __m128i z = _mm_setzero_si128();
    return (v128)(high ? _mm_unpackhi_epi32(MI(a), z) : _mm_unpacklo_epi32(MI(a), z));
#else
    EXTEND_LANES(vu32, vu64, 4, high);
#endif
}

/* Pairwise sums of adjacent lanes, widened. */
static inline v128 i16x8_extadd_pairwise_i8x16_s(v128 a) {
#ifdef SIMD_SSE2
    __m128i even = _mm_srai_epi16(_mm_slli_epi16(MI(a), 8), 8), odd = _mm_srai_epi16(MI(a), 8);
    return (v128)_mm_add_epi16(even, odd);
#else
    vi8 x = (vi8)a;
    vu16 r = {0};
    for (int i = 0; i < 8; i++) r[i] = (uint16_t)(x[2 * i] + x[2 * i + 1]);
    return (v128)r;
#endif
}
static inline v128 i16x8_extadd_pairwise_i8x16_u(v128 a) {
#ifdef SIMD_SSE2
    __m128i even = _mm_and_si128(MI(a), _mm_set1_epi16(0xff)), odd = _mm_srli_epi16(MI(a), 8);
    return (v128)_mm_add_epi16(even, odd);
#else
    vu8 x = (vu8)a;
    vu16 r = {0};
    for (int i = 0; i < 8; i++) r[i] = (uint16_t)(x[2 * i] + x[2 * i + 1]);
    return (v128)r;
#endif
}
static inline v128 i32x4_extadd_pairwise_i16x8_s(v128 a) {
#ifdef SIMD_SSE2
    return (v128)_mm_madd_epi16(MI(a), _mm_set1_epi16(1));
#else
    vi16 x = (vi16)a;
    vu32 r = {0};
    for (int i = 0; i < 4; i++) r[i] = (uint32_t)(x[2 * i] + x[2 * i + 1]);
    return (v128)r;
#endif
}
static inline v128 i32x4_extadd_pairwise_i16x8_u(v128 a) {
#ifdef SIMD_SSE2
    /* madd is signed: bias each lane by -32768, add the 65536 back. */
    __m128i s = _mm_madd_epi16(_mm_xor_si128(MI(a), _mm_set1_epi16(INT16_MIN)), _mm_set1_epi16(1));
    return (v128)_mm_add_epi32(s, _mm_set1_epi32(65536));
#else
    vu16 x = (vu16)a;
    vu32 r = {0};
    for (int i = 0; i < 4; i++) r[i] = (uint32_t)x[2 * i] + x[2 * i + 1];
    return (v128)r;
#endif
}

/* Extended multiplies: the low or high half of the lanes, multiplied at
 * twice their width. */
static inline v128 i16x8_extmul_i8x16(v128 a, v128 b, bool high, bool sign) {
    v128 x = sign ? i16x8_extend_i8x16_s(a, high) : i16x8_extend_i8x16_u(a, high);
    v128 y = sign ? i16x8_extend_i8x16_s(b, high) : i16x8_extend_i8x16_u(b, high);
    return (v128)((vu16)x * (vu16)y);
}
static inline v128 i32x4_extmul_i16x8(v128 a, v128 b, bool high, bool sign) {
#ifdef SIMD_SSE2
    __m128i lo = _mm_mullo_epi16(MI(a), MI(b));
    __m128i hi = sign ? _mm_mulhi_epi16(MI(a), MI(b)) : _mm_mulhi_epu16(MI(a), MI(b));
    return (v128)(high ? _mm_unpackhi_epi16(lo, hi) : _mm_unpacklo_epi16(lo, hi));
#else
    v128 x = sign ? i32x4_extend_i16x8_s(a, high) : i32x4_extend_i16x8_u(a, high);
    v128 y = sign ? i32x4_extend_i16x8_s(b, high) : i32x4_extend_i16x8_u(b, high);
    return (v128)((vu32)x * (vu32)y);
#endif
}
static inline v128 i64x2_extmul_i32x4(v128 a, v128 b, bool high, bool sign) {
#ifdef SIMD_SSE2
    /* pmuludq multiplies 32-bit lanes 0 and 2: move the operands there. */
    __m128i x = high ? _mm_shuffle_epi32(MI(a), _MM_SHUFFLE(3, 3, 2, 2)) : _mm_shuffle_epi32(MI(a), _MM_SHUFFLE(1, 1, 0, 0));
    __m128i y = high ? _mm_shuffle_epi32(MI(b), _MM_SHUFFLE(3, 3, 2, 2)) : _mm_shuffle_epi32(MI(b), _MM_SHUFFLE(1, 1, 0, 0));
    if (!sign) return (v128)_mm_mul_epu32(x, y);
#ifdef SIMD_SSE41
    return (v128)_mm_mul_epi32(x, y);
#else
    /* Signed from unsigned: x*y = ux*uy - 2^32 * ((x<0 ? uy : 0) + (y<0 ? ux : 0)) mod 2^64. */
    __m128i p = _mm_mul_epu32(x, y);
    __m128i cx = _mm_and_si128(_mm_srai_epi32(x, 31), y), cy = _mm_and_si128(_mm_srai_epi32(y, 31), x);
    __m128i corr = _mm_slli_epi64(_mm_add_epi32(cx, cy), 32);
    return (v128)_mm_sub_epi64(p, corr);
#endif
#else
    v128 x = sign ? i64x2_extend_i32x4_s(a, high) : i64x2_extend_i32x4_u(a, high);
    v128 y = sign ? i64x2_extend_i32x4_s(b, high) : i64x2_extend_i32x4_u(b, high);
    return x * y;
#endif
}

/* ------------------------------------------------------------ shuffles */

/* Lane indexes >= 16 select zero. */
static inline v128 i8x16_swizzle(v128 a, v128 s) {
#ifdef SIMD_SSSE3
    /* Saturating +0x70 sets bit 7 (pshufb's "zero") for every index >= 16
     * and keeps the low four bits of the others. */
    return (v128)_mm_shuffle_epi8(MI(a), _mm_adds_epu8(MI(s), _mm_set1_epi8(0x70)));
#else
    vu8 x = (vu8)a, i = (vu8)s, r;
    for (int k = 0; k < 16; k++) r[k] = i[k] < 16 ? x[i[k] & 15] : 0;
    return (v128)r;
#endif
}

/* The compiler may pick ops that use SSSE3's pshufb, through inline asm
 * (which needs no -mssse3), when the CPU it runs on has it: the build's
 * baseline stays SSE2, and pshufb is what shuffles need most. */
static inline bool simd_cpu_has_pshufb(void) {
#if defined(SIMD_SSE2) && !defined(SIMD_SSSE3) && defined(__x86_64__)
    return __builtin_cpu_supports("ssse3");
#else
    return false;
#endif
}

/* pshufb: each byte of m selects a byte of x by its low four bits, or
 * zero when its bit 7 is set. */
#ifdef SIMD_SSE2
static inline __m128i pshufb(__m128i x, __m128i m) {
#ifdef SIMD_SSSE3
    return _mm_shuffle_epi8(x, m);
#else
    __asm__("pshufb %1, %0" : "+x"(x) : "x"(m));
    return x;
#endif
}
#endif

/* A shuffle compiled to two pshufb masks (32 bytes at m): one picks from
 * a, the other from b, bytes the other one picks are zero. */
static inline v128 i8x16_shuffle_masks(v128 a, v128 b, const uint8_t *m) {
#ifdef SIMD_SSE2
    __m128i ma = _mm_loadu_si128((const __m128i *)m), mb = _mm_loadu_si128((const __m128i *)(m + 16));
    return (v128)_mm_or_si128(pshufb(MI(a), ma), pshufb(MI(b), mb));
#else
    vu8 x = (vu8)a, y = (vu8)b, r = {0};
    for (int k = 0; k < 16; k++)
        r[k] = (uint8_t)((m[k] & 0x80 ? 0 : x[m[k] & 15]) | (m[k + 16] & 0x80 ? 0 : y[m[k + 16] & 15]));
    return (v128)r;
#endif
}
static inline v128 i8x16_swizzle_pshufb(v128 a, v128 s) {
#ifdef SIMD_SSE2
    return (v128)pshufb(MI(a), _mm_adds_epu8(MI(s), _mm_set1_epi8(0x70)));
#else
    return i8x16_swizzle(a, s);
#endif
}

/* idx: 16 lane indexes < 32 (validated); 16.. select from b. */
static inline v128 i8x16_shuffle(v128 a, v128 b, const uint8_t *idx) {
#ifdef SIMD_SSSE3
    __m128i i = _mm_loadu_si128((const __m128i *)idx);
    const __m128i k70 = _mm_set1_epi8(0x70);
    __m128i ra = _mm_shuffle_epi8(MI(a), _mm_adds_epu8(i, k70));
    __m128i rb = _mm_shuffle_epi8(MI(b), _mm_adds_epu8(_mm_xor_si128(i, _mm_set1_epi8(0x10)), k70));
    return (v128)_mm_or_si128(ra, rb);
#else
    /* Built in registers: narrow stores then a wide load would stall. */
    uint8_t both[32];
    memcpy(both, &a, 16);
    memcpy(both + 16, &b, 16);
    uint64_t lo = 0, hi = 0;
    for (int k = 0; k < 8; k++) {
        lo |= (uint64_t)both[idx[k] & 31] << (8 * k);
        hi |= (uint64_t)both[idx[k + 8] & 31] << (8 * k);
    }
    return (v128){lo, hi};
#endif
}

/* ------------------------------------------------------------ floats */

#define F32_SIGN 0x80000000u
#define F64_SIGN 0x8000000000000000ull

/* Wasm's min and max: a NaN in either lane gives a NaN; -0 < +0. */
static inline float lane_fmin32(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float lane_fmax32(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double lane_fmin64(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double lane_fmax64(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* minps/maxps return their second operand when either is NaN or both are
 * zero. Taking both orders and merging by or (min: -0 wins) or and (max:
 * +0 wins) settles the zeros; NaN lanes are then replaced by the
 * canonical NaN. */
static inline v128 f32x4_min(v128 a, v128 b) {
#ifdef SIMD_SSE2
    __m128 r = _mm_or_ps(_mm_min_ps(MS(a), MS(b)), _mm_min_ps(MS(b), MS(a)));
    __m128 nan = _mm_cmpunord_ps(MS(a), MS(b));
    return (v128)_mm_or_ps(_mm_andnot_ps(nan, r), _mm_and_ps(nan, _mm_castsi128_ps(_mm_set1_epi32(0x7fc00000))));
#else
    LANEWISE(vf32, 4, lane_fmin32(x_[i], y_[i]));
#endif
}
static inline v128 f32x4_max(v128 a, v128 b) {
#ifdef SIMD_SSE2
    __m128 r = _mm_and_ps(_mm_max_ps(MS(a), MS(b)), _mm_max_ps(MS(b), MS(a)));
    __m128 nan = _mm_cmpunord_ps(MS(a), MS(b));
    return (v128)_mm_or_ps(_mm_andnot_ps(nan, r), _mm_and_ps(nan, _mm_castsi128_ps(_mm_set1_epi32(0x7fc00000))));
#else
    LANEWISE(vf32, 4, lane_fmax32(x_[i], y_[i]));
#endif
}
static inline v128 f64x2_min(v128 a, v128 b) {
#ifdef SIMD_SSE2
    __m128d r = _mm_or_pd(_mm_min_pd(MD(a), MD(b)), _mm_min_pd(MD(b), MD(a)));
    __m128d nan = _mm_cmpunord_pd(MD(a), MD(b));
    return (v128)_mm_or_pd(_mm_andnot_pd(nan, r), _mm_and_pd(nan, _mm_castsi128_pd(_mm_set1_epi64x(0x7ff8000000000000ll))));
#else
    LANEWISE(vf64, 2, lane_fmin64(x_[i], y_[i]));
#endif
}
static inline v128 f64x2_max(v128 a, v128 b) {
#ifdef SIMD_SSE2
    __m128d r = _mm_and_pd(_mm_max_pd(MD(a), MD(b)), _mm_max_pd(MD(b), MD(a)));
    __m128d nan = _mm_cmpunord_pd(MD(a), MD(b));
    return (v128)_mm_or_pd(_mm_andnot_pd(nan, r), _mm_and_pd(nan, _mm_castsi128_pd(_mm_set1_epi64x(0x7ff8000000000000ll))));
#else
    LANEWISE(vf64, 2, lane_fmax64(x_[i], y_[i]));
#endif
}

/* pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a: exactly
 * minps(b, a) and maxps(b, a), NaNs and zeros included. */
static inline v128 f32x4_pmin(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_min_ps(MS(b), MS(a));
#else
    return v_blend((v128)((vf32)b < (vf32)a), b, a);
#endif
}
static inline v128 f32x4_pmax(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_max_ps(MS(b), MS(a));
#else
    return v_blend((v128)((vf32)a < (vf32)b), b, a);
#endif
}
static inline v128 f64x2_pmin(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_min_pd(MD(b), MD(a));
#else
    return v_blend((v128)((vf64)b < (vf64)a), b, a);
#endif
}
static inline v128 f64x2_pmax(v128 a, v128 b) {
#ifdef SIMD_SSE2
    return (v128)_mm_max_pd(MD(b), MD(a));
#else
    return v_blend((v128)((vf64)a < (vf64)b), b, a);
#endif
}

static inline v128 f32x4_sqrt(v128 a) {
#ifdef SIMD_SSE2
    return (v128)_mm_sqrt_ps(MS(a));
#else
    LANEWISE1(vf32, 4, sqrtf(x_[i]));
#endif
}
static inline v128 f64x2_sqrt(v128 a) {
#ifdef SIMD_SSE2
    return (v128)_mm_sqrt_pd(MD(a));
#else
    LANEWISE1(vf64, 2, sqrt(x_[i]));
#endif
}

/* Rounding to an integral value. mode: 0 ceil, 1 floor, 2 trunc, 3 nearest.
 * Without SSE4.1's roundps: below 2^23 (f32) or 2^52 (f64), adding and
 * subtracting that power of two rounds |x| to nearest-even in the default
 * rounding mode; trunc and ceil of |x| follow by one correction each, the
 * sign goes back on by or (so -0.5 gives -0), and larger values, infinities
 * and NaNs are already integral; a NaN gets its quiet bit set (by bits:
 * compilers may fold x * 1 to x, assuming no signaling NaNs). */
enum { RND_CEIL, RND_FLOOR, RND_TRUNC, RND_NEAREST };
static inline v128 f32x4_round(v128 a, int mode) {
#ifdef SIMD_SSE41
    switch (mode) {
    case RND_CEIL: return (v128)_mm_round_ps(MS(a), _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
    case RND_FLOOR: return (v128)_mm_round_ps(MS(a), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    case RND_TRUNC: return (v128)_mm_round_ps(MS(a), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    default: return (v128)_mm_round_ps(MS(a), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    }
#else
    const vu32 signbit = {F32_SIGN, F32_SIGN, F32_SIGN, F32_SIGN};
    const vf32 magic = {8388608.0f, 8388608.0f, 8388608.0f, 8388608.0f}, one = {1, 1, 1, 1};
    vu32 sign = (vu32)a & signbit;
    vf32 x = (vf32)a, ax = (vf32)((vu32)a & ~signbit);
    vf32 rn = (ax + magic) - magic;
    vf32 tr = rn - (vf32)((vu32)(rn > ax) & (vu32)one);
    vf32 mag = tr;
    if (mode == RND_NEAREST) mag = rn;
    else if (mode != RND_TRUNC) {
        vf32 cl = tr + (vf32)((vu32)(tr < ax) & (vu32)one);
        vu32 neg = (vu32)((vi32)sign != 0);
        mag = mode == RND_CEIL ? (vf32)v_blend((v128)neg, (v128)tr, (v128)cl) : (vf32)v_blend((v128)neg, (v128)cl, (v128)tr);
    }
    vu32 small = (vu32)(ax < magic);
    vu32 big = (vu32)a | ((vu32)(x != x) & 0x00400000u);
    return v_blend((v128)small, (v128)((vu32)mag | sign), (v128)big);
#endif
}
static inline v128 f64x2_round(v128 a, int mode) {
#ifdef SIMD_SSE41
    switch (mode) {
    case RND_CEIL: return (v128)_mm_round_pd(MD(a), _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
    case RND_FLOOR: return (v128)_mm_round_pd(MD(a), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    case RND_TRUNC: return (v128)_mm_round_pd(MD(a), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    default: return (v128)_mm_round_pd(MD(a), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    }
#else
    const vu64 signbit = {F64_SIGN, F64_SIGN};
    const vf64 magic = {4503599627370496.0, 4503599627370496.0}, one = {1, 1};
    vu64 sign = (vu64)a & signbit;
    vf64 x = (vf64)a, ax = (vf64)((vu64)a & ~signbit);
    vf64 rn = (ax + magic) - magic;
    vf64 tr = rn - (vf64)((vu64)(rn > ax) & (vu64)one);
    vf64 mag = tr;
    if (mode == RND_NEAREST) mag = rn;
    else if (mode != RND_TRUNC) {
        vf64 cl = tr + (vf64)((vu64)(tr < ax) & (vu64)one);
        vu64 neg = (vu64)((vi64)sign != 0);
        mag = mode == RND_CEIL ? (vf64)v_blend((v128)neg, (v128)tr, (v128)cl) : (vf64)v_blend((v128)neg, (v128)cl, (v128)tr);
    }
    vu64 small = (vu64)(ax < magic);
    vu64 big = a | ((vu64)(x != x) & 0x0008000000000000ull);
    return v_blend((v128)small, (v128)((vu64)mag | sign), (v128)big);
#endif
}

/* ------------------------------------------------------------ conversions */

static inline int32_t lane_sat_s32(double x) {
    if (x != x) return 0;
    if (x <= -2147483648.0) return INT32_MIN;
    if (x >= 2147483647.0) return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t lane_sat_u32(double x) {
    if (x != x || x <= 0) return 0;
    if (x >= 4294967295.0) return UINT32_MAX;
    return (uint32_t)x;
}

static inline v128 i32x4_trunc_sat_f32x4_s(v128 a) {
#ifdef SIMD_SSE2
    /* cvttps2dq gives 0x80000000 for NaN and out-of-range lanes: zero the
     * NaNs, and flip the positive overflows to 0x7fffffff. */
    __m128i r = _mm_cvttps_epi32(MS(a));
    __m128i ord = _mm_castps_si128(_mm_cmpord_ps(MS(a), MS(a)));
    __m128i over = _mm_castps_si128(_mm_cmpge_ps(MS(a), _mm_set1_ps(2147483648.0f)));
    return (v128)_mm_xor_si128(_mm_and_si128(r, ord), over);
#else
    LANECVT(vf32, vi32, 4, lane_sat_s32(x_[i]));
#endif
}
static inline v128 i32x4_trunc_sat_f32x4_u(v128 a) {
#ifdef SIMD_SSE2
    /* NaN and negatives to 0 (maxps returns its second operand for NaN);
     * lanes >= 2^31 convert after subtracting 2^31, which the top bit adds
     * back; lanes >= 2^32 saturate. */
    __m128 x = _mm_max_ps(MS(a), _mm_setzero_ps());
    const __m128 two31 = _mm_set1_ps(2147483648.0f);
    __m128 big = _mm_cmpge_ps(x, two31);
    __m128i r = _mm_cvttps_epi32(_mm_sub_ps(x, _mm_and_ps(big, two31)));
    r = _mm_xor_si128(r, _mm_slli_epi32(_mm_castps_si128(big), 31));
    return (v128)_mm_or_si128(r, _mm_castps_si128(_mm_cmpge_ps(x, _mm_set1_ps(4294967296.0f))));
#else
    LANECVT(vf32, vu32, 4, lane_sat_u32(x_[i]));
#endif
}
static inline v128 f32x4_convert_i32x4_s(v128 a) {
#ifdef SIMD_SSE2
    return (v128)_mm_cvtepi32_ps(MI(a));
#else
    LANECVT(vi32, vf32, 4, (float)x_[i]);
#endif
}
static inline v128 f32x4_convert_i32x4_u(v128 a) {
#ifdef SIMD_SSE2
    /* hi * 65536 and lo are exact floats, so their sum rounds once. */
    __m128i lo = _mm_and_si128(MI(a), _mm_set1_epi32(0xffff)), hi = _mm_srli_epi32(MI(a), 16);
    __m128 f = _mm_mul_ps(_mm_cvtepi32_ps(hi), _mm_set1_ps(65536.0f));
    return (v128)_mm_add_ps(f, _mm_cvtepi32_ps(lo));
#else
    LANECVT(vu32, vf32, 4, (float)x_[i]);
#endif
}
static inline v128 i32x4_trunc_sat_f64x2_s_zero(v128 a) {
#ifdef SIMD_SSE2
    /* NaN lanes to 0, then clamp into range: cvttpd2dq is then exact. */
    __m128d x = _mm_and_pd(MD(a), _mm_cmpord_pd(MD(a), MD(a)));
    x = _mm_min_pd(_mm_max_pd(x, _mm_set1_pd(-2147483648.0)), _mm_set1_pd(2147483647.0));
    return (v128)_mm_cvttpd_epi32(x);
#else
    vf64 x = (vf64)a;
    vi32 r = {lane_sat_s32(x[0]), lane_sat_s32(x[1]), 0, 0};
    return (v128)r;
#endif
}
static inline v128 i32x4_trunc_sat_f64x2_u_zero(v128 a) {
#ifdef SIMD_SSE2
    /* Clamp to [0, 2^32 - 1] (NaN to 0), floor by the 2^52 trick, and read
     * the integer from the low mantissa bits of x + 2^52. */
    __m128d x = _mm_and_pd(MD(a), _mm_cmpord_pd(MD(a), MD(a)));
    x = _mm_min_pd(_mm_max_pd(x, _mm_setzero_pd()), _mm_set1_pd(4294967295.0));
    const __m128d magic = _mm_set1_pd(4503599627370496.0);
    __m128d rn = _mm_sub_pd(_mm_add_pd(x, magic), magic);
    __m128d fl = _mm_sub_pd(rn, _mm_and_pd(_mm_cmpgt_pd(rn, x), _mm_set1_pd(1.0)));
    __m128i bits = _mm_castpd_si128(_mm_add_pd(fl, magic));
    return (v128)_mm_move_epi64(_mm_shuffle_epi32(bits, _MM_SHUFFLE(3, 3, 2, 0)));
#else
    vf64 x = (vf64)a;
    vu32 r = {lane_sat_u32(x[0]), lane_sat_u32(x[1]), 0, 0};
    return (v128)r;
#endif
}
static inline v128 f64x2_convert_low_i32x4_s(v128 a) {
#ifdef SIMD_SSE2
    return (v128)_mm_cvtepi32_pd(MI(a));
#else
    vi32 x = (vi32)a;
    return (v128)(vf64){x[0], x[1]};
#endif
}
static inline v128 f64x2_convert_low_i32x4_u(v128 a) {
#ifdef SIMD_SSE2
    /* 2^52 + u as bits, minus 2^52: exact. */
    const __m128i hi = _mm_set1_epi32(0x43300000);
    __m128d d = _mm_castsi128_pd(_mm_unpacklo_epi32(MI(a), hi));
    return (v128)_mm_sub_pd(d, _mm_set1_pd(4503599627370496.0));
#else
    vu32 x = (vu32)a;
    return (v128)(vf64){x[0], x[1]};
#endif
}
static inline v128 f32x4_demote_f64x2_zero(v128 a) {
#ifdef SIMD_SSE2
    return (v128)_mm_cvtpd_ps(MD(a));
#else
    vf64 x = (vf64)a;
    return (v128)(vf32){(float)x[0], (float)x[1], 0, 0};
#endif
}
static inline v128 f64x2_promote_low_f32x4(v128 a) {
#ifdef SIMD_SSE2
    return (v128)_mm_cvtps_pd(MS(a));
#else
    vf32 x = (vf32)a;
    return (v128)(vf64){x[0], x[1]};
#endif
}

/* Widens lanes loaded from memory (load8x8 etc.): the 8 bytes are the low
 * half of a vector. */
static inline v128 v_low64(uint64_t x) { return (v128){x, 0}; }

/* The helper macros stay private to this header (it is included into
 * interp.c and compile.c). */
#undef LANEWISE
#undef LANEWISE1
#undef LANECVT
#undef MINMAX
#undef NOINTRIN
#undef EXTEND_LANES
#undef MI
#undef MS
#undef MD

/* ------------------------------------------------------------ fault reports */

#include "engine/ops.h"

/* The bytes each unchecked access touches, in ops_simd.h's order. */
static const uint8_t simd_access_size[] = {16, 8, 8, 8, 8, 8, 8, 1, 2, 4, 8, 4, 8, 1, 2, 4, 8, 16, 1, 2, 4, 8};

_Static_assert(sizeof simd_access_size == OP_v128_store64_lane - OP_v128_load + 1, "one size per access op");

#endif
