;; oracle: node
;; Deep recursion, past what wabt's spectest-interp allows (about 1000
;; nested calls), so this file's oracle is Node's V8
;; (tests/tools/node-spectest.mjs). kiln's default limit is 100,000 frames.

(module
  (func $sum (export "sum") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 0))
      (else (i64.add (local.get 0) (call $sum (i64.sub (local.get 0) (i64.const 1)))))))
  (func $even (export "even") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 1))
      (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))
  (func $odd (export "odd") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (call $even (i32.sub (local.get 0) (i32.const 1))))))
  ;; Each level keeps values on its stack across the call: they must be
  ;; intact when it returns.
  (func $keep (export "keep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else
        (i32.mul (local.get 0) (i32.const 3))
        (i32.xor (local.get 0) (i32.const 0x55))
        (call $keep (i32.sub (local.get 0) (i32.const 1)))
        (i32.add)
        (i32.xor))))
  (func $forever (export "forever") (param i32) (result i32)
    (i32.add (call $forever (local.get 0)) (i32.const 1)))
)

(assert_return (invoke "sum" (i64.const 5000)) (i64.const 12502500))
(assert_return (invoke "even" (i32.const 6001)) (i32.const 0))
(assert_return (invoke "odd" (i32.const 6001)) (i32.const 1))
(assert_return (invoke "keep" (i32.const 3)) (i32.const 247))
(assert_return (invoke "keep" (i32.const 4000)) (i32.const 8254592))
(assert_exhaustion (invoke "forever" (i32.const 0)) "call stack exhausted")
(assert_return (invoke "sum" (i64.const 5000)) (i64.const 12502500))
