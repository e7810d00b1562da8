//! The embedding API against hand-written components: host functions (dynamic and typed),
//! host resources with destructors, string encodings, reentrance.

use tessera_component::{Component, Linker, ResourceAny, ResourceType, Val};
use tessera_engine::{Engine, Store};

/// The libc every component here uses: one memory and a bump allocator as `realloc`.
const LIBC: &str = r#"
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param $old i32) (param $old_len i32) (param $align i32) (param $len i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (global.set $bump (i32.add (local.get $p) (local.get $len)))
      (if (local.get $old_len)
        (then (memory.copy (local.get $p) (local.get $old)
          (select (local.get $old_len) (local.get $len) (i32.lt_u (local.get $old_len) (local.get $len))))))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
"#;

/// A core `echo` that hands back the (pointer, length) pair it was given, through the
/// return area at 16: a string, list or map result identical to the argument.
const ECHO_PAIR: &str = r#"(func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1))
      (i32.const 16))"#;

struct Logger;

fn host_component() -> String {
    format!(
        r#"(component
  (import "host" (instance $host
    (export "logger" (type $logger (sub resource)))
    (export "add" (func (param "a" u32) (param "b" u32) (result u32)))
    (export "log" (func (param "msg" string)))
    (export "[constructor]logger" (func (param "prefix" string) (result (own $logger))))
    (export "[method]logger.log" (func (param "self" (borrow $logger)) (param "msg" string) (result string)))))
  (alias export $host "add" (func $add))
  (alias export $host "log" (func $log))
  (alias export $host "[constructor]logger" (func $new))
  (alias export $host "[method]logger.log" (func $mlog))
  (alias export $host "logger" (type $logger))
  {LIBC}
  (core func $add_c (canon lower (func $add)))
  (core func $log_c (canon lower (func $log) (memory (core memory $libc "memory"))))
  (core func $new_c (canon lower (func $new) (memory (core memory $libc "memory"))))
  (core func $mlog_c (canon lower (func $mlog) (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (core func $drop_c (canon resource.drop $logger))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "host" "add" (func $add (param i32 i32) (result i32)))
    (import "host" "log" (func $log (param i32 i32)))
    (import "host" "new" (func $new (param i32 i32) (result i32)))
    (import "host" "mlog" (func $mlog (param i32 i32 i32 i32)))
    (import "host" "drop" (func $drop (param i32)))
    (func (export "run") (param $p i32) (param $n i32) (result i32)
      (local $h i32)
      (call $log (local.get $p) (local.get $n))
      (local.set $h (call $new (local.get $p) (local.get $n)))
      (call $mlog (local.get $h) (local.get $p) (local.get $n) (i32.const 64))
      (call $drop (local.get $h))
      (i32.const 64))
    (func (export "sum") (param i32 i32) (result i32)
      (call $add (local.get 0) (local.get 1))))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "host" (instance
      (export "add" (func $add_c)) (export "log" (func $log_c)) (export "new" (func $new_c))
      (export "mlog" (func $mlog_c)) (export "drop" (func $drop_c))))))
  (func (export "run") (param "s" string) (result string)
    (canon lift (core func $i "run") (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (func (export "sum") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "sum"))))"#
    )
}

fn host_linker() -> Linker<Vec<String>> {
    let mut linker = Linker::<Vec<String>>::new();
    let mut host = linker.instance("host").unwrap();
    host.resource::<Logger>("logger", |store: &mut Store<Vec<String>>, rep| {
        store.data_mut().push(format!("drop {rep}"));
        Ok(())
    })
    .unwrap();
    host.func_wrap("add", |_store, (a, b): (u32, u32)| Ok((a + b,))).unwrap();
    host.func_new("log", |store, params, _results| {
        store.data_mut().push(format!("log {:?}", params[0]));
        Ok(())
    })
    .unwrap();
    host.func_wrap("[constructor]logger", |store, (prefix,): (String,)| {
        store.data_mut().push(format!("new {prefix}"));
        Ok((ResourceAny::new_own(ResourceType::host::<Logger>(), 7),))
    })
    .unwrap();
    host.func_wrap("[method]logger.log", |_store, (this, msg): (ResourceAny, String)| {
        assert!(!this.owned(), "a method's self is borrowed");
        Ok((format!("logger{}: {msg}", this.rep()),))
    })
    .unwrap();
    linker
}

