//! Tessera's wasi:http 0.2 host and server: serves `wasi:http/proxy` components, each
//! request in a new instance, and lets guests send requests where the host allows.
//!
//! Layers (arrows point down only: this crate uses `tessera-wasi`, `tessera-component` and
//! `tessera-engine`, none of which knows it):
//! - `types` and `outbound`: the `wasi:http/types` and `wasi:http/outgoing-handler`
//!   interfaces as host functions ([`add_to_linker`]), over the resources of an [`HttpCtx`];
//!   `fields` checks header names and values, `error` holds `error-code`.
//! - `body`: request and response bodies between hyper (async) and a guest (synchronous),
//!   as `wasi:io` streams through `tessera_wasi::p2::host`, with bounded buffers both ways.
//! - [`ProxyPre`]: a component linked once and ready to handle requests; the embedding API
//!   (hand it an `http::Request` from any hyper or axum server, get the response).
//! - [`server`]: the listener, concurrency limit, access log and graceful shutdown of
//!   `tessera serve`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use tessera_component::Component;
//! use tessera_engine::Engine;
//! use tessera_http::{ProxyConfig, ProxyPre};
//!
//! let engine = Engine::default();
//! let component = Component::new(&engine, std::fs::read("hello.wasm")?)?;
//! let proxy = Arc::new(ProxyPre::new(&engine, component, ProxyConfig::default())?);
//! let request = http::Request::get("/hello").body(http_body_util::Empty::<bytes::Bytes>::new())?;
//! let response = proxy.handle(request).await;
//! println!("{}", response.status());
//! # Ok(()) }
//! ```

mod body;
mod ctx;
mod error;
mod fields;
mod outbound;
mod proxy;
pub mod server;
mod types;
mod vals;

pub use body::{BodyError, OutgoingBody};
pub use ctx::{HttpCtx, HttpView};
pub use error::{ErrorCode, HeaderError};
pub use outbound::{OutboundPattern, OutboundPolicy};
pub use proxy::{FailureReporter, GuestFailure, ProxyConfig, ProxyError, ProxyPre, ProxyState, WasiFactory};

use tessera_component::{Linker, Result};

/// Adds `wasi:http/types` and `wasi:http/outgoing-handler` (version 0.2.0, serving any
/// 0.2.x import) to `linker`. WASI 0.2 itself (`wasi:io`, `wasi:cli`, ...) comes from
/// `tessera_wasi::p2::add_to_linker`, which must be added too, with [`HttpView::wasi`].
///
/// # Errors
/// If one of the names is already defined in `linker`.
pub fn add_to_linker<T: HttpView>(linker: &mut Linker<T>) -> Result<()> {
    types::add(linker)?;
    outbound::add(linker)
}
