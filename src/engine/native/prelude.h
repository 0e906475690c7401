/*
 * prelude.h — the top of every C file the native tier generates (gen.c).
 * kiln embeds this file and the engine headers it includes into itself
 * (mk/native.mk) and writes them beside the generated file, so that the C
 * compiler sees exactly the definitions this kiln was built with; the
 * artifact cache key covers their text.
 *
 * The numeric and memory instructions are the rows of the .def files the
 * interpreter expands too: here each row becomes an inline function over raw
 * 64-bit slot values (kop_NAME), so both tiers compute with the same
 * expressions. Generated code keeps every slot in a C local (uint64_t s<N>)
 * and leaves register allocation to the C compiler.
 */
#ifndef KILN_NATIVE_PRELUDE_H
#define KILN_NATIVE_PRELUDE_H

#define KILN_NATIVE_PRELUDE 1
#include "engine/runtime.h"
#include "engine/arith.h"
#include "engine/simd.h"
#include "engine/native/abi.h"

#define KN_LIKELY(x) __builtin_expect(!!(x), 1)
#define KN_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ------------------------------------------------------------ numbers */
#define UN32(name, expr) static inline uint64_t kop_##name(uint64_t x_) { uint32_t a = (uint32_t)x_; return (uint32_t)(expr); }
#define BIN32(name, expr) static inline uint64_t kop_##name(uint64_t x_, uint64_t y_) { uint32_t a = (uint32_t)x_, b = (uint32_t)y_; return (uint32_t)(expr); }
#define BIN32K(name, expr) static inline uint64_t kop_##name(uint64_t x_, uint32_t b) { uint32_t a = (uint32_t)x_; return (uint32_t)(expr); }
#define UN64(name, expr) static inline uint64_t kop_##name(uint64_t a) { return (uint64_t)(expr); }
#define BIN64(name, expr) static inline uint64_t kop_##name(uint64_t a, uint64_t b) { return (uint64_t)(expr); }
#define BIN64K(name, expr) static inline uint64_t kop_##name(uint64_t a, uint32_t k_) { uint64_t b = (uint64_t)(int64_t)(int32_t)k_; return (uint64_t)(expr); }
#define CMP64(name, expr) static inline uint64_t kop_##name(uint64_t a, uint64_t b) { return (uint32_t)(expr); }
#define CMP64K(name, expr) static inline uint64_t kop_##name(uint64_t a, uint32_t k_) { uint64_t b = (uint64_t)(int64_t)(int32_t)k_; return (uint32_t)(expr); }
#define FCMP32(name, op) static inline uint64_t kop_##name(uint64_t x_, uint64_t y_) { float a = f32_of(x_), b = f32_of(y_); return (uint32_t)(a op b); }
#define FCMP64(name, op) static inline uint64_t kop_##name(uint64_t x_, uint64_t y_) { double a = f64_of(x_), b = f64_of(y_); return (uint32_t)(a op b); }
/* A NaN constant operand is hidden from the C compiler: knowing it, gcc
 * rewrites x + (-NaN) as x - NaN (and the like), which is exact for numbers
 * but gives the NaN the other sign, where the interpreter (one operation at
 * a time) returns the operand's. Only constant NaNs pay: the test folds. */
#define KN_NAN32_OPAQUE(bits, v) \
    do { if (__builtin_constant_p(bits) && ((uint32_t)(bits) & 0x7fffffffu) > 0x7f800000u) __asm__("" : "+x"(v)); } while (0)
#define KN_NAN64_OPAQUE(bits, v) \
    do { if (__builtin_constant_p(bits) && ((bits) & 0x7fffffffffffffffull) > 0x7ff0000000000000ull) __asm__("" : "+x"(v)); } while (0)
#define FUN32(name, expr) static inline uint64_t kop_##name(uint64_t x_) { float a = f32_of(x_); KN_NAN32_OPAQUE(x_, a); return of_f32(expr); }
#define FUN64(name, expr) static inline uint64_t kop_##name(uint64_t x_) { double a = f64_of(x_); KN_NAN64_OPAQUE(x_, a); return of_f64(expr); }
#define FBIN32(name, expr) static inline uint64_t kop_##name(uint64_t x_, uint64_t y_) { float a = f32_of(x_), b = f32_of(y_); \
    KN_NAN32_OPAQUE(x_, a); KN_NAN32_OPAQUE(y_, b); return of_f32(expr); }
