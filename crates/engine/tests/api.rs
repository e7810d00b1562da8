//! The embedding API end to end: typed and dynamic calls, host functions with `Caller`,
//! traps with backtraces, and every limit (fuel, interrupts, call depth, memory size).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use tessera_engine::{
    Caller, Config, Engine, Error, Func, FuncType, Linker, Module, Store, StoreLimits, TrapCode, Val, ValType,
};

const FIB: &str = r#"
(module $demo
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (local.get 0)) (i32.const 1)))
  (func $spin (export "spin") (loop $l (br $l)))
  (func $count (export "count") (param $n i32) (result i32) (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $i))
  (func $inner (unreachable))
  (func $outer (export "outer") (call $inner))
)"#;

fn instantiate(config: &Config, wat: &str) -> (Store<()>, tessera_engine::Instance) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat).expect("valid module");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new().instantiate(&mut store, &module).expect("instantiates");
    (store, instance)
}

#[test]
fn typed_and_dynamic_calls_agree() {
    let (mut store, instance) = instantiate(&Config::new(), FIB);
    let fib = instance.get_typed_func::<i32, i32, _>(&store, "fib").unwrap();
    assert_eq!(fib.call(&mut store, 20).unwrap(), 6765);
    let dynamic = instance.get_func(&store, "fib").unwrap();
    let mut out = [Val::I32(0)];
    dynamic.call(&mut store, &[Val::I32(25)], &mut out).unwrap();
    assert_eq!(out[0].i32(), Some(75025));
    // Wrong argument types are an error, not a panic.
    let err = dynamic.call(&mut store, &[Val::I64(1)], &mut out).unwrap_err();
    assert!(matches!(err, Error::BadArguments(_)), "{err}");
    assert!(instance.get_typed_func::<i64, i32, _>(&store, "fib").is_err());
}

#[test]
fn eager_translation_gives_the_same_results() {
    let mut config = Config::new();
    config.lazy_translation(false);
    let (mut store, instance) = instantiate(&config, FIB);
    let fib = instance.get_typed_func::<i32, i32, _>(&store, "fib").unwrap();
    assert_eq!(fib.call(&mut store, 15).unwrap(), 610);
}

/// A module whose second body is invalid (`i64.const` where an `i32` result is due); the text
/// format does not type-check, so `Module::new` is what judges it.
const ONE_BAD_BODY: &str = r#"
(module
  (func (export "good") (result i32) (call $helper))
  (func $helper (result i32) (i32.const 7))
  (func $bad (export "bad") (result i32) (i64.const 0))
  (func (export "calls_bad") (result i32) (call $bad)))
"#;

#[test]
fn lazy_validation_reports_an_invalid_body_on_its_first_call() {
    let engine = Engine::default();
    let err = Module::new(&engine, ONE_BAD_BODY).unwrap_err();
    assert!(matches!(err, Error::InvalidModule(_)), "eager validation must reject at load: {err}");

    for lazy_translation in [true, false] {
        let mut config = Config::new();
        config.lazy_validation(true).lazy_translation(lazy_translation);
        let engine = Engine::new(&config);
        let loaded = Module::new(&engine, ONE_BAD_BODY);
        if !lazy_translation {
            // Translating everything at load validates everything at load.
            assert!(matches!(loaded, Err(Error::InvalidModule(_))), "eager translation");
            continue;
        }
        let module = loaded.expect("bodies are not validated at load");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new().instantiate(&mut store, &module).unwrap();
        let good = instance.get_typed_func::<(), i32, _>(&store, "good").unwrap();
        assert_eq!(good.call(&mut store, ()).unwrap(), 7);
        let bad = instance.get_typed_func::<(), i32, _>(&store, "bad").unwrap();
        let calls_bad = instance.get_typed_func::<(), i32, _>(&store, "calls_bad").unwrap();
        // Called from the host, and from guest code (the call inside the interpreter loop).
        for func in [bad, calls_bad, bad] {
            let err = func.call(&mut store, ()).unwrap_err();
            assert!(matches!(err, Error::InvalidModule(_)), "{err}");
            assert!(err.to_string().starts_with("invalid module: function 2: type mismatch"), "{err}");
        }
    }
}

/// A binary module with one type `[] -> []`, as many functions of it as `funcs`, and a code
/// section whose contents (after its length) are `code`.
fn module_with_code(funcs: u8, code: &[u8]) -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    m.extend([1, 4, 1, 0x60, 0, 0]);
    m.extend([3, funcs + 1, funcs]);
    m.extend(std::iter::repeat_n(0, funcs as usize));
    m.extend([10, code.len() as u8]);
    m.extend(code);
    m
}

