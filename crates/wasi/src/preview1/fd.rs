//! The `fd_*` functions.

use std::io::{Read, SeekFrom, Write};

use tessera_engine::InterruptHandle;

use super::memory::{GuestMemory, IoVec};
use super::table::{Entry, Kind};
use super::types::{fdflags, filetype_code, fstflags, rights, Abi, Errno, WasiResult};
use crate::ctx::WasiCtx;
use crate::sandbox::{Advice, File, FileStat, Timestamp};
use crate::wait::{ready_now, wait_ready};

impl Entry {
    /// The regular file behind this descriptor, with `needed` rights.
    fn file(&self, needed: u64) -> WasiResult<&File> {
        match &self.kind {
            Kind::File(f) => {
                self.need(needed)?;
                Ok(f)
            }
            Kind::Dir(_) => Err(Errno::Badf),
            _ => Err(Errno::Spipe),
        }
    }

    fn file_mut(&mut self, needed: u64) -> WasiResult<&mut File> {
        self.need_if_file(needed)?;
        match &mut self.kind {
            Kind::File(f) => Ok(f),
            Kind::Dir(_) => Err(Errno::Badf),
            _ => Err(Errno::Spipe),
        }
    }

    fn need_if_file(&self, needed: u64) -> WasiResult {
        match self.kind {
            Kind::File(_) => self.need(needed),
            _ => Ok(()),
        }
    }
}

/// Reads into `iovs`: a file fills as many buffers as it can; a stream (stdin, socket)
/// reads once, into the first non-empty buffer, so that it never blocks with data in hand.
/// A blocking stream is waited on in slices, giving up with `EINTR` when `interrupt` fires.
/// The count stops at `u32::MAX`, and an error after some bytes is reported as a short read.
pub(crate) fn read_iovecs(
    entry: &mut Entry,
    interrupt: Option<&InterruptHandle>,
    mem: &mut GuestMemory<'_>,
    iovs: &[IoVec],
    offset: Option<u64>,
) -> WasiResult<u32> {
    read_iovecs_upto(entry, interrupt, mem, iovs, offset, u32::MAX)
}

/// [`read_iovecs`], reading at most `limit` bytes in all.
fn read_iovecs_upto(
    entry: &mut Entry,
    interrupt: Option<&InterruptHandle>,
    mem: &mut GuestMemory<'_>,
    iovs: &[IoVec],
    offset: Option<u64>,
    limit: u32,
) -> WasiResult<u32> {
    let nonblock = entry.flags & fdflags::NONBLOCK != 0;
    let mut total: u32 = 0;
    for iov in iovs.iter().filter(|v| v.len > 0) {
        let len = iov.len.min(limit - total);
        if len == 0 {
            break;
        }
        let buf = mem.slice_mut(iov.ptr, len)?;
        let res: Result<usize, Errno> = match (&mut entry.kind, offset) {
            (Kind::File(f), None) => f.read(buf).map_err(Errno::from),
            (Kind::File(f), Some(off)) => {
                f.read_at(buf, off.saturating_add(u64::from(total))).map_err(Errno::from)
            }
            (Kind::Stdin(s), None) => {
                if s.is_inherit() {
                    if nonblock {
                        if !ready_now(0) {
                            return Err(Errno::Again);
                        }
                    } else {
                        wait_ready(0, false, interrupt)?;
                    }
                }
                s.read(buf).map_err(Errno::from)
            }
            (Kind::TcpStream(s), None) => {
                if !nonblock {
                    wait_ready(raw_fd(s), false, interrupt)?;
                }
                s.read(buf).map_err(Errno::from)
            }
            (Kind::Dir(_), _) => Err(Errno::IsDir),
            (Kind::Stdin(_) | Kind::TcpStream(_), Some(_)) => Err(Errno::Spipe),
            (Kind::Stdout(_), _) => Err(Errno::Badf),
            (Kind::TcpListener(_), _) => Err(Errno::NotConn),
        };
        let n = match res {
            // `n <= len <= limit - total`: the sum cannot overflow.
            Ok(n) => u32::try_from(n).unwrap_or(len).min(len),
            Err(_) if total > 0 => break,
            Err(e) => return Err(e),
        };
        total += n;
        if n < len || !matches!(entry.kind, Kind::File(_)) {
            break;
        }
    }
    Ok(total)
}

