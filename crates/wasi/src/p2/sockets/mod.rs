//! `wasi:sockets`: TCP, UDP and name lookup, under the context's network policy
//! ([`crate::net::NetPolicy`]): creating a socket needs some grant, binding, connecting and
//! sending need the address to be granted, and lookups need the DNS grant. A refusal is
//! the interface's `access-denied`.
//!
//! Sockets are the host's own, always non-blocking; their state machines follow the WIT
//! (`start-*` does the system call, `finish-*` reports it). `tcp.rs`, `udp.rs` and `dns.rs`
//! hold the three resources; this file the addresses, the policy checks and the
//! `network` resource.

mod dns;
mod tcp;
mod udp;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use tessera_component::{Linker, Result, Val};

pub(crate) use dns::Resolve;
pub(crate) use tcp::TcpSocket;
pub(crate) use udp::{DatagramStream, UdpSocket};

use super::sockets_code::NetCode;
use super::table::{res, Entry};
use super::{enum_case, field, none, own, record, some, trap, variant, Args, Getter, HostResult, Iface};
use crate::ctx::WasiCtx;

/// An IP address family.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    V4,
    V6,
}

impl Family {
    fn of(addr: &SocketAddr) -> Family {
        if addr.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        }
    }

    fn val(self) -> Val {
        enum_case(match self {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        })
    }

    fn rustix(self) -> rustix::net::AddressFamily {
        match self {
            Family::V4 => rustix::net::AddressFamily::INET,
            Family::V6 => rustix::net::AddressFamily::INET6,
        }
    }
}

fn family_arg(a: &Args<'_>, i: usize) -> HostResult<Family> {
    match a.enum_case(i)? {
        "ipv4" => Ok(Family::V4),
        "ipv6" => Ok(Family::V6),
        other => Err(trap(format!("unknown ip-address-family `{other}`"))),
    }
}

/// The `ip-address` value of `ip`.
fn ip_val(ip: IpAddr) -> Val {
    match ip {
        IpAddr::V4(v4) => {
            variant("ipv4", Some(Val::Tuple(v4.octets().iter().map(|&b| Val::U8(b)).collect())))
        }
        IpAddr::V6(v6) => {
            variant("ipv6", Some(Val::Tuple(v6.segments().iter().map(|&s| Val::U16(s)).collect())))
        }
    }
}

/// The `ip-socket-address` value of `addr`.
pub(crate) fn addr_val(addr: SocketAddr) -> Val {
    match addr {
        SocketAddr::V4(a) => variant(
            "ipv4",
            Some(record(vec![
                ("port", Val::U16(a.port())),
                ("address", Val::Tuple(a.ip().octets().iter().map(|&b| Val::U8(b)).collect())),
            ])),
        ),
        SocketAddr::V6(a) => variant(
            "ipv6",
            Some(record(vec![
                ("port", Val::U16(a.port())),
                ("flow-info", Val::U32(a.flowinfo())),
                ("address", Val::Tuple(a.ip().segments().iter().map(|&s| Val::U16(s)).collect())),
                ("scope-id", Val::U32(a.scope_id())),
            ])),
        ),
    }
}

fn bad(what: &str) -> super::HostError {
    trap(format!("malformed {what}"))
}

/// An `ip-socket-address` value.
pub(crate) fn parse_addr(v: &Val) -> HostResult<SocketAddr> {
    let Val::Variant(case, Some(rec)) = v else { return Err(bad("ip-socket-address")) };
    let port = match field(rec, "port")? {
        Val::U16(p) => *p,
        _ => return Err(bad("port")),
    };
    let Val::Tuple(parts) = field(rec, "address")? else { return Err(bad("address")) };
    match case.as_str() {
        "ipv4" => {
            let mut o = [0u8; 4];
            if parts.len() != 4 {
                return Err(bad("ipv4-address"));
            }
            for (slot, p) in o.iter_mut().zip(parts) {
                let Val::U8(b) = p else { return Err(bad("ipv4-address")) };
                *slot = *b;
            }
            Ok(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(o), port)))
        }
        "ipv6" => {
            let mut s = [0u16; 8];
            if parts.len() != 8 {
                return Err(bad("ipv6-address"));
            }
            for (slot, p) in s.iter_mut().zip(parts) {
                let Val::U16(x) = p else { return Err(bad("ipv6-address")) };
                *slot = *x;
            }
            let flow = match field(rec, "flow-info")? {
                Val::U32(f) => *f,
                _ => return Err(bad("flow-info")),
            };
            let scope = match field(rec, "scope-id")? {
                Val::U32(f) => *f,
                _ => return Err(bad("scope-id")),
            };
            Ok(SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(s), port, flow, scope)))
        }
        _ => Err(bad("ip-socket-address")),
    }
}

/// Checks what the interface requires of any address given to a socket of `family`: the
/// same family, unicast, and no IPv4-mapped IPv6 address.
fn check_addr(family: Family, addr: &SocketAddr) -> HostResult<()> {
    let ok = Family::of(addr) == family
        && !addr.ip().is_multicast()
        && match addr.ip() {
            IpAddr::V4(v4) => !v4.is_broadcast(),
            IpAddr::V6(v6) => v6.to_ipv4_mapped().is_none(),
        };
    if ok {
        Ok(())
    } else {
        Err(NetCode::INVALID_ARGUMENT.into())
    }
}

/// Checks a remote address: as [`check_addr`], and neither the unspecified address nor
/// port 0.
fn check_remote(family: Family, addr: &SocketAddr) -> HostResult<()> {
    check_addr(family, addr)?;
    if addr.ip().is_unspecified() || addr.port() == 0 {
        return Err(NetCode::INVALID_ARGUMENT.into());
    }
    Ok(())
}

