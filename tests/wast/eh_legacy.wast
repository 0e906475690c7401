;; Exception handling, legacy encoding (try/catch/catch_all/delegate/rethrow),
;; as clang-16 emits it for setjmp/longjmp and C++: payloads of every scalar
;; type, values below a try surviving a catch, exceptions through direct,
;; indirect and cross-module calls, rethrow of an outer exception from an
;; inner catch, delegate to outer tries and to the caller, and tags
;; compared by identity across modules.
;; wast2json: --enable-exceptions
;; oracle: node (wabt 1.0.32's spectest-interp aborts on its multi-value try)

(module $M
  (tag $shared (export "shared") (param i32))
  (func (export "throw-shared") (param i32) (throw $shared (local.get 0)))
)
(register "M" $M)

(module
  (import "M" "throw-shared" (func $throw-shared (param i32)))
  (tag $shared (import "M" "shared") (param i32))
  (tag $local (param i32))
  (tag $mixed (param i32 i64 f32 f64))
  (tag $empty)

  (type $v (func))
  (table funcref (elem $throw-empty $nothing))
  (func $throw-empty (throw $empty))
  (func $nothing)

  ;; The payload's four types arrive intact and in order.
  (func (export "mixed") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (try (result i32 i64 f32 f64)
      (do (throw $mixed (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
      (catch $mixed)))

  ;; Values on the operand stack below the try, and locals, are intact
  ;; after a catch two frames up.
  (func $deep (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (throw $local (i32.const 7))))
    (i32.add (call $deep (i32.sub (local.get 0) (i32.const 1))) (i32.const 1000)))
  (func (export "below") (param i32) (result i32)
    (local $k i32)
    (local.set $k (i32.const 40000))
    (i32.const 100)
    (i32.const 20)
    (try (result i32)
      (do (call $deep (local.get 0)))
      (catch $local (i32.add (local.get $k))))
    (i32.add)
    (i32.add))

  ;; An imported tag is the exporter's: caught by identity, not by type.
  (func (export "cross-module") (result i32)
    (try (result i32)
      (do (call $throw-shared (i32.const 5)) (i32.const 0))
      (catch $local (i32.const -1) (drop))
      (catch $shared (i32.const 100) (i32.add))))
  (func (export "same-type-other-tag") (result i32)
    (try (result i32)
      (do
        (try (result i32)
          (do (throw $local (i32.const 3)))
          (catch $shared (i32.const 1000) (i32.add))))
      (catch $local (i32.const 2000) (i32.add))))

  ;; Through call_indirect.
  (func (export "indirect") (param i32) (result i32)
    (try (result i32)
      (do (call_indirect (type $v) (local.get 0)) (i32.const 1))
      (catch $empty (i32.const 2))))

  ;; rethrow 1 from an inner catch rethrows the outer exception.
  (func (export "rethrow-outer") (result i32)
    (try (result i32)
      (do
        (try (result i32)
          (do (throw $local (i32.const 1)))
          (catch $local
            (drop)
            (try (result i32)
              (do (throw $local (i32.const 2)))
              (catch $local (drop) (rethrow 1))))))
      (catch $local (i32.const 10) (i32.add))))

  ;; catch_all then rethrow: the payload survives.
  (func (export "catch-all-rethrow") (result i32)
    (try (result i32)
      (do
        (try (result i32)
          (do (throw $local (i32.const 33)))
          (catch_all (rethrow 0))))
      (catch $local)))

  ;; delegate skips the tries between it and its label.
  (func (export "delegate-outer") (result i32)
    (try $outer (result i32)
      (do
        (try (result i32)
          (do
            (try (result i32)
              (do (throw $local (i32.const 4)))
              (delegate $outer)))
          (catch $local (i32.const 100) (i32.add))))
      (catch $local (i32.const 200) (i32.add))))
  (func $delegate-caller (result i32)
    (try (result i32)
      (do
        (try (result i32)
          (do (throw $local (i32.const 6)))
          (delegate 1)))
      (catch_all (i32.const -1))))
  (func (export "delegate-to-caller") (result i32)
    (try (result i32)
      (do (call $delegate-caller))
      (catch $local (i32.const 300) (i32.add))))

  ;; A loop that throws and catches many times.
  (func (export "loop") (param i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get 0)))
        (try
          (do (throw $local (local.get 0)))
          (catch $local (local.set $sum (i32.add (local.get $sum)))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $again)))
    (local.get $sum))

  (func (export "uncaught") (throw $local (i32.const 99)))
  (func (export "trap-not-caught") (result i32)
    (try (result i32)
      (do (unreachable))
      (catch_all (i32.const 1))))
)

(assert_return (invoke "mixed" (i32.const -1) (i64.const 0x123456789) (f32.const 1.5) (f64.const -2.25))
  (i32.const -1) (i64.const 0x123456789) (f32.const 1.5) (f64.const -2.25))
(assert_return (invoke "below" (i32.const 0)) (i32.const 40127))
(assert_return (invoke "below" (i32.const 5)) (i32.const 40127))
(assert_return (invoke "cross-module") (i32.const 105))
(assert_return (invoke "same-type-other-tag") (i32.const 2003))
(assert_return (invoke "indirect" (i32.const 0)) (i32.const 2))
(assert_return (invoke "indirect" (i32.const 1)) (i32.const 1))
(assert_return (invoke "rethrow-outer") (i32.const 11))
(assert_return (invoke "catch-all-rethrow") (i32.const 33))
(assert_return (invoke "delegate-outer") (i32.const 204))
(assert_return (invoke "delegate-to-caller") (i32.const 306))
(assert_return (invoke "loop" (i32.const 5000)) (i32.const 12502500))
(assert_exception (invoke "uncaught"))
(assert_trap (invoke "trap-not-caught") "unreachable")
(assert_exception (invoke $M "throw-shared" (i32.const 1)))
