//! `wasi:sockets/udp` and `udp-create-socket`.
//!
//! Every datagram a guest sends is checked against the network policy (its own address,
//! or the one the socket is connected to). Binding to the unspecified address with port 0
//! — which wasi-libc does implicitly before a first `sendto` — is allowed whenever some
//! network use is granted: it only picks an ephemeral port, and what the socket sends is
//! still checked.

use std::net::{SocketAddr, UdpSocket as StdUdp};
use std::os::fd::AsRawFd;
use std::sync::Arc;

use tessera_component::{Linker, Result, Val};

use super::{
    addr_val, check_addr, check_remote, family_arg, granted, network, new_socket, parse_addr, push_socket,
};
use super::{buffer_size_val, hop_limit, net_err, rustix_err, set_buffer_size, set_hop_limit, Family};
use crate::ctx::WasiCtx;
use crate::p2::io::{subscribe, Source, Wait};
use crate::p2::sockets_code::NetCode;
use crate::p2::streams::fd_wait;
use crate::p2::table::{res, Entry};
use crate::p2::{field, own, record, trap, unit, Args, Getter, HostResult, Iface};
use crate::wait::{host_readiness, HostReadiness};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum State {
    Unbound,
    BindStarted,
    Bound,
}

/// A UDP socket.
pub(crate) struct UdpSocket {
    sock: Arc<StdUdp>,
    family: Family,
    state: State,
    /// Where `stream(some(addr))` connected it.
    remote: Option<SocketAddr>,
}

/// One half of the pair `stream` returns: incoming or outgoing datagrams.
pub(crate) struct DatagramStream {
    sock: Arc<StdUdp>,
    family: Family,
    remote: Option<SocketAddr>,
    outgoing: bool,
}

/// Largest datagram received (the largest a UDP/IPv4 packet carries).
const MAX_DATAGRAM: usize = 65_535;

/// Most datagrams one `receive` returns, and what `check-send` permits.
const MAX_BATCH: u64 = 16;

impl DatagramStream {
    pub fn wait(&self) -> Wait {
        fd_wait(self.sock.as_raw_fd(), self.outgoing)
    }
}

fn sock<'c>(ctx: &'c mut WasiCtx, a: &Args<'_>) -> HostResult<&'c mut UdpSocket> {
    ctx.p2.table.udp_mut(a.rep(0)?)
}

fn datagrams<'c>(ctx: &'c mut WasiCtx, a: &Args<'_>) -> HostResult<&'c mut DatagramStream> {
    ctx.p2.table.datagrams_mut(a.rep(0)?)
}

fn start_bind(ctx: &mut WasiCtx, a: &Args<'_>) -> HostResult<Val> {
    network(ctx, a, 1)?;
    let addr = parse_addr(a.val(2)?)?;
    let s = sock(ctx, a)?;
    if s.state != State::Unbound {
        return Err(NetCode::INVALID_STATE.into());
    }
    check_addr(s.family, &addr)?;
    let ephemeral = addr.ip().is_unspecified() && addr.port() == 0;
    if !ephemeral {
        granted(ctx, addr)?;
    }
    let s = sock(ctx, a)?;
    rustix::net::bind(&*s.sock, &addr).map_err(rustix_err)?;
    s.state = State::BindStarted;
    Ok(unit())
}

/// `stream(remote)`: connects to `remote` (or disconnects for `none`) and returns a new
/// pair of datagram streams.
fn stream(ctx: &mut WasiCtx, a: &Args<'_>) -> HostResult<Val> {
    let remote = a.option(1)?.map(parse_addr).transpose()?;
    let s = sock(ctx, a)?;
    if s.state != State::Bound {
        return Err(NetCode::INVALID_STATE.into());
    }
    let family = s.family;
    if let Some(addr) = remote {
        check_remote(family, &addr)?;
        granted(ctx, addr)?;
    }
    let s = sock(ctx, a)?;
    match remote {
        Some(addr) => rustix::net::connect(&*s.sock, &addr).map_err(rustix_err)?,
        None if s.remote.is_some() => rustix::net::connect_unspec(&*s.sock).map_err(rustix_err)?,
        None => {}
    }
    s.remote = remote;
    let sock = s.sock.clone();
    let half = |outgoing| DatagramStream { sock: sock.clone(), family, remote, outgoing };
    let incoming = ctx.p2.table.push(Entry::Datagrams(half(false)))?;
    let outgoing = ctx.p2.table.push(Entry::Datagrams(half(true)))?;
    Ok(Val::Tuple(vec![
        own::<res::IncomingDatagramStream>(incoming),
        own::<res::OutgoingDatagramStream>(outgoing),
    ]))
}

