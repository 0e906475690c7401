;; Modules the one-pass validator must reject (assert_invalid), and binary
;; modules the decoder must reject (assert_malformed). kiln validates while
;; it compiles, so these also check that the compiler's bookkeeping (stack
;; heights, label arities, dead code) does not let a bad module through.

;; ---- type errors the compiler sees while emitting code

(assert_invalid
  (module (func (block (result i32) (block (br_table 0 1 (i32.const 0) (i32.const 0))) (i32.const 0)) (drop)))
  "type mismatch")
(assert_invalid
  (module (func (result i32)
    (block $a (result i32) (block $b (result i64) (br_table $a $b (i32.const 0) (i32.const 0)))) ))
  "type mismatch")
(assert_invalid
  (module (func (param i32) (result i64) (local.get 0) (if (param i32) (result i64) (i32.const 1) (then (drop) (i64.const 0)))))
  "type mismatch")
(assert_invalid
  (module (func (block (i32.const 1))))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (block (result i32) (i32.const 1) (i32.const 2))))
  "type mismatch")
(assert_invalid
  (module (func (loop (param i32) (br 0 (i64.const 1)))))
  "type mismatch")
(assert_invalid
  (module (func (local i32) (local.set 0 (i64.const 1))))
  "type mismatch")
(assert_invalid
  (module (func (local f32) (drop (local.tee 0 (f64.const 1)))))
  "type mismatch")
(assert_invalid
  (module (func $f (param i32 i32)) (func (call $f (i32.const 1))))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (select (i32.const 1) (i64.const 1) (i32.const 1))))
  "type mismatch")
(assert_invalid
  (module (func (result funcref) (select (ref.null func) (ref.null func) (i32.const 1))))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (unreachable) (i64.const 0) (i32.add)))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (unreachable) (i64.const 0)))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (block (result i32) (br_if 0 (i64.const 1) (i32.const 1)))))
  "type mismatch")
(assert_invalid
  (module (func (result i32 i32) (i32.const 1) (return)))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (i32.const 0) (if (then (i32.const 1)) (else (i32.const 2)))))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (if (result i32) (i32.const 0) (then (i32.const 1)))))
  "type mismatch")
(assert_invalid
  (module (func (block (param i32) (drop))))
  "type mismatch")
(assert_invalid
  (module (func (i32.const 0) (block (param i64) (drop))))
  "type mismatch")
;; Dead code is still type-checked.
(assert_invalid
  (module (func (block (br 0) (br_table 0 2 (i32.const 0)))))
  "unknown label")
(assert_invalid
  (module (func (result i32) (return (i32.const 0)) (f32.add (i32.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (func (loop (result i32) (br 1) (i64.const 0))))
  "type mismatch")

;; ---- references to things that do not exist

(assert_invalid (module (func (param i32) (drop (local.get 1)))) "unknown local")
(assert_invalid (module (func (call 1))) "unknown function")
(assert_invalid (module (func (drop (i32.load (i32.const 0))))) "unknown memory")
(assert_invalid (module (func (drop (memory.size)))) "unknown memory")
(assert_invalid (module (func (call_indirect (type 0) (i32.const 0))) (type (func))) "unknown table")
(assert_invalid (module (func (br 1))) "unknown label")
(assert_invalid (module (func $f) (func (drop (ref.func $f)))) "undeclared function reference")
(assert_invalid (module (memory 1) (func (drop (i32.load align=8 (i32.const 0))))) "alignment must not be larger than natural")
(assert_invalid (module (memory 1) (func (drop (i64.load32_u align=8 (i32.const 0))))) "alignment must not be larger than natural")

;; ---- binary modules the decoder must reject

;; Truncated: no version.
(assert_malformed (module binary "\00asm\01\00\00") "unexpected end")
;; Wrong magic; wrong version.
(assert_malformed (module binary "\00asn\01\00\00\00") "magic header not detected")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
;; A function body without its end.
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\01\04\01\60\00\00" "\03\02\01\00" "\0a\04\01\02\00\01")
  "unexpected end")
;; A body shorter than the bytes its section holds.
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\01\04\01\60\00\00" "\03\02\01\00" "\0a\05\01\02\00\0b\0b")
  "section size mismatch")
;; More locals than fit in 32 bits.
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\01\04\01\60\00\00" "\03\02\01\00"
    "\0a\10\01\0e\02\ff\ff\ff\ff\0f\7f\ff\ff\ff\ff\0f\7f\0b")
  "too many locals")
;; LEB128: six bytes for a u32; five bytes with bits past 32.
(assert_malformed
  (module binary "\00asm\01\00\00\00" "\01\09\81\80\80\80\80\00\60\00\00")
  "integer representation too long")
(assert_malformed
  (module binary "\00asm\01\00\00\00" "\01\08\81\80\80\80\10\60\00\00")
  "integer too large")
;; An i32.const whose signed LEB128 has unused bits that disagree with the sign.
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\01\05\01\60\00\01\7f" "\03\02\01\00"
    "\0a\0a\01\08\00\41\80\80\80\80\70\0b")
  "integer too large")
;; Sections out of order; a section twice.
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\03\02\01\00" "\01\04\01\60\00\00" "\0a\04\01\02\00\0b")
  "unexpected content after last section")
(assert_malformed
  (module binary "\00asm\01\00\00\00" "\01\04\01\60\00\00" "\01\04\01\60\00\00")
  "unexpected content after last section")
;; An unknown section id.
(assert_malformed (module binary "\00asm\01\00\00\00" "\0e\00") "malformed section id")
;; A section longer than the module.
(assert_malformed (module binary "\00asm\01\00\00\00" "\01\05\01\60\00\00") "unexpected end")
;; A bad value type in a signature.
(assert_malformed
  (module binary "\00asm\01\00\00\00" "\01\05\01\60\01\7a\00")
  "malformed value type")
;; Function and code sections of different lengths.
(assert_malformed
  (module binary "\00asm\01\00\00\00" "\01\04\01\60\00\00" "\03\02\01\00" "\0a\01\00")
  "function and code section have inconsistent lengths")
;; An opcode that does not exist.
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\01\04\01\60\00\00" "\03\02\01\00" "\0a\05\01\03\00\06\0b")
  "illegal opcode")
;; The data count disagrees with the data section.
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\05\03\01\00\01" "\0c\01\02" "\0b\07\01\00\41\00\0b\01\61")
  "data count and data section have inconsistent lengths")
;; memory.size's reserved byte is not zero.
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\01\05\01\60\00\01\7f" "\03\02\01\00" "\05\03\01\00\01"
    "\0a\06\01\04\00\3f\01\0b")
  "zero byte expected")
;; A custom section whose name runs past the section.
(assert_malformed
  (module binary "\00asm\01\00\00\00" "\00\03\05\61\62")
  "unexpected end")
;; A function type that is not 0x60.
(assert_malformed
  (module binary "\00asm\01\00\00\00" "\01\04\01\61\00\00")
  "malformed function type")

;; ---- valid modules at the edges of the same rules

;; A polymorphic stack satisfies any block type, br_table arity or call.
(module
  (type $t (func (param i32 i64) (result f32 f64)))
  (func $f (type $t) (unreachable))
  (func (export "poly") (result i32)
    (block (result i32)
      (unreachable)
      (call $f)
      (drop) (drop)
      (br_table 0 0)))
  (func (export "poly-block") (result f32)
    (unreachable)
    (block (type $t) (unreachable))
    (drop))
)
(assert_trap (invoke "poly") "unreachable")
(assert_trap (invoke "poly-block") "unreachable")
