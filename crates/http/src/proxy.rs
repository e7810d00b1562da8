//! [`ProxyPre`]: a `wasi:http/proxy` component made ready once (loaded, linked, its export
//! found), which then handles each request in a new instance with a store of its own.
//!
//! A request's life: its head becomes an `incoming-request` and its body starts streaming
//! into a bounded buffer (`body`); the guest runs on one of tokio's blocking threads (it is
//! synchronous and may block in `wasi:io/poll`), and the async side waits for what the guest
//! passes to `response-outparam.set`, or for the guest to end without doing so. The response
//! body then streams from the guest while hyper sends it. The store, and with it every byte
//! of the instance's memory, is dropped when the guest returns: nothing one request wrote is
//! visible to the next.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tessera_component::{Component, Func, InstancePre, Linker, Val};
use tessera_engine::{Engine, Store, StoreLimits, TrapCode};
use tessera_wasi::WasiCtx;
use tokio::sync::oneshot;

use crate::body::{BodyLimits, Incoming, OutgoingBody};
use crate::ctx::{Entry, HttpCtx, HttpView, IncomingRequest, Scheme};
use crate::error::ErrorCode;
use crate::outbound::OutboundPolicy;
use crate::types::res;
use crate::vals::own;

/// What a guest's `response-outparam` sends: its response, or the error it chose.
pub(crate) struct ResponseSender(oneshot::Sender<Result<http::Response<OutgoingBody>, ErrorCode>>);

impl ResponseSender {
    pub(crate) fn send(self, r: Result<http::Response<OutgoingBody>, ErrorCode>) {
        // The receiver is gone only when the request was already answered otherwise (its
        // body too large); the guest's response is then not wanted.
        let _ = self.0.send(r);
    }
}

/// The store data of one request's instance.
pub struct ProxyState {
    pub wasi: WasiCtx,
    pub http: HttpCtx,
}

impl HttpView for ProxyState {
    fn ctx(&mut self) -> (&mut WasiCtx, &mut HttpCtx) {
        (&mut self.wasi, &mut self.http)
    }
}

/// Makes the WASI context of each request's instance (its grants).
pub type WasiFactory = Arc<dyn Fn() -> WasiCtx + Send + Sync>;

/// What every request's instance gets and may use.
#[derive(Clone)]
pub struct ProxyConfig {
    /// The WASI grants (directories, environment, stdio) of each instance.
    pub wasi: WasiFactory,
    /// Where instances may send requests.
    pub outbound: Arc<OutboundPolicy>,
    /// Fuel per request (the engine must be configured with `consume_fuel`).
    pub fuel: Option<u64>,
    /// The largest any linear memory of an instance may grow.
    pub max_memory: Option<u64>,
    /// Wall-clock time per request, from the start of its instance to the end of the guest's
    /// call (the engine must be configured with `interruptible`).
    pub timeout: Option<Duration>,
    /// The most bytes a request body may carry (`None`: no limit).
    pub max_body_size: Option<u64>,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            wasi: Arc::new(|| tessera_wasi::WasiCtxBuilder::new().build()),
            outbound: Arc::new(OutboundPolicy::default()),
            fuel: None,
            max_memory: None,
            timeout: None,
            max_body_size: None,
        }
    }
}

/// How a request's guest ended, when it did not simply return.
#[derive(Debug, Clone)]
pub enum GuestFailure {
    /// It trapped (a panic, a bad access, its fuel ran out): the message and wasm backtrace.
    Trap { message: String, backtrace: String },
    /// It ran past the request's time limit.
    Timeout(Duration),
    /// It could not be started (instantiation failed, the host is out of resources).
    Internal(String),
}

impl std::fmt::Display for GuestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GuestFailure::Trap { message, .. } => write!(f, "{message}"),
            GuestFailure::Timeout(t) => write!(f, "stopped after the time limit of {t:?}"),
            GuestFailure::Internal(m) => write!(f, "{m}"),
        }
    }
}

/// Called with each request's method and path when its guest fails.
pub type FailureReporter = Arc<dyn Fn(&str, &str, &GuestFailure) + Send + Sync>;

/// A `wasi:http/proxy` component ready to handle requests, each in its own instance.
pub struct ProxyPre {
    engine: Engine,
    pre: InstancePre<ProxyState>,
    /// `wasi:http/incoming-handler@0.2.x`, as the component names it.
    handler: String,
    config: ProxyConfig,
    reporter: FailureReporter,
}

