;; wast2json: --enable-relaxed-simd
;; oracle: none (relaxed SIMD lets each engine choose among results; these are kiln's documented, deterministic choices: docs/ARCHITECTURE.md, "Relaxed SIMD")
;; Relaxed SIMD (Wasm 3.0) where the permitted results differ, so that a
;; change of kiln's choice (or a tier choosing differently) shows: swizzle
;; as i8x16.swizzle, trunc as trunc_sat, madd/nmadd rounded twice (no fused
;; multiply-add), laneselect as bitselect, min/max as f32x4.min/max,
;; q15mulr as q15mulr_sat_s, the dot products signed x signed, wrapping.
;; wabt 1.0.32 names the two dot products without "relaxed_".

(module
  (func (export "swizzle") (param v128 v128) (result v128) (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
  (func (export "trunc_s") (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_s (local.get 0)))
  (func (export "trunc_u") (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_u (local.get 0)))
  (func (export "trunc_s_zero") (param v128) (result v128) (i32x4.relaxed_trunc_f64x2_s_zero (local.get 0)))
  (func (export "madd32") (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "nmadd32") (param v128 v128 v128) (result v128) (f32x4.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "madd64") (param v128 v128 v128) (result v128) (f64x2.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect8") (param v128 v128 v128) (result v128) (i8x16.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect32") (param v128 v128 v128) (result v128) (i32x4.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "min32") (param v128 v128) (result v128) (f32x4.relaxed_min (local.get 0) (local.get 1)))
  (func (export "max64") (param v128 v128) (result v128) (f64x2.relaxed_max (local.get 0) (local.get 1)))
  (func (export "q15mulr") (param v128 v128) (result v128) (i16x8.relaxed_q15mulr_s (local.get 0) (local.get 1)))
  (func (export "dot") (param v128 v128) (result v128) (i16x8.dot_i8x16_i7x16_s (local.get 0) (local.get 1)))
  (func (export "dot_add") (param v128 v128 v128) (result v128) (i32x4.dot_i8x16_i7x16_add_s (local.get 0) (local.get 1) (local.get 2))))

;; An index of 16 and above gives 0 (x86's pshufb would use its low bits).
(assert_return (invoke "swizzle" (v128.const i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25)
                                 (v128.const i8x16 0 15 16 17 31 32 127 128 255 1 2 3 4 5 6 7))
               (v128.const i8x16 10 25 0 0 0 0 0 0 0 11 12 13 14 15 16 17))
;; NaN gives 0 and out of range saturates (cvttps2dq would give 0x80000000).
(assert_return (invoke "trunc_s" (v128.const f32x4 nan 3e10 -3e10 -1.5))
               (v128.const i32x4 0 0x7fffffff 0x80000000 -1))
(assert_return (invoke "trunc_u" (v128.const f32x4 nan 5e9 -1.5 1.5))
               (v128.const i32x4 0 0xffffffff 0 1))
(assert_return (invoke "trunc_s_zero" (v128.const f64x2 nan -3e10))
               (v128.const i32x4 0 0x80000000 0 0))
;; (1 + 2^-23)^2 - (1 + 2^-22): 0 when the product is rounded first, 2^-46
;; with a fused multiply-add.
(assert_return (invoke "madd32" (v128.const i32x4 0x3f800001 0x3f800000 0 0)
                                (v128.const i32x4 0x3f800001 0x40000000 0 0)
                                (v128.const i32x4 0xbf800002 0x3f800000 0 0))
               (v128.const f32x4 0 3 0 0))
(assert_return (invoke "nmadd32" (v128.const i32x4 0x3f800001 0x3f800000 0 0)
                                 (v128.const i32x4 0x3f800001 0x40000000 0 0)
                                 (v128.const i32x4 0x3f800002 0x3f800000 0 0))
               (v128.const f32x4 0 -1 0 0))
(assert_return (invoke "madd64" (v128.const i64x2 0x3ff0000000000001 0)
                                (v128.const i64x2 0x3ff0000000000001 0)
                                (v128.const i64x2 0xbff0000000000002 0))
               (v128.const f64x2 0 0))
;; A mask that is not all ones or all zeros per lane selects bit by bit.
(assert_return (invoke "laneselect8" (v128.const i8x16 0xff 0xff 0xff 0xff 0 0 0 0 0 0 0 0 0 0 0 0)
                                     (v128.const i8x16 0 0 0 0 0xff 0xff 0xff 0xff 0 0 0 0 0 0 0 0)
                                     (v128.const i8x16 0x0f 0x80 0x7f 0xff 0x0f 0x80 0x7f 0xff 0 0 0 0 0 0 0 0))
               (v128.const i8x16 0x0f 0x80 0x7f 0xff 0xf0 0x7f 0x80 0 0 0 0 0 0 0 0 0))
(assert_return (invoke "laneselect32" (v128.const i32x4 0xaaaaaaaa 0 0 0)
                                      (v128.const i32x4 0x55555555 0 0 0)
                                      (v128.const i32x4 0xffff0000 0 0 0))
               (v128.const i32x4 0xaaaa5555 0 0 0))
;; NaN from either side, and -0 below +0 (minps would return its second operand).
(assert_return (invoke "min32" (v128.const f32x4 nan 1 0 -0) (v128.const f32x4 1 nan -0 0))
               (v128.const f32x4 nan:canonical nan:canonical -0 -0))
(assert_return (invoke "max64" (v128.const f64x2 0 -0) (v128.const f64x2 -0 0))
               (v128.const f64x2 0 0))
;; -32768 * -32768 saturates to 32767 (pmulhrsw gives -32768).
(assert_return (invoke "q15mulr" (v128.const i16x8 -32768 16384 -32768 0 0 0 0 0)
                                 (v128.const i16x8 -32768 16384 32767 0 0 0 0 0))
               (v128.const i16x8 32767 8192 -32767 0 0 0 0 0))
;; Second operands past i7: signed x signed, sums wrap (pmaddubsw would take
;; them as unsigned and saturate).
(assert_return (invoke "dot" (v128.const i8x16 -128 -128 -128 -127 1 2 0 0 0 0 0 0 0 0 0 0)
                             (v128.const i8x16 -128 -128 -127 -127 -1 -2 0 0 0 0 0 0 0 0 0 0))
               (v128.const i16x8 -32768 32385 -5 0 0 0 0 0))
(assert_return (invoke "dot_add" (v128.const i8x16 -128 -128 -128 -128 1 2 3 4 0 0 0 0 0 0 0 0)
                                 (v128.const i8x16 -128 -128 -128 -128 -1 -1 -1 -1 0 0 0 0 0 0 0 0)
                                 (v128.const i32x4 0x7fffffff 10 0 -1))
               (v128.const i32x4 0x8000ffff 0 0 -1))