#[test]
fn a_malformed_code_section_is_rejected_at_load_in_every_mode() {
    // Two bodies `(func)`: size 2, no locals, `end`.
    let valid = module_with_code(2, &[2, 2, 0, 0x0b, 2, 0, 0x0b]);
    // Each with (part of) the message it must be rejected with.
    let malformed: [(&str, Vec<u8>); 5] = [
        // An entry past the section's end; bytes after the last entry; more bodies than
        // functions; an entry size of six bytes.
        ("unexpected end-of-file", module_with_code(2, &[2, 2, 0, 0x0b, 3, 0, 0x0b])),
        ("trailing bytes at end of section", module_with_code(2, &[2, 2, 0, 0x0b, 2, 0, 0x0b, 0])),
        (
            "function and code section have inconsistent lengths",
            module_with_code(1, &[2, 2, 0, 0x0b, 2, 0, 0x0b]),
        ),
        (
            "integer representation too long",
            module_with_code(1, &[1, 0x82, 0x80, 0x80, 0x80, 0x80, 0, 0, 0x0b]),
        ),
        // 7_654_322 bytes, one past the limit; the check comes before the bytes are needed.
        ("function body size is out of bounds", module_with_code(1, &[1, 0xb2, 0x97, 0xd3, 0x03])),
    ];
    let mut eager = Config::new();
    eager.lazy_translation(false);
    let mut lazy_validation = Config::new();
    lazy_validation.lazy_validation(true);
    for config in [Config::new(), eager, lazy_validation] {
        let engine = Engine::new(&config);
        let module = Module::new(&engine, &valid).expect("the unbroken module loads");
        let mut store = Store::new(&engine, ());
        Linker::new().instantiate(&mut store, &module).expect("and instantiates");
        for (message, bytes) in &malformed {
            match Module::new(&engine, bytes) {
                Err(Error::InvalidModule(e)) => assert!(e.contains(message), "expected `{message}`: {e}"),
                other => panic!("expected an invalid module ({message}), got {other:?}"),
            }
        }
    }
}

#[test]
fn trap_carries_code_and_named_backtrace() {
    let (mut store, instance) = instantiate(&Config::new(), FIB);
    let outer = instance.get_typed_func::<(), (), _>(&store, "outer").unwrap();
    let err = outer.call(&mut store, ()).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.code(), TrapCode::Unreachable);
    let names: Vec<_> = trap.backtrace().iter().map(|f| f.func_name.clone().unwrap()).collect();
    assert_eq!(names, ["inner", "outer"]);
    assert_eq!(trap.backtrace()[0].module_name.as_deref(), Some("demo"));
    assert_eq!(err.to_string(), "wasm trap: unreachable");
}

#[test]
fn unbounded_recursion_traps_without_using_the_host_stack() {
    // A small host stack proves guest calls do not recurse natively.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let (mut store, instance) = instantiate(&Config::new(), FIB);
            let f = instance.get_typed_func::<i32, i32, _>(&store, "recurse").unwrap();
            f.call(&mut store, 0).unwrap_err()
        })
        .unwrap();
    let err = handle.join().expect("no host stack overflow");
    assert_eq!(err.as_trap().unwrap().code(), TrapCode::StackOverflow);
    assert_eq!(err.to_string(), "wasm trap: call stack exhausted");
}

#[test]
fn call_depth_limit_is_configurable() {
    let mut config = Config::new();
    config.max_call_depth(50);
    let (mut store, instance) = instantiate(&config, FIB);
    let fib = instance.get_typed_func::<i32, i32, _>(&store, "fib").unwrap();
    assert_eq!(fib.call(&mut store, 20).unwrap(), 6765, "depth 20 fits");
    let f = instance.get_typed_func::<i32, i32, _>(&store, "recurse").unwrap();
    assert_eq!(f.call(&mut store, 0).unwrap_err().as_trap().unwrap().code(), TrapCode::StackOverflow);
}

