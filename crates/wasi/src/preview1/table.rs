//! The descriptor table: what each guest `fd` refers to, and its rights.

use std::collections::BTreeMap;

use super::types::{rights, Errno, WasiResult};
use crate::sandbox::{Dir, DirEntry, File, FileType};
use crate::stdio::{InputStream, OutputStream};

/// Most descriptors a guest may hold at once.
const MAX_FDS: usize = 1 << 16;

/// What a descriptor refers to.
pub(crate) enum Kind {
    Stdin(InputStream),
    Stdout(OutputStream),
    File(File),
    Dir(Dir),
    TcpListener(std::net::TcpListener),
    TcpStream(std::net::TcpStream),
}

impl Kind {
    pub fn filetype(&self) -> Option<FileType> {
        match self {
            Kind::Stdin(s) if s.is_terminal() => Some(FileType::CharacterDevice),
            Kind::Stdout(s) if s.is_terminal() => Some(FileType::CharacterDevice),
            Kind::Stdin(_) | Kind::Stdout(_) => None,
            Kind::File(f) => f.stat().ok().and_then(|s| s.filetype).or(Some(FileType::RegularFile)),
            Kind::Dir(_) => Some(FileType::Directory),
            Kind::TcpListener(_) | Kind::TcpStream(_) => Some(FileType::SocketStream),
        }
    }
}

/// One open descriptor.
pub(crate) struct Entry {
    pub kind: Kind,
    pub base: u64,
    pub inheriting: u64,
    pub flags: u16,
    /// For a preopened directory: the name the guest sees it under.
    pub preopen: Option<String>,
    /// Directory listing cached by `fd_readdir` between calls (refreshed at cookie 0).
    pub dir_cache: Option<Vec<DirEntry>>,
}

impl Entry {
    pub fn new(kind: Kind, base: u64, inheriting: u64) -> Entry {
        Entry { kind, base, inheriting, flags: 0, preopen: None, dir_cache: None }
    }

    /// Fails with `ENOTCAPABLE` unless the descriptor has every right in `needed`.
    pub fn need(&self, needed: u64) -> WasiResult {
        if self.base & needed == needed {
            Ok(())
        } else {
            Err(Errno::NotCapable)
        }
    }

    /// The directory, checking `needed` rights; `ENOTDIR` for other kinds.
    pub fn dir(&self, needed: u64) -> WasiResult<&Dir> {
        match &self.kind {
            Kind::Dir(d) => {
                self.need(needed)?;
                Ok(d)
            }
            _ => Err(Errno::NotDir),
        }
    }
}

/// A guest's descriptors.
#[derive(Default)]
pub(crate) struct Table {
    entries: BTreeMap<u32, Entry>,
}

impl Table {
    pub fn get(&self, fd: u32) -> WasiResult<&Entry> {
        self.entries.get(&fd).ok_or(Errno::Badf)
    }

    pub fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Entry> {
        self.entries.get_mut(&fd).ok_or(Errno::Badf)
    }

    /// Adds an entry under the lowest free number.
    pub fn push(&mut self, entry: Entry) -> WasiResult<u32> {
        if self.entries.len() >= MAX_FDS {
            return Err(Errno::Mfile);
        }
        let mut fd = 0u32;
        for &k in self.entries.keys() {
            if k != fd {
                break;
            }
            fd += 1;
        }
        self.entries.insert(fd, entry);
        Ok(fd)
    }

    /// Puts an entry at a fixed number (for stdio), replacing any there.
    pub fn insert_at(&mut self, fd: u32, entry: Entry) {
        self.entries.insert(fd, entry);
    }

    pub fn remove(&mut self, fd: u32) -> WasiResult<Entry> {
        self.entries.remove(&fd).ok_or(Errno::Badf)
    }

    /// Moves `from` to `to`, closing what `to` held. Both must be open.
    pub fn renumber(&mut self, from: u32, to: u32) -> WasiResult {
        if !self.entries.contains_key(&to) {
            return Err(Errno::Badf);
        }
        let entry = self.remove(from)?;
        self.entries.insert(to, entry);
        Ok(())
    }
}

/// Rights for a newly opened object of `kind`, from what was asked, what the parent
/// directory may hand on, and whether it belongs to a read-only grant.
pub(crate) fn rights_for(kind: &Kind, requested: u64, parent_inheriting: u64, read_only: bool) -> u64 {
    let mask = match (kind, read_only) {
        (Kind::Dir(_), false) => rights::DIR_ALL,
        (Kind::Dir(_), true) => rights::DIR_READ_ONLY,
        (_, false) => rights::FILE_ALL,
        (_, true) => rights::FILE_READ_ONLY,
    };
    requested & parent_inheriting & mask
}
