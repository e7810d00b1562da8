//! `wasi:io`: the `error` resource, pollables and `poll`, and the stream functions.
//!
//! `poll` asks every pollable how it stands. If one is ready it answers at once; otherwise
//! it sleeps in `poll(2)` on the host descriptors the pending ones wait for (stdin, sockets,
//! a lookup finishing), until the earliest clock deadline among them — no spinning.

use std::time::Instant;

use tessera_component::{Linker, Result, Val};

use super::sockets_code::NetCode;
use super::streams::{StreamFail, StreamResult, MAX_CHUNK};
use super::table::{res, Entry, Table};
use super::{
    bytes, err, interrupted, ok, own, trap, unit, variant, Args, Getter, HostError, HostResult, Iface,
};
use crate::ctx::WasiCtx;
use crate::sandbox::ErrorCode;
use crate::wait::{wait_any, wait_host_fds};

/// What an `error` resource says: its message, and the codes `filesystem-error-code` and
/// `network-error-code` report for it.
#[derive(Clone)]
pub(crate) struct ErrorInfo {
    pub message: String,
    pub fs: Option<ErrorCode>,
    pub net: Option<NetCode>,
    /// What a host stream's maker attached (see [`super::host::StreamError`]).
    pub payload: Option<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
}

impl std::fmt::Debug for ErrorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrorInfo")
            .field("message", &self.message)
            .field("fs", &self.fs)
            .field("net", &self.net)
            .finish()
    }
}

impl ErrorInfo {
    pub fn fs(code: ErrorCode) -> ErrorInfo {
        ErrorInfo { message: format!("{code:?}"), fs: Some(code), net: None, payload: None }
    }

    pub fn io(e: &std::io::Error) -> ErrorInfo {
        ErrorInfo {
            message: e.to_string(),
            fs: Some(ErrorCode::from_io(e)),
            net: Some(NetCode::from_io(e)),
            payload: None,
        }
    }
}

/// What a pollable waits for.
pub(crate) enum Source {
    /// Nothing: always ready.
    Ready,
    /// A moment of the monotonic clock.
    Deadline(Instant),
    /// Input stream `rep` having data (or its end).
    Input(u32),
    /// Output stream `rep` taking writes.
    Output(u32),
    /// TCP socket `rep` finishing a connect or having a connection to accept.
    #[cfg(unix)]
    Tcp(u32),
    /// Datagram stream `rep` having a datagram, or room to send one.
    #[cfg(unix)]
    Datagrams(u32),
    /// Lookup `rep` having finished.
    #[cfg(unix)]
    Resolve(u32),
    /// An event of another host crate's (see [`super::host`]).
    #[cfg(unix)]
    Host(Box<dyn super::host::HostPollable>),
}

/// How a pollable stands: ready, or what to sleep on until it may be.
pub(crate) enum Wait {
    Ready,
    /// A host descriptor becoming readable (`false`) or writable (`true`).
    Fd(i32, bool),
    Until(Instant),
    /// Another thread's notification (drained after the wait wakes).
    #[cfg(unix)]
    Signal(std::sync::Arc<super::host::Signal>),
}

/// How `src` stands now. A pollable whose parent is gone is ready (it will never change,
/// and the guest should not sleep forever on it).
fn readiness(table: &Table, src: &Source) -> Wait {
    match src {
        Source::Ready => Wait::Ready,
        Source::Deadline(at) => {
            if *at <= Instant::now() {
                Wait::Ready
            } else {
                Wait::Until(*at)
            }
        }
        Source::Input(rep) => table.input(*rep).map_or(Wait::Ready, |s| s.wait()),
        Source::Output(rep) => table.output(*rep).map_or(Wait::Ready, |s| s.wait()),
        #[cfg(unix)]
        Source::Tcp(rep) => table.tcp(*rep).map_or(Wait::Ready, |s| s.wait()),
        #[cfg(unix)]
        Source::Datagrams(rep) => table.datagrams(*rep).map_or(Wait::Ready, |s| s.wait()),
        #[cfg(unix)]
        Source::Resolve(rep) => table.resolve(*rep).map_or(Wait::Ready, |s| s.wait()),
        #[cfg(unix)]
        Source::Host(p) => p.readiness().wait(),
    }
}

/// A new pollable for `src`, as an owned handle.
pub(crate) fn subscribe(ctx: &mut WasiCtx, src: Source) -> HostResult<Val> {
    Ok(own::<res::Pollable>(ctx.p2.table.push(Entry::Pollable(src))?))
}

