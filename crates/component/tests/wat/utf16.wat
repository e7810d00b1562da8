;; A component whose core module works on UTF-16 strings: both functions are lifted with
;; `string-encoding=utf16`, so the host passes (pointer, number of 16-bit code units) and reads
;; a string result the same way. Hand-written: no source language emits this encoding today.
;;
;;   reverse: func(s: string) -> string   code points in reverse order
;;   units:   func(s: string) -> u32      the length the core function received, in code units
;;
;; e.g. reverse("ab😀") = "😀ba", units("ab😀") = 4 (the emoji is a surrogate pair).
(component
  (core module $m
    (memory (export "memory") 1)
    ;; 0..8: the return area (pointer, length); the heap starts at 1024.
    (global $heap (mut i32) (i32.const 1024))

    ;; Bump allocator: never frees. Grows memory when needed; copies on a growing realloc.
    (func $realloc (export "cabi_realloc")
        (param $old i32) (param $old_size i32) (param $align i32) (param $new_size i32)
        (result i32)
        (local $ptr i32) (local $end i32)
        ;; Shrinking (or keeping) an allocation returns it in place.
        (if (i32.and (i32.ne (local.get $old) (i32.const 0))
                     (i32.le_u (local.get $new_size) (local.get $old_size)))
            (then (return (local.get $old))))
        ;; ptr = align_up(heap, align)
        (local.set $ptr
            (i32.and
                (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                (i32.sub (i32.const 0) (local.get $align))))
        (local.set $end (i32.add (local.get $ptr) (local.get $new_size)))
        (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable))
        (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
            (then
                (if (i32.eq
                        (memory.grow
                            (i32.sub
                                (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
                                (memory.size)))
                        (i32.const -1))
                    (then unreachable))))
        (global.set $heap (local.get $end))
        (if (i32.ne (local.get $old) (i32.const 0))
            (then (memory.copy (local.get $ptr) (local.get $old) (local.get $old_size))))
        (local.get $ptr))

    ;; Writes the $n UTF-16 code units at $src to $dst in reverse order of code points: a
    ;; surrogate pair stays a pair (high, low); an unpaired surrogate is moved alone.
    (func $reverse16 (param $src i32) (param $n i32) (param $dst i32)
        (local $i i32) (local $u i32) (local $h i32)
        (local.set $i (local.get $n))
        (block $done
            (loop $next
                (br_if $done (i32.eqz (local.get $i)))
                (local.set $u (i32.load16_u
                    (i32.add (local.get $src) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 1)))))
                (block $single
                    ;; a low surrogate preceded by a high surrogate?
                    (br_if $single (i32.ne (i32.and (local.get $u) (i32.const 0xfc00)) (i32.const 0xdc00)))
                    (br_if $single (i32.lt_u (local.get $i) (i32.const 2)))
                    (local.set $h (i32.load16_u
                        (i32.add (local.get $src) (i32.shl (i32.sub (local.get $i) (i32.const 2)) (i32.const 1)))))
                    (br_if $single (i32.ne (i32.and (local.get $h) (i32.const 0xfc00)) (i32.const 0xd800)))
                    (i32.store16 (local.get $dst) (local.get $h))
                    (i32.store16 offset=2 (local.get $dst) (local.get $u))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                    (local.set $i (i32.sub (local.get $i) (i32.const 2)))
                    (br $next))
                (i32.store16 (local.get $dst) (local.get $u))
                (local.set $dst (i32.add (local.get $dst) (i32.const 2)))
                (local.set $i (i32.sub (local.get $i) (i32.const 1)))
                (br $next))))

    (func (export "reverse") (param $ptr i32) (param $len i32) (result i32)
        (local $dst i32)
        (local.set $dst (call $realloc (i32.const 0) (i32.const 0) (i32.const 2)
            (i32.shl (local.get $len) (i32.const 1))))
        (call $reverse16 (local.get $ptr) (local.get $len) (local.get $dst))
        (i32.store (i32.const 0) (local.get $dst))
        (i32.store (i32.const 4) (local.get $len))
        (i32.const 0))

    (func (export "units") (param $ptr i32) (param $len i32) (result i32)
        (local.get $len))
  )
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $memory))
  (alias core export $i "cabi_realloc" (core func $realloc))
  (alias core export $i "reverse" (core func $reverse))
  (alias core export $i "units" (core func $units))
  (func (export "reverse") (param "s" string) (result string)
    (canon lift (core func $reverse) (memory $memory) (realloc $realloc) string-encoding=utf16))
  (func (export "units") (param "s" string) (result u32)
    (canon lift (core func $units) (memory $memory) (realloc $realloc) string-encoding=utf16))
)
