//! One adaptor per runtime behind a common shape, so every benchmark drives Tessera, wasmi and
//! wasmtime through the same steps. Each runtime is used through its ordinary public API:
//! `Module::new`, `Store::new`, `Linker::instantiate`, typed functions.

use std::time::{Duration, Instant};

pub type Res<T> = Result<T, String>;

/// One line for the failure list: the error with its causes (`{:#}`), whitespace collapsed,
/// cut to 300 characters (wasmtime's traps carry a multi-line wasm backtrace).
fn err(e: impl std::fmt::Display) -> String {
    let s = format!("{e:#}").split_whitespace().collect::<Vec<_>>().join(" ");
    match s.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// The three runtimes in the execution tables, in column order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Rt {
    Tessera,
    Wasmi,
    Wasmtime,
}

pub const RUNTIMES: [Rt; 3] = [Rt::Tessera, Rt::Wasmi, Rt::Wasmtime];

impl Rt {
    pub fn name(self) -> &'static str {
        match self {
            Rt::Tessera => "Tessera",
            Rt::Wasmi => "wasmi",
            Rt::Wasmtime => "wasmtime",
        }
    }
}

/// A runtime with a particular compilation setting, for the start-up and memory rows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Default `Config`: validate at load, translate each function on its first call.
    TesseraLazy,
    /// `Config::lazy_translation(false)`: translate every function at load.
    TesseraEager,
    /// `Config::lazy_validation(true)`: validation and translation both deferred to first
    /// call, like wasmi's `Lazy` (not spec-conforming; for trusted modules).
    TesseraLazyValidation,
    /// `CompilationMode::Lazy`: validation and translation both deferred to first call.
    WasmiLazy,
    /// `CompilationMode::LazyTranslation` (wasmi's default): validate at load, translate lazily.
    WasmiLazyTranslation,
    /// `CompilationMode::Eager`.
    WasmiEager,
    /// Default `Config`: Cranelift compiles the whole module to machine code at load.
    Wasmtime,
}

pub const MODES: [Mode; 7] = [
    Mode::TesseraLazy,
    Mode::TesseraEager,
    Mode::TesseraLazyValidation,
    Mode::WasmiLazy,
    Mode::WasmiLazyTranslation,
    Mode::WasmiEager,
    Mode::Wasmtime,
];

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::TesseraLazy => "Tessera, lazy (default)",
            Mode::TesseraEager => "Tessera, eager",
            Mode::TesseraLazyValidation => "Tessera, lazy validation",
            Mode::WasmiLazy => "wasmi, Lazy",
            Mode::WasmiLazyTranslation => "wasmi, LazyTranslation (default)",
            Mode::WasmiEager => "wasmi, Eager",
            Mode::Wasmtime => "wasmtime, Cranelift",
        }
    }

    /// The command-line spelling (for the RSS child processes).
    pub fn key(self) -> &'static str {
        match self {
            Mode::TesseraLazy => "tessera-lazy",
            Mode::TesseraEager => "tessera-eager",
            Mode::TesseraLazyValidation => "tessera-lazy-validation",
            Mode::WasmiLazy => "wasmi-lazy",
            Mode::WasmiLazyTranslation => "wasmi-lazy-translation",
            Mode::WasmiEager => "wasmi-eager",
            Mode::Wasmtime => "wasmtime",
        }
    }

    pub fn from_key(key: &str) -> Option<Mode> {
        MODES.into_iter().find(|m| m.key() == key)
    }

    /// The mode the execution benchmarks use for each runtime: its default.
    pub fn default_for(rt: Rt) -> Mode {
        match rt {
            Rt::Tessera => Mode::TesseraLazy,
            Rt::Wasmi => Mode::WasmiLazyTranslation,
            Rt::Wasmtime => Mode::Wasmtime,
        }
    }
}

/// The guest functions the benchmarks call.
pub trait Call {
    /// Calls the `(i32) -> i64` export the instance was loaded for.
    fn call(&mut self, arg: i32) -> Res<i64>;
}

