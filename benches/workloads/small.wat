;; The small module for the instantiation benchmark: one import, one page of memory with a data
;; segment, a mutable global, a table with an element segment and four functions — about what a
;; tiny plugin or a unit test module looks like.
(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (table 4 funcref)
  (elem (i32.const 0) $add $sub $twice $host)
  (data (i32.const 16) "\2a\00\00\00tessera small module")
  (type $binop (func (param i32 i32) (result i32)))
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $twice (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1)))
  ;; run(x) = host(x) + (load 16 = 42) - calls, with calls = 1 on the first call.
  (func (export "run") (param $x i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (call_indirect (type $binop)
      (call_indirect (type $binop)
        (call $host (local.get $x))
        (i32.load (i32.const 16))
        (i32.const 0))
      (global.get $calls)
      (i32.const 1))))
