//! `tessera run`: instantiate a module and call `_start` or `--invoke NAME`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use tessera_engine::{Config, Engine, Error, Linker, Module, Store, StoreLimits, Val};
use tessera_wasi::{WasiCtx, WasiCtxBuilder};

use crate::args::{parse_bytes, parse_duration, parse_val, show_val};

/// Exit status after a trap, as a process killed by SIGABRT reports it (wasmtime does too).
const TRAP_EXIT: u8 = 134;

#[derive(Args)]
#[command(trailing_var_arg = true)]
pub struct RunArgs {
    /// Call this exported function instead of `_start`, with ARGS as its parameters;
    /// its results are printed one per line. For a component, a WAVE call expression such
    /// as `'mul({left: 6, right: 7})'`, its result printed in WAVE.
    #[arg(long, value_name = "NAME")]
    pub(crate) invoke: Option<String>,
    /// Stop the guest with a trap after this much fuel (roughly one unit per instruction).
    #[arg(long, value_name = "N")]
    pub(crate) fuel: Option<u64>,
    /// Largest size any linear memory may reach, e.g. `64MiB` (instantiation fails or
    /// `memory.grow` returns -1 beyond it).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub(crate) max_memory: Option<u64>,
    /// Stop the guest after this much wall-clock time, e.g. `5s` or `200ms`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,
    /// Translate every function when loading instead of on first call.
    #[arg(long)]
    pub(crate) eager: bool,
    /// Validate each function body on its first call instead of at load: faster start-up
    /// for trusted modules, but an invalid body is reported only when it is called (not
    /// spec-conforming).
    #[arg(long)]
    pub(crate) lazy_validation: bool,
    #[command(flatten)]
    pub(crate) grants: Grants,
    /// Let a WASI 0.2 guest use the network: `--allow-net` for any address, or
    /// `--allow-net=127.0.0.1:8080,10.0.0.0/8:*` for those addresses only (IP or CIDR, then
    /// `:PORT`, `:LO-HI` or `:*`). Without it every socket operation is refused.
    #[arg(long, value_name = "ADDRESSES", num_args = 0..=1, require_equals = true, default_missing_value = "*")]
    pub(crate) allow_net: Option<String>,
    /// Let a WASI 0.2 guest resolve host names (`wasi:sockets/ip-name-lookup`).
    #[arg(long)]
    pub(crate) allow_dns: bool,
    /// The guest's `argv[0]` (default: the module's file name as given).
    #[arg(long, value_name = "NAME")]
    pub(crate) argv0: Option<String>,
    /// The module or component, binary (.wasm) or text (.wat).
    pub(crate) file: PathBuf,
    /// Arguments for the guest (or for the `--invoke`d function).
    #[arg(allow_hyphen_values = true)]
    pub(crate) args: Vec<String>,
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let mut config = Config::new();
    config.lazy_translation(!args.eager);
    config.lazy_validation(args.lazy_validation);
    config.consume_fuel(args.fuel.is_some());
    config.interruptible(args.timeout.is_some());
    let engine = Engine::new(&config);
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    if crate::component::looks_like_component(&bytes) {
        return crate::component::run(&args, &engine, &bytes);
    }
    let module = Module::new(&engine, &bytes).map_err(|e| anyhow!("{}: {e}", args.file.display()))?;

