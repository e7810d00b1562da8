;; Reentrance (CanonicalABI.md, "may_enter"): entering a component instance enters its
;; ancestors too, and a call from one instance into another enters only what the caller is
;; not already inside. So a child may call back into its parent (donut wrapping), but
;; nothing may enter an instance that is already running.

;; P → C1 → C2 → P: each step enters only the callee, so every call succeeds.
(component
  (core module $m2 (func (export "h") (result i32) (i32.const 7)))
  (core instance $m2 (instantiate $m2))
  (func $h (result u32) (canon lift (core func $m2 "h")))
  (component $C2
    (import "h" (func $h (result u32)))
    (core func $h (canon lower (func $h)))
    (core module $m
      (import "" "h" (func $h (result i32)))
      (func (export "g") (result i32) (i32.add (call $h) (i32.const 10))))
    (core instance $i (instantiate $m (with "" (instance (export "h" (func $h))))))
    (func (export "g") (result u32) (canon lift (core func $i "g"))))
  (component $C1
    (import "g" (func $g (result u32)))
    (core func $g (canon lower (func $g)))
    (core module $m
      (import "" "g" (func $g (result i32)))
      (func (export "f") (result i32) (i32.add (call $g) (i32.const 100))))
    (core instance $i (instantiate $m (with "" (instance (export "g" (func $g))))))
    (func (export "f") (result u32) (canon lift (core func $i "f"))))
  (instance $c2 (instantiate $C2 (with "h" (func $h))))
  (instance $c1 (instantiate $C1 (with "g" (func $c2 "g"))))
  (core func $f (canon lower (func $c1 "f")))
  (core module $m1
    (import "" "f" (func $f (result i32)))
    (func (export "run") (result i32) (i32.add (call $f) (i32.const 1000))))
  (core instance $m1 (instantiate $m1 (with "" (instance (export "f" (func $f))))))
  (func (export "run") (result u32) (canon lift (core func $m1 "run")))
  (export "c1-f" (func $c1 "f")))
(assert_return (invoke "run") (u32.const 1117))
(assert_return (invoke "run") (u32.const 1117))
;; The child's export re-exported by the parent: the host enters both.
(assert_return (invoke "c1-f") (u32.const 117))

