//! [`Dir`]: a granted directory. Every path is resolved by `cap-std`, beneath the directory.

use std::io;
use std::path::Path;

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, OpenOptionsSyncExt};

use super::error::{ErrorCode, Result};
use super::file::File;
use super::stat::{FileStat, FileType, Timestamp};

/// A directory the guest may use, and everything beneath it — nothing else.
///
/// Paths are relative to the directory; `cap-std` refuses any that would resolve outside
/// it (`..` past the top, absolute paths, symlinks pointing out). A read-only `Dir`
/// additionally refuses every operation that would change the file system.
#[derive(Debug)]
pub struct Dir {
    dir: cap_std::fs::Dir,
    read_only: bool,
}

/// How to open a path with [`Dir::open`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Follow a symlink in the last component.
    pub follow: bool,
    /// Create a regular file if the path names nothing.
    pub create: bool,
    /// With `create`: fail if the path exists.
    pub exclusive: bool,
    /// Truncate an existing regular file to zero length.
    pub truncate: bool,
    /// Fail unless the path names a directory.
    pub directory: bool,
    /// Open for reading.
    pub read: bool,
    /// Open for writing.
    pub write: bool,
    /// Every write appends.
    pub append: bool,
    /// Non-blocking mode.
    pub nonblock: bool,
    /// Synchronized data writes (`O_DSYNC`).
    pub dsync: bool,
    /// Synchronized reads (`O_RSYNC`).
    pub rsync: bool,
    /// Synchronized writes (`O_SYNC`).
    pub sync: bool,
}

/// What [`Dir::open`] opened.
#[derive(Debug)]
pub enum Opened {
    File(File),
    Dir(Dir),
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name as raw bytes.
    pub name: Vec<u8>,
    pub ino: u64,
    pub filetype: FileType,
}

fn path(p: &str) -> Result<&Path> {
    if p.contains('\0') {
        return Err(ErrorCode::IllegalByteSequence);
    }
    Ok(Path::new(p))
}

impl Dir {
    /// Opens the host directory `host_path` as a grant.
    ///
    /// # Errors
    /// If the directory cannot be opened.
    pub fn open_ambient(host_path: impl AsRef<Path>, read_only: bool) -> io::Result<Dir> {
        let dir = cap_std::fs::Dir::open_ambient_dir(host_path, cap_std::ambient_authority())?;
        Ok(Dir { dir, read_only })
    }

    /// Wraps an already opened `cap-std` directory.
    pub fn from_cap_std(dir: cap_std::fs::Dir, read_only: bool) -> Dir {
        Dir { dir, read_only }
    }

    /// Whether this grant refuses every change to the file system.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The underlying `cap-std` directory.
    pub fn as_cap_std(&self) -> &cap_std::fs::Dir {
        &self.dir
    }

    fn writable(&self) -> Result<()> {
        if self.read_only {
            Err(ErrorCode::NotPermitted)
        } else {
            Ok(())
        }
    }

