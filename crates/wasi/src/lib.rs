//! Tessera's WASI host: WASI preview 1 (`wasi_snapshot_preview1`, and the older
//! `wasi_unstable`) for guests run by [`tessera_engine`], with capability-based security.
//!
//! A guest starts with nothing. The host grants, through [`WasiCtxBuilder`], arguments,
//! environment variables, stdio (the host's own, or any `Read`/`Write` such as the
//! in-memory [`ReadPipe`]/[`WritePipe`]), preopened directories (read-write or read-only),
//! and optionally listening sockets. Nothing else is reachable: every path is resolved by
//! `cap-std` beneath a granted directory.
//!
//! Layout, so that a later WASI 0.2 host can share everything but the ABI glue:
//! - [`sandbox`]: granted directories and open files, their metadata and errors.
//! - [`stdio`], [`clocks`], [`random`]: streams, clocks and random bytes.
//! - [`preview1`]: the preview 1 ABI — descriptor table, rights, memory layouts, errnos.
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

pub mod clocks;
mod ctx;
pub mod preview1;
pub mod random;
pub mod sandbox;
pub mod stdio;

pub use ctx::{WasiCtx, WasiCtxBuilder};
pub use preview1::add_to_linker;
pub use stdio::{ReadPipe, WritePipe};
