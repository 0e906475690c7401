;; table.get past the end of a table: the table-out-of-bounds trap kind,
;; which C cannot reach (its function pointers go through call_indirect).
(module
  (table 2 funcref)
  (memory 1)
  (global $g (mut i64) (i64.const -42))
  (func $get (param $i i32) (result funcref)
    (table.get 0 (local.get $i)))
  (func (export "_start")
    (global.set $g (i64.const 0x123456789))
    (drop (call $get (i32.const 5)))))
