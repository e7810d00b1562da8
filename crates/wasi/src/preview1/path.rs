//! The `path_*` functions. Paths are resolved by [`crate::sandbox::Dir`] (so by `cap-std`),
//! after the descriptor's rights are checked here.

use super::fd::{filestat_size, timestamps, write_filestat};
use super::memory::GuestMemory;
use super::table::{rights_for, Entry, Kind};
use super::types::{fdflags, oflags, rights, Abi, Errno, WasiResult, LOOKUP_SYMLINK_FOLLOW};
use crate::ctx::WasiCtx;
use crate::sandbox::{OpenOptions, Opened};

fn follow(lookup: u32) -> WasiResult<bool> {
    if lookup & !LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(Errno::Inval);
    }
    Ok(lookup & LOOKUP_SYMLINK_FOLLOW != 0)
}

pub fn create_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult {
    let path = mem.read_str(path, len)?;
    Ok(ctx.table.get(fd)?.dir(rights::PATH_CREATE_DIRECTORY)?.create_dir(&path)?)
}

pub fn remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult {
    let path = mem.read_str(path, len)?;
    Ok(ctx.table.get(fd)?.dir(rights::PATH_REMOVE_DIRECTORY)?.remove_dir(&path)?)
}

pub fn unlink_file(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: u32, len: u32) -> WasiResult {
    let path = mem.read_str(path, len)?;
    Ok(ctx.table.get(fd)?.dir(rights::PATH_UNLINK_FILE)?.remove_file(&path)?)
}

#[allow(clippy::too_many_arguments)]
pub fn filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    abi: Abi,
    fd: u32,
    lookup: u32,
    path: u32,
    len: u32,
    buf: u32,
) -> WasiResult {
    mem.check(buf, filestat_size(abi))?;
    let path = mem.read_str(path, len)?;
    let st = ctx.table.get(fd)?.dir(rights::PATH_FILESTAT_GET)?.stat(&path, follow(lookup)?)?;
    write_filestat(mem, buf, &st, abi)
}

#[allow(clippy::too_many_arguments)]
pub fn filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    lookup: u32,
    path: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> WasiResult {
    let path = mem.read_str(path, len)?;
    let (a, m) = timestamps(atim, mtim, fst)?;
    let dir = ctx.table.get(fd)?.dir(rights::PATH_FILESTAT_SET_TIMES)?;
    Ok(dir.set_times(&path, follow(lookup)?, a, m)?)
}

