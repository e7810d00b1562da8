//! `poll_oneoff`: waits for clocks and descriptors.

use std::time::{Duration, Instant};

use super::memory::GuestMemory;
use super::table::Kind;
use super::types::{rights, Abi, Errno, WasiResult};
use crate::clocks::ClockId;
use crate::ctx::WasiCtx;
use crate::wait::{host_readiness, wait_host_fds, HostReadiness, SLICE};

const EVENT_CLOCK: u8 = 0;
const EVENT_FD_READ: u8 = 1;
const EVENT_FD_WRITE: u8 = 2;
const SUBCLOCK_ABSTIME: u16 = 1;
const EVENT_HANGUP: u16 = 1;

enum Sub {
    /// A clock that fires at `Instant`, or an immediate error.
    Clock(Result<Instant, Errno>),
    Fd {
        fd: u32,
        write: bool,
    },
}

struct Event {
    userdata: u64,
    error: Errno,
    ty: u8,
    nbytes: u64,
    flags: u16,
}

pub(crate) fn clock_id(id: u32) -> WasiResult<ClockId> {
    match id {
        0 => Ok(ClockId::Realtime),
        1 => Ok(ClockId::Monotonic),
        2 => Ok(ClockId::ProcessCpuTime),
        3 => Ok(ClockId::ThreadCpuTime),
        _ => Err(Errno::Inval),
    }
}

fn sub_size(abi: Abi) -> u32 {
    match abi {
        Abi::Preview0 => 56,
        Abi::Preview1 => 48,
    }
}

/// The moment a clock subscription fires, as an `Instant`.
fn deadline(ctx: &WasiCtx, id: u32, timeout: u64, flags: u16, start: Instant) -> Result<Instant, Errno> {
    let id = clock_id(id)?;
    let wait = if flags & SUBCLOCK_ABSTIME != 0 {
        let now = ctx.clocks.now(id)?;
        timeout.saturating_sub(now)
    } else {
        timeout
    };
    // Cap absurd waits (over ~100 years) to keep `Instant` arithmetic in range.
    let wait = Duration::from_nanos(wait.min(100 * 365 * 24 * 3600 * 1_000_000_000));
    Ok(start + wait)
}

/// Most subscriptions one `poll_oneoff` call may pass (`EINVAL` above): enough for
/// wasi-libc's `select` on a full `FD_SETSIZE` set (1024 descriptors, read and write, and a
/// clock), or for every descriptor a guest may hold, twice over.
fn max_subscriptions(ctx: &WasiCtx) -> u32 {
    let per_fd = u32::try_from(ctx.table.max_fds()).unwrap_or(u32::MAX).saturating_mul(2).saturating_add(16);
    per_fd.max(4096)
}

