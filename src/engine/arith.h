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

#define I32S(x) ((int32_t)(x))
#define I64S(x) ((int64_t)(x))

/* Wasm's min and max: NaN in, NaN out; -0 is less than +0. */
static inline float fmin32(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float fmax32(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double fmin64(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double fmax64(double a, double b) {
    if (a != a || b != b) return a + b;
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