#[allow(clippy::too_many_arguments)]
pub fn link(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    old_lookup: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult {
    let old_path = mem.read_str(old_path, old_len)?;
    let new_path = mem.read_str(new_path, new_len)?;
    // Following a symlink at the source is not offered by `cap-std` (nor by WASI 0.2).
    if follow(old_lookup)? {
        return Err(Errno::Inval);
    }
    let from = ctx.table.get(old_fd)?.dir(rights::PATH_LINK_SOURCE)?;
    let to = ctx.table.get(new_fd)?.dir(rights::PATH_LINK_TARGET)?;
    Ok(from.hard_link(&old_path, to, &new_path)?)
}

#[allow(clippy::too_many_arguments)]
pub fn rename(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    old_path: u32,
    old_len: u32,
    new_fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult {
    let old_path = mem.read_str(old_path, old_len)?;
    let new_path = mem.read_str(new_path, new_len)?;
    let from = ctx.table.get(old_fd)?.dir(rights::PATH_RENAME_SOURCE)?;
    let to = ctx.table.get(new_fd)?.dir(rights::PATH_RENAME_TARGET)?;
    Ok(from.rename(&old_path, to, &new_path)?)
}

pub fn symlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_path: u32,
    old_len: u32,
    fd: u32,
    new_path: u32,
    new_len: u32,
) -> WasiResult {
    let target = mem.read_str(old_path, old_len)?;
    let link = mem.read_str(new_path, new_len)?;
    Ok(ctx.table.get(fd)?.dir(rights::PATH_SYMLINK)?.symlink(&target, &link)?)
}

#[allow(clippy::too_many_arguments)]
pub fn readlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> WasiResult {
    mem.check(buf, buf_len)?;
    mem.check(bufused, 4)?;
    let path = mem.read_str(path, len)?;
    let target = ctx.table.get(fd)?.dir(rights::PATH_READLINK)?.read_link(&path)?;
    let n = target.len().min(buf_len as usize);
    mem.write_bytes(buf, &target[..n])?;
    mem.write_u32(bufused, n as u32)
}

/// The arguments of `path_open`, decoded.
pub struct OpenArgs {
    pub fd: u32,
    pub lookup: u32,
    pub path: u32,
    pub path_len: u32,
    pub oflags: u32,
    pub base: u64,
    pub inheriting: u64,
    pub fdflags: u32,
    pub fd_out: u32,
}

pub fn open(ctx: &mut WasiCtx, mem: &mut GuestMemory<'_>, a: &OpenArgs) -> WasiResult {
    mem.check(a.fd_out, 4)?;
    let path = mem.read_str(a.path, a.path_len)?;
    let of = u16::try_from(a.oflags).map_err(|_| Errno::Inval)?;
    if of & !(oflags::CREAT | oflags::DIRECTORY | oflags::EXCL | oflags::TRUNC) != 0 {
        return Err(Errno::Inval);
    }
    let ff = u16::try_from(a.fdflags).map_err(|_| Errno::Inval)?;
    if ff & !fdflags::ALL != 0 {
        return Err(Errno::Inval);
    }
    let parent = ctx.table.get(a.fd)?;
    let mut needed = rights::PATH_OPEN;
    if of & oflags::CREAT != 0 {
        needed |= rights::PATH_CREATE_FILE;
    }
    if of & oflags::TRUNC != 0 {
        needed |= rights::PATH_FILESTAT_SET_SIZE;
    }
    let dir = parent.dir(needed)?;
    // Rights the directory cannot hand on are dropped, as the spec allows — except the
    // right to write, which decides how the host file is opened: asking for it where it
    // cannot be had fails.
    if a.base & rights::FD_WRITE != 0 && parent.inheriting & rights::FD_WRITE == 0 {
        return Err(Errno::NotCapable);
    }
    let sync_needed = match (ff & fdflags::DSYNC != 0, ff & (fdflags::RSYNC | fdflags::SYNC) != 0) {
        (_, true) => rights::FD_SYNC,
        (true, false) => rights::FD_DATASYNC | rights::FD_SYNC,
        _ => 0,
    };
    if sync_needed != 0 && parent.inheriting & sync_needed == 0 {
        return Err(Errno::NotCapable);
    }
    let granted = a.base & parent.inheriting;
    let write_rights = rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE;
    let opts = OpenOptions {
        follow: follow(a.lookup)?,
        create: of & oflags::CREAT != 0,
        exclusive: of & oflags::EXCL != 0,
        truncate: of & oflags::TRUNC != 0,
        directory: of & oflags::DIRECTORY != 0,
        read: granted & (rights::FD_READ | rights::FD_READDIR) != 0,
        // A directory asked for with the right to write fails with `ISDIR`, as Linux's
        // `open(O_DIRECTORY | O_RDWR)` does (wasi-libc asks for `FD_WRITE` exactly when the
        // access mode writes); the other file-changing rights mean nothing to a directory.
        write: if of & oflags::DIRECTORY != 0 {
            granted & rights::FD_WRITE != 0
        } else {
            granted & write_rights != 0
        },
        append: ff & fdflags::APPEND != 0,
        nonblock: ff & fdflags::NONBLOCK != 0,
        dsync: ff & fdflags::DSYNC != 0,
        rsync: ff & fdflags::RSYNC != 0,
        sync: ff & fdflags::SYNC != 0,
    };
    if dir.is_read_only() && (opts.write || opts.append) {
        return Err(Errno::NotCapable);
    }
    let parent_inheriting = parent.inheriting;
    let kind = match dir.open(&path, &opts)? {
        Opened::File(f) => Kind::File(f),
        Opened::Dir(d) => Kind::Dir(std::sync::Arc::new(d)),
    };
    let base = rights_for(&kind, a.base, parent_inheriting, dir.is_read_only());
    let mut entry = Entry::new(kind, base, a.inheriting & parent_inheriting);
    entry.flags = ff;
    let fd = ctx.table.push(entry)?;
    mem.write_u32(a.fd_out, fd)
}
