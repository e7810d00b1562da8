//! `tessera run` on a component: call `--invoke 'f(args)'` with WAVE values, or run the
//! `wasi:cli/run` export as a command.

use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use tessera_component::wave::{print_value, WaveCall};
use tessera_component::{Component, Error, Instance, Linker, Type, Val};
use tessera_engine::{Engine, Store};
use tessera_wasi::WasiCtx;

use crate::run::{new_store, report_error, RunArgs};

/// Whether the file holds a component: binary with the component layer byte, or text whose
/// first form is `(component`.
pub fn looks_like_component(bytes: &[u8]) -> bool {
    if tessera_component::is_component(bytes) {
        return true;
    }
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    first_form(text).starts_with("(component")
}

/// The text after leading whitespace and comments.
fn first_form(mut text: &str) -> &str {
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix(";;") {
            text = rest.split_once('\n').map_or("", |(_, r)| r);
        } else if text.starts_with("(;") {
            text = text.split_once(";)").map_or("", |(_, r)| r);
        } else {
            return text;
        }
    }
}

pub fn run(args: &RunArgs, engine: &Engine, bytes: &[u8]) -> Result<ExitCode> {
    let file = args.file.display();
    let component = Component::new(engine, bytes).map_err(|e| anyhow!("{file}: {e}"))?;
    if args.invoke.is_some() && !args.args.is_empty() {
        bail!(
            "{file}: a component's --invoke takes its arguments inside the call, e.g. --invoke 'add(1, 2)'"
        );
    }
    let mut store = new_store(args, engine)?;
    let mut linker: Linker<WasiCtx> = Linker::new();
    tessera_wasi::p2::add_to_linker(&mut linker, |ctx| ctx).map_err(|e| anyhow!("{e}"))?;
    let instance = match linker.instantiate(&mut store, &component) {
        Ok(i) => i,
        Err(e) => return failed(args, e),
    };
    match &args.invoke {
        Some(expr) => invoke(args, &mut store, &instance, expr),
        None => run_command(args, &mut store, &instance),
    }
}

fn failed(args: &RunArgs, e: Error) -> Result<ExitCode> {
    match e {
        Error::Engine(e) => report_error(args, e),
        other => bail!("{}: {other}", args.file.display()),
    }
}

/// Calls the function named in `expr`, printing its result in WAVE (`()` for a function
/// without a result), as `wasmtime run --invoke` does.
fn invoke(args: &RunArgs, store: &mut Store<WasiCtx>, instance: &Instance, expr: &str) -> Result<ExitCode> {
    let file = args.file.display();
    let call = WaveCall::parse(expr).map_err(|e| anyhow!("{e}"))?;
    let (name, func) = instance.find_func(&call.name).map_err(|e| anyhow!("{file}: {e}"))?;
    let ty = func.ty().cloned().ok_or_else(|| anyhow!("{file}: `{name}` has no known type"))?;
    let params: Vec<Type> = ty.params.iter().map(|(_, t)| t.clone()).collect();
    let vals = call.args(&params).map_err(|e| anyhow!("{e}"))?;
    let mut results = vec![Val::Bool(false); ty.results_len()];
    if let Err(e) = func.call(store, &vals, &mut results) {
        return failed(args, e);
    }
    match results.first() {
        Some(r) => println!("{}", print_value(r).map_err(|e| anyhow!("{file}: `{name}`: {e}"))?),
        None => println!("()"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `wasi:cli/run#run`: exit status 0 for `ok`, 1 for `err`, or the guest's own
/// `wasi:cli/exit` status.
fn run_command(args: &RunArgs, store: &mut Store<WasiCtx>, instance: &Instance) -> Result<ExitCode> {
    let file = args.file.display();
    let run = instance
        .funcs()
        .into_iter()
        .find(|(n, _)| n.starts_with("wasi:cli/run@0.2.") && n.ends_with("#run"))
        .map(|(_, f)| f)
        .ok_or_else(|| {
            anyhow!(
                "{file}: the component exports no `wasi:cli/run` (a command); call a function with --invoke"
            )
        })?;
    let mut result = [Val::Bool(false)];
    if let Err(e) = run.call(store, &[], &mut result) {
        return failed(args, e);
    }
    Ok(match &result[0] {
        Val::Result(Ok(_)) => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}
