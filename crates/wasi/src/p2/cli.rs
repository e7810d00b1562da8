//! `wasi:cli`: arguments and environment, exit, stdio streams and terminals.

use tessera_component::{Error, Linker, Result, Val};

use super::streams::{InStream, OutStream};
use super::table::{res, Entry};
use super::{none, own, some, Getter, HostResult, Iface};
use crate::ctx::WasiCtx;
use crate::stdio::SharedOutput;

fn output(ctx: &mut WasiCtx, s: SharedOutput) -> HostResult<Val> {
    Ok(own::<res::OutputStream>(ctx.p2.table.push(Entry::Output(OutStream::Stdio(s)))?))
}

/// `some(terminal)` when the stream is an interactive terminal (the host's own, inherited).
fn terminal<R: 'static>(ctx: &mut WasiCtx, is_terminal: bool, entry: Entry) -> HostResult<Val> {
    if !is_terminal {
        return Ok(none());
    }
    Ok(some(own::<R>(ctx.p2.table.push(entry)?)))
}

/// The process exit that ends the guest with `status` (the convention preview 1's
/// `proc_exit` uses too).
fn exit(status: i32) -> Error {
    Error::Engine(tessera_engine::Error::Exit(status))
}

pub(crate) fn add<T: 'static>(linker: &mut Linker<T>, get: Getter<T>) -> Result<()> {
    let mut i = Iface::new(linker, "cli/environment", get)?;
    i.func("get-environment", |ctx, _| {
        let vars = ctx.env.iter().map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            Val::Tuple(vec![Val::String(k.into()), Val::String(v.into())])
        });
        Ok(Val::List(vars.collect()))
    })?;
    i.func("get-arguments", |ctx, _| {
        Ok(Val::List(ctx.args.iter().map(|a| Val::String(a.clone())).collect()))
    })?;
    // Like preview 1, a guest has no working directory of its own: paths are relative to
    // the preopens.
    i.func("initial-cwd", |_, _| Ok(none()))?;

    let mut i = Iface::new(linker, "cli/exit", get)?;
    i.func("exit", |_, a| match a.val(0)? {
        Val::Result(r) => Err(exit(if r.is_ok() { 0 } else { 1 }).into()),
        other => Err(super::trap(format!("exit: expected a result, got a {}", other.kind()))),
    })?;
    i.func("exit-with-code", |_, a| Err(exit(i32::from(a.u8(0)?)).into()))?;

    let mut i = Iface::new(linker, "cli/stdin", get)?;
    i.resource::<res::InputStream>("input-stream")?;
    i.func("get-stdin", |ctx, _| {
        let s = InStream::Stdin(ctx.stdin.clone());
        Ok(own::<res::InputStream>(ctx.p2.table.push(Entry::Input(s))?))
    })?;
    let mut i = Iface::new(linker, "cli/stdout", get)?;
    i.resource::<res::OutputStream>("output-stream")?;
    i.func("get-stdout", |ctx, _| {
        let s = ctx.stdout.clone();
        output(ctx, s)
    })?;
    let mut i = Iface::new(linker, "cli/stderr", get)?;
    i.resource::<res::OutputStream>("output-stream")?;
    i.func("get-stderr", |ctx, _| {
        let s = ctx.stderr.clone();
        output(ctx, s)
    })?;

    Iface::new(linker, "cli/terminal-input", get)?.resource::<res::TerminalInput>("terminal-input")?;
    Iface::new(linker, "cli/terminal-output", get)?.resource::<res::TerminalOutput>("terminal-output")?;
    let mut i = Iface::new(linker, "cli/terminal-stdin", get)?;
    i.resource::<res::TerminalInput>("terminal-input")?;
    i.func("get-terminal-stdin", |ctx, _| {
        let tty = ctx.stdin.is_terminal();
        terminal::<res::TerminalInput>(ctx, tty, Entry::TerminalInput)
    })?;
    let mut i = Iface::new(linker, "cli/terminal-stdout", get)?;
    i.resource::<res::TerminalOutput>("terminal-output")?;
    i.func("get-terminal-stdout", |ctx, _| {
        let tty = ctx.stdout.is_terminal();
        terminal::<res::TerminalOutput>(ctx, tty, Entry::TerminalOutput)
    })?;
    let mut i = Iface::new(linker, "cli/terminal-stderr", get)?;
    i.resource::<res::TerminalOutput>("terminal-output")?;
    i.func("get-terminal-stderr", |ctx, _| {
        let tty = ctx.stderr.is_terminal();
        terminal::<res::TerminalOutput>(ctx, tty, Entry::TerminalOutput)
    })?;
    Ok(())
}
