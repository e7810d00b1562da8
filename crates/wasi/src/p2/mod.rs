//! The WASI 0.2 host: every interface of the `wasi:cli/command` world, for components run
//! by [`tessera_component`].
//!
//! Interfaces are defined once, at version 0.2.0; the component linker matches them to a
//! guest importing any 0.2.x (Rust's `wasm32-wasip2` std imports 0.2.6, for instance).
//! Values cross as dynamically typed [`Val`]s, lifted and lowered by the guest's own import
//! types, so everything returned here names its enum cases, variant cases and record fields
//! exactly as the WIT does.
//!
//! What this host shares with preview 1: the grants of the same [`WasiCtx`] (arguments,
//! environment, stdio, preopened directories with their read-only flag), the sandbox
//! (`cap-std` path resolution, never by hand), the clocks and the random source. What it
//! adds: its own table of resources (`table`), the `wasi:io` streams and pollables, and
//! sockets under the context's network policy (denied unless granted).
//!
//! Layout: `table` (resources), `io` (`wasi:io`: errors, pollables and `poll`),
//! `streams` (input and output streams), `cli` (`wasi:cli`), `clocks` (`wasi:clocks` and
//! `wasi:random`), `filesystem` (`wasi:filesystem`), `sockets/` (`wasi:sockets`).

mod cli;
mod clocks;
mod filesystem;
#[cfg(unix)]
pub mod host;
mod io;
#[cfg(unix)]
mod sockets;
mod streams;
mod table;

use tessera_component::{Error, Linker, LinkerInstance, ResourceAny, ResourceType, Result, Val};
use tessera_engine::{Store, Trap, TrapCode};

use crate::ctx::WasiCtx;
use crate::sandbox::ErrorCode;
pub(crate) use table::State;

/// Finds the [`WasiCtx`] in a store's data.
pub type Getter<T> = fn(&mut T) -> &mut WasiCtx;

/// Adds every interface of the `wasi:cli/command` world (wasi:cli, wasi:io, wasi:clocks,
/// wasi:random, wasi:filesystem, wasi:sockets) to `linker`, at version 0.2.0 (serving any
/// 0.2.x import). `get` finds the [`WasiCtx`] in the store's data.
///
/// A guest's `wasi:cli/exit.exit` ends the call with
/// `Error::Engine(tessera_engine::Error::Exit(status))`, status 0 for `ok` and 1 for `err`.
///
/// ```no_run
/// use tessera_component::{Component, Linker};
/// use tessera_engine::{Engine, Store};
/// use tessera_wasi::{WasiCtx, WasiCtxBuilder};
///
/// let engine = Engine::default();
/// let component = Component::new(&engine, std::fs::read("app.wasm").unwrap()).unwrap();
/// let mut linker = Linker::<WasiCtx>::new();
/// tessera_wasi::p2::add_to_linker(&mut linker, |ctx| ctx).unwrap();
/// let mut store = Store::new(&engine, WasiCtxBuilder::new().inherit_stdio().build());
/// let instance = linker.instantiate(&mut store, &component).unwrap();
/// // `wasi:cli/run@0.2.x#run`, whichever 0.2 version the guest exports.
/// let (_, run) = instance.find_func("run").unwrap();
/// let mut result = [tessera_component::Val::Bool(false)];
/// run.call(&mut store, &[], &mut result).unwrap();
/// ```
///
/// # Errors
/// If one of the names is already defined in `linker`.
pub fn add_to_linker<T: 'static>(linker: &mut Linker<T>, get: Getter<T>) -> Result<()> {
    io::add(linker, get)?;
    cli::add(linker, get)?;
    clocks::add(linker, get)?;
    filesystem::add(linker, get)?;
    #[cfg(unix)]
    sockets::add(linker, get)?;
    Ok(())
}

/// The version every interface is defined at.
const VERSION: &str = "0.2.0";

/// How a host function failed: with an error the guest receives as the `err` case of its
/// `result` (a file system or network `error-code`), or with a trap that ends the call.
#[derive(Debug)]
pub(crate) enum HostError {
    Fs(ErrorCode),
    Net(sockets_code::NetCode),
    Trap(Error),
}

impl From<ErrorCode> for HostError {
    fn from(e: ErrorCode) -> HostError {
        HostError::Fs(e)
    }
}

impl From<Error> for HostError {
    fn from(e: Error) -> HostError {
        HostError::Trap(e)
    }
}

