//! `wasi:sockets/tcp` and `tcp-create-socket`.
//!
//! The host socket is held as a `std::net::TcpStream` from the start (std's types are thin
//! wrappers of a descriptor, and its `local_addr`, `peer_addr`, `take_error` and `shutdown`
//! work in every state); `rustix` does what std cannot: bind without listening, listen
//! with a backlog, connect without blocking, and the socket options.

use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustix::net::sockopt;
use tessera_component::{Linker, Result, Val};

use super::{
    addr_val, buffer_size, buffer_size_val, check_addr, check_remote, family_arg, granted, hop_limit,
    network, new_socket, parse_addr, push_socket, rustix_err, set_buffer_size, set_hop_limit, Family,
};
use crate::ctx::WasiCtx;
use crate::p2::io::{subscribe, Source, Wait};
use crate::p2::sockets_code::NetCode;
use crate::p2::streams::{fd_wait, InStream, OutStream, StreamFail, TcpConn};
use crate::p2::table::{res, Entry};
use crate::p2::{own, unit, Args, Getter, HostResult, Iface};
use crate::wait::{host_readiness, HostReadiness};

/// The states of the WIT's TCP state machine.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum State {
    Unbound,
    BindStarted,
    Bound,
    ListenStarted,
    Listening,
    Connecting,
    Connected,
    Closed,
}

/// A TCP socket.
pub(crate) struct TcpSocket {
    /// Shared with the connection's streams.
    conn: Arc<TcpConn>,
    family: Family,
    state: State,
    /// The backlog `start-listen` passes to `listen(2)`.
    backlog: i32,
}

/// The default backlog, as in most servers (the kernel caps it anyway).
const DEFAULT_BACKLOG: i32 = 128;

impl TcpSocket {
    fn new(fd: std::os::fd::OwnedFd, family: Family) -> TcpSocket {
        let conn = TcpConn::new(TcpStream::from(fd));
        TcpSocket { conn, family, state: State::Unbound, backlog: DEFAULT_BACKLOG }
    }

    /// The host socket.
    fn sock(&self) -> &TcpStream {
        &self.conn.sock
    }

    fn raw(&self) -> i32 {
        self.conn.raw()
    }

    fn expect(&self, state: State) -> HostResult<()> {
        if self.state == state {
            Ok(())
        } else {
            Err(NetCode::INVALID_STATE.into())
        }
    }

    fn is_bound(&self) -> bool {
        !matches!(self.state, State::Unbound | State::BindStarted | State::Closed)
    }

    /// When `finish-connect` or `accept` would not answer `would-block`.
    pub fn wait(&self) -> Wait {
        match self.state {
            State::Connecting => fd_wait(self.raw(), true),
            State::Listening => fd_wait(self.raw(), false),
            _ => Wait::Ready,
        }
    }
}

fn sock<'c>(ctx: &'c mut WasiCtx, a: &Args<'_>) -> HostResult<&'c mut TcpSocket> {
    ctx.p2.table.tcp_mut(a.rep(0)?)
}

/// The input and output streams of a connection, as owned handles.
fn streams(ctx: &mut WasiCtx, conn: &Arc<TcpConn>) -> HostResult<(Val, Val)> {
    let input = ctx.p2.table.push(Entry::Input(InStream::Tcp { conn: conn.clone(), closed: false }))?;
    let output = ctx.p2.table.push(Entry::Output(OutStream::Tcp(conn.clone())))?;
    Ok((own::<res::InputStream>(input), own::<res::OutputStream>(output)))
}

fn start_bind(ctx: &mut WasiCtx, a: &Args<'_>) -> HostResult<Val> {
    network(ctx, a, 1)?;
    let addr = parse_addr(a.val(2)?)?;
    let s = sock(ctx, a)?;
    s.expect(State::Unbound)?;
    check_addr(s.family, &addr)?;
    granted(ctx, addr)?;
    let s = sock(ctx, a)?;
    // Rebinding a port in TIME_WAIT must work, as the interface asks.
    sockopt::set_socket_reuseaddr(s.sock(), true).map_err(rustix_err)?;
    rustix::net::bind(s.sock(), &addr).map_err(rustix_err)?;
    s.state = State::BindStarted;
    Ok(unit())
}

