//! [`ErrorCode`]: the ABI-neutral error of every sandboxed operation.

use std::fmt;
use std::io;

/// Why a sandboxed operation failed.
///
/// The set follows POSIX (and so both WASI preview 1's `errno` and WASI 0.2's
/// `wasi:filesystem/types.error-code`); each ABI maps it to its own numbering.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// Permission denied by the host file system (`EACCES`).
    Access,
    /// Resource unavailable, or the operation would block (`EAGAIN`).
    WouldBlock,
    /// Connection already in progress (`EALREADY`).
    Already,
    /// Bad descriptor (`EBADF`).
    BadDescriptor,
    /// Device or resource busy (`EBUSY`).
    Busy,
    /// Resource deadlock would occur (`EDEADLK`).
    Deadlock,
    /// Storage quota exceeded (`EDQUOT`).
    Quota,
    /// File exists (`EEXIST`).
    Exist,
    /// Bad address: a guest pointer or length is out of bounds (`EFAULT`).
    Fault,
    /// File too large (`EFBIG`).
    FileTooLarge,
    /// Illegal byte sequence, e.g. a path that is not UTF-8 (`EILSEQ`).
    IllegalByteSequence,
    /// Operation in progress (`EINPROGRESS`).
    InProgress,
    /// Interrupted function (`EINTR`).
    Interrupted,
    /// Invalid argument (`EINVAL`).
    Invalid,
    /// I/O error (`EIO`).
    Io,
    /// Is a directory (`EISDIR`).
    IsDirectory,
    /// Too many levels of symbolic links (`ELOOP`).
    Loop,
    /// Too many open descriptors (`EMFILE`, `ENFILE`).
    TooManyDescriptors,
    /// Too many links (`EMLINK`).
    TooManyLinks,
    /// Message too large (`EMSGSIZE`).
    MessageSize,
    /// Filename too long (`ENAMETOOLONG`).
    NameTooLong,
    /// No such device (`ENODEV`).
    NoDevice,
    /// No such file or directory (`ENOENT`).
    NoEntry,
    /// No locks available (`ENOLCK`).
    NoLock,
    /// Not enough memory (`ENOMEM`, `ENOBUFS`).
    InsufficientMemory,
    /// No space left on device (`ENOSPC`).
    InsufficientSpace,
    /// Function not implemented (`ENOSYS`).
    NoSys,
    /// Not a directory (`ENOTDIR`).
    NotDirectory,
    /// Directory not empty (`ENOTEMPTY`).
    NotEmpty,
    /// State not recoverable (`ENOTRECOVERABLE`).
    NotRecoverable,
    /// Not supported (`ENOTSUP`).
    Unsupported,
    /// Inappropriate I/O control operation (`ENOTTY`).
    NoTty,
    /// No such device or address (`ENXIO`).
    NoSuchDevice,
    /// Value too large to be stored in data type (`EOVERFLOW`).
    Overflow,
    /// Operation not permitted (`EPERM`): also what a read-only grant answers to a write.
    NotPermitted,
    /// Broken pipe (`EPIPE`).
    Pipe,
    /// Read-only file system (`EROFS`).
    ReadOnly,
    /// Invalid seek, e.g. on a stream (`ESPIPE`).
    InvalidSeek,
    /// Text file busy (`ETXTBSY`).
    TextFileBusy,
    /// Cross-device link (`EXDEV`).
    CrossDevice,
    /// Connection refused (`ECONNREFUSED`).
    ConnectionRefused,
    /// Connection reset (`ECONNRESET`).
    ConnectionReset,
    /// Connection aborted (`ECONNABORTED`).
    ConnectionAborted,
    /// The socket is not connected (`ENOTCONN`).
    NotConnected,
    /// Not a socket (`ENOTSOCK`).
    NotSocket,
    /// Address in use (`EADDRINUSE`).
    AddressInUse,
    /// Address not available (`EADDRNOTAVAIL`).
    AddressNotAvailable,
    /// Connection timed out (`ETIMEDOUT`).
    TimedOut,
    /// The operation needs a capability the guest was not granted, or a path tried to
    /// leave its preopened directory (`..`, an absolute path, a symlink pointing out).
    NotCapable,
}

