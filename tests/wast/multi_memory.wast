;; Multi-memory: memory indexes in loads and stores, memory.copy between two
;; memories (both ways, and overlapping within one), fill, init, size and
;; grow on a memory other than 0, data segments into memory 1, memories
;; exported, imported and shared between two instances. Memory 0 keeps its
;; guard pages; the others are checked explicitly: their traps must say the
;; same thing.
;; wast2json: --enable-multi-memory
;; oracle: spectest-interp (Node 20's V8 has no multi-memory)

(module $M
  (memory $a (export "a") 1)
  (memory $b (export "b") 1 2)
  (data (memory $b) (i32.const 10) "hello")
  (data $p "WXYZ")
  (func (export "load_a") (param i32) (result i32) (i32.load8_u $a (local.get 0)))
  (func (export "load_b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
  (func (export "load32_b") (param i32) (result i32) (i32.load $b offset=1 (local.get 0)))
  (func (export "store_b") (param i32 i64) (i64.store $b offset=4 (local.get 0) (local.get 1)))
  (func (export "copy_b_to_a") (param i32 i32 i32) (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_a_to_b") (param i32 i32 i32) (memory.copy $b $a (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_b") (param i32 i32 i32) (memory.copy $b $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill_b") (param i32 i32 i32) (memory.fill $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_b") (param i32 i32 i32) (memory.init $b $p (local.get 0) (local.get 1) (local.get 2)))
  (func (export "size_a") (result i32) (memory.size $a))
  (func (export "size_b") (result i32) (memory.size $b))
  (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0)))
)

;; the data segment went into memory 1 only
(assert_return (invoke "load_b" (i32.const 10)) (i32.const 104))
(assert_return (invoke "load_b" (i32.const 14)) (i32.const 111))
(assert_return (invoke "load_a" (i32.const 10)) (i32.const 0))
(assert_return (invoke "load32_b" (i32.const 9)) (i32.const 0x6c6c6568))

;; copy from memory 1 into memory 0, and back elsewhere
(assert_return (invoke "copy_b_to_a" (i32.const 100) (i32.const 10) (i32.const 5)))
(assert_return (invoke "load_a" (i32.const 100)) (i32.const 104))
(assert_return (invoke "load_a" (i32.const 104)) (i32.const 111))
(assert_return (invoke "load_b" (i32.const 100)) (i32.const 0))
(assert_return (invoke "copy_a_to_b" (i32.const 65531) (i32.const 100) (i32.const 5)))
(assert_return (invoke "load_b" (i32.const 65535)) (i32.const 111))
;; overlapping copy within memory 1
(assert_return (invoke "copy_b" (i32.const 12) (i32.const 10) (i32.const 5)))
(assert_return (invoke "load_b" (i32.const 12)) (i32.const 104))
(assert_return (invoke "load_b" (i32.const 16)) (i32.const 111))
;; out of bounds: the source or the destination, in either memory
(assert_trap (invoke "copy_b_to_a" (i32.const 65535) (i32.const 0) (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "copy_b_to_a" (i32.const 0) (i32.const 65535) (i32.const 2)) "out of bounds memory access")
(assert_trap (invoke "copy_a_to_b" (i32.const 0) (i32.const 0xffffffff) (i32.const 2)) "out of bounds memory access")

;; stores and loads in memory 1 at its edge
(assert_return (invoke "store_b" (i32.const 65524) (i64.const 0x0102030405060708)))
(assert_return (invoke "load_b" (i32.const 65528)) (i32.const 8))
(assert_return (invoke "load_b" (i32.const 65535)) (i32.const 1))
(assert_trap (invoke "store_b" (i32.const 65525) (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "load_b" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "load32_b" (i32.const 0xffffffff)) "out of bounds memory access")
(assert_return (invoke "load_b" (i32.const 65528)) (i32.const 8))

;; fill and init
(assert_return (invoke "fill_b" (i32.const 200) (i32.const 0x41) (i32.const 3)))
(assert_return (invoke "load_b" (i32.const 202)) (i32.const 0x41))
(assert_return (invoke "load_a" (i32.const 202)) (i32.const 0))
(assert_trap (invoke "fill_b" (i32.const 65535) (i32.const 0) (i32.const 2)) "out of bounds memory access")
(assert_return (invoke "init_b" (i32.const 300) (i32.const 1) (i32.const 3)))
(assert_return (invoke "load_b" (i32.const 300)) (i32.const 0x58))
(assert_trap (invoke "init_b" (i32.const 65535) (i32.const 0) (i32.const 2)) "out of bounds memory access")

;; size and grow of memory 1, up to its maximum
(assert_return (invoke "size_b") (i32.const 1))
(assert_return (invoke "grow_b" (i32.const 1)) (i32.const 1))
(assert_return (invoke "size_b") (i32.const 2))
(assert_return (invoke "size_a") (i32.const 1))
(assert_return (invoke "grow_b" (i32.const 1)) (i32.const -1))
(assert_return (invoke "load_b" (i32.const 131071)) (i32.const 0))
(assert_trap (invoke "load_b" (i32.const 131072)) "out of bounds memory access")

;; both memories imported by another instance, in the other order
(register "M" $M)
(module $N
  (memory $x (import "M" "b") 1)
  (memory $y (import "M" "a") 1)
  (func (export "x") (param i32) (result i32) (i32.load8_u $x (local.get 0)))
  (func (export "y") (param i32) (result i32) (i32.load8_u $y (local.get 0)))
  (func (export "poke_y") (param i32 i32) (i32.store8 $y (local.get 0) (local.get 1)))
  (func (export "size_x") (result i32) (memory.size $x))
)
(assert_return (invoke $N "x" (i32.const 10)) (i32.const 104))
(assert_return (invoke $N "y" (i32.const 100)) (i32.const 104))
(assert_return (invoke $N "size_x") (i32.const 2))
(assert_return (invoke $N "poke_y" (i32.const 7) (i32.const 99)))
(assert_return (invoke $M "load_a" (i32.const 7)) (i32.const 99))

;; indexes are validated
(assert_invalid
  (module (memory 1) (func (drop (i32.load8_u 1 (i32.const 0)))))
  "unknown memory")
(assert_invalid
  (module (memory 1) (memory 1) (func (memory.copy 0 2 (i32.const 0) (i32.const 0) (i32.const 0))))
  "unknown memory")
