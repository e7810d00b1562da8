//! Bodies between hyper (async, on the tokio runtime) and a guest (synchronous, on its own
//! thread), both ways, with bounded buffers so that neither side can make the other hold a
//! whole body.
//!
//! - Incoming (a request the server received, a response the client received): a task
//!   reads hyper's body frame by frame into an [`Incoming`] queue and stops while the queue
//!   holds more than [`WINDOW`] bytes; the guest reads through an `input-stream`
//!   ([`IncomingStream`]) and wakes the task as it takes bytes. Trailers and errors end the
//!   queue; `future-trailers` reads them.
//! - Outgoing (the response the guest writes, a request it sends): the guest writes through
//!   an `output-stream` ([`OutgoingStream`]) into an [`Outgoing`] queue, `check-write`
//!   permitting no more than [`WINDOW`] bytes in it; hyper takes frames from the queue as
//!   the peer reads ([`OutgoingBody`], an `http_body::Body`) and wakes the guest.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame};
use tessera_wasi::p2::host::{HostInputStream, HostOutputStream, Readiness, Signal, StreamError};

use crate::error::ErrorCode;

/// The most body bytes buffered between hyper and a guest, each way.
pub const WINDOW: usize = 256 * 1024;

/// The most one `check-write` permits (a guest's write crosses as one value per byte).
const MAX_WRITE: usize = 64 * 1024;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Critical sections here only move buffers; a panic in one leaves them consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How a body ended.
#[derive(Clone, Debug)]
pub enum End {
    /// Complete, with these trailers (if any).
    Done(Option<HeaderMap>),
    /// Failed.
    Failed(ErrorCode),
}

// ---------------------------------------------------------------------------------------
// Incoming

/// What an incoming body may do.
#[derive(Clone, Default)]
pub struct BodyLimits {
    /// The most bytes it may carry, and the error it fails with beyond them.
    pub max: Option<(u64, ErrorCode)>,
    /// The longest wait for its next frame.
    pub between_bytes: Option<std::time::Duration>,
    /// Notified when the body goes over `max` (the server then answers 413 at once).
    pub exceeded: Option<Arc<tokio::sync::Notify>>,
}

/// A body arriving from hyper, buffered for the guest.
pub struct Incoming {
    state: Mutex<InState>,
    /// Wakes the pumping task when the guest took bytes, gave up on the body, or dropped it
    /// (the task waits holding only a weak reference, so that dropping it ends the task).
    space: Arc<tokio::sync::Notify>,
    /// Wakes the guest when bytes, the end or an error arrived.
    signal: Arc<Signal>,
}

#[derive(Default)]
struct InState {
    chunks: VecDeque<Bytes>,
    buffered: usize,
    end: Option<End>,
    /// The guest will read no more (body finished early, or dropped): bytes are discarded.
    discard: bool,
}

impl Incoming {
    /// Starts reading `body` on `runtime`, within `limits`.
    pub fn spawn<B>(
        runtime: &tokio::runtime::Handle,
        body: B,
        signal: Arc<Signal>,
        limits: BodyLimits,
    ) -> Arc<Incoming>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let incoming = Arc::new(Incoming { state: Mutex::default(), space: Arc::default(), signal });
        runtime.spawn(pump(body, Arc::downgrade(&incoming), limits));
        incoming
    }

    fn finish_with(&self, end: End) {
        let mut s = lock(&self.state);
        if s.end.is_none() {
            s.end = Some(end);
        }
        drop(s);
        self.signal.notify();
    }

    /// The guest reads no more: drop what is buffered and what still comes.
    pub fn discard(&self) {
        let mut s = lock(&self.state);
        s.discard = true;
        s.chunks.clear();
        s.buffered = 0;
        drop(s);
        self.space.notify_one();
    }

    /// How the body ended, once it has (`None` while bytes may still come).
    pub fn end(&self) -> Option<End> {
        lock(&self.state).end.clone()
    }

    /// Ready once the body has ended.
    pub fn end_readiness(&self) -> Readiness {
        if lock(&self.state).end.is_some() {
            Readiness::Ready
        } else {
            Readiness::Pending(self.signal.clone())
        }
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        // The pump may be waiting for room: let it see that nobody reads any more.
        self.space.notify_one();
    }
}