#define FBIN64(name, expr) static inline uint64_t kop_##name(uint64_t x_, uint64_t y_) { double a = f64_of(x_), b = f64_of(y_); \
    KN_NAN64_OPAQUE(x_, a); KN_NAN64_OPAQUE(y_, b); return of_f64(expr); }
#define CONV(name, expr) static inline uint64_t kop_##name(uint64_t x) { return (uint64_t)(expr); }
#define BITS2(name, expr) static inline uint64_t kop_##name(uint64_t x, uint64_t y) { return (uint64_t)(expr); }
/* Trapping ones return the trap kind (0: none) and the result through r. */
#define IDIV(name, T, overflows, expr)                                                  \
    static inline int kop_##name(uint64_t x_, uint64_t y_, uint64_t *r) {               \
        T a = (T)x_, b = (T)y_;                                                         \
        if (b == 0) return KILN_TRAP_INTEGER_DIVIDE_BY_ZERO;                            \
        if (overflows) return KILN_TRAP_INTEGER_OVERFLOW;                               \
        *r = (T)(expr);                                                                 \
        return 0;                                                                       \
    }                                                                                   \
    /* For a divisor known not to trap (gen.c: a counted loop's entry test). */         \
    static inline uint64_t kopu_##name(uint64_t x_, uint64_t y_) {                      \
        T a = (T)x_, b = (T)y_;                                                         \
        return (T)(expr);                                                               \
    }
#define TRUNC(name, FT, of, lo_ok, hi_ok, conv)                                         \
    static inline int kop_##name(uint64_t x_, uint64_t *r) {                            \
        FT x = of(x_);                                                                  \
        if (x != x) return KILN_TRAP_INVALID_CONVERSION;                                \
        if (!(lo_ok && hi_ok)) return KILN_TRAP_INTEGER_OVERFLOW;                       \
        *r = conv;                                                                      \
        return 0;                                                                       \
    }
#include "engine/ops_scalar.def"

/* ------------------------------------------------------------ memory */
#define LOADOP(name, T, conv) static inline uint64_t kop_##name(const uint8_t *p_) { T v_; memcpy(&v_, p_, sizeof v_); return conv; }
#define STOREOP(name, T) static inline void kop_##name(uint8_t *p_, uint64_t x_) { T v_ = (T)x_; memcpy(p_, &v_, sizeof v_); }
#include "engine/ops_mem.def"

/* ------------------------------------------------------------ v128 */
#define SIMD_UN(name, expr) static inline v128 kop_##name(v128 a) { return (expr); }
#define SIMD_BIN(name, expr) static inline v128 kop_##name(v128 a, v128 b) { return (expr); }
#define SIMD_TERN(name, expr) static inline v128 kop_##name(v128 a, v128 b, v128 c) { return (expr); }
#define SIMD_TEST(name, expr) static inline uint64_t kop_##name(v128 a) { return (uint32_t)(expr); }
#define SIMD_SHIFT(name, fn, mask)                                                      \
    static inline v128 kop_##name(v128 a, uint64_t c_) { unsigned n = (uint32_t)c_ & (mask); return fn(a, n); } \
    static inline v128 kop_##name##_k(v128 a, uint32_t n) { return fn(a, n); }
#define VCMP(name, VT, op) SIMD_BIN(name, (v128)((VT)a op (VT)b))
#define SPLAT(name, expr) static inline v128 kop_##name(uint64_t x) { uint64_t s_ = (expr); return (v128){s_, s_}; }
#define EXTRACT(name, T, conv)                                                          \
    static inline uint64_t kop_##name(v128 v, uint32_t lane) {                          \
        T x_; memcpy(&x_, (const uint8_t *)&v + (size_t)lane * sizeof x_, sizeof x_); return (conv); }