/// Blocks until at least one of the pollables `reps` is ready; the indices of the ready ones.
fn poll_list(ctx: &mut WasiCtx, reps: &[u32]) -> HostResult<Vec<u32>> {
    if reps.is_empty() {
        return Err(trap("poll: the list of pollables is empty"));
    }
    loop {
        let mut ready = Vec::new();
        let mut fds = Vec::new();
        let mut deadline: Option<Instant> = None;
        let mut signals = Vec::new();
        let mut armed_now = false;
        for (i, &rep) in reps.iter().enumerate() {
            match readiness(&ctx.p2.table, ctx.p2.table.pollable(rep)?) {
                Wait::Ready => ready.push(i as u32),
                Wait::Fd(fd, write) => fds.push((fd, write)),
                Wait::Until(at) => deadline = Some(deadline.map_or(at, |d| d.min(at))),
                #[cfg(unix)]
                Wait::Signal(s) => {
                    let (fd, made) = s.arm().map_err(|e| HostError::Fs(e.into()))?;
                    armed_now |= made;
                    fds.push((fd, false));
                    signals.push(s);
                }
            }
        }
        if !ready.is_empty() {
            return Ok(ready);
        }
        if armed_now {
            // A signal's descriptors were just made: what it would have announced before
            // then is seen by looking again, not by sleeping.
            continue;
        }
        let waited = wait_any(&fds, deadline, ctx.interrupt.as_ref());
        // After waking and before looking again: a notification from now on is kept.
        signals.iter().for_each(|s| s.drain());
        match waited {
            Ok(()) => {}
            Err(ErrorCode::Interrupted) => return Err(interrupted()),
            // Nothing to wait for cannot happen (every pending pollable waits on something);
            // fall back to a short sleep rather than fail the guest.
            Err(ErrorCode::Invalid) => wait_host_fds(&[], Some(crate::wait::SLICE))?,
            Err(e) => return Err(e.into()),
        }
    }
}

/// The `result<T, stream-error>` of a stream operation; a failure becomes a new `error`
/// resource, `last-operation-failed(error)`.
pub(crate) fn stream_result(table: &mut Table, r: StreamResult<Val>) -> HostResult<Val> {
    match r {
        Ok(v) => Ok(ok(v)),
        Err(StreamFail::Closed) => Ok(err(variant("closed", None))),
        Err(StreamFail::Failed(info)) => {
            let rep = table.push(Entry::Error(info))?;
            Ok(err(variant("last-operation-failed", Some(own::<res::Error>(rep)))))
        }
        Err(StreamFail::Host(e)) => Err(e),
    }
}

fn input_read(ctx: &mut WasiCtx, a: &Args<'_>, block: bool, keep: bool) -> HostResult<Val> {
    let (rep, len) = (a.rep(0)?, a.u64(1)?);
    let interrupt = ctx.interrupt.clone();
    let r = ctx.p2.table.input_mut(rep)?.read(len, block, interrupt.as_ref());
    let r = r.map(|data| if keep { bytes(&data) } else { Val::U64(data.len() as u64) });
    stream_result(&mut ctx.p2.table, r)
}

fn output_op(
    ctx: &mut WasiCtx,
    rep: u32,
    f: impl FnOnce(&mut super::streams::OutStream, Option<&tessera_engine::InterruptHandle>) -> StreamResult<Val>,
) -> HostResult<Val> {
    let interrupt = ctx.interrupt.clone();
    let r = f(ctx.p2.table.output_mut(rep)?, interrupt.as_ref());
    stream_result(&mut ctx.p2.table, r)
}

/// `len` zero bytes, refusing more than a write may carry.
fn zeroes(len: u64) -> HostResult<Vec<u8>> {
    match usize::try_from(len) {
        Ok(n) if n <= MAX_CHUNK => Ok(vec![0; n]),
        _ => Err(trap("write-zeroes: more than check-write permits")),
    }
}

/// `splice`: reads up to `len` bytes from input `src` (waiting for some with `block`) and
/// writes them to output `dst`.
fn splice(ctx: &mut WasiCtx, a: &Args<'_>, block: bool) -> HostResult<Val> {
    let (dst, src, len) = (a.rep(0)?, a.rep(1)?, a.u64(2)?);
    let interrupt = ctx.interrupt.clone();
    let permit = match ctx.p2.table.output_mut(dst)?.check_write() {
        Ok(n) => n,
        Err(e) => return stream_result(&mut ctx.p2.table, Err(e)),
    };
    let len = if block { len } else { len.min(permit) };
    let data = match ctx.p2.table.input_mut(src)?.read(len, block, interrupt.as_ref()) {
        Ok(d) => d,
        Err(e) => return stream_result(&mut ctx.p2.table, Err(e)),
    };
    output_op(ctx, dst, |s, interrupt| {
        if block {
            s.write_blocking(&data, interrupt)?;
            s.flush(true, interrupt)?;
        } else {
            s.write(&data)?;
        }
        Ok(Val::U64(data.len() as u64))
    })
}

