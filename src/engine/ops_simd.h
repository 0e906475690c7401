/*
 * ops_simd.h — the v128 (SIMD) part of kiln's instruction set, appended to
 * KILN_OPS in ops.h. Same conventions: X(name, operand units); a v128 value
 * occupies two consecutive 64-bit slots, and a slot operand names the first.
 *
 * Layouts (d = destination, a/b/c = sources, k = immediate):
 *   loads        d a k          a = address slot, k = offset
 *   lane loads   d a k b l      b = the vector to insert into, l = lane
 *   stores       a b k          a = address, b = value
 *   lane stores  a b k l
 *   unary        d a            binary d a b      bitselect d a b c
 *   shifts       d a b          b = an i32 count; the _k forms: d a k
 *   splat        d a            a = a scalar slot
 *   extract      d a l          replace d a b l   (b = the scalar)
 *   shuffle      d a b + 4 units holding the 16 lane indexes (< 32); its
 *                faster forms are described beside them
 * Names follow wasm's, with '.' as '_'. f32x4 and f64x2 splat, extract and
 * replace share the integer ops of their width (they move bits).
 */
#ifndef KILN_ENGINE_OPS_SIMD_H
#define KILN_ENGINE_OPS_SIMD_H

/* Memory accesses: each has a bounds-checked twin (prefix c) for
 * kiln_config.explicit_bounds_checks, in the same order. Loads first
 * (through v128_load64_lane), then stores. */
