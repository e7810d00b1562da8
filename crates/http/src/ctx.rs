//! [`HttpCtx`]: what one guest instance of wasi:http holds — its resources, the runtime its
//! bodies and outgoing requests run on, and what it may call out to.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderMap, Method};
use tessera_component::{Error, Result};
use tessera_engine::{Trap, TrapCode};
use tessera_wasi::p2::host::Signal;
use tessera_wasi::WasiCtx;

use crate::body::{End, Incoming, Outgoing};
use crate::error::ErrorCode;
use crate::fields::Fields;
use crate::outbound::OutboundPolicy;
use crate::proxy::ResponseSender;

/// A store's data that holds a WASI context and a wasi:http context side by side.
pub trait HttpView: Send + 'static {
    /// Both contexts (the wasi:http functions need both: bodies are `wasi:io` streams).
    fn ctx(&mut self) -> (&mut WasiCtx, &mut HttpCtx);

    /// The WASI context alone.
    fn wasi(&mut self) -> &mut WasiCtx {
        self.ctx().0
    }
}

/// The wasi:http state of one guest instance.
pub struct HttpCtx {
    pub(crate) table: Table,
    pub(crate) runtime: tokio::runtime::Handle,
    /// Wakes the guest when any of its bodies or pending responses changes.
    pub(crate) signal: Arc<Signal>,
    pub(crate) outbound: Arc<OutboundPolicy>,
}

impl HttpCtx {
    /// A context whose bodies and outgoing requests run on `runtime`, allowed to send
    /// requests where `outbound` says (nowhere by default).
    pub fn new(runtime: tokio::runtime::Handle, outbound: Arc<OutboundPolicy>) -> HttpCtx {
        HttpCtx { table: Table::default(), runtime, signal: Signal::new(), outbound }
    }
}

/// A trap for a guest that broke a rule of the interface.
pub(crate) fn trap(message: impl Into<String>) -> Error {
    Trap::with_message(TrapCode::ComponentModel, message).into()
}

/// An HTTP scheme as wasi:http spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
    Other(String),
}

/// A request the server received.
pub struct IncomingRequest {
    pub method: Method,
    pub scheme: Option<Scheme>,
    pub authority: Option<String>,
    pub path_with_query: Option<String>,
    pub headers: HeaderMap,
    /// Taken by `consume`.
    pub body: Option<Arc<Incoming>>,
}

/// A response the client received.
pub struct IncomingResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Option<Arc<Incoming>>,
}

/// An `incoming-body`: the bytes, and whether its `input-stream` child was taken and is
/// still alive.
pub struct IncomingBodyRes {
    pub incoming: Arc<Incoming>,
    pub stream: Option<Arc<()>>,
}

impl Drop for IncomingBodyRes {
    fn drop(&mut self) {
        // Without a stream still reading, nobody wants the rest of the bytes.
        if self.stream.as_ref().is_none_or(|s| Arc::strong_count(s) <= 1) {
            self.incoming.discard();
        }
    }
}

/// An `outgoing-body`: where its bytes go, its `output-stream` child, and whether it was
/// finished (dropping it unfinished fails the body, as the interface says).
pub struct OutgoingBodyRes {
    pub outgoing: Arc<Outgoing>,
    pub stream: Option<Arc<()>>,
    pub finished: bool,
}

impl Drop for OutgoingBodyRes {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self
                .outgoing
                .finish(End::Failed(ErrorCode::internal("the outgoing body was dropped unfinished")));
        }
    }
}

/// An `outgoing-response` being built.
pub struct OutgoingResponse {
    pub status: u16,
    pub headers: HeaderMap,
    /// Made by the first `body()`.
    pub body: Option<Arc<Outgoing>>,
}

impl Drop for OutgoingResponse {
    fn drop(&mut self) {
        // Not handed to hyper (dropped, or never set): its body's writer must not wait forever.
        if let Some(body) = self.body.take() {
            body.close();
        }
    }
}

/// An `outgoing-request` being built.
pub struct OutgoingRequest {
    pub method: Method,
    pub scheme: Option<Scheme>,
    pub authority: Option<String>,
    pub path_with_query: Option<String>,
    pub headers: HeaderMap,
    pub body: Option<Arc<Outgoing>>,
}

impl Drop for OutgoingRequest {
    fn drop(&mut self) {
        // Not sent (denied, or invalid): its body's writer must not wait forever.
        if let Some(body) = self.body.take() {
            body.close();
        }
    }
}

/// `request-options`: each timeout as the guest set it.
#[derive(Clone, Copy, Default)]
pub struct RequestOptions {
    pub connect: Option<Duration>,
    pub first_byte: Option<Duration>,
    pub between_bytes: Option<Duration>,
}