/// Split timings of one cold start: compile (`Module::new`), instantiate (`Store::new`,
/// `Linker::instantiate`, export lookup) and the first call.
#[derive(Clone, Copy, Debug)]
pub struct Startup {
    pub compile: Duration,
    pub instantiate: Duration,
    pub call: Duration,
    pub result: i32,
}

impl Startup {
    pub fn total(&self) -> Duration {
        self.compile + self.instantiate + self.call
    }
}

/// The host function imported as `env.host` by the small and host-call modules.
pub fn host_fn(x: i32) -> i32 {
    x.wrapping_mul(3) ^ 0x55
}

/// An engine of one runtime in one mode. Engines are created once, outside every timing.
pub enum Engine {
    Tessera(tessera_engine::Engine),
    Wasmi(wasmi::Engine),
    Wasmtime(wasmtime::Engine),
}

impl Engine {
    pub fn new(mode: Mode) -> Res<Engine> {
        Ok(match mode {
            Mode::TesseraLazy => Engine::Tessera(tessera_engine::Engine::default()),
            Mode::TesseraEager => {
                let mut config = tessera_engine::Config::new();
                config.lazy_translation(false);
                Engine::Tessera(tessera_engine::Engine::new(&config))
            }
            Mode::TesseraLazyValidation => {
                let mut config = tessera_engine::Config::new();
                config.lazy_validation(true);
                Engine::Tessera(tessera_engine::Engine::new(&config))
            }
            Mode::WasmiLazy | Mode::WasmiLazyTranslation | Mode::WasmiEager => {
                let mut config = wasmi::Config::default();
                config.compilation_mode(match mode {
                    Mode::WasmiLazy => wasmi::CompilationMode::Lazy,
                    Mode::WasmiEager => wasmi::CompilationMode::Eager,
                    _ => wasmi::CompilationMode::LazyTranslation,
                });
                Engine::Wasmi(wasmi::Engine::new(&config))
            }
            Mode::Wasmtime => Engine::Wasmtime(wasmtime::Engine::default()),
        })
    }

    /// Compiles and instantiates `bytes` (no imports) and returns its `(i32) -> i64` export.
    pub fn load(&self, bytes: &[u8], export: &str) -> Res<Box<dyn Call>> {
        Ok(match self {
            Engine::Tessera(engine) => {
                use tessera_engine as t;
                let module = t::Module::new(engine, bytes).map_err(err)?;
                let mut store = t::Store::new(engine, ());
                let instance = t::Linker::new().instantiate(&mut store, &module).map_err(err)?;
                let func = instance.get_typed_func::<i32, i64, _>(&store, export).map_err(err)?;
                Box::new(TesseraCall { store, func })
            }
            Engine::Wasmi(engine) => {
                let module = wasmi::Module::new(engine, bytes).map_err(err)?;
                let mut store = wasmi::Store::new(engine, ());
                let instance =
                    wasmi::Linker::new(engine).instantiate_and_start(&mut store, &module).map_err(err)?;
                let func = instance.get_typed_func::<i32, i64>(&store, export).map_err(err)?;
                Box::new(WasmiCall { store, func })
            }
            Engine::Wasmtime(engine) => {
                let module = wasmtime::Module::new(engine, bytes).map_err(err)?;
                let mut store = wasmtime::Store::new(engine, ());
                let instance = wasmtime::Linker::new(engine).instantiate(&mut store, &module).map_err(err)?;
                let func = instance.get_typed_func::<i32, i64>(&mut store, export).map_err(err)?;
                Box::new(WasmtimeCall { store, func })
            }
        })
    }