fn receive(ctx: &mut WasiCtx, a: &Args<'_>) -> HostResult<Val> {
    let max = a.u64(1)?.min(MAX_BATCH);
    let d = datagrams(ctx, a)?;
    if d.outgoing {
        return Err(trap("receive on an outgoing datagram stream"));
    }
    let mut out = Vec::new();
    let mut buf = vec![0u8; MAX_DATAGRAM];
    while (out.len() as u64) < max {
        match d.sock.recv_from(&mut buf) {
            Ok((n, from)) => {
                // A connected socket only hears from its peer (the kernel filters already).
                out.push(record(vec![
                    ("data", crate::p2::bytes(&buf[..n])),
                    ("remote-address", addr_val(from)),
                ]));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if out.is_empty() => return Err(net_err(e)),
            Err(_) => break,
        }
    }
    Ok(Val::List(out))
}

fn send(ctx: &mut WasiCtx, a: &Args<'_>) -> HostResult<Val> {
    let list = a.list(1)?;
    let mut batch = Vec::with_capacity(list.len());
    let (family, remote) = {
        let d = datagrams(ctx, a)?;
        if !d.outgoing {
            return Err(trap("send on an incoming datagram stream"));
        }
        (d.family, d.remote)
    };
    if list.len() as u64 > MAX_BATCH {
        return Err(trap("send: more datagrams than check-send permits"));
    }
    for dg in list {
        let data: Vec<u8> = match field(dg, "data")? {
            Val::List(bytes) => bytes
                .iter()
                .map(|b| match b {
                    Val::U8(x) => Ok(*x),
                    _ => Err(trap("datagram data: expected bytes")),
                })
                .collect::<HostResult<_>>()?,
            _ => return Err(trap("datagram data: expected a list")),
        };
        let to = match field(dg, "remote-address")? {
            Val::Option(Some(addr)) => Some(parse_addr(addr)?),
            Val::Option(None) => None,
            _ => return Err(trap("datagram remote-address: expected an option")),
        };
        let to = match (to, remote) {
            (Some(to), Some(r)) if to != r => return Err(NetCode::INVALID_ARGUMENT.into()),
            (Some(to), _) => {
                check_remote(family, &to)?;
                granted(ctx, to)?;
                Some(to)
            }
            (None, Some(_)) => None,
            (None, None) => return Err(NetCode::INVALID_ARGUMENT.into()),
        };
        batch.push((data, to));
    }
    let d = datagrams(ctx, a)?;
    let mut sent = 0u64;
    for (data, to) in &batch {
        let r = match to {
            Some(to) if d.remote.is_none() => d.sock.send_to(data, to),
            _ => d.sock.send(data),
        };
        match r {
            Ok(_) => sent += 1,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && sent > 0 => break,
            Err(e) if sent == 0 => return Err(net_err(e)),
            Err(_) => break,
        }
    }
    Ok(Val::U64(sent))
}

fn address(s: &UdpSocket, remote: bool) -> HostResult<Val> {
    let addr = if remote {
        if s.remote.is_none() {
            return Err(NetCode::INVALID_STATE.into());
        }
        s.sock.peer_addr()
    } else {
        if s.state == State::Unbound || s.state == State::BindStarted {
            return Err(NetCode::INVALID_STATE.into());
        }
        s.sock.local_addr()
    };
    addr.map(addr_val).map_err(net_err)
}

pub(crate) fn add<T: 'static>(linker: &mut Linker<T>, get: Getter<T>) -> Result<()> {
    let mut i = Iface::new(linker, "sockets/udp-create-socket", get)?;
    i.resource::<res::Network>("network")?;
    i.resource::<res::UdpSocket>("udp-socket")?;
    i.func_result("create-udp-socket", |ctx, a| {
        let family = family_arg(a, 0)?;
        let fd = new_socket(ctx, family, rustix::net::SocketType::DGRAM)?;
        let s = UdpSocket { sock: Arc::new(StdUdp::from(fd)), family, state: State::Unbound, remote: None };
        Ok(own::<res::UdpSocket>(push_socket(ctx, Entry::Udp(s))?))
    })?;

    let mut i = Iface::new(linker, "sockets/udp", get)?;
    i.resource::<res::Pollable>("pollable")?;
    i.resource::<res::Network>("network")?;
    i.resource::<res::UdpSocket>("udp-socket")?;
    i.resource::<res::IncomingDatagramStream>("incoming-datagram-stream")?;
    i.resource::<res::OutgoingDatagramStream>("outgoing-datagram-stream")?;
    i.func_result("[method]udp-socket.start-bind", start_bind)?;
    i.func_result("[method]udp-socket.finish-bind", |ctx, a| {
        let s = sock(ctx, a)?;
        if s.state != State::BindStarted {
            return Err(NetCode::NOT_IN_PROGRESS.into());
        }
        s.state = State::Bound;
        Ok(unit())
    })?;
    i.func_result("[method]udp-socket.stream", stream)?;
    i.func_result("[method]udp-socket.local-address", |ctx, a| address(sock(ctx, a)?, false))?;
    i.func_result("[method]udp-socket.remote-address", |ctx, a| address(sock(ctx, a)?, true))?;
    i.func("[method]udp-socket.address-family", |ctx, a| Ok(sock(ctx, a)?.family.val()))?;
    i.func_result("[method]udp-socket.unicast-hop-limit", |ctx, a| {
        let s = sock(ctx, a)?;
        hop_limit(&*s.sock, s.family)
    })?;
    i.func_result("[method]udp-socket.set-unicast-hop-limit", |ctx, a| {
        let s = sock(ctx, a)?;
        set_hop_limit(&*s.sock, s.family, a, 1).map(|()| unit())
    })?;
    i.func_result("[method]udp-socket.receive-buffer-size", |ctx, a| {
        buffer_size_val(&*sock(ctx, a)?.sock, false)
    })?;
    i.func_result("[method]udp-socket.set-receive-buffer-size", |ctx, a| {
        set_buffer_size(&*sock(ctx, a)?.sock, false, a, 1).map(|()| unit())
    })?;
    i.func_result("[method]udp-socket.send-buffer-size", |ctx, a| {
        buffer_size_val(&*sock(ctx, a)?.sock, true)
    })?;
    i.func_result("[method]udp-socket.set-send-buffer-size", |ctx, a| {
        set_buffer_size(&*sock(ctx, a)?.sock, true, a, 1).map(|()| unit())
    })?;
    // The socket itself has nothing to wait for: its streams do.
    i.func("[method]udp-socket.subscribe", |ctx, a| {
        sock(ctx, a)?;
        subscribe(ctx, Source::Ready)
    })?;
    i.func_result("[method]incoming-datagram-stream.receive", receive)?;
    i.func("[method]incoming-datagram-stream.subscribe", |ctx, a| {
        let rep = a.rep(0)?;
        ctx.p2.table.datagrams(rep)?;
        subscribe(ctx, Source::Datagrams(rep))
    })?;
    i.func_result("[method]outgoing-datagram-stream.check-send", |ctx, a| {
        let d = datagrams(ctx, a)?;
        Ok(Val::U64(match host_readiness(d.sock.as_raw_fd(), true)? {
            HostReadiness::Pending => 0,
            HostReadiness::Ready { .. } => MAX_BATCH,
        }))
    })?;
    i.func_result("[method]outgoing-datagram-stream.send", send)?;
    i.func("[method]outgoing-datagram-stream.subscribe", |ctx, a| {
        let rep = a.rep(0)?;
        ctx.p2.table.datagrams(rep)?;
        subscribe(ctx, Source::Datagrams(rep))
    })?;
    Ok(())
}
