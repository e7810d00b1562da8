//! Preview 1 constants and numbering, from `wasi_snapshot_preview1.witx` / `typenames.witx`.

use crate::sandbox::{ErrorCode, FileType};

/// A preview 1 `errno`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
#[allow(missing_docs)]
pub enum Errno {
    Success = 0,
    TooBig = 1,
    Acces = 2,
    AddrInUse = 3,
    AddrNotAvail = 4,
    AfNoSupport = 5,
    Again = 6,
    Already = 7,
    Badf = 8,
    BadMsg = 9,
    Busy = 10,
    Canceled = 11,
    Child = 12,
    ConnAborted = 13,
    ConnRefused = 14,
    ConnReset = 15,
    Deadlk = 16,
    DestAddrReq = 17,
    Dom = 18,
    Dquot = 19,
    Exist = 20,
    Fault = 21,
    Fbig = 22,
    HostUnreach = 23,
    Idrm = 24,
    Ilseq = 25,
    InProgress = 26,
    Intr = 27,
    Inval = 28,
    Io = 29,
    IsConn = 30,
    IsDir = 31,
    Loop = 32,
    Mfile = 33,
    Mlink = 34,
    MsgSize = 35,
    Multihop = 36,
    NameTooLong = 37,
    NetDown = 38,
    NetReset = 39,
    NetUnreach = 40,
    Nfile = 41,
    NoBufs = 42,
    NoDev = 43,
    NoEnt = 44,
    NoExec = 45,
    NoLck = 46,
    NoLink = 47,
    NoMem = 48,
    NoMsg = 49,
    NoProtoOpt = 50,
    NoSpc = 51,
    NoSys = 52,
    NotConn = 53,
    NotDir = 54,
    NotEmpty = 55,
    NotRecoverable = 56,
    NotSock = 57,
    NotSup = 58,
    NoTty = 59,
    Nxio = 60,
    Overflow = 61,
    OwnerDead = 62,
    Perm = 63,
    Pipe = 64,
    Proto = 65,
    ProtoNoSupport = 66,
    ProtoType = 67,
    Range = 68,
    Rofs = 69,
    Spipe = 70,
    Srch = 71,
    Stale = 72,
    TimedOut = 73,
    TxtBsy = 74,
    Xdev = 75,
    NotCapable = 76,
}

impl From<ErrorCode> for Errno {
    fn from(e: ErrorCode) -> Errno {
        match e {
            ErrorCode::Access => Errno::Acces,
            ErrorCode::WouldBlock => Errno::Again,
            ErrorCode::Already => Errno::Already,
            ErrorCode::BadDescriptor => Errno::Badf,
            ErrorCode::Busy => Errno::Busy,
            ErrorCode::Deadlock => Errno::Deadlk,
            ErrorCode::Quota => Errno::Dquot,
            ErrorCode::Exist => Errno::Exist,
            ErrorCode::Fault => Errno::Fault,
            ErrorCode::FileTooLarge => Errno::Fbig,
            ErrorCode::IllegalByteSequence => Errno::Ilseq,
            ErrorCode::InProgress => Errno::InProgress,
            ErrorCode::Interrupted => Errno::Intr,
            ErrorCode::Invalid => Errno::Inval,
            ErrorCode::Io => Errno::Io,
            ErrorCode::IsDirectory => Errno::IsDir,
            ErrorCode::Loop => Errno::Loop,
            ErrorCode::TooManyDescriptors => Errno::Mfile,
            ErrorCode::TooManyLinks => Errno::Mlink,
            ErrorCode::MessageSize => Errno::MsgSize,
            ErrorCode::NameTooLong => Errno::NameTooLong,
            ErrorCode::NoDevice => Errno::NoDev,
            ErrorCode::NoEntry => Errno::NoEnt,
            ErrorCode::NoLock => Errno::NoLck,
            ErrorCode::InsufficientMemory => Errno::NoMem,
            ErrorCode::InsufficientSpace => Errno::NoSpc,
            ErrorCode::NoSys => Errno::NoSys,
            ErrorCode::NotDirectory => Errno::NotDir,
            ErrorCode::NotEmpty => Errno::NotEmpty,
            ErrorCode::NotRecoverable => Errno::NotRecoverable,
            ErrorCode::Unsupported => Errno::NotSup,
            ErrorCode::NoTty => Errno::NoTty,
            ErrorCode::NoSuchDevice => Errno::Nxio,
            ErrorCode::Overflow => Errno::Overflow,
            ErrorCode::NotPermitted => Errno::Perm,
            ErrorCode::Pipe => Errno::Pipe,
            ErrorCode::ReadOnly => Errno::Rofs,
            ErrorCode::InvalidSeek => Errno::Spipe,
            ErrorCode::TextFileBusy => Errno::TxtBsy,
            ErrorCode::CrossDevice => Errno::Xdev,
            ErrorCode::ConnectionRefused => Errno::ConnRefused,
            ErrorCode::ConnectionReset => Errno::ConnReset,
            ErrorCode::ConnectionAborted => Errno::ConnAborted,
            ErrorCode::NotConnected => Errno::NotConn,
            ErrorCode::NotSocket => Errno::NotSock,
            ErrorCode::AddressInUse => Errno::AddrInUse,
            ErrorCode::AddressNotAvailable => Errno::AddrNotAvail,
            ErrorCode::TimedOut => Errno::TimedOut,
            ErrorCode::NotCapable => Errno::NotCapable,
        }
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Errno {
        ErrorCode::from_io(&e).into()
    }
}

/// Result of a preview 1 function body: the error becomes the returned `errno`.
pub type WasiResult<T = ()> = Result<T, Errno>;

/// `rights` bits.
pub mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    pub const SOCK_SHUTDOWN: u64 = 1 << 28;
    pub const SOCK_ACCEPT: u64 = 1 << 29;

