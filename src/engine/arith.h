/*
 * arith.h — the scalar helpers that wasm's numeric instructions are written
 * with (ops_scalar.def): bit views of floats, wasm's min/max and saturating
 * conversions. Shared by the interpreter and by the C that the native tier
 * generates (which embeds this file), so both compute with the same code.
 */
#ifndef KILN_ENGINE_ARITH_H
#define KILN_ENGINE_ARITH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float f32_of(uint64_t v) { uint32_t u = (uint32_t)v; float f; memcpy(&f, &u, 4); return f; }
static inline uint64_t of_f32(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline double f64_of(uint64_t v) { double d; memcpy(&d, &v, 8); return d; }
static inline uint64_t of_f64(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

/* A value the C compiler must not reason through. The native tier's C
 * compiler folds f32.demote_f64(f64.promote_f32(x)) into x even with
 * -fsignaling-nans, which lets a signaling NaN through unquieted; the
 * interpreter computes each instruction on its own and needs no barrier. */
#ifdef KILN_NATIVE_PRELUDE
static inline double opaque_f64(double d) { __asm__("" : "+x"(d)); return d; }
#else
static inline double opaque_f64(double d) { return d; }
#endif

/* Which NaN. When both operands of an operation are NaNs, wasm lets it
 * return either (or another arithmetic NaN); kiln returns the first
 * operand's, quieted, on both tiers. SSE's instructions do that for the
 * operand order they are given, but the C compiler may swap the operands
 * of + and * (they commute), and it did, differently in the interpreter and
 * in generated code: the tiers answered f64.mul(NaN a, NaN b) with a's and
 * b's payloads (tests/fuzz/tiers.sh, seed 42482). So the commutative
 * operations are one instruction with a fixed order: SSE's two-operand
 * form, whose memory operand stays one micro-op with an indexed address.
 * AVX's three-operand form (KN_VEX) is for v128 lanes only (simd.h): with
 * the accesses of counted loops plain, gcc folds them into the asm as
 * indexed memory operands, which a three-operand instruction splits into
 * two micro-ops on Intel cores; stencil ran 1.29x native's time with it,
 * 1.06x with SSE (bench/RESULTS.md). Without SSE, a NaN result is picked
 * again in C by the same rule. Every form gives what SSE gives, a NaN made
 * from numbers (inf * 0) included: the hardware's default NaN. */
#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
static inline float fadd32(float a, float b) { __asm__("addss %1, %0" : "+x"(a) : "xm"(b)); return a; }
static inline float fmul32(float a, float b) { __asm__("mulss %1, %0" : "+x"(a) : "xm"(b)); return a; }
static inline double fadd64(double a, double b) { __asm__("addsd %1, %0" : "+x"(a) : "xm"(b)); return a; }
static inline double fmul64(double a, double b) { __asm__("mulsd %1, %0" : "+x"(a) : "xm"(b)); return a; }
#else
static inline float nan_first32(float a, float b, float r) {
    uint32_t u;
    if (a == a && b == b) return r;
    memcpy(&u, a != a ? &a : &b, 4);
    u |= 0x00400000u;
    memcpy(&r, &u, 4);
    return r;
}
static inline double nan_first64(double a, double b, double r) {
    uint64_t u;
    if (a == a && b == b) return r;
    memcpy(&u, a != a ? &a : &b, 8);
    u |= 0x0008000000000000ull;
    memcpy(&r, &u, 8);
    return r;
}
static inline float fadd32(float a, float b) { float r = a + b; return r == r ? r : nan_first32(a, b, r); }
static inline float fmul32(float a, float b) { float r = a * b; return r == r ? r : nan_first32(a, b, r); }
static inline double fadd64(double a, double b) { double r = a + b; return r == r ? r : nan_first64(a, b, r); }
static inline double fmul64(double a, double b) { double r = a * b; return r == r ? r : nan_first64(a, b, r); }
#endif

#define I32S(x) ((int32_t)(x))
#define I64S(x) ((int64_t)(x))

/* Wasm's min and max: NaN in, NaN out; -0 is less than +0. */
static inline float fmin32(float a, float b) {
    if (a != a || b != b) return fadd32(a, b);
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float fmax32(float a, float b) {
    if (a != a || b != b) return fadd32(a, b);
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double fmin64(double a, double b) {
    if (a != a || b != b) return fadd64(a, b);
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double fmax64(double a, double b) {
    if (a != a || b != b) return fadd64(a, b);
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Saturating float-to-int conversions. */
static inline uint32_t sat_s32(double x) {
    if (x != x) return 0;
    if (x <= -2147483649.0) return (uint32_t)INT32_MIN;
    if (x >= 2147483648.0) return (uint32_t)INT32_MAX;
    return (uint32_t)(int32_t)x;
}
static inline uint32_t sat_u32(double x) {
    if (x != x || x <= -1.0) return 0;
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}
static inline uint64_t sat_s64(double x) {
    if (x != x) return 0;
    if (x < -9223372036854775808.0) return (uint64_t)INT64_MIN;
    if (x >= 9223372036854775808.0) return (uint64_t)INT64_MAX;
    return (uint64_t)(int64_t)x;
}
static inline uint64_t sat_u64(double x) {
    if (x != x || x <= -1.0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}

#endif
