;; Linear memory at its exact edges: every access width at the last address
;; that fits and the first that does not; effective addresses past 2^32
;; (address + offset must not wrap); stores that would be partly out of
;; bounds write nothing; memory.grow up to the maximum and past it; a memory
;; shared by two instances.

(module
  (memory (export "mem") 1 3)
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))

  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load16") (param i32) (result i32) (i32.load16_u (local.get 0)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "loadf32") (param i32) (result f32) (f32.load (local.get 0)))
  (func (export "loadf64") (param i32) (result f64) (f64.load (local.get 0)))
  (func (export "load64_32s") (param i32) (result i64) (i64.load32_s (local.get 0)))
  (func (export "load64_16s") (param i32) (result i64) (i64.load16_s (local.get 0)))
  (func (export "load8s") (param i32) (result i32) (i32.load8_s (local.get 0)))

  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "store16") (param i32 i32) (i32.store16 (local.get 0) (local.get 1)))
  (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "store64_32") (param i32 i64) (i64.store32 (local.get 0) (local.get 1)))
  (func (export "storef64") (param i32 f64) (f64.store (local.get 0) (local.get 1)))

  ;; Offsets in the instruction, up to the largest.
  (func (export "load32-off-max") (param i32) (result i32) (i32.load offset=0xffffffff (local.get 0)))
  (func (export "load8-off-max") (param i32) (result i32) (i32.load8_u offset=0xffffffff (local.get 0)))
  (func (export "load32-off-fffc") (param i32) (result i32) (i32.load offset=0xfffffffc (local.get 0)))
  (func (export "load32-off-65532") (param i32) (result i32) (i32.load offset=65532 (local.get 0)))
  (func (export "load64-off-65528") (param i32) (result i64) (i64.load offset=65528 align=1 (local.get 0)))
  (func (export "store32-off-65532") (param i32 i32) (i32.store offset=65532 (local.get 0) (local.get 1)))
  (func (export "store8-off-max") (param i32) (i32.store8 offset=0xffffffff (local.get 0) (i32.const 1)))
  (func (export "store64-off-1") (param i32 i64) (i64.store offset=1 (local.get 0) (local.get 1)))

  ;; The address is a constant (kiln keeps constants out of slots until
  ;; an instruction needs them).
  (func (export "load-const-edge") (result i32) (i32.load (i32.const 65532)))
  (func (export "load-const-past") (result i32) (i32.load (i32.const 65533)))
  (func (export "load-const-max") (result i32) (i32.load8_u (i32.const -1)))

  ;; Unaligned access across the 2^16 boundary after growing.
  (func (export "straddle") (result i64)
    (i64.store offset=65532 (i32.const 0) (i64.const 0x1122334455667788))
    (i64.load align=2 (i32.const 65532)))
)

