;; br_table: targets whose values are already in place are branched to
;; directly; the others get a trampoline of copies. Targets here mix
;; blocks at different heights, loops, and the function label, and indexes
;; run past the end (the default) including 0xffffffff.

(module
  ;; $C needs no copy; $B and $A need the value moved down past the 7;
  ;; depth 3 is the function (a return).
  (func (export "mixed") (param i32 i32) (result i32)
    (block $A (result i32)
      (block $B (result i32)
        (i32.const 7)
        (block $C (result i32)
          (local.get 1)
          (br_table $C $B $A 3 $C $B (local.get 0)))
        (i32.add (i32.const 100))
        (i32.add))
      (i32.add (i32.const 1000)))
    (i32.add (i32.const 10000)))

  ;; Only a default.
  (func (export "default-only") (param i32) (result i32)
    (block (result i32)
      (br_table 0 (i32.const 5) (local.get 0))))

  ;; A constant index.
  (func (export "const-index") (result i32)
    (block $a (result i32)
      (block $b (result i32)
        (br_table $a $b $a (i32.const 3) (i32.const 1)))
      (i32.mul (i32.const 2)))
    (i32.add (i32.const 1)))

  ;; A loop target and a block target, no values.
  (func (export "loop-count") (param i32) (result i32)
    (local i32)
    (block $done
      (loop $l
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br_table $l $done (i32.ge_u (local.get 1) (local.get 0)))))
    (local.get 1))

  ;; A loop with a parameter as the target, with an extra value under the
  ;; carried one (the loop target needs copies, the exit does too).
  (func (export "loop-param") (param i32) (result i32)
    (local i32 i32)
    (block $done (result i32)
      (i32.const 0)
      (loop $l (param i32) (result i32)
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (local.tee 2 (i32.add (local.get 1)))   ;; acc + n
        (i32.const 555)                          ;; junk under the carried value
        (local.get 2)
        (br_table $l $done (i32.ge_u (local.get 1) (local.get 0))))))

  ;; Two values carried; the inner target needs no copies, the outer one
  ;; does (a value sits under them).
  (func (export "two-values") (param i32) (result i32)
    (i32.const 50)
    (block $a (result i32 i32)
      (block $b (result i32 i32)
        (i32.const 1) (i32.const 2)
        (br_table $a $b $a (local.get 0)))
      (i32.add (i32.const 10)))
    (i32.sub)
    (i32.add))                                ;; 50 + (x - y)

  ;; The carried value is a local and a constant.
  (func (export "carry-local") (param i32 i32) (result i32)
    (block $a (result i32)
      (block $b (result i32)
        (i32.const 3)
        (local.get 1)
        (br_table $b $a (local.get 0)))
      (i32.mul (i32.const 10)))
    (i32.add (i32.const 1)))

  ;; A long table, every entry alternating among four targets, one of them
  ;; a loop that counts the trips; each trip moves the index 4 entries on.
  (func (export "long") (param i32) (result i32)
    (local i32)
    (block $r3
      (block $r2
        (block $r1
          (loop $again
            (local.set 1 (i32.add (local.get 1) (i32.const 1)))
            (br_table
              $r1 $r2 $r3 $again $r1 $r2 $r3 $again $r1 $r2 $r3 $again $r1 $r2 $r3 $again
              $r1 $r2 $r3 $again $r1 $r2 $r3 $again $r1 $r2 $r3 $again $r1 $r2 $r3 $again
              $r1 $r2 $r3 $again $r1 $r2 $r3 $again $r1 $r2 $r3 $again $r1 $r2 $r3 $again
              $r1 $r2 $r3 $again $r1 $r2 $r3 $again $r1 $r2 $r3 $again $r1 $r2 $r3 $again
              $r2
              (i32.add (local.get 0) (i32.sub (i32.shl (local.get 1) (i32.const 2)) (i32.const 4))))))
        (return (i32.add (i32.const 100) (local.get 1))))
      (return (i32.add (i32.const 200) (local.get 1))))
    (i32.add (i32.const 300) (local.get 1)))

  ;; br_table in dead code, and after a br_table.
  (func (export "dead") (param i32) (result i32)
    (block (result i32)
      (br 0 (i32.const 4))
      (br_table 0 0 (i32.const 1) (local.get 0))
      (br_table 0))
    (i32.add (i32.const 1)))

  ;; br_table as the last instruction of the function, to the function
  ;; label only.
  (func (export "return-only") (param i32) (result i32 i32)
    (i32.const 8) (local.get 0)
    (br_table 0 0 (local.get 0)))
)

(assert_return (invoke "mixed" (i32.const 0) (i32.const 5)) (i32.const 11112))
(assert_return (invoke "mixed" (i32.const 1) (i32.const 5)) (i32.const 11005))
(assert_return (invoke "mixed" (i32.const 2) (i32.const 5)) (i32.const 10005))
(assert_return (invoke "mixed" (i32.const 3) (i32.const 5)) (i32.const 5))
(assert_return (invoke "mixed" (i32.const 4) (i32.const 5)) (i32.const 11112))
(assert_return (invoke "mixed" (i32.const 5) (i32.const 5)) (i32.const 11005))
(assert_return (invoke "mixed" (i32.const 6) (i32.const 5)) (i32.const 11005))
(assert_return (invoke "mixed" (i32.const 0x7fffffff) (i32.const 5)) (i32.const 11005))
(assert_return (invoke "mixed" (i32.const -1) (i32.const 5)) (i32.const 11005))
(assert_return (invoke "mixed" (i32.const 0x80000000) (i32.const 5)) (i32.const 11005))
(assert_return (invoke "default-only" (i32.const 0)) (i32.const 5))
(assert_return (invoke "default-only" (i32.const -1)) (i32.const 5))
(assert_return (invoke "const-index") (i32.const 7))
(assert_return (invoke "loop-count" (i32.const 0)) (i32.const 1))
(assert_return (invoke "loop-count" (i32.const 1000)) (i32.const 1000))
(assert_return (invoke "loop-param" (i32.const 4)) (i32.const 10))
(assert_return (invoke "loop-param" (i32.const 100)) (i32.const 5050))
(assert_return (invoke "two-values" (i32.const 0)) (i32.const 49))
(assert_return (invoke "two-values" (i32.const 1)) (i32.const 39))
(assert_return (invoke "two-values" (i32.const 2)) (i32.const 49))
(assert_return (invoke "two-values" (i32.const 3)) (i32.const 49))
(assert_return (invoke "carry-local" (i32.const 0) (i32.const 6)) (i32.const 61))
(assert_return (invoke "carry-local" (i32.const 1) (i32.const 6)) (i32.const 7))
(assert_return (invoke "carry-local" (i32.const 9) (i32.const 6)) (i32.const 7))
(assert_return (invoke "long" (i32.const 0)) (i32.const 101))
(assert_return (invoke "long" (i32.const 1)) (i32.const 201))
(assert_return (invoke "long" (i32.const 2)) (i32.const 301))
(assert_return (invoke "long" (i32.const 3)) (i32.const 217))
(assert_return (invoke "long" (i32.const 7)) (i32.const 216))
(assert_return (invoke "long" (i32.const 63)) (i32.const 202))
(assert_return (invoke "long" (i32.const -1)) (i32.const 201))
(assert_return (invoke "long" (i32.const 64)) (i32.const 201))
(assert_return (invoke "long" (i32.const 1000)) (i32.const 201))
(assert_return (invoke "dead" (i32.const 0)) (i32.const 5))
(assert_return (invoke "return-only" (i32.const 3)) (i32.const 8) (i32.const 3))