/// The host descriptor of a socket (for `poll`).
#[cfg(unix)]
pub(crate) fn raw_fd(s: &impl std::os::fd::AsRawFd) -> i32 {
    s.as_raw_fd()
}

#[cfg(not(unix))]
pub(crate) fn raw_fd<S>(_s: &S) -> i32 {
    -1
}

/// Writes every buffer of `iovs`, in order. The count stops at `u32::MAX`, and an error
/// after some bytes were written is reported as a short write (the next write reports it).
pub(crate) fn write_iovecs(
    entry: &mut Entry,
    mem: &GuestMemory<'_>,
    iovs: &[IoVec],
    offset: Option<u64>,
) -> WasiResult<u32> {
    write_iovecs_upto(entry, mem, iovs, offset, u32::MAX)
}

/// [`write_iovecs`], writing at most `limit` bytes in all.
fn write_iovecs_upto(
    entry: &mut Entry,
    mem: &GuestMemory<'_>,
    iovs: &[IoVec],
    offset: Option<u64>,
    limit: u32,
) -> WasiResult<u32> {
    let mut total: u32 = 0;
    for iov in iovs.iter().filter(|v| v.len > 0) {
        let len = iov.len.min(limit - total);
        if len == 0 {
            break;
        }
        let buf = mem.slice(iov.ptr, len)?;
        let mut done = 0usize;
        let mut failed = None;
        while done < buf.len() {
            let rest = &buf[done..];
            let at = offset.map(|off| off.saturating_add(u64::from(total)).saturating_add(done as u64));
            let res: Result<usize, Errno> = match (&mut entry.kind, at) {
                (Kind::File(f), None) => f.write(rest).map_err(Errno::from),
                (Kind::File(f), Some(at)) => f.write_at(rest, at).map_err(Errno::from),
                // Written whole (and flushed) or not at all, as far as we can tell.
                (Kind::Stdout(s), None) => s.write_all(rest).map(|()| rest.len()).map_err(Errno::from),
                (Kind::TcpStream(s), None) => match s.write(rest) {
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    r => r.map_err(Errno::from),
                },
                (Kind::Dir(_), _) => Err(Errno::IsDir),
                (Kind::Stdout(_) | Kind::TcpStream(_), Some(_)) => Err(Errno::Spipe),
                (Kind::Stdin(_), _) => Err(Errno::Badf),
                (Kind::TcpListener(_), _) => Err(Errno::NotConn),
            };
            match res {
                Ok(0) => {
                    failed = Some(Errno::Io);
                    break;
                }
                Ok(n) => done += n.min(rest.len()),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        // `done <= len <= limit - total`.
        total += done as u32;
        if let Some(e) = failed {
            return if total > 0 { Ok(total) } else { Err(e) };
        }
    }
    Ok(total)
}

fn check_read_kind(entry: &Entry, needed: u64) -> WasiResult {
    match entry.kind {
        Kind::Dir(_) => Err(Errno::IsDir),
        _ => entry.need(needed),
    }
}

/// For `fd_pread`/`fd_pwrite`: streams cannot be read or written at an offset (`ESPIPE`,
/// whatever their rights).
fn check_positional_kind(entry: &Entry, needed: u64) -> WasiResult {
    match entry.kind {
        Kind::Stdin(_) | Kind::Stdout(_) | Kind::TcpStream(_) | Kind::TcpListener(_) => Err(Errno::Spipe),
        _ => check_read_kind(entry, needed),
    }
}

pub fn read(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread: u32,
) -> WasiResult {
    transfer(ctx, mem, fd, (iovs, iovs_len), None, nread, Direction::Read)
}

pub fn pread(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nread: u32,
) -> WasiResult {
    transfer(ctx, mem, fd, (iovs, iovs_len), Some(offset), nread, Direction::Read)
}

pub fn write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten: u32,
) -> WasiResult {
    transfer(ctx, mem, fd, (iovs, iovs_len), None, nwritten, Direction::Write)
}

pub fn pwrite(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nwritten: u32,
) -> WasiResult {
    transfer(ctx, mem, fd, (iovs, iovs_len), Some(offset), nwritten, Direction::Write)
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum Direction {
    Read,
    Write,
}

/// `fd_read`, `fd_pread`, `fd_write` and `fd_pwrite`: checks the buffers and the count
/// pointer before anything moves, checks the rights (positional transfers also need
/// `FD_SEEK` and a seekable descriptor), transfers, and stores the byte count.
fn transfer(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    (iovs, iovs_len): (u32, u32),
    offset: Option<u64>,
    count_ptr: u32,
    direction: Direction,
) -> WasiResult {
    let iovs = mem.iovecs(iovs, iovs_len)?;
    mem.check(count_ptr, 4)?;
    let entry = ctx.table.get_mut(fd)?;
    let right = if direction == Direction::Read { rights::FD_READ } else { rights::FD_WRITE };
    match offset {
        None => check_read_kind(entry, right)?,
        Some(_) => check_positional_kind(entry, right | rights::FD_SEEK)?,
    }
    let n = match direction {
        Direction::Read => read_iovecs(entry, ctx.interrupt.as_ref(), mem, &iovs, offset)?,
        Direction::Write => write_iovecs(entry, mem, &iovs, offset)?,
    };
    mem.write_u32(count_ptr, n)
}

pub fn seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    abi: Abi,
    fd: u32,
    offset: i64,
    whence: u32,
    newoffset: u32,
) -> WasiResult {
    mem.check(newoffset, 8)?;
    // 0 = set, 1 = cur, 2 = end in preview 1; preview 0 numbered them cur, end, set.
    let whence = match (abi, whence) {
        (Abi::Preview1, w) => w,
        (Abi::Preview0, 0) => 1,
        (Abi::Preview0, 1) => 2,
        (Abi::Preview0, 2) => 0,
        (Abi::Preview0, w) => w,
    };
    let pos = match whence {
        0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
        1 => SeekFrom::Current(offset),
        2 => SeekFrom::End(offset),
        _ => return Err(Errno::Inval),
    };
    let needed = if pos == SeekFrom::Current(0) { rights::FD_TELL } else { rights::FD_SEEK };
    let entry = ctx.table.get_mut(fd)?;
    if let Kind::Dir(_) = entry.kind {
        // A directory has no position to move (`fd_readdir` takes cookies instead).
        return Err(Errno::IsDir);
    }
    let needed = if entry.base & rights::FD_SEEK != 0 { rights::FD_SEEK } else { needed };
    let new = entry.file_mut(needed)?.seek(pos)?;
    mem.write_u64(newoffset, new)
}

pub fn tell(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, offset: u32) -> WasiResult {
    mem.check(offset, 8)?;
    let entry = ctx.table.get_mut(fd)?;
    let needed = if entry.base & rights::FD_SEEK != 0 { rights::FD_SEEK } else { rights::FD_TELL };
    let pos = entry.file_mut(needed)?.seek(SeekFrom::Current(0))?;
    mem.write_u64(offset, pos)
}

pub fn close(ctx: &mut WasiCtx, fd: u32) -> WasiResult {
    ctx.table.remove(fd).map(drop)
}

pub fn renumber(ctx: &mut WasiCtx, from: u32, to: u32) -> WasiResult {
    ctx.table.renumber(from, to)
}

pub fn advise(ctx: &mut WasiCtx, fd: u32, offset: u64, len: u64, advice: u32) -> WasiResult {
    let advice = match advice {
        0 => Advice::Normal,
        1 => Advice::Sequential,
        2 => Advice::Random,
        3 => Advice::WillNeed,
        4 => Advice::DontNeed,
        5 => Advice::NoReuse,
        _ => return Err(Errno::Inval),
    };
    let entry = ctx.table.get(fd)?;
    entry.need(rights::FD_ADVISE)?;
    match &entry.kind {
        Kind::File(f) => Ok(f.advise(offset, len, advice)?),
        Kind::Dir(_) => Ok(()),
        _ => Err(Errno::Spipe),
    }
}

pub fn allocate(ctx: &mut WasiCtx, fd: u32, offset: u64, len: u64) -> WasiResult {
    Ok(ctx.table.get(fd)?.file(rights::FD_ALLOCATE)?.allocate(offset, len)?)
}

pub fn datasync(ctx: &mut WasiCtx, fd: u32) -> WasiResult {
    let entry = ctx.table.get(fd)?;
    match &entry.kind {
        Kind::File(f) => {
            entry.need(rights::FD_DATASYNC)?;
            Ok(f.sync_data()?)
        }
        Kind::Dir(d) => Ok(d.sync()?),
        _ => Err(Errno::Inval),
    }
}

pub fn sync(ctx: &mut WasiCtx, fd: u32) -> WasiResult {
    let entry = ctx.table.get(fd)?;
    match &entry.kind {
        Kind::File(f) => {
            entry.need(rights::FD_SYNC)?;
            Ok(f.sync_all()?)
        }
        Kind::Dir(d) => {
            entry.need(rights::FD_SYNC)?;
            Ok(d.sync()?)
        }
        _ => Err(Errno::Inval),
    }
}

pub fn fdstat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, buf: u32) -> WasiResult {
    mem.check(buf, 24)?;
    let entry = ctx.table.get(fd)?;
    let mut out = [0u8; 24];
    out[0] = filetype_code(entry.kind.filetype());
    out[2..4].copy_from_slice(&entry.flags.to_le_bytes());
    out[8..16].copy_from_slice(&entry.base.to_le_bytes());
    out[16..24].copy_from_slice(&entry.inheriting.to_le_bytes());
    mem.write_bytes(buf, &out)
}

