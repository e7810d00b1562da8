//! `wasi:filesystem`: descriptors over the sandbox (`crate::sandbox`, which resolves every
//! path with `cap-std` beneath a granted directory) and the preopens.
//!
//! Permissions follow preview 1's grant model: a preopen is readable, and may be changed
//! unless it was granted read-only; what is opened beneath it inherits that. A descriptor
//! also remembers what it was opened for: writing through a descriptor opened for reading
//! is `bad-descriptor`, any change beneath a read-only grant is `not-permitted`, and so is
//! a path that leads outside its grant (`..` past the top, an absolute path, a symlink
//! pointing out).

use std::hash::BuildHasher;
use std::sync::Arc;

use tessera_component::{Linker, Result, Val};

use super::streams::{InStream, OutStream, MAX_CHUNK};
use super::table::{res, Entry, Full};
use super::{enum_case, field, none, own, record, some, trap, unit, Args, Getter, HostResult, Iface};
use crate::ctx::WasiCtx;
use crate::sandbox::{
    Advice, Dir, DirEntry, ErrorCode, File, FileStat, FileType, OpenOptions, Opened, Timestamp,
};

/// What a descriptor refers to.
pub(crate) enum DescKind {
    File(Arc<File>),
    Dir(Arc<Dir>),
}

/// An open file or directory, and what it may be used for.
pub(crate) struct Descriptor {
    kind: DescKind,
    read: bool,
    write: bool,
    /// Entries beneath a directory may be created, changed and removed.
    mutate: bool,
    /// Whether it holds a host descriptor of its own (preopens share the grant's).
    pub own_fd: bool,
}

/// The rest of a directory listing being read.
pub(crate) struct DirEntries(std::vec::IntoIter<DirEntry>);

impl Descriptor {
    fn file(&self) -> Result<&Arc<File>, ErrorCode> {
        match &self.kind {
            DescKind::File(f) => Ok(f),
            DescKind::Dir(_) => Err(ErrorCode::IsDirectory),
        }
    }

    /// The file, if it was opened for reading.
    fn readable(&self) -> Result<&Arc<File>, ErrorCode> {
        let f = self.file()?;
        if self.read {
            Ok(f)
        } else {
            Err(ErrorCode::BadDescriptor)
        }
    }

    /// The file, if it was opened for writing.
    fn writable(&self) -> Result<&Arc<File>, ErrorCode> {
        let f = self.file()?;
        if self.write {
            Ok(f)
        } else {
            Err(ErrorCode::BadDescriptor)
        }
    }

    fn dir(&self) -> Result<&Arc<Dir>, ErrorCode> {
        match &self.kind {
            DescKind::Dir(d) => Ok(d),
            DescKind::File(_) => Err(ErrorCode::NotDirectory),
        }
    }

    /// The directory, if entries beneath it may change.
    fn mutable_dir(&self) -> Result<&Arc<Dir>, ErrorCode> {
        let d = self.dir()?;
        if self.mutate {
            Ok(d)
        } else {
            Err(ErrorCode::NotPermitted)
        }
    }

    fn stat(&self) -> Result<FileStat, ErrorCode> {
        match &self.kind {
            DescKind::File(f) => f.stat(),
            DescKind::Dir(d) => d.dir_stat(),
        }
    }
}

/// The `wasi:filesystem/types.error-code` case for a sandbox error. Codes the interface
/// lacks map to their nearest case; a path leading outside its grant is `not-permitted`.
pub(crate) fn error_name(c: ErrorCode) -> &'static str {
    use ErrorCode as E;
    match c {
        E::Access => "access",
        E::WouldBlock => "would-block",
        E::Already => "already",
        E::BadDescriptor => "bad-descriptor",
        E::Busy => "busy",
        E::Deadlock => "deadlock",
        E::Quota => "quota",
        E::Exist => "exist",
        E::FileTooLarge => "file-too-large",
        E::IllegalByteSequence => "illegal-byte-sequence",
        E::InProgress => "in-progress",
        E::Interrupted => "interrupted",
        E::Invalid | E::Fault => "invalid",
        E::IsDirectory => "is-directory",
        E::Loop => "loop",
        E::TooManyLinks => "too-many-links",
        E::MessageSize => "message-size",
        E::NameTooLong => "name-too-long",
        E::NoDevice => "no-device",
        E::NoEntry => "no-entry",
        E::NoLock => "no-lock",
        E::InsufficientMemory | E::TooManyDescriptors => "insufficient-memory",
        E::InsufficientSpace => "insufficient-space",
        E::NotDirectory => "not-directory",
        E::NotEmpty => "not-empty",
        E::NotRecoverable => "not-recoverable",
        E::Unsupported | E::NoSys => "unsupported",
        E::NoTty => "no-tty",
        E::NoSuchDevice => "no-such-device",
        E::Overflow => "overflow",
        E::NotPermitted | E::NotCapable => "not-permitted",
        E::Pipe => "pipe",
        E::ReadOnly => "read-only",
        E::InvalidSeek => "invalid-seek",
        E::TextFileBusy => "text-file-busy",
        E::CrossDevice => "cross-device",
        _ => "io",
    }
}