#define REPLACE(name, T)                                                                \
    static inline v128 kop_##name(v128 v, uint64_t s, uint32_t lane) {                  \
        T x_ = (T)s; memcpy((uint8_t *)&v + (size_t)lane * sizeof x_, &x_, sizeof x_); return v; }
#include "engine/ops_simd.def"

#define VLOAD(name, n, expr) static inline v128 kop_##name(const uint8_t *p_) { return (expr); }
#define VLOAD_LANE(name, T)                                                             \
    static inline v128 kop_##name(const uint8_t *p_, v128 v, uint32_t lane) {           \
        T x_; memcpy(&x_, p_, sizeof x_); memcpy((uint8_t *)&v + (size_t)lane * sizeof x_, &x_, sizeof x_); return v; }
#define VSTORE(name, n) static inline void kop_##name(uint8_t *p_, v128 v) { v_st_mem(p_, v); }
#define VSTORE_LANE(name, T)                                                            \
    static inline void kop_##name(uint8_t *p_, v128 v, uint32_t lane) {                 \
        memcpy(p_, (const uint8_t *)&v + (size_t)lane * sizeof(T), sizeof(T)); }
#include "engine/ops_simd_mem.def"

/* Unchecked accesses (guard pages). A fault must name its access, and an
 * access whose value is never used must still fault.
 *
 * On x86-64 each access is one volatile asm instruction whose address goes
 * into the section kn_sites beside the access's register-code position
 * (abi.h): nothing runs per access beyond the access itself, and the signal
 * handler's faulting pc finds the position (rt.c). volatile: the C compiler
 * neither drops, merges nor speculates an access, and keeps them in order.
 * The "m"(ex->fsp) operand orders each access after the frame push and
 * before the pop around it, so the faulting frame is the access's own.
 * The bytes are loaded raw (zero-extended) and the .def row's conversion
 * runs on them in C.
 *
 * Elsewhere a store of the position into ex->native_site precedes the
 * access (volatile, so two of them are never merged), and an empty asm
 * keeps an unused value needed so that the load is not dropped. */
#define KN_FORCE(v) __asm__("" ::"r"(v))
#define KN_FORCE_V(v) __asm__("" ::"x"(v))
typedef v128 kn_v128u __attribute__((aligned(1)));
#if defined(__x86_64__)
#define KN_SITE_ENTRY "\n\t.pushsection kn_sites,\"a\",@progbits\n\t.balign 4\n\t.long 1b - ., %c2\n\t.popsection"
#define KN_LD_(ins, v, p, T, at) \
    __asm__ volatile("1:\t" ins KN_SITE_ENTRY : "=r"(v) : "m"(*(const T *)(p)), "i"(at), "m"(ex->fsp))
#define KN_ST_(ins, p, x, T, at) \
    __asm__ volatile("1:\t" ins KN_SITE_ENTRY : "=m"(*(T *)(p)) : "r"(x), "i"(at), "m"(ex->fsp))
/* The C compiler cannot see that a zero-extending load leaves the high
 * bits clear: saying so spares a zero-extension before the value's next use
 * (as an address above all). */
#define KN_LDZ_(ins, v, p, T, at, max) \
    do { KN_LD_(ins, v, p, T, at); if ((v) > (max)) __builtin_unreachable(); } while (0)
#define KN_LD1(v, p, at) KN_LDZ_("movzbl %1, %k0", v, p, uint8_t, at, 0xffu)
#define KN_LD2(v, p, at) KN_LDZ_("movzwl %1, %k0", v, p, uint16_t, at, 0xffffu)
#define KN_LD4(v, p, at) KN_LDZ_("movl %1, %k0", v, p, uint32_t, at, 0xffffffffu)
#define KN_LD8(v, p, at) KN_LD_("movq %1, %q0", v, p, uint64_t, at)
#define KN_LD16(v, p, at) \
    __asm__ volatile("1:\tmovdqu %1, %0" KN_SITE_ENTRY : "=x"(v) : "m"(*(const kn_v128u *)(p)), "i"(at), "m"(ex->fsp))
