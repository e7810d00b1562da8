;; memory.grow keeps the old contents and zeroes the new pages, for the small grows that
;; extend the buffer in place and for the large ones (more than 16 MiB) that get a fresh,
;; lazily zeroed buffer (StoreInner::grow_memory).
(module
  (memory 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "store") (param i32 i64) (i64.store (local.get 0) (local.get 1))))

(invoke "store" (i32.const 8) (i64.const 0x0102030405060708))
(invoke "store" (i32.const 65528) (i64.const -1))
;; small: 1 -> 3 pages
(assert_return (invoke "grow" (i32.const 2)) (i32.const 1))
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "load" (i32.const 8)) (i64.const 0x0102030405060708))
(assert_return (invoke "load" (i32.const 65528)) (i64.const -1))
(assert_return (invoke "load" (i32.const 65536)) (i64.const 0))
(assert_return (invoke "load" (i32.const 196600)) (i64.const 0))
(assert_trap (invoke "load" (i32.const 196601)) "out of bounds memory access")
(invoke "store" (i32.const 196600) (i64.const 42))
;; large: 3 -> 303 pages (300 pages, 18.75 MiB)
(assert_return (invoke "grow" (i32.const 300)) (i32.const 3))
(assert_return (invoke "size") (i32.const 303))
(assert_return (invoke "load" (i32.const 8)) (i64.const 0x0102030405060708))
(assert_return (invoke "load" (i32.const 65528)) (i64.const -1))
(assert_return (invoke "load" (i32.const 196600)) (i64.const 42))
(assert_return (invoke "load" (i32.const 196608)) (i64.const 0))
(assert_return (invoke "load" (i32.const 19857400)) (i64.const 0))
(assert_trap (invoke "load" (i32.const 19857401)) "out of bounds memory access")
;; and small again after a large one
(assert_return (invoke "grow" (i32.const 1)) (i32.const 303))
(assert_return (invoke "load" (i32.const 19857400)) (i64.const 0))
(assert_return (invoke "load" (i32.const 19922936)) (i64.const 0))
(assert_return (invoke "load" (i32.const 8)) (i64.const 0x0102030405060708))
