/*
 * ops_simd.h — the v128 (SIMD) part of kiln's instruction set, appended to
 * KILN_OPS in ops.h. Same conventions: X(name, operand units); a v128 value
 * occupies two consecutive 64-bit slots, and a slot operand names the first.
 */
#ifndef KILN_ENGINE_OPS_SIMD_H
#define KILN_ENGINE_OPS_SIMD_H

#define KILN_SIMD_OPS(X) \
    X(simd_unsupported, 0)

#endif