/* Sign-extending loads, straight into the slot: one instruction where the
 * raw bytes and a conversion would take two (kop_load_*s computes the same
 * value from the bytes: the other branch below). */
#define KN_LDS_load_i32_8s(v, p, at) KN_LDZ_("movsbl %1, %k0", v, p, int8_t, at, 0xffffffffu)
#define KN_LDS_load_i32_16s(v, p, at) KN_LDZ_("movswl %1, %k0", v, p, int16_t, at, 0xffffffffu)
#define KN_LDS_load_i64_8s(v, p, at) KN_LD_("movsbq %1, %q0", v, p, int8_t, at)
#define KN_LDS_load_i64_16s(v, p, at) KN_LD_("movswq %1, %q0", v, p, int16_t, at)
#define KN_LDS_load_i64_32s(v, p, at) KN_LD_("movslq %1, %q0", v, p, int32_t, at)
#define KN_ST1(p, x, at) KN_ST_("movb %b1, %0", p, x, uint8_t, at)
#define KN_ST2(p, x, at) KN_ST_("movw %w1, %0", p, x, uint16_t, at)
#define KN_ST4(p, x, at) KN_ST_("movl %k1, %0", p, x, uint32_t, at)
#define KN_ST8(p, x, at) KN_ST_("movq %q1, %0", p, x, uint64_t, at)
#define KN_ST16(p, v, at) \
    __asm__ volatile("1:\tmovdqu %1, %0" KN_SITE_ENTRY : "=m"(*(kn_v128u *)(p)) : "x"(v), "i"(at), "m"(ex->fsp))
/* The same bytes through an SSE register, for values used as floats (gen.c
 * picks them), so that they do not pass through a general register. */
#define KN_LDF4(v, p, at) \
    __asm__ volatile("1:\tmovss %1, %0" KN_SITE_ENTRY : "=x"(v) : "m"(*(const uint32_t *)(p)), "i"(at), "m"(ex->fsp))
#define KN_LDF8(v, p, at) \
    __asm__ volatile("1:\tmovsd %1, %0" KN_SITE_ENTRY : "=x"(v) : "m"(*(const uint64_t *)(p)), "i"(at), "m"(ex->fsp))
#define KN_STF4(p, x, at) \
    __asm__ volatile("1:\tmovss %1, %0" KN_SITE_ENTRY : "=m"(*(uint32_t *)(p)) : "x"(x), "i"(at), "m"(ex->fsp))
#define KN_STF8(p, x, at) \
    __asm__ volatile("1:\tmovsd %1, %0" KN_SITE_ENTRY : "=m"(*(uint64_t *)(p)) : "x"(x), "i"(at), "m"(ex->fsp))