    /// One cold start of a module without imports: compile, instantiate, call `export: () -> i32`.
    pub fn startup(&self, bytes: &[u8], export: &str) -> Res<Startup> {
        let t0 = Instant::now();
        // Each arm stops the clock before its store, instance and module are dropped.
        let (t1, t2, t3, result) = match self {
            Engine::Tessera(engine) => {
                use tessera_engine as t;
                let module = t::Module::new(engine, bytes).map_err(err)?;
                let t1 = Instant::now();
                let mut store = t::Store::new(engine, ());
                let instance = t::Linker::new().instantiate(&mut store, &module).map_err(err)?;
                let f = instance.get_typed_func::<(), i32, _>(&store, export).map_err(err)?;
                let t2 = Instant::now();
                let result = f.call(&mut store, ()).map_err(err)?;
                (t1, t2, Instant::now(), result)
            }
            Engine::Wasmi(engine) => {
                let module = wasmi::Module::new(engine, bytes).map_err(err)?;
                let t1 = Instant::now();
                let mut store = wasmi::Store::new(engine, ());
                let instance =
                    wasmi::Linker::new(engine).instantiate_and_start(&mut store, &module).map_err(err)?;
                let f = instance.get_typed_func::<(), i32>(&store, export).map_err(err)?;
                let t2 = Instant::now();
                let result = f.call(&mut store, ()).map_err(err)?;
                (t1, t2, Instant::now(), result)
            }
            Engine::Wasmtime(engine) => {
                let module = wasmtime::Module::new(engine, bytes).map_err(err)?;
                let t1 = Instant::now();
                let mut store = wasmtime::Store::new(engine, ());
                let instance = wasmtime::Linker::new(engine).instantiate(&mut store, &module).map_err(err)?;
                let f = instance.get_typed_func::<(), i32>(&mut store, export).map_err(err)?;
                let t2 = Instant::now();
                let result = f.call(&mut store, ()).map_err(err)?;
                (t1, t2, Instant::now(), result)
            }
        };
        Ok(Startup { compile: t1 - t0, instantiate: t2 - t1, call: t3 - t2, result })
    }

    /// Compiles `bytes` once, then `iters` times creates a store and instantiates the module
    /// with `env.host` linked (the linker is built once, as an embedder would). Returns the
    /// time for all iterations, and the result of `run(7)` on the last instance.
    pub fn instantiate_many(&self, bytes: &[u8], iters: u32) -> Res<(Duration, i32)> {
        assert!(iters > 0);
        match self {
            Engine::Tessera(engine) => {
                use tessera_engine as t;
                let module = t::Module::new(engine, bytes).map_err(err)?;
                let mut linker = t::Linker::<()>::new();
                linker.func_wrap("env", "host", host_fn).map_err(err)?;
                let start = Instant::now();
                let mut last = None;
                for _ in 0..iters {
                    let mut store = t::Store::new(engine, ());
                    let instance = linker.instantiate(&mut store, &module).map_err(err)?;
                    last = Some((store, instance));
                }
                let elapsed = start.elapsed();
                let (mut store, instance) = last.unwrap();
                let f = instance.get_typed_func::<i32, i32, _>(&store, "run").map_err(err)?;
                Ok((elapsed, f.call(&mut store, 7).map_err(err)?))
            }
            Engine::Wasmi(engine) => {
                let module = wasmi::Module::new(engine, bytes).map_err(err)?;
                let mut linker = wasmi::Linker::<()>::new(engine);
                linker.func_wrap("env", "host", host_fn).map_err(err)?;
                let start = Instant::now();
                let mut last = None;
                for _ in 0..iters {
                    let mut store = wasmi::Store::new(engine, ());
                    let instance = linker.instantiate_and_start(&mut store, &module).map_err(err)?;
                    last = Some((store, instance));
                }
                let elapsed = start.elapsed();
                let (mut store, instance) = last.unwrap();
                let f = instance.get_typed_func::<i32, i32>(&store, "run").map_err(err)?;
                Ok((elapsed, f.call(&mut store, 7).map_err(err)?))
            }
            Engine::Wasmtime(engine) => {
                let module = wasmtime::Module::new(engine, bytes).map_err(err)?;
                let mut linker = wasmtime::Linker::<()>::new(engine);
                linker.func_wrap("env", "host", host_fn).map_err(err)?;
                let start = Instant::now();
                let mut last = None;
                for _ in 0..iters {
                    let mut store = wasmtime::Store::new(engine, ());
                    let instance = linker.instantiate(&mut store, &module).map_err(err)?;
                    last = Some((store, instance));
                }
                let elapsed = start.elapsed();
                let (mut store, instance) = last.unwrap();
                let f = instance.get_typed_func::<i32, i32>(&mut store, "run").map_err(err)?;
                Ok((elapsed, f.call(&mut store, 7).map_err(err)?))
            }
        }
    }