pub fn fdstat_set_flags(ctx: &mut WasiCtx, fd: u32, flags: u32) -> WasiResult {
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    if flags & !fdflags::ALL != 0 {
        return Err(Errno::Inval);
    }
    let entry = ctx.table.get_mut(fd)?;
    entry.need(rights::FD_FDSTAT_SET_FLAGS)?;
    let sync_bits = fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC;
    match &entry.kind {
        Kind::File(f) => {
            if (flags ^ entry.flags) & sync_bits != 0 {
                return Err(Errno::NotSup);
            }
            if flags & fdflags::APPEND != 0 && entry.base & rights::FD_WRITE == 0 {
                return Err(Errno::NotCapable);
            }
            f.set_flags(flags & fdflags::APPEND != 0, flags & fdflags::NONBLOCK != 0)?;
        }
        Kind::TcpStream(s) => s.set_nonblocking(flags & fdflags::NONBLOCK != 0)?,
        Kind::TcpListener(l) => l.set_nonblocking(flags & fdflags::NONBLOCK != 0)?,
        _ if flags & (sync_bits | fdflags::APPEND) != 0 => return Err(Errno::NotSup),
        // Non-blocking reads of the host's stdin are emulated (a zero-timeout poll, then
        // `EAGAIN`): the host's descriptor 0 itself is never changed. Empty stdin never
        // blocks anyway.
        Kind::Stdin(s) if s.is_inherit() || s.is_empty() => {}
        // Anything else cannot honour it: say so rather than pretend.
        _ if flags & fdflags::NONBLOCK != 0 => return Err(Errno::NotSup),
        _ => {}
    }
    entry.flags = flags;
    Ok(())
}

