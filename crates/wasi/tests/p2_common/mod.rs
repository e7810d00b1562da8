//! Shared helpers for the WASI 0.2 tests: the `wasm32-wasip2` fixtures (components), and
//! running one through the component linker and `tessera_wasi::p2::add_to_linker`.
//! Test files using it also declare `mod common;` (for `Outcome` and `TempDir`).
#![allow(dead_code)]

use std::time::{Duration, Instant};

use tessera_component::{Component, Error, Func, Instance, Linker, Val};
use tessera_engine::{Config, Engine, Store};
use tessera_wasi::{WasiCtx, WasiCtxBuilder, WritePipe};

use crate::common::{fixtures_dir, Outcome};

/// The bytes of the `wasm32-wasip2` build of fixture `name` (a component), built by
/// `scripts/build-fixtures.sh`. Fails (never skips) when it is missing.
pub fn fixture_p2(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join("target/wasm32-wasip2/release").join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!("fixture {} is missing ({e}): run scripts/build-fixtures.sh first", path.display())
    })
}

/// The guest's `wasi:cli/run` export (whatever 0.2.x version it names), found among the
/// instance's functions.
pub fn run_export(instance: &Instance) -> Func {
    let funcs = instance.funcs();
    let found =
        funcs.iter().find(|(name, _)| name.starts_with("wasi:cli/run@0.2.") && name.ends_with("#run"));
    match found {
        Some((_, f)) => f.clone(),
        None => {
            let names: Vec<&str> = funcs.iter().map(|(n, _)| n.as_str()).collect();
            panic!("no wasi:cli/run export; the component exports {names:?}")
        }
    }
}

/// An instantiated WASI 0.2 command.
pub struct Command {
    pub store: Store<WasiCtx>,
    pub run: Func,
}

impl Command {
    /// Instantiates `wasm` with `ctx`, on an engine that can be interrupted.
    pub fn new(wasm: &[u8], ctx: WasiCtx) -> Result<Command, Error> {
        let mut config = Config::new();
        config.interruptible(true);
        let engine = Engine::new(&config);
        let component = Component::new(&engine, wasm)?;
        let mut linker = Linker::<WasiCtx>::new();
        tessera_wasi::p2::add_to_linker(&mut linker, |c| c)?;
        let mut store = Store::new(&engine, ctx);
        let instance = linker.instantiate(&mut store, &component)?;
        let run = run_export(&instance);
        Ok(Command { store, run })
    }

    /// Calls `run`: the exit status (`wasi:cli/exit`'s, else 0 for `ok` and 1 for `err`).
    pub fn run(&mut self) -> Result<i32, Error> {
        let mut out = [Val::Bool(false)];
        match self.run.call(&mut self.store, &[], &mut out) {
            Ok(()) => match &out[0] {
                Val::Result(Ok(_)) => Ok(0),
                Val::Result(Err(_)) => Ok(1),
                other => panic!("run returned {other:?}"),
            },
            Err(Error::Engine(tessera_engine::Error::Exit(status))) => Ok(status),
            Err(e) => Err(e),
        }
    }

    /// Calls `run` with an interrupt fired from another thread after `after`: the outcome
    /// and how long the call took.
    pub fn run_interrupted(&mut self, after: Duration) -> (Result<i32, Error>, Duration) {
        let handle = self.store.interrupt_handle();
        let t = Instant::now();
        let timer = std::thread::spawn(move || {
            std::thread::sleep(after);
            handle.interrupt();
        });
        let r = self.run();
        let took = t.elapsed();
        timer.join().unwrap();
        (r, took)
    }
}

/// Runs the component `wasm` with the grants in `builder` (its stdout/stderr are replaced
/// by pipes that are returned in the outcome).
pub fn run_p2(wasm: &[u8], builder: &mut WasiCtxBuilder) -> Outcome {
    let (out, err) = (WritePipe::new(), WritePipe::new());
    builder.stdout(out.clone()).stderr(err.clone());
    let status = run_p2_ctx(wasm, builder.build()).unwrap_or_else(|e| {
        panic!("guest failed: {e}\nstdout:\n{}\nstderr:\n{}", out.contents_string(), err.contents_string())
    });
    Outcome { status, stdout: out.contents_string(), stderr: err.contents_string() }
}

/// Runs the component `wasm` with `ctx`: the exit status, or the error.
pub fn run_p2_ctx(wasm: &[u8], ctx: WasiCtx) -> Result<i32, Error> {
    Command::new(wasm, ctx)?.run()
}
