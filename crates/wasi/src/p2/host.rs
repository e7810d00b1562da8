//! Extending WASI 0.2 with more interfaces: streams, pollables and `wasi:io` types whose
//! source is another crate's (`tessera-http`'s request and response bodies, for one).
//!
//! `wasi:io` is this crate's: a guest reads every `input-stream` and polls every `pollable`
//! through the functions defined here, whatever made them. Another host crate hands its own
//! objects over as [`HostInputStream`], [`HostOutputStream`] and [`HostPollable`] trait
//! objects ([`WasiCtx::push_input_stream`] and friends), and they then behave like stdin or a
//! socket: non-blocking reads and writes, blocking ones that wait without spinning, and
//! pollables that `wasi:io/poll.poll` sleeps on together with files, sockets and clocks.
//!
//! What they wait on is a [`Signal`]: a descriptor pair that the object's producer (a
//! thread, an async task) pokes whenever something changed. A waiting guest sleeps in
//! `poll(2)` on it alongside every other descriptor, so an event from another thread wakes
//! it at once, and the store's interrupt (the guest's deadline) still ends the wait.

use std::any::Any;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, OnceLock};

use tessera_component::{Error, LinkerInstance, Result, Val};
use tessera_engine::InterruptHandle;

use super::io::{ErrorInfo, Source, Wait};
use super::table::{res, Entry};
use super::{own, Getter, HostError};
use crate::ctx::WasiCtx;
use crate::wait::wait_any;

/// A wake-up call across threads: [`Signal::notify`] from any thread makes a guest blocked
/// on an object waiting for this signal look again.
///
/// Edge-triggered and coalescing: many notifications before the guest looks are one. The
/// descriptors behind it (a socket pair) are made only when a guest first has to wait, so a
/// request whose guest never waits costs no system call here.
pub struct Signal {
    /// `(rx, tx)`: `rx` is readable while a notification is pending.
    pair: OnceLock<(UnixStream, UnixStream)>,
}

impl Signal {
    /// A new signal.
    pub fn new() -> Arc<Signal> {
        Arc::new(Signal { pair: OnceLock::new() })
    }

    /// Wakes whoever waits on this signal (now or next time it waits). Never blocks.
    ///
    /// Before anyone has waited there is nobody to wake: a waiter makes the descriptors and
    /// then looks at its object again before it sleeps, so nothing notified is missed.
    pub fn notify(&self) {
        if let Some((_, tx)) = self.pair.get() {
            // A full buffer means a notification is already pending: nothing is lost.
            let _ = (&*tx).write(&[1]);
        }
    }

    /// The descriptor to sleep on, and whether it was just made (the caller must then look
    /// at its objects again before sleeping).
    pub(crate) fn arm(&self) -> std::io::Result<(i32, bool)> {
        if let Some((rx, _)) = self.pair.get() {
            return Ok((std::os::fd::AsRawFd::as_raw_fd(rx), false));
        }
        // A failure is not kept: the next wait tries again (descriptors may free up).
        let (rx, tx) = UnixStream::pair()?;
        rx.set_nonblocking(true)?;
        tx.set_nonblocking(true)?;
        // Only the guest's thread arms a signal; were there a race, either pair would do.
        let _ = self.pair.set((rx, tx));
        let (rx, _) = self.pair.get().expect("set just above");
        Ok((std::os::fd::AsRawFd::as_raw_fd(rx), true))
    }

    /// Forgets pending notifications. Called after a wait wakes and before the objects are
    /// looked at again, so a notification that comes after this is seen by the next wait.
    pub(crate) fn drain(&self) {
        let Some((rx, _)) = self.pair.get() else { return };
        let mut buf = [0u8; 64];
        loop {
            match (&*rx).read(&mut buf) {
                Ok(n) if n == buf.len() => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                _ => return,
            }
        }
    }
}

/// How a host object stands: ready (an operation would not have to wait), or pending until
/// the signal fires.
pub enum Readiness {
    Ready,
    Pending(Arc<Signal>),
}

/// Why a host stream operation did not complete.
pub enum StreamError {
    /// End of the input, or an output that takes nothing more.
    Closed,
    /// The stream failed; the guest gets an `error` resource with `message` as its debug
    /// string. `payload` lets the crate that made the stream find out more about the error
    /// later ([`WasiCtx::io_error_payload`]), e.g. to answer `wasi:http`'s `http-error-code`.
    Failed { message: String, payload: Option<Arc<dyn Any + Send + Sync>> },
    /// The guest broke the stream's rules: a trap.
    Trap(String),
}

/// An `input-stream` whose bytes come from the host.
pub trait HostInputStream: Send {
    /// Up to `max` bytes that are there now; empty when nothing is there yet.
    ///
    /// # Errors
    /// [`StreamError::Closed`] at the end, or the failure that ended the stream.
    fn read(&mut self, max: usize) -> std::result::Result<Vec<u8>, StreamError>;

    /// Ready when a read would return bytes, the end or an error.
    fn readiness(&self) -> Readiness;
}

/// An `output-stream` whose bytes go to the host.
pub trait HostOutputStream: Send {
    /// How many bytes a write may take now (0: none; wait for readiness).
    ///
    /// # Errors
    /// [`StreamError::Closed`] when the stream takes nothing more, or its failure.
    fn check_write(&mut self) -> std::result::Result<usize, StreamError>;

