;; Globals: every type with edge values (NaN payloads, -0, 64-bit patterns),
;; imported and exported, mutable ones shared between instances, globals in
;; constant expressions (initialisers, segment offsets), and import type
;; checking.

(module $G
  (import "spectest" "global_i32" (global $imp i32))
  (global $a (export "a") (mut i32) (i32.const -1))
  (global $b (export "b") (mut i64) (i64.const 0x8000000000000001))
  (global $c (export "c") (mut f32) (f32.const -0.0))
  (global $d (export "d") (mut f64) (f64.const -nan:0xfffffffffffff))
  (global $e (export "e") f32 (f32.const nan:0x1))
  (global $copy (export "copy") i32 (global.get $imp))
  (global $fr (mut funcref) (ref.func $f))
  (global $xr (mut externref) (ref.null extern))
  (memory 1)
  (data (offset (global.get $imp)) "\2a")
  (func $f (result i32) (i32.const 5))

  (func (export "get-a") (result i32) (global.get $a))
  (func (export "set-a") (param i32) (global.set $a (local.get 0)))
  (func (export "set-b") (param i64) (global.set $b (local.get 0)))
  (func (export "get-b") (result i64) (global.get $b))
  (func (export "set-c") (param f32) (global.set $c (local.get 0)))
  (func (export "get-c") (result f32) (global.get $c))
  (func (export "set-d") (param f64) (global.set $d (local.get 0)))
  (func (export "get-d") (result f64) (global.get $d))
  (func (export "get-e") (result f32) (global.get $e))
  (func (export "data-at-imp") (result i32) (i32.load8_u (global.get $imp)))
  ;; A global read, then written, then the old value used.
  (func (export "swap-a") (param i32) (result i32)
    (global.get $a)
    (global.set $a (local.get 0))
    (i32.sub (global.get $a)))
  ;; Increment in a loop: global.get/set as the loop state.
  (func (export "count-a") (param i32) (result i32)
    (global.set $a (i32.const 0))
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (global.get $a) (local.get 0)))
        (global.set $a (i32.add (global.get $a) (i32.const 1)))
        (br $l)))
    (global.get $a))
  (func (export "fr-null") (result i32) (ref.is_null (global.get $fr)))
  (func (export "fr-clear") (global.set $fr (ref.null func)))
  (func (export "xr-set") (param externref) (global.set $xr (local.get 0)))
  (func (export "xr-get") (result externref) (global.get $xr))
)

(assert_return (get "a") (i32.const -1))
(assert_return (get "b") (i64.const 0x8000000000000001))
(assert_return (get "c") (f32.const -0.0))
(assert_return (get "d") (f64.const -nan:0xfffffffffffff))
(assert_return (get "e") (f32.const nan:0x1))
(assert_return (get "copy") (i32.const 666))
(assert_return (invoke "get-e") (f32.const nan:0x1))
(assert_return (invoke "data-at-imp") (i32.const 42))
(invoke "set-a" (i32.const 0x7fffffff))
(assert_return (get "a") (i32.const 0x7fffffff))
(invoke "set-b" (i64.const -2))
(assert_return (invoke "get-b") (i64.const -2))
(invoke "set-c" (f32.const -nan:0x7fffff))
(assert_return (invoke "get-c") (f32.const -nan:0x7fffff))
(assert_return (get "c") (f32.const -nan:0x7fffff))
(invoke "set-d" (f64.const nan:0x8000000000001))
(assert_return (invoke "get-d") (f64.const nan:0x8000000000001))
(invoke "set-d" (f64.const -0x1p-1074))
(assert_return (get "d") (f64.const -0x1p-1074))
(assert_return (invoke "swap-a" (i32.const 10)) (i32.const 0x7ffffff5))
(assert_return (invoke "count-a" (i32.const 1000)) (i32.const 1000))
(assert_return (invoke "fr-null") (i32.const 0))
(invoke "fr-clear")
(assert_return (invoke "fr-null") (i32.const 1))
(assert_return (invoke "xr-get") (ref.null extern))
(invoke "xr-set" (ref.extern 3))
(assert_return (invoke "xr-get") (ref.extern 3))

(register "G" $G)

;; Another instance imports the mutable globals: both see each other's
;; writes.
(module $H
  (import "G" "a" (global $a (mut i32)))
  (import "G" "b" (global $b (mut i64)))
  (import "G" "copy" (global $copy i32))
  (global $mine (mut i32) (global.get $copy))
  (func (export "set-a") (param i32) (global.set $a (local.get 0)))
  (func (export "get-a") (result i32) (global.get $a))
  (func (export "add-b") (param i64) (global.set $b (i64.add (global.get $b) (local.get 0))))
  (func (export "mine") (result i32) (global.get $mine))
)
(invoke $H "set-a" (i32.const 123))
(assert_return (invoke $G "get-a") (i32.const 123))
(invoke $G "set-a" (i32.const 456))
(assert_return (invoke $H "get-a") (i32.const 456))
(invoke $H "add-b" (i64.const 0x100000000))
(assert_return (invoke $G "get-b") (i64.const 0xfffffffe))
(assert_return (invoke $H "mine") (i32.const 666))

;; Import checks: mutability and type must match exactly.
(assert_unlinkable (module (import "G" "a" (global i32))) "incompatible import type")
(assert_unlinkable (module (import "G" "copy" (global (mut i32)))) "incompatible import type")
(assert_unlinkable (module (import "G" "a" (global (mut i64)))) "incompatible import type")
(assert_unlinkable (module (import "G" "e" (global f64))) "incompatible import type")
(assert_unlinkable (module (import "G" "get-a" (global i32))) "incompatible import type")
(assert_unlinkable (module (import "G" "a" (func))) "incompatible import type")

;; Validation: global.set of an immutable global; a global initialiser that
;; reads a global defined in the module (only imports may be read).
(assert_invalid
  (module (global $g i32 (i32.const 0)) (func (global.set $g (i32.const 1))))
  "global is immutable")
(assert_invalid
  (module (global i32 (i32.const 0)) (global i32 (global.get 0)))
  "unknown global")
(assert_invalid
  (module (global i32 (i64.const 0)))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (global.get 0)))
  "unknown global")
