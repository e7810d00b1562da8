//! Input and output streams (`wasi:io/streams`): stdio, files (read, write or append at a
//! position of their own) and TCP connections.
//!
//! A stream never blocks unless the function says `blocking`: stdin from the host and
//! sockets are read only when `poll(2)` says so, and a TCP write that the kernel cannot
//! take at once is kept in the stream and sent as the socket drains (`check-write` answers
//! 0 until it has). Files, pipes in memory and the host's stdout are written synchronously:
//! their writes finish within the call.

use std::io::{ErrorKind, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tessera_engine::InterruptHandle;

#[cfg(unix)]
use super::host::{block_until, HostInputStream, HostOutputStream, StreamError};
use super::io::{ErrorInfo, Wait};
use super::{trap, waited, HostError};
use crate::sandbox::{ErrorCode, File};
use crate::stdio::{SharedInput, SharedOutput};
use crate::wait::{host_readiness, ready_now, wait_host_fds, wait_ready, HostReadiness, SLICE};

/// Most bytes one read returns, and what `check-write` permits: values cross as one
/// [`tessera_component::Val`] per byte, so transfers go in pieces of this size.
pub(crate) const MAX_CHUNK: usize = 64 * 1024;

/// Most bytes a TCP stream keeps unsent beyond what `check-write` permitted (a guest
/// writing more than it was permitted traps, as the interface says).
const MAX_PENDING: usize = 4 * MAX_CHUNK;

/// Why a stream operation did not complete.
#[derive(Debug)]
pub(crate) enum StreamFail {
    /// End of stream (input), or the stream can take nothing more (output).
    Closed,
    /// The operation failed; the stream is closed from now on.
    Failed(ErrorInfo),
    /// A trap (a guest broke the interface's rules, or its deadline passed while blocked).
    Host(HostError),
}

impl From<HostError> for StreamFail {
    fn from(e: HostError) -> StreamFail {
        StreamFail::Host(e)
    }
}

pub(crate) type StreamResult<T> = Result<T, StreamFail>;

/// Waits for `raw` to be ready, turning the deadline into a trap.
fn block_on(raw: i32, write: bool, interrupt: Option<&InterruptHandle>) -> StreamResult<()> {
    Ok(waited(wait_ready(raw, write, interrupt))?)
}

fn fs_fail(e: ErrorCode) -> StreamFail {
    StreamFail::Failed(ErrorInfo::fs(e))
}

fn io_fail(e: std::io::Error) -> StreamFail {
    StreamFail::Failed(ErrorInfo::io(&e))
}

/// Where an input stream reads from.
pub(crate) enum InStream {
    Stdin(SharedInput),
    File {
        file: Arc<File>,
        pos: u64,
    },
    #[cfg(unix)]
    Tcp {
        conn: Arc<TcpConn>,
        closed: bool,
    },
    /// Another host crate's stream (see [`super::host`]).
    #[cfg(unix)]
    Host(Box<dyn HostInputStream>),
}

impl InStream {
    /// Reads up to `len` bytes (at most [`MAX_CHUNK`]). Without `block`, an empty result
    /// means nothing is there yet; with it, waits for at least one byte or the end.
    pub fn read(
        &mut self,
        len: u64,
        block: bool,
        interrupt: Option<&InterruptHandle>,
    ) -> StreamResult<Vec<u8>> {
        let want = usize::try_from(len).unwrap_or(MAX_CHUNK).min(MAX_CHUNK);
        #[cfg(unix)]
        if let InStream::Host(s) = self {
            loop {
                let data = s.read(want).map_err(StreamError::into_fail)?;
                if !data.is_empty() || !block || want == 0 {
                    return Ok(data);
                }
                block_until(|| s.readiness(), interrupt)?;
            }
        }
        let mut buf = vec![0u8; want];
        let n = match self {
            InStream::Stdin(s) => {
                if s.is_inherit() {
                    if block {
                        block_on(0, false, interrupt)?;
                    } else if !ready_now(0) {
                        return Ok(Vec::new());
                    }
                }
                if want == 0 {
                    return Ok(Vec::new());
                }
                match s.read(&mut buf) {
                    Ok(0) => return Err(StreamFail::Closed),
                    Ok(n) => n,
                    Err(e) => return Err(io_fail(e)),
                }
            }
            InStream::File { file, pos } => {
                if want == 0 {
                    return Ok(Vec::new());
                }
                match file.read_at(&mut buf, *pos) {
                    Ok(0) => return Err(StreamFail::Closed),
                    Ok(n) => {
                        *pos = pos.saturating_add(n as u64);
                        n
                    }
                    Err(e) => return Err(fs_fail(e)),
                }
            }
            #[cfg(unix)]
            InStream::Tcp { conn, closed } => {
                if *closed {
                    return Err(StreamFail::Closed);
                }
                if want == 0 {
                    return Ok(Vec::new());
                }
                loop {
                    match (&conn.sock).read(&mut buf) {
                        Ok(0) => {
                            *closed = true;
                            return Err(StreamFail::Closed);
                        }
                        Ok(n) => break n,
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {
                            if !block {
                                return Ok(Vec::new());
                            }
                            block_on(conn.raw(), false, interrupt)?;
                        }
                        Err(e) => {
                            *closed = true;
                            return Err(io_fail(e));
                        }
                    }
                }
            }
            #[cfg(unix)]
            InStream::Host(_) => unreachable!("host streams return above"),
        };
        buf.truncate(n);
        Ok(buf)
    }

    /// When a read would find something (data, the end, or an error).
    pub fn wait(&self) -> Wait {
        match self {
            InStream::Stdin(s) if s.is_inherit() => fd_wait(0, false),
            InStream::Stdin(_) | InStream::File { .. } => Wait::Ready,
            #[cfg(unix)]
            InStream::Tcp { conn, closed } => {
                if *closed {
                    Wait::Ready
                } else {
                    fd_wait(conn.raw(), false)
                }
            }
            #[cfg(unix)]
            InStream::Host(s) => s.readiness().wait(),
        }
    }
}

/// Ready now, or when `raw` becomes readable (writable).
pub(crate) fn fd_wait(raw: i32, write: bool) -> Wait {
    match host_readiness(raw, write) {
        Ok(HostReadiness::Pending) => Wait::Fd(raw, write),
        _ => Wait::Ready,
    }
}

/// Where an output stream writes to.
pub(crate) enum OutStream {
    Stdio(SharedOutput),
    File {
        file: Arc<File>,
        pos: u64,
    },
    Append(Arc<File>),
    #[cfg(unix)]
    Tcp(Arc<TcpConn>),
    /// Another host crate's stream (see [`super::host`]).
    #[cfg(unix)]
    Host(Box<dyn HostOutputStream>),
}

impl OutStream {
    /// How many bytes the next `write` may take (0: none yet, wait on `subscribe`).
    pub fn check_write(&mut self) -> StreamResult<u64> {
        match self {
            OutStream::Stdio(_) | OutStream::File { .. } | OutStream::Append(_) => Ok(MAX_CHUNK as u64),
            #[cfg(unix)]
            OutStream::Tcp(conn) => conn.check_write(),
            #[cfg(unix)]
            OutStream::Host(s) => s.check_write().map(|n| n as u64).map_err(StreamError::into_fail),
        }
    }

    /// Writes `data`: at once for stdio and files, as far as the kernel takes it for a
    /// socket (the rest goes out with later calls).
    pub fn write(&mut self, data: &[u8]) -> StreamResult<()> {
        match self {
            OutStream::Stdio(s) => s.write_all(data).map_err(io_fail),
            OutStream::File { file, pos } => {
                file.write_all_at(data, *pos).map_err(fs_fail)?;
                *pos = pos.saturating_add(data.len() as u64);
                Ok(())
            }
            OutStream::Append(file) => file.append(data).map_err(fs_fail),
            #[cfg(unix)]
            OutStream::Tcp(conn) => conn.write(data),
            #[cfg(unix)]
            OutStream::Host(s) => s.write(data.to_vec()).map_err(StreamError::into_fail),
        }
    }

    /// Writes all of `data` for a `blocking-*` function: a host stream takes it in pieces,
    /// each waiting until `check-write` permits it (the others take it at once, as `write`).
    pub fn write_blocking(&mut self, data: &[u8], interrupt: Option<&InterruptHandle>) -> StreamResult<()> {
        #[cfg(unix)]
        if let OutStream::Host(s) = self {
            let mut rest = data;
            while !rest.is_empty() {
                let permit = s.check_write().map_err(StreamError::into_fail)?;
                if permit == 0 {
                    block_until(|| s.readiness(), interrupt)?;
                    continue;
                }
                let (now, later) = rest.split_at(permit.min(rest.len()));
                s.write(now.to_vec()).map_err(StreamError::into_fail)?;
                rest = later;
            }
            return Ok(());
        }
        self.write(data)
    }

    /// Pushes out what is pending; with `block`, waits until all of it is gone.
    pub fn flush(&mut self, block: bool, interrupt: Option<&InterruptHandle>) -> StreamResult<()> {
        match self {
            OutStream::Stdio(_) | OutStream::File { .. } | OutStream::Append(_) => Ok(()),
            #[cfg(unix)]
            OutStream::Tcp(conn) => conn.flush(block, interrupt),
            #[cfg(unix)]
            OutStream::Host(s) => loop {
                if s.flush().map_err(StreamError::into_fail)? || !block {
                    return Ok(());
                }
                block_until(|| s.readiness(), interrupt)?;
            },
        }
    }

    /// When `check-write` would permit a write (or report an error).
    pub fn wait(&self) -> Wait {
        match self {
            OutStream::Stdio(_) | OutStream::File { .. } | OutStream::Append(_) => Wait::Ready,
            #[cfg(unix)]
            OutStream::Tcp(conn) => conn.wait(),
            #[cfg(unix)]
            OutStream::Host(s) => s.readiness().wait(),
        }
    }
}

#[cfg(unix)]
impl Drop for OutStream {
    /// Bytes a guest wrote to a socket were accepted: if the kernel has not taken them all
    /// yet, they are sent in the background rather than lost (for a bounded time, so that
    /// a peer that never reads does not keep a thread forever).
    fn drop(&mut self) {
        let OutStream::Tcp(conn) = self else { return };
        if conn.lock().pending.is_empty() {
            return;
        }
        let conn = conn.clone();
        let _ = std::thread::Builder::new().name("wasi-tcp-flush".into()).spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                match conn.flush(false, None) {
                    Ok(()) if conn.lock().pending.is_empty() => return,
                    Ok(()) => {
                        let _ = wait_host_fds(&[(conn.raw(), true)], Some(SLICE * 10));
                    }
                    Err(_) => return,
                }
            }
        });
    }
}