/// Moves `body`'s frames into the queue until it ends, the guest gives up, or the queue is
/// dropped (the request's instance is gone).
async fn pump<B>(body: B, weak: std::sync::Weak<Incoming>, limits: BodyLimits)
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use http_body_util::BodyExt;
    let mut body = std::pin::pin!(body);
    let mut total: u64 = 0;
    loop {
        let next = async {
            body.frame().await.map(|f| {
                f.map_err(|e| {
                    let e: Box<dyn std::error::Error + Send + Sync> = e.into();
                    match e.downcast_ref::<hyper::Error>() {
                        Some(h) => ErrorCode::from_hyper(h),
                        None => ErrorCode::internal(e.to_string()),
                    }
                })
            })
        };
        let frame = match limits.between_bytes {
            None => next.await,
            Some(d) => {
                tokio::time::timeout(d, next).await.unwrap_or(Some(Err(ErrorCode::CONNECTION_READ_TIMEOUT)))
            }
        };
        let Some(incoming) = weak.upgrade() else { return };
        let frame = match frame {
            None => return incoming.finish_with(End::Done(None)),
            Some(Err(code)) => return incoming.finish_with(End::Failed(code)),
            Some(Ok(frame)) => frame,
        };
        let frame = match frame.into_data() {
            Ok(data) => {
                total += data.len() as u64;
                if let Some((max, code)) = &limits.max {
                    if total > *max {
                        if let Some(n) = &limits.exceeded {
                            n.notify_one();
                        }
                        return incoming.finish_with(End::Failed(code.clone()));
                    }
                }
                {
                    let mut s = lock(&incoming.state);
                    if !s.discard && !data.is_empty() {
                        s.buffered += data.len();
                        s.chunks.push_back(data);
                    }
                }
                incoming.signal.notify();
                // Backpressure: wait while the guest has not taken what is buffered, holding
                // only the weak reference (a dropped queue then ends this task).
                let space = incoming.space.clone();
                drop(incoming);
                loop {
                    let notified = space.notified();
                    match weak.upgrade() {
                        None => return,
                        Some(incoming) if lock(&incoming.state).buffered <= WINDOW => break,
                        Some(_) => {}
                    }
                    notified.await;
                }
                continue;
            }
            Err(frame) => frame,
        };
        if let Ok(trailers) = frame.into_trailers() {
            return incoming.finish_with(End::Done(Some(trailers)));
        }
    }
}

/// The `input-stream` of an incoming body.
pub struct IncomingStream {
    pub incoming: Arc<Incoming>,
    /// Dropped with the stream: the body resource sees whether its child is alive.
    pub _alive: Arc<()>,
}

impl HostInputStream for IncomingStream {
    fn read(&mut self, max: usize) -> Result<Vec<u8>, StreamError> {
        let mut s = lock(&self.incoming.state);
        if s.chunks.is_empty() {
            return match &s.end {
                None => Ok(Vec::new()),
                Some(End::Done(_)) => Err(StreamError::Closed),
                Some(End::Failed(code)) => Err(StreamError::Failed {
                    message: format!("body failed: {code}"),
                    payload: Some(Arc::new(code.clone())),
                }),
            };
        }
        let mut out = Vec::with_capacity(max.min(s.buffered));
        while out.len() < max {
            let Some(front) = s.chunks.front_mut() else { break };
            let take = (max - out.len()).min(front.len());
            out.extend_from_slice(&front.split_to(take));
            if front.is_empty() {
                s.chunks.pop_front();
            }
        }
        s.buffered -= out.len();
        drop(s);
        self.incoming.space.notify_one();
        Ok(out)
    }

    fn readiness(&self) -> Readiness {
        let s = lock(&self.incoming.state);
        if !s.chunks.is_empty() || s.end.is_some() {
            Readiness::Ready
        } else {
            Readiness::Pending(self.incoming.signal.clone())
        }
    }
}

// ---------------------------------------------------------------------------------------
// Outgoing

/// A body the guest writes, buffered for hyper.
pub struct Outgoing {
    state: Mutex<OutState>,
    /// Wakes the guest when hyper took bytes (or the peer went away).
    signal: Arc<Signal>,
}

#[derive(Default)]
struct OutState {
    chunks: VecDeque<Bytes>,
    buffered: usize,
    /// Set by `finish` (or a drop without it: a failure); taken by hyper at the end.
    end: Option<End>,
    /// Hyper's side is gone (the peer closed, or the response was never sent).
    closed: bool,
    /// Hyper's task waiting for a frame.
    waker: Option<Waker>,
    /// The most bytes the body may carry (a `content-length` the guest set).
    declared: Option<u64>,
    written: u64,
}

impl Outgoing {
    pub fn new(signal: Arc<Signal>, declared: Option<u64>) -> Arc<Outgoing> {
        Arc::new(Outgoing { state: Mutex::new(OutState { declared, ..OutState::default() }), signal })
    }

    fn wake(mut s: MutexGuard<'_, OutState>) {
        let waker = s.waker.take();
        drop(s);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Ends the body: complete with `trailers`, or failed. Only the first end counts.
    ///
    /// # Errors
    /// `HTTP-response-body-size` when fewer bytes were written than the `content-length`
    /// the guest declared (the body then ends as failed).
    pub fn finish(&self, end: End) -> Result<(), ErrorCode> {
        let mut s = lock(&self.state);
        if s.end.is_some() {
            return Ok(());
        }
        let mut result = Ok(());
        let end = match (end, s.declared) {
            (End::Done(_), Some(declared)) if s.written != declared => {
                let code = ErrorCode::HttpResponseBodySize(Some(s.written));
                result = Err(code.clone());
                End::Failed(code)
            }
            (end, _) => end,
        };
        s.end = Some(end);
        Outgoing::wake(s);
        result
    }

    /// The other side is gone (or never came): the guest's writes fail from now on.
    pub(crate) fn close(&self) {
        lock(&self.state).closed = true;
        self.signal.notify();
    }
}

/// The `output-stream` of an outgoing body.
pub struct OutgoingStream {
    pub outgoing: Arc<Outgoing>,
    pub _alive: Arc<()>,
}

impl HostOutputStream for OutgoingStream {
    fn check_write(&mut self) -> Result<usize, StreamError> {
        let s = lock(&self.outgoing.state);
        if s.closed || s.end.is_some() {
            return Err(StreamError::Closed);
        }
        Ok(WINDOW.saturating_sub(s.buffered).min(MAX_WRITE))
    }

