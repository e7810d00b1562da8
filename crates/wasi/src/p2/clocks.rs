//! `wasi:clocks` (monotonic clock with its pollables, wall clock, the unstable timezone)
//! and `wasi:random`, on the context's clocks and random source (shared with preview 1).

use tessera_component::{Linker, Result, Val};

use super::io::{subscribe, Source};
use super::table::res;
use super::{bytes, record, trap, Getter, HostResult, Iface};
use crate::clocks::{deadline_in, ClockId};
use crate::ctx::WasiCtx;

/// Most random bytes one call returns: values cross as one `Val` per byte, and a guest may
/// ask for any `u64`.
const MAX_RANDOM: u64 = 4 << 20;

fn datetime(ns: u64) -> Val {
    record(vec![
        ("seconds", Val::U64(ns / 1_000_000_000)),
        ("nanoseconds", Val::U32((ns % 1_000_000_000) as u32)),
    ])
}

fn random_bytes(ctx: &mut WasiCtx, len: u64) -> HostResult<Vec<u8>> {
    if len > MAX_RANDOM {
        return Err(trap(format!("at most {MAX_RANDOM} random bytes may be asked for at once")));
    }
    let mut buf = vec![0u8; len as usize];
    ctx.random.fill(&mut buf)?;
    Ok(buf)
}

fn random_u64(ctx: &mut WasiCtx) -> HostResult<u64> {
    let mut buf = [0u8; 8];
    ctx.random.fill(&mut buf)?;
    Ok(u64::from_le_bytes(buf))
}

pub(crate) fn add<T: 'static>(linker: &mut Linker<T>, get: Getter<T>) -> Result<()> {
    let mut i = Iface::new(linker, "clocks/monotonic-clock", get)?;
    i.resource::<res::Pollable>("pollable")?;
    i.func("now", |ctx, _| Ok(Val::U64(ctx.clocks.now(ClockId::Monotonic)?)))?;
    i.func("resolution", |ctx, _| Ok(Val::U64(ctx.clocks.resolution(ClockId::Monotonic)?)))?;
    i.func("subscribe-instant", |ctx, a| {
        let at = ctx.clocks.monotonic_deadline(a.u64(0)?);
        subscribe(ctx, Source::Deadline(at))
    })?;
    i.func("subscribe-duration", |ctx, a| subscribe(ctx, Source::Deadline(deadline_in(a.u64(0)?))))?;

    let mut i = Iface::new(linker, "clocks/wall-clock", get)?;
    i.func("now", |ctx, _| Ok(datetime(ctx.clocks.now(ClockId::Realtime)?)))?;
    i.func("resolution", |ctx, _| Ok(datetime(ctx.clocks.resolution(ClockId::Realtime)?)))?;

    // Unstable in WASI 0.2; the guest's time zone is UTC (the host's is not disclosed).
    let mut i = Iface::new(linker, "clocks/timezone", get)?;
    i.func("display", |_, _| {
        Ok(record(vec![
            ("utc-offset", Val::S32(0)),
            ("name", Val::String("UTC".into())),
            ("in-daylight-saving-time", Val::Bool(false)),
        ]))
    })?;
    i.func("utc-offset", |_, _| Ok(Val::S32(0)))?;

    let mut i = Iface::new(linker, "random/random", get)?;
    i.func("get-random-bytes", |ctx, a| Ok(bytes(&random_bytes(ctx, a.u64(0)?)?)))?;
    i.func("get-random-u64", |ctx, _| Ok(Val::U64(random_u64(ctx)?)))?;
    // The insecure generators draw from the same source: cheap enough, and an embedder's
    // deterministic source makes them deterministic too.
    let mut i = Iface::new(linker, "random/insecure", get)?;
    i.func("get-insecure-random-bytes", |ctx, a| Ok(bytes(&random_bytes(ctx, a.u64(0)?)?)))?;
    i.func("get-insecure-random-u64", |ctx, _| Ok(Val::U64(random_u64(ctx)?)))?;
    let mut i = Iface::new(linker, "random/insecure-seed", get)?;
    i.func("insecure-seed", |ctx, _| {
        let seed = match ctx.p2.insecure_seed {
            Some(s) => s,
            None => {
                let s = (random_u64(ctx)?, random_u64(ctx)?);
                ctx.p2.insecure_seed = Some(s);
                s
            }
        };
        Ok(Val::Tuple(vec![Val::U64(seed.0), Val::U64(seed.1)]))
    })?;
    Ok(())
}
