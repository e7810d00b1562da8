;; Instantiation: core instances, aliases, nested components, instances built from exports,
;; component definitions instantiated more than once, start functions, and components the
;; loader must reject.

;; The smallest component with behaviour: one lifted core function.
(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32)
      (i32.add (local.get 0) (local.get 1))))
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "add"))))
(assert_return (invoke "add" (u32.const 2) (u32.const 40)) (u32.const 42))
(assert_return (invoke "add" (u32.const 0xffffffff) (u32.const 2)) (u32.const 1))

;; A component definition instantiated twice: each instance has its own core state.
(component definition $Counter
  (core module $m
    (global $n (mut i32) (i32.const 0))
    (func (export "inc") (result i32)
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (global.get $n)))
  (core instance $i (instantiate $m))
  (func (export "inc") (result u32) (canon lift (core func $i "inc"))))
(component instance $c1 $Counter)
(component instance $c2 $Counter)
(assert_return (invoke $c1 "inc") (u32.const 1))
(assert_return (invoke $c1 "inc") (u32.const 2))
(assert_return (invoke $c2 "inc") (u32.const 1))
(assert_return (invoke $c1 "inc") (u32.const 3))
(assert_return (invoke $c2 "inc") (u32.const 2))

;; A named component; invoking it by name after another component was instantiated.
(component $named
  (core module $m (func (export "f") (result i32) (i32.const 77)))
  (core instance $i (instantiate $m))
  (func (export "f") (result u32) (canon lift (core func $i "f"))))
(component
  (core module $m (func (export "f") (result i32) (i32.const 88)))
  (core instance $i (instantiate $m))
  (func (export "f") (result u32) (canon lift (core func $i "f"))))
(assert_return (invoke $named "f") (u32.const 77))
(assert_return (invoke "f") (u32.const 88))

;; One nested component instantiated twice inside a parent: separate state again.
(component
  (component $C
    (core module $m
      (global $n (mut i32) (i32.const 100))
      (func (export "inc") (result i32)
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (global.get $n)))
    (core instance $i (instantiate $m))
    (func (export "inc") (result u32) (canon lift (core func $i "inc"))))
  (instance $a (instantiate $C))
  (instance $b (instantiate $C))
  (export "a-inc" (func $a "inc"))
  (export "b-inc" (func $b "inc")))
(assert_return (invoke "a-inc") (u32.const 101))
(assert_return (invoke "a-inc") (u32.const 102))
(assert_return (invoke "b-inc") (u32.const 101))

;; Core instances built from exports, and core aliases of every kind: a function, a global,
;; a memory and a table of one core instance feed another.
(component
  (core module $lib
    (func $seven (export "seven") (result i32) (i32.const 7))
    (memory (export "mem") 1)
    (global (export "g") i32 (i32.const 35))
    (table (export "t") 1 funcref)
    (elem (i32.const 0) func $seven))
  (core instance $lib (instantiate $lib))
  (alias core export $lib "seven" (core func $seven))
  (alias core export $lib "g" (core global $g))
  (alias core export $lib "mem" (core memory $mem))
  (alias core export $lib "t" (core table $t))
  (core instance $env
    (export "seven" (func $seven))
    (export "g" (global $g))
    (export "mem" (memory $mem))
    (export "t" (table $t)))
  (core module $user
    (import "env" "seven" (func $seven (result i32)))
    (import "env" "g" (global $g i32))
    (import "env" "mem" (memory 1))
    (import "env" "t" (table 1 funcref))
    (type $ret (func (result i32)))
    (func (export "run") (result i32)
      (i32.store (i32.const 16) (i32.const 100))
      (i32.add
        (i32.add (call $seven) (global.get $g))
        (i32.add (i32.load (i32.const 16)) (call_indirect (type $ret) (i32.const 0))))))
  (core instance $u (instantiate $user (with "env" (instance $env))))
  (core module $reader
    (import "env" "mem" (memory 1))
    (func (export "peek") (result i32) (i32.load (i32.const 16))))
  (core instance $r (instantiate $reader (with "env" (instance $env))))
  (func (export "run") (result u32) (canon lift (core func $u "run")))
  (func (export "peek") (result u32) (canon lift (core func $r "peek"))))
(assert_return (invoke "peek") (u32.const 0))
(assert_return (invoke "run") (u32.const 149))
;; The memory is one memory, shared by the two core instances.
(assert_return (invoke "peek") (u32.const 100))

;; Outer aliases: a nested component uses its parent's core module and component.
(component
  (core module $m (func (export "f") (result i32) (i32.const 11)))
  (component $leaf
    (alias outer 1 $m (core module $m2))
    (core instance $i (instantiate $m2))
    (func (export "f") (result u32) (canon lift (core func $i "f"))))
  (component $middle
    (alias outer 1 $leaf (component $leaf2))
    (instance $l (instantiate $leaf2))
    (alias export $l "f" (func $f))
    (export "g" (func $f)))
  (instance $mid (instantiate $middle))
  (export "g" (func $mid "g")))
(assert_return (invoke "g") (u32.const 11))