#define KILN_SIMD_MEM_OPS(X, P)                                                      \
    X(P##v128_load, 3) X(P##v128_load8x8_s, 3) X(P##v128_load8x8_u, 3)               \
    X(P##v128_load16x4_s, 3) X(P##v128_load16x4_u, 3) X(P##v128_load32x2_s, 3)       \
    X(P##v128_load32x2_u, 3) X(P##v128_load8_splat, 3) X(P##v128_load16_splat, 3)    \
    X(P##v128_load32_splat, 3) X(P##v128_load64_splat, 3) X(P##v128_load32_zero, 3)  \
    X(P##v128_load64_zero, 3) X(P##v128_load8_lane, 5) X(P##v128_load16_lane, 5)     \
    X(P##v128_load32_lane, 5) X(P##v128_load64_lane, 5)                              \
    X(P##v128_store, 3) X(P##v128_store8_lane, 4) X(P##v128_store16_lane, 4)         \
    X(P##v128_store32_lane, 4) X(P##v128_store64_lane, 4)

#define KILN_SIMD_OPS(X)                                                             \
    KILN_SIMD_MEM_OPS(X, )                                                           \
    KILN_SIMD_MEM_OPS(X, c)                                                          \
    KILN_SIMD_MEM_OPS(X, x)                                                          \
    X(global_get128, 2) X(global_set128, 2) /* d index / index a */                  \
    X(i8x16_shuffle, 7) X(i8x16_swizzle, 3)                                          \
    /* shuffle forms the compiler picks: whole 32-bit lanes (k: four       \
     * selectors 0..7 over a's lanes then b's); pshufb with two masks */    \
    X(i32x4_shuffle, 4) X(i8x16_shuffle_pshufb, 11) X(i8x16_swizzle_pshufb, 3)       \
    X(i8x16_splat, 2) X(i16x8_splat, 2) X(i32x4_splat, 2) X(i64x2_splat, 2)          \
    X(i8x16_extract_lane_s, 3) X(i8x16_extract_lane_u, 3)                            \
    X(i16x8_extract_lane_s, 3) X(i16x8_extract_lane_u, 3)                            \
    X(i32x4_extract_lane, 3) X(i64x2_extract_lane, 3)                                \
    X(i8x16_replace_lane, 4) X(i16x8_replace_lane, 4)                                \
    X(i32x4_replace_lane, 4) X(i64x2_replace_lane, 4)                                \
    /* comparisons, in wasm's order */                                               \
    X(i8x16_eq, 3) X(i8x16_ne, 3) X(i8x16_lt_s, 3) X(i8x16_lt_u, 3)                  \
    X(i8x16_gt_s, 3) X(i8x16_gt_u, 3) X(i8x16_le_s, 3) X(i8x16_le_u, 3)              \
    X(i8x16_ge_s, 3) X(i8x16_ge_u, 3)                                                \
    X(i16x8_eq, 3) X(i16x8_ne, 3) X(i16x8_lt_s, 3) X(i16x8_lt_u, 3)                  \
    X(i16x8_gt_s, 3) X(i16x8_gt_u, 3) X(i16x8_le_s, 3) X(i16x8_le_u, 3)              \
    X(i16x8_ge_s, 3) X(i16x8_ge_u, 3)                                                \
    X(i32x4_eq, 3) X(i32x4_ne, 3) X(i32x4_lt_s, 3) X(i32x4_lt_u, 3)                  \
    X(i32x4_gt_s, 3) X(i32x4_gt_u, 3) X(i32x4_le_s, 3) X(i32x4_le_u, 3)              \
    X(i32x4_ge_s, 3) X(i32x4_ge_u, 3)                                                \
    X(f32x4_eq, 3) X(f32x4_ne, 3) X(f32x4_lt, 3) X(f32x4_gt, 3) X(f32x4_le, 3)       \
    X(f32x4_ge, 3)                                                                   \
    X(f64x2_eq, 3) X(f64x2_ne, 3) X(f64x2_lt, 3) X(f64x2_gt, 3) X(f64x2_le, 3)       \
    X(f64x2_ge, 3)                                                                   \
    X(i64x2_eq, 3) X(i64x2_ne, 3) X(i64x2_lt_s, 3) X(i64x2_gt_s, 3)                  \
    X(i64x2_le_s, 3) X(i64x2_ge_s, 3)                                                \
    /* bitwise */                                                                    \
    X(v128_not, 2) X(v128_and, 3) X(v128_andnot, 3) X(v128_or, 3) X(v128_xor, 3)     \
    X(v128_bitselect, 4) X(v128_any_true, 2)                                         \
    /* i8x16 */                                                                      \
    X(i8x16_abs, 2) X(i8x16_neg, 2) X(i8x16_popcnt, 2) X(i8x16_all_true, 2)          \
    X(i8x16_bitmask, 2) X(i8x16_narrow_i16x8_s, 3) X(i8x16_narrow_i16x8_u, 3)        \
    X(i8x16_shl, 3) X(i8x16_shr_s, 3) X(i8x16_shr_u, 3)                              \
    X(i8x16_shl_k, 3) X(i8x16_shr_s_k, 3) X(i8x16_shr_u_k, 3)                        \
    X(i8x16_add, 3) X(i8x16_add_sat_s, 3) X(i8x16_add_sat_u, 3) X(i8x16_sub, 3)      \
    X(i8x16_sub_sat_s, 3) X(i8x16_sub_sat_u, 3) X(i8x16_min_s, 3)                    \
    X(i8x16_min_u, 3) X(i8x16_max_s, 3) X(i8x16_max_u, 3) X(i8x16_avgr_u, 3)         \
    /* i16x8 */                                                                      \
    X(i16x8_extadd_pairwise_i8x16_s, 2) X(i16x8_extadd_pairwise_i8x16_u, 2)          \
    X(i16x8_abs, 2) X(i16x8_neg, 2) X(i16x8_q15mulr_sat_s, 3) X(i16x8_all_true, 2)   \
    X(i16x8_bitmask, 2) X(i16x8_narrow_i32x4_s, 3) X(i16x8_narrow_i32x4_u, 3)        \
    X(i16x8_extend_low_i8x16_s, 2) X(i16x8_extend_high_i8x16_s, 2)                   \
    X(i16x8_extend_low_i8x16_u, 2) X(i16x8_extend_high_i8x16_u, 2)                   \
    X(i16x8_shl, 3) X(i16x8_shr_s, 3) X(i16x8_shr_u, 3)                              \
    X(i16x8_shl_k, 3) X(i16x8_shr_s_k, 3) X(i16x8_shr_u_k, 3)                        \
    X(i16x8_add, 3) X(i16x8_add_sat_s, 3) X(i16x8_add_sat_u, 3) X(i16x8_sub, 3)      \
    X(i16x8_sub_sat_s, 3) X(i16x8_sub_sat_u, 3) X(i16x8_mul, 3) X(i16x8_min_s, 3)    \
    X(i16x8_min_u, 3) X(i16x8_max_s, 3) X(i16x8_max_u, 3) X(i16x8_avgr_u, 3)         \
    X(i16x8_extmul_low_i8x16_s, 3) X(i16x8_extmul_high_i8x16_s, 3)                   \
    X(i16x8_extmul_low_i8x16_u, 3) X(i16x8_extmul_high_i8x16_u, 3)                   \
    /* i32x4 */                                                                      \
    X(i32x4_extadd_pairwise_i16x8_s, 2) X(i32x4_extadd_pairwise_i16x8_u, 2)          \
    X(i32x4_abs, 2) X(i32x4_neg, 2) X(i32x4_all_true, 2) X(i32x4_bitmask, 2)         \
    X(i32x4_extend_low_i16x8_s, 2) X(i32x4_extend_high_i16x8_s, 2)                   \
    X(i32x4_extend_low_i16x8_u, 2) X(i32x4_extend_high_i16x8_u, 2)                   \
    X(i32x4_shl, 3) X(i32x4_shr_s, 3) X(i32x4_shr_u, 3)                              \
    X(i32x4_shl_k, 3) X(i32x4_shr_s_k, 3) X(i32x4_shr_u_k, 3)                        \
    X(i32x4_add, 3) X(i32x4_sub, 3) X(i32x4_mul, 3) X(i32x4_min_s, 3)                \
    X(i32x4_min_u, 3) X(i32x4_max_s, 3) X(i32x4_max_u, 3) X(i32x4_dot_i16x8_s, 3)    \
    X(i32x4_extmul_low_i16x8_s, 3) X(i32x4_extmul_high_i16x8_s, 3)                   \
    X(i32x4_extmul_low_i16x8_u, 3) X(i32x4_extmul_high_i16x8_u, 3)                   \
    /* i64x2 */                                                                      \
    X(i64x2_abs, 2) X(i64x2_neg, 2) X(i64x2_all_true, 2) X(i64x2_bitmask, 2)         \
    X(i64x2_extend_low_i32x4_s, 2) X(i64x2_extend_high_i32x4_s, 2)                   \
    X(i64x2_extend_low_i32x4_u, 2) X(i64x2_extend_high_i32x4_u, 2)                   \
    X(i64x2_shl, 3) X(i64x2_shr_s, 3) X(i64x2_shr_u, 3)                              \
    X(i64x2_shl_k, 3) X(i64x2_shr_s_k, 3) X(i64x2_shr_u_k, 3)                        \
    X(i64x2_add, 3) X(i64x2_sub, 3) X(i64x2_mul, 3)                                  \
    X(i64x2_extmul_low_i32x4_s, 3) X(i64x2_extmul_high_i32x4_s, 3)                   \
    X(i64x2_extmul_low_i32x4_u, 3) X(i64x2_extmul_high_i32x4_u, 3)                   \
    /* f32x4, f64x2 */                                                               \
    X(f32x4_ceil, 2) X(f32x4_floor, 2) X(f32x4_trunc, 2) X(f32x4_nearest, 2)         \
    X(f32x4_abs, 2) X(f32x4_neg, 2) X(f32x4_sqrt, 2)                                 \
    X(f32x4_add, 3) X(f32x4_sub, 3) X(f32x4_mul, 3) X(f32x4_div, 3)                  \
    X(f32x4_min, 3) X(f32x4_max, 3) X(f32x4_pmin, 3) X(f32x4_pmax, 3)                \
    X(f64x2_ceil, 2) X(f64x2_floor, 2) X(f64x2_trunc, 2) X(f64x2_nearest, 2)         \
    X(f64x2_abs, 2) X(f64x2_neg, 2) X(f64x2_sqrt, 2)                                 \
    X(f64x2_add, 3) X(f64x2_sub, 3) X(f64x2_mul, 3) X(f64x2_div, 3)                  \
    X(f64x2_min, 3) X(f64x2_max, 3) X(f64x2_pmin, 3) X(f64x2_pmax, 3)                \
    /* conversions */                                                                \
    X(i32x4_trunc_sat_f32x4_s, 2) X(i32x4_trunc_sat_f32x4_u, 2)                      \
    X(f32x4_convert_i32x4_s, 2) X(f32x4_convert_i32x4_u, 2)                          \
    X(i32x4_trunc_sat_f64x2_s_zero, 2) X(i32x4_trunc_sat_f64x2_u_zero, 2)            \
    X(f64x2_convert_low_i32x4_s, 2) X(f64x2_convert_low_i32x4_u, 2)                  \
    X(f32x4_demote_f64x2_zero, 2) X(f64x2_promote_low_f32x4, 2)                      \
    /* relaxed SIMD (Wasm 3.0) beyond the ops whose deterministic choice    */       \
    /* is an existing one (compile_simd.inc maps those)                     */       \
    X(f32x4_relaxed_madd, 4) X(f32x4_relaxed_nmadd, 4)                               \
    X(f64x2_relaxed_madd, 4) X(f64x2_relaxed_nmadd, 4)                               \
    X(i16x8_relaxed_dot_i8x16_i7x16_s, 3) X(i32x4_relaxed_dot_i8x16_i7x16_add_s, 4)

#endif
