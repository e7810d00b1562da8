;; Linking root components through the script's registry: one component's exports feed the
;; imports of the next, and imports that cannot be satisfied are unlinkable.

(component $A
  (core module $m
    (global $n (mut i32) (i32.const 0))
    (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
    (func (export "bump") (result i32)
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (global.get $n)))
  (core instance $i (instantiate $m))
  (func (export "double") (param "x" u32) (result u32) (canon lift (core func $i "double")))
  (func (export "bump") (result u32) (canon lift (core func $i "bump"))))
(register "a" $A)

;; B imports A's instance, lowers both functions and calls them from core code.
(component definition $B
  (import "a" (instance $a
    (export "double" (func (param "x" u32) (result u32)))
    (export "bump" (func (result u32)))))
  (core func $double (canon lower (func $a "double")))
  (core func $bump (canon lower (func $a "bump")))
  (core module $m
    (import "a" "double" (func $double (param i32) (result i32)))
    (import "a" "bump" (func $bump (result i32)))
    (func (export "quad") (param i32) (result i32) (call $double (call $double (local.get 0))))
    (func (export "bump") (result i32) (call $bump)))
  (core instance $i (instantiate $m
    (with "a" (instance (export "double" (func $double)) (export "bump" (func $bump))))))
  (func (export "quad") (param "x" u32) (result u32) (canon lift (core func $i "quad")))
  (func (export "bump-a") (result u32) (canon lift (core func $i "bump"))))
(component instance $b1 $B)
(assert_return (invoke $b1 "quad" (u32.const 3)) (u32.const 12))
;; B calls the very instance of A the script registered: one counter between them.
(assert_return (invoke $A "bump") (u32.const 1))
(assert_return (invoke $b1 "bump-a") (u32.const 2))
(assert_return (invoke $A "bump") (u32.const 3))
(register "b" $b1)

;; A chain of three: C → B → A. C imports only part of B (a subset of its exports).
(component $C
  (import "b" (instance $b (export "quad" (func (param "x" u32) (result u32)))))
  (core func $quad (canon lower (func $b "quad")))
  (core module $m
    (import "b" "quad" (func $quad (param i32) (result i32)))
    (func (export "hex") (param i32) (result i32) (call $quad (call $quad (local.get 0)))))
  (core instance $i (instantiate $m (with "b" (instance (export "quad" (func $quad))))))
  (func (export "hex") (param "x" u32) (result u32) (canon lift (core func $i "hex"))))
(assert_return (invoke $C "hex" (u32.const 1)) (u32.const 16))

;; Registering a name again replaces it for components linked afterwards; components
;; linked before keep what they were given.
(component $A3
  (core module $m
    (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
    (func (export "bump") (result i32) (i32.const -1)))
  (core instance $i (instantiate $m))
  (func (export "double") (param "x" u32) (result u32) (canon lift (core func $i "double")))
  (func (export "bump") (result u32) (canon lift (core func $i "bump"))))
(register "a" $A3)
(component instance $b2 $B)
(assert_return (invoke $b2 "quad" (u32.const 1)) (u32.const 9))
(assert_return (invoke $b1 "quad" (u32.const 1)) (u32.const 4))
(assert_return (invoke $C "hex" (u32.const 1)) (u32.const 16))
(assert_return (invoke $b2 "bump-a") (u32.const 0xffffffff))
(assert_return (invoke $b1 "bump-a") (u32.const 4))

;; An exported instance, imported as a nested instance; an interface name with a version.
(component $lib
  (core module $m (func (export "neg") (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0))))
  (core instance $i (instantiate $m))
  (func $neg (param "x" s32) (result s32) (canon lift (core func $i "neg")))
  (instance $ops (export "neg" (func $neg)))
  (export "ops" (instance $ops))
  (export "neg" (func $neg)))
(register "lib" $lib)
(register "test:math/ops@1.0.0" $lib)
(component $user
  (import "lib" (instance $lib
    (export "ops" (instance (export "neg" (func (param "x" s32) (result s32)))))))
  (import "test:math/ops@1.0.0" (instance $v (export "neg" (func (param "x" s32) (result s32)))))
  (alias export $lib "ops" (instance $ops))
  (core func $neg (canon lower (func $ops "neg")))
  (core func $vneg (canon lower (func $v "neg")))
  (core module $m
    (import "" "neg" (func $neg (param i32) (result i32)))
    (import "" "vneg" (func $vneg (param i32) (result i32)))
    (func (export "f") (param i32) (result i32)
      (i32.add (call $neg (local.get 0)) (call $vneg (i32.const 1)))))
  (core instance $i (instantiate $m (with "" (instance (export "neg" (func $neg)) (export "vneg" (func $vneg))))))
  (func (export "f") (param "x" s32) (result s32) (canon lift (core func $i "f"))))
(assert_return (invoke $user "f" (s32.const 5)) (s32.const -6))
;; A semver-compatible version of the same interface links too.
(component
  (import "test:math/ops@1.2.0" (instance $v (export "neg" (func (param "x" s32) (result s32)))))
  (export "neg" (func $v "neg")))
(assert_return (invoke "neg" (s32.const 7)) (s32.const -7))

;; Imports that cannot be satisfied.
(assert_unlinkable
  (component (import "nothing-here" (instance)))
  "component import `nothing-here` is not defined")
(assert_unlinkable
  (component (import "test:math/ops@2.0.0" (instance (export "neg" (func (param "x" s32) (result s32))))))
  "is not defined")
(assert_unlinkable
  (component (import "a" (instance (export "triple" (func (param "x" u32) (result u32))))))
  "`triple` not exported")
(assert_unlinkable
  (component (import "a" (func)))
  "expected a Func, got a instance")
(assert_unlinkable
  (component (import "a" (instance (export "double" (type (sub resource))))))
  "a function was given where another kind was expected")
(assert_unlinkable
  (component (import "lib" (instance (export "ops" (func)))))
  "instance was given where another kind was expected")
(assert_unlinkable
  (component (import "a" (instance (export "double" (func (param "x" string) (result string))))))
  "type mismatch")
(assert_unlinkable
  (component (import "a" (instance (export "double" (func)))))
  "type mismatch")

;; Types are checked too: a resource import needs a resource, a defined type the same type.
(component $types
  (type $e' (enum "a" "b"))
  (export "e" (type $e'))
  (type $r' (resource (rep i32)))
  (export "r" (type $r')))
(register "types" $types)
(component
  (import "types" (instance
    (type $e' (enum "a" "b"))
    (export "e" (type (eq $e')))
    (export "r" (type (sub resource))))))
(assert_unlinkable
  (component (import "types" (instance (export "e" (type (sub resource))))))
  "expected resource")
(assert_unlinkable
  (component (import "types" (instance (type $e' (enum "a" "b")) (export "r" (type (eq $e'))))))
  "expected enum")