    /// Opens a file or directory beneath this one. Opened objects inherit read-only-ness.
    ///
    /// # Errors
    /// `NotPermitted` for a create, truncate or write on a read-only grant; `NotCapable` for
    /// a path leading outside; otherwise the host's error.
    pub fn open(&self, p: &str, opts: &OpenOptions) -> Result<Opened> {
        let p = path(p)?;
        if self.read_only && (opts.create || opts.truncate || opts.write || opts.append) {
            return Err(ErrorCode::NotPermitted);
        }
        if opts.directory {
            if opts.create {
                return Err(ErrorCode::Invalid);
            }
            if opts.truncate || opts.write || opts.append {
                return Err(ErrorCode::IsDirectory);
            }
            let dir = if opts.follow { self.dir.open_dir(p)? } else { self.dir.open_dir_nofollow(p)? };
            return Ok(Opened::Dir(Dir { dir, read_only: self.read_only }));
        }
        let write = opts.write || opts.append || opts.truncate;
        let options = |read: bool, write: bool, create: bool| {
            let mut o = cap_std::fs::OpenOptions::new();
            // POSIX truncates an O_APPEND|O_TRUNC open; the host's open options refuse the
            // pair, so an appending open is truncated after it is made (below).
            o.read(read)
                .write(write)
                .append(opts.append)
                .truncate(opts.truncate && !opts.append)
                .create(create && !opts.exclusive)
                .create_new(create && opts.exclusive);
            o.follow(if opts.follow { FollowSymlinks::Yes } else { FollowSymlinks::No });
            o.maybe_dir(true);
            o.nonblock(opts.nonblock).dsync(opts.dsync).rsync(opts.rsync).sync(opts.sync);
            o
        };
        let file = if opts.create && !write {
            // POSIX allows `O_CREAT` without write access, the host's open options do not:
            // open an existing file for reading only, and create a missing one with write
            // access (the descriptor's rights still keep the guest from writing).
            let existing =
                if opts.exclusive { None } else { Some(self.dir.open_with(p, &options(true, false, false))) };
            match existing {
                Some(Ok(file)) => file,
                Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => self.dir.open_with(p, &options(true, true, true))?,
            }
        } else {
            self.dir.open_with(p, &options(opts.read || !write, write, opts.create))?
        };
        if file.metadata()?.is_dir() {
            if opts.create {
                return Err(ErrorCode::IsDirectory);
            }
            let dir = cap_std::fs::Dir::from_std_file(file.into_std());
            return Ok(Opened::Dir(Dir { dir, read_only: self.read_only }));
        }
        if opts.truncate && opts.append {
            file.set_len(0)?;
        }
        Ok(Opened::File(File::new(file.into_std(), self.read_only)))
    }

    /// Creates a directory.
    ///
    /// # Errors
    /// `NotPermitted` on a read-only grant, or the host's error.
    pub fn create_dir(&self, p: &str) -> Result<()> {
        self.writable()?;
        Ok(self.dir.create_dir(path(p)?)?)
    }

    /// Removes an empty directory.
    ///
    /// # Errors
    /// `NotPermitted` on a read-only grant, or the host's error (`NotEmpty`...).
    pub fn remove_dir(&self, p: &str) -> Result<()> {
        self.writable()?;
        Ok(self.dir.remove_dir(path(p)?)?)
    }

    /// Removes a file or symlink (not a directory).
    ///
    /// # Errors
    /// `NotPermitted` on a read-only grant, `IsDirectory` for a directory, or the host's error.
    pub fn remove_file(&self, p: &str) -> Result<()> {
        self.writable()?;
        let p = path(p)?;
        match self.dir.symlink_metadata(p) {
            Ok(md) if md.is_dir() => return Err(ErrorCode::IsDirectory),
            _ => {}
        }
        Ok(self.dir.remove_file_or_symlink(p)?)
    }

    /// Renames `from` (beneath `self`) to `to` (beneath `to_dir`).
    ///
    /// # Errors
    /// `NotPermitted` if either grant is read-only, or the host's error.
    pub fn rename(&self, from: &str, to_dir: &Dir, to: &str) -> Result<()> {
        self.writable()?;
        to_dir.writable()?;
        Ok(self.dir.rename(path(from)?, &to_dir.dir, path(to)?)?)
    }

    /// Creates a hard link `to` (beneath `to_dir`) to `from` (beneath `self`). Symlinks in
    /// the last component of `from` are not followed.
    ///
    /// # Errors
    /// `NotPermitted` if either grant is read-only (a new name for a file of a read-only
    /// grant would make it writable), or the host's error.
    pub fn hard_link(&self, from: &str, to_dir: &Dir, to: &str) -> Result<()> {
        self.writable()?;
        to_dir.writable()?;
        Ok(self.dir.hard_link(path(from)?, &to_dir.dir, path(to)?)?)
    }