fn start_connect(ctx: &mut WasiCtx, a: &Args<'_>) -> HostResult<Val> {
    network(ctx, a, 1)?;
    let addr = parse_addr(a.val(2)?)?;
    let s = sock(ctx, a)?;
    if !matches!(s.state, State::Unbound | State::Bound) {
        return Err(NetCode::INVALID_STATE.into());
    }
    check_remote(s.family, &addr)?;
    granted(ctx, addr)?;
    let s = sock(ctx, a)?;
    match rustix::net::connect(s.sock(), &addr) {
        Ok(()) | Err(rustix::io::Errno::INPROGRESS) => {
            s.state = State::Connecting;
            Ok(unit())
        }
        Err(e) => {
            s.state = State::Closed;
            Err(rustix_err(e))
        }
    }
}

fn finish_connect(ctx: &mut WasiCtx, a: &Args<'_>) -> HostResult<Val> {
    let s = sock(ctx, a)?;
    if s.state != State::Connecting {
        return Err(NetCode::NOT_IN_PROGRESS.into());
    }
    if host_readiness(s.raw(), true)? == HostReadiness::Pending {
        return Err(NetCode::WOULD_BLOCK.into());
    }
    match sockopt::socket_error(s.sock()).map_err(rustix_err)? {
        Ok(()) => {}
        Err(e) => {
            s.state = State::Closed;
            return Err(rustix_err(e));
        }
    }
    s.state = State::Connected;
    let conn = s.conn.clone();
    let (input, output) = streams(ctx, &conn)?;
    Ok(Val::Tuple(vec![input, output]))
}

fn accept(ctx: &mut WasiCtx, a: &Args<'_>) -> HostResult<Val> {
    let s = sock(ctx, a)?;
    s.expect(State::Listening)?;
    let family = s.family;
    let flags = rustix::net::SocketFlags::NONBLOCK | rustix::net::SocketFlags::CLOEXEC;
    let fd = rustix::net::accept_with(s.sock(), flags).map_err(rustix_err)?;
    let mut client = TcpSocket::new(fd, family);
    client.state = State::Connected;
    let conn = client.conn.clone();
    let rep = push_socket(ctx, Entry::Tcp(client))?;
    let (input, output) = streams(ctx, &conn)?;
    Ok(Val::Tuple(vec![own::<res::TcpSocket>(rep), input, output]))
}

fn address(s: &TcpSocket, remote: bool) -> HostResult<Val> {
    let addr: std::io::Result<SocketAddr> = if remote {
        if s.state != State::Connected {
            return Err(NetCode::INVALID_STATE.into());
        }
        s.sock().peer_addr()
    } else {
        if !s.is_bound() {
            return Err(NetCode::INVALID_STATE.into());
        }
        s.sock().local_addr()
    };
    addr.map(addr_val).map_err(super::net_err)
}

/// A positive `duration` argument, in whole seconds (at least 1, at most `i32::MAX`), as
/// the keep-alive options take it.
fn seconds(a: &Args<'_>, i: usize) -> HostResult<Duration> {
    let ns = a.u64(i)?;
    if ns == 0 {
        return Err(NetCode::INVALID_ARGUMENT.into());
    }
    let secs = ns.div_ceil(1_000_000_000).min(i32::MAX as u64);
    Ok(Duration::from_secs(secs))
}