    /// Every right a regular file may have.
    pub const FILE_ALL: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;

    /// The rights of a file in a read-only grant: none that change anything.
    pub const FILE_READ_ONLY: u64 = FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_ADVISE
        | FD_FILESTAT_GET
        | POLL_FD_READWRITE;

    /// Every right a directory may have.
    pub const DIR_ALL: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_ADVISE
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE;

    /// The rights of a directory in a read-only grant.
    pub const DIR_READ_ONLY: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_ADVISE
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_FILESTAT_GET
        | FD_FILESTAT_GET;

    /// Rights of stdin (no seek or tell: wasi-libc's `isatty` looks for their absence).
    pub const STDIN: u64 = FD_READ | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE;
    /// Rights of stdout and stderr.
    pub const STDOUT: u64 = FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE;
    /// Rights of a connected socket.
    pub const SOCKET: u64 =
        FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE | SOCK_SHUTDOWN;
    /// Rights of a listening socket.
    pub const LISTENER: u64 = FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE | SOCK_ACCEPT;
}

/// `fdflags` bits.
pub mod fdflags {
    pub const APPEND: u16 = 1 << 0;
    pub const DSYNC: u16 = 1 << 1;
    pub const NONBLOCK: u16 = 1 << 2;
    pub const RSYNC: u16 = 1 << 3;
    pub const SYNC: u16 = 1 << 4;
    pub const ALL: u16 = APPEND | DSYNC | NONBLOCK | RSYNC | SYNC;
}

/// `oflags` bits.
pub mod oflags {
    pub const CREAT: u16 = 1 << 0;
    pub const DIRECTORY: u16 = 1 << 1;
    pub const EXCL: u16 = 1 << 2;
    pub const TRUNC: u16 = 1 << 3;
}

/// `fstflags` bits.
pub mod fstflags {
    pub const ATIM: u16 = 1 << 0;
    pub const ATIM_NOW: u16 = 1 << 1;
    pub const MTIM: u16 = 1 << 2;
    pub const MTIM_NOW: u16 = 1 << 3;
}

/// `lookupflags::symlink_follow`.
pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// `filetype` numbering.
pub fn filetype_code(ft: Option<FileType>) -> u8 {
    match ft {
        None | Some(FileType::Unknown) => 0,
        Some(FileType::BlockDevice) => 1,
        Some(FileType::CharacterDevice) => 2,
        Some(FileType::Directory) => 3,
        Some(FileType::RegularFile) => 4,
        Some(FileType::SocketDgram) => 5,
        Some(FileType::SocketStream) => 6,
        Some(FileType::SymbolicLink) => 7,
    }
}

/// Which revision of the ABI a function is registered for: the few layouts and
/// numberings that differ between `wasi_unstable` (preview 0) and preview 1.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Abi {
    /// `wasi_unstable`: 56-byte `filestat` with a 32-bit `nlink`; `whence` is
    /// cur=0/end=1/set=2; `subscription_clock` starts with an `identifier`.
    Preview0,
    /// `wasi_snapshot_preview1`.
    Preview1,
}
