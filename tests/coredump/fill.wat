;; memory.fill past the end: an out-of-bounds trap from a bulk operation.
(module
  (memory 1)
  (func (export "_start")
    (memory.fill (i32.const 65000) (i32.const 255) (i32.const 1000))))
