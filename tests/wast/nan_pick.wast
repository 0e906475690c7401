;; wast2json: --enable-relaxed-simd
;; oracle: none (which NaN an operation on two NaNs returns is left open by the spec: this file holds kiln's choice)
;; kiln's rule (src/engine/arith.h): when both operands are NaNs, the
;; result is the first operand's NaN, quieted; when one is, that one's,
;; quieted. The same on both tiers, whatever order the C compiler would
;; put the operands of + and * in: the native suite runs this file on both
;; tiers. Operands come as parameters and as constants (which the native
;; tier's C compiler sees), in both orders, scalar and per v128 lane, and
;; through min/max and relaxed madd, whose NaN paths add.

(module
  (func (export "f64.mul") (param f64 f64) (result f64) (f64.mul (local.get 0) (local.get 1)))
  (func (export "f64.add") (param f64 f64) (result f64) (f64.add (local.get 0) (local.get 1)))
  (func (export "f32.mul") (param f32 f32) (result f32) (f32.mul (local.get 0) (local.get 1)))
  (func (export "f32.add") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (export "f64.min") (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
  (func (export "f32.max") (param f32 f32) (result f32) (f32.max (local.get 0) (local.get 1)))
  (func (export "f64.mul.consts") (result f64)
    (f64.mul (f64.const -nan:0xfffffffffffc1) (f64.const -nan:0xfffffffffffd8)))
  (func (export "f64.add.consts") (result f64)
    (f64.add (f64.const nan:0x1234) (f64.const -nan:0xfffffffffffd8)))
  (func (export "f32.mul.const.first") (param f32) (result f32)
    (f32.mul (f32.const -nan:0x7fffc1) (local.get 0)))
  (func (export "f32.add.const.second") (param f32) (result f32)
    (f32.add (local.get 0) (f32.const -nan:0x7fffd8)))
  (func (export "f32x4.mul") (param v128 v128) (result v128) (f32x4.mul (local.get 0) (local.get 1)))
  (func (export "f32x4.add") (param v128 v128) (result v128) (f32x4.add (local.get 0) (local.get 1)))
  (func (export "f64x2.mul") (param v128 v128) (result v128) (f64x2.mul (local.get 0) (local.get 1)))
  (func (export "f64x2.add") (param v128 v128) (result v128) (f64x2.add (local.get 0) (local.get 1)))
  (func (export "f64x2.relaxed_madd") (param v128 v128 v128) (result v128)
    (f64x2.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
)

;; Two NaNs: the first operand's, whichever it is.
(assert_return (invoke "f64.mul" (f64.const -nan:0xfffffffffffc1) (f64.const -nan:0xfffffffffffd8)) (f64.const -nan:0xfffffffffffc1))
(assert_return (invoke "f64.mul" (f64.const -nan:0xfffffffffffd8) (f64.const -nan:0xfffffffffffc1)) (f64.const -nan:0xfffffffffffd8))
(assert_return (invoke "f64.add" (f64.const nan:0x8000000000001) (f64.const -nan:0xfffffffffffd8)) (f64.const nan:0x8000000000001))
(assert_return (invoke "f64.add" (f64.const -nan:0xfffffffffffd8) (f64.const nan:0x8000000000001)) (f64.const -nan:0xfffffffffffd8))
(assert_return (invoke "f32.mul" (f32.const -nan:0x7fffc1) (f32.const -nan:0x7fffd8)) (f32.const -nan:0x7fffc1))
(assert_return (invoke "f32.mul" (f32.const -nan:0x7fffd8) (f32.const -nan:0x7fffc1)) (f32.const -nan:0x7fffd8))
(assert_return (invoke "f32.add" (f32.const nan:0x400001) (f32.const -nan:0x7fffd8)) (f32.const nan:0x400001))
(assert_return (invoke "f32.add" (f32.const -nan:0x7fffd8) (f32.const nan:0x400001)) (f32.const -nan:0x7fffd8))
;; Signaling NaNs are quieted: the first operand's, with the quiet bit set.
(assert_return (invoke "f64.mul" (f64.const nan:0x1) (f64.const -nan:0xfffffffffffd8)) (f64.const nan:0x8000000000001))
(assert_return (invoke "f32.add" (f32.const nan:0x1) (f32.const nan:0x2)) (f32.const nan:0x400001))
;; One NaN: that one, quieted, in either place.
(assert_return (invoke "f64.mul" (f64.const 2) (f64.const -nan:0xfffffffffffd8)) (f64.const -nan:0xfffffffffffd8))
(assert_return (invoke "f32.add" (f32.const nan:0x2) (f32.const 1)) (f32.const nan:0x400002))
;; min and max of two NaNs.
(assert_return (invoke "f64.min" (f64.const -nan:0xfffffffffffc1) (f64.const -nan:0xfffffffffffd8)) (f64.const -nan:0xfffffffffffc1))
(assert_return (invoke "f32.max" (f32.const -nan:0x7fffd8) (f32.const -nan:0x7fffc1)) (f32.const -nan:0x7fffd8))
;; Constants: what the C compiler knows does not change the answer.
(assert_return (invoke "f64.mul.consts") (f64.const -nan:0xfffffffffffc1))
(assert_return (invoke "f64.add.consts") (f64.const nan:0x8000000001234))
(assert_return (invoke "f32.mul.const.first" (f32.const -nan:0x7fffd8)) (f32.const -nan:0x7fffc1))
(assert_return (invoke "f32.add.const.second" (f32.const -nan:0x7fffc1)) (f32.const -nan:0x7fffc1))
;; Per lane.
(assert_return (invoke "f32x4.mul"
    (v128.const i32x4 0xffffffc1 0x7fc00001 1 0xffffffd8) (v128.const i32x4 0xffffffd8 0xffffffd8 0x7fc00005 0xffffffc1))
  (v128.const i32x4 0xffffffc1 0x7fc00001 0x7fc00005 0xffffffd8))
(assert_return (invoke "f32x4.add"
    (v128.const i32x4 0xffffffd8 0x7fc00001 0x7f800001 0) (v128.const i32x4 0xffffffc1 0xffffffd8 0xffffffd8 0xffffffc1))
  (v128.const i32x4 0xffffffd8 0x7fc00001 0x7fc00001 0xffffffc1))
(assert_return (invoke "f64x2.mul"
    (v128.const i64x2 0xffffffffffffffc1 0xffffffffffffffd8) (v128.const i64x2 0xffffffffffffffd8 0xffffffffffffffc1))
  (v128.const i64x2 0xffffffffffffffc1 0xffffffffffffffd8))
(assert_return (invoke "f64x2.add"
    (v128.const i64x2 0x7ff0000000000001 0x3ff0000000000000) (v128.const i64x2 0xffffffffffffffd8 0xffffffffffffffc1))
  (v128.const i64x2 0x7ff8000000000001 0xffffffffffffffc1))
;; relaxed madd: the product's NaN (its first operand's), then the add's
;; first operand: the product.
(assert_return (invoke "f64x2.relaxed_madd"
    (v128.const i64x2 0xffffffffffffffc1 0x3ff0000000000000) (v128.const i64x2 0xffffffffffffffd8 0x3ff0000000000000)
    (v128.const i64x2 0x7ff8000000000099 0x7ff8000000000077))
  (v128.const i64x2 0xffffffffffffffc1 0x7ff8000000000077))