#[test]
fn host_functions_and_resources() {
    let engine = Engine::default();
    let component = Component::new(&engine, host_component()).unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = host_linker().instantiate(&mut store, &component).unwrap();

    let sum = instance.get_func("sum").unwrap().typed::<(u32, u32), (u32,)>();
    assert_eq!(sum.call(&mut store, (40, 2)).unwrap(), (42,));

    let run = instance.get_func("run").unwrap();
    let mut out = [Val::Bool(false)];
    run.call(&mut store, &[Val::String("héllo".into())], &mut out).unwrap();
    assert_eq!(out[0], Val::String("logger7: héllo".into()));
    assert_eq!(store.data(), &["log String(\"héllo\")", "new héllo", "drop 7"]);
}

#[test]
fn missing_import_is_named() {
    let engine = Engine::default();
    let component = Component::new(&engine, host_component()).unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let err = Linker::new().instantiate(&mut store, &component).err().unwrap();
    assert_eq!(err.to_string(), "component import `host` is not defined");

    let mut linker = Linker::<Vec<String>>::new();
    linker.instance("host").unwrap().func_wrap("add", |_s, (a, b): (u32, u32)| Ok((a + b,))).unwrap();
    let err = linker.instantiate(&mut store, &component).err().unwrap();
    assert_eq!(err.to_string(), "component import `host`: `logger` not exported by the instance given");
}

#[test]
fn wrong_value_types_are_errors_not_traps() {
    let engine = Engine::default();
    let component = Component::new(&engine, host_component()).unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = host_linker().instantiate(&mut store, &component).unwrap();
    let sum = instance.get_func("sum").unwrap();
    let mut out = [Val::Bool(false)];
    let err = sum.call(&mut store, &[Val::String("x".into()), Val::U32(1)], &mut out).unwrap_err();
    assert!(err.as_trap().is_none());
    assert_eq!(err.to_string(), "type mismatch: expected u32, got a string value");
    // The instance is still usable after a rejected call.
    sum.call(&mut store, &[Val::U32(1), Val::U32(2)], &mut out).unwrap();
    assert_eq!(out[0], Val::U32(3));
}