#[test]
fn fuel_is_deterministic_and_stops_infinite_loops() {
    let mut config = Config::new();
    config.consume_fuel(true);
    let (mut store, instance) = instantiate(&config, FIB);
    let count = instance.get_typed_func::<i32, i32, _>(&store, "count").unwrap();
    let mut used = Vec::new();
    for _ in 0..2 {
        store.set_fuel(1_000_000).unwrap();
        assert_eq!(count.call(&mut store, 100).unwrap(), 100);
        used.push(1_000_000 - store.get_fuel().unwrap());
    }
    assert_eq!(used[0], used[1], "same work, same fuel");
    assert!(used[0] >= 100, "at least one unit per iteration, used {}", used[0]);

    store.set_fuel(10_000).unwrap();
    let spin = instance.get_typed_func::<(), (), _>(&store, "spin").unwrap();
    let err = spin.call(&mut store, ()).unwrap_err();
    assert_eq!(err.as_trap().unwrap().code(), TrapCode::OutOfFuel);

    let mut no_fuel = Store::new(&Engine::default(), ());
    assert!(no_fuel.set_fuel(1).is_err(), "fuel needs Config::consume_fuel");
}

#[test]
fn interrupt_handle_stops_a_running_guest_from_another_thread() {
    let mut config = Config::new();
    config.interruptible(true);
    let (mut store, instance) = instantiate(&config, FIB);
    let handle = store.interrupt_handle();
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        handle.interrupt();
    });
    let spin = instance.get_typed_func::<(), (), _>(&store, "spin").unwrap();
    let err = spin.call(&mut store, ()).unwrap_err();
    t.join().unwrap();
    assert_eq!(err.as_trap().unwrap().code(), TrapCode::Interrupted);
    // The request is consumed: the store runs again afterwards.
    let fib = instance.get_typed_func::<i32, i32, _>(&store, "fib").unwrap();
    assert_eq!(fib.call(&mut store, 10).unwrap(), 55);
}

const MEMORY: &str = r#"
(module
  (memory (export "memory") 1 10)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#;

#[test]
fn memory_limit_caps_growth_and_out_of_bounds_traps() {
    let engine = Engine::default();
    let module = Module::new(&engine, MEMORY).unwrap();
    let mut store = Store::new(&engine, ());
    store.limiter(StoreLimits { max_memory_bytes: Some(3 * 65536), max_table_elements: None });
    let instance = Linker::new().instantiate(&mut store, &module).unwrap();
    let grow = instance.get_typed_func::<i32, i32, _>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 2).unwrap(), 1, "1 -> 3 pages fits the limit");
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1, "4 pages exceeds it");
    let load = instance.get_typed_func::<i32, i32, _>(&store, "load").unwrap();
    let err = load.call(&mut store, 3 * 65536 - 2).unwrap_err();
    assert_eq!(err.as_trap().unwrap().code(), TrapCode::MemoryOutOfBounds);

    let mut small = Store::new(&engine, ());
    small.limiter(StoreLimits { max_memory_bytes: Some(1000), max_table_elements: None });
    let err = Linker::new().instantiate(&mut small, &module).unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");
}

#[test]
fn host_functions_see_caller_memory_and_state() {
    let wat = r#"
    (module
      (import "host" "log" (func $log (param i32 i32)))
      (import "host" "bump" (func $bump (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 16) "hello, host")
      (func (export "run") (result i32)
        (call $log (i32.const 16) (i32.const 11))
        (i32.add (call $bump) (call $bump))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, Vec::<String>::new());
    let mut linker = Linker::new();
    linker
        .func_wrap("host", "log", |mut caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| {
            let mem = caller.memory().expect("exported memory");
            let (data, state) = mem.data_and_store_mut(caller.store());
            let text = String::from_utf8_lossy(&data[ptr as usize..(ptr + len) as usize]).into_owned();
            state.push(text);
        })
        .unwrap();
    let counter = Arc::new(AtomicU32::new(0));
    let c = counter.clone();
    linker.func_wrap("host", "bump", move || c.fetch_add(1, Ordering::SeqCst) as i32 + 1).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_typed_func::<(), i32, _>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 3);
    assert_eq!(store.data(), &["hello, host".to_string()]);
    assert_eq!(counter.load(Ordering::SeqCst), 2);
}

#[test]
fn host_errors_and_exits_propagate() {
    let wat = r#"(module (import "env" "f" (func $f)) (func (export "go") (call $f)))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new();
    linker.func_wrap("env", "f", || -> tessera_engine::Result<()> { Err(Error::Exit(7)) }).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let go = instance.get_func(&store, "go").unwrap();
    assert!(matches!(go.call(&mut store, &[], &mut []), Err(Error::Exit(7))));
}

#[test]
fn host_can_reenter_the_guest() {
    let wat = r#"
    (module
      (import "env" "again" (func $again (param i32) (result i32)))
      (func (export "down") (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 100))
          (else (call $again (i32.sub (local.get 0) (i32.const 1)))))))"#;
    let engine = Engine::default();
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, None::<Func>);
    let mut linker = Linker::new();
    linker
        .func_new(
            "env",
            "again",
            FuncType::new([ValType::I32], [ValType::I32]),
            |mut caller: Caller<'_, Option<Func>>, args, results| {
                let down = caller.data().expect("set before the call");
                down.call(caller.store(), args, results)
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let down = instance.get_func(&store, "down").unwrap();
    *store.data_mut() = Some(down);
    let mut out = [Val::I32(0)];
    down.call(&mut store, &[Val::I32(5)], &mut out).unwrap();
    assert_eq!(out[0].i32(), Some(100));
    // Unbounded host/guest ping-pong ends in a trap, not a host stack overflow.
    let err = down.call(&mut store, &[Val::I32(1_000_000)], &mut out).unwrap_err();
    assert_eq!(err.as_trap().unwrap().code(), TrapCode::StackOverflow);
}