pub fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    abi: Abi,
    in_ptr: u32,
    out_ptr: u32,
    nsubs: u32,
    nevents: u32,
) -> WasiResult {
    if nsubs == 0 {
        return Err(Errno::Inval);
    }
    let size = sub_size(abi);
    mem.check(in_ptr, nsubs.checked_mul(size).ok_or(Errno::Fault)?)?;
    mem.check(out_ptr, nsubs.checked_mul(32).ok_or(Errno::Fault)?)?;
    mem.check(nevents, 4)?;
    if nsubs > max_subscriptions(ctx) {
        return Err(Errno::Inval);
    }
    let start = Instant::now();
    let mut subs = Vec::with_capacity(nsubs as usize);
    for i in 0..nsubs {
        let p = in_ptr + i * size;
        let userdata = mem.read_u64(p)?;
        let sub = match mem.read_u8(p + 8)? {
            EVENT_CLOCK => {
                // Preview 0 has a 64-bit `identifier` before the clock id.
                let c = if abi == Abi::Preview0 { p + 24 } else { p + 16 };
                let (id, timeout, flags) = (mem.read_u32(c)?, mem.read_u64(c + 8)?, mem.read_u16(c + 24)?);
                Sub::Clock(deadline(ctx, id, timeout, flags, start))
            }
            EVENT_FD_READ => Sub::Fd { fd: mem.read_u32(p + 16)?, write: false },
            EVENT_FD_WRITE => Sub::Fd { fd: mem.read_u32(p + 16)?, write: true },
            _ => return Err(Errno::Inval),
        };
        subs.push((userdata, sub));
    }
    let events = loop {
        let now = Instant::now();
        let mut events = Vec::new();
        let mut waiting_fds = Vec::new();
        let mut next_clock: Option<Instant> = None;
        for (userdata, sub) in &subs {
            let userdata = *userdata;
            match sub {
                Sub::Clock(Err(e)) => {
                    events.push(Event { userdata, error: *e, ty: EVENT_CLOCK, nbytes: 0, flags: 0 });
                }
                Sub::Clock(Ok(at)) => {
                    if *at <= now {
                        events.push(Event {
                            userdata,
                            error: Errno::Success,
                            ty: EVENT_CLOCK,
                            nbytes: 0,
                            flags: 0,
                        });
                    } else {
                        next_clock = Some(next_clock.map_or(*at, |n: Instant| n.min(*at)));
                    }
                }
                Sub::Fd { fd, write } => match fd_readiness(ctx, *fd, *write) {
                    Readiness::Ready { nbytes, hangup } => events.push(Event {
                        userdata,
                        error: Errno::Success,
                        ty: if *write { EVENT_FD_WRITE } else { EVENT_FD_READ },
                        nbytes,
                        flags: if hangup { EVENT_HANGUP } else { 0 },
                    }),
                    Readiness::Error(error) => events.push(Event {
                        userdata,
                        error,
                        ty: if *write { EVENT_FD_WRITE } else { EVENT_FD_READ },
                        nbytes: 0,
                        flags: 0,
                    }),
                    Readiness::Pending(raw) => waiting_fds.push((raw, *write)),
                },
            }
        }
        if !events.is_empty() {
            break events;
        }
        if ctx.interrupt.as_ref().is_some_and(|h| h.is_interrupted()) {
            return Err(Errno::Intr);
        }
        // Wait in short slices so an interrupt (the guest's deadline) is seen promptly.
        let timeout = next_clock.map(|at| at.saturating_duration_since(Instant::now()).min(SLICE));
        if waiting_fds.is_empty() {
            match timeout {
                Some(t) => std::thread::sleep(t),
                None => return Err(Errno::Inval),
            }
        } else {
            wait_host_fds(&waiting_fds, Some(timeout.unwrap_or(SLICE)))?;
        }
    };
    for (i, ev) in events.iter().enumerate() {
        let mut out = [0u8; 32];
        out[0..8].copy_from_slice(&ev.userdata.to_le_bytes());
        out[8..10].copy_from_slice(&(ev.error as u16).to_le_bytes());
        out[10] = ev.ty;
        out[16..24].copy_from_slice(&ev.nbytes.to_le_bytes());
        out[24..26].copy_from_slice(&ev.flags.to_le_bytes());
        mem.write_bytes(out_ptr + i as u32 * 32, &out)?;
    }
    mem.write_u32(nevents, events.len() as u32)
}

enum Readiness {
    Ready {
        nbytes: u64,
        hangup: bool,
    },
    Error(Errno),
    /// Not ready yet: wait on this host descriptor.
    Pending(i32),
}

fn fd_readiness(ctx: &mut WasiCtx, fd: u32, write: bool) -> Readiness {
    let Ok(entry) = ctx.table.get(fd) else {
        return Readiness::Error(Errno::Badf);
    };
    let needed = if write { rights::FD_WRITE } else { rights::FD_READ };
    if !matches!(entry.kind, Kind::TcpListener(_)) && entry.base & needed == 0 {
        return Readiness::Error(Errno::NotCapable);
    }
    match &entry.kind {
        Kind::File(f) => {
            let nbytes = if write {
                0
            } else {
                let size = f.stat().map(|s| s.size).unwrap_or(0);
                let pos = {
                    use std::io::Seek;
                    let mut h = f.as_std();
                    h.stream_position().unwrap_or(size)
                };
                size.saturating_sub(pos)
            };
            Readiness::Ready { nbytes, hangup: false }
        }
        Kind::Dir(_) => Readiness::Error(Errno::Badf),
        Kind::Stdin(s) if !write && s.is_inherit() => host_fd_readiness(0, false),
        Kind::Stdin(_) if write => Readiness::Error(Errno::Badf),
        Kind::Stdout(_) if !write => Readiness::Error(Errno::Badf),
        Kind::Stdin(_) | Kind::Stdout(_) => Readiness::Ready { nbytes: 0, hangup: false },
        #[cfg(unix)]
        Kind::TcpStream(s) => host_fd_readiness(std::os::fd::AsRawFd::as_raw_fd(s), write),
        #[cfg(unix)]
        Kind::TcpListener(l) if !write => host_fd_readiness(std::os::fd::AsRawFd::as_raw_fd(l), false),
        #[cfg(not(unix))]
        Kind::TcpStream(_) => Readiness::Ready { nbytes: 0, hangup: false },
        Kind::TcpListener(_) => Readiness::Error(Errno::Badf),
    }
}

fn host_fd_readiness(raw: i32, write: bool) -> Readiness {
    match host_readiness(raw, write) {
        Ok(HostReadiness::Ready { nbytes, hangup }) => Readiness::Ready { nbytes, hangup },
        Ok(HostReadiness::Pending) => Readiness::Pending(raw),
        Err(e) => Readiness::Error(e.into()),
    }
}