pub(crate) fn add<T: 'static>(linker: &mut Linker<T>, get: Getter<T>) -> Result<()> {
    let mut i = Iface::new(linker, "io/error", get)?;
    i.resource::<res::Error>("error")?;
    i.func("[method]error.to-debug-string", |ctx, a| {
        Ok(Val::String(ctx.p2.table.error(a.rep(0)?)?.message.clone()))
    })?;

    let mut i = Iface::new(linker, "io/poll", get)?;
    i.resource::<res::Pollable>("pollable")?;
    i.func("[method]pollable.ready", |ctx, a| {
        let src = ctx.p2.table.pollable(a.rep(0)?)?;
        Ok(Val::Bool(matches!(readiness(&ctx.p2.table, src), Wait::Ready)))
    })?;
    i.func("[method]pollable.block", |ctx, a| {
        poll_list(ctx, &[a.rep(0)?])?;
        Ok(unit())
    })?;
    i.func("poll", |ctx, a| {
        let reps = a
            .list(0)?
            .iter()
            .map(|v| match v {
                Val::Resource(r) => Ok(r.rep()),
                other => Err(trap(format!("poll: expected pollables, got a {}", other.kind()))),
            })
            .collect::<HostResult<Vec<u32>>>()?;
        Ok(Val::List(poll_list(ctx, &reps)?.into_iter().map(Val::U32).collect()))
    })?;

    let mut i = Iface::new(linker, "io/streams", get)?;
    i.resource::<res::Error>("error")?;
    i.resource::<res::Pollable>("pollable")?;
    i.resource::<res::InputStream>("input-stream")?;
    i.resource::<res::OutputStream>("output-stream")?;
    i.func("[method]input-stream.read", |ctx, a| input_read(ctx, a, false, true))?;
    i.func("[method]input-stream.blocking-read", |ctx, a| input_read(ctx, a, true, true))?;
    i.func("[method]input-stream.skip", |ctx, a| input_read(ctx, a, false, false))?;
    i.func("[method]input-stream.blocking-skip", |ctx, a| input_read(ctx, a, true, false))?;
    i.func("[method]input-stream.subscribe", |ctx, a| {
        let rep = a.rep(0)?;
        ctx.p2.table.input(rep)?;
        subscribe(ctx, Source::Input(rep))
    })?;
    i.func("[method]output-stream.check-write", |ctx, a| {
        output_op(ctx, a.rep(0)?, |s, _| s.check_write().map(Val::U64))
    })?;
    i.func("[method]output-stream.write", |ctx, a| {
        let data = a.bytes(1)?;
        output_op(ctx, a.rep(0)?, |s, _| s.write(&data).map(|()| unit()))
    })?;
    i.func("[method]output-stream.blocking-write-and-flush", |ctx, a| {
        let data = a.bytes(1)?;
        output_op(ctx, a.rep(0)?, |s, interrupt| {
            s.write_blocking(&data, interrupt)?;
            s.flush(true, interrupt).map(|()| unit())
        })
    })?;
    i.func("[method]output-stream.flush", |ctx, a| {
        output_op(ctx, a.rep(0)?, |s, interrupt| s.flush(false, interrupt).map(|()| unit()))
    })?;
    i.func("[method]output-stream.blocking-flush", |ctx, a| {
        output_op(ctx, a.rep(0)?, |s, interrupt| s.flush(true, interrupt).map(|()| unit()))
    })?;
    i.func("[method]output-stream.subscribe", |ctx, a| {
        let rep = a.rep(0)?;
        ctx.p2.table.output(rep)?;
        subscribe(ctx, Source::Output(rep))
    })?;
    i.func("[method]output-stream.write-zeroes", |ctx, a| {
        let data = zeroes(a.u64(1)?)?;
        output_op(ctx, a.rep(0)?, |s, _| s.write(&data).map(|()| unit()))
    })?;
    i.func("[method]output-stream.blocking-write-zeroes-and-flush", |ctx, a| {
        let data = zeroes(a.u64(1)?)?;
        output_op(ctx, a.rep(0)?, |s, interrupt| {
            s.write_blocking(&data, interrupt)?;
            s.flush(true, interrupt).map(|()| unit())
        })
    })?;
    i.func("[method]output-stream.splice", |ctx, a| splice(ctx, a, false))?;
    i.func("[method]output-stream.blocking-splice", |ctx, a| splice(ctx, a, true))?;
    Ok(())
}
