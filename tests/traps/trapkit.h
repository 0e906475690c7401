/* trapkit.h — shared by the trap corpus (tests/traps): inputs the compiler
 * cannot see through, and the native stand-ins for the few traps that only
 * WebAssembly has.
 *
 * Every program here is built twice: for wasm32-wasi (kiln runs it and must
 * report the trap) and natively with the same clang (gdb runs it and is the
 * oracle for the frames). So a program must trap at the same source line on
 * both. Where x86 has no such trap, the native build traps explicitly, with
 * __builtin_trap() on the SAME line as the wasm trap, guarded by a condition
 * the compiler cannot fold, so the surrounding code (and what is inlined into
 * what) stays as it is in the wasm build. */
#ifndef TRAPKIT_H
#define TRAPKIT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Values the optimiser must not know: a constant behind a volatile read
 * keeps each crash a runtime event (a visible null call or a division by a
 * literal 0 could be folded into something else). */
extern volatile int tk_zero, tk_one, tk_minus_one, tk_int_min;
extern volatile uintptr_t tk_wild;   /* far outside linear memory, unmapped natively */
extern volatile double tk_nan, tk_huge;

#ifdef __cplusplus
}
#endif

/* float -> int32. Wasm: i32.trunc_f64_s, which traps on NaN ("invalid
 * conversion") and out of range ("integer overflow"). clang's own (int)x
 * never traps on wasm (it range-checks first), hence the builtin. Natively
 * cvttsd2si returns 0x80000000 instead: the stand-in traps on the same
 * inputs. */
#ifdef __wasm__
#define TK_TRUNC_I32(x) __builtin_wasm_trunc_s_i32_f64(x)
#else
#define TK_TRUNC_I32(x)                                                      \
    (((x) != (x) || (x) >= 2147483648.0 || (x) <= -2147483649.0) ?           \
         (__builtin_trap(), 0) : (int)(x))
#endif

/* An indirect call through a pointer of the wrong type. Wasm's call_indirect
 * checks the signature and traps; natively the call just happens (undefined
 * behaviour, usually silent), so the stand-in traps first, on the same line,
 * when `mismatched` (which the program knows from its own records) holds.
 * Use as `(TK_SIGNATURE_CHECK(cond), fp(args))`. */
#ifdef __wasm__
#define TK_SIGNATURE_CHECK(mismatched) ((void)0)
#else
#define TK_SIGNATURE_CHECK(mismatched) ((mismatched) ? __builtin_trap() : (void)0)
#endif

#endif