impl ErrorCode {
    /// Classifies a host I/O error.
    ///
    /// `cap-std` reports an attempt to leave the sandbox as `PermissionDenied` with no OS
    /// error number; that becomes [`ErrorCode::NotCapable`].
    pub fn from_io(err: &io::Error) -> ErrorCode {
        if let Some(code) = err.raw_os_error().and_then(from_raw_os_error) {
            return code;
        }
        use io::ErrorKind as K;
        match err.kind() {
            K::NotFound => ErrorCode::NoEntry,
            K::PermissionDenied => ErrorCode::NotCapable,
            K::AlreadyExists => ErrorCode::Exist,
            K::WouldBlock => ErrorCode::WouldBlock,
            K::InvalidInput => ErrorCode::Invalid,
            K::InvalidData => ErrorCode::IllegalByteSequence,
            K::Interrupted => ErrorCode::Interrupted,
            K::Unsupported => ErrorCode::Unsupported,
            K::OutOfMemory => ErrorCode::InsufficientMemory,
            K::BrokenPipe => ErrorCode::Pipe,
            K::ConnectionRefused => ErrorCode::ConnectionRefused,
            K::ConnectionReset => ErrorCode::ConnectionReset,
            K::ConnectionAborted => ErrorCode::ConnectionAborted,
            K::NotConnected => ErrorCode::NotConnected,
            K::AddrInUse => ErrorCode::AddressInUse,
            K::AddrNotAvailable => ErrorCode::AddressNotAvailable,
            K::TimedOut => ErrorCode::TimedOut,
            K::NotADirectory => ErrorCode::NotDirectory,
            K::IsADirectory => ErrorCode::IsDirectory,
            K::DirectoryNotEmpty => ErrorCode::NotEmpty,
            K::ReadOnlyFilesystem => ErrorCode::ReadOnly,
            K::StorageFull => ErrorCode::InsufficientSpace,
            K::FileTooLarge => ErrorCode::FileTooLarge,
            K::CrossesDevices => ErrorCode::CrossDevice,
            K::TooManyLinks => ErrorCode::TooManyLinks,
            K::InvalidFilename => ErrorCode::NameTooLong,
            K::NotSeekable => ErrorCode::InvalidSeek,
            K::ResourceBusy => ErrorCode::Busy,
            K::Deadlock => ErrorCode::Deadlock,
            _ => ErrorCode::Io,
        }
    }
}

#[cfg(unix)]
fn from_raw_os_error(errno: i32) -> Option<ErrorCode> {
    use libc::*;
    #[allow(unreachable_patterns)] // EAGAIN == EWOULDBLOCK and ENOTSUP == EOPNOTSUPP on some hosts
    let code = match errno {
        EACCES => ErrorCode::Access,
        EAGAIN | EWOULDBLOCK => ErrorCode::WouldBlock,
        EALREADY => ErrorCode::Already,
        EBADF => ErrorCode::BadDescriptor,
        EBUSY => ErrorCode::Busy,
        EDEADLK => ErrorCode::Deadlock,
        EDQUOT => ErrorCode::Quota,
        EEXIST => ErrorCode::Exist,
        EFAULT => ErrorCode::Fault,
        EFBIG => ErrorCode::FileTooLarge,
        EILSEQ => ErrorCode::IllegalByteSequence,
        EINPROGRESS => ErrorCode::InProgress,
        EINTR => ErrorCode::Interrupted,
        EINVAL => ErrorCode::Invalid,
        EIO => ErrorCode::Io,
        EISDIR => ErrorCode::IsDirectory,
        ELOOP => ErrorCode::Loop,
        EMFILE | ENFILE => ErrorCode::TooManyDescriptors,
        EMLINK => ErrorCode::TooManyLinks,
        EMSGSIZE => ErrorCode::MessageSize,
        ENAMETOOLONG => ErrorCode::NameTooLong,
        ENODEV => ErrorCode::NoDevice,
        ENOENT => ErrorCode::NoEntry,
        ENOLCK => ErrorCode::NoLock,
        ENOMEM | ENOBUFS => ErrorCode::InsufficientMemory,
        ENOSPC => ErrorCode::InsufficientSpace,
        ENOSYS => ErrorCode::NoSys,
        ENOTDIR => ErrorCode::NotDirectory,
        ENOTEMPTY => ErrorCode::NotEmpty,
        ENOTRECOVERABLE => ErrorCode::NotRecoverable,
        ENOTSUP | EOPNOTSUPP => ErrorCode::Unsupported,
        ENOTTY => ErrorCode::NoTty,
        ENXIO => ErrorCode::NoSuchDevice,
        EOVERFLOW => ErrorCode::Overflow,
        EPERM => ErrorCode::NotPermitted,
        EPIPE => ErrorCode::Pipe,
        EROFS => ErrorCode::ReadOnly,
        ESPIPE => ErrorCode::InvalidSeek,
        ETXTBSY => ErrorCode::TextFileBusy,
        EXDEV => ErrorCode::CrossDevice,
        ECONNREFUSED => ErrorCode::ConnectionRefused,
        ECONNRESET => ErrorCode::ConnectionReset,
        ECONNABORTED => ErrorCode::ConnectionAborted,
        ENOTCONN => ErrorCode::NotConnected,
        ENOTSOCK => ErrorCode::NotSocket,
        EADDRINUSE => ErrorCode::AddressInUse,
        EADDRNOTAVAIL => ErrorCode::AddressNotAvailable,
        ETIMEDOUT => ErrorCode::TimedOut,
        _ => return None,
    };
    Some(code)
}

#[cfg(not(unix))]
fn from_raw_os_error(_errno: i32) -> Option<ErrorCode> {
    None
}

impl From<io::Error> for ErrorCode {
    fn from(err: io::Error) -> ErrorCode {
        ErrorCode::from_io(&err)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for ErrorCode {}

/// The result of a sandboxed operation.
pub type Result<T, E = ErrorCode> = std::result::Result<T, E>;
