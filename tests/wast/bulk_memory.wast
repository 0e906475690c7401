;; memory.fill, memory.copy, memory.init and data.drop at the edges:
;; zero lengths at and past the end, overlapping copies in both directions,
;; accesses that run past the end (they trap before writing anything),
;; lengths and addresses near 2^32, dropped and active segments.

(module
  (memory 1)
  (data $d0 "\01\02\03\04\05\06\07\08")
  (data $d1 "abc")
  (data $act (i32.const 100) "zz")

  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init0") (param i32 i32 i32) (memory.init $d0 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init1") (param i32 i32 i32) (memory.init $d1 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init-act") (param i32 i32 i32) (memory.init $act (local.get 0) (local.get 1) (local.get 2)))
  (func (export "drop0") (data.drop $d0))
  (func (export "drop-act") (data.drop $act))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  ;; Arguments as constants.
  (func (export "fill-const-end") (memory.fill (i32.const 65536) (i32.const 9) (i32.const 0)))
  (func (export "fill-const-past") (memory.fill (i32.const 65537) (i32.const 9) (i32.const 0)))
  (func (export "copy-const") (memory.copy (i32.const 200) (i32.const 100) (i32.const 2)))
  ;; Sums bytes [a, a+n) so whole ranges can be compared in one assertion.
  (func (export "sum") (param i32 i32) (result i32)
    (local i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 1)))
        (local.set 2 (i32.add (local.get 2) (i32.load8_u (local.get 0))))
        (local.set 0 (i32.add (local.get 0) (i32.const 1)))
        (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
        (br $l)))
    (local.get 2))
)

;; The active segment was written and is now dropped.
(assert_return (invoke "load8" (i32.const 100)) (i32.const 0x7a))
(invoke "copy-const")
(assert_return (invoke "load8" (i32.const 201)) (i32.const 0x7a))
(invoke "init-act" (i32.const 0) (i32.const 0) (i32.const 0))
(assert_trap (invoke "init-act" (i32.const 0) (i32.const 0) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "init-act" (i32.const 0) (i32.const 1) (i32.const 0)) "out of bounds memory access")
(invoke "drop-act")

;; fill: the value is truncated to a byte; zero length at the end is fine,
;; one past the end traps; a fill running past the end writes nothing.
(invoke "fill" (i32.const 1000) (i32.const 0x1ab) (i32.const 4))
(assert_return (invoke "load64" (i32.const 1000)) (i64.const 0xabababab))
(invoke "fill" (i32.const 65536) (i32.const 1) (i32.const 0))
(assert_trap (invoke "fill" (i32.const 65537) (i32.const 1) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const -1) (i32.const 1) (i32.const 0)) "out of bounds memory access")
(invoke "fill-const-end")
(assert_trap (invoke "fill-const-past") "out of bounds memory access")
(assert_trap (invoke "fill" (i32.const 65530) (i32.const 0xff) (i32.const 7)) "out of bounds memory access")
(assert_return (invoke "sum" (i32.const 65530) (i32.const 6)) (i32.const 0))
(assert_trap (invoke "fill" (i32.const 1) (i32.const 0xff) (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "sum" (i32.const 0) (i32.const 16)) (i32.const 0))
(invoke "fill" (i32.const 65530) (i32.const 1) (i32.const 6))
(assert_return (invoke "sum" (i32.const 65528) (i32.const 8)) (i32.const 6))

;; init from a passive segment: whole, a slice, zero bytes at its end,
;; past its end, past the memory's end (nothing written).
(invoke "init0" (i32.const 10) (i32.const 0) (i32.const 8))
(assert_return (invoke "load64" (i32.const 10)) (i64.const 0x0807060504030201))
(invoke "init0" (i32.const 20) (i32.const 5) (i32.const 3))
(assert_return (invoke "load64" (i32.const 20)) (i64.const 0x080706))
(invoke "init0" (i32.const 30) (i32.const 8) (i32.const 0))
(assert_trap (invoke "init0" (i32.const 30) (i32.const 9) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "init0" (i32.const 30) (i32.const 4) (i32.const 5)) "out of bounds memory access")
(assert_trap (invoke "init0" (i32.const 30) (i32.const -1) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 30)) (i64.const 0))
(invoke "init0" (i32.const 65536) (i32.const 0) (i32.const 0))
(assert_trap (invoke "init0" (i32.const 65537) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "init0" (i32.const 65532) (i32.const 0) (i32.const 8)) "out of bounds memory access")
(assert_return (invoke "sum" (i32.const 65528) (i32.const 8)) (i32.const 6))
(invoke "init1" (i32.const 65533) (i32.const 0) (i32.const 3))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0x63))

;; After data.drop the segment is empty: zero bytes at offset 0 still work.
(invoke "drop0")
(invoke "drop0")
(invoke "init0" (i32.const 0) (i32.const 0) (i32.const 0))
(assert_trap (invoke "init0" (i32.const 0) (i32.const 0) (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "init0" (i32.const 0) (i32.const 1) (i32.const 0)) "out of bounds memory access")

;; copy: overlapping forward and backward behaves as if through a buffer.
(invoke "copy" (i32.const 12) (i32.const 10) (i32.const 8))
(assert_return (invoke "load64" (i32.const 12)) (i64.const 0x0807060504030201))
(assert_return (invoke "load8" (i32.const 10)) (i32.const 1))
(assert_return (invoke "load8" (i32.const 11)) (i32.const 2))
(invoke "copy" (i32.const 11) (i32.const 12) (i32.const 8))
(assert_return (invoke "load64" (i32.const 11)) (i64.const 0x0807060504030201))
(assert_return (invoke "load8" (i32.const 19)) (i32.const 8))
;; Copy onto itself.
(invoke "copy" (i32.const 11) (i32.const 11) (i32.const 8))
(assert_return (invoke "load64" (i32.const 11)) (i64.const 0x0807060504030201))
;; Zero bytes at the end of memory, from either side; one past traps.
(invoke "copy" (i32.const 65536) (i32.const 0) (i32.const 0))
(invoke "copy" (i32.const 0) (i32.const 65536) (i32.const 0))
(assert_trap (invoke "copy" (i32.const 65537) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const 0) (i32.const 65537) (i32.const 0)) "out of bounds memory access")
;; Source or destination running past the end: nothing is written.
(assert_trap (invoke "copy" (i32.const 65530) (i32.const 10) (i32.const 8)) "out of bounds memory access")
(assert_return (invoke "sum" (i32.const 65528) (i32.const 5)) (i32.const 3))
(assert_trap (invoke "copy" (i32.const 40) (i32.const 65530) (i32.const 8)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 40)) (i64.const 0))
(assert_trap (invoke "copy" (i32.const 0) (i32.const 0) (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "copy" (i32.const -1) (i32.const 0) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 0)) (i32.const 0))
;; A large overlapping copy up to the last byte.
(invoke "fill" (i32.const 0) (i32.const 3) (i32.const 32768))
(invoke "copy" (i32.const 32768) (i32.const 0) (i32.const 32768))
(assert_return (invoke "sum" (i32.const 32768) (i32.const 32768)) (i32.const 98304))
(invoke "fill" (i32.const 0) (i32.const 7) (i32.const 1))
(invoke "copy" (i32.const 1) (i32.const 0) (i32.const 65535))
(assert_return (invoke "load8" (i32.const 2)) (i32.const 3))
(assert_return (invoke "sum" (i32.const 0) (i32.const 65536)) (i32.const 196616))

;; A module without memory whose passive segment is dropped (twice).
(module
  (data "xyz")
  (func (export "drop") (data.drop 0))
)
(invoke "drop")
(invoke "drop")
