//! Arguments, environment, clocks, randomness, scheduling and sockets.

use std::net::Shutdown;

use tessera_engine::InterruptHandle;

use super::fd::{not_socket, raw_fd, read_iovecs, write_iovecs};
use super::memory::{GuestMemory, IoVec};
use super::poll::clock_id;
use super::table::{Entry, Kind};
use super::types::{fdflags, rights, Errno, WasiResult};
use crate::ctx::WasiCtx;
use crate::wait::wait_ready;

/// Writes NUL-terminated `strings` into `buf` and pointers to them into `ptrs`.
fn write_strings(mem: &mut GuestMemory<'_>, strings: &[String], ptrs: u32, buf: u32) -> WasiResult {
    let count = u32::try_from(strings.len()).map_err(|_| Errno::TooBig)?;
    let total: usize = strings.iter().map(|s| s.len() + 1).sum();
    mem.check(ptrs, count.checked_mul(4).ok_or(Errno::Fault)?)?;
    mem.check(buf, u32::try_from(total).map_err(|_| Errno::Fault)?)?;
    for (i, (s, at)) in strings.iter().zip(string_addresses(buf, strings)).enumerate() {
        mem.write_u32(ptrs + 4 * i as u32, at)?;
        mem.write_bytes(at, s.as_bytes())?;
        mem.write_u8(at + s.len() as u32, 0)?;
    }
    Ok(())
}

/// Where each of `strings` (NUL-terminated, back to back) starts when written at `buf`.
/// Once the whole run is known to fit in memory every address is below 2^32; the one past
/// the last string may be exactly 2^32, so it is computed wrapping and never used.
fn string_addresses(buf: u32, strings: &[String]) -> impl Iterator<Item = u32> + '_ {
    strings.iter().scan(buf, |at, s| {
        let this = *at;
        *at = at.wrapping_add(s.len() as u32).wrapping_add(1);
        Some(this)
    })
}

fn write_sizes(mem: &mut GuestMemory<'_>, strings: &[String], count_ptr: u32, size_ptr: u32) -> WasiResult {
    mem.check(count_ptr, 4)?;
    mem.check(size_ptr, 4)?;
    let total: usize = strings.iter().map(|s| s.len() + 1).sum();
    mem.write_u32(count_ptr, u32::try_from(strings.len()).map_err(|_| Errno::TooBig)?)?;
    mem.write_u32(size_ptr, u32::try_from(total).map_err(|_| Errno::TooBig)?)
}

pub fn args_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, argv: u32, buf: u32) -> WasiResult {
    write_strings(mem, &ctx.args, argv, buf)
}

pub fn args_sizes_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, argc: u32, size: u32) -> WasiResult {
    write_sizes(mem, &ctx.args, argc, size)
}

pub fn environ_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, environ: u32, buf: u32) -> WasiResult {
    write_strings(mem, &ctx.env, environ, buf)
}

pub fn environ_sizes_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, count: u32, size: u32) -> WasiResult {
    write_sizes(mem, &ctx.env, count, size)
}

pub fn clock_res_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, id: u32, out: u32) -> WasiResult {
    mem.check(out, 8)?;
    let res = ctx.clocks.resolution(clock_id(id)?)?;
    mem.write_u64(out, res)
}

pub fn clock_time_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    _precision: u64,
    out: u32,
) -> WasiResult {
    mem.check(out, 8)?;
    let now = ctx.clocks.now(clock_id(id)?)?;
    mem.write_u64(out, now)
}

pub fn random_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, buf: u32, len: u32) -> WasiResult {
    let slice = mem.slice_mut(buf, len)?;
    Ok(ctx.random.fill(slice)?)
}

pub fn sched_yield() -> WasiResult {
    std::thread::yield_now();
    Ok(())
}

/// What `proc_raise` should do with a signal.
pub enum RaiseAction {
    /// Nothing (the signal's default action is to be ignored).
    Ignore,
    /// End the guest as if it exited with this status (128 + signal number, as shells do).
    Terminate(i32),
}

/// Decides the default action of signal `sig` (the witx `signal` enum).
///
/// # Errors
/// `EINVAL` for an unknown signal or `none`; `ENOSYS` for the stop signals, which have no
/// meaning for a guest.
pub fn proc_raise(sig: u32) -> WasiResult<RaiseAction> {
    match sig {
        // pipe, chld, cont, urg, winch: ignored by default.
        13 | 16 | 17 | 22 | 27 => Ok(RaiseAction::Ignore),
        // stop, tstp, ttin, ttou.
        18..=21 => Err(Errno::NoSys),
        1..=30 => Ok(RaiseAction::Terminate(128 + sig as i32)),
        _ => Err(Errno::Inval),
    }
}

pub fn sock_accept(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    fd_out: u32,
) -> WasiResult {
    mem.check(fd_out, 4)?;
    if flags & !u32::from(fdflags::NONBLOCK) != 0 {
        return Err(Errno::Inval);
    }
    let entry = ctx.table.get(fd)?;
    let Kind::TcpListener(listener) = &entry.kind else {
        return Err(not_socket(&entry.kind));
    };
    entry.need(rights::SOCK_ACCEPT)?;
    if entry.flags & fdflags::NONBLOCK == 0 {
        wait_ready(raw_fd(listener), false, ctx.interrupt.as_ref())?;
    }
    let (stream, _) = listener.accept()?;
    stream.set_nonblocking(flags != 0)?;
    let inheriting = entry.inheriting;
    let mut new = Entry::new(Kind::TcpStream(stream), inheriting & rights::SOCKET, 0);
    new.flags = flags as u16;
    let new_fd = ctx.table.push(new)?;
    mem.write_u32(fd_out, new_fd)
}

