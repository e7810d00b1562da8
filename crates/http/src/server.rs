//! The HTTP server behind `tessera serve`: accepts connections (HTTP/1.1, and HTTP/2 with
//! prior knowledge), hands each request to a [`ProxyPre`], writes one access-log line per
//! request, limits how many requests run at once, and drains on shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::proxy::ProxyPre;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Most requests whose guests run at once; later ones wait in arrival order for a slot.
    pub max_concurrent: usize,
    /// No access log.
    pub quiet: bool,
    /// How long in-flight requests may take to finish after shutdown begins.
    pub drain_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions { max_concurrent: 256, quiet: false, drain_timeout: Duration::from_secs(10) }
    }
}

/// How a served run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Drained {
    /// Every in-flight request finished.
    All,
    /// The drain deadline passed with requests still running (they were cut off).
    TimedOut,
}

/// Serves `proxy` on `listener` until `shutdown` completes, then stops accepting, lets
/// in-flight requests finish for up to `drain_timeout`, and returns.
///
/// # Errors
/// Never from requests (each failure is answered and logged); only if accepting fails in a
/// way that will not pass (the listener itself is broken).
pub async fn serve(
    proxy: Arc<ProxyPre>,
    listener: TcpListener,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<Drained> {
    let slots = Arc::new(Semaphore::new(options.max_concurrent.max(1)));
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) if transient(&e) => {
                    // Out of descriptors, or a connection reset before it was accepted:
                    // wait a moment rather than spin, and go on.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
                Err(e) => return Err(e),
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (proxy, slots, quiet) = (proxy.clone(), slots.clone(), options.quiet);
        let service = service_fn(move |req: hyper::Request<Incoming>| {
            let (proxy, slots) = (proxy.clone(), slots.clone());
            async move { Ok::<_, Infallible>(handle(proxy, slots, quiet, req).await) }
        });
        let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // A client that sends garbage or goes away mid-request ends its own connection
            // (hyper answers what it can, e.g. 400 for a malformed request); not a server error.
            let _ = conn.await;
        });
    }
    drop(listener);
    Ok(match tokio::time::timeout(options.drain_timeout, graceful.shutdown()).await {
        Ok(()) => Drained::All,
        Err(_) => Drained::TimedOut,
    })
}

async fn handle(
    proxy: Arc<ProxyPre>,
    slots: Arc<Semaphore>,
    quiet: bool,
    req: hyper::Request<Incoming>,
) -> http::Response<crate::body::OutgoingBody> {
    let started = Instant::now();
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    // The semaphore is never closed, so acquiring only waits; the slot is held until the
    // guest returns (it may stream its body after the head was sent).
    let slot = slots.acquire_owned().await;
    let response = proxy.handle_holding(req, slot).await;
    if !quiet {
        let ms = started.elapsed().as_secs_f64() * 1e3;
        println!("{method} {path} {} {ms:.3}ms", response.status().as_u16());
    }
    response
}

fn transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(e.kind(), K::ConnectionAborted | K::ConnectionReset | K::Interrupted | K::WouldBlock)
        || e.raw_os_error().is_some_and(|c| c == 24 || c == 23) // EMFILE, ENFILE
}
