//! The sandboxed file system, independent of any WASI ABI.
//!
//! A guest reaches files only through a [`Dir`] the host granted (a preopen), and what it
//! opens beneath it. All path resolution is done by `cap-std`, which refuses any path that
//! would resolve outside the granted directory; a read-only grant also refuses every
//! change. Errors are [`ErrorCode`]s, which each ABI (preview 1 here, a later WASI 0.2
//! host) maps to its own numbering.

mod dir;
mod error;
mod file;
mod stat;

pub use dir::{Dir, DirEntry, OpenOptions, Opened};
pub use error::{ErrorCode, Result};
pub use file::{Advice, File};
pub use stat::{ns_to_system_time, system_time_to_ns, FileStat, FileType, Timestamp};