fn type_name(t: Option<FileType>) -> &'static str {
    match t {
        Some(FileType::BlockDevice) => "block-device",
        Some(FileType::CharacterDevice) => "character-device",
        Some(FileType::Directory) => "directory",
        Some(FileType::RegularFile) => "regular-file",
        Some(FileType::SocketDgram | FileType::SocketStream) => "socket",
        Some(FileType::SymbolicLink) => "symbolic-link",
        Some(FileType::Unknown) | None => "unknown",
    }
}

fn datetime(ns: u64) -> Val {
    record(vec![
        ("seconds", Val::U64(ns / 1_000_000_000)),
        ("nanoseconds", Val::U32((ns % 1_000_000_000) as u32)),
    ])
}

fn stat_val(st: &FileStat) -> Val {
    record(vec![
        ("type", enum_case(type_name(st.filetype))),
        ("link-count", Val::U64(st.nlink)),
        ("size", Val::U64(st.size)),
        ("data-access-timestamp", some(datetime(st.atim))),
        ("data-modification-timestamp", some(datetime(st.mtim))),
        ("status-change-timestamp", some(datetime(st.ctim))),
    ])
}

fn has(flags: &[String], name: &str) -> bool {
    flags.iter().any(|f| f == name)
}

/// A `new-timestamp` argument.
fn timestamp(a: &Args<'_>, i: usize) -> HostResult<Timestamp> {
    match a.variant(i)? {
        ("no-change", _) => Ok(Timestamp::Keep),
        ("now", _) => Ok(Timestamp::Now),
        ("timestamp", Some(dt)) => {
            let secs = match field(dt, "seconds")? {
                Val::U64(s) => *s,
                _ => return Err(trap("datetime.seconds: expected a u64")),
            };
            let nanos = match field(dt, "nanoseconds")? {
                Val::U32(n) => u64::from(*n),
                _ => return Err(trap("datetime.nanoseconds: expected a u32")),
            };
            let ns = secs.checked_mul(1_000_000_000).and_then(|s| s.checked_add(nanos));
            Ok(Timestamp::At(ns.ok_or(ErrorCode::Overflow)?))
        }
        (other, _) => Err(trap(format!("unknown new-timestamp case `{other}`"))),
    }
}

fn follow(a: &Args<'_>, i: usize) -> HostResult<bool> {
    Ok(has(a.flags(i)?, "symlink-follow"))
}

fn utf8(bytes: Vec<u8>) -> HostResult<String> {
    String::from_utf8(bytes).map_err(|_| ErrorCode::IllegalByteSequence.into())
}

fn desc<'c>(ctx: &'c WasiCtx, a: &Args<'_>, i: usize) -> HostResult<&'c Descriptor> {
    ctx.p2.table.descriptor(a.rep(i)?)
}

/// Adds a new resource holding a host descriptor: `insufficient-memory` (what preview 1
/// calls `EMFILE`) past the limit of open files.
fn push_descriptor(ctx: &mut WasiCtx, d: Descriptor) -> HostResult<u32> {
    match ctx.p2.table.try_push(Entry::Descriptor(d)) {
        Ok(rep) => Ok(rep),
        Err(Full::HostFds) => Err(ErrorCode::TooManyDescriptors.into()),
        Err(Full::Entries) => Err(trap("too many WASI resources held at once")),
    }
}