/// Why a component cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("{0}")]
    Component(#[from] tessera_component::Error),
    #[error("the component does not export `wasi:http/incoming-handler`; it exports {0}")]
    NotAProxy(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ProxyPre {
    /// Links `component` against WASI 0.2 (the whole `wasi:cli` world, so that guests built
    /// with Rust's std link) and wasi:http, instantiates it once to check that every import
    /// is satisfied, and finds its `wasi:http/incoming-handler` export. Failures of the
    /// guests go to stderr (see [`ProxyPre::on_failure`]).
    ///
    /// # Errors
    /// If the component imports something neither host provides, or does not export
    /// `wasi:http/incoming-handler` (the error lists what it exports).
    pub fn new(engine: &Engine, component: Component, config: ProxyConfig) -> Result<ProxyPre, ProxyError> {
        let mut linker: Linker<ProxyState> = Linker::new();
        tessera_wasi::p2::add_to_linker(&mut linker, |s| &mut s.wasi)?;
        crate::add_to_linker(&mut linker)?;
        // A trial instance: the imports are checked once, here, not on the first request.
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| std::io::Error::other(format!("ProxyPre::new needs a tokio runtime: {e}")))?;
        let http = HttpCtx::new(runtime, config.outbound.clone());
        let mut store = Store::new(engine, ProxyState { wasi: (config.wasi)(), http });
        let pre = linker.instantiate_pre(&component)?;
        let instance = pre.instantiate(&mut store)?;
        let funcs = instance.funcs();
        let handler = funcs
            .iter()
            .map(|(name, _)| name)
            .find(|n| n.starts_with("wasi:http/incoming-handler@0.2.") && n.ends_with("#handle"))
            .map(|n| n.trim_end_matches("#handle").to_string());
        let Some(handler) = handler else {
            let exports: Vec<String> =
                instance.exports().into_iter().map(|(n, _)| format!("`{n}`")).collect();
            let exports = if exports.is_empty() { "nothing".to_string() } else { exports.join(", ") };
            return Err(ProxyError::NotAProxy(exports));
        };
        let reporter: FailureReporter = Arc::new(report_to_stderr);
        Ok(ProxyPre { engine: engine.clone(), pre, handler, config, reporter })
    }

    /// Replaces what is done with a failed guest (by default: one line on stderr, then the
    /// wasm backtrace).
    pub fn on_failure(&mut self, reporter: FailureReporter) {
        self.reporter = reporter;
    }

    /// The configuration every request's instance gets.
    pub fn config(&self) -> &ProxyConfig {
        &self.config
    }

    /// Handles one request in a new instance; the response the guest gives (its body streams
    /// on), or the server's own answer: 413 for a body over the size limit, 500 when the
    /// guest traps or returns without a response (the failure reported as set by
    /// [`ProxyPre::on_failure`]), 504 when it runs past the time limit.
    ///
    /// Must be called on a tokio runtime (with the blocking pool: the guest runs there).
    pub async fn handle<B>(self: &Arc<Self>, request: http::Request<B>) -> http::Response<OutgoingBody>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.handle_holding(request, ()).await
    }

    /// [`ProxyPre::handle`], keeping `held` (a concurrency permit) until the guest returns,
    /// which may be after the response head was sent.
    pub(crate) async fn handle_holding<B, H: Send + 'static>(
        self: &Arc<Self>,
        request: http::Request<B>,
        held: H,
    ) -> http::Response<OutgoingBody>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let runtime = tokio::runtime::Handle::current();
        let (parts, body) = request.into_parts();
        if let (Some(max), Some(len)) = (self.config.max_body_size, declared_length(&parts.headers)) {
            if len > max {
                return plain(413, "request body larger than the server accepts\n");
            }
        }
        let http = HttpCtx::new(runtime.clone(), self.config.outbound.clone());
        let exceeded = Arc::new(tokio::sync::Notify::new());
        let limits = BodyLimits {
            max: self.config.max_body_size.map(|m| (m, ErrorCode::HttpRequestBodySize(Some(m)))),
            between_bytes: None,
            exceeded: Some(exceeded.clone()),
        };
        let incoming = Incoming::spawn(&runtime, body, http.signal.clone(), limits);
        let request = IncomingRequest {
            method: parts.method.clone(),
            scheme: Some(match parts.uri.scheme_str() {
                Some("https") => Scheme::Https,
                _ => Scheme::Http,
            }),
            authority: parts.uri.authority().map(|a| a.to_string()).or_else(|| {
                parts.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string)
            }),
            path_with_query: Some(parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string()),
            headers: parts.headers.clone(),
            body: Some(incoming),
        };
        let (tx, mut rx) = oneshot::channel();
        let this = self.clone();
        let guest = tokio::task::spawn_blocking(move || {
            let outcome = this.run_guest(http, request, ResponseSender(tx));
            drop(held);
            outcome
        });
        tokio::select! {
            biased;
            response = &mut rx => {
                if let Ok(response) = response {
                    return match response {
                        Ok(r) => r,
                        Err(code) => plain(500, &format!("the handler answered with an error: {code}\n")),
                    };
                }
            }
            () = exceeded.notified() => return plain(413, "request body larger than the server accepts\n"),
        }
        // The guest ended without setting a response (a failure it had is reported).
        match guest.await {
            Ok(Some(GuestFailure::Timeout(_))) => plain(504, "the handler did not finish in time\n"),
            Ok(Some(_)) => plain(500, "internal server error\n"),
            Ok(None) => self.failed(
                &parts,
                GuestFailure::Internal("the handler returned without setting a response".into()),
            ),
            Err(e) => {
                self.failed(&parts, GuestFailure::Internal(format!("the handler's thread failed: {e}")))
            }
        }
    }

    /// Reports a failure the guest did not report itself; the 500 it is answered with.
    fn failed(&self, parts: &http::request::Parts, failure: GuestFailure) -> http::Response<OutgoingBody> {
        (self.reporter)(parts.method.as_str(), parts.uri.path(), &failure);
        plain(500, "internal server error\n")
    }

    /// Instantiates the component in a store of its own and calls the handler; how the guest
    /// failed, if it did (reported here too when the response was already sent).
    fn run_guest(
        &self,
        http: HttpCtx,
        request: IncomingRequest,
        outparam: ResponseSender,
    ) -> Option<GuestFailure> {
        let method = request.method.to_string();
        let path = request.path_with_query.clone().unwrap_or_default();
        let started = Instant::now();
        let mut store = Store::new(&self.engine, ProxyState { wasi: (self.config.wasi)(), http });
        store.limiter(StoreLimits { max_memory_bytes: self.config.max_memory, max_table_elements: None });
        if let Some(fuel) = self.config.fuel {
            if let Err(e) = store.set_fuel(fuel) {
                return Some(GuestFailure::Internal(format!("cannot set fuel: {e}")));
            }
        }
        let timer = self.config.timeout.map(|t| {
            let handle = store.interrupt_handle();
            let deadline = tokio::time::Instant::from_std(started + t);
            store.data().http.runtime.spawn(async move {
                tokio::time::sleep_until(deadline).await;
                handle.interrupt();
            })
        });
        let outcome = (|| -> Result<(), tessera_component::Error> {
            let instance = self.pre.instantiate(&mut store)?;
            let handle = instance
                .get_func_in(&self.handler, "handle")
                .ok_or_else(|| tessera_component::Error::TypeMismatch("no `handle` function".into()))?;
            let http = &mut store.data_mut().http;
            let req = own::<res::IncomingRequest>(http.table.push(Entry::IncomingRequest(request))?);
            let out = own::<res::ResponseOutparam>(http.table.push(Entry::ResponseOutparam(outparam))?);
            call(&handle, &mut store, req, out)
        })();
        if let Some(timer) = timer {
            timer.abort();
        }
        let failure = match outcome {
            Ok(()) => return None,
            Err(e) => match e.as_trap() {
                Some(trap) if trap.code() == TrapCode::Interrupted => {
                    GuestFailure::Timeout(self.config.timeout.unwrap_or_default())
                }
                Some(trap) => {
                    GuestFailure::Trap { message: trap.to_string(), backtrace: trap.backtrace_string() }
                }
                None => GuestFailure::Internal(e.to_string()),
            },
        };
        // The store goes first: an unfinished response body then ends as failed at once.
        drop(store);
        (self.reporter)(&method, &path, &failure);
        Some(failure)
    }
}

fn call(
    handle: &Func,
    store: &mut Store<ProxyState>,
    req: Val,
    out: Val,
) -> Result<(), tessera_component::Error> {
    handle.call(store, &[req, out], &mut [])
}

/// The `content-length` a request declares.
fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers.get(http::header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// A response of the server's own with a short text body.
pub(crate) fn plain(status: u16, text: &str) -> http::Response<OutgoingBody> {
    let mut r = http::Response::new(OutgoingBody::full(text.to_string()));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

/// The default reporter: one line, then the wasm backtrace if there is one.
fn report_to_stderr(method: &str, path: &str, failure: &GuestFailure) {
    let mut text = format!("error: {method} {path}: {failure}\n");
    if let GuestFailure::Trap { backtrace, .. } = failure {
        if !backtrace.is_empty() {
            text.push_str("wasm backtrace:\n");
            text.push_str(backtrace);
        }
    }
    // One write, so that lines of concurrent requests do not interleave.
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