;; P → C1 → C2 → P, and then P calls C1 again (through a table): C1 is running.
(component
  (core module $tab (table (export "t") 1 funcref))
  (core instance $tab (instantiate $tab))
  (core module $m2
    (import "" "t" (table 1 funcref))
    (type $ret (func (result i32)))
    (func (export "h") (result i32) (call_indirect (type $ret) (i32.const 0))))
  (core instance $m2 (instantiate $m2 (with "" (instance $tab))))
  (func $h (result u32) (canon lift (core func $m2 "h")))
  (component $C1
    (import "h" (func $h (result u32)))
    (core func $h (canon lower (func $h)))
    (core module $m
      (import "" "h" (func $h (result i32)))
      (global $depth (mut i32) (i32.const 0))
      (func (export "f") (result i32)
        (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
        (if (result i32) (i32.gt_u (global.get $depth) (i32.const 1))
          (then (i32.const 99))
          (else (call $h)))))
    (core instance $i (instantiate $m (with "" (instance (export "h" (func $h))))))
    (func (export "f") (result u32) (canon lift (core func $i "f"))))
  (instance $c1 (instantiate $C1 (with "h" (func $h))))
  (core func $f (canon lower (func $c1 "f")))
  (core module $fill
    (import "" "t" (table 1 funcref))
    (import "" "f" (func $f (result i32)))
    (elem (table 0) (i32.const 0) func $f))
  (core instance (instantiate $fill (with "" (instance (export "t" (table $tab "t")) (export "f" (func $f))))))
  (core module $m1
    (import "" "f" (func $f (result i32)))
    (func (export "run") (result i32) (call $f)))
  (core instance $m1 (instantiate $m1 (with "" (instance (export "f" (func $f))))))
  (func (export "run") (result u32) (canon lift (core func $m1 "run")))
  (func (export "h") (result u32) (canon lift (core func $m2 "h"))))
(assert_trap (invoke "run") "cannot enter component instance")
;; The trap left P and C1 entered: P's exports cannot be entered any more.
(assert_trap (invoke "h") "cannot enter component instance")

;; A component calling its own export through `canon lower` stays inside itself: allowed.
(component
  (core module $m (func (export "seven") (result i32) (i32.const 7)))
  (core instance $m (instantiate $m))
  (func $seven (result u32) (canon lift (core func $m "seven")))
  (core func $seven-lowered (canon lower (func $seven)))
  (core module $n
    (import "" "seven" (func $seven (result i32)))
    (func (export "run") (result i32) (i32.mul (call $seven) (i32.const 6))))
  (core instance $n (instantiate $n (with "" (instance (export "seven" (func $seven-lowered))))))
  (func (export "run") (result u32) (canon lift (core func $n "run"))))
(assert_return (invoke "run") (u32.const 42))

;; A trap inside a child leaves the child and its parent entered: the host can no longer call
;; the parent, nor another child through the parent.
(component
  (component $C
    (core module $m
      (func (export "boom") (result i32) unreachable)
      (func (export "ok") (result i32) (i32.const 1)))
    (core instance $i (instantiate $m))
    (func (export "boom") (result u32) (canon lift (core func $i "boom")))
    (func (export "ok") (result u32) (canon lift (core func $i "ok"))))
  (instance $c1 (instantiate $C))
  (instance $c3 (instantiate $C))
  (core func $boom (canon lower (func $c1 "boom")))
  (core module $m
    (import "" "boom" (func $boom (result i32)))
    (func (export "run") (result i32) (call $boom))
    (func (export "ok") (result i32) (i32.const 2)))
  (core instance $i (instantiate $m (with "" (instance (export "boom" (func $boom))))))
  (func (export "run") (result u32) (canon lift (core func $i "run")))
  (func (export "ok") (result u32) (canon lift (core func $i "ok")))
  (export "c3-ok" (func $c3 "ok")))
(assert_return (invoke "c3-ok") (u32.const 1))
(assert_return (invoke "ok") (u32.const 2))
(assert_trap (invoke "run") "unreachable")
(assert_trap (invoke "ok") "cannot enter component instance")
(assert_trap (invoke "c3-ok") "cannot enter component instance")

;; Root components linked through the registry: a call chain across three roots works, and
;; a root that traps stays closed while the others remain usable.
(component $leaf
  (core module $m
    (func (export "f") (param i32) (result i32)
      (if (i32.eqz (local.get 0)) (then unreachable))
      (local.get 0)))
  (core instance $i (instantiate $m))
  (func (export "f") (param "x" u32) (result u32) (canon lift (core func $i "f"))))
(register "leaf" $leaf)
(component $mid
  (import "leaf" (instance $leaf (export "f" (func (param "x" u32) (result u32)))))
  (core func $f (canon lower (func $leaf "f")))
  (core module $m
    (import "" "f" (func $f (param i32) (result i32)))
    (func (export "g") (param i32) (result i32) (i32.add (call $f (local.get 0)) (i32.const 1))))
  (core instance $i (instantiate $m (with "" (instance (export "f" (func $f))))))
  (func (export "g") (param "x" u32) (result u32) (canon lift (core func $i "g")))
  (func (export "h") (param "x" u32) (result u32) (canon lift (core func $i "g"))))
(assert_return (invoke $mid "g" (u32.const 5)) (u32.const 6))
(assert_trap (invoke $mid "g" (u32.const 0)) "unreachable")
(assert_trap (invoke $mid "h" (u32.const 5)) "cannot enter component instance")
(assert_trap (invoke $leaf "f" (u32.const 5)) "cannot enter component instance")

;; Dropping an own handle enters the resource's implementation (to run its destructor), so
;; it traps while the implementation is running. `$I.run` calls back into the parent,
;; which calls `$U` through a table; `$U` then drops a handle of `$I`'s resource.
(component definition $D
  (core module $tab (table (export "t") 1 funcref))
  (core instance $tab (instantiate $tab))
  (core module $pm (import "" "t" (table 1 funcref)) (type $v (func))
    (func (export "cb") (call_indirect (type $v) (i32.const 0))))
  (core instance $pm (instantiate $pm (with "" (instance $tab))))
  (func $cb (canon lift (core func $pm "cb")))
  (component $I
    (import "cb" (func $cb))
    (core module $d (func (export "dtor") (param i32)))
    (core instance $d (instantiate $d))
    (type $r (resource (rep i32)))
    (type $rd (resource (rep i32) (dtor (core func $d "dtor"))))
    (core func $new (canon resource.new $r))
    (core func $newd (canon resource.new $rd))
    (core func $cb (canon lower (func $cb)))
    (core module $m
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "newd" (func $newd (param i32) (result i32)))
      (import "" "cb" (func $cb))
      (func (export "make") (result i32) (call $new (i32.const 1)))
      (func (export "maked") (result i32) (call $newd (i32.const 1)))
      (func (export "run") (call $cb)))
    (core instance $i (instantiate $m (with "" (instance (export "new" (func $new)) (export "newd" (func $newd)) (export "cb" (func $cb))))))
    (export $r' "r" (type $r))
    (export $rd' "rd" (type $rd))
    (func (export "make") (result (own $r')) (canon lift (core func $i "make")))
    (func (export "maked") (result (own $rd')) (canon lift (core func $i "maked")))
    (func (export "run") (canon lift (core func $i "run"))))
  (instance $i (instantiate $I (with "cb" (func $cb))))
  (alias export $i "r" (type $ir))
  (alias export $i "rd" (type $ird))
  (component $U
    (import "r" (type $r (sub resource)))
    (import "rd" (type $rd (sub resource)))
    (import "make" (func $make (result (own $r))))
    (import "maked" (func $maked (result (own $rd))))
    (core func $make (canon lower (func $make)))
    (core func $maked (canon lower (func $maked)))
    (core func $drop (canon resource.drop $r))
    (core func $dropd (canon resource.drop $rd))
    (core module $m
      (import "" "make" (func $make (result i32)))
      (import "" "maked" (func $maked (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (import "" "dropd" (func $dropd (param i32)))
      (global $h (mut i32) (i32.const 0))
      (global $which (mut i32) (i32.const 0))
      (func (export "take") (global.set $h (call $make)))
      (func (export "taked") (global.set $h (call $maked)) (global.set $which (i32.const 1)))
      (func (export "drop") (if (global.get $which) (then (call $dropd (global.get $h))) (else (call $drop (global.get $h))))))
    (core instance $i (instantiate $m (with "" (instance (export "make" (func $make)) (export "maked" (func $maked)) (export "drop" (func $drop)) (export "dropd" (func $dropd))))))
    (func (export "take") (canon lift (core func $i "take")))
    (func (export "taked") (canon lift (core func $i "taked")))
    (func (export "drop") (canon lift (core func $i "drop"))))
  (instance $u (instantiate $U (with "r" (type $ir)) (with "rd" (type $ird)) (with "make" (func $i "make")) (with "maked" (func $i "maked"))))
  (core func $udrop (canon lower (func $u "drop")))
  (core module $fill (import "" "t" (table 1 funcref)) (import "" "f" (func $f)) (elem (table 0) (i32.const 0) func $f))
  (core instance (instantiate $fill (with "" (instance (export "t" (table $tab "t")) (export "f" (func $udrop))))))
  (export "take" (func $u "take"))
  (export "taked" (func $u "taked"))
  (export "run" (func $i "run")))
(component instance $d $D)
(assert_return (invoke $d "taked"))
(assert_trap (invoke $d "run") "cannot enter component instance")
(component instance $d $D)
(assert_return (invoke $d "take"))
(assert_trap (invoke $d "run") "cannot enter component instance")
