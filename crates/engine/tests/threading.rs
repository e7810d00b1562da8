//! In builds with direct threading (`tessera_threaded`, see `build.rs`), every interpreter
//! handler must continue to the next one with a jump; one that calls instead takes host stack
//! per executed instruction, and a long-running guest would overflow the host stack. The
//! check reads this test binary's own machine code (the engine is linked into it) with
//! `scripts/check-threading.sh`, which `benches/run.sh` also runs on the release-built
//! benchmark binaries.

#[cfg(all(tessera_threaded, not(debug_assertions)))]
#[test]
fn every_handler_continues_with_a_jump() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/check-threading.sh");
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = std::process::Command::new("bash").arg(script).arg(&exe).output().expect("running bash");
    let report = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("each continues with a jump"), "{report}");
}

/// A guest loop of many millions of instructions, calls and returns on a thread with a small
/// host stack: with a handler that does not jump, this overflows it.
#[test]
fn long_guest_loops_use_no_host_stack() {
    let wat = r#"(module
        (memory 1)
        (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
        (func (export "spin") (param $n i32) (result i32) (local $acc i32)
            (loop $top
                (i32.store (i32.const 8) (local.get $acc))
                (local.set $acc (call $leaf (i32.load (i32.const 8))))
                (local.set $acc (i32.xor (local.get $acc) (i32.rem_u (local.get $n) (i32.const 7))))
                (br_if $top (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $acc)))"#;
    let spin = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            use tessera_engine::{Engine, Linker, Module, Store};
            let engine = Engine::default();
            let module = Module::new(&engine, wat).expect("valid module");
            let mut store = Store::new(&engine, ());
            let instance = Linker::new().instantiate(&mut store, &module).expect("instantiates");
            let f = instance.get_typed_func::<i32, i32, _>(&store, "spin").expect("export");
            f.call(&mut store, 2_000_000).expect("runs")
        })
        .expect("thread");
    let mut acc: u32 = 0;
    for n in (1..=2_000_000u32).rev() {
        acc = (acc + 1) ^ (n % 7);
    }
    assert_eq!(spin.join().expect("no overflow") as u32, acc);
}
