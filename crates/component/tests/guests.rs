//! Components built from Rust with wit-bindgen (crates/component/tests/guests, built by
//! scripts/build-fixtures.sh for wasm32-unknown-unknown) and turned into components with
//! wit-component, called from Rust with every WIT type, host imports and resources.

use std::path::PathBuf;

use tessera_component::{Component, Linker, ResourceAny, ResourceType, Val};
use tessera_engine::{Engine, Store};

fn guest(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/guests/target/wasm32-unknown-unknown/release")
        .join(format!("{name}.wasm"));
    let core = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/build-fixtures.sh)", path.display()));
    wit_component::ComponentEncoder::default().module(&core).unwrap().validate(true).encode().unwrap()
}

/// What the host saw: `log` messages and logger events.
#[derive(Default)]
struct HostLog(Vec<String>);

struct Logger;

fn linker() -> Linker<HostLog> {
    let mut linker = Linker::<HostLog>::new();
    let mut host = linker.instance("tessera:test/host").unwrap();
    host.func_wrap("log", |store: &mut Store<HostLog>, (msg,): (String,)| {
        store.data_mut().0.push(format!("log {msg}"));
        Ok(())
    })
    .unwrap();
    host.func_wrap("add", |_store, (a, b): (u32, u32)| Ok((a.wrapping_add(b),))).unwrap();
    host.func_new("echo-list", |_store, params, results| {
        results[0] = params[0].clone();
        Ok(())
    })
    .unwrap();
    let mut res = linker.instance("tessera:test/host-res").unwrap();
    res.resource::<Logger>("logger", |store: &mut Store<HostLog>, rep| {
        store.data_mut().0.push(format!("drop logger {rep}"));
        Ok(())
    })
    .unwrap();
    res.func_wrap("[constructor]logger", |store: &mut Store<HostLog>, (prefix,): (String,)| {
        let rep = store.data().0.len() as u32;
        store.data_mut().0.push(format!("new logger {rep} {prefix}"));
        Ok((ResourceAny::new_own(ResourceType::host::<Logger>(), rep),))
    })
    .unwrap();
    res.func_wrap("[method]logger.log", |store: &mut Store<HostLog>, (this, msg): (ResourceAny, String)| {
        let prefix = store.data().0[this.rep() as usize].rsplit(' ').next().unwrap_or("").to_string();
        Ok((format!("{prefix}: {msg}"),))
    })
    .unwrap();
    linker
}

fn call(store: &mut Store<HostLog>, f: &tessera_component::Func, args: &[Val]) -> Option<Val> {
    let mut out = vec![Val::Bool(false); f.ty().unwrap().results_len()];
    f.call(store, args, &mut out).unwrap_or_else(|e| panic!("call failed: {e}"));
    out.pop()
}

const RT: &str = "tessera:test/roundtrip";