#[test]
fn missing_and_mismatched_imports_are_named() {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (import "env" "f" (func (param i32))))"#).unwrap();
    let mut store = Store::new(&engine, ());
    let err = Linker::new().instantiate(&mut store, &module).unwrap_err();
    assert_eq!(err.to_string(), "unknown import: env::f (func [i32] -> [])");
    let mut linker = Linker::new();
    linker.func_wrap("env", "f", |_: i64| {}).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(err.to_string().contains("incompatible import type for env::f"), "{err}");
}

#[test]
fn multi_value_and_v128_cross_the_boundary() {
    let wat = r#"(module (func (export "swap") (param i64 v128) (result v128 i64)
        local.get 1 local.get 0))"#;
    let (mut store, instance) = instantiate(&Config::new(), wat);
    let f = instance.get_typed_func::<(i64, u128), (u128, i64), _>(&store, "swap").unwrap();
    let v = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210u128;
    assert_eq!(f.call(&mut store, (-5, v)).unwrap(), (v, -5));
}

#[test]
fn malformed_input_is_an_error_never_a_panic() {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config);
    let good = wast::parser::parse::<wast::Wat<'_>>(&wast::parser::ParseBuffer::new(FIB).unwrap())
        .unwrap()
        .encode()
        .unwrap();
    // Deterministic mutations of a valid module: flips, truncations and insertions. Whatever
    // loads is instantiated and every export called with fuel, so mutated loops end.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut loaded, mut rejected) = (0, 0);
    for _ in 0..3000 {
        let mut bytes = good.clone();
        match next() % 3 {
            0 => {
                let i = (next() as usize) % bytes.len();
                bytes[i] ^= 1 << (next() % 8);
            }
            1 => bytes.truncate((next() as usize) % bytes.len()),
            _ => {
                let i = (next() as usize) % bytes.len();
                bytes.insert(i, next() as u8);
            }
        }
        let Ok(module) = Module::new(&engine, &bytes) else {
            rejected += 1;
            continue;
        };
        loaded += 1;
        let mut store = Store::new(&engine, ());
        let Ok(instance) = Linker::new().instantiate(&mut store, &module) else { continue };
        for (_, ext) in instance.exports(&store) {
            let Some(f) = ext.into_func() else { continue };
            let ty = f.ty(&store);
            let args: Vec<Val> = ty.params().iter().map(|t| t.default_val()).collect();
            let mut out: Vec<Val> = ty.results().iter().map(|t| t.default_val()).collect();
            store.set_fuel(100_000).unwrap();
            let _ = f.call(&mut store, &args, &mut out);
        }
    }
    assert!(loaded > 0 && rejected > 0, "mutations should both load and fail: {loaded} / {rejected}");
}

#[test]
fn handles_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Engine>();
    send_sync::<Module>();
    send_sync::<Linker<()>>();
    send::<Store<()>>();
    // A module compiled on one thread instantiates on another.
    let engine = Engine::default();
    let module = Module::new(&engine, FIB).unwrap();
    let answer = std::thread::spawn(move || {
        let mut store = Store::new(module.engine(), ());
        let instance = Linker::new().instantiate(&mut store, &module).unwrap();
        instance.get_typed_func::<i32, i32, _>(&store, "fib").unwrap().call(&mut store, 12).unwrap()
    });
    assert_eq!(answer.join().unwrap(), 144);
}