extern const int32_t __start_kn_sites[] __attribute__((weak, visibility("hidden")));
extern const int32_t __stop_kn_sites[] __attribute__((weak, visibility("hidden")));
#define KN_SITES_START __start_kn_sites
#define KN_SITES_END __stop_kn_sites
#else
#define KN_SITE_(at) (*(volatile uint32_t *)&ex->native_site = (at))
#define KN_LD_(v, p, T, at) do { KN_SITE_(at); T t_; memcpy(&t_, (p), sizeof t_); (v) = t_; KN_FORCE(v); } while (0)
#define KN_LD1(v, p, at) KN_LD_(v, p, uint8_t, at)
#define KN_LD2(v, p, at) KN_LD_(v, p, uint16_t, at)
#define KN_LD4(v, p, at) KN_LD_(v, p, uint32_t, at)
#define KN_LD8(v, p, at) KN_LD_(v, p, uint64_t, at)
#define KN_LD16(v, p, at) do { KN_SITE_(at); memcpy(&(v), (p), 16); KN_FORCE_V(v); } while (0)
#define KN_LDS_(op, n, v, p, at) do { uint64_t w_; KN_LD##n(w_, p, at); (v) = kop_##op((const uint8_t *)&w_); } while (0)
#define KN_LDS_load_i32_8s(v, p, at) KN_LDS_(load_i32_8s, 1, v, p, at)
#define KN_LDS_load_i32_16s(v, p, at) KN_LDS_(load_i32_16s, 2, v, p, at)
#define KN_LDS_load_i64_8s(v, p, at) KN_LDS_(load_i64_8s, 1, v, p, at)
#define KN_LDS_load_i64_16s(v, p, at) KN_LDS_(load_i64_16s, 2, v, p, at)
#define KN_LDS_load_i64_32s(v, p, at) KN_LDS_(load_i64_32s, 4, v, p, at)
#define KN_ST_(p, x, T, at) do { KN_SITE_(at); T t_ = (T)(x); memcpy((p), &t_, sizeof t_); } while (0)
#define KN_ST1(p, x, at) KN_ST_(p, x, uint8_t, at)
#define KN_ST2(p, x, at) KN_ST_(p, x, uint16_t, at)
#define KN_ST4(p, x, at) KN_ST_(p, x, uint32_t, at)
#define KN_ST8(p, x, at) KN_ST_(p, x, uint64_t, at)
#define KN_ST16(p, v, at) do { KN_SITE_(at); v128 t_ = (v); memcpy((p), &t_, 16); } while (0)
#define KN_LDF4(v, p, at) do { KN_SITE_(at); memcpy(&(v), (p), 4); KN_FORCE_V(v); } while (0)
#define KN_LDF8(v, p, at) do { KN_SITE_(at); memcpy(&(v), (p), 8); KN_FORCE_V(v); } while (0)
#define KN_STF4(p, x, at) do { KN_SITE_(at); float t_ = (x); memcpy((p), &t_, 4); } while (0)
#define KN_STF8(p, x, at) do { KN_SITE_(at); double t_ = (x); memcpy((p), &t_, 8); } while (0)
#define KN_SITES_START ((const int32_t *)0)
#define KN_SITES_END ((const int32_t *)0)
#endif

/* The stack pointer, for the native stack check at each function's entry
 * (gen.c). Read with an asm rather than __builtin_frame_address(0), which
 * makes the C compiler keep a frame pointer: that is one general register
 * fewer in every generated function (CoreMark ran 6.5% faster without it).
 * The check is no weaker: the stack pointer is at or below the frame. */
#if defined(__x86_64__)
#define KN_SP() __extension__({ char *sp_; __asm__("mov %%rsp, %0" : "=r"(sp_)); sp_; })
#elif defined(__aarch64__)
#define KN_SP() __extension__({ char *sp_; __asm__("mov %0, sp" : "=r"(sp_)); sp_; })
#else
#define KN_SP() ((char *)__builtin_frame_address(0))
#endif

/* A poll (knat_helpers.poll). On x86-64 through kiln's trampoline
 * (poll_regs, x86.c), which keeps every register but rax: the asm says so,
 * and the values live across the poll stay where they are, in caller-saved
 * registers too. A poll is rare (when fuel crosses the limit, about every
 * million units); this spares the pushes and spills around it in every
 * function with a loop. The call steps over the red zone (128 bytes below
 * the stack pointer, which the C compiler may use in a function that makes
 * no call it can see). The fuel in rcx, as native_poll takes it. */
#if defined(__x86_64__)
#define KN_POLL(pc_, fuel_) __extension__({                                                  \
    int64_t r_;                                                                             \
    __asm__ volatile("leaq -128(%%rsp), %%rsp\n\tcall *%5\n\tleaq 128(%%rsp), %%rsp"         \
                     : "=a"(r_)                                                             \
                     : "D"(ex), "S"(inst), "d"(pc_), "c"(fuel_), "r"(H->poll_regs)          \
                     : "memory", "cc");                                                     \
    r_; })
#else
#define KN_POLL(pc_, fuel_) H->poll(ex, inst, (pc_), (fuel_))
#endif

/* The fuel left, in a function that keeps it as fr above the limit in
 * ex->native_lim (gen.c, abi.h). */
#define KN_FUEL (fr + ex->native_lim)

/* Slot pairs <-> v128 */
#define KV(lo, hi) ((v128){(lo), (hi)})

#endif
