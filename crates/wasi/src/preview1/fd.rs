//! The `fd_*` functions.

use std::io::{Read, SeekFrom, Write};

use super::memory::{GuestMemory, IoVec};
use super::table::{Entry, Kind};
use super::types::{fdflags, filetype_code, fstflags, rights, Abi, Errno, WasiResult};
use crate::ctx::WasiCtx;
use crate::sandbox::{Advice, File, FileStat, Timestamp};

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
pub(crate) fn read_iovecs(
    entry: &mut Entry,
    mem: &mut GuestMemory<'_>,
    iovs: &[IoVec],
    offset: Option<u64>,
) -> WasiResult<u32> {
    let mut total: u32 = 0;
    for iov in iovs.iter().filter(|v| v.len > 0) {
        let buf = mem.slice_mut(iov.ptr, iov.len)?;
        let res: Result<usize, Errno> = match (&mut entry.kind, offset) {
            (Kind::File(f), None) => f.read(buf).map_err(Errno::from),
            (Kind::File(f), Some(off)) => {
                f.read_at(buf, off.saturating_add(u64::from(total))).map_err(Errno::from)
            }
            (Kind::Stdin(s), None) => s.read(buf).map_err(Errno::from),
            (Kind::TcpStream(s), None) => s.read(buf).map_err(Errno::from),
            (Kind::Dir(_), _) => Err(Errno::IsDir),
            (Kind::Stdin(_) | Kind::TcpStream(_), Some(_)) => Err(Errno::Spipe),
            (Kind::Stdout(_), _) => Err(Errno::Badf),
            (Kind::TcpListener(_), _) => Err(Errno::NotConn),
        };
        let n = match res {
            Ok(n) => n as u32,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e),
        };
        total += n;
        if n < iov.len || !matches!(entry.kind, Kind::File(_)) {
            break;
        }
    }
    Ok(total)
}

/// Writes every buffer of `iovs`, in order.
pub(crate) fn write_iovecs(
    entry: &mut Entry,
    mem: &GuestMemory<'_>,
    iovs: &[IoVec],
    offset: Option<u64>,
) -> WasiResult<u32> {
    let mut total: u32 = 0;
    for iov in iovs.iter().filter(|v| v.len > 0) {
        let buf = mem.slice(iov.ptr, iov.len)?;
        match (&mut entry.kind, offset) {
            (Kind::File(f), None) => f.write_all(buf)?,
            (Kind::File(f), Some(off)) => f.write_all_at(buf, off.saturating_add(u64::from(total)))?,
            (Kind::Stdout(s), None) => s.write_all(buf)?,
            (Kind::TcpStream(s), None) => s.write_all(buf)?,
            (Kind::Dir(_), _) => return Err(Errno::IsDir),
            (Kind::Stdout(_) | Kind::TcpStream(_), Some(_)) => return Err(Errno::Spipe),
            (Kind::Stdin(_), _) => return Err(Errno::Badf),
            (Kind::TcpListener(_), _) => return Err(Errno::NotConn),
        }
        total = total.saturating_add(iov.len);
    }
    Ok(total)
}

fn check_read_kind(entry: &Entry, needed: u64) -> WasiResult {
    match entry.kind {
        Kind::Dir(_) => Err(Errno::IsDir),
        _ => entry.need(needed),
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
    let iovs = mem.iovecs(iovs, iovs_len)?;
    mem.check(nread, 4)?;
    let entry = ctx.table.get_mut(fd)?;
    check_read_kind(entry, rights::FD_READ)?;
    let n = read_iovecs(entry, mem, &iovs, None)?;
    mem.write_u32(nread, n)
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
    let iovs = mem.iovecs(iovs, iovs_len)?;
    mem.check(nread, 4)?;
    let entry = ctx.table.get_mut(fd)?;
    check_read_kind(entry, rights::FD_READ | rights::FD_SEEK)?;
    let n = read_iovecs(entry, mem, &iovs, Some(offset))?;
    mem.write_u32(nread, n)
}

pub fn write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten: u32,
) -> WasiResult {
    let iovs = mem.iovecs(iovs, iovs_len)?;
    mem.check(nwritten, 4)?;
    let entry = ctx.table.get_mut(fd)?;
    check_read_kind(entry, rights::FD_WRITE)?;
    let n = write_iovecs(entry, mem, &iovs, None)?;
    mem.write_u32(nwritten, n)
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
    let iovs = mem.iovecs(iovs, iovs_len)?;
    mem.check(nwritten, 4)?;
    let entry = ctx.table.get_mut(fd)?;
    check_read_kind(entry, rights::FD_WRITE | rights::FD_SEEK)?;
    let n = write_iovecs(entry, mem, &iovs, Some(offset))?;
    mem.write_u32(nwritten, n)
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