impl From<sockets_code::NetCode> for HostError {
    fn from(e: sockets_code::NetCode) -> HostError {
        HostError::Net(e)
    }
}

pub(crate) type HostResult<T> = std::result::Result<T, HostError>;

/// A trap with `message` (a guest broke a rule of the interface, e.g. a bad handle).
pub(crate) fn trap(message: impl Into<String>) -> HostError {
    HostError::Trap(Trap::with_message(TrapCode::ComponentModel, message).into())
}

/// The trap that ends a guest blocked past its deadline.
pub(crate) fn interrupted() -> HostError {
    HostError::Trap(Trap::new(TrapCode::Interrupted).into())
}

/// Turns the `Interrupted` of a wait into the deadline's trap.
pub(crate) fn waited(r: std::result::Result<(), ErrorCode>) -> HostResult<()> {
    match r {
        Err(ErrorCode::Interrupted) => Err(interrupted()),
        Err(e) => Err(HostError::Fs(e)),
        Ok(()) => Ok(()),
    }
}

/// A host function body: the guest's context and arguments in, the result value out.
pub(crate) type Body = fn(&mut WasiCtx, &Args<'_>) -> HostResult<Val>;

/// Defines functions and resources of one interface instance.
pub(crate) struct Iface<'a, T> {
    inst: LinkerInstance<'a, T>,
    get: Getter<T>,
}

impl<'a, T: 'static> Iface<'a, T> {
    /// The instance `wasi:{name}@0.2.0` of `linker`.
    pub fn new(linker: &'a mut Linker<T>, name: &str, get: Getter<T>) -> Result<Iface<'a, T>> {
        Ok(Iface { inst: linker.instance(&format!("wasi:{name}@{VERSION}"))?, get })
    }

    /// Defines `name` returning what `body` returns as is; an `Fs`/`Net` error from the
    /// body (which has no `result` to put it in) becomes a trap.
    pub fn func(&mut self, name: &str, body: Body) -> Result<()> {
        self.define(name, body, false)
    }

    /// Defines `name` returning `result<T, error-code>`: `Ok(v)` becomes `ok(v)` (the
    /// empty tuple stands for no payload), `Fs`/`Net` errors become `err(code)`.
    pub fn func_result(&mut self, name: &str, body: Body) -> Result<()> {
        self.define(name, body, true)
    }

    fn define(&mut self, name: &str, body: Body, wrap: bool) -> Result<()> {
        let get = self.get;
        let fname = name.to_string();
        self.inst.func_new(name, move |store: &mut Store<T>, params: &[Val], results: &mut [Val]| {
            let interrupt = store.interrupt_handle();
            let ctx = get(store.data_mut());
            if ctx.interrupt.is_none() {
                ctx.interrupt = Some(interrupt);
            }
            let out = match (body(ctx, &Args(params)), wrap) {
                (Ok(v), true) => ok(v),
                (Ok(v), false) => v,
                (Err(HostError::Trap(e)), _) => return Err(e),
                (Err(HostError::Fs(c)), true) => err(Val::Enum(filesystem::error_name(c).into())),
                (Err(HostError::Net(c)), true) => err(Val::Enum(c.name().into())),
                (Err(e), false) => {
                    let msg = format!("{fname}: {e:?}");
                    return Err(Trap::with_message(TrapCode::ComponentModel, msg).into());
                }
            };
            if let Some(slot) = results.first_mut() {
                *slot = out;
            }
            Ok(())
        })
    }

    /// Defines the resource type `name`, identified by the marker type `R`; a guest dropping
    /// an owned handle removes the resource from the context's table.
    pub fn resource<R: 'static>(&mut self, name: &str) -> Result<()> {
        let get = self.get;
        self.inst.resource::<R>(name, move |store, rep| {
            get(store.data_mut()).p2.table.remove(rep);
            Ok(())
        })
    }
}

/// The arguments of one call, with typed accessors that fail (never panic) when a guest
/// imported a function with other types than the WIT's.
pub(crate) struct Args<'a>(pub &'a [Val]);

fn mismatch(i: usize, want: &str, got: Option<&Val>) -> HostError {
    HostError::Trap(Error::TypeMismatch(format!(
        "argument {i}: expected {want}, got {}",
        got.map_or("nothing", Val::kind)
    )))
}