fn push_stream(ctx: &mut WasiCtx, e: Entry) -> HostResult<Val> {
    let input = matches!(e, Entry::Input(_));
    let rep = ctx.p2.table.push(e)?;
    Ok(if input { own::<res::InputStream>(rep) } else { own::<res::OutputStream>(rep) })
}

fn open_at(ctx: &mut WasiCtx, a: &Args<'_>) -> HostResult<Val> {
    let parent = desc(ctx, a, 0)?;
    let (follow, path, oflags, dflags) = (follow(a, 1)?, a.str(2)?, a.flags(3)?, a.flags(4)?);
    let dir = parent.dir()?.clone();
    let write = has(dflags, "write");
    let changes =
        has(oflags, "create") || has(oflags, "truncate") || write || has(dflags, "mutate-directory");
    if changes && !parent.mutate {
        return Err(ErrorCode::NotPermitted.into());
    }
    let parent_mutate = parent.mutate;
    let opts = OpenOptions {
        follow,
        create: has(oflags, "create"),
        exclusive: has(oflags, "exclusive"),
        truncate: has(oflags, "truncate"),
        directory: has(oflags, "directory"),
        read: has(dflags, "read"),
        write,
        append: false,
        nonblock: false,
        dsync: has(dflags, "data-integrity-sync"),
        rsync: has(dflags, "requested-write-sync"),
        sync: has(dflags, "file-integrity-sync"),
    };
    let d = match dir.open(path, &opts)? {
        Opened::File(f) => Descriptor {
            kind: DescKind::File(Arc::new(f)),
            read: opts.read || !write,
            write,
            mutate: false,
            own_fd: true,
        },
        Opened::Dir(d) => {
            let mutate = parent_mutate && !d.is_read_only();
            Descriptor { kind: DescKind::Dir(Arc::new(d)), read: true, write: false, mutate, own_fd: true }
        }
    };
    Ok(own::<res::Descriptor>(push_descriptor(ctx, d)?))
}

/// A keyed hash of the file's identity (device and inode), so that guests can tell files
/// apart without learning host inode numbers.
fn metadata_hash(ctx: &WasiCtx, st: &FileStat) -> Val {
    let hash = |salt: u8| ctx.p2.hash_keys.hash_one((salt, st.dev, st.ino));
    record(vec![("lower", Val::U64(hash(0))), ("upper", Val::U64(hash(1)))])
}

/// The two directories of a two-path operation (`rename-at`, `link-at`), each allowed to
/// change.
fn two_dirs(ctx: &WasiCtx, a: &Args<'_>, first: usize, second: usize) -> HostResult<(Arc<Dir>, Arc<Dir>)> {
    let from = desc(ctx, a, first)?.mutable_dir()?.clone();
    let to = desc(ctx, a, second)?.mutable_dir()?.clone();
    Ok((from, to))
}

