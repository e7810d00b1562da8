;; The component rows of the benchmarks: `run` for instantiation (returns x + 1), and `abi`
;; for the Canonical ABI's cost: a string and a list of records in (lowered into guest
;; memory through `realloc`), a string out (lifted back), then `post-return`, which resets
;; the bump allocator so repeated calls do not grow memory.
(component
  (core module $m
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (if (i32.gt_u (global.get $bump) (i32.const 65536)) (then unreachable))
      (local.get $p))
    (func (export "run") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    ;; Returns its string argument, with the list's length in the first byte.
    (func (export "abi") (param $s i32) (param $slen i32) (param $l i32) (param $llen i32) (result i32)
      (i32.store8 (local.get $s) (i32.add (i32.const 48) (local.get $llen)))
      (i32.store (i32.const 16) (local.get $s))
      (i32.store (i32.const 20) (local.get $slen))
      (i32.const 16))
    (func (export "post") (param i32) (global.set $bump (i32.const 1024))))
  (core instance $i (instantiate $m))
  (type $item (record (field "id" u32) (field "name" string) (field "score" f64)))
  (export $item2 "item" (type $item))
  (func (export "run") (param "x" s32) (result s32) (canon lift (core func $i "run")))
  (func (export "abi") (param "s" string) (param "items" (list $item2)) (result string)
    (canon lift (core func $i "abi") (memory (core memory $i "memory"))
      (realloc (core func $i "realloc")) (post-return (core func $i "post")))))
