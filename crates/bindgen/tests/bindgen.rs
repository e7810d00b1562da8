//! `bindgen!` against a hand-written component (WebAssembly text, below) implementing
//! `tests/wit/test.wit`: host functions and a host resource through the generated traits,
//! exported functions and an exported resource through the generated wrappers.

use tessera_component::{Component, ComponentValue, Linker, Val};
use tessera_engine::{Engine, Store};

mod bindings {
    tessera_bindgen::bindgen!({ path: "tests/wit", world: "test" });
}

use bindings::test::bindgen::host_api::{self, Color, Counter, Perms, Point, Shape};
use bindings::{Resource, Test, TestImports};

/// The guest. `run(x)` logs "hi", makes a host `counter` starting at `x`, adds
/// `double(x)` to it, drops it and returns the sum; `swap` and `describe` exercise a
/// record, an enum, flags and a variant; `guest-api` exports the resource `acc`, whose
/// `get` returns ten times its representation.
const GUEST: &str = r#"(component
  (import "test:bindgen/host-api" (instance $host
    (export "counter" (type $counter (sub resource)))
    (export "[constructor]counter" (func (param "start" u32) (result (own $counter))))
    (export "[method]counter.add" (func (param "self" (borrow $counter)) (param "n" u32) (result u32)))
    (export "log" (func (param "msg" string)))))
  (import "double" (func $double (param "x" u32) (result u32)))
  (alias export $host "counter" (type $counter))
  (alias export $host "[constructor]counter" (func $counter-new))
  (alias export $host "[method]counter.add" (func $counter-add))
  (alias export $host "log" (func $log))

  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))

  (type $acc (resource (rep i32)))
  (core func $counter-new-c (canon lower (func $counter-new)))
  (core func $counter-add-c (canon lower (func $counter-add)))
  (core func $counter-drop-c (canon resource.drop $counter))
  (core func $log-c (canon lower (func $log) (memory (core memory $libc "memory"))))
  (core func $double-c (canon lower (func $double)))
  (core func $acc-new-c (canon resource.new $acc))

  (core module $m
    (import "libc" "memory" (memory 1))
    (import "host" "counter-new" (func $counter-new (param i32) (result i32)))
    (import "host" "counter-add" (func $counter-add (param i32 i32) (result i32)))
    (import "host" "counter-drop" (func $counter-drop (param i32)))
    (import "host" "log" (func $log (param i32 i32)))
    (import "host" "double" (func $double (param i32) (result i32)))
    (import "host" "acc-new" (func $acc-new (param i32) (result i32)))
    (data (i32.const 16) "hi")
    (func (export "run") (param $x i32) (result i32)
      (local $c i32) (local $r i32)
      (call $log (i32.const 16) (i32.const 2))
      (local.set $c (call $counter-new (local.get $x)))
      (local.set $r (call $counter-add (local.get $c) (call $double (local.get $x))))
      (call $counter-drop (local.get $c))
      (local.get $r))
    (func (export "swap") (param $x i32) (param $y i32) (result i32)
      (i32.store (i32.const 64) (local.get $y))
      (i32.store (i32.const 68) (local.get $x))
      (i32.const 64))
    ;; green (1): circle(the flags' bits); red: nothing.
    (func (export "describe") (param $color i32) (param $perms i32) (result i32)
      (if (i32.eq (local.get $color) (i32.const 1))
        (then
          (i32.store8 (i32.const 80) (i32.const 0))
          (i32.store (i32.const 84) (local.get $perms)))
        (else (i32.store8 (i32.const 80) (i32.const 1))))
      (i32.const 80))
    (func (export "acc-new") (param i32) (result i32) (call $acc-new (local.get 0)))
    ;; A borrow reaches the implementation as the representation.
    (func (export "acc-get") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 10))))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "host" (instance
      (export "counter-new" (func $counter-new-c)) (export "counter-add" (func $counter-add-c))
      (export "counter-drop" (func $counter-drop-c)) (export "log" (func $log-c))
      (export "double" (func $double-c)) (export "acc-new" (func $acc-new-c))))))

  (type $point' (record (field "x" s32) (field "y" s32)))
  (export $point "point" (type $point'))
  (type $color' (enum "red" "green"))
  (export $color "color" (type $color'))
  (type $perms' (flags "read" "write"))
  (export $perms "perms" (type $perms'))
  (type $shape' (variant (case "circle" u32) (case "nothing")))
  (export $shape "shape" (type $shape'))
  (func (export "run") (param "x" u32) (result u32) (canon lift (core func $i "run")))
  (func (export "swap") (param "p" $point) (result $point)
    (canon lift (core func $i "swap") (memory (core memory $libc "memory"))))
  (func (export "describe") (param "c" $color) (param "p" $perms) (result $shape)
    (canon lift (core func $i "describe") (memory (core memory $libc "memory"))))

  (func $acc-new (param "start" u32) (result (own $acc)) (canon lift (core func $i "acc-new")))
  (func $acc-get (param "self" (borrow $acc)) (result u32) (canon lift (core func $i "acc-get")))
  ;; As wit-component does: a nested component gives the exported functions a type that
  ;; names the resource through the instance's own export of it.
  (component $guest-api
    (import "acc" (type $acc (sub resource)))
    (import "new" (func $new (param "start" u32) (result (own $acc))))
    (import "get" (func $get (param "self" (borrow $acc)) (result u32)))
    (export $acc' "acc" (type $acc))
    (export "[constructor]acc" (func $new) (func (param "start" u32) (result (own $acc'))))
    (export "[method]acc.get" (func $get) (func (param "self" (borrow $acc')) (result u32))))
  (instance $guest (instantiate $guest-api
    (with "acc" (type $acc)) (with "new" (func $acc-new)) (with "get" (func $acc-get))))
  (export "test:bindgen/guest-api" (instance $guest)))"#;

/// The host's state: what it was asked to do, and its counters (a counter's
/// representation is its index here).
#[derive(Default)]
struct HostState {
    events: Vec<String>,
    counters: Vec<u32>,
}

impl host_api::HostCounter for HostState {
    fn new(&mut self, start: u32) -> tessera_component::Result<Resource<Counter>> {
        self.events.push(format!("new {start}"));
        self.counters.push(start);
        Ok(Resource::new_own(self.counters.len() as u32 - 1))
    }

    fn add(&mut self, this: Resource<Counter>, n: u32) -> tessera_component::Result<u32> {
        assert!(!this.owned(), "a method's self is borrowed");
        self.events.push(format!("add {} {n}", this.rep()));
        let counter = &mut self.counters[this.rep() as usize];
        *counter += n;
        Ok(*counter)
    }

    fn drop(&mut self, rep: Resource<Counter>) -> tessera_component::Result<()> {
        self.events.push(format!("drop {} (owned: {})", rep.rep(), rep.owned()));
        Ok(())
    }
}

impl host_api::Host for HostState {
    fn log(&mut self, msg: String) -> tessera_component::Result<()> {
        self.events.push(format!("log {msg}"));
        Ok(())
    }
}

impl TestImports for HostState {
    fn double(&mut self, x: u32) -> tessera_component::Result<u32> {
        Ok(x * 2)
    }
}

fn instantiate() -> (Store<HostState>, Test) {
    let engine = Engine::default();
    let component = Component::new(&engine, GUEST).unwrap();
    let mut linker = Linker::new();
    Test::add_to_linker(&mut linker, |state: &mut HostState| state).unwrap();
    let mut store = Store::new(&engine, HostState::default());
    let test = Test::instantiate(&mut store, &component, &linker).unwrap();
    (store, test)
}

#[test]
fn imports_reach_the_host_traits() {
    let (mut store, test) = instantiate();
    assert_eq!(test.call_run(&mut store, 5).unwrap(), 15);
    assert_eq!(store.data().events, ["log hi", "new 5", "add 0 10", "drop 0 (owned: true)"]);
    assert_eq!(store.data().counters, [15]);
    assert_eq!(test.call_run(&mut store, 1).unwrap(), 3);
    assert_eq!(store.data().counters, [15, 3]);
}

#[test]
fn exported_functions_take_and_return_rust_types() {
    let (mut store, test) = instantiate();
    assert_eq!(test.call_swap(&mut store, Point { x: 1, y: -2 }).unwrap(), Point { x: -2, y: 1 });
    let both = Perms { read: true, write: true };
    assert_eq!(test.call_describe(&mut store, Color::Green, both).unwrap(), Shape::Circle(3));
    let write = Perms { read: false, write: true };
    assert_eq!(test.call_describe(&mut store, Color::Green, write).unwrap(), Shape::Circle(2));
    assert_eq!(test.call_describe(&mut store, Color::Red, both).unwrap(), Shape::Nothing);
    // The world's `use` of host-api's types are aliases of the interface's.
    let _: bindings::Point = Point { x: 0, y: 0 };
}

#[test]
fn exported_resources_are_called_through_their_handles() {
    let (mut store, test) = instantiate();
    let acc = test.test_bindgen_guest_api().acc();
    let a = acc.call_constructor(&mut store, 7).unwrap();
    let b = acc.call_constructor(&mut store, 4).unwrap();
    assert!(a.owned());
    assert_eq!(acc.call_get(&mut store, &a).unwrap(), 70);
    assert_eq!(acc.call_get(&mut store, &b).unwrap(), 40);
    a.resource_drop(&mut store).unwrap();
    b.resource_drop(&mut store).unwrap();
}

#[test]
fn generated_types_convert_through_val() {
    let point = Point { x: 3, y: 4 };
    assert_eq!(
        point.clone().into_val(),
        Val::Record(vec![("x".into(), Val::S32(3)), ("y".into(), Val::S32(4))])
    );
    assert_eq!(Point::from_val(point.clone().into_val()).unwrap(), point);
    let perms = Perms { read: false, write: true };
    assert_eq!(perms.into_val(), Val::Flags(vec!["write".into()]));
    assert_eq!(Perms::from_val(Val::Flags(vec!["read".into()])).unwrap(), Perms { read: true, write: false });
    assert_eq!(Color::Green.into_val(), Val::Enum("green".into()));
    assert_eq!(Shape::Circle(9).into_val(), Val::Variant("circle".into(), Some(Box::new(Val::U32(9)))));
    assert_eq!(Shape::from_val(Val::Variant("nothing".into(), None)).unwrap(), Shape::Nothing);
    let err = Color::from_val(Val::Enum("blue".into())).unwrap_err();
    assert_eq!(err.to_string(), "type mismatch: `blue` is not a case of enum color");
    let err = Point::from_val(Val::U32(1)).unwrap_err();
    assert_eq!(err.to_string(), "type mismatch: expected record point, got a u32 value");
}

#[test]
fn a_missing_export_is_an_error() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
            (core module $m (func (export "run") (param i32) (result i32) local.get 0))
            (core instance $i (instantiate $m))
            (func (export "run") (param "x" u32) (result u32) (canon lift (core func $i "run"))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, HostState::default());
    let err = Test::instantiate(&mut store, &component, &Linker::new()).err().unwrap();
    assert_eq!(err.to_string(), "the component does not export `swap`");
}
