//! The descriptor table: what each guest `fd` refers to, and its rights.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::types::{rights, Errno, WasiResult};
use crate::sandbox::{Dir, DirEntry, File, FileType};
use crate::stdio::{SharedInput, SharedOutput};

/// Most descriptors a guest may hold at once, unless the embedder chose otherwise
/// ([`crate::WasiCtxBuilder::max_open_files`]): the usual soft `RLIMIT_NOFILE`, since most
/// of them hold a host descriptor.
pub(crate) const DEFAULT_MAX_FDS: usize = 1024;

/// What a descriptor refers to.
pub(crate) enum Kind {
    Stdin(SharedInput),
    Stdout(SharedOutput),
    File(File),
    /// Shared with the context's list of grants (WASI 0.2 hands out the same directories).
    Dir(Arc<Dir>),
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
pub(crate) struct Table {
    entries: BTreeMap<u32, Entry>,
    /// Most entries at once (`EMFILE` beyond).
    max: usize,
    /// Every number below this one is in use: where the search for a free one starts.
    min_free: u32,
}

impl Default for Table {
    fn default() -> Table {
        Table::with_max(DEFAULT_MAX_FDS)
    }
}

impl Table {
    pub fn with_max(max: usize) -> Table {
        Table { entries: BTreeMap::new(), max, min_free: 0 }
    }

    /// Most descriptors the guest may hold at once.
    pub fn max_fds(&self) -> usize {
        self.max
    }

    pub fn get(&self, fd: u32) -> WasiResult<&Entry> {
        self.entries.get(&fd).ok_or(Errno::Badf)
    }

    pub fn get_mut(&mut self, fd: u32) -> WasiResult<&mut Entry> {
        self.entries.get_mut(&fd).ok_or(Errno::Badf)
    }

    /// Adds an entry under the lowest free number.
    pub fn push(&mut self, entry: Entry) -> WasiResult<u32> {
        if self.entries.len() >= self.max {
            return Err(Errno::Mfile);
        }
        // Skip the run of used numbers from `min_free` (below it, all are used).
        let mut fd = self.min_free;
        for &k in self.entries.range(self.min_free..).map(|(k, _)| k) {
            if k != fd {
                break;
            }
            fd = fd.checked_add(1).ok_or(Errno::Mfile)?;
        }
        self.entries.insert(fd, entry);
        self.min_free = fd.saturating_add(1);
        Ok(fd)
    }

    /// Puts an entry at a fixed number (for stdio), replacing any there.
    pub fn insert_at(&mut self, fd: u32, entry: Entry) {
        self.entries.insert(fd, entry);
    }

    pub fn remove(&mut self, fd: u32) -> WasiResult<Entry> {
        let entry = self.entries.remove(&fd).ok_or(Errno::Badf)?;
        self.min_free = self.min_free.min(fd);
        Ok(entry)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn stdin() -> Entry {
        Entry::new(Kind::Stdin(SharedInput::new(crate::stdio::InputStream::Empty)), 0, 0)
    }

    #[test]
    fn push_takes_the_lowest_free_number_and_stops_at_the_limit() {
        let mut t = Table::with_max(5);
        for want in 0..5 {
            assert_eq!(t.push(stdin()).ok(), Some(want));
        }
        assert!(matches!(t.push(stdin()), Err(Errno::Mfile)));
        t.remove(3).ok();
        t.remove(1).ok();
        assert_eq!(t.push(stdin()).ok(), Some(1));
        assert_eq!(t.push(stdin()).ok(), Some(3));
        t.renumber(4, 0).ok();
        assert_eq!(t.push(stdin()).ok(), Some(4));
        assert!(matches!(t.push(stdin()), Err(Errno::Mfile)));
        assert_eq!(Table::default().max_fds(), DEFAULT_MAX_FDS);
    }
}