#[test]
fn every_wit_type_round_trips() {
    let engine = Engine::default();
    let component = Component::new(&engine, guest("types")).unwrap();
    let mut store = Store::new(&engine, HostLog::default());
    let instance = linker().instantiate(&mut store, &component).unwrap();
    let f = |name: &str| instance.get_func_in(RT, name).unwrap_or_else(|| panic!("no export {name}"));
    let some = |v: Val| Some(Box::new(v));
    let values: Vec<(&str, Val)> = vec![
        ("echo-bool", Val::Bool(true)),
        ("echo-s8", Val::S8(-128)),
        ("echo-s16", Val::S16(-32768)),
        ("echo-s32", Val::S32(i32::MIN)),
        ("echo-s64", Val::S64(i64::MIN)),
        ("echo-u8", Val::U8(255)),
        ("echo-u16", Val::U16(65535)),
        ("echo-u32", Val::U32(u32::MAX)),
        ("echo-u64", Val::U64(u64::MAX)),
        ("echo-f32", Val::Float32(-1.5)),
        ("echo-f64", Val::Float64(f64::INFINITY)),
        ("echo-char", Val::Char('😀')),
        ("echo-string", Val::String("héllo\n\"wörld\" 😀".into())),
        ("echo-bytes", Val::List(vec![Val::U8(0), Val::U8(255)])),
        ("echo-strings", Val::List(vec![Val::String("a".into()), Val::String(String::new())])),
        ("echo-nested-lists", Val::List(vec![Val::List(vec![Val::S32(-1)]), Val::List(vec![])])),
        ("echo-tuple", Val::Tuple(vec![Val::U8(7), Val::String("x".into()), Val::Float64(-0.0)])),
        ("echo-shape", Val::Variant("circle".into(), some(Val::Float64(2.5)))),
        ("echo-shape", Val::Variant("none".into(), None)),
        ("echo-shape", Val::Variant("nested".into(), some(Val::Option(some(Val::Enum("blue".into())))))),
        ("echo-color", Val::Enum("green".into())),
        ("echo-option", Val::Option(None)),
        ("echo-option", Val::Option(some(Val::String("s".into())))),
        ("echo-nested-option", Val::Option(some(Val::Option(None)))),
        ("echo-result", Val::Result(Err(some(Val::Enum("not-found".into()))))),
        ("echo-result", Val::Result(Ok(some(Val::String("fine".into()))))),
        ("echo-result-no-ok", Val::Result(Ok(None))),
        ("echo-result-no-err", Val::Result(Err(None))),
        ("echo-bare-result", Val::Result(Ok(None))),
        ("echo-small-flags", Val::Flags(vec!["read".into(), "exec".into()])),
        ("echo-medium-flags", Val::Flags(vec!["m0".into(), "m11".into()])),
        ("echo-big-flags", Val::Flags(vec!["b0".into(), "b31".into()])),
    ];
    for (name, v) in values {
        assert_eq!(call(&mut store, &f(name), std::slice::from_ref(&v)), Some(v.clone()), "{name}");
    }
    // NaN payloads are canonicalised on the way through.
    let nan = call(&mut store, &f("echo-f32"), &[Val::Float32(f32::from_bits(0x7fc0_1234))]);
    assert!(matches!(nan, Some(Val::Float32(x)) if x.to_bits() == 0x7fc0_0000), "{nan:?}");

    let pair =
        |l: u32, r: u32| Val::Record(vec![("left".into(), Val::U32(l)), ("right".into(), Val::U32(r))]);
    assert_eq!(call(&mut store, &f("mul"), &[pair(6, 7)]), Some(Val::U64(42)));
    assert_eq!(call(&mut store, &f("split-pair"), &[pair(1, 2)]), Some(pair(2, 1)));
    assert_eq!(
        call(&mut store, &f("make-tuple"), &[Val::U32(3), Val::String("ab".into())]),
        Some(Val::Tuple(vec![Val::U32(6), Val::String("abab".into()), Val::Bool(false)]))
    );
    assert_eq!(
        call(&mut store, &f("divide"), &[Val::S32(7), Val::S32(0)]),
        Some(Val::Result(Err(some(Val::String("division by zero".into())))))
    );
    let many: Vec<Val> = vec![
        Val::U8(1),
        Val::S8(-2),
        Val::U16(3),
        Val::S16(-4),
        Val::U32(5),
        Val::S32(-6),
        Val::U64(7),
        Val::S64(-8),
        Val::Float32(9.5),
        Val::Float64(10.25),
        Val::Char('k'),
        Val::Bool(true),
        Val::String("m".into()),
        Val::List(vec![Val::U8(14)]),
        Val::Enum("red".into()),
        Val::Option(some(Val::U32(16))),
        pair(17, 18),
        Val::Flags(vec!["write".into()]),
    ];
    let Some(Val::String(s)) = call(&mut store, &f("many-params"), &many) else { panic!("not a string") };
    assert_eq!(s, "1 -2 3 -4 5 -6 7 -8 9.5 10.25 'k' true \"m\" [14] red Some(16) (17, 18) 2");

    assert_eq!(call(&mut store, &f("nothing"), &[]), None);
    let version = instance.get_func("version").unwrap();
    assert_eq!(call(&mut store, &version, &[]), Some(Val::String("tessera-test-types 1".into())));
}