    /// Instantiates `bytes` with `env.host` linked and returns its `(i32) -> i32` `run` export
    /// widened to i64, for the host-call benchmark.
    pub fn load_with_host(&self, bytes: &[u8]) -> Res<Box<dyn Call>> {
        Ok(match self {
            Engine::Tessera(engine) => {
                use tessera_engine as t;
                let module = t::Module::new(engine, bytes).map_err(err)?;
                let mut linker = t::Linker::<()>::new();
                linker.func_wrap("env", "host", host_fn).map_err(err)?;
                let mut store = t::Store::new(engine, ());
                let instance = linker.instantiate(&mut store, &module).map_err(err)?;
                let func = instance.get_typed_func::<i32, i32, _>(&store, "run").map_err(err)?;
                Box::new(TesseraCall32 { store, func })
            }
            Engine::Wasmi(engine) => {
                let module = wasmi::Module::new(engine, bytes).map_err(err)?;
                let mut linker = wasmi::Linker::<()>::new(engine);
                linker.func_wrap("env", "host", host_fn).map_err(err)?;
                let mut store = wasmi::Store::new(engine, ());
                let instance = linker.instantiate_and_start(&mut store, &module).map_err(err)?;
                let func = instance.get_typed_func::<i32, i32>(&store, "run").map_err(err)?;
                Box::new(WasmiCall32 { store, func })
            }
            Engine::Wasmtime(engine) => {
                let module = wasmtime::Module::new(engine, bytes).map_err(err)?;
                let mut linker = wasmtime::Linker::<()>::new(engine);
                linker.func_wrap("env", "host", host_fn).map_err(err)?;
                let mut store = wasmtime::Store::new(engine, ());
                let instance = linker.instantiate(&mut store, &module).map_err(err)?;
                let func = instance.get_typed_func::<i32, i32>(&mut store, "run").map_err(err)?;
                Box::new(WasmtimeCall32 { store, func })
            }
        })
    }
}

struct TesseraCall {
    store: tessera_engine::Store<()>,
    func: tessera_engine::TypedFunc<i32, i64>,
}

impl Call for TesseraCall {
    fn call(&mut self, arg: i32) -> Res<i64> {
        self.func.call(&mut self.store, arg).map_err(err)
    }
}

struct TesseraCall32 {
    store: tessera_engine::Store<()>,
    func: tessera_engine::TypedFunc<i32, i32>,
}

impl Call for TesseraCall32 {
    fn call(&mut self, arg: i32) -> Res<i64> {
        self.func.call(&mut self.store, arg).map(i64::from).map_err(err)
    }
}

struct WasmiCall {
    store: wasmi::Store<()>,
    func: wasmi::TypedFunc<i32, i64>,
}

impl Call for WasmiCall {
    fn call(&mut self, arg: i32) -> Res<i64> {
        self.func.call(&mut self.store, arg).map_err(err)
    }
}

struct WasmiCall32 {
    store: wasmi::Store<()>,
    func: wasmi::TypedFunc<i32, i32>,
}

impl Call for WasmiCall32 {
    fn call(&mut self, arg: i32) -> Res<i64> {
        self.func.call(&mut self.store, arg).map(i64::from).map_err(err)
    }
}

struct WasmtimeCall {
    store: wasmtime::Store<()>,
    func: wasmtime::TypedFunc<i32, i64>,
}

impl Call for WasmtimeCall {
    fn call(&mut self, arg: i32) -> Res<i64> {
        self.func.call(&mut self.store, arg).map_err(err)
    }
}

struct WasmtimeCall32 {
    store: wasmtime::Store<()>,
    func: wasmtime::TypedFunc<i32, i32>,
}

impl Call for WasmtimeCall32 {
    fn call(&mut self, arg: i32) -> Res<i64> {
        self.func.call(&mut self.store, arg).map(i64::from).map_err(err)
    }
}
