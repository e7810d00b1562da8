//! A secure plugin host: every plugin is a component implementing `wit/plugin.wit`, run with
//! exactly the capabilities its manifest grants and under its own fuel, memory and time
//! limits. A plugin that traps, spins, hoards memory or reaches for files it was not given
//! is stopped and reported; the host and the other plugins carry on.
//!
//! A manifest (`plugin.manifest` in the plugin's directory) is `key = value` lines:
//! - `component = PATH` — the plugin's `.wasm`, relative to the manifest (required);
//! - `dir = HOST::GUEST[:ro]` — a directory to grant (relative to the manifest), repeatable;
//! - `fuel = N`, `memory = 16MiB`, `timeout = 2s` — limits (all required: no plugin runs
//!   unbounded).
//!
//! Nothing else is granted: no environment, no network, no other files.
//!
//! The calls into a plugin go through bindings that `tessera_bindgen::bindgen!` generates
//! from `wit/plugin.wit` ([`bindings::Plugin`]).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tessera_component::{Component, Error, Linker};
use tessera_engine::{Config, Engine, Store, StoreLimits, TrapCode};
use tessera_wasi::{WasiCtx, WasiCtxBuilder, WritePipe};

/// Typed bindings for the `plugin` world: [`bindings::Plugin`] with `call_name` and
/// `call_transform`.
pub mod bindings {
    tessera_bindgen::bindgen!({ path: "wit", world: "plugin" });
}

/// What a plugin's manifest grants it.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub component: PathBuf,
    /// (host directory, guest path, read-only)
    pub dirs: Vec<(PathBuf, String, bool)>,
    pub fuel: u64,
    pub memory: u64,
    pub timeout: Duration,
}

/// Parses a manifest; relative paths are resolved against `base`.
///
/// # Errors
/// On an unknown key, a malformed value or a missing required key, naming the line.
pub fn parse_manifest(text: &str, base: &Path) -> Result<Manifest, String> {
    let (mut component, mut dirs, mut fuel, mut memory, mut timeout) = (None, Vec::new(), None, None, None);
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |what: &str| format!("line {}: {what}: `{line}`", n + 1);
        let (key, value) = line.split_once('=').ok_or_else(|| bad("expected `key = value`"))?;
        let value = value.trim();
        match key.trim() {
            "component" => component = Some(base.join(value)),
            "dir" => {
                let (spec, ro) = match value.strip_suffix(":ro") {
                    Some(s) => (s, true),
                    None => (value, false),
                };
                let (host, guest) = spec.split_once("::").ok_or_else(|| bad("expected HOST::GUEST[:ro]"))?;
                dirs.push((base.join(host), guest.to_string(), ro));
            }
            "fuel" => fuel = Some(value.parse::<u64>().map_err(|_| bad("fuel is a number"))?),
            "memory" => memory = Some(parse_size(value).ok_or_else(|| bad("memory is a size like 16MiB"))?),
            "timeout" => {
                timeout = Some(parse_duration(value).ok_or_else(|| bad("timeout is like 2s or 500ms"))?)
            }
            _ => return Err(bad("unknown key")),
        }
    }
    let need = |what: &str| format!("missing `{what} = ...`");
    Ok(Manifest {
        component: component.ok_or_else(|| need("component"))?,
        dirs,
        fuel: fuel.ok_or_else(|| need("fuel"))?,
        memory: memory.ok_or_else(|| need("memory"))?,
        timeout: timeout.ok_or_else(|| need("timeout"))?,
    })
}

fn parse_size(s: &str) -> Option<u64> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..split].parse().ok()?;
    let mult = match &s[split..] {
        "" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

fn parse_duration(s: &str) -> Option<Duration> {
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.parse().ok().map(Duration::from_millis);
    }
    s.strip_suffix('s')?.parse().ok().map(Duration::from_secs)
}

/// How one plugin's run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `transform` returned `ok`.
    Ok(String),
    /// `transform` returned `err`: the plugin's own failure.
    PluginError(String),
    /// The host stopped the plugin: a trap, fuel, memory or deadline.
    Stopped(String),
    /// The plugin could not be loaded or linked, or is not a plugin (it lacks `name` or
    /// `transform`, or one has the wrong type; the message names which).
    Rejected(String),
}