;; Functions passed between sibling components: as a bare function import, as an instance
;; import, and as an instance synthesised from exports.
(component
  (component $provider
    (core module $m
      (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2))))
    (core instance $i (instantiate $m))
    (func (export "double") (param "x" u32) (result u32) (canon lift (core func $i "double"))))
  (component $by-func
    (import "double" (func $d (param "x" u32) (result u32)))
    (core func $d (canon lower (func $d)))
    (core module $m
      (import "" "d" (func $d (param i32) (result i32)))
      (func (export "quad") (param i32) (result i32) (call $d (call $d (local.get 0)))))
    (core instance $i (instantiate $m (with "" (instance (export "d" (func $d))))))
    (func (export "quad") (param "x" u32) (result u32) (canon lift (core func $i "quad"))))
  (component $by-instance
    (import "math" (instance $math (export "double" (func (param "x" u32) (result u32)))))
    (alias export $math "double" (func $d))
    (core func $d (canon lower (func $d)))
    (core module $m
      (import "" "d" (func $d (param i32) (result i32)))
      (func (export "octo") (param i32) (result i32) (call $d (call $d (call $d (local.get 0))))))
    (core instance $i (instantiate $m (with "" (instance (export "d" (func $d))))))
    (func (export "octo") (param "x" u32) (result u32) (canon lift (core func $i "octo"))))
  (instance $p (instantiate $provider))
  (instance $q (instantiate $by-func (with "double" (func $p "double"))))
  (instance $o1 (instantiate $by-instance (with "math" (instance $p))))
  (instance $syn (export "double" (func $q "quad")))
  (instance $o2 (instantiate $by-instance (with "math" (instance $syn))))
  (export "quad" (func $q "quad"))
  (export "octo" (func $o1 "octo"))
  (export "quad-cubed" (func $o2 "octo"))
  ;; An exported instance; its function is invoked as `instance#function`.
  (instance $api (export "double" (func $p "double")) (export "quad" (func $q "quad")))
  (export "api" (instance $api)))
(assert_return (invoke "quad" (u32.const 5)) (u32.const 20))
(assert_return (invoke "octo" (u32.const 5)) (u32.const 40))
(assert_return (invoke "quad-cubed" (u32.const 1)) (u32.const 64))
(assert_return (invoke "api#double" (u32.const 21)) (u32.const 42))
(assert_return (invoke "api#quad" (u32.const 3)) (u32.const 12))

;; A core start function runs at instantiation, in definition order.
(component
  (core module $m
    (global $g (mut i32) (i32.const 0))
    (func $start (global.set $g (i32.const 5)))
    (start $start)
    (func (export "get") (result i32) (global.get $g)))
  (core instance $i (instantiate $m))
  (func (export "get") (result u32) (canon lift (core func $i "get"))))
(assert_return (invoke "get") (u32.const 5))

;; A start function that traps makes the component uninstantiable.
(assert_trap
  (component
    (core module $m (func $start unreachable) (start $start))
    (core instance (instantiate $m)))
  "unreachable")
(assert_trap
  (component
    (component $inner
      (core module $m (func $start (drop (i32.div_u (i32.const 1) (i32.const 0)))) (start $start))
      (core instance (instantiate $m)))
    (instance (instantiate $inner)))
  "integer divide by zero")

;; Components written as quoted text and as binary.
(component quote
  "(core module $m (func (export \"f\") (result i32) (i32.const 5)))"
  "(core instance $i (instantiate $m))"
  "(func (export \"f\") (result u32) (canon lift (core func $i \"f\")))")
(assert_return (invoke "f") (u32.const 5))
(component binary "\00asm\0d\00\01\00")

;; A plain `invoke` runs for its effects; core traps and stack exhaustion inside a
;; component are reported as such.
(component
  (core module $m
    (global $n (mut i32) (i32.const 0))
    (func (export "inc") (global.set $n (i32.add (global.get $n) (i32.const 1))))
    (func (export "get") (result i32) (global.get $n))
    (func $rec (export "rec") (call $rec))
    (func (export "div") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0))))
  (core instance $i (instantiate $m))
  (func (export "inc") (canon lift (core func $i "inc")))
  (func (export "get") (result u32) (canon lift (core func $i "get")))
  (func (export "rec") (canon lift (core func $i "rec")))
  (func (export "div") (param "x" s32) (result s32) (canon lift (core func $i "div"))))
(invoke "inc")
(invoke "inc")
(assert_return (invoke "get") (u32.const 2))
(assert_return (invoke "div" (s32.const -1)) (s32.const -1))
(assert_exhaustion (invoke "rec") "call stack exhausted")

;; Components the loader rejects.
(assert_invalid
  (component
    (core module $m (func (export "f") (param i32)))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" string) (canon lift (core func $i "f"))))
  "canonical option `memory` is required")
(assert_invalid
  (component
    (core module $m (func (export "f") (param i32)))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" u64) (canon lift (core func $i "f"))))
  "do not match parameter types")
(assert_invalid
  (component (import "a" (func)) (import "a" (func)))
  "conflicts with previous name")
(assert_invalid
  (component (core module (func (result i32))))
  "type mismatch")
(assert_invalid
  (component (export "f" (func 0)))
  "function index out of bounds")
(assert_invalid
  (component
    (core module $m (func (export "f")))
    (core instance $i (instantiate $m))
    (core instance $j (instantiate $m))
    (func (export "f") (canon lift (core func $i "g"))))
  "core instance 0 has no export named `g`")
(assert_malformed
  (component quote "(core module $m") "unexpected end")
(assert_malformed
  (component binary "\00asm\0d\00\01\00\ff")
  "malformed section id")
(assert_malformed
  (component binary "\00asm\0d\00\01\00\01\05\00")
  "unexpected end")