    /// Creates a symlink at `link` whose contents are `target`.
    ///
    /// # Errors
    /// `NotPermitted` on a read-only grant; `NotCapable` for an absolute target; or the
    /// host's error.
    pub fn symlink(&self, target: &str, link: &str) -> Result<()> {
        self.writable()?;
        Ok(self.dir.symlink(path(target)?, path(link)?)?)
    }

    /// The contents of a symlink.
    ///
    /// # Errors
    /// The host's error (`Invalid` if the path is not a symlink).
    pub fn read_link(&self, p: &str) -> Result<Vec<u8>> {
        let target = self.dir.read_link_contents(path(p)?)?;
        Ok(os_bytes(target.into_os_string()))
    }

    /// The attributes of a path, following a final symlink if `follow`.
    ///
    /// # Errors
    /// The host's error.
    pub fn stat(&self, p: &str, follow: bool) -> Result<FileStat> {
        let p = path(p)?;
        let md = if follow { self.dir.metadata(p)? } else { self.dir.symlink_metadata(p)? };
        Ok(FileStat::from_metadata(&md))
    }

    /// The attributes of this directory itself.
    ///
    /// # Errors
    /// The host's error.
    pub fn dir_stat(&self) -> Result<FileStat> {
        Ok(FileStat::from_metadata(&self.dir.dir_metadata()?))
    }

    /// Sets a path's access and modification times.
    ///
    /// # Errors
    /// `NotPermitted` on a read-only grant, or the host's error.
    pub fn set_times(&self, p: &str, follow: bool, atim: Timestamp, mtim: Timestamp) -> Result<()> {
        self.writable()?;
        let p = path(p)?;
        let (a, m) = (atim.to_cap_spec(), mtim.to_cap_spec());
        if follow {
            Ok(self.dir.set_times(p, a, m)?)
        } else {
            Ok(self.dir.set_symlink_times(p, a, m)?)
        }
    }

    /// Sets this directory's own access and modification times.
    ///
    /// # Errors
    /// `NotPermitted` on a read-only grant, or the host's error.
    pub fn set_dir_times(&self, atim: Timestamp, mtim: Timestamp) -> Result<()> {
        self.writable()?;
        Ok(self.std_file()?.set_times(Timestamp::file_times(atim, mtim))?)
    }

    /// Flushes the directory to storage.
    ///
    /// # Errors
    /// The host's error.
    pub fn sync(&self) -> Result<()> {
        Ok(self.std_file()?.sync_all()?)
    }

    fn std_file(&self) -> io::Result<std::fs::File> {
        Ok(self.dir.try_clone()?.into_std_file())
    }

    /// The directory's entries, `.` and `..` first, then the rest in host order.
    ///
    /// # Errors
    /// The host's error.
    pub fn entries(&self) -> Result<Vec<DirEntry>> {
        let own = self.dir_stat()?;
        let mut out = vec![
            DirEntry { name: b".".to_vec(), ino: own.ino, filetype: FileType::Directory },
            DirEntry { name: b"..".to_vec(), ino: 0, filetype: FileType::Directory },
        ];
        for entry in self.dir.entries()? {
            let entry = entry?;
            let filetype = entry.file_type().map(FileType::from_cap).unwrap_or(FileType::Unknown);
            #[cfg(unix)]
            let ino = std::os::unix::fs::DirEntryExt::ino(&entry);
            #[cfg(not(unix))]
            let ino = 0;
            out.push(DirEntry { name: os_bytes(entry.file_name()), ino, filetype });
        }
        Ok(out)
    }

    /// A second handle to the same directory and grant.
    ///
    /// # Errors
    /// The host's error.
    pub fn try_clone(&self) -> Result<Dir> {
        Ok(Dir { dir: self.dir.try_clone()?, read_only: self.read_only })
    }
}

#[cfg(unix)]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    std::os::unix::ffi::OsStringExt::into_vec(s)
}

#[cfg(not(unix))]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}
