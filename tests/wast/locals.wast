;; Locals as the compiler sees them: local.get pushes a *virtual* operand that
;; names the local's slot, local.set retargets the instruction that produced
;; the value, local.tee pushes the local back. The hazards are writes to a
;; local while a virtual read of its old value is still on the stack, and
;; retargeting a producer that itself reads the local it now writes.

(module
  (memory 1)
  (global $g (mut i32) (i32.const 40))

  ;; Swap through the stack: both reads are pending when the first write
  ;; happens.
  (func (export "swap") (param i32 i32) (result i32 i32)
    (local.get 0) (local.get 1)
    (local.set 0) (local.set 1)
    (local.get 0) (local.get 1))

  ;; The old value stays on the stack below the write.
  (func (export "old-below-new") (param i32) (result i32)
    (local.get 0)
    (local.set 0 (i32.add (local.get 0) (i32.const 5)))
    (local.get 0)
    (i32.sub))                       ;; old - (old + 5) = -5

  ;; The producer reads the local it is retargeted to write.
  (func (export "square-in-place") (param i32) (result i32)
    (local.set 0 (i32.mul (local.get 0) (local.get 0)))
    (local.get 0))

  ;; Same, with an older read of the local still pending.
  (func (export "square-keep-old") (param i32) (result i32)
    (local.get 0)
    (local.set 0 (i32.mul (local.get 0) (local.get 0)))
    (i32.mul (i32.const 1000) (local.get 0))
    (i32.add))                       ;; old + 1000 * old^2

  ;; A constant stored while a read of the old value is pending.
  (func (export "const-over-pending") (param i32) (result i32)
    (local.get 0)
    (local.set 0 (i32.const 7))
    (local.get 0)
    (i32.sub))                       ;; old - 7

  ;; Another local copied over a local whose read is pending.
  (func (export "copy-over-pending") (param i32 i32) (result i32)
    (local.get 0)
    (local.set 0 (local.get 1))
    (i32.mul (i32.const 100) (local.get 0))
    (i32.add))                       ;; a + 100 * b

  ;; tee then set: the tee'd local and the set local both get the value.
  (func (export "tee-then-set") (param i32) (result i32)
    (local i32 i32)
    (local.set 2 (local.tee 1 (i32.add (local.get 0) (i32.const 3))))
    (i32.add (i32.mul (local.get 1) (i32.const 1000)) (local.get 2)))

  ;; tee, then the same local set again, then the tee'd value used.
  (func (export "tee-then-overwrite") (param i32) (result i32)
    (local i32)
    (local.tee 1 (i32.add (local.get 0) (i32.const 1)))
    (local.set 1 (i32.const 100))
    (local.get 1)
    (i32.add))                       ;; (a + 1) + 100

  ;; tee into the local that the value was computed from.
  (func (export "tee-self") (param i32) (result i32)
    (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))
    (local.get 0)
    (i32.mul))                       ;; (a - 1)^2

  ;; tee twice into one local, then set it from the tee.
  (func (export "tee-tee-set") (param i32) (result i32)
    (local.set 0 (local.tee 0 (local.tee 0 (i32.xor (local.get 0) (i32.const 0xff)))))
    (local.get 0))

  ;; A pending read of the old value crosses a call: the argument must be
  ;; the old value.
  (func $sub (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  (func (export "pending-into-call") (param i32) (result i32)
    (local.get 0)
    (local.set 0 (i32.const 5))
    (local.get 0)
    (call $sub))                     ;; old - 5

  ;; A pending read carried out of a block by br.
  (func (export "pending-through-br") (param i32) (result i32)
    (block (result i32)
      (local.get 0)
      (local.set 0 (i32.const 1))
      (br 0))
    (local.get 0)
    (i32.add))                       ;; old + 1

  ;; A pending read carried by a taken br_if, and left by a not-taken one.
  (func (export "pending-through-br_if") (param i32 i32) (result i32)
    (block (result i32)
      (local.get 0)
      (local.set 0 (i32.const 1000))
      (local.get 1)
      (br_if 0)
      (drop)
      (local.get 0))
    (local.get 0)
    (i32.add))                       ;; taken: old + 1000; not taken: 2000

  ;; A pending read used as an if's parameter.
  (func (export "pending-into-if-param") (param i32 i32) (result i32)
    (local.get 0)
    (local.set 0 (i32.const 3))
    (local.get 1)
    (if (param i32) (result i32)
      (then (i32.mul (local.get 0)))
      (else (i32.sub (local.get 0)))))  ;; then: old * 3 ; else: old - 3

  ;; The result of a load retargeted into its own address local.
  (func (export "load-into-addr") (param i32) (result i32)
    (i32.store (i32.const 8) (i32.const 0x01020304))
    (local.set 0 (i32.load (local.get 0)))
    (local.get 0))

  ;; memory.grow's result retargeted into its argument local.
  (func (export "grow-into-arg") (param i32) (result i32)
    (local.set 0 (memory.grow (local.get 0)))
    (local.get 0))

  ;; select's result retargeted into the local holding its condition.
  (func (export "select-into-cond") (param i32) (result i32)
    (local.set 0 (select (i32.const 11) (i32.const 22) (local.get 0)))
    (local.get 0))

  ;; select of one local on both sides.
  (func (export "select-same") (param i32 i32) (result i32)
    (select (local.get 0) (local.get 0) (local.get 1)))

  ;; global.get retargeted, then the global changed: the local keeps the
  ;; value read.
  (func (export "global-into-local") (result i32)
    (local i32)
    (local.set 0 (global.get $g))
    (global.set $g (i32.const 1))
    (i32.add (local.get 0) (global.get $g)))   ;; 40 + 1

  ;; A chain of producers, each retargeted.
  (func (export "chain") (param i32 i32) (result i32)
    (local.set 1 (i32.mul (i32.add (local.get 0) (local.get 1)) (local.get 0)))
    (local.set 0 (i32.sub (local.get 1) (local.get 0)))
    (i32.add (local.get 0) (local.get 1)))

  ;; A value dropped after a producer; the next set must not retarget it.
  (func (export "drop-then-set") (param i32) (result i32)
    (local i32)
    (local.get 0)
    (drop (i32.add (local.get 0) (i32.const 1)))
    (local.set 1)
    (local.get 1))

  ;; A value reinterpreted between producer and set.
  (func (export "reinterpret-retarget") (param f32) (result i32)
    (local i32)
    (local.set 1 (i32.reinterpret_f32 (f32.neg (local.get 0))))
    (local.get 1))

  ;; Non-parameter locals start at zero on every call, even when the same
  ;; frame slots held other values in an earlier call.
  (func $dirty (param i32) (result i32)
    (local i32 i64 f32 f64)
    (local.set 1 (i32.const -1))
    (local.set 2 (i64.const -1))
    (local.set 3 (f32.const -1))
    (local.set 4 (f64.const -1))
    (local.get 0))
  (func $clean (param i32) (result i32)
    (local i32 i64 f32 f64)
    (i32.add
      (i32.add (local.get 1) (i32.wrap_i64 (local.get 2)))
      (i32.add (i32.reinterpret_f32 (local.get 3))
               (i32.wrap_i64 (i64.reinterpret_f64 (local.get 4))))))
  (func (export "zeroed-locals") (result i32)
    (drop (call $dirty (i32.const 1)))
    (call $clean (i32.const 2)))

  ;; Locals of every numeric type swapped and combined.
  (func (export "swap-i64") (param i64 i64) (result i64 i64)
    (local.get 0) (local.get 1) (local.set 0) (local.set 1)
    (local.get 0) (local.get 1))
  (func (export "swap-f64") (param f64 f64) (result f64 f64)
    (local.get 0) (local.get 1) (local.set 0) (local.set 1)
    (local.get 0) (local.get 1))
  (func (export "swap-f32") (param f32 f32) (result f32 f32)
    (local.get 0) (local.get 1) (local.set 0) (local.set 1)
    (local.get 0) (local.get 1))

  ;; Rotate three locals through the stack.
  (func (export "rotate3") (param i32 i32 i32) (result i32 i32 i32)
    (local.get 0) (local.get 1) (local.get 2)
    (local.set 0) (local.set 2) (local.set 1)
    (local.get 0) (local.get 1) (local.get 2))

  ;; Many locals (past any small register window), all live.
  (func (export "many-locals") (param i32) (result i32)
    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32
           i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    (local.set 1 (i32.add (local.get 0) (i32.const 1)))
    (local.set 2 (i32.add (local.get 1) (i32.const 1)))
    (local.set 31 (i32.mul (local.get 2) (local.get 2)))
    (local.set 32 (i32.sub (local.get 31) (local.get 0)))
    (i32.add (local.get 32) (local.get 16)))

  ;; Counting loop with tee feeding a fused compare-branch.
  (func (export "count") (param i32) (result i32)
    (local i32 i32)
    (loop $l
      (local.set 2 (i32.add (local.get 2) (local.get 1)))
      (br_if $l (i32.lt_s (local.tee 1 (i32.add (local.get 1) (i32.const 1)))
                          (local.get 0))))
    (local.get 2))

  ;; Writes in dead code after br compile and change nothing.
  (func (export "dead-writes") (param i32) (result i32)
    (block
      (br 0)
      (local.set 0 (i32.const 99))
      (local.set 0 (local.tee 0 (i32.const 98))))
    (local.get 0))
)

(assert_return (invoke "swap" (i32.const 1) (i32.const 2)) (i32.const 2) (i32.const 1))
(assert_return (invoke "old-below-new" (i32.const 10)) (i32.const -5))
(assert_return (invoke "old-below-new" (i32.const 0x7ffffffe)) (i32.const -5))
(assert_return (invoke "square-in-place" (i32.const 12)) (i32.const 144))
(assert_return (invoke "square-in-place" (i32.const 0x10000)) (i32.const 0))
(assert_return (invoke "square-keep-old" (i32.const 3)) (i32.const 9003))
(assert_return (invoke "const-over-pending" (i32.const 50)) (i32.const 43))
(assert_return (invoke "copy-over-pending" (i32.const 4) (i32.const 9)) (i32.const 904))
(assert_return (invoke "tee-then-set" (i32.const 4)) (i32.const 7007))
(assert_return (invoke "tee-then-overwrite" (i32.const 4)) (i32.const 105))
(assert_return (invoke "tee-self" (i32.const 6)) (i32.const 25))
(assert_return (invoke "tee-tee-set" (i32.const 0x0f)) (i32.const 0xf0))
(assert_return (invoke "pending-into-call" (i32.const 12)) (i32.const 7))
(assert_return (invoke "pending-through-br" (i32.const 12)) (i32.const 13))
(assert_return (invoke "pending-through-br_if" (i32.const 12) (i32.const 1)) (i32.const 1012))
(assert_return (invoke "pending-through-br_if" (i32.const 12) (i32.const 0)) (i32.const 2000))
(assert_return (invoke "pending-into-if-param" (i32.const 12) (i32.const 1)) (i32.const 36))
(assert_return (invoke "pending-into-if-param" (i32.const 12) (i32.const 0)) (i32.const 9))
(assert_return (invoke "load-into-addr" (i32.const 8)) (i32.const 0x01020304))
(assert_return (invoke "load-into-addr" (i32.const 9)) (i32.const 0x00010203))
(assert_trap (invoke "load-into-addr" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "grow-into-arg" (i32.const 1)) (i32.const 1))
(assert_return (invoke "grow-into-arg" (i32.const 0)) (i32.const 2))
(assert_return (invoke "grow-into-arg" (i32.const 0x10000)) (i32.const -1))
(assert_return (invoke "select-into-cond" (i32.const 5)) (i32.const 11))
(assert_return (invoke "select-into-cond" (i32.const 0)) (i32.const 22))
(assert_return (invoke "select-same" (i32.const 77) (i32.const 0)) (i32.const 77))
(assert_return (invoke "select-same" (i32.const 77) (i32.const 1)) (i32.const 77))
(assert_return (invoke "global-into-local") (i32.const 41))
(assert_return (invoke "chain" (i32.const 3) (i32.const 4)) (i32.const 39))
(assert_return (invoke "drop-then-set" (i32.const 5)) (i32.const 5))
(assert_return (invoke "reinterpret-retarget" (f32.const 1.5)) (i32.const 0xbfc00000))
(assert_return (invoke "reinterpret-retarget" (f32.const nan:0x200001)) (i32.const 0xffa00001))
(assert_return (invoke "zeroed-locals") (i32.const 0))
(assert_return (invoke "swap-i64" (i64.const 0x123456789) (i64.const -2)) (i64.const -2) (i64.const 0x123456789))
(assert_return (invoke "swap-f64" (f64.const -0x1p-1074) (f64.const nan:0x4000000000001))
  (f64.const nan:0x4000000000001) (f64.const -0x1p-1074))
(assert_return (invoke "swap-f32" (f32.const -0.0) (f32.const -nan:0x1))
  (f32.const -nan:0x1) (f32.const -0.0))
(assert_return (invoke "rotate3" (i32.const 1) (i32.const 2) (i32.const 3))
  (i32.const 3) (i32.const 1) (i32.const 2))
(assert_return (invoke "many-locals" (i32.const 5)) (i32.const 44))
(assert_return (invoke "count" (i32.const 10)) (i32.const 45))
(assert_return (invoke "count" (i32.const 0)) (i32.const 0))
(assert_return (invoke "dead-writes" (i32.const 3)) (i32.const 3))
