;; Modules the SIMD validator must reject: lane indexes one past the last
;; lane for every lane width (extract, replace, lane loads and stores, and
;; a shuffle index of 32), alignments one step above natural for each
;; access size, v128 where a scalar is expected and the reverse, v128
;; constants in scalar initialisers, and the opcodes the SIMD encoding
;; leaves unassigned (binary, since no text names them).

(assert_invalid (module (func (result i32) (i8x16.extract_lane_u 16 (v128.const i64x2 0 0)))) "invalid lane index")
(assert_invalid (module (func (result i32) (i16x8.extract_lane_s 8 (v128.const i64x2 0 0)))) "invalid lane index")
(assert_invalid (module (func (result f32) (f32x4.extract_lane 4 (v128.const i64x2 0 0)))) "invalid lane index")
(assert_invalid (module (func (result i64) (i64x2.extract_lane 2 (v128.const i64x2 0 0)))) "invalid lane index")
(assert_invalid (module (func (result v128) (f64x2.replace_lane 2 (v128.const i64x2 0 0) (f64.const 0)))) "invalid lane index")
(assert_invalid (module (func (result v128) (i8x16.replace_lane 16 (v128.const i64x2 0 0) (i32.const 0)))) "invalid lane index")
(assert_invalid (module (memory 1) (func (result v128) (v128.load8_lane 16 (i32.const 0) (v128.const i64x2 0 0)))) "invalid lane index")
(assert_invalid (module (memory 1) (func (result v128) (v128.load64_lane 2 (i32.const 0) (v128.const i64x2 0 0)))) "invalid lane index")
(assert_invalid (module (memory 1) (func (v128.store16_lane 8 (i32.const 0) (v128.const i64x2 0 0)))) "invalid lane index")
(assert_invalid (module (memory 1) (func (v128.store32_lane 4 (i32.const 0) (v128.const i64x2 0 0)))) "invalid lane index")
(assert_invalid (module (func (result v128)
  (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 32 (v128.const i64x2 0 0) (v128.const i64x2 0 0)))) "invalid lane index")

(assert_invalid (module (memory 1) (func (result v128) (v128.load align=32 (i32.const 0)))) "alignment must not be larger than natural")
(assert_invalid (module (memory 1) (func (result v128) (v128.load8x8_s align=16 (i32.const 0)))) "alignment must not be larger than natural")
(assert_invalid (module (memory 1) (func (result v128) (v128.load16_splat align=4 (i32.const 0)))) "alignment must not be larger than natural")
(assert_invalid (module (memory 1) (func (result v128) (v128.load32_zero align=8 (i32.const 0)))) "alignment must not be larger than natural")
(assert_invalid (module (memory 1) (func (result v128) (v128.load8_lane align=2 0 (i32.const 0) (v128.const i64x2 0 0)))) "alignment must not be larger than natural")
(assert_invalid (module (memory 1) (func (v128.store64_lane align=16 0 (i32.const 0) (v128.const i64x2 0 0)))) "alignment must not be larger than natural")
(assert_invalid (module (func (result v128) (v128.load (i32.const 0)))) "unknown memory")

(assert_invalid (module (func (result v128) (i32x4.add (v128.const i64x2 0 0) (i32.const 0)))) "type mismatch")
(assert_invalid (module (func (result i32) (i32.add (v128.const i64x2 0 0) (i32.const 0)))) "type mismatch")
(assert_invalid (module (func (result v128) (i32x4.shl (v128.const i64x2 0 0) (i64.const 1)))) "type mismatch")
(assert_invalid (module (func (result v128) (i64x2.splat (i32.const 0)))) "type mismatch")
(assert_invalid (module (func (result v128) (f32x4.replace_lane 0 (v128.const i64x2 0 0) (i32.const 0)))) "type mismatch")
(assert_invalid (module (func (result i32) (v128.any_true (i32.const 0)))) "type mismatch")
(assert_invalid (module (func (result v128) (v128.bitselect (v128.const i64x2 0 0) (v128.const i64x2 0 0)))) "type mismatch")
(assert_invalid (module (func (result i64) (i8x16.bitmask (v128.const i64x2 0 0)))) "type mismatch")
(assert_invalid (module (func (param v128) (result v128) (select (local.get 0) (i32.const 1) (i32.const 0)))) "type mismatch")
(assert_invalid (module (global i32 (v128.const i64x2 0 0))) "type mismatch")
(assert_invalid (module (global v128 (i32.const 0))) "type mismatch")
(assert_invalid (module (func (result v128) (block (result v128) (i32.const 0)))) "type mismatch")

;; 0xfd 0x9a: an unassigned SIMD opcode (between i16x8.max_u and i16x8.avgr_u).
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\01\05\01\60\00\01\7b"                   ;; type (func (result v128))
    "\03\02\01\00"                            ;; one function
    "\0a\19\01\17\00"                         ;; code: one body, no locals
    "\fd\0c\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00"
    "\fd\9a\01\0b")
  "illegal opcode")
;; 0xfd 0x100: past the last opcode.
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\01\05\01\60\00\01\7b"
    "\03\02\01\00"
    "\0a\19\01\17\00"
    "\fd\0c\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00"
    "\fd\80\02\0b")
  "illegal opcode")
;; The same module with 0xfd 0x60 (i8x16.abs) in that place is valid.
(module binary
  "\00asm" "\01\00\00\00"
  "\01\05\01\60\00\01\7b"
  "\03\02\01\00"
  "\07\05\01\01\66\00\00"
  "\0a\18\01\16\00"
  "\fd\0c\80\00\00\00\00\00\00\00\00\00\00\00\00\00\00\ff"
  "\fd\60\0b")
(assert_return (invoke "f") (v128.const i8x16 0x80 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1))
