;; Register-code compiler shapes (compile.c): virtual local/constant operands
;; that a later write must not change, set retargeting, fused compare+branch,
;; values carried across blocks, loops, calls and br_table. Run on kiln and
;; V8 by tests/suites/difffuzz.
(module
  (memory 1)
  (global $g (mut i32) (i32.const 5))
  (func $id (param i32) (result i32) (local.get 0))
  ;; a virtual local.get under a local.set of the same local
  (func (export "a1") (result i32) (local i32)
    (local.set 0 (i32.const 3))
    (local.get 0)
    (local.set 0 (i32.const 10))
    (local.get 0)
    (i32.sub))
  ;; tee into a local that is still on the stack
  (func (export "a2") (result i32) (local i32 i32)
    (local.set 0 (i32.const 7))
    (local.get 0)
    (local.tee 0 (i32.add (local.get 0) (i32.const 1)))
    (i32.mul))
  ;; set retargeting: a = b + c where a is also read below on the stack
  (func (export "a3") (result i32) (local i32 i32)
    (local.set 0 (i32.const 2)) (local.set 1 (i32.const 9))
    (local.get 0)
    (local.set 0 (i32.add (local.get 0) (local.get 1)))
    (local.get 0)
    (i32.sub))
  ;; a local on the stack across a block that writes it
  (func (export "a4") (result i32) (local i32)
    (local.set 0 (i32.const 100))
    (local.get 0)
    (block (local.set 0 (i32.const 1)))
    (local.get 0)
    (i32.add))
  ;; across a loop with br_if
  (func (export "a5") (result i32) (local i32 i32)
    (local.set 0 (i32.const 4))
    (local.get 0)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l (local.get 0)))
    (local.get 1) (i32.mul))
  ;; constant on the stack, consumed after a call
  (func (export "a6") (result i32) (local i32)
    (i32.const 6) (local.get 0)
    (local.set 0 (call $id (i32.const 9)))
    (i32.add) (local.get 0) (i32.add))
  ;; if with params and a local alias
  (func (export "a7") (result i32) (local i32)
    (local.set 0 (i32.const 3))
    (local.get 0)
    (local.get 0)
    (if (param i32) (result i32) (then (local.set 0 (i32.const 50)) (i32.add (local.get 0)))
      (else (i32.const 1) (i32.add)))
    (local.get 0) (i32.add))
  ;; br with values over a local that is then overwritten
  (func (export "a8") (result i32) (local i32)
    (local.set 0 (i32.const 8))
    (block (result i32) (local.get 0) (local.set 0 (i32.const 1)) (br 0))
    (local.get 0) (i32.add))
  ;; select with local operands and a set in between
  (func (export "a9") (result i32) (local i32 i32)
    (local.set 0 (i32.const 11)) (local.set 1 (i32.const 22))
    (local.get 0) (local.get 1)
    (local.set 0 (i32.const 0))
    (local.get 0)
    (select))
  ;; global.get on stack, then global.set
  (func (export "a10") (result i32)
    (global.get $g) (global.set $g (i32.const 1)) (global.get $g) (i32.sub))
  ;; memory load with offset into a local used by the address
  (func (export "a11") (result i32) (local i32)
    (i32.store (i32.const 8) (i32.const 0x01020304))
    (local.set 0 (i32.const 4))
    (local.set 0 (i32.load offset=4 (local.get 0)))
    (local.get 0))
  ;; br_table with a value and an aliased local
  (func (export "a12") (result i32) (local i32)
    (local.set 0 (i32.const 1))
    (block $b (result i32) (block $a (result i32)
      (local.get 0) (local.set 0 (i32.const 0)) (local.get 0) (br_table $a $b))
      (i32.const 1000) (i32.add))
    (local.get 0) (i32.add))
  ;; compare+branch fusion with locals written in the branch target
  (func (export "a13") (result i32) (local i32 i32)
    (local.set 0 (i32.const 5))
    (block $x (loop $l
      (br_if $x (i32.ge_s (local.get 1) (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (i32.const 2)))
      (br $l)))
    (local.get 1))
  ;; i64 and float locals, tee chains
  (func (export "a14") (result i64) (local i64 f64)
    (local.set 0 (i64.const -3))
    (local.get 0)
    (local.tee 0 (local.tee 0 (i64.mul (local.get 0) (local.get 0))))
    (i64.add))
  (func (export "a15") (result f64) (local f64)
    (local.set 0 (f64.const 1.5))
    (local.get 0) (local.set 0 (f64.neg (local.get 0))) (local.get 0) (f64.div))
  ;; drop of a virtual operand then reuse
  (func (export "a16") (result i32) (local i32)
    (local.get 0) (drop) (local.set 0 (i32.const 9)) (local.get 0))
  ;; multi-value return where a returned local is reassigned
  (func $mv (param i32) (result i32 i32) (local.get 0) (local.set 0 (i32.const 77)) (local.get 0))
  (func (export "a17") (result i32 i32) (call $mv (i32.const 3)))
  ;; return from nested block with aliased local
  (func (export "a18") (result i32) (local i32)
    (local.set 0 (i32.const 12))
    (block (local.get 0) (local.set 0 (i32.const 0)) (return))
    (i32.const -1))
  ;; unreachable code after br with stack polymorphism
  (func (export "a19") (result i32) (local i32)
    (block (result i32) (i32.const 4) (br 0) (local.set 0) (local.get 0)))
)
