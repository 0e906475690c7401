;; oracle: spectest-interp (also agrees with Node: tests/tools/node-spectest.mjs)
;; Calls: deep and mutual recursion, stack exhaustion (and the store staying
;; usable after it), call_indirect within and across modules: signature
;; identity by structure, mismatches, null and out-of-range entries, and the
;; switch of instance (memory, globals) on a call into another module and
;; back.

(module $A
  (memory (export "mem") 1)
  (global $g (export "g") (mut i32) (i32.const 100))
  (data (i32.const 0) "AAAA")
  (type $v->i (func (result i32)))
  (type $i->i (func (param i32) (result i32)))
  (table $t (export "table") 8 funcref)
  (elem (table $t) (i32.const 0) func $a-mem $a-global $a-id $a-mem)

  (func $a-mem (export "a-mem") (result i32) (i32.load8_u (i32.const 0)))
  (func $a-global (export "a-global") (result i32) (global.get $g))
  (func $a-id (export "a-id") (param i32) (result i32) (local.get 0))
  (func (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "call-slot") (param i32) (result i32)
    (call_indirect $t (type $v->i) (local.get 0)))
  (func (export "call-slot-id") (param i32 i32) (result i32)
    (call_indirect $t (type $i->i) (local.get 0) (local.get 1)))

  ;; Recursion.
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
  ;; Ackermann: deep, irregular recursion.
  (func $ack (export "ack") (param i32 i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.add (local.get 1) (i32.const 1)))
      (else
        (if (result i32) (i32.eqz (local.get 1))
          (then (call $ack (i32.sub (local.get 0) (i32.const 1)) (i32.const 1)))
          (else (call $ack (i32.sub (local.get 0) (i32.const 1))
                           (call $ack (local.get 0) (i32.sub (local.get 1) (i32.const 1)))))))))
  ;; Unbounded recursion, with a small frame and with a big one.
  (func $forever (export "forever") (param i32) (result i32)
    (i32.add (call $forever (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $forever-big (export "forever-big") (param i64) (result i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64
           i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local.set 32 (local.get 0))
    (i64.add (call $forever-big (local.get 32)) (local.get 32)))
  ;; Mutual unbounded recursion through call_indirect.
  (type $i->v (func (param i32)))
  (table $pp 2 funcref)
  (elem (table $pp) (i32.const 0) func $ping $pong)
  (func $ping (param i32) (call_indirect $pp (type $i->v) (local.get 0) (i32.const 1)))
  (func $pong (param i32) (call_indirect $pp (type $i->v) (local.get 0) (i32.const 0)))
  (func (export "ping") (call $ping (i32.const 0)))
)

(assert_return (invoke "sum" (i64.const 0)) (i64.const 0))
;; (spectest-interp, the oracle, allows about 1000 nested calls: deeper
;; recursion is in deep_calls.wast.)
(assert_return (invoke "sum" (i64.const 900)) (i64.const 405450))
(assert_return (invoke "even" (i32.const 901)) (i32.const 0))
(assert_return (invoke "odd" (i32.const 901)) (i32.const 1))
(assert_return (invoke "ack" (i32.const 2) (i32.const 3)) (i32.const 9))
(assert_return (invoke "ack" (i32.const 3) (i32.const 4)) (i32.const 125))
(assert_exhaustion (invoke "forever" (i32.const 0)) "call stack exhausted")
(assert_exhaustion (invoke "forever-big" (i64.const 1)) "call stack exhausted")
(assert_exhaustion (invoke "ping") "call stack exhausted")
;; The store is usable after exhaustion.
(assert_return (invoke "sum" (i64.const 100)) (i64.const 5050))
(assert_return (invoke "call-slot" (i32.const 0)) (i32.const 65))
(assert_return (invoke "call-slot" (i32.const 1)) (i32.const 100))
(assert_trap (invoke "call-slot" (i32.const 2)) "indirect call type mismatch")
(assert_trap (invoke "call-slot" (i32.const 4)) "uninitialized element")
(assert_trap (invoke "call-slot" (i32.const 7)) "uninitialized element")
(assert_trap (invoke "call-slot" (i32.const 8)) "undefined element")
(assert_trap (invoke "call-slot" (i32.const -1)) "undefined element")
(assert_trap (invoke "call-slot" (i32.const 0x80000000)) "undefined element")
(assert_return (invoke "call-slot-id" (i32.const 55) (i32.const 2)) (i32.const 55))
(assert_trap (invoke "call-slot-id" (i32.const 55) (i32.const 0)) "indirect call type mismatch")

(register "A" $A)

;; Module B: its own memory and global, A's table and functions imported.
;; Its types are declared in another order than A's: signatures match by
;; structure, not by index.
(module $B
  (type $pad (func (param f64 f64)))
  (type $i->i (func (param i32) (result i32)))
  (type $v->i (func (result i32)))
  (type $v->i64 (func (result i64)))
  (import "A" "table" (table $t 8 funcref))
  (import "A" "a-mem" (func $a-mem (result i32)))
  (import "A" "a-global" (func $a-global (result i32)))
  (import "A" "bump" (func $bump))
  (import "A" "g" (global $ag (mut i32)))
  (memory 1)
  (data (i32.const 0) "BBBB")
  (global $g (mut i32) (i32.const 200))
  (func $b-mem (result i32) (i32.load8_u (i32.const 0)))
  (func $b-global (result i32) (global.get $g))
  (func $b-wide (result i64) (i64.const 7))
  ;; B's functions go into A's table at 4..6.
  (elem (table $t) (i32.const 4) func $b-mem $b-global $b-wide)

  ;; A's function reads A's memory; B's own read after it sees B's.
  (func (export "mem-switch") (result i32)
    (i32.add
      (i32.mul (call $a-mem) (i32.const 1000))
      (call $b-mem)))
  ;; The same through the shared table, both directions.
  (func (export "table-switch") (result i32)
    (i32.add
      (i32.add
        (i32.mul (call_indirect $t (type $v->i) (i32.const 0)) (i32.const 1000000))
        (i32.mul (call_indirect $t (type $v->i) (i32.const 4)) (i32.const 1000)))
      (call $b-mem)))
  (func (export "global-switch") (result i32)
    (call $bump)
    (i32.add
      (i32.mul (call $a-global) (i32.const 1000))
      (i32.add (global.get $g) (global.get $ag))))
  (func (export "call-slot") (param i32) (result i32)
    (call_indirect $t (type $v->i) (local.get 0)))
  (func (export "call-slot-i64") (param i32) (result i64)
    (call_indirect $t (type $v->i64) (local.get 0)))
  (func (export "call-slot-id") (param i32 i32) (result i32)
    (call_indirect $t (type $i->i) (local.get 0) (local.get 1)))
)

(assert_return (invoke $B "mem-switch") (i32.const 65066))
(assert_return (invoke $B "table-switch") (i32.const 65066066))
(assert_return (invoke $B "global-switch") (i32.const 101301))
(assert_return (invoke $B "call-slot" (i32.const 1)) (i32.const 101))
(assert_return (invoke $B "call-slot" (i32.const 5)) (i32.const 200))
(assert_return (invoke $B "call-slot-i64" (i32.const 6)) (i64.const 7))
(assert_trap (invoke $B "call-slot" (i32.const 6)) "indirect call type mismatch")
(assert_trap (invoke $B "call-slot-i64" (i32.const 4)) "indirect call type mismatch")
(assert_return (invoke $B "call-slot-id" (i32.const 9) (i32.const 2)) (i32.const 9))
(assert_trap (invoke $B "call-slot" (i32.const 7)) "uninitialized element")
(assert_trap (invoke $B "call-slot" (i32.const 8)) "undefined element")
;; A sees B's functions in its own table; calling them runs in B.
(assert_return (invoke $A "call-slot" (i32.const 4)) (i32.const 66))
(assert_return (invoke $A "call-slot" (i32.const 5)) (i32.const 200))
(assert_trap (invoke $A "call-slot" (i32.const 6)) "indirect call type mismatch")

;; Imports are checked against the exporter's types.
(assert_unlinkable
  (module (import "A" "a-mem" (func (result i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "A" "a-id" (func (param i64) (result i32))))
  "incompatible import type")
(assert_unlinkable
  (module (import "A" "g" (global i32)))
  "incompatible import type")
(assert_unlinkable
  (module (import "A" "table" (table 9 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "A" "nope" (func)))
  "unknown import")

;; A host function imported and called directly and through a table.
(module
  (import "spectest" "print_i32" (func $print (param i32)))
  (table funcref (elem $print $print))
  (func (export "direct") (param i32) (result i32)
    (call $print (local.get 0))
    (i32.add (local.get 0) (i32.const 1)))
  (func (export "indirect") (param i32) (result i32)
    (call_indirect (param i32) (local.get 0) (i32.const 1))
    (i32.add (local.get 0) (i32.const 2)))
  (func (export "indirect-wrong") (param i32) (result i32)
    (call_indirect (param i64) (i64.const 0) (i32.const 0))
    (local.get 0))
)
(assert_return (invoke "direct" (i32.const 41)) (i32.const 42))
(assert_return (invoke "indirect" (i32.const 41)) (i32.const 43))
(assert_trap (invoke "indirect-wrong" (i32.const 41)) "indirect call type mismatch")