;; Reads at the last valid address of each width, then one past.
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "load16" (i32.const 65534)) (i32.const 0))
(assert_trap (invoke "load16" (i32.const 65535)) "out of bounds memory access")
(assert_return (invoke "load32" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "load32" (i32.const 65533)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 65528)) (i64.const 0))
(assert_trap (invoke "load64" (i32.const 65529)) "out of bounds memory access")
(assert_trap (invoke "loadf32" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "loadf64" (i32.const 65529)) "out of bounds memory access")
(assert_trap (invoke "load64_32s" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "load64_16s" (i32.const 65535)) "out of bounds memory access")
(assert_trap (invoke "load8" (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "load64" (i32.const -8)) "out of bounds memory access")
(assert_trap (invoke "load64" (i32.const 0x80000000)) "out of bounds memory access")

;; Effective addresses of 2^32 and beyond trap; they do not wrap to 0.
(assert_trap (invoke "load32-off-max" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "load32-off-max" (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "load32-off-max" (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "load8-off-max" (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "load32-off-fffc" (i32.const 4)) "out of bounds memory access")
(assert_trap (invoke "load32-off-fffc" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "load32-off-65532" (i32.const 0)) (i32.const 0))
(assert_trap (invoke "load32-off-65532" (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "load32-off-65532" (i32.const -65532)) "out of bounds memory access")
(assert_return (invoke "load64-off-65528" (i32.const 0)) (i64.const 0))
(assert_trap (invoke "load64-off-65528" (i32.const 1)) "out of bounds memory access")
(assert_trap (invoke "store8-off-max" (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 0)) (i32.const 0))
(assert_return (invoke "load-const-edge") (i32.const 0))
(assert_trap (invoke "load-const-past") "out of bounds memory access")
(assert_trap (invoke "load-const-max") "out of bounds memory access")

;; Sign extension at the edge.
(invoke "store8" (i32.const 65535) (i32.const 0x80))
(assert_return (invoke "load8s" (i32.const 65535)) (i32.const -128))
(invoke "store16" (i32.const 65534) (i32.const 0x8001))
(assert_return (invoke "load64_16s" (i32.const 65534)) (i64.const -32767))
(invoke "store32" (i32.const 65532) (i32.const 0xfffffffe))
(assert_return (invoke "load64_32s" (i32.const 65532)) (i64.const -2))

;; Stores partly out of bounds trap and leave every byte as it was.
(invoke "store64" (i32.const 65528) (i64.const 0x0807060504030201))
(assert_trap (invoke "store64" (i32.const 65532) (i64.const -1)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 65528)) (i64.const 0x0807060504030201))
(assert_trap (invoke "store64" (i32.const 65535) (i64.const -1)) "out of bounds memory access")
(assert_trap (invoke "store64" (i32.const 65529) (i64.const -1)) "out of bounds memory access")
(assert_trap (invoke "storef64" (i32.const 65529) (f64.const -1)) "out of bounds memory access")
(assert_trap (invoke "store64-off-1" (i32.const 65528) (i64.const -1)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 65528)) (i64.const 0x0807060504030201))
(assert_trap (invoke "store32" (i32.const 65533) (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "store32-off-65532" (i32.const 2) (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "store64_32" (i32.const 65534) (i64.const -1)) "out of bounds memory access")
(assert_trap (invoke "store16" (i32.const 65535) (i32.const -1)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 65528)) (i64.const 0x0807060504030201))
(assert_return (invoke "load32" (i32.const 65532)) (i32.const 0x08070605))

;; Growing: to the maximum of 3 pages, then no further. New pages are zero
;; and the old edge is now inside.
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 1))
(assert_return (invoke "grow" (i32.const 3)) (i32.const -1))
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "load64" (i32.const 65532)) (i64.const 0x08070605))
(assert_return (invoke "load64" (i32.const 131064)) (i64.const 0))
(assert_trap (invoke "load64" (i32.const 131065)) "out of bounds memory access")
(assert_return (invoke "straddle") (i64.const 0x1122334455667788))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 2))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const -1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0x10000)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 3))
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "load32" (i32.const 196604)) (i32.const 0))
(assert_trap (invoke "load32" (i32.const 196605)) "out of bounds memory access")
(assert_return (invoke "load32-off-65532" (i32.const 131072)) (i32.const 0))
(assert_trap (invoke "load32-off-65532" (i32.const 131073)) "out of bounds memory access")

;; A memory shared by two instances: the importer sees the exporter's
;; growth, data and edges.
(register "M")
(module
  (import "M" "mem" (memory 1))
  (func (export "size") (result i32) (memory.size))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "load32" (i32.const 65532)) (i32.const 0x55667788))
(assert_return (invoke "load32" (i32.const 196604)) (i32.const 0))
(assert_trap (invoke "load32" (i32.const 196605)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))

;; A memory of zero pages: every access traps until it grows.
(module
  (memory 0)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store8") (param i32) (i32.store8 (local.get 0) (i32.const 7)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
(assert_trap (invoke "load8" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "store8" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const 0))
(invoke "store8" (i32.const 65535))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 7))
(assert_trap (invoke "load8" (i32.const 65536)) "out of bounds memory access")

;; A memory whose maximum is its minimum cannot grow at all, not even by 0
;; pages past it.
(module
  (memory 2 2)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 2))
