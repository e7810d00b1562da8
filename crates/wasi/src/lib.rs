//! Tessera's WASI host: WASI preview 1 (`wasi_snapshot_preview1`, and the older
//! `wasi_unstable`) for core modules run by [`tessera_engine`], and WASI 0.2 (the
//! `wasi:cli/command` world) for components run by [`tessera_component`], both with
//! capability-based security.
//!
//! A guest starts with nothing. The host grants, through [`WasiCtxBuilder`], arguments,
//! environment variables, stdio (the host's own, or any `Read`/`Write` such as the
//! in-memory [`ReadPipe`]/[`WritePipe`]), preopened directories (read-write or read-only),
//! and network access: for preview 1, listening sockets handed over; for WASI 0.2, the
//! right to open sockets to some addresses ([`WasiCtxBuilder::allow_addresses`], or all
//! with [`WasiCtxBuilder::allow_net`]) and to resolve names ([`WasiCtxBuilder::allow_dns`]),
//! refused with `access-denied` otherwise. Nothing else is reachable: every path is
//! resolved by `cap-std` beneath a granted directory.
//!
//! One [`WasiCtx`] serves either kind of guest; everything but the ABI glue is shared:
//! - [`sandbox`]: granted directories and open files, their metadata and errors.
//! - [`stdio`], [`clocks`], [`random`]: streams, clocks and random bytes; [`net`]: the
//!   network grant.
//! - [`preview1`]: the preview 1 ABI — descriptor table, rights, memory layouts, errnos
//!   ([`add_to_linker`]).
//! - [`p2`]: WASI 0.2 — resources, `wasi:io` streams and pollables, `wasi:cli`,
//!   `wasi:clocks`, `wasi:random`, `wasi:filesystem`, `wasi:sockets`
//!   ([`p2::add_to_linker`]). Blocking calls of both wait in `poll(2)` and give up, as a
//!   trap, when the store's interrupt handle fires (the guest's deadline).
//!
//! A preview 1 module:
//!
//! ```no_run
//! use tessera_engine::{Engine, Linker, Module, Store};
//! use tessera_wasi::{WasiCtx, WasiCtxBuilder};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, std::fs::read("app.wasm").unwrap()).unwrap();
//! let mut linker = Linker::<WasiCtx>::new();
//! tessera_wasi::add_to_linker(&mut linker, |ctx| ctx).unwrap();
//! let ctx = WasiCtxBuilder::new()
//!     .args(["app", "--verbose"])
//!     .env("HOME", "/data")
//!     .inherit_stdio()
//!     .preopened_dir("/srv/data", "/data", true)
//!     .unwrap()
//!     .build();
//! let mut store = Store::new(&engine, ctx);
//! let instance = linker.instantiate(&mut store, &module).unwrap();
//! let start = instance.get_typed_func::<(), (), _>(&store, "_start").unwrap();
//! match start.call(&mut store, ()) {
//!     Ok(()) => {}
//!     Err(tessera_engine::Error::Exit(code)) => std::process::exit(code),
//!     Err(e) => panic!("{e}"),
//! }
//! ```
//!
//! A WASI 0.2 command component (its `wasi:cli/exit` status arrives the same way, as
//! `tessera_engine::Error::Exit`, 0 for success and 1 for failure):
//!
//! ```no_run
//! use tessera_component::{Component, Linker, Val};
//! use tessera_engine::{Engine, Store};
//! use tessera_wasi::{WasiCtx, WasiCtxBuilder};
//!
//! let engine = Engine::default();
//! let component = Component::new(&engine, std::fs::read("app.wasm").unwrap()).unwrap();
//! let mut linker = Linker::<WasiCtx>::new();
//! tessera_wasi::p2::add_to_linker(&mut linker, |ctx| ctx).unwrap();
//! let ctx = WasiCtxBuilder::new()
//!     .args(["app"])
//!     .inherit_stdio()
//!     .allow_addresses(["127.0.0.1:8080".parse().unwrap()])
//!     .build();
//! let mut store = Store::new(&engine, ctx);
//! let instance = linker.instantiate(&mut store, &component).unwrap();
//! // `wasi:cli/run@0.2.x#run`, whichever 0.2 version the guest exports.
//! let (_, run) = instance.find_func("run").unwrap();
//! let mut result = [Val::Bool(false)];
//! match run.call(&mut store, &[], &mut result) {
//!     Ok(()) if result[0] == Val::Result(Ok(None)) => {}
//!     Ok(()) => std::process::exit(1),
//!     Err(tessera_component::Error::Engine(tessera_engine::Error::Exit(code))) => std::process::exit(code),
//!     Err(e) => panic!("{e}"),
//! }
//! ```

pub mod clocks;
mod ctx;
pub mod net;
pub mod p2;
pub mod preview1;
pub mod random;
pub mod sandbox;
pub mod stdio;
mod wait;

pub use ctx::{WasiCtx, WasiCtxBuilder};
pub use net::{AddressPattern, PatternError};
pub use preview1::add_to_linker;
pub use stdio::{ReadPipe, WritePipe};