impl<'a> Args<'a> {
    pub fn val(&self, i: usize) -> HostResult<&'a Val> {
        self.0.get(i).ok_or_else(|| mismatch(i, "a value", None))
    }

    pub fn u64(&self, i: usize) -> HostResult<u64> {
        match self.0.get(i) {
            Some(Val::U64(v)) => Ok(*v),
            other => Err(mismatch(i, "u64", other)),
        }
    }

    pub fn u32(&self, i: usize) -> HostResult<u32> {
        match self.0.get(i) {
            Some(Val::U32(v)) => Ok(*v),
            other => Err(mismatch(i, "u32", other)),
        }
    }

    pub fn u8(&self, i: usize) -> HostResult<u8> {
        match self.0.get(i) {
            Some(Val::U8(v)) => Ok(*v),
            other => Err(mismatch(i, "u8", other)),
        }
    }

    pub fn bool(&self, i: usize) -> HostResult<bool> {
        match self.0.get(i) {
            Some(Val::Bool(v)) => Ok(*v),
            other => Err(mismatch(i, "bool", other)),
        }
    }

    pub fn str(&self, i: usize) -> HostResult<&'a str> {
        match self.0.get(i) {
            Some(Val::String(s)) => Ok(s),
            other => Err(mismatch(i, "string", other)),
        }
    }

    pub fn list(&self, i: usize) -> HostResult<&'a [Val]> {
        match self.0.get(i) {
            Some(Val::List(l)) => Ok(l),
            other => Err(mismatch(i, "list", other)),
        }
    }

    /// A `list<u8>`.
    pub fn bytes(&self, i: usize) -> HostResult<Vec<u8>> {
        self.list(i)?
            .iter()
            .map(|v| match v {
                Val::U8(b) => Ok(*b),
                other => Err(mismatch(i, "list<u8>", Some(other))),
            })
            .collect()
    }

    /// The representation of a handle (own or borrow) to one of this host's resources.
    pub fn rep(&self, i: usize) -> HostResult<u32> {
        match self.0.get(i) {
            Some(Val::Resource(r)) => Ok(r.rep()),
            other => Err(mismatch(i, "a resource handle", other)),
        }
    }

    /// The names of the flags set.
    pub fn flags(&self, i: usize) -> HostResult<&'a [String]> {
        match self.0.get(i) {
            Some(Val::Flags(f)) => Ok(f),
            other => Err(mismatch(i, "flags", other)),
        }
    }

    pub fn enum_case(&self, i: usize) -> HostResult<&'a str> {
        match self.0.get(i) {
            Some(Val::Enum(c)) => Ok(c),
            other => Err(mismatch(i, "an enum", other)),
        }
    }

    pub fn variant(&self, i: usize) -> HostResult<(&'a str, Option<&'a Val>)> {
        match self.0.get(i) {
            Some(Val::Variant(c, p)) => Ok((c, p.as_deref())),
            other => Err(mismatch(i, "a variant", other)),
        }
    }

    pub fn option(&self, i: usize) -> HostResult<Option<&'a Val>> {
        match self.0.get(i) {
            Some(Val::Option(o)) => Ok(o.as_deref()),
            other => Err(mismatch(i, "an option", other)),
        }
    }
}

/// A record field by name.
pub(crate) fn field<'v>(v: &'v Val, name: &str) -> HostResult<&'v Val> {
    match v {
        Val::Record(fields) => fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| trap(format!("record field `{name}` is missing"))),
        other => Err(trap(format!("expected a record, got a {}", other.kind()))),
    }
}

pub(crate) use tessera_component::Val as V;

/// The value of functions without a result (and "no payload" in [`ok`]).
pub(crate) fn unit() -> Val {
    V::unit()
}

pub(crate) fn ok(v: Val) -> Val {
    V::ok(v)
}

pub(crate) fn err(v: Val) -> Val {
    V::err(v)
}

pub(crate) fn some(v: Val) -> Val {
    V::some(v)
}

pub(crate) fn none() -> Val {
    V::none()
}

pub(crate) fn enum_case(name: &str) -> Val {
    Val::Enum(name.to_string())
}

pub(crate) fn variant(name: &str, payload: Option<Val>) -> Val {
    Val::Variant(name.to_string(), payload.map(Box::new))
}

pub(crate) fn record(fields: Vec<(&str, Val)>) -> Val {
    Val::Record(fields.into_iter().map(|(n, v)| (n.to_string(), v)).collect())
}

/// A `list<u8>`.
pub(crate) fn bytes(b: &[u8]) -> Val {
    Val::List(b.iter().map(|&x| Val::U8(x)).collect())
}

