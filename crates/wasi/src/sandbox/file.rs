//! [`File`]: an open regular file (or other non-directory) of a granted directory.

use std::io::{Read, Seek, SeekFrom, Write};

use super::error::{ErrorCode, Result};
use super::stat::{FileStat, Timestamp};

/// An open file. One opened through a read-only grant refuses every change.
#[derive(Debug)]
pub struct File {
    file: std::fs::File,
    read_only: bool,
}

/// Access-pattern advice for [`File::advise`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Advice {
    Normal,
    Sequential,
    Random,
    WillNeed,
    DontNeed,
    NoReuse,
}

impl File {
    /// Wraps a host file. Only call this with files obtained through a grant.
    pub fn new(file: std::fs::File, read_only: bool) -> File {
        File { file, read_only }
    }

    /// Whether this file was opened through a read-only grant.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn writable(&self) -> Result<()> {
        if self.read_only {
            Err(ErrorCode::NotPermitted)
        } else {
            Ok(())
        }
    }

    /// Reads at the current position.
    ///
    /// # Errors
    /// The host's error.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        Ok(self.file.read(buf)?)
    }

    /// Writes all of `buf` at the current position (or the end, in append mode).
    ///
    /// # Errors
    /// `NotPermitted` through a read-only grant, or the host's error.
    pub fn write_all(&mut self, buf: &[u8]) -> Result<()> {
        self.writable()?;
        Ok(self.file.write_all(buf)?)
    }

    /// Writes some of `buf` at the current position (or the end, in append mode); how much.
    ///
    /// # Errors
    /// `NotPermitted` through a read-only grant, or the host's error.
    pub fn write(&mut self, buf: &[u8]) -> Result<usize> {
        self.writable()?;
        loop {
            match self.file.write(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => return Ok(r?),
            }
        }
    }

    /// Writes some of `buf` at `offset` without moving the position; how much.
    ///
    /// # Errors
    /// `NotPermitted` through a read-only grant, or the host's error.
    pub fn write_at(&self, buf: &[u8], offset: u64) -> Result<usize> {
        self.writable()?;
        loop {
            #[cfg(unix)]
            let r = std::os::unix::fs::FileExt::write_at(&self.file, buf, offset);
            #[cfg(not(unix))]
            let r = std::os::windows::fs::FileExt::seek_write(&self.file, buf, offset);
            match r {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => return Ok(r?),
            }
        }
    }

    /// Reads at `offset` without moving the position.
    ///
    /// # Errors
    /// The host's error.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        #[cfg(unix)]
        {
            Ok(std::os::unix::fs::FileExt::read_at(&self.file, buf, offset)?)
        }
        #[cfg(not(unix))]
        {
            Ok(std::os::windows::fs::FileExt::seek_read(&self.file, buf, offset)?)
        }
    }

    /// Writes all of `buf` at `offset` without moving the position.
    ///
    /// # Errors
    /// `NotPermitted` through a read-only grant, or the host's error.
    pub fn write_all_at(&self, buf: &[u8], offset: u64) -> Result<()> {
        self.writable()?;
        #[cfg(unix)]
        {
            Ok(std::os::unix::fs::FileExt::write_all_at(&self.file, buf, offset)?)
        }
        #[cfg(not(unix))]
        {
            let mut done = 0;
            while done < buf.len() {
                done += std::os::windows::fs::FileExt::seek_write(
                    &self.file,
                    &buf[done..],
                    offset + done as u64,
                )?;
            }
            Ok(())
        }
    }

    /// Writes all of `buf` at the current end of the file (for WASI 0.2's append streams,
    /// whose files are not opened in append mode).
    ///
    /// # Errors
    /// `NotPermitted` through a read-only grant, or the host's error.
    pub fn append(&self, buf: &[u8]) -> Result<()> {
        self.writable()?;
        let end = self.file.metadata()?.len();
        self.write_all_at(buf, end)
    }

    /// Moves the position; returns the new one.
    ///
    /// # Errors
    /// `Invalid` for a position before the start, or the host's error.
    pub fn seek(&mut self, pos: SeekFrom) -> Result<u64> {
        Ok(self.file.seek(pos)?)
    }

    /// The attributes of the open file.
    ///
    /// # Errors
    /// The host's error.
    pub fn stat(&self) -> Result<FileStat> {
        Ok(FileStat::from_metadata(&cap_std::fs::Metadata::from_file(&self.file)?))
    }

    /// Truncates or extends (with zeros) the file.
    ///
    /// # Errors
    /// `NotPermitted` through a read-only grant, or the host's error.
    pub fn set_len(&self, size: u64) -> Result<()> {
        self.writable()?;
        Ok(self.file.set_len(size)?)
    }

    /// Makes sure the file is at least `offset + len` bytes long.
    ///
    /// # Errors
    /// `NotPermitted` through a read-only grant, `FileTooLarge` on overflow, or the host's error.
    pub fn allocate(&self, offset: u64, len: u64) -> Result<()> {
        self.writable()?;
        let end = offset.checked_add(len).ok_or(ErrorCode::FileTooLarge)?;
        if end > i64::MAX as u64 {
            return Err(ErrorCode::FileTooLarge);
        }
        if self.file.metadata()?.len() < end {
            self.file.set_len(end)?;
        }
        Ok(())
    }

    /// Sets the access and modification times.
    ///
    /// # Errors
    /// `NotPermitted` through a read-only grant, or the host's error.
    pub fn set_times(&self, atim: Timestamp, mtim: Timestamp) -> Result<()> {
        self.writable()?;
        Ok(self.file.set_times(Timestamp::file_times(atim, mtim))?)
    }

    /// Flushes data and metadata to storage.
    ///
    /// # Errors
    /// The host's error.
    pub fn sync_all(&self) -> Result<()> {
        Ok(self.file.sync_all()?)
    }

    /// Flushes data to storage.
    ///
    /// # Errors
    /// The host's error.
    pub fn sync_data(&self) -> Result<()> {
        Ok(self.file.sync_data()?)
    }

    /// Passes access-pattern advice to the host (a no-op where unsupported).
    ///
    /// # Errors
    /// The host's error.
    pub fn advise(&self, offset: u64, len: u64, advice: Advice) -> Result<()> {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let adv = match advice {
                Advice::Normal => libc::POSIX_FADV_NORMAL,
                Advice::Sequential => libc::POSIX_FADV_SEQUENTIAL,
                Advice::Random => libc::POSIX_FADV_RANDOM,
                Advice::WillNeed => libc::POSIX_FADV_WILLNEED,
                Advice::DontNeed => libc::POSIX_FADV_DONTNEED,
                Advice::NoReuse => libc::POSIX_FADV_NOREUSE,
            };
            let offset = i64::try_from(offset).map_err(|_| ErrorCode::Invalid)?;
            let len = i64::try_from(len).map_err(|_| ErrorCode::Invalid)?;
            // SAFETY: plain syscall on a descriptor we own; no memory is passed.
            let rc = unsafe { libc::posix_fadvise(self.file.as_raw_fd(), offset, len, adv) };
            if rc != 0 {
                return Err(ErrorCode::from_io(&std::io::Error::from_raw_os_error(rc)));
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (offset, len, advice);
        Ok(())
    }

    /// Turns append mode and non-blocking mode on or off.
    ///
    /// # Errors
    /// `NotPermitted` for append through a read-only grant, or the host's error.
    pub fn set_flags(&self, append: bool, nonblock: bool) -> Result<()> {
        if append {
            self.writable()?;
        }
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            let fd = self.file.as_raw_fd();
            // SAFETY: fcntl on a descriptor we own, with integer arguments only.
            let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
            if flags < 0 {
                return Err(std::io::Error::last_os_error().into());
            }
            let mut new = flags & !(libc::O_APPEND | libc::O_NONBLOCK);
            if append {
                new |= libc::O_APPEND;
            }
            if nonblock {
                new |= libc::O_NONBLOCK;
            }
            // SAFETY: as above.
            if unsafe { libc::fcntl(fd, libc::F_SETFL, new) } < 0 {
                return Err(std::io::Error::last_os_error().into());
            }
            Ok(())
        }
        #[cfg(not(unix))]
        {
            let _ = (append, nonblock);
            Err(ErrorCode::Unsupported)
        }
    }

    /// The host file.
    pub fn as_std(&self) -> &std::fs::File {
        &self.file
    }
}
