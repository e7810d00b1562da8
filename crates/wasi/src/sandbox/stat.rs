//! File metadata in an ABI-neutral shape: [`FileType`], [`FileStat`], [`Timestamp`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What kind of object a descriptor or directory entry refers to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    Unknown,
    BlockDevice,
    CharacterDevice,
    Directory,
    RegularFile,
    SocketDgram,
    SocketStream,
    SymbolicLink,
}

impl FileType {
    /// The type described by a `cap-std` file type.
    pub fn from_cap(ft: cap_std::fs::FileType) -> FileType {
        use cap_fs_ext::FileTypeExt;
        if ft.is_dir() {
            FileType::Directory
        } else if ft.is_file() {
            FileType::RegularFile
        } else if ft.is_symlink() {
            FileType::SymbolicLink
        } else if ft.is_block_device() {
            FileType::BlockDevice
        } else if ft.is_char_device() {
            FileType::CharacterDevice
        } else if ft.is_socket() {
            FileType::SocketStream
        } else {
            FileType::Unknown
        }
    }
}

/// The attributes of a file, directory or link.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct FileStat {
    /// Device containing the file.
    pub dev: u64,
    /// File serial number within its device.
    pub ino: u64,
    pub filetype: Option<FileType>,
    /// Number of hard links.
    pub nlink: u64,
    /// Size in bytes (for a symlink, the length of its target).
    pub size: u64,
    /// Last access, in nanoseconds since the Unix epoch.
    pub atim: u64,
    /// Last modification, in nanoseconds since the Unix epoch.
    pub mtim: u64,
    /// Last status change, in nanoseconds since the Unix epoch.
    pub ctim: u64,
}

impl FileStat {
    /// The attributes in a `cap-std` metadata record.
    pub fn from_metadata(md: &cap_std::fs::Metadata) -> FileStat {
        let to_ns = |t: std::io::Result<cap_std::time::SystemTime>| {
            t.map(|t| system_time_to_ns(t.into_std())).unwrap_or(0)
        };
        let atim = to_ns(md.accessed());
        let mtim = to_ns(md.modified());
        #[cfg(unix)]
        let (dev, ino, nlink, ctim) = {
            use cap_fs_ext::OsMetadataExt;
            let ctim = (md.ctime().max(0) as u64)
                .saturating_mul(1_000_000_000)
                .saturating_add(md.ctime_nsec().max(0) as u64);
            (md.dev(), md.ino(), md.nlink(), ctim)
        };
        #[cfg(not(unix))]
        let (dev, ino, nlink, ctim) = (0, 0, 1, mtim);
        FileStat {
            dev,
            ino,
            filetype: Some(FileType::from_cap(md.file_type())),
            nlink,
            size: md.len(),
            atim,
            mtim,
            ctim,
        }
    }
}

/// Nanoseconds since the Unix epoch (0 for times before it, saturating far after it).
pub fn system_time_to_ns(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)).unwrap_or(0)
}

/// The system time `ns` nanoseconds after the Unix epoch.
pub fn ns_to_system_time(ns: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(ns)
}

/// A new value for a file timestamp.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Timestamp {
    /// Leave it unchanged.
    Keep,
    /// Set it to the current time.
    Now,
    /// Set it to this many nanoseconds since the Unix epoch.
    At(u64),
}

impl Timestamp {
    pub(crate) fn to_cap_spec(self) -> Option<cap_fs_ext::SystemTimeSpec> {
        match self {
            Timestamp::Keep => None,
            Timestamp::Now => Some(cap_fs_ext::SystemTimeSpec::SymbolicNow),
            Timestamp::At(ns) => Some(cap_fs_ext::SystemTimeSpec::Absolute(
                cap_std::time::SystemTime::from_std(ns_to_system_time(ns)),
            )),
        }
    }

    pub(crate) fn to_system_time(self) -> Option<SystemTime> {
        match self {
            Timestamp::Keep => None,
            Timestamp::Now => Some(SystemTime::now()),
            Timestamp::At(ns) => Some(ns_to_system_time(ns)),
        }
    }
    /// The access/modification pair as `std::fs::FileTimes` (unchanged where `Keep`).
    pub(crate) fn file_times(atim: Timestamp, mtim: Timestamp) -> std::fs::FileTimes {
        let mut times = std::fs::FileTimes::new();
        if let Some(a) = atim.to_system_time() {
            times = times.set_accessed(a);
        }
        if let Some(m) = mtim.to_system_time() {
            times = times.set_modified(m);
        }
        times
    }
}