/// An owned handle to resource `rep` of the type marked by `R`.
pub(crate) fn own<R: 'static>(rep: u32) -> Val {
    Val::Resource(ResourceAny::new_own(ResourceType::host::<R>(), rep))
}

/// Network error codes live with the sockets (which are Unix-only); the code type is
/// needed by [`HostError`] everywhere.
pub(crate) mod sockets_code {
    /// A `wasi:sockets/network.error-code`, by case name.
    #[derive(Copy, Clone, Debug, PartialEq, Eq)]
    pub(crate) struct NetCode(pub &'static str);

    impl NetCode {
        pub const ACCESS_DENIED: NetCode = NetCode("access-denied");
        pub const NOT_SUPPORTED: NetCode = NetCode("not-supported");
        pub const INVALID_ARGUMENT: NetCode = NetCode("invalid-argument");
        pub const INVALID_STATE: NetCode = NetCode("invalid-state");
        pub const NOT_IN_PROGRESS: NetCode = NetCode("not-in-progress");
        pub const WOULD_BLOCK: NetCode = NetCode("would-block");
        pub const NEW_SOCKET_LIMIT: NetCode = NetCode("new-socket-limit");
        pub const NAME_UNRESOLVABLE: NetCode = NetCode("name-unresolvable");
        pub const TEMPORARY_RESOLVER_FAILURE: NetCode = NetCode("temporary-resolver-failure");
        pub const UNKNOWN: NetCode = NetCode("unknown");

        pub fn name(self) -> &'static str {
            self.0
        }

        /// The code for a host error, following the errno mapping the interface documents.
        pub fn from_io(e: &std::io::Error) -> NetCode {
            #[cfg(unix)]
            if let Some(errno) = e.raw_os_error() {
                return NetCode::from_errno(errno);
            }
            use std::io::ErrorKind as K;
            match e.kind() {
                K::WouldBlock => NetCode::WOULD_BLOCK,
                K::PermissionDenied => NetCode::ACCESS_DENIED,
                K::InvalidInput => NetCode::INVALID_ARGUMENT,
                K::ConnectionRefused => NetCode("connection-refused"),
                K::ConnectionReset => NetCode("connection-reset"),
                K::ConnectionAborted => NetCode("connection-aborted"),
                K::TimedOut => NetCode("timeout"),
                K::AddrInUse => NetCode("address-in-use"),
                K::AddrNotAvailable => NetCode("address-not-bindable"),
                K::OutOfMemory => NetCode("out-of-memory"),
                K::Unsupported => NetCode::NOT_SUPPORTED,
                _ => NetCode::UNKNOWN,
            }
        }

        #[cfg(unix)]
        pub fn from_errno(errno: i32) -> NetCode {
            use libc::*;
            #[allow(unreachable_patterns)] // EAGAIN == EWOULDBLOCK and ENOTSUP == EOPNOTSUPP on some hosts
            match errno {
                EACCES | EPERM => NetCode::ACCESS_DENIED,
                EAFNOSUPPORT | EPROTONOSUPPORT | EOPNOTSUPP | ENOTSUP | ESOCKTNOSUPPORT => {
                    NetCode::NOT_SUPPORTED
                }
                EINVAL => NetCode::INVALID_ARGUMENT,
                ENOMEM | ENOBUFS => NetCode("out-of-memory"),
                ETIMEDOUT => NetCode("timeout"),
                EALREADY => NetCode("concurrency-conflict"),
                EAGAIN | EWOULDBLOCK | EINPROGRESS => NetCode::WOULD_BLOCK,
                EISCONN | ENOTCONN | EDESTADDRREQ => NetCode::INVALID_STATE,
                EMFILE | ENFILE => NetCode::NEW_SOCKET_LIMIT,
                EADDRNOTAVAIL => NetCode("address-not-bindable"),
                EADDRINUSE => NetCode("address-in-use"),
                EHOSTUNREACH | EHOSTDOWN | ENETUNREACH | ENETDOWN => NetCode("remote-unreachable"),
                ECONNREFUSED => NetCode("connection-refused"),
                ECONNRESET | EPIPE => NetCode("connection-reset"),
                ECONNABORTED => NetCode("connection-aborted"),
                EMSGSIZE => NetCode("datagram-too-large"),
                _ => NetCode::UNKNOWN,
            }
        }
    }
}