/// The policy's verdict on `addr`.
fn granted(ctx: &WasiCtx, addr: SocketAddr) -> HostResult<()> {
    if ctx.net.allows(addr) {
        Ok(())
    } else {
        Err(NetCode::ACCESS_DENIED.into())
    }
}

/// Checks that argument `i` is the `network` resource.
fn network(ctx: &WasiCtx, a: &Args<'_>, i: usize) -> HostResult<()> {
    match ctx.p2.table.get(a.rep(i)?)? {
        Entry::Network => Ok(()),
        _ => Err(trap("expected a network")),
    }
}

/// A positive buffer-size (or backlog) argument, capped to what the host takes.
fn buffer_size(a: &Args<'_>, i: usize) -> HostResult<usize> {
    match a.u64(i)? {
        0 => Err(NetCode::INVALID_ARGUMENT.into()),
        n => Ok(usize::try_from(n).unwrap_or(usize::MAX).min(i32::MAX as usize)),
    }
}

/// The unicast hop limit (IPv4 TTL), an option both TCP and UDP sockets have.
fn hop_limit(fd: impl std::os::fd::AsFd, family: Family) -> HostResult<Val> {
    match family {
        Family::V4 => rustix::net::sockopt::ip_ttl(fd).map(|t| t.min(255) as u8),
        Family::V6 => rustix::net::sockopt::ipv6_unicast_hops(fd),
    }
    .map(Val::U8)
    .map_err(rustix_err)
}

/// Sets the hop limit from argument `i`; 0 is `invalid-argument`.
fn set_hop_limit(fd: impl std::os::fd::AsFd, family: Family, a: &Args<'_>, i: usize) -> HostResult<()> {
    match (a.u8(i)?, family) {
        (0, _) => Err(NetCode::INVALID_ARGUMENT.into()),
        (n, Family::V4) => rustix::net::sockopt::set_ip_ttl(fd, u32::from(n)).map_err(rustix_err),
        (n, Family::V6) => rustix::net::sockopt::set_ipv6_unicast_hops(fd, Some(n)).map_err(rustix_err),
    }
}

/// The receive (`send` false) or send buffer size.
fn buffer_size_val(fd: impl std::os::fd::AsFd, send: bool) -> HostResult<Val> {
    let n = if send {
        rustix::net::sockopt::socket_send_buffer_size(fd)
    } else {
        rustix::net::sockopt::socket_recv_buffer_size(fd)
    };
    n.map(|n| Val::U64(n as u64)).map_err(rustix_err)
}

/// Sets the receive or send buffer size from argument `i`.
fn set_buffer_size(fd: impl std::os::fd::AsFd, send: bool, a: &Args<'_>, i: usize) -> HostResult<()> {
    let n = buffer_size(a, i)?;
    if send {
        rustix::net::sockopt::set_socket_send_buffer_size(fd, n)
    } else {
        rustix::net::sockopt::set_socket_recv_buffer_size(fd, n)
    }
    .map_err(rustix_err)
}

/// A host error as the interface's `error-code`.
fn net_err(e: std::io::Error) -> super::HostError {
    NetCode::from_io(&e).into()
}

fn rustix_err(e: rustix::io::Errno) -> super::HostError {
    net_err(e.into())
}

/// A new non-blocking socket of `family` and `ty`, refused unless some network use is
/// granted.
fn new_socket(
    ctx: &WasiCtx,
    family: Family,
    ty: rustix::net::SocketType,
) -> HostResult<std::os::fd::OwnedFd> {
    if !ctx.net.any_allowed() {
        return Err(NetCode::ACCESS_DENIED.into());
    }
    let flags = rustix::net::SocketFlags::NONBLOCK | rustix::net::SocketFlags::CLOEXEC;
    let fd = rustix::net::socket_with(family.rustix(), ty, flags, None).map_err(rustix_err)?;
    if family == Family::V6 {
        // IPv4-mapped addresses are refused anyway; keep the socket to IPv6 proper.
        rustix::net::sockopt::set_ipv6_v6only(&fd, true).map_err(rustix_err)?;
    }
    Ok(fd)
}

/// Adds a socket resource; `new-socket-limit` past the limit of open files.
fn push_socket(ctx: &mut WasiCtx, e: Entry) -> HostResult<u32> {
    match ctx.p2.table.try_push(e) {
        Ok(rep) => Ok(rep),
        Err(super::table::Full::HostFds) => Err(NetCode::NEW_SOCKET_LIMIT.into()),
        Err(super::table::Full::Entries) => Err(trap("too many WASI resources held at once")),
    }
}

pub(crate) fn add<T: 'static>(linker: &mut Linker<T>, get: Getter<T>) -> Result<()> {
    let mut i = Iface::new(linker, "sockets/network", get)?;
    i.resource::<res::Network>("network")?;
    i.resource::<res::Error>("error")?;
    i.func("network-error-code", |ctx, a| {
        let code = ctx.p2.table.error(a.rep(0)?)?.net;
        Ok(code.map_or_else(none, |c| some(enum_case(c.name()))))
    })?;
    let mut i = Iface::new(linker, "sockets/instance-network", get)?;
    i.resource::<res::Network>("network")?;
    i.func("instance-network", |ctx, _| Ok(own::<res::Network>(ctx.p2.table.push(Entry::Network)?)))?;
    tcp::add(linker, get)?;
    udp::add(linker, get)?;
    dns::add(linker, get)
}
