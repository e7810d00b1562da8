//! Reference outputs for `tessera run --invoke` on components, recorded from wasmtime 48.0.8.
//!
//! `wave-ref CASES` reads a cases file (format below), runs every call on wasmtime exactly as
//! `wasmtime run --invoke 'CALL' COMPONENT` does (wasmtime 48's `src/commands/run.rs`,
//! `invoke_component`), and prints the file again with each call's output recorded under it.
//! Regenerate the project's file from the repository root with:
//!
//! ```sh
//! cargo run --profile quick --manifest-path benches/Cargo.toml -p wave-ref -- \
//!     crates/component/tests/invoke-cases.txt > /tmp/cases && \
//!     mv /tmp/cases crates/component/tests/invoke-cases.txt
//! ```
//!
//! # The cases file
//!
//! - `#` lines and blank lines are comments, copied through unchanged.
//! - `component: PATH` selects the component for the cases after it. PATH is relative to the
//!   repository root; a `.wat` file is component text, a `.wasm` file is either a component or
//!   a core module carrying wit-bindgen's `component-type` section, which is componentized with
//!   wit-component's `ComponentEncoder` first (as Tessera's tests do).
//! - `> CALL` is one WAVE call expression, the argument of `--invoke`.
//! - Every other line is an expected output line of the case above it. They are dropped on
//!   input and rewritten: `= LINE` for what wasmtime prints on stdout (the `= ` is not part of
//!   it; wasmtime prints LINE followed by a newline), or `! MESSAGE` when wasmtime fails
//!   instead: it then prints nothing on stdout and exits non-zero; MESSAGE is wasmtime's error
//!   chain (`{:#}`) for information only, since Tessera words its errors its own way.
//!
//! # What wasmtime does for `--invoke` on a component (48.0.x)
//!
//! 1. `wasm_wave::untyped::UntypedFuncCall::parse(CALL)`; the name is parsed with
//!    `item_name()` as a wit-parser `ItemName` (`pkg:ns/iface@ver.func`, `iface.func`, `func`).
//! 2. The function is looked up with `Component::get_export(None, &item_name)`; if that is not
//!    a function and the name has no interface or package, every exported instance is searched
//!    for a function of that name, which must be unique.
//! 3. The arguments are typed with `to_wasm_params` (trailing `option` arguments may be left
//!    out and become `none`), before the component is instantiated.
//! 4. The component is instantiated (fresh, once per run) and the function called.
//! 5. `println!("{}", DisplayFuncResults(&results))`: one line. With exactly one result it is
//!    that value in WAVE (`wasm_wave::wasm::DisplayValue`); otherwise — no result — it is the
//!    empty tuple `()`.
//!
//! # Host imports
//!
//! wasmtime's CLI links only WASI; the test guests import Tessera's test interfaces, which
//! this program provides with fixed behaviour (Tessera's tests must provide the same):
//!
//! - `tessera:test/host.log(msg)` prints nothing and returns.
//! - `tessera:test/host.add(a, b)` returns `a + b` (wrapping).
//! - `tessera:test/host.echo-list(xs)` returns `xs` unchanged.
//! - `tessera:test/host-res.logger`: `constructor(prefix)` keeps `prefix`;
//!   `log(msg)` returns `"<prefix>: <msg>"`; dropping it forgets the prefix.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::wasm_wave::untyped::UntypedFuncCall;
use wasmtime::component::wasm_wave::wasm::{DisplayFuncResults, WasmFunc};
use wasmtime::component::wit_parser::ItemName;
use wasmtime::component::{Component, ComponentExportIndex, Linker, Resource, ResourceType, Val};
use wasmtime::error::Context;
use wasmtime::{bail, Config, Engine, Error, Result, Store, ToWasmtimeResult};

/// The host's `logger` resource; its state lives in [`Host::loggers`].
struct Logger;

#[derive(Default)]
struct Host {
    loggers: HashMap<u32, String>,
    next_logger: u32,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [cases] = args.as_slice() else {
        bail!("usage: wave-ref CASES_FILE  (prints the file with wasmtime's outputs recorded)");
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(cases).with_context(|| format!("reading {cases}"))?;

    let mut config = Config::new();
    config.wasm_component_model(true);
    let engine = Engine::new(&config)?;
    let linker = host_linker(&engine)?;

    let mut components: HashMap<PathBuf, Component> = HashMap::new();
    let mut current: Option<PathBuf> = None;
    let mut out = String::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            writeln!(out, "{line}")?;
        } else if let Some(path) = line.strip_prefix("component:") {
            let path = root.join(path.trim());
            if !components.contains_key(&path) {
                let component = load(&engine, &path)?;
                components.insert(path.clone(), component);
            }
            current = Some(path);
            writeln!(out, "{line}")?;
        } else if let Some(call) = line.strip_prefix("> ") {
            let path = current.as_ref().context("a `> CALL` line before any `component:` line")?;
            writeln!(out, "{line}")?;
            match invoke(&engine, &linker, &components[path], call) {
                Ok(printed) => {
                    for printed_line in printed.lines() {
                        writeln!(out, "= {printed_line}")?;
                    }
                }
                Err(e) => writeln!(out, "! {}", format!("{e:#}").replace('\n', " "))?,
            }
        }
        // Anything else is an old output line: dropped, recorded anew above.
    }
    print!("{out}");
    Ok(())
}

