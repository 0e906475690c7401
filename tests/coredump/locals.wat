;; Locals of every type, with known values, in the frame that traps: the
;; coredump format carries i32/i64/f32/f64 and writes the others (v128,
;; references) as "missing"; a v128 takes two of kiln's slots, so the values
;; after it check that they are not shifted.
(module
  (memory 1 3)
  (data (i32.const 100) "kiln")
  (data (i32.const 40000) "\01\02\03")
  (global (export "counter") (mut i32) (i32.const 5))
  (global f64 (f64.const -0.25))
  (global (mut v128) (v128.const i32x4 1 2 3 4))
  (func $inner (param $a i32) (param $b f32) (result i32)
    (local $v v128) (local $c i64) (local $d f64) (local $r funcref) (local $e i32)
    (local.set $v (v128.const i64x2 -1 -1))
    (local.set $c (i64.const -5000000000))
    (local.set $d (f64.const 6.25))
    (local.set $e (i32.const -9))
    (unreachable))
  (func $outer (param $n i32) (result i32)
    (call $inner (i32.add (local.get $n) (i32.const 1)) (f32.const 1.5)))
  (func (export "_start")
    (drop (call $outer (i32.const 41)))))