    let mut store = new_store(&args, &engine)?;
    let mut linker: Linker<WasiCtx> = Linker::new();
    tessera_wasi::add_to_linker(&mut linker, |ctx| ctx)?;
    let outcome = (|| -> Result<Vec<Val>, Error> {
        let instance = linker.instantiate(&mut store, &module)?;
        let name = args.invoke.as_deref().unwrap_or("_start");
        let func = instance.get_func(&store, name).ok_or_else(|| {
            Error::BadArguments(match &args.invoke {
                Some(_) => format!("no exported function named `{name}`"),
                None => "the module exports no `_start`; name a function with --invoke".to_string(),
            })
        })?;
        let ty = func.ty(&store);
        let params = if args.invoke.is_some() {
            if args.args.len() != ty.params().len() {
                return Err(Error::BadArguments(format!(
                    "`{name}` takes {} arguments ({}), {} given",
                    ty.params().len(),
                    ty,
                    args.args.len()
                )));
            }
            args.args
                .iter()
                .zip(ty.params())
                .map(|(s, t)| parse_val(s, *t).map_err(|e| Error::BadArguments(e.to_string())))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        let mut results: Vec<Val> = ty.results().iter().map(|t| t.default_val()).collect();
        func.call(&mut store, &params, &mut results)?;
        Ok(results)
    })();
    match outcome {
        Ok(results) => {
            for r in &results {
                println!("{}", show_val(r));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => report_error(&args, e),
    }
}

/// A store holding the granted capabilities, with the limits (`--max-memory`, `--fuel`,
/// `--timeout`) applied.
pub(crate) fn new_store(args: &RunArgs, engine: &Engine) -> Result<Store<WasiCtx>> {
    let mut store = Store::new(engine, wasi_ctx(args)?);
    store.limiter(StoreLimits { max_memory_bytes: args.max_memory, max_table_elements: None });
    if let Some(fuel) = args.fuel {
        store.set_fuel(fuel)?;
    }
    if let Some(timeout) = args.timeout {
        let handle = store.interrupt_handle();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            handle.interrupt();
        });
    }
    Ok(store)
}

/// Turns a guest's failure into the exit status: its own exit code, 134 after a trap (with
/// the trap and backtrace on stderr), else an `error:` line and 1.
pub(crate) fn report_error(args: &RunArgs, e: Error) -> Result<ExitCode> {
    match e {
        // Like a POSIX shell, only the low 8 bits of an exit status survive.
        Error::Exit(code) => Ok(ExitCode::from((code & 0xff) as u8)),
        Error::Trap(trap) => {
            let what = match (trap.code(), args.timeout) {
                (tessera_engine::TrapCode::Interrupted, Some(t)) => format!(" (time limit of {t:?} reached)"),
                _ => String::new(),
            };
            eprintln!("error: {}: {trap}{what}", args.file.display());
            let bt = trap.backtrace_string();
            if !bt.is_empty() {
                eprint!("wasm backtrace:\n{bt}");
            }
            Ok(ExitCode::from(TRAP_EXIT))
        }
        e => bail!("{}: {e}", args.file.display()),
    }
}

/// The capabilities granted on the command line, and nothing more.
pub(crate) fn wasi_ctx(args: &RunArgs) -> Result<WasiCtx> {
    let mut b = WasiCtxBuilder::new();
    b.inherit_stdio();
    b.arg(args.argv0.clone().unwrap_or_else(|| args.file.display().to_string()));
    if args.invoke.is_none() {
        b.args(&args.args);
    }
    args.grants.apply(&mut b)?;
    match args.allow_net.as_deref() {
        None => {}
        Some("*") => {
            b.allow_net(true);
        }
        Some(list) => {
            let patterns = list
                .split(',')
                .map(|p| p.parse::<tessera_wasi::AddressPattern>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow!("--allow-net={list}: {e}"))?;
            b.allow_addresses(patterns);
        }
    }
    b.allow_dns(args.allow_dns);
    Ok(b.build())
}

/// Directories and environment granted on the command line (`run` and `serve` alike).
#[derive(Args)]
pub struct Grants {
    /// Grant the guest a host directory: `HOST` (seen as the same path), `HOST::GUEST`,
    /// or `HOST::GUEST:ro` for read-only. Repeatable. Nothing else of the file system is
    /// reachable.
    #[arg(long = "dir", value_name = "HOST[::GUEST][:ro]")]
    pub(crate) dirs: Vec<String>,
    /// Give the guest an environment variable: `NAME=VALUE`, or `NAME` to pass on the
    /// host's value. Repeatable.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    pub(crate) envs: Vec<String>,
    /// Give the guest the host's whole environment.
    #[arg(long)]
    pub(crate) inherit_env: bool,
}

impl Grants {
    /// Adds the environment and the directories to `b`.
    ///
    /// # Errors
    /// A variable to pass on that the host does not have, or a directory that cannot be
    /// opened.
    pub(crate) fn apply(&self, b: &mut WasiCtxBuilder) -> Result<()> {
        if self.inherit_env {
            b.inherit_env();
        }
        for e in &self.envs {
            match e.split_once('=') {
                Some((name, value)) => b.env(name, value),
                None => match std::env::var(e) {
                    Ok(value) => b.env(e, value),
                    Err(_) => bail!("--env {e}: the host has no variable `{e}` to pass on"),
                },
            };
        }
        for d in &self.dirs {
            let (spec, read_only) = match d.strip_suffix(":ro") {
                Some(rest) => (rest, true),
                None => (d.as_str(), false),
            };
            let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
            b.preopened_dir(host, guest, read_only)
                .with_context(|| format!("--dir {d}: cannot open `{host}`"))?;
        }
        Ok(())
    }
}
