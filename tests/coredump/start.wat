;; A trap in the start function, while instantiating: kiln has no instance
;; handle yet, the trap's frames lead to it.
(module
  (memory 1)
  (global $phase (mut i32) (i32.const 0))
  (func $init
    (global.set $phase (i32.const 7))
    (i32.store (i32.const 16) (i32.const 0x11223344))
    (drop (i32.div_u (i32.const 1) (global.get $phase)))
    (drop (i32.load (i32.const 70000))))
  (start $init)
  (func (export "_start")))