/// One plugin's line in the host's report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The plugin's directory name.
    pub plugin: String,
    pub outcome: Outcome,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Ok(s) => write!(f, "{}: ok: {s:?}", self.plugin),
            Outcome::PluginError(s) => write!(f, "{}: plugin error: {s}", self.plugin),
            Outcome::Stopped(s) => write!(f, "{}: stopped: {s}", self.plugin),
            Outcome::Rejected(s) => write!(f, "{}: rejected: {s}", self.plugin),
        }
    }
}

/// The engine every plugin runs on: fuel metering and deadlines on.
pub fn engine() -> Engine {
    let mut config = Config::new();
    config.consume_fuel(true);
    config.interruptible(true);
    Engine::new(&config)
}

/// Runs every plugin (each subdirectory of `dir` holding a `plugin.manifest`, in name order)
/// on `input`.
///
/// # Errors
/// If `dir` cannot be listed.
pub fn run_all(engine: &Engine, dir: &Path, input: &str) -> std::io::Result<Vec<Report>> {
    let mut plugins: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("plugin.manifest").is_file())
        .collect();
    plugins.sort();
    Ok(plugins.iter().map(|p| run_plugin(engine, p, input)).collect())
}

/// Loads and runs one plugin.
pub fn run_plugin(engine: &Engine, dir: &Path, input: &str) -> Report {
    let plugin = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let outcome = match run(engine, dir, input) {
        Ok(o) => o,
        Err(e) => Outcome::Rejected(e),
    };
    Report { plugin, outcome }
}

fn run(engine: &Engine, dir: &Path, input: &str) -> Result<Outcome, String> {
    let manifest_path = dir.join("plugin.manifest");
    let text =
        std::fs::read_to_string(&manifest_path).map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let manifest = parse_manifest(&text, dir).map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let bytes =
        std::fs::read(&manifest.component).map_err(|e| format!("{}: {e}", manifest.component.display()))?;
    let component = Component::new(engine, &bytes).map_err(|e| e.to_string())?;

    // The grants: the manifest's directories and a private stderr, nothing else.
    let stderr = WritePipe::new();
    let mut wasi = WasiCtxBuilder::new();
    wasi.stderr(stderr.clone());
    for (host, guest, ro) in &manifest.dirs {
        wasi.preopened_dir(host, guest, *ro).map_err(|e| format!("dir {}: {e}", host.display()))?;
    }
    let mut store = Store::new(engine, wasi.build());
    store.limiter(StoreLimits { max_memory_bytes: Some(manifest.memory), max_table_elements: None });
    store.set_fuel(manifest.fuel).map_err(|e| e.to_string())?;
    let deadline = store.interrupt_handle();
    let timeout = manifest.timeout;
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        deadline.interrupt();
    });

    let mut linker: Linker<WasiCtx> = Linker::new();
    tessera_wasi::p2::add_to_linker(&mut linker, |ctx| ctx).map_err(|e| e.to_string())?;
    let stopped = |e: Error| stop_reason(e, &manifest, &stderr.contents_string());
    let plugin = match bindings::Plugin::instantiate(&mut store, &component, &linker) {
        Ok(p) => p,
        Err(e) => return Ok(stopped(e)),
    };
    if let Err(e) = plugin.call_name(&mut store) {
        return Ok(stopped(e));
    }
    Ok(match plugin.call_transform(&mut store, input.into()) {
        Ok(Ok(out)) => Outcome::Ok(out),
        Ok(Err(message)) => Outcome::PluginError(message),
        Err(e) => stopped(e),
    })
}

/// Why the host stopped a plugin, in one line: which limit, or the trap and the last thing
/// the plugin wrote to stderr.
fn stop_reason(e: Error, manifest: &Manifest, stderr: &str) -> Outcome {
    let Some(trap) = e.as_trap() else { return Outcome::Rejected(e.to_string()) };
    let why = match trap.code() {
        TrapCode::OutOfFuel => format!("fuel exhausted ({} units)", manifest.fuel),
        TrapCode::Interrupted => format!("deadline of {:?} reached", manifest.timeout),
        // The last line the plugin wrote, skipping Rust's backtrace hint.
        _ => match stderr.lines().rev().find(|l| !l.trim().is_empty() && !l.starts_with("note: ")) {
            Some(last) => format!("{trap} ({})", last.trim()),
            None => trap.to_string(),
        },
    };
    Outcome::Stopped(why)
}
