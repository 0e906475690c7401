;; Instantiation: element segments are applied in order, then data
;; segments, then the start function runs. A trap at any step fails the
;; instantiation but leaves what earlier steps wrote into shared memories
;; and tables, and functions placed in a shared table by the failed
;; instance stay callable.
;; (wast2json 1.0.32 spells assert_uninstantiable as assert_trap on a module.)

(module $M
  (memory (export "mem") 1)
  (table (export "tab") 4 funcref)
  (type $v->i (func (result i32)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "call") (param i32) (result i32) (call_indirect (type $v->i) (local.get 0)))
)
(register "M" $M)

;; A data segment past the memory's end: the segments before it are
;; written, the one after it is not.
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (data (i32.const 10) "a")
    (data (i32.const 65535) "bc")
    (data (i32.const 11) "d"))
  "out of bounds memory access")
(assert_return (invoke $M "load8" (i32.const 10)) (i32.const 0x61))
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0))
(assert_return (invoke $M "load8" (i32.const 11)) (i32.const 0))

;; An element segment past the table's end: earlier element segments are
;; written, and no data segment is (they come after every element
;; segment). The function it placed in the table still runs.
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (import "M" "tab" (table 4 funcref))
    (func $seven (result i32) (i32.const 7))
    (func $eight (result i32) (i32.load8_u (i32.const 20)))
    (elem (i32.const 0) $seven $eight)
    (elem (i32.const 3) $seven $seven)
    (data (i32.const 20) "x"))
  "out of bounds table access")
(assert_return (invoke $M "call" (i32.const 0)) (i32.const 7))
(assert_return (invoke $M "call" (i32.const 1)) (i32.const 0))
(assert_trap (invoke $M "call" (i32.const 3)) "uninitialized element")
(assert_return (invoke $M "load8" (i32.const 20)) (i32.const 0))

;; A start function that writes, then traps: the writes stay; so do the
;; data segments written before it ran.
(assert_trap
  (module
    (import "M" "mem" (memory 1))
    (data (i32.const 30) "s")
    (func $start
      (i32.store8 (i32.const 31) (i32.const 0x74))
      (unreachable))
    (start $start))
  "unreachable")
(assert_return (invoke $M "load8" (i32.const 30)) (i32.const 0x73))
(assert_return (invoke $M "load8" (i32.const 31)) (i32.const 0x74))

;; A start function that traps on an out-of-bounds access and one that
;; divides by zero.
(assert_trap
  (module (memory 1) (func $s (drop (i32.load (i32.const 65534)))) (start $s))
  "out of bounds memory access")
(assert_trap
  (module (func $s (drop (i32.div_u (i32.const 1) (i32.const 0)))) (start $s))
  "integer divide by zero")

;; A start function that runs normally, calls an import, and sets state
;; that exports then see.
(module
  (import "M" "mem" (memory 1))
  (import "spectest" "print_i32" (func $print (param i32)))
  (global $g (mut i32) (i32.const 0))
  (func $start
    (call $print (i32.const 1))
    (global.set $g (i32.load8_u (i32.const 30)))
    (i32.store8 (i32.const 40) (i32.const 0x21)))
  (start $start)
  (func (export "g") (result i32) (global.get $g))
)
(assert_return (invoke "g") (i32.const 0x73))
(assert_return (invoke $M "load8" (i32.const 40)) (i32.const 0x21))

;; Segment offsets at the exact end: zero-length segments at the end are
;; fine, one past is not.
(module
  (import "M" "mem" (memory 1))
  (import "M" "tab" (table 4 funcref))
  (data (i32.const 65536) "")
  (elem (i32.const 4) func)
  (data (i32.const 65535) "e")
)
(assert_return (invoke $M "load8" (i32.const 65535)) (i32.const 0x65))
(assert_trap
  (module (import "M" "mem" (memory 1)) (data (i32.const 65537) ""))
  "out of bounds memory access")
(assert_trap
  (module (import "M" "tab" (table 4 funcref)) (elem (i32.const 5) func))
  "out of bounds table access")
(assert_trap
  (module (import "M" "mem" (memory 1)) (data (i32.const -1) "a"))
  "out of bounds memory access")

;; Link errors happen before anything is written.
(assert_unlinkable
  (module
    (import "M" "mem" (memory 1))
    (data (i32.const 50) "L")
    (import "M" "missing" (func)))
  "unknown import")
(assert_return (invoke $M "load8" (i32.const 50)) (i32.const 0))
(assert_unlinkable
  (module
    (import "M" "mem" (memory 2))
    (data (i32.const 51) "L"))
  "incompatible import type")
(assert_return (invoke $M "load8" (i32.const 51)) (i32.const 0))