pub fn fdstat_set_rights(ctx: &mut WasiCtx, fd: u32, base: u64, inheriting: u64) -> WasiResult {
    let entry = ctx.table.get_mut(fd)?;
    if base & !entry.base != 0 || inheriting & !entry.inheriting != 0 {
        return Err(Errno::NotCapable);
    }
    entry.base = base;
    entry.inheriting = inheriting;
    Ok(())
}

/// Writes a `filestat` in the layout of `abi`.
pub(crate) fn write_filestat(mem: &mut GuestMemory<'_>, ptr: u32, st: &FileStat, abi: Abi) -> WasiResult {
    let ft = filetype_code(st.filetype);
    match abi {
        Abi::Preview1 => {
            let mut out = [0u8; 64];
            out[0..8].copy_from_slice(&st.dev.to_le_bytes());
            out[8..16].copy_from_slice(&st.ino.to_le_bytes());
            out[16] = ft;
            out[24..32].copy_from_slice(&st.nlink.to_le_bytes());
            out[32..40].copy_from_slice(&st.size.to_le_bytes());
            out[40..48].copy_from_slice(&st.atim.to_le_bytes());
            out[48..56].copy_from_slice(&st.mtim.to_le_bytes());
            out[56..64].copy_from_slice(&st.ctim.to_le_bytes());
            mem.write_bytes(ptr, &out)
        }
        Abi::Preview0 => {
            let mut out = [0u8; 56];
            out[0..8].copy_from_slice(&st.dev.to_le_bytes());
            out[8..16].copy_from_slice(&st.ino.to_le_bytes());
            out[16] = ft;
            let nlink = u32::try_from(st.nlink).unwrap_or(u32::MAX);
            out[20..24].copy_from_slice(&nlink.to_le_bytes());
            out[24..32].copy_from_slice(&st.size.to_le_bytes());
            out[32..40].copy_from_slice(&st.atim.to_le_bytes());
            out[40..48].copy_from_slice(&st.mtim.to_le_bytes());
            out[48..56].copy_from_slice(&st.ctim.to_le_bytes());
            mem.write_bytes(ptr, &out)
        }
    }
}