/// A component whose `echo` returns its string argument as is, and `units` the (tagged)
/// length the callee received, lifted with `encoding`.
fn echo_component(encoding: &str) -> String {
    format!(
        r#"(component
  {LIBC}
  (core module $m
    (import "libc" "memory" (memory 1))
    {ECHO_PAIR}
    (func (export "units") (param i32 i32) (result i32) (local.get 1)))
  (core instance $i (instantiate $m (with "libc" (instance $libc))))
  (func (export "echo") (param "s" string) (result string)
    (canon lift (core func $i "echo") {encoding} (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (func (export "units") (param "s" string) (result u32)
    (canon lift (core func $i "units") {encoding} (memory (core memory $libc "memory")) (realloc (core func $libc "realloc")))))"#
    )
}

#[test]
fn strings_in_every_encoding() {
    let engine = Engine::default();
    // (encoding, string, code units the guest sees)
    let cases: &[(&str, &str, u32)] = &[
        ("string-encoding=utf8", "héllo", 6),
        ("string-encoding=utf8", "h😀", 5),
        ("string-encoding=utf16", "héllo", 5),
        ("string-encoding=utf16", "h😀", 3),
        ("string-encoding=latin1+utf16", "héllo", 5),
        ("string-encoding=latin1+utf16", "h😀", 3 | 1 << 31),
        ("string-encoding=latin1+utf16", "", 0),
    ];
    for (encoding, s, units) in cases {
        let component = Component::new(&engine, echo_component(encoding)).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new().instantiate(&mut store, &component).unwrap();
        let echo = instance.get_func("echo").unwrap().typed::<(String,), (String,)>();
        assert_eq!(echo.call(&mut store, (s.to_string(),)).unwrap().0, *s, "{encoding}");
        let got = instance.get_func("units").unwrap().typed::<(String,), (u32,)>();
        assert_eq!(got.call(&mut store, (s.to_string(),)).unwrap().0, *units, "{encoding} {s}");
    }
}

#[test]
fn reentering_an_instance_traps() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
      (import "cb" (func $cb))
      (core func $cb_c (canon lower (func $cb)))
      (core module $m (import "" "cb" (func $cb)) (func (export "f") (call $cb)))
      (core instance $i (instantiate $m (with "" (instance (export "cb" (func $cb_c))))))
      (func (export "f") (canon lift (core func $i "f"))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, None::<tessera_component::Func>);
    let mut linker = Linker::new();
    linker
        .root()
        .func_new("cb", |store: &mut Store<Option<tessera_component::Func>>, _, _| {
            let f = store.data().clone().expect("set before the call");
            f.call(store, &[], &mut [])
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance.get_func("f").unwrap();
    *store.data_mut() = Some(f.clone());
    let err = f.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(err.as_trap().map(|t| t.message()), Some("cannot enter component instance"), "{err}");
}

/// `map<K, V>` and `list<T, N>` through the embedding API: a map comes back as the host
/// gave it (order and repeated keys kept); a fixed-length list of the wrong length is an
/// error before the guest runs, not a trap.
#[test]
fn maps_and_fixed_length_lists_from_the_host() {
    let text = format!(
        r#"(component
  {LIBC}
  (core module $m
    (import "libc" "memory" (memory 1))
    {ECHO_PAIR}
    (func (export "sum3") (param i32 i32 i32) (result i32)
      (i32.add (local.get 0) (i32.add (local.get 1) (local.get 2)))))
  (core instance $m (instantiate $m (with "libc" (instance $libc))))
  (type $map (map u8 string))
  (type $triple (list u32 3))
  (func (export "echo") (param "m" $map) (result $map)
    (canon lift (core func $m "echo") (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (func (export "sum3") (param "t" $triple) (result u32) (canon lift (core func $m "sum3"))))"#
    );
    let engine = Engine::default();
    let component = Component::new(&engine, text).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new().instantiate(&mut store, &component).unwrap();
    let echo = instance.get_func("echo").unwrap();
    assert_eq!(echo.ty().unwrap().to_string(), "func(m: map<u8, string>) -> map<u8, string>");
    let map = Val::Map(vec![
        (Val::U8(2), Val::String("two".into())),
        (Val::U8(1), Val::String("one".into())),
        (Val::U8(2), Val::String("again".into())),
    ]);
    let mut out = [Val::Bool(false)];
    echo.call(&mut store, std::slice::from_ref(&map), &mut out).unwrap();
    assert_eq!(out[0], map);
    // WAVE writes a repeated key once, where it first appears, with the last value.
    assert_eq!(tessera_component::wave::print_value(&out[0]).unwrap(), r#"{2: "again", 1: "one"}"#);

    let sum3 = instance.get_func("sum3").unwrap();
    sum3.call(&mut store, &[Val::List(vec![Val::U32(1), Val::U32(2), Val::U32(39)])], &mut out).unwrap();
    assert_eq!(out[0], Val::U32(42));
    let err = sum3.call(&mut store, &[Val::List(vec![Val::U32(1)])], &mut out).unwrap_err();
    assert!(err.as_trap().is_none());
    assert_eq!(err.to_string(), "type mismatch: expected a list<u32, 3>, got a list of length 1");
}

/// A valid `list<u8, 10^8>` parameter (the validator allows up to 2^28 bytes) spills to
/// memory; working out the core signature counts its flat values rather than building 10^8
/// of them, for the list and for a variant case holding it.
#[test]
fn huge_fixed_length_lists_spill_without_flattening() {
    let text = format!(
        r#"(component
  {LIBC}
  (core module $m (func (export "f") (param i32)) (func (export "g") (param i32 i32)))
  (core instance $m (instantiate $m))
  (type $huge (list u8 100000000))
  (type $choice' (variant (case "small" u8) (case "huge" $huge)))
  (export $choice "choice" (type $choice'))
  (func (export "f") (param "a" $huge)
    (canon lift (core func $m "f") (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (func (export "g") (param "c" $choice) (param "d" u32)
    (canon lift (core func $m "f") (memory (core memory $libc "memory")) (realloc (core func $libc "realloc")))))"#
    );
    let engine = Engine::default();
    let component = Component::new(&engine, text).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new().instantiate(&mut store, &component).unwrap();
    assert_eq!(instance.get_func("f").unwrap().ty().unwrap().to_string(), "func(a: list<u8, 100000000>)");
    assert!(instance.get_func("g").is_some());
}