/// A TCP connection's socket, shared by the socket resource and its two streams, with the
/// bytes written but not yet taken by the kernel (so `shutdown` can send them first).
#[cfg(unix)]
pub(crate) struct TcpConn {
    pub sock: std::net::TcpStream,
    out: Mutex<Outgoing>,
}

#[cfg(unix)]
struct Outgoing {
    /// Written by the guest, not yet taken by the kernel.
    pending: Vec<u8>,
    /// A send failed: the stream takes nothing more.
    closed: bool,
}

#[cfg(unix)]
impl TcpConn {
    pub fn new(sock: std::net::TcpStream) -> Arc<TcpConn> {
        Arc::new(TcpConn { sock, out: Mutex::new(Outgoing { pending: Vec::new(), closed: false }) })
    }

    /// The host descriptor (for `poll(2)`).
    pub fn raw(&self) -> i32 {
        std::os::fd::AsRawFd::as_raw_fd(&self.sock)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Outgoing> {
        // Only this module's short critical sections hold the lock; a panic in one leaves
        // the buffer consistent.
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check_write(&self) -> StreamResult<u64> {
        let mut out = self.lock();
        if out.closed {
            return Err(StreamFail::Closed);
        }
        self.send_pending(&mut out)?;
        if !out.pending.is_empty() {
            return Ok(0);
        }
        Ok(match host_readiness(self.raw(), true) {
            Ok(HostReadiness::Pending) => 0,
            _ => MAX_CHUNK as u64,
        })
    }

    fn write(&self, data: &[u8]) -> StreamResult<()> {
        let mut out = self.lock();
        if out.closed {
            return Err(StreamFail::Closed);
        }
        if out.pending.len() + data.len() > MAX_PENDING + MAX_CHUNK {
            return Err(trap("write exceeds the permit of check-write").into());
        }
        out.pending.extend_from_slice(data);
        self.send_pending(&mut out)
    }

    /// Sends what is pending; with `block`, waits (interruptibly) until all of it is sent.
    pub fn flush(&self, block: bool, interrupt: Option<&InterruptHandle>) -> StreamResult<()> {
        loop {
            {
                let mut out = self.lock();
                if out.closed {
                    return Err(StreamFail::Closed);
                }
                self.send_pending(&mut out)?;
                if out.pending.is_empty() || !block {
                    return Ok(());
                }
            }
            block_on(self.raw(), true, interrupt)?;
        }
    }

    fn wait(&self) -> Wait {
        let out = self.lock();
        if out.closed {
            Wait::Ready
        } else {
            fd_wait(self.raw(), true)
        }
    }

    /// Sends as much of the pending bytes as the socket takes now.
    fn send_pending(&self, out: &mut Outgoing) -> StreamResult<()> {
        let mut sent = 0;
        while sent < out.pending.len() {
            // `std` sends with MSG_NOSIGNAL: a peer that went away is an error, not SIGPIPE.
            match (&self.sock).write(&out.pending[sent..]) {
                Ok(0) => break,
                Ok(n) => sent += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => {
                    out.pending.clear();
                    out.closed = true;
                    return Err(io_fail(e));
                }
            }
        }
        out.pending.drain(..sent);
        Ok(())
    }
}
