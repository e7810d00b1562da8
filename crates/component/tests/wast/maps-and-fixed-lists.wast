;; map<K, V> (carried as list<tuple<K, V>>) and fixed-length lists list<T, N> (laid out
;; inline, flattened N times): between the host and a component, and between two
;; components, with the exact bytes the core code sees.

(component definition $Echo
  (core module $M
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    ;; A bump allocator, 8-aligned.
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    ;; map<string, u32> in, the same map out (result spilled: a pointer to ptr, len).
    (func (export "echo-map") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1))
      (i32.const 16))
    ;; The number of entries and the sum of the values of a map<string, u32>: each entry
    ;; is 12 bytes (string ptr, len; u32).
    (func (export "map-sum") (param $p i32) (param $n i32) (result i32)
      (local $sum i32)
      (block $done
        (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $sum (i32.add (local.get $sum) (i32.load offset=8 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 12)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
      (local.get $sum))
    ;; list<u8, 4> flattens to four i32s.
    (func (export "sum4") (param i32 i32 i32 i32) (result i32)
      (i32.add (i32.add (local.get 0) (local.get 1)) (i32.add (local.get 2) (local.get 3))))
    ;; list<u16, 3> as a result: three flat values, so spilled to memory (6 bytes).
    (func (export "seq3") (result i32)
      (i32.store16 (i32.const 32) (i32.const 7))
      (i32.store16 (i32.const 34) (i32.const 8))
      (i32.store16 (i32.const 36) (i32.const 9))
      (i32.const 32))
    ;; list<list<u8, 2>, 2> inside a list: each element is 4 bytes inline.
    (func (export "grid-sum") (param $p i32) (param $n i32) (result i32)
      (local $sum i32)
      (block $done
        (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $sum (i32.add (local.get $sum)
            (i32.add (i32.add (i32.load8_u (local.get $p)) (i32.load8_u offset=1 (local.get $p)))
                     (i32.add (i32.load8_u offset=2 (local.get $p)) (i32.load8_u offset=3 (local.get $p))))))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
      (local.get $sum)))
  (core instance $m (instantiate $M))
  (type $map (map string u32))
  (type $quad (list u8 4))
  (type $tri (list u16 3))
  (type $pair (list u8 2))
  (type $grid (list (list $pair 2)))
  (func (export "echo-map") (param "m" $map) (result $map)
    (canon lift (core func $m "echo-map") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "map-sum") (param "m" $map) (result u32)
    (canon lift (core func $m "map-sum") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "sum4") (param "q" $quad) (result u32) (canon lift (core func $m "sum4")))
  (func (export "seq3") (result $tri) (canon lift (core func $m "seq3") (memory (core memory $m "mem"))))
  (func (export "grid-sum") (param "g" $grid) (result u32)
    (canon lift (core func $m "grid-sum") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
)

(component instance $e $Echo)
(assert_return
  (invoke "echo-map" (map.const (entry (str.const "a") (u32.const 1)) (entry (str.const "bc") (u32.const 2))))
  (map.const (entry (str.const "a") (u32.const 1)) (entry (str.const "bc") (u32.const 2))))
(assert_return (invoke "echo-map" (map.const)) (map.const))
;; The ABI keeps order and repeated keys; uniqueness is the source language's business.
(assert_return
  (invoke "map-sum" (map.const (entry (str.const "x") (u32.const 40)) (entry (str.const "x") (u32.const 2))))
  (u32.const 42))
(assert_return (invoke "sum4" (list.const (u8.const 1) (u8.const 2) (u8.const 3) (u8.const 250))) (u32.const 256))
(assert_return (invoke "seq3") (list.const (u16.const 7) (u16.const 8) (u16.const 9)))
(assert_return
  (invoke "grid-sum" (list.const
    (list.const (list.const (u8.const 1) (u8.const 2)) (list.const (u8.const 3) (u8.const 4)))
    (list.const (list.const (u8.const 10) (u8.const 20)) (list.const (u8.const 30) (u8.const 40)))))
  (u32.const 110))

;; The same functions called from another component: lowered into its memory and back.
(component
  (component $Echo
    (core module $M
      (memory (export "mem") 1)
      (global $next (mut i32) (i32.const 1024))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
        (global.set $next (i32.add (local.get $p) (local.get 3)))
        (local.get $p))
      (func (export "echo-map") (param i32 i32) (result i32)
        (i32.store (i32.const 16) (local.get 0))
        (i32.store (i32.const 20) (local.get 1))
        (i32.const 16))
      (func (export "sum4") (param i32 i32 i32 i32) (result i32)
        (i32.add (i32.add (local.get 0) (local.get 1)) (i32.add (local.get 2) (local.get 3))))
      (func (export "seq3") (result i32)
        (i32.store16 (i32.const 32) (i32.const 7))
        (i32.store16 (i32.const 34) (i32.const 8))
        (i32.store16 (i32.const 36) (i32.const 9))
        (i32.const 32)))
    (core instance $m (instantiate $M))
    (type $map (map string u32))
    (type $quad (list u8 4))
    (type $tri (list u16 3))
    (func (export "echo-map") (param "m" $map) (result $map)
      (canon lift (core func $m "echo-map") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
    (func (export "sum4") (param "q" $quad) (result u32) (canon lift (core func $m "sum4")))
    (func (export "seq3") (result $tri) (canon lift (core func $m "seq3") (memory (core memory $m "mem")))))
  (component $Caller
    (import "echo" (instance $echo
      (type $map (map string u32))
      (type $quad (list u8 4))
      (type $tri (list u16 3))
      (export "echo-map" (func (param "m" $map) (result $map)))
      (export "sum4" (func (param "q" $quad) (result u32)))
      (export "seq3" (func (result $tri)))))
    (core module $Mem
      (memory (export "mem") 1)
      (global $next (mut i32) (i32.const 2048))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
        (global.set $next (i32.add (local.get $p) (local.get 3)))
        (local.get $p)))
    (core instance $mem (instantiate $Mem))
    (core func $echo-map (canon lower (func $echo "echo-map") (memory (core memory $mem "mem")) (realloc (core func $mem "realloc"))))
    (core func $sum4 (canon lower (func $echo "sum4")))
    (core func $seq3 (canon lower (func $echo "seq3") (memory (core memory $mem "mem"))))
    (core module $Main
      (import "" "mem" (memory 1))
      (import "" "echo-map" (func $echo-map (param i32 i32 i32)))
      (import "" "sum4" (func $sum4 (param i32 i32 i32 i32) (result i32)))
      (import "" "seq3" (func $seq3 (param i32)))
      ;; One entry {"hi": 5} built by hand at 0: entry at 64 (ptr 100, len 2, value 5), "hi" at 100.
      (func (export "round-trip") (result i32)
        (i32.store (i32.const 64) (i32.const 100))
        (i32.store (i32.const 68) (i32.const 2))
        (i32.store (i32.const 72) (i32.const 5))
        (i32.store16 (i32.const 100) (i32.const 0x6968))
        (call $echo-map (i32.const 64) (i32.const 1) (i32.const 200))
        ;; The copy has one entry, somewhere new, whose value is 5 and whose key reads "hi".
        (if (i32.ne (i32.load offset=4 (i32.const 200)) (i32.const 1)) (then (unreachable)))
        (if (i32.ne (i32.load16_u (i32.load (i32.load (i32.const 200)))) (i32.const 0x6968)) (then (unreachable)))
        (i32.load offset=8 (i32.load (i32.const 200))))
      (func (export "quad") (result i32)
        (call $sum4 (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8)))
      (func (export "tri") (result i32)
        (call $seq3 (i32.const 300))
        (i32.add (i32.load16_u (i32.const 300))
          (i32.add (i32.load16_u (i32.const 302)) (i32.load16_u (i32.const 304))))))
    (core instance $main (instantiate $Main (with "" (instance
      (export "mem" (memory $mem "mem"))
      (export "echo-map" (func $echo-map))
      (export "sum4" (func $sum4))
      (export "seq3" (func $seq3))))))
    (func (export "round-trip") (result u32) (canon lift (core func $main "round-trip")))
    (func (export "quad") (result u32) (canon lift (core func $main "quad")))
    (func (export "tri") (result u32) (canon lift (core func $main "tri")))
)
  (instance $e (instantiate $Echo))
  (instance $c (instantiate $Caller (with "echo" (instance $e))))
  (func (export "round-trip") (alias export $c "round-trip"))
  (func (export "quad") (alias export $c "quad"))
  (func (export "tri") (alias export $c "tri")))
(assert_return (invoke "round-trip") (u32.const 5))
(assert_return (invoke "quad") (u32.const 26))
(assert_return (invoke "tri") (u32.const 24))