#[test]
fn guests_call_host_imports() {
    let engine = Engine::default();
    let component = Component::new(&engine, guest("types")).unwrap();
    let mut store = Store::new(&engine, HostLog::default());
    let instance = linker().instantiate(&mut store, &component).unwrap();
    let call_host = instance.get_func_in(RT, "call-host").unwrap().typed::<(String,), (String,)>();
    assert_eq!(call_host.call(&mut store, ("hey".into(),)).unwrap().0, "hey: 103 (1,-2)(103,0)");
    assert_eq!(store.data().0, ["log hey"]);
    let point = |x: i32, y: i32| Val::Record(vec![("x".into(), Val::S32(x)), ("y".into(), Val::S32(y))]);
    let via = instance.get_func_in(RT, "points-via-host").unwrap();
    assert_eq!(
        call(&mut store, &via, &[Val::List(vec![point(1, 2), point(-1, i32::MAX)])]),
        Some(Val::List(vec![point(2, 3), point(0, i32::MIN)]))
    );
}

const COUNTERS: &str = "tessera:test/counters";

#[test]
fn guest_and_host_resources() {
    let engine = Engine::default();
    let component = Component::new(&engine, guest("resources")).unwrap();
    let mut store = Store::new(&engine, HostLog::default());
    let instance = linker().instantiate(&mut store, &component).unwrap();
    let f = |name: &str| instance.get_func_in(COUNTERS, name).unwrap_or_else(|| panic!("no export {name}"));
    let dropped = |store: &mut Store<HostLog>| call(store, &f("dropped-count"), &[]);

    let Some(Val::Resource(a)) = call(&mut store, &f("[constructor]counter"), &[Val::U32(5)]) else {
        panic!("constructor returns a handle")
    };
    assert!(a.owned());
    call(&mut store, &f("[method]counter.increment"), &[Val::Resource(a.clone())]);
    assert_eq!(call(&mut store, &f("[method]counter.get"), &[Val::Resource(a.clone())]), Some(Val::U32(6)));
    let Some(Val::Resource(b)) = call(&mut store, &f("make"), &[Val::U32(10)]) else { panic!("make") };
    assert_eq!(
        call(&mut store, &f("[static]counter.sum"), &[Val::Resource(a.clone()), Val::Resource(b.clone())]),
        Some(Val::U32(16))
    );
    // Ownership moves into `double`, which destroys its argument and returns a new counter.
    assert_eq!(dropped(&mut store), Some(Val::U32(0)));
    let Some(Val::Resource(c)) = call(&mut store, &f("double"), &[Val::Resource(b)]) else {
        panic!("double")
    };
    assert_eq!(dropped(&mut store), Some(Val::U32(1)));
    assert_eq!(call(&mut store, &f("consume"), &[Val::Resource(c)]), Some(Val::U32(20)));
    assert_eq!(dropped(&mut store), Some(Val::U32(2)));
    // The host drops its own handle: the guest's destructor runs once.
    a.resource_drop(&mut store).unwrap();
    assert_eq!(dropped(&mut store), Some(Val::U32(3)));

    assert_eq!(
        call(&mut store, &f("counter-demo"), &[Val::U32(1), Val::U32(2)]),
        Some(Val::Tuple(vec![Val::U32(4), Val::U32(5)]))
    );

    // Host-defined resources: created, used and dropped by the guest.
    let msgs = Val::List(vec![Val::String("a".into()), Val::String("b".into())]);
    assert_eq!(
        call(&mut store, &f("use-loggers"), &[Val::String("p".into()), msgs]),
        Some(Val::List(vec![Val::String("p#0: a".into()), Val::String("p#1: b".into())]))
    );
    assert_eq!(store.data().0, ["new logger 0 p#0", "drop logger 0", "new logger 2 p#1", "drop logger 2"]);
}