pub(crate) fn add<T: 'static>(linker: &mut Linker<T>, get: Getter<T>) -> Result<()> {
    let mut i = Iface::new(linker, "filesystem/types", get)?;
    i.resource::<res::InputStream>("input-stream")?;
    i.resource::<res::OutputStream>("output-stream")?;
    i.resource::<res::Error>("error")?;
    i.resource::<res::Descriptor>("descriptor")?;
    i.resource::<res::DirectoryEntryStream>("directory-entry-stream")?;

    i.func_result("[method]descriptor.read-via-stream", |ctx, a| {
        let file = desc(ctx, a, 0)?.readable()?.clone();
        push_stream(ctx, Entry::Input(InStream::File { file, pos: a.u64(1)? }))
    })?;
    i.func_result("[method]descriptor.write-via-stream", |ctx, a| {
        let file = desc(ctx, a, 0)?.writable()?.clone();
        push_stream(ctx, Entry::Output(OutStream::File { file, pos: a.u64(1)? }))
    })?;
    i.func_result("[method]descriptor.append-via-stream", |ctx, a| {
        let file = desc(ctx, a, 0)?.writable()?.clone();
        push_stream(ctx, Entry::Output(OutStream::Append(file)))
    })?;
    i.func_result("[method]descriptor.advise", |ctx, a| {
        let advice = match a.enum_case(3)? {
            "normal" => Advice::Normal,
            "sequential" => Advice::Sequential,
            "random" => Advice::Random,
            "will-need" => Advice::WillNeed,
            "dont-need" => Advice::DontNeed,
            "no-reuse" => Advice::NoReuse,
            other => return Err(trap(format!("unknown advice `{other}`"))),
        };
        desc(ctx, a, 0)?.file()?.advise(a.u64(1)?, a.u64(2)?, advice)?;
        Ok(unit())
    })?;
    i.func_result("[method]descriptor.sync-data", |ctx, a| {
        match &desc(ctx, a, 0)?.kind {
            DescKind::File(f) => f.sync_data()?,
            DescKind::Dir(d) => d.sync()?,
        }
        Ok(unit())
    })?;
    i.func_result("[method]descriptor.sync", |ctx, a| {
        match &desc(ctx, a, 0)?.kind {
            DescKind::File(f) => f.sync_all()?,
            DescKind::Dir(d) => d.sync()?,
        }
        Ok(unit())
    })?;
    i.func_result("[method]descriptor.get-flags", |ctx, a| {
        let d = desc(ctx, a, 0)?;
        let mut flags = Vec::new();
        for (set, name) in [(d.read, "read"), (d.write, "write"), (d.mutate, "mutate-directory")] {
            if set {
                flags.push(name.to_string());
            }
        }
        Ok(Val::Flags(flags))
    })?;
    i.func_result("[method]descriptor.get-type", |ctx, a| {
        let t = match &desc(ctx, a, 0)?.kind {
            DescKind::File(f) => f.stat()?.filetype.or(Some(FileType::RegularFile)),
            DescKind::Dir(_) => Some(FileType::Directory),
        };
        Ok(enum_case(type_name(t)))
    })?;
    i.func_result("[method]descriptor.set-size", |ctx, a| {
        let d = desc(ctx, a, 0)?;
        if !d.write {
            return Err(ErrorCode::NotPermitted.into());
        }
        d.file()?.set_len(a.u64(1)?)?;
        Ok(unit())
    })?;
    i.func_result("[method]descriptor.set-times", |ctx, a| {
        let (atim, mtim) = (timestamp(a, 1)?, timestamp(a, 2)?);
        let d = desc(ctx, a, 0)?;
        match &d.kind {
            DescKind::File(f) if d.write => f.set_times(atim, mtim)?,
            DescKind::Dir(dir) if d.mutate => dir.set_dir_times(atim, mtim)?,
            _ => return Err(ErrorCode::NotPermitted.into()),
        }
        Ok(unit())
    })?;
    i.func_result("[method]descriptor.read", |ctx, a| {
        let f = desc(ctx, a, 0)?.readable()?;
        let want = usize::try_from(a.u64(1)?).unwrap_or(MAX_CHUNK).min(MAX_CHUNK);
        let mut buf = vec![0u8; want];
        let n = f.read_at(&mut buf, a.u64(2)?)?;
        buf.truncate(n);
        Ok(Val::Tuple(vec![super::bytes(&buf), Val::Bool(want > 0 && n < want)]))
    })?;
    i.func_result("[method]descriptor.write", |ctx, a| {
        let data = a.bytes(1)?;
        let n = desc(ctx, a, 0)?.writable()?.write_at(&data, a.u64(2)?)?;
        Ok(Val::U64(n as u64))
    })?;
    i.func_result("[method]descriptor.read-directory", |ctx, a| {
        let entries = desc(ctx, a, 0)?.dir()?.entries()?;
        let rest: Vec<DirEntry> = entries.into_iter().filter(|e| e.name != b"." && e.name != b"..").collect();
        let rep = ctx.p2.table.push(Entry::DirEntries(DirEntries(rest.into_iter())))?;
        Ok(own::<res::DirectoryEntryStream>(rep))
    })?;
    i.func_result("[method]descriptor.create-directory-at", |ctx, a| {
        desc(ctx, a, 0)?.mutable_dir()?.create_dir(a.str(1)?)?;
        Ok(unit())
    })?;
    i.func_result("[method]descriptor.stat", |ctx, a| Ok(stat_val(&desc(ctx, a, 0)?.stat()?)))?;
    i.func_result("[method]descriptor.stat-at", |ctx, a| {
        let st = desc(ctx, a, 0)?.dir()?.stat(a.str(2)?, follow(a, 1)?)?;
        Ok(stat_val(&st))
    })?;
    i.func_result("[method]descriptor.set-times-at", |ctx, a| {
        let (atim, mtim) = (timestamp(a, 3)?, timestamp(a, 4)?);
        desc(ctx, a, 0)?.mutable_dir()?.set_times(a.str(2)?, follow(a, 1)?, atim, mtim)?;
        Ok(unit())
    })?;
    i.func_result("[method]descriptor.link-at", |ctx, a| {
        // Following a symlink at the source is not offered by `cap-std` (as in preview 1).
        if follow(a, 1)? {
            return Err(ErrorCode::Invalid.into());
        }
        let (from, to) = two_dirs(ctx, a, 0, 3)?;
        from.hard_link(a.str(2)?, &to, a.str(4)?)?;
        Ok(unit())
    })?;
    i.func_result("[method]descriptor.open-at", open_at)?;
    i.func_result("[method]descriptor.readlink-at", |ctx, a| {
        let target = desc(ctx, a, 0)?.dir()?.read_link(a.str(1)?)?;
        Ok(Val::String(utf8(target)?))
    })?;
    i.func_result("[method]descriptor.remove-directory-at", |ctx, a| {
        desc(ctx, a, 0)?.mutable_dir()?.remove_dir(a.str(1)?)?;
        Ok(unit())
    })?;
    i.func_result("[method]descriptor.rename-at", |ctx, a| {
        let (from, to) = two_dirs(ctx, a, 0, 2)?;
        from.rename(a.str(1)?, &to, a.str(3)?)?;
        Ok(unit())
    })?;
    i.func_result("[method]descriptor.symlink-at", |ctx, a| {
        desc(ctx, a, 0)?.mutable_dir()?.symlink(a.str(1)?, a.str(2)?)?;
        Ok(unit())
    })?;
    i.func_result("[method]descriptor.unlink-file-at", |ctx, a| {
        desc(ctx, a, 0)?.mutable_dir()?.remove_file(a.str(1)?)?;
        Ok(unit())
    })?;
    i.func("[method]descriptor.is-same-object", |ctx, a| {
        let (x, y) = (desc(ctx, a, 0)?.stat(), desc(ctx, a, 1)?.stat());
        Ok(Val::Bool(matches!((x, y), (Ok(x), Ok(y)) if x.dev == y.dev && x.ino == y.ino)))
    })?;
    i.func_result("[method]descriptor.metadata-hash", |ctx, a| {
        let st = desc(ctx, a, 0)?.stat()?;
        Ok(metadata_hash(ctx, &st))
    })?;
    i.func_result("[method]descriptor.metadata-hash-at", |ctx, a| {
        let st = desc(ctx, a, 0)?.dir()?.stat(a.str(2)?, follow(a, 1)?)?;
        Ok(metadata_hash(ctx, &st))
    })?;
    i.func_result("[method]directory-entry-stream.read-directory-entry", |ctx, a| {
        let Some(e) = ctx.p2.table.dir_entries_mut(a.rep(0)?)?.0.next() else { return Ok(none()) };
        let name = utf8(e.name)?;
        Ok(some(record(vec![("type", enum_case(type_name(Some(e.filetype)))), ("name", Val::String(name))])))
    })?;
    i.func("filesystem-error-code", |ctx, a| {
        let code = ctx.p2.table.error(a.rep(0)?)?.fs;
        Ok(code.map_or_else(none, |c| some(enum_case(error_name(c)))))
    })?;

    let mut i = Iface::new(linker, "filesystem/preopens", get)?;
    i.resource::<res::Descriptor>("descriptor")?;
    i.func("get-directories", |ctx, _| {
        let grants: Vec<(Arc<Dir>, String)> = ctx.preopens.clone();
        let mut out = Vec::with_capacity(grants.len());
        for (dir, name) in grants {
            let mutate = !dir.is_read_only();
            let d = Descriptor { kind: DescKind::Dir(dir), read: true, write: false, mutate, own_fd: false };
            let rep = ctx.p2.table.push(Entry::Descriptor(d))?;
            out.push(Val::Tuple(vec![own::<res::Descriptor>(rep), Val::String(name)]));
        }
        Ok(Val::List(out))
    })?;
    Ok(())
}