pub(crate) fn filestat_size(abi: Abi) -> u32 {
    match abi {
        Abi::Preview0 => 56,
        Abi::Preview1 => 64,
    }
}

pub fn filestat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, abi: Abi, fd: u32, buf: u32) -> WasiResult {
    mem.check(buf, filestat_size(abi))?;
    let entry = ctx.table.get(fd)?;
    entry.need(rights::FD_FILESTAT_GET)?;
    let st = match &entry.kind {
        Kind::File(f) => f.stat()?,
        Kind::Dir(d) => d.dir_stat()?,
        other => FileStat { filetype: other.filetype(), nlink: 1, ..FileStat::default() },
    };
    write_filestat(mem, buf, &st, abi)
}

pub fn filestat_set_size(ctx: &mut WasiCtx, fd: u32, size: u64) -> WasiResult {
    Ok(ctx.table.get(fd)?.file(rights::FD_FILESTAT_SET_SIZE)?.set_len(size)?)
}

/// Decodes `fstflags` and the two timestamps.
pub(crate) fn timestamps(atim: u64, mtim: u64, flags: u32) -> WasiResult<(Timestamp, Timestamp)> {
    let flags = u16::try_from(flags).map_err(|_| Errno::Inval)?;
    let all = fstflags::ATIM | fstflags::ATIM_NOW | fstflags::MTIM | fstflags::MTIM_NOW;
    if flags & !all != 0 {
        return Err(Errno::Inval);
    }
    let pick = |set: u16, now: u16, value: u64| match (flags & set != 0, flags & now != 0) {
        (true, true) => Err(Errno::Inval),
        (true, false) => Ok(Timestamp::At(value)),
        (false, true) => Ok(Timestamp::Now),
        (false, false) => Ok(Timestamp::Keep),
    };
    Ok((pick(fstflags::ATIM, fstflags::ATIM_NOW, atim)?, pick(fstflags::MTIM, fstflags::MTIM_NOW, mtim)?))
}

pub fn filestat_set_times(ctx: &mut WasiCtx, fd: u32, atim: u64, mtim: u64, flags: u32) -> WasiResult {
    let (a, m) = timestamps(atim, mtim, flags)?;
    let entry = ctx.table.get(fd)?;
    entry.need(rights::FD_FILESTAT_SET_TIMES)?;
    match &entry.kind {
        Kind::File(f) => Ok(f.set_times(a, m)?),
        Kind::Dir(d) => Ok(d.set_dir_times(a, m)?),
        _ => Err(Errno::Badf),
    }
}

pub fn prestat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, buf: u32) -> WasiResult {
    mem.check(buf, 8)?;
    let name = ctx.table.get(fd)?.preopen.as_ref().ok_or(Errno::Badf)?;
    let len = u32::try_from(name.len()).map_err(|_| Errno::NameTooLong)?;
    let mut out = [0u8; 8];
    out[4..8].copy_from_slice(&len.to_le_bytes());
    mem.write_bytes(buf, &out)
}