/// Reads a component: `.wat` text, a component binary, or a core module with a
/// `component-type` section (componentized with wit-component).
fn load(engine: &Engine, path: &Path) -> Result<Component> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let bytes = wat::parse_bytes(&bytes).with_context(|| format!("parsing {}", path.display()))?.into_owned();
    let bytes = if wasmparser_is_core_module(&bytes) {
        wit_component::ComponentEncoder::default()
            .validate(true)
            .module(&bytes)
            .and_then(|encoder| encoder.encode())
            .to_wasmtime_result()
            .with_context(|| format!("componentizing {}", path.display()))?
    } else {
        bytes
    };
    Component::new(engine, &bytes).with_context(|| format!("compiling {}", path.display()))
}

/// A core module's preamble is `\0asm` version 1; a component's has layer 1 in bytes 6..8.
fn wasmparser_is_core_module(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[4..8] == [1, 0, 0, 0]
}

fn host_linker(engine: &Engine) -> Result<Linker<Host>> {
    let mut linker = Linker::<Host>::new(engine);

    let mut host = linker.instance("tessera:test/host")?;
    host.func_new("log", |_store, _ty, _params, _results| Ok(()))?;
    host.func_wrap("add", |_store, (a, b): (u32, u32)| Ok((a.wrapping_add(b),)))?;
    host.func_new("echo-list", |_store, _ty, params, results| {
        results[0] = params[0].clone();
        Ok(())
    })?;

    let mut host_res = linker.instance("tessera:test/host-res")?;
    host_res.resource("logger", ResourceType::host::<Logger>(), |mut store, rep| {
        store.data_mut().loggers.remove(&rep);
        Ok(())
    })?;
    host_res.func_wrap("[constructor]logger", |mut store, (prefix,): (String,)| {
        let host = store.data_mut();
        let rep = host.next_logger;
        host.next_logger += 1;
        host.loggers.insert(rep, prefix);
        Ok((Resource::<Logger>::new_own(rep),))
    })?;
    host_res.func_wrap("[method]logger.log", |store, (this, msg): (Resource<Logger>, String)| {
        let prefix = store.data().loggers.get(&this.rep()).context("unknown logger")?;
        Ok((format!("{prefix}: {msg}"),))
    })?;
    Ok(linker)
}

/// Does what `wasmtime run --invoke CALL` does and returns what it prints on stdout.
fn invoke(engine: &Engine, linker: &Linker<Host>, component: &Component, call: &str) -> Result<String> {
    let mut store = Store::new(engine, Host::default());

    let untyped_call = UntypedFuncCall::parse(call).with_context(|| {
        format!(
            "Failed to parse invoke '{call}': See https://docs.wasmtime.dev/cli-options.html#run for syntax",
        )
    })?;
    let name = untyped_call.item_name().map_err(|e| {
        Error::from_anyhow(e).context(format!("parsing `{}` as a wit item name", untyped_call.name()))
    })?;
    let (export, func_type) = search_component_funcs(&store, component, &name)?;
    let param_types = WasmFunc::params(&func_type).collect::<Vec<_>>();
    let params = untyped_call
        .to_wasm_params(&param_types)
        .with_context(|| format!("while interpreting parameters in invoke \"{call}\""))?;

    let instance = linker.instantiate(&mut store, component)?;
    let func = instance.get_func(&mut store, export).expect("found export index");
    let mut results = vec![Val::Bool(false); func_type.results().len()];
    func.call(&mut store, &params, &mut results)?;

    // wasm-wave 0.254 panics on a value it cannot write (a resource handle): so does wasmtime.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let printed = std::panic::catch_unwind(|| format!("{}\n", DisplayFuncResults(&results)));
    std::panic::set_hook(hook);
    printed.map_err(|panic| {
        let message = panic.downcast_ref::<&str>().copied().unwrap_or("(no message)");
        Error::msg(format!("wasmtime panics while printing the result: {message}"))
    })
}

/// wasmtime 48's `RunCommand::search_component_funcs`, unchanged in behaviour.
fn search_component_funcs(
    store: &Store<Host>,
    component: &Component,
    item_name: &ItemName,
) -> Result<(ComponentExportIndex, ComponentFunc)> {
    if let Some((ComponentItem::ComponentFunc(func), index)) = component.get_export(None, item_name) {
        return Ok((index, func.clone()));
    }
    if item_name.interface.is_some() || item_name.package.is_some() {
        bail!("No exported func named `{item_name}` in component.")
    }
    let needle = item_name.to_string();
    let mut search = component
        .component_type()
        .exports(store.engine())
        .filter_map(|(instname, item)| match item.ty {
            ComponentItem::ComponentInstance(inst) => {
                inst.exports(store.engine()).find_map(|(leafname, item)| match item.ty {
                    ComponentItem::ComponentFunc(func) if leafname == needle => {
                        let (_item, inst_index) =
                            component.get_export(None, instname).expect("found exported component instance");
                        let (_item, index) =
                            component.get_export(Some(&inst_index), leafname).expect("found func");
                        Some((index, func.clone(), instname.to_string()))
                    }
                    _ => None,
                })
            }
            _ => None,
        })
        .collect::<Vec<_>>();

    match search.len() {
        0 => bail!("No exported func named `{needle}` in component."),
        1 => {
            let (index, func, _instname) = search.pop().unwrap();
            Ok((index, func))
        }
        _ => {
            let candidates = search
                .into_iter()
                .map(|(_index, _func, instname)| {
                    let mut itemname: ItemName = instname.parse().unwrap();
                    itemname.interface = Some(itemname.name.clone());
                    itemname.name = needle.to_string();
                    format!("`{itemname}`")
                })
                .collect::<Vec<_>>();
            bail!(
                "Multiple instances contained funcs named `{needle}`, retry with a more specific name: {}",
                candidates.join(", ")
            )
        }
    }
}
