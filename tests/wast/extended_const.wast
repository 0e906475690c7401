;; wast2json: --enable-extended-const
;; node: --experimental-wasm-extended-const
;; Extended constant expressions (Wasm 3.0): i32/i64 add, sub and mul in
;; global initialisers and segment offsets, over constants and imported
;; globals; 32-bit results wrap and stay zero-extended; the expressions
;; that do not type-check are refused.

(module $E
  (import "spectest" "global_i32" (global $base i32))   ;; 666
  (import "spectest" "global_i64" (global $base64 i64)) ;; 666
  (global $sum i32 (i32.add (global.get $base) (i32.const 10)))
  (global $wrap i32 (i32.add (i32.const 0x7fffffff) (i32.const 0x7fffffff)))
  (global $neg i32 (i32.sub (i32.const 0) (i32.const 1)))
  (global $poly i32 (i32.mul (i32.add (global.get $base) (i32.const 4)) (i32.sub (i32.const 10) (i32.const 7))))
  (global $big i64 (i64.mul (global.get $base64) (i64.const 0x100000000)))
  (global $under i64 (i64.sub (i64.const 0) (global.get $base64)))
  (memory 1)
  ;; 666 - 600 = 66: the byte lands at 66.
  (data (offset (i32.sub (global.get $base) (i32.const 600))) "\2a")
  (table 8 funcref)
  (elem (offset (i32.mul (i32.const 2) (i32.const 3))) $seven)
  (type $t (func (result i32)))
  (func $seven (result i32) (i32.const 7))

  (func (export "sum") (result i32) (global.get $sum))
  (func (export "wrap") (result i32) (global.get $wrap))
  (func (export "wrap-high-clear") (result i64) (i64.extend_i32_u (global.get $wrap)))
  (func (export "neg") (result i32) (global.get $neg))
  (func (export "poly") (result i32) (global.get $poly))
  (func (export "big") (result i64) (global.get $big))
  (func (export "under") (result i64) (global.get $under))
  (func (export "byte") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "slot") (param i32) (result i32) (call_indirect (type $t) (local.get 0))))

(assert_return (invoke "sum") (i32.const 676))
(assert_return (invoke "wrap") (i32.const -2))
(assert_return (invoke "wrap-high-clear") (i64.const 0xfffffffe))
(assert_return (invoke "neg") (i32.const -1))
(assert_return (invoke "poly") (i32.const 2010))
(assert_return (invoke "big") (i64.const 0x29a00000000))
(assert_return (invoke "under") (i64.const -666))
(assert_return (invoke "byte" (i32.const 66)) (i32.const 42))
(assert_return (invoke "byte" (i32.const 65)) (i32.const 0))
(assert_return (invoke "slot" (i32.const 6)) (i32.const 7))
(assert_trap (invoke "slot" (i32.const 5)) "uninitialized element")

;; An offset computed past the end is still caught at instantiation.
(assert_trap
  (module
    (import "spectest" "global_i32" (global $g i32))
    (memory 1)
    (data (offset (i32.mul (global.get $g) (i32.const 100))) "x"))
  "out of bounds memory access")

;; Operands of the wrong type, too few, too many, a non-constant operator.
(assert_invalid
  (module (global i32 (i32.add (i64.const 1) (i32.const 2))))
  "type mismatch")
(assert_invalid
  (module (global i64 (i64.mul (i64.const 1) (i32.const 2))))
  "type mismatch")
(assert_invalid
  (module (global i32 (i32.const 1) (i32.const 2)))
  "type mismatch")
(assert_invalid
  (module (global i64 (i32.add (i32.const 1) (i32.const 2))))
  "type mismatch")
(assert_invalid
  (module (global i32 (i32.div_u (i32.const 4) (i32.const 2))))
  "constant expression required")
(assert_invalid
  (module (memory 1) (data (offset (i64.add (i64.const 0) (i64.const 0))) ""))
  "type mismatch")