    fn write(&mut self, data: Vec<u8>) -> Result<(), StreamError> {
        let mut s = lock(&self.outgoing.state);
        if s.closed || s.end.is_some() {
            return Err(StreamError::Closed);
        }
        // The permit `check-write` gave is at most this (the queue only shrinks meanwhile).
        if data.len() > WINDOW.saturating_sub(s.buffered).min(MAX_WRITE) {
            return Err(StreamError::Trap("write exceeds the permit of check-write".into()));
        }
        s.written += data.len() as u64;
        if let Some(declared) = s.declared {
            if s.written > declared {
                let code = ErrorCode::HttpResponseBodySize(Some(s.written));
                s.end = Some(End::Failed(code.clone()));
                Outgoing::wake(s);
                return Err(StreamError::Failed {
                    message: format!("more body than the content-length of {declared} bytes"),
                    payload: Some(Arc::new(code)),
                });
            }
        }
        if !data.is_empty() {
            s.buffered += data.len();
            s.chunks.push_back(Bytes::from(data));
        }
        Outgoing::wake(s);
        Ok(())
    }

    fn flush(&mut self) -> Result<bool, StreamError> {
        // Everything written is queued for hyper; a blocking flush waits until the queue is
        // below its window again (waiting for it to empty would make each small write wait
        // for the peer).
        let s = lock(&self.outgoing.state);
        if s.closed {
            return Err(StreamError::Closed);
        }
        Ok(s.buffered < WINDOW)
    }

    fn readiness(&self) -> Readiness {
        let s = lock(&self.outgoing.state);
        if s.closed || s.end.is_some() || s.buffered < WINDOW {
            Readiness::Ready
        } else {
            Readiness::Pending(self.outgoing.signal.clone())
        }
    }
}

/// What hyper sends: a guest's [`Outgoing`] body, fixed bytes, or nothing.
pub enum OutgoingBody {
    Empty,
    Full(Option<Bytes>),
    Guest { outgoing: Arc<Outgoing>, trailers_sent: bool },
}

impl OutgoingBody {
    pub fn full(bytes: impl Into<Bytes>) -> OutgoingBody {
        OutgoingBody::Full(Some(bytes.into()))
    }
}

impl Drop for OutgoingBody {
    fn drop(&mut self) {
        if let OutgoingBody::Guest { outgoing, .. } = self {
            outgoing.close();
        }
    }
}

/// Why a guest's body did not complete (reported to hyper, which resets the stream or
/// connection rather than pass off a truncated body as whole).
#[derive(Debug)]
pub struct BodyError(pub ErrorCode);

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the body did not complete: {}", self.0)
    }
}

impl std::error::Error for BodyError {}

impl Body for OutgoingBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        match self.get_mut() {
            OutgoingBody::Empty => Poll::Ready(None),
            OutgoingBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            OutgoingBody::Guest { outgoing, trailers_sent } => {
                let mut s = lock(&outgoing.state);
                if let Some(chunk) = s.chunks.pop_front() {
                    s.buffered -= chunk.len();
                    drop(s);
                    outgoing.signal.notify();
                    return Poll::Ready(Some(Ok(Frame::data(chunk))));
                }
                match &mut s.end {
                    None => {
                        s.waker = Some(cx.waker().clone());
                        Poll::Pending
                    }
                    Some(End::Done(trailers)) => match trailers.take() {
                        Some(t) if !*trailers_sent => {
                            *trailers_sent = true;
                            Poll::Ready(Some(Ok(Frame::trailers(t))))
                        }
                        _ => Poll::Ready(None),
                    },
                    Some(End::Failed(code)) => Poll::Ready(Some(Err(BodyError(code.clone())))),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            OutgoingBody::Empty => true,
            OutgoingBody::Full(b) => b.is_none(),
            OutgoingBody::Guest { .. } => false,
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self {
            OutgoingBody::Empty => http_body::SizeHint::with_exact(0),
            OutgoingBody::Full(b) => {
                http_body::SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64))
            }
            OutgoingBody::Guest { outgoing, .. } => match lock(&outgoing.state).declared {
                Some(n) => http_body::SizeHint::with_exact(n),
                None => http_body::SizeHint::default(),
            },
        }
    }
}