/// A module whose code section is over 1 MiB, so its bodies validate on several threads.
fn big_module(bad_at: Option<usize>) -> String {
    let mut wat = String::from("(module\n");
    for i in 0..12_000 {
        let body = if bad_at == Some(i) {
            "i64.const 1".to_string()
        } else {
            format!("local.get 0 {} drop local.get 0", "i32.const 1 i32.add ".repeat(40))
        };
        wat.push_str(&format!("(func (export \"f{i}\") (param i32) (result i32) {body})\n"));
    }
    wat.push(')');
    wat
}

#[test]
fn large_modules_validate_in_parallel_and_still_reject() {
    let engine = Engine::default();
    let text = big_module(None);
    let binary = wast::parser::parse::<wast::Wat<'_>>(&wast::parser::ParseBuffer::new(&text).unwrap())
        .unwrap()
        .encode()
        .unwrap();
    assert!(binary.len() > 1 << 20, "code must exceed the parallel threshold: {}", binary.len());
    let module = Module::new(&engine, &binary).expect("valid");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new().instantiate(&mut store, &module).unwrap();
    let f = instance.get_typed_func::<i32, i32, _>(&store, "f11999").unwrap();
    assert_eq!(f.call(&mut store, 5).unwrap(), 5);
    let err = Module::new(&engine, big_module(Some(7_777))).unwrap_err();
    assert!(err.to_string().contains("type mismatch"), "{err}");
}

/// A host function gets `&mut Store`, so it can swap in another store. The guest code that
/// called it, its frames and the host function's own entry belong to the old one: the call
/// must end with an error, not run on (or free the closure that is still running).
#[test]
fn a_host_function_that_replaces_its_store_ends_the_call_with_an_error() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "env" "swap" (func $swap (result i32)))
            (func (export "run") (result i32) (i32.add (call $swap) (i32.const 1)))
            (func $deep (export "deep") (param i32) (result i32)
              (if (result i32) (local.get 0)
                (then (i32.add (call $deep (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
                (else (call $swap)))))"#,
    )
    .unwrap();
    for export in ["run", "deep"] {
        let mut store = Store::new(&engine, vec![7u8; 1024]);
        let swap = Func::new(&mut store, FuncType::new([], [ValType::I32]), |mut caller, _, results| {
            let engine = caller.store().engine().clone();
            drop(std::mem::replace(caller.store(), Store::new(&engine, vec![0u8; 16])));
            results[0] = Val::I32(41);
            Ok(())
        });
        let mut linker = Linker::new();
        linker.define("env", "swap", swap).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let mut results = [Val::I32(0)];
        let params: &[Val] = if export == "deep" { &[Val::I32(5)] } else { &[] };
        let func = instance.get_func(&store, export).unwrap();
        let err = func.call(&mut store, params, &mut results).unwrap_err();
        assert!(err.to_string().contains("replaced the store"), "{export}: {err}");
        // The store now in place is the new one, and usable.
        assert_eq!(store.data().len(), 16);
    }
}

/// With `Config::pooled_memories`, a new instance's memory may be a buffer an earlier store
/// used: it must read as zeroes everywhere, as fresh memory does.
#[test]
fn pooled_memories_are_zeroed_when_reused() {
    let mut config = Config::new();
    config.pooled_memories(4);
    let engine = Engine::new(&config);
    let module = Module::new(
        &engine,
        r#"(module (memory 2)
            (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store8)
            (func (export "peek") (param i32) (result i32) local.get 0 i32.load8_u)
            (func (export "grow") (result i32) i32.const 1 memory.grow))"#,
    )
    .unwrap();
    let addrs = [0, 100, 65535, 65536, 131071];
    for round in 0..4 {
        let mut store = Store::new(&engine, ());
        let instance = Linker::new().instantiate(&mut store, &module).unwrap();
        let peek = instance.get_typed_func::<i32, i32, _>(&store, "peek").unwrap();
        let poke = instance.get_typed_func::<(i32, i32), (), _>(&store, "poke").unwrap();
        for &addr in &addrs {
            assert_eq!(
                peek.call(&mut store, addr).unwrap(),
                0,
                "round {round}: byte {addr} survived a store"
            );
        }
        for &addr in &addrs {
            poke.call(&mut store, (addr, 0x5a)).unwrap();
        }
        // A grown buffer goes back to the pool too; its extra page must not leak either.
        let grow = instance.get_typed_func::<(), i32, _>(&store, "grow").unwrap();
        assert_eq!(grow.call(&mut store, ()).unwrap(), 2);
        assert_eq!(peek.call(&mut store, 3 * 65536 - 1).unwrap(), 0, "round {round}: the grown page");
        poke.call(&mut store, (3 * 65536 - 1, 0x5a)).unwrap();
    }
}
