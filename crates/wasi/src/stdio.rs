//! Standard streams: what a guest's stdin reads and its stdout/stderr write, and
//! in-memory pipes for tests and embedders.

use std::io::{self, Cursor, IsTerminal, Read, Write};
use std::sync::{Arc, Mutex};

/// Where a guest's standard input comes from.
pub enum InputStream {
    /// Nothing: every read is end of file. The default.
    Empty,
    /// The host process's stdin, read directly (no read-ahead beyond what the guest asks).
    Inherit,
    /// Any reader, e.g. a [`ReadPipe`].
    Reader(Box<dyn Read + Send>),
}

impl std::fmt::Debug for InputStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InputStream::Empty => "Empty",
            InputStream::Inherit => "Inherit",
            InputStream::Reader(_) => "Reader",
        })
    }
}

impl InputStream {
    /// Reads up to `buf.len()` bytes; 0 means end of input.
    ///
    /// # Errors
    /// The reader's error.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            InputStream::Empty => Ok(0),
            InputStream::Inherit => read_host_stdin(buf),
            InputStream::Reader(r) => r.read(buf),
        }
    }

    /// Whether the stream is an interactive terminal.
    pub fn is_terminal(&self) -> bool {
        matches!(self, InputStream::Inherit) && io::stdin().is_terminal()
    }
}

/// Reads the host's descriptor 0 directly: `std::io::Stdin` would read ahead into its own
/// buffer, which `poll_oneoff` (polling descriptor 0) could not see.
#[cfg(unix)]
fn read_host_stdin(buf: &mut [u8]) -> io::Result<usize> {
    use std::os::fd::FromRawFd;
    // SAFETY: descriptor 0 stays open for the life of the process; `ManuallyDrop` keeps
    // this temporary `File` from closing it.
    let mut stdin = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(0) });
    stdin.read(buf)
}

#[cfg(not(unix))]
fn read_host_stdin(buf: &mut [u8]) -> io::Result<usize> {
    io::stdin().lock().read(buf)
}

/// Where a guest's standard output or error goes.
pub enum OutputStream {
    /// Discarded. The default.
    Sink,
    /// The host process's stdout, flushed after every guest write (never held in memory).
    InheritStdout,
    /// The host process's stderr.
    InheritStderr,
    /// Any writer, e.g. a [`WritePipe`]; flushed after every guest write.
    Writer(Box<dyn Write + Send>),
}

impl std::fmt::Debug for OutputStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OutputStream::Sink => "Sink",
            OutputStream::InheritStdout => "InheritStdout",
            OutputStream::InheritStderr => "InheritStderr",
            OutputStream::Writer(_) => "Writer",
        })
    }
}

impl OutputStream {
    /// Writes all of `buf` and flushes it.
    ///
    /// # Errors
    /// The writer's error.
    pub fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            OutputStream::Sink => Ok(()),
            OutputStream::InheritStdout => {
                let mut out = io::stdout().lock();
                out.write_all(buf)?;
                out.flush()
            }
            OutputStream::InheritStderr => {
                let mut out = io::stderr().lock();
                out.write_all(buf)?;
                out.flush()
            }
            OutputStream::Writer(w) => {
                w.write_all(buf)?;
                w.flush()
            }
        }
    }

    /// Whether the stream is an interactive terminal.
    pub fn is_terminal(&self) -> bool {
        match self {
            OutputStream::InheritStdout => io::stdout().is_terminal(),
            OutputStream::InheritStderr => io::stderr().is_terminal(),
            _ => false,
        }
    }
}

/// A standard input shared by every ABI of one context: preview 1's descriptor 0 and
/// WASI 0.2's `get-stdin` streams read the same bytes, whichever ABI the guest uses.
#[derive(Clone, Debug)]
pub(crate) struct SharedInput(Arc<Mutex<InputStream>>);

impl SharedInput {
    pub fn new(s: InputStream) -> SharedInput {
        SharedInput(Arc::new(Mutex::new(s)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, InputStream> {
        // A poisoned lock only means a panic in a reader elsewhere; the stream itself is
        // still there to use.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads up to `buf.len()` bytes; 0 means end of input.
    ///
    /// # Errors
    /// The reader's error.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.lock().read(buf)
    }

    /// Whether this is the host's own stdin (descriptor 0), which may block.
    pub fn is_inherit(&self) -> bool {
        matches!(*self.lock(), InputStream::Inherit)
    }

    /// Whether this is the empty input, which never blocks.
    pub fn is_empty(&self) -> bool {
        matches!(*self.lock(), InputStream::Empty)
    }

    pub fn is_terminal(&self) -> bool {
        self.lock().is_terminal()
    }
}

/// A standard output or error shared by every ABI of one context (see [`SharedInput`]).
#[derive(Clone, Debug)]
pub(crate) struct SharedOutput(Arc<Mutex<OutputStream>>);

impl SharedOutput {
    pub fn new(s: OutputStream) -> SharedOutput {
        SharedOutput(Arc::new(Mutex::new(s)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OutputStream> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes all of `buf` and flushes it.
    ///
    /// # Errors
    /// The writer's error.
    pub fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.lock().write_all(buf)
    }

    pub fn is_terminal(&self) -> bool {
        self.lock().is_terminal()
    }
}

/// An in-memory input: a guest reading it gets these bytes, then end of file.
#[derive(Clone, Debug, Default)]
pub struct ReadPipe {
    data: Cursor<Vec<u8>>,
}

impl ReadPipe {
    pub fn new(bytes: impl Into<Vec<u8>>) -> ReadPipe {
        ReadPipe { data: Cursor::new(bytes.into()) }
    }
}

impl Read for ReadPipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.data.read(buf)
    }
}

/// An in-memory output. Clones share one buffer, so keep a clone to read what the guest
/// wrote.
#[derive(Clone, Debug, Default)]
pub struct WritePipe {
    buf: Arc<Mutex<Vec<u8>>>,
}

impl WritePipe {
    pub fn new() -> WritePipe {
        WritePipe::default()
    }

    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.buf.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Everything written so far, as (lossy) UTF-8.
    pub fn contents_string(&self) -> String {
        String::from_utf8_lossy(&self.contents()).into_owned()
    }
}

impl Write for WritePipe {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
