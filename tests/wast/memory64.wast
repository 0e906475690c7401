;; memory64: i64 addresses, sizes and offsets; addresses and offsets past
;; 4 GiB trap (kiln's memory64 memories check each access explicitly: guard
;; pages cannot cover 64-bit addresses); memory.grow and memory.size in i64.
;; wast2json: --enable-memory64
;; node: --experimental-wasm-memory64
;; oracle: node (wabt 1.0.32's spectest-interp keeps a memarg offset in 32
;; bits: it runs the store at offset 2^32 below as one at offset 0)

(module
  (memory i64 1 3)
  (data (i64.const 65530) "\01\02\03\04\05\06")
  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load") (param i64) (result i64) (i64.load offset=2 (local.get 0)))
  (func (export "store") (param i64 i64) (i64.store offset=8 (local.get 0) (local.get 1)))
  (func (export "store_far") (param i64) (i32.store offset=0xffffffff (local.get 0) (i32.const 7)))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "fill") (param i64 i32 i64) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i64 i64 i64) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
)

;; the data segment at an i64 offset
(assert_return (invoke "load8" (i64.const 65530)) (i32.const 1))
(assert_return (invoke "load8" (i64.const 65535)) (i32.const 6))
(assert_return (invoke "load" (i64.const 65526)) (i64.const 0x0605_0403_0201_0000))
(assert_trap (invoke "load8" (i64.const 65536)) "out of bounds memory access")
(assert_trap (invoke "load" (i64.const 65527)) "out of bounds memory access")

;; addresses beyond 4 GiB: never wrapped to 32 bits
(assert_trap (invoke "load8" (i64.const 0x1_0000_0000)) "out of bounds memory access")
(assert_trap (invoke "store" (i64.const 0x1_0000_0000) (i64.const 1)) "out of bounds memory access")
(assert_trap (invoke "store_far" (i64.const 1)) "out of bounds memory access")
;; address + offset overflows 64 bits
(assert_trap (invoke "load" (i64.const 0xffff_ffff_ffff_fffe)) "out of bounds memory access")
(assert_trap (invoke "store" (i64.const -8) (i64.const 1)) "out of bounds memory access")
(assert_return (invoke "load8" (i64.const 0)) (i32.const 0))

;; memory.size and memory.grow in i64: the old size, or -1
(assert_return (invoke "size") (i64.const 1))
(assert_return (invoke "grow" (i64.const 1)) (i64.const 1))
(assert_return (invoke "size") (i64.const 2))
(assert_return (invoke "grow" (i64.const 2)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 0x1_0000_0001)) (i64.const -1))
(assert_return (invoke "grow" (i64.const -1)) (i64.const -1))
(assert_return (invoke "grow" (i64.const 0)) (i64.const 2))
(assert_return (invoke "store" (i64.const 131056) (i64.const 0x0807060504030201)))
(assert_return (invoke "load8" (i64.const 131071)) (i32.const 8))
(assert_trap (invoke "load8" (i64.const 131072)) "out of bounds memory access")

;; bulk memory with i64 operands
(assert_return (invoke "fill" (i64.const 100) (i32.const 0x5a) (i64.const 3)))
(assert_return (invoke "load8" (i64.const 102)) (i32.const 0x5a))
(assert_return (invoke "load8" (i64.const 103)) (i32.const 0))
(assert_return (invoke "copy" (i64.const 200) (i64.const 65530) (i64.const 6)))
(assert_return (invoke "load8" (i64.const 205)) (i32.const 6))
(assert_trap (invoke "fill" (i64.const 0x1_0000_0000) (i32.const 0) (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "fill" (i64.const 1) (i32.const 0) (i64.const -1)) "out of bounds memory access")
(assert_trap (invoke "copy" (i64.const 0) (i64.const -1) (i64.const 2)) "out of bounds memory access")

;; a memarg offset of 2^32, which the text format of wabt 1.0.32 cannot
;; write: (func (export "st") (param i64) (i32.store offset=0x1_0000_0000
;; (local.get 0) (i32.const 7))), memory i64 1
(module binary
  "\00asm" "\01\00\00\00"
  "\01\05\01\60\01\7e\00"                  ;; type 0: (func (param i64))
  "\03\02\01\00"                           ;; func 0: type 0
  "\05\03\01\04\01"                        ;; memory i64 1 (limits flags 4)
  "\07\06\01\02st\00\00"                   ;; export "st" func 0
  "\0a\0f\01\0d\00"                        ;; code: one body, no locals
  "\20\00\41\07\36\02\80\80\80\80\10\0b"   ;; local.get 0 i32.const 7 i32.store offset=2^32
)
(assert_trap (invoke "st" (i64.const 0)) "out of bounds memory access")

;; types: a memory64 address is an i64, an i32 is invalid
(assert_invalid
  (module (memory i64 1) (func (drop (i32.load (i32.const 0)))))
  "type mismatch")
(assert_invalid
  (module (memory i64 1) (func (result i32) (memory.size)))
  "type mismatch")
(assert_invalid
  (module (memory 1) (func (drop (i32.load (i64.const 0)))))
  "type mismatch")