/// Where an outgoing request's response arrives.
pub struct ResponseSlot {
    pub value: Mutex<Option<std::result::Result<IncomingResponse, ErrorCode>>>,
}

/// A `future-incoming-response`.
pub struct FutureResponse {
    pub slot: Arc<ResponseSlot>,
    /// `get` returned the response (or error) once already.
    pub taken: bool,
    /// The task sending the request; aborted if the guest gives up on the response.
    pub task: tokio::task::AbortHandle,
}

impl Drop for FutureResponse {
    fn drop(&mut self) {
        if !self.taken {
            self.task.abort();
        }
    }
}

/// A `future-trailers`.
pub struct FutureTrailers {
    pub incoming: Arc<Incoming>,
    pub taken: bool,
}

/// What one handle of the guest's stands for.
pub(crate) enum Entry {
    Fields(Fields),
    IncomingRequest(IncomingRequest),
    OutgoingRequest(OutgoingRequest),
    RequestOptions(RequestOptions),
    ResponseOutparam(ResponseSender),
    IncomingResponse(IncomingResponse),
    IncomingBody(IncomingBodyRes),
    FutureTrailers(FutureTrailers),
    OutgoingResponse(OutgoingResponse),
    OutgoingBody(OutgoingBodyRes),
    FutureResponse(FutureResponse),
}

/// Most resources a guest may hold at once (a guard against one that creates fields in a
/// loop and never drops them).
const MAX_ENTRIES: usize = 1 << 16;

/// The guest's wasi:http resources by `rep`; freed numbers are reused.
#[derive(Default)]
pub(crate) struct Table {
    slots: Vec<Option<Entry>>,
    free: Vec<u32>,
    len: usize,
}

impl Table {
    pub fn push(&mut self, e: Entry) -> Result<u32> {
        if self.len >= MAX_ENTRIES {
            return Err(trap("too many wasi:http resources held at once"));
        }
        self.len += 1;
        Ok(match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(e);
                i
            }
            None => {
                self.slots.push(Some(e));
                (self.slots.len() - 1) as u32
            }
        })
    }

    pub fn get_mut(&mut self, rep: u32) -> Result<&mut Entry> {
        self.slots
            .get_mut(rep as usize)
            .and_then(Option::as_mut)
            .ok_or_else(|| trap(format!("unknown wasi:http resource {rep}")))
    }

    pub fn remove(&mut self, rep: u32) -> Result<Entry> {
        let e = self
            .slots
            .get_mut(rep as usize)
            .and_then(Option::take)
            .ok_or_else(|| trap(format!("unknown wasi:http resource {rep}")))?;
        self.free.push(rep);
        self.len -= 1;
        Ok(e)
    }
}

macro_rules! accessors {
    ($($get:ident $take:ident $variant:ident $ty:ty, $what:literal;)*) => {
        impl Table {
            $(
                #[allow(dead_code)]
                pub fn $get(&mut self, rep: u32) -> Result<&mut $ty> {
                    match self.get_mut(rep)? {
                        Entry::$variant(x) => Ok(x),
                        _ => Err(trap(format!("wasi:http resource {rep} is not a {}", $what))),
                    }
                }

                /// Removes the entry (the guest passed its owned handle on).
                #[allow(dead_code)]
                pub fn $take(&mut self, rep: u32) -> Result<$ty> {
                    self.$get(rep)?;
                    match self.remove(rep)? {
                        Entry::$variant(x) => Ok(x),
                        _ => unreachable!("checked above"),
                    }
                }
            )*
        }
    };
}

accessors! {
    fields take_fields Fields Fields, "fields";
    incoming_request take_incoming_request IncomingRequest IncomingRequest, "incoming-request";
    outgoing_request take_outgoing_request OutgoingRequest OutgoingRequest, "outgoing-request";
    request_options take_request_options RequestOptions RequestOptions, "request-options";
    outparam take_outparam ResponseOutparam ResponseSender, "response-outparam";
    incoming_response take_incoming_response IncomingResponse IncomingResponse, "incoming-response";
    incoming_body take_incoming_body IncomingBody IncomingBodyRes, "incoming-body";
    future_trailers take_future_trailers FutureTrailers FutureTrailers, "future-trailers";
    outgoing_response take_outgoing_response OutgoingResponse OutgoingResponse, "outgoing-response";
    outgoing_body take_outgoing_body OutgoingBody OutgoingBodyRes, "outgoing-body";
    future_response take_future_response FutureResponse FutureResponse, "future-incoming-response";
}
