;; Exception handling, Wasm 3.0 encoding (try_table, throw_ref, exnref):
;; catch clauses to blocks, loops and the function's own label; catch_ref
;; and catch_all_ref; exnrefs kept in locals, globals and tables across
;; thousands of later throws (the store's collector must keep them, with
;; their payloads); throw_ref of a null exnref; tail calls out of a try_table.
;; convert: wast-binarize
;; oracle: none (Debian's wabt 1.0.32 and Node 20's V8 predate exnref; tests/suites/eh runs the official files)

(module
  (tag $e (param i32))
  (tag $pair (param i64 f64))
  (tag $none)
  (global $kept (mut exnref) (ref.null exn))
  (table $t 4 exnref)

  (func $throw (param i32) (throw $e (local.get 0)))

  ;; catch to a block: the payload is the block's result.
  (func (export "to-block") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $throw (local.get 0)))
      (i32.const -1)))

  ;; catch to the function's label: the payload is returned.
  (func (export "to-func") (param i32) (result i32)
    (try_table (catch $e 0) (call $throw (local.get 0)))
    (i32.const -1))

  ;; catch to a loop: the payload becomes the loop's parameter.
  (func (export "to-loop") (param i32) (result i32)
    (local $sum i32)
    (i32.const 0)
    (loop $l (param i32)
      (local.set $sum (i32.add (local.get $sum)))
      (if (i32.lt_u (local.get $sum) (local.get 0))
        (then (try_table (catch $e $l) (call $throw (i32.const 3))))))
    (local.get $sum))

  ;; catch_ref: payload and exnref; throw_ref rethrows the same payload.
  (func (export "catch-ref") (result i64 f64)
    (block $outer (result i64 f64)
      (try_table (catch $pair $outer)
        (block $h (result i64 f64 exnref)
          (try_table (catch_ref $pair $h) (throw $pair (i64.const -5) (f64.const 0.5)))
          (unreachable))
        (throw_ref)
        (drop) (drop))
      (unreachable)))

  ;; catch_all_ref, keeping the exception in a global and a table.
  (func (export "keep") (param i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (call $throw (local.get 0)))
      (unreachable))
    (global.set $kept)
    (table.set $t (i32.const 1)
      (block $h (result exnref)
        (try_table (catch_all_ref $h) (call $throw (i32.add (local.get 0) (i32.const 1))))
        (unreachable))))

  ;; Many throws and catches in between: the collector runs.
  (func (export "churn") (param i32) (result i32)
    (local $sum i32)
    (local $x exnref)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get 0)))
        (local.set $x
          (block $h (result exnref)
            (try_table (catch_all_ref $h) (call $throw (local.get 0)))
            (unreachable)))
        (local.set $sum (i32.add (local.get $sum)
          (block $c (result i32)
            (try_table (catch $e $c) (throw_ref (local.get $x)))
            (unreachable))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $again)))
    (local.get $sum))

  ;; The kept exceptions, thrown again: their payloads are intact.
  (func (export "rethrow-kept") (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw_ref (global.get $kept)))
      (i32.const -1)))
  (func (export "rethrow-table") (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw_ref (table.get $t (i32.const 1))))
      (i32.const -1)))

  (func (export "null") (throw_ref (ref.null exn)))
  (func (export "uncaught-ref")
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $none))
      (unreachable))
    (throw_ref))

  ;; A tail call leaves the try_table with its frame: not caught here.
  (func (export "tail") (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $e $h) (return_call $throw-i32 (i32.const 9)))))
  (func $throw-i32 (param i32) (result i32) (throw $e (local.get 0)))
)

(assert_return (invoke "to-block" (i32.const 42)) (i32.const 42))
(assert_return (invoke "to-func" (i32.const 43)) (i32.const 43))
(assert_return (invoke "to-loop" (i32.const 30)) (i32.const 30))
(assert_return (invoke "catch-ref") (i64.const -5) (f64.const 0.5))
(assert_return (invoke "keep" (i32.const 1000)))
(assert_return (invoke "churn" (i32.const 5000)) (i32.const 12502500))
(assert_return (invoke "rethrow-kept") (i32.const 1000))
(assert_return (invoke "rethrow-table") (i32.const 1001))
(assert_trap (invoke "null") "null exception reference")
(assert_exception (invoke "uncaught-ref"))
(assert_exception (invoke "tail"))