    /// Takes `data`, no more than [`HostOutputStream::check_write`] permitted (a guest that
    /// writes more traps before this is called). What cannot be passed on at once is kept
    /// and goes with a later `flush`.
    ///
    /// # Errors
    /// As for `check_write`.
    fn write(&mut self, data: Vec<u8>) -> std::result::Result<(), StreamError>;

    /// Passes on what was kept; whether nothing is kept any more.
    ///
    /// # Errors
    /// As for `check_write`.
    fn flush(&mut self) -> std::result::Result<bool, StreamError>;

    /// Ready when `check-write` would permit a write (or report an error).
    fn readiness(&self) -> Readiness;
}

/// A `pollable` whose event is the host's (a response arriving, trailers received).
pub trait HostPollable: Send {
    fn readiness(&self) -> Readiness;
}

/// The `wasi:io` resource types, for another interface that `use`s them (its linker
/// instance must define them too, as the same types).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IoType {
    Error,
    Pollable,
    InputStream,
    OutputStream,
}

/// Defines `name` in `inst` as the `wasi:io` resource type `ty` (dropping a handle of it
/// frees the entry in the context's table, wherever it was defined).
///
/// # Errors
/// If `name` is already defined in `inst`.
pub fn define_io_type<T: 'static>(
    inst: &mut LinkerInstance<'_, T>,
    name: &str,
    ty: IoType,
    get: Getter<T>,
) -> Result<()> {
    let dtor = move |store: &mut tessera_engine::Store<T>, rep: u32| {
        get(store.data_mut()).p2.table.remove(rep);
        Ok(())
    };
    match ty {
        IoType::Error => inst.resource::<res::Error>(name, dtor),
        IoType::Pollable => inst.resource::<res::Pollable>(name, dtor),
        IoType::InputStream => inst.resource::<res::InputStream>(name, dtor),
        IoType::OutputStream => inst.resource::<res::OutputStream>(name, dtor),
    }
}

fn pushed(r: super::HostResult<u32>) -> Result<u32> {
    r.map_err(|e| match e {
        HostError::Trap(e) => e,
        other => Error::TypeMismatch(format!("{other:?}")),
    })
}

impl WasiCtx {
    /// Gives the guest a new `input-stream` reading from `stream`: the owned handle, as the
    /// value a host function returns.
    ///
    /// # Errors
    /// A trap when the guest holds too many resources.
    pub fn push_input_stream(&mut self, stream: Box<dyn HostInputStream>) -> Result<Val> {
        let rep = pushed(self.p2.table.push(Entry::Input(super::streams::InStream::Host(stream))))?;
        Ok(own::<res::InputStream>(rep))
    }

    /// Gives the guest a new `output-stream` writing to `stream` (see
    /// [`WasiCtx::push_input_stream`]).
    ///
    /// # Errors
    /// A trap when the guest holds too many resources.
    pub fn push_output_stream(&mut self, stream: Box<dyn HostOutputStream>) -> Result<Val> {
        let rep = pushed(self.p2.table.push(Entry::Output(super::streams::OutStream::Host(stream))))?;
        Ok(own::<res::OutputStream>(rep))
    }

    /// Gives the guest a new `pollable` for `pollable`'s event.
    ///
    /// # Errors
    /// A trap when the guest holds too many resources.
    pub fn push_pollable(&mut self, pollable: Box<dyn HostPollable>) -> Result<Val> {
        let rep = pushed(self.p2.table.push(Entry::Pollable(Source::Host(pollable))))?;
        Ok(own::<res::Pollable>(rep))
    }

    /// The payload of the `error` resource `rep`, if a host stream's
    /// [`StreamError::Failed`] gave it one.
    pub fn io_error_payload(&self, rep: u32) -> Option<Arc<dyn Any + Send + Sync>> {
        self.p2.table.error(rep).ok().and_then(|e| e.payload.clone())
    }
}

impl StreamError {
    pub(crate) fn into_fail(self) -> super::streams::StreamFail {
        use super::streams::StreamFail;
        match self {
            StreamError::Closed => StreamFail::Closed,
            StreamError::Failed { message, payload } => {
                StreamFail::Failed(ErrorInfo { message, fs: None, net: None, payload })
            }
            StreamError::Trap(message) => StreamFail::Host(super::trap(message)),
        }
    }
}

impl Readiness {
    pub(crate) fn wait(self) -> Wait {
        match self {
            Readiness::Ready => Wait::Ready,
            Readiness::Pending(signal) => Wait::Signal(signal),
        }
    }
}

/// Blocks until `readiness` says ready (asking again after each wake-up), or the deadline.
pub(crate) fn block_until(
    mut readiness: impl FnMut() -> Readiness,
    interrupt: Option<&InterruptHandle>,
) -> super::HostResult<()> {
    loop {
        let Readiness::Pending(signal) = readiness() else { return Ok(()) };
        let (fd, made) = signal.arm().map_err(|e| HostError::Fs(e.into()))?;
        if made {
            continue; // look again: a notification before the descriptors existed was not sent
        }
        super::waited(wait_any(&[(fd, false)], None, interrupt))?;
        signal.drain();
    }
}
