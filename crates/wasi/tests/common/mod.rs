//! Shared helpers for the WASI tests: fixtures, temporary directories, running a guest.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use std::time::{Duration, Instant};

use tessera_engine::{Engine, Error, Instance, Linker, Module, Store};
use tessera_wasi::{WasiCtx, WasiCtxBuilder, WritePipe};

/// The bytes of fixture `name`, built by `scripts/build-fixtures.sh`. Fails (never skips)
/// when it is missing.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join("target/wasm32-wasip1/release").join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!("fixture {} is missing ({e}): run scripts/build-fixtures.sh first", path.display())
    })
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("tessera-wasi-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a guest run produced.
#[derive(Debug)]
pub struct Outcome {
    /// `proc_exit`'s status, or 0 when `_start` returned.
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `_start` of `wasm` with the grants in `builder` (its stdout/stderr are replaced
/// by pipes that are returned in the outcome).
pub fn run(wasm: &[u8], builder: &mut WasiCtxBuilder) -> Outcome {
    let (out, err) = (WritePipe::new(), WritePipe::new());
    builder.stdout(out.clone()).stderr(err.clone());
    let status = run_ctx(wasm, builder.build()).unwrap_or_else(|e| {
        panic!("guest failed: {e}\nstdout:\n{}\nstderr:\n{}", out.contents_string(), err.contents_string())
    });
    Outcome { status, stdout: out.contents_string(), stderr: err.contents_string() }
}

/// Runs `_start` with `ctx`; the exit status, or the engine's error.
pub fn run_ctx(wasm: &[u8], ctx: WasiCtx) -> Result<i32, Error> {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm)?;
    let mut linker = Linker::<WasiCtx>::new();
    tessera_wasi::add_to_linker(&mut linker, |c| c)?;
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module)?;
    let start = instance.get_typed_func::<(), (), _>(&store, "_start")?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(0),
        Err(Error::Exit(status)) => Ok(status),
        Err(e) => Err(e),
    }
}

/// A WAT guest instantiated with WASI, for ABI-level tests that call exports returning an
/// errno and read results out of guest memory.
pub struct Guest {
    pub store: Store<WasiCtx>,
    pub instance: Instance,
}

impl Guest {
    pub fn new(wat: &str, ctx: WasiCtx) -> Guest {
        let engine = Engine::default();
        let module = Module::new(&engine, wat).unwrap();
        let mut linker = Linker::<WasiCtx>::new();
        tessera_wasi::add_to_linker(&mut linker, |c| c).unwrap();
        let mut store = Store::new(&engine, ctx);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        Guest { store, instance }
    }

    pub fn call(&mut self, name: &str) -> Result<i32, Error> {
        let f = self.instance.get_typed_func::<(), i32, _>(&self.store, name).unwrap();
        f.call(&mut self.store, ())
    }

    pub fn errno(&mut self, name: &str) -> i32 {
        self.call(name).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Calls `name` with an interrupt fired from another thread after 100 ms: returns
    /// the outcome and how long the call took.
    pub fn call_interrupted(&mut self, name: &str) -> (Result<i32, Error>, Duration) {
        let handle = self.store.interrupt_handle();
        let t = Instant::now();
        let timer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            handle.interrupt();
        });
        let r = self.call(name);
        let took = t.elapsed();
        timer.join().unwrap();
        (r, took)
    }

    pub fn mem(&self) -> &[u8] {
        self.instance.get_memory(&self.store, "memory").unwrap().data(&self.store)
    }

    pub fn u32_at(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.mem()[at..at + 4].try_into().unwrap())
    }

    pub fn u64_at(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.mem()[at..at + 8].try_into().unwrap())
    }
}