pub fn prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult {
    mem.check(path, len)?;
    let name = ctx.table.get(fd)?.preopen.as_ref().ok_or(Errno::Badf)?;
    if (len as usize) < name.len() {
        return Err(Errno::NameTooLong);
    }
    mem.write_bytes(path, name.as_bytes())
}

pub fn readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused: u32,
) -> WasiResult {
    mem.check(buf, buf_len)?;
    mem.check(bufused, 4)?;
    let entry = ctx.table.get_mut(fd)?;
    let dir = entry.dir(rights::FD_READDIR)?;
    if cookie == 0 || entry.dir_cache.is_none() {
        let fresh = dir.entries()?;
        entry.dir_cache = Some(fresh);
    }
    let entries = entry.dir_cache.as_deref().unwrap_or(&[]);
    let mut out = Vec::new();
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, e) in entries.iter().enumerate().skip(start) {
        if out.len() >= buf_len as usize {
            break;
        }
        let namlen = u32::try_from(e.name.len()).map_err(|_| Errno::NameTooLong)?;
        out.extend_from_slice(&(i as u64 + 1).to_le_bytes());
        out.extend_from_slice(&e.ino.to_le_bytes());
        out.extend_from_slice(&namlen.to_le_bytes());
        out.push(filetype_code(Some(e.filetype)));
        out.extend_from_slice(&[0, 0, 0]);
        out.extend_from_slice(&e.name);
    }
    out.truncate(buf_len as usize);
    mem.write_bytes(buf, &out)?;
    mem.write_u32(bufused, out.len() as u32)
}

/// The error for using a non-socket where a socket is needed.
pub(crate) fn not_socket(kind: &Kind) -> Errno {
    match kind {
        Kind::TcpListener(_) | Kind::TcpStream(_) => Errno::Inval,
        _ => Errno::NotSock,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(tag: &str, contents: &[u8]) -> (std::path::PathBuf, Entry) {
        let path = std::env::temp_dir().join(format!("tessera-wasi-fd-{tag}-{}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        let f = std::fs::OpenOptions::new().read(true).write(true).open(&path).unwrap();
        (path, Entry::new(Kind::File(File::new(f, false)), rights::FILE_ALL, 0))
    }

    // The real limit is `u32::MAX` bytes, which would need gigabytes of guest memory and
    // file: the same code runs here with a limit of 10.
    #[test]
    fn read_count_stops_at_the_limit() {
        let (path, mut entry) = temp_file("read", &[7u8; 100]);
        let mut bytes = vec![0u8; 64];
        let mut mem = GuestMemory::new(&mut bytes);
        let iovs = [IoVec { ptr: 0, len: 8 }, IoVec { ptr: 8, len: 8 }, IoVec { ptr: 16, len: 8 }];
        assert_eq!(read_iovecs_upto(&mut entry, None, &mut mem, &iovs, None, 10).unwrap(), 10);
        assert_eq!(&bytes[..12], [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 0]);
        let mut mem = GuestMemory::new(&mut bytes);
        assert_eq!(read_iovecs_upto(&mut entry, None, &mut mem, &iovs, Some(0), 16).unwrap(), 16);
        // Already at the limit: nothing more is read.
        let mut mem = GuestMemory::new(&mut bytes);
        assert_eq!(read_iovecs_upto(&mut entry, None, &mut mem, &iovs, None, 0).unwrap(), 0);
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn write_count_stops_at_the_limit() {
        let (path, mut entry) = temp_file("write", b"");
        let mut bytes = *b"abcdefghijklmnop";
        let mem = GuestMemory::new(&mut bytes);
        let iovs = [IoVec { ptr: 0, len: 8 }, IoVec { ptr: 8, len: 8 }];
        assert_eq!(write_iovecs_upto(&mut entry, &mem, &iovs, None, 10).unwrap(), 10);
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdefghij");
        assert_eq!(write_iovecs_upto(&mut entry, &mem, &iovs, Some(2), 3).unwrap(), 3);
        assert_eq!(std::fs::read(&path).unwrap(), b"ababcfghij");
        std::fs::remove_file(path).unwrap();
    }
}
