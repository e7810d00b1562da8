//! `tessera serve`: serve a `wasi:http/proxy` component over HTTP, each request in a new
//! instance (the server itself is `tessera_http::server`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use clap::Args;
use tessera_component::Component;
use tessera_engine::{Config, Engine};
use tessera_http::server::{Drained, ServerOptions};
use tessera_http::{OutboundPattern, OutboundPolicy, ProxyConfig, ProxyPre};
use tessera_wasi::WasiCtxBuilder;

use crate::args::{parse_bytes, parse_duration};
use crate::run::Grants;

#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    grants: Grants,
    /// Stop a request's guest with a trap after this much fuel (answered 500).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Largest size any linear memory of a request's instance may reach, e.g. `64MiB`.
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    max_memory: Option<u64>,
    /// Stop a request's guest after this much wall-clock time, e.g. `5s` (answered 504, or
    /// the response cut off if its head was already sent); other requests carry on.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<Duration>,
    /// Let guests send requests to these destinations (repeatable):
    /// `SCHEME://HOST[:PORT]`, with `*` for any scheme, host or port, and `*.example.com`
    /// for its subdomains. Without it every outgoing request fails with
    /// `HTTP-request-denied`.
    #[arg(long = "allow-outbound", value_name = "URL-PATTERN")]
    allow_outbound: Vec<String>,
    /// Refuse request bodies larger than this with 413 (e.g. `10MiB`).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    max_body_size: Option<u64>,
    /// Most requests handled at once; later ones wait, in arrival order, for one to finish.
    #[arg(long, value_name = "N", default_value_t = 256)]
    max_concurrent: usize,
    /// After SIGINT or SIGTERM, how long in-flight requests may take to finish.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    drain_timeout: Duration,
    /// No access log (one line per request on stdout: method, path, status, time).
    #[arg(long, short)]
    quiet: bool,
    /// The component (binary or text) exporting `wasi:http/incoming-handler`.
    file: PathBuf,
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let file = args.file.display().to_string();
    let mut config = Config::new();
    config.consume_fuel(args.fuel.is_some());
    config.interruptible(args.timeout.is_some());
    // Each request's store is dropped when it ends: its memories are reused by the next.
    config.pooled_memories(args.max_concurrent.clamp(1, 1024));
    let engine = Engine::new(&config);
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {file}"))?;
    let component = Component::new(&engine, &bytes).map_err(|e| anyhow!("{file}: {e}"))?;

    let mut b = WasiCtxBuilder::new();
    b.inherit_stdio();
    b.arg(&file);
    args.grants.apply(&mut b)?;
    // Each request's context is a fresh copy: the directories are opened once, here.
    let template = Mutex::new(b.build());
    let patterns = args
        .allow_outbound
        .iter()
        .map(|p| p.parse::<OutboundPattern>().map_err(|e| anyhow!("--allow-outbound {e}")))
        .collect::<Result<Vec<_>>>()?;
    let proxy_config = ProxyConfig {
        wasi: Arc::new(move || template.lock().unwrap_or_else(|e| e.into_inner()).fresh_copy()),
        outbound: Arc::new(OutboundPolicy::allow(patterns)),
        fuel: args.fuel,
        max_memory: args.max_memory,
        timeout: args.timeout,
        max_body_size: args.max_body_size,
    };
    let options = ServerOptions {
        max_concurrent: args.max_concurrent,
        quiet: args.quiet,
        drain_timeout: args.drain_timeout,
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(args.max_concurrent.max(1) + 16)
        .build()
        .context("cannot start the server's runtime")?;
    let outcome = runtime.block_on(async move {
        let proxy = ProxyPre::new(&engine, component, proxy_config).map_err(|e| anyhow!("{file}: {e}"))?;
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let addr = listener.local_addr().unwrap_or(args.addr);
        eprintln!("serving {file} on http://{addr}/");
        let drained = tessera_http::server::serve(Arc::new(proxy), listener, options, shutdown_signal())
            .await
            .with_context(|| format!("accepting on {addr}"))?;
        if drained == Drained::TimedOut {
            eprintln!(
                "stopped: requests still running after the drain timeout of {:?} were cut off",
                args.drain_timeout
            );
        }
        Ok(ExitCode::SUCCESS)
    });
    // Guests still running past the drain deadline are not waited for (dropping the runtime
    // would wait for its blocking threads without limit); exiting ends them.
    runtime.shutdown_timeout(Duration::from_millis(100));
    outcome
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            // Without signal handlers the server can only be killed.
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    eprintln!("shutting down: no new connections; finishing requests in flight");
}
