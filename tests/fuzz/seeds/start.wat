;; A start function, mutable globals read by exports, a trap during init.
(module
  (memory 1)
  (global $n (mut i64) (i64.const 41))
  (global $k i32 (i32.const 7))
  (func $start (global.set $n (i64.add (global.get $n) (i64.const 1))) (i64.store (i32.const 0) (global.get $n)))
  (start $start)
  (func (export "n") (result i64) (i64.load (i32.const 0)))
  (func (export "k") (result i32) (global.get $k)))