fn nanos(d: Duration) -> Val {
    Val::U64(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Defines a getter/setter pair of a socket option: `get(socket)` and `set(socket, args)`.
/// The socket of argument 0, unless it is closed (options are `invalid-state` then).
fn open_sock<'c>(ctx: &'c mut WasiCtx, a: &Args<'_>) -> HostResult<&'c mut TcpSocket> {
    let s = sock(ctx, a)?;
    if s.state == State::Closed {
        return Err(NetCode::INVALID_STATE.into());
    }
    Ok(s)
}

macro_rules! option {
    ($i:ident, $name:literal, |$s:ident| $get:expr, |$s2:ident, $a:ident| $set:expr) => {
        $i.func_result(concat!("[method]tcp-socket.", $name), |ctx, a| {
            let $s = sock(ctx, a)?;
            if $s.state == State::Closed {
                return Err(NetCode::INVALID_STATE.into());
            }
            $get.map_err(rustix_err)
        })?;
        $i.func_result(concat!("[method]tcp-socket.set-", $name), |ctx, $a| {
            let $s2 = sock(ctx, $a)?;
            if $s2.state == State::Closed {
                return Err(NetCode::INVALID_STATE.into());
            }
            $set.map_err(rustix_err)?;
            Ok(unit())
        })?;
    };
}

pub(crate) fn add<T: 'static>(linker: &mut Linker<T>, get: Getter<T>) -> Result<()> {
    let mut i = Iface::new(linker, "sockets/tcp-create-socket", get)?;
    i.resource::<res::Network>("network")?;
    i.resource::<res::TcpSocket>("tcp-socket")?;
    i.func_result("create-tcp-socket", |ctx, a| {
        let family = family_arg(a, 0)?;
        let fd = new_socket(ctx, family, rustix::net::SocketType::STREAM)?;
        Ok(own::<res::TcpSocket>(push_socket(ctx, Entry::Tcp(TcpSocket::new(fd, family)))?))
    })?;

    let mut i = Iface::new(linker, "sockets/tcp", get)?;
    i.resource::<res::InputStream>("input-stream")?;
    i.resource::<res::OutputStream>("output-stream")?;
    i.resource::<res::Pollable>("pollable")?;
    i.resource::<res::Network>("network")?;
    i.resource::<res::TcpSocket>("tcp-socket")?;
    i.func_result("[method]tcp-socket.start-bind", start_bind)?;
    i.func_result("[method]tcp-socket.finish-bind", |ctx, a| {
        let s = sock(ctx, a)?;
        if s.state != State::BindStarted {
            return Err(NetCode::NOT_IN_PROGRESS.into());
        }
        s.state = State::Bound;
        Ok(unit())
    })?;
    i.func_result("[method]tcp-socket.start-connect", start_connect)?;
    i.func_result("[method]tcp-socket.finish-connect", finish_connect)?;
    i.func_result("[method]tcp-socket.start-listen", |ctx, a| {
        let s = sock(ctx, a)?;
        s.expect(State::Bound)?;
        rustix::net::listen(s.sock(), s.backlog).map_err(rustix_err)?;
        s.state = State::ListenStarted;
        Ok(unit())
    })?;
    i.func_result("[method]tcp-socket.finish-listen", |ctx, a| {
        let s = sock(ctx, a)?;
        if s.state != State::ListenStarted {
            return Err(NetCode::NOT_IN_PROGRESS.into());
        }
        s.state = State::Listening;
        Ok(unit())
    })?;
    i.func_result("[method]tcp-socket.accept", accept)?;
    i.func_result("[method]tcp-socket.local-address", |ctx, a| address(sock(ctx, a)?, false))?;
    i.func_result("[method]tcp-socket.remote-address", |ctx, a| address(sock(ctx, a)?, true))?;
    i.func("[method]tcp-socket.is-listening", |ctx, a| {
        Ok(Val::Bool(sock(ctx, a)?.state == State::Listening))
    })?;
    i.func("[method]tcp-socket.address-family", |ctx, a| Ok(sock(ctx, a)?.family.val()))?;
    i.func_result("[method]tcp-socket.set-listen-backlog-size", |ctx, a| {
        let backlog = i32::try_from(buffer_size(a, 1)?).unwrap_or(i32::MAX);
        let s = sock(ctx, a)?;
        match s.state {
            State::Closed | State::Connecting | State::Connected => return Err(NetCode::INVALID_STATE.into()),
            // Linux takes a new backlog by listening again.
            State::ListenStarted | State::Listening => {
                rustix::net::listen(s.sock(), backlog).map_err(rustix_err)?
            }
            _ => {}
        }
        s.backlog = backlog;
        Ok(unit())
    })?;
    option!(i, "keep-alive-enabled", |s| sockopt::socket_keepalive(s.sock()).map(Val::Bool), |s, a| {
        sockopt::set_socket_keepalive(s.sock(), a.bool(1)?)
    });
    option!(i, "keep-alive-idle-time", |s| sockopt::tcp_keepidle(s.sock()).map(nanos), |s, a| {
        sockopt::set_tcp_keepidle(s.sock(), seconds(a, 1)?)
    });
    option!(i, "keep-alive-interval", |s| sockopt::tcp_keepintvl(s.sock()).map(nanos), |s, a| {
        sockopt::set_tcp_keepintvl(s.sock(), seconds(a, 1)?)
    });
    option!(i, "keep-alive-count", |s| sockopt::tcp_keepcnt(s.sock()).map(Val::U32), |s, a| {
        match a.u32(1)? {
            0 => return Err(NetCode::INVALID_ARGUMENT.into()),
            n => sockopt::set_tcp_keepcnt(s.sock(), n),
        }
    });
    // Options TCP shares with UDP (see `super::hop_limit` and `super::buffer_size_val`).
    i.func_result("[method]tcp-socket.hop-limit", |ctx, a| {
        open_sock(ctx, a).and_then(|s| hop_limit(s.sock(), s.family))
    })?;
    i.func_result("[method]tcp-socket.set-hop-limit", |ctx, a| {
        let s = open_sock(ctx, a)?;
        set_hop_limit(s.sock(), s.family, a, 1).map(|()| unit())
    })?;
    i.func_result("[method]tcp-socket.receive-buffer-size", |ctx, a| {
        buffer_size_val(open_sock(ctx, a)?.sock(), false)
    })?;
    i.func_result("[method]tcp-socket.set-receive-buffer-size", |ctx, a| {
        set_buffer_size(open_sock(ctx, a)?.sock(), false, a, 1).map(|()| unit())
    })?;
    i.func_result("[method]tcp-socket.send-buffer-size", |ctx, a| {
        buffer_size_val(open_sock(ctx, a)?.sock(), true)
    })?;
    i.func_result("[method]tcp-socket.set-send-buffer-size", |ctx, a| {
        set_buffer_size(open_sock(ctx, a)?.sock(), true, a, 1).map(|()| unit())
    })?;
    i.func("[method]tcp-socket.subscribe", |ctx, a| {
        let rep = a.rep(0)?;
        ctx.p2.table.tcp(rep)?;
        subscribe(ctx, Source::Tcp(rep))
    })?;
    i.func_result("[method]tcp-socket.shutdown", |ctx, a| {
        let how = match a.enum_case(1)? {
            "receive" => Shutdown::Read,
            "send" => Shutdown::Write,
            _ => Shutdown::Both,
        };
        let interrupt = ctx.interrupt.clone();
        let s = sock(ctx, a)?;
        s.expect(State::Connected)?;
        if how != Shutdown::Read {
            // What the guest wrote goes out before the end of the stream does.
            // (A send that failed is reported by the stream; only a trap stops here.)
            if let Err(StreamFail::Host(e)) = s.conn.flush(true, interrupt.as_ref()) {
                return Err(e);
            }
        }
        s.sock().shutdown(how).map_err(super::net_err)?;
        Ok(unit())
    })?;
    Ok(())
}