const RECV_PEEK: u32 = 1;
const RECV_WAITALL: u32 = 2;

#[allow(clippy::too_many_arguments)]
pub fn sock_recv(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    flags: u32,
    datalen: u32,
    oflags: u32,
) -> WasiResult {
    if flags & !(RECV_PEEK | RECV_WAITALL) != 0 {
        return Err(Errno::Inval);
    }
    let iovs = mem.iovecs(iovs, iovs_len)?;
    mem.check(datalen, 4)?;
    mem.check(oflags, 2)?;
    let entry = ctx.table.get_mut(fd)?;
    if !matches!(entry.kind, Kind::TcpStream(_)) {
        return Err(not_socket(&entry.kind));
    }
    entry.need(rights::FD_READ)?;
    let interrupt = ctx.interrupt.as_ref();
    let n = if flags & RECV_PEEK != 0 {
        let nonblock = entry.flags & fdflags::NONBLOCK != 0;
        let Kind::TcpStream(s) = &entry.kind else { return Err(Errno::NotSock) };
        match iovs.iter().find(|v| v.len > 0) {
            Some(v) => {
                if !nonblock {
                    wait_ready(raw_fd(s), false, interrupt)?;
                }
                u32::try_from(s.peek(mem.slice_mut(v.ptr, v.len)?)?).unwrap_or(v.len).min(v.len)
            }
            None => 0,
        }
    } else if flags & RECV_WAITALL != 0 {
        recv_all(entry, interrupt, mem, &iovs)?
    } else {
        read_iovecs(entry, interrupt, mem, &iovs, None)?
    };
    mem.write_u32(datalen, n)?;
    mem.write_u16(oflags, 0)
}

/// Fills every buffer of `iovs` from a stream, stopping early only at end of stream or
/// on an error. What was received before an error is reported instead of the error (the
/// guest sees a short count, and the error on its next call); the count stops at `u32::MAX`.
fn recv_all(
    entry: &mut Entry,
    interrupt: Option<&InterruptHandle>,
    mem: &mut GuestMemory<'_>,
    iovs: &[IoVec],
) -> WasiResult<u32> {
    let mut total = 0u32;
    for iov in iovs.iter().filter(|v| v.len > 0) {
        let len = iov.len.min(u32::MAX - total);
        let mut done = 0;
        while done < len {
            let part = IoVec { ptr: iov.ptr + done, len: len - done };
            match read_iovecs(entry, interrupt, mem, &[part], None) {
                Ok(0) => break,
                Ok(n) => done += n.min(len - done),
                Err(_) if total + done > 0 => return Ok(total + done),
                Err(e) => return Err(e),
            }
        }
        // `done <= len <= u32::MAX - total`.
        total += done;
        if done < iov.len {
            break;
        }
    }
    Ok(total)
}

pub fn sock_send(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    _flags: u32,
    datalen: u32,
) -> WasiResult {
    let iovs = mem.iovecs(iovs, iovs_len)?;
    mem.check(datalen, 4)?;
    let entry = ctx.table.get_mut(fd)?;
    if !matches!(entry.kind, Kind::TcpStream(_)) {
        return Err(not_socket(&entry.kind));
    }
    entry.need(rights::FD_WRITE)?;
    let n = write_iovecs(entry, mem, &iovs, None)?;
    mem.write_u32(datalen, n)
}

pub fn sock_shutdown(ctx: &mut WasiCtx, fd: u32, how: u32) -> WasiResult {
    let entry = ctx.table.get(fd)?;
    let Kind::TcpStream(s) = &entry.kind else {
        return Err(not_socket(&entry.kind));
    };
    entry.need(rights::SOCK_SHUTDOWN)?;
    let how = match how {
        1 => Shutdown::Read,
        2 => Shutdown::Write,
        3 => Shutdown::Both,
        _ => return Err(Errno::Inval),
    };
    Ok(s.shutdown(how)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_addresses_may_end_exactly_at_4_gib() {
        let strings = ["ab".to_owned(), "c".to_owned()];
        // "ab\0c\0" is 5 bytes: written at 2^32 - 5 it ends exactly at 2^32.
        let at: Vec<u32> = string_addresses(u32::MAX - 4, &strings).collect();
        assert_eq!(at, [u32::MAX - 4, u32::MAX - 1]);
        let at: Vec<u32> = string_addresses(10, &strings).collect();
        assert_eq!(at, [10, 13]);
    }

    #[test]
    fn write_strings_fills_the_last_bytes_of_memory() {
        let strings = ["ab".to_owned(), "c".to_owned()];
        let mut bytes = vec![0u8; 32];
        let mut mem = GuestMemory::new(&mut bytes);
        write_strings(&mut mem, &strings, 0, 27).unwrap();
        assert_eq!(&bytes[27..], b"ab\0c\0");
        assert_eq!(&bytes[0..8], [27, 0, 0, 0, 30, 0, 0, 0]);
        let mut mem = GuestMemory::new(&mut bytes);
        assert!(matches!(write_strings(&mut mem, &strings, 0, 28), Err(Errno::Fault)));
    }
}
