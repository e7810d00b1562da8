//! `wasi:sockets/ip-name-lookup`: host name resolution, refused unless the DNS grant was
//! given (IP address literals need no lookup and are always answered).
//!
//! The host's resolver (`getaddrinfo`) blocks, so each lookup runs on a thread of its own;
//! when it is done the thread writes a byte to a socket pair, which is what the lookup's
//! pollable waits on in `poll(2)`.

use std::collections::VecDeque;
use std::net::{IpAddr, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{channel, Receiver, TryRecvError};

use tessera_component::{Linker, Result, Val};

use super::{ip_val, network, push_socket};
use crate::ctx::WasiCtx;
use crate::p2::io::{subscribe, Source, Wait};
use crate::p2::sockets_code::NetCode;
use crate::p2::streams::fd_wait;
use crate::p2::table::{res, Entry};
use crate::p2::{none, own, some, Getter, HostResult, Iface};

type Answer = std::result::Result<Vec<IpAddr>, NetCode>;

/// A lookup, running or done.
pub(crate) struct Resolve {
    state: State,
}

enum State {
    /// The thread's answer will arrive on the channel; the socket becomes readable then.
    Pending(Receiver<Answer>, UnixStream),
    /// Addresses not yet handed out, or the lookup's error.
    Done(std::result::Result<VecDeque<IpAddr>, NetCode>),
}

impl Resolve {
    pub fn wait(&self) -> Wait {
        match &self.state {
            State::Pending(_, wake) => fd_wait(wake.as_raw_fd(), false),
            State::Done(_) => Wait::Ready,
        }
    }

    fn next(&mut self) -> HostResult<Val> {
        if let State::Pending(rx, _) = &self.state {
            let answer = match rx.try_recv() {
                Ok(a) => a,
                Err(TryRecvError::Empty) => return Err(NetCode::WOULD_BLOCK.into()),
                Err(TryRecvError::Disconnected) => Err(NetCode::UNKNOWN),
            };
            self.state = State::Done(answer.map(VecDeque::from));
        }
        match &mut self.state {
            State::Done(Ok(addrs)) => Ok(addrs.pop_front().map_or_else(none, |ip| some(ip_val(ip)))),
            State::Done(Err(code)) => Err((*code).into()),
            State::Pending(..) => Err(NetCode::WOULD_BLOCK.into()),
        }
    }
}

/// An IP address literal (IPv6 possibly in brackets).
fn literal(name: &str) -> Option<IpAddr> {
    let bare = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(name);
    bare.parse().ok()
}

/// Whether `name` could be a host name at all (what `getaddrinfo` should even be asked).
fn plausible(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

fn lookup(name: &str) -> Answer {
    match (name, 0).to_socket_addrs() {
        Ok(addrs) => {
            let mut out: Vec<IpAddr> = Vec::new();
            for a in addrs {
                if !out.contains(&a.ip()) {
                    out.push(a.ip());
                }
            }
            Ok(out)
        }
        // `getaddrinfo`'s reasons do not survive std's error; a name that did not resolve
        // is what the guest needs to know.
        Err(_) => Err(NetCode::NAME_UNRESOLVABLE),
    }
}

fn start(ctx: &mut WasiCtx, name: &str) -> HostResult<Resolve> {
    if let Some(ip) = literal(name) {
        return Ok(Resolve { state: State::Done(Ok(VecDeque::from([ip]))) });
    }
    if !ctx.net.dns_allowed() {
        return Err(NetCode::ACCESS_DENIED.into());
    }
    if !plausible(name) {
        return Err(NetCode::INVALID_ARGUMENT.into());
    }
    let (wake_rx, wake_tx) = UnixStream::pair().map_err(super::net_err)?;
    let (tx, rx) = channel();
    let name = name.to_string();
    std::thread::Builder::new()
        .name("wasi-dns".into())
        .spawn(move || {
            // The guest may have dropped the lookup; then nobody listens.
            let _ = tx.send(lookup(&name));
            // MSG_NOSIGNAL: a dropped lookup closed the other end; that is not a SIGPIPE.
            let _ = rustix::net::send(&wake_tx, &[1], rustix::net::SendFlags::NOSIGNAL);
        })
        .map_err(|_| NetCode::TEMPORARY_RESOLVER_FAILURE)?;
    Ok(Resolve { state: State::Pending(rx, wake_rx) })
}

pub(crate) fn add<T: 'static>(linker: &mut Linker<T>, get: Getter<T>) -> Result<()> {
    let mut i = Iface::new(linker, "sockets/ip-name-lookup", get)?;
    i.resource::<res::Pollable>("pollable")?;
    i.resource::<res::Network>("network")?;
    i.resource::<res::ResolveAddressStream>("resolve-address-stream")?;
    i.func_result("resolve-addresses", |ctx, a| {
        network(ctx, a, 0)?;
        let r = start(ctx, a.str(1)?)?;
        Ok(own::<res::ResolveAddressStream>(push_socket(ctx, Entry::Resolve(r))?))
    })?;
    i.func_result("[method]resolve-address-stream.resolve-next-address", |ctx, a| {
        ctx.p2.table.resolve_mut(a.rep(0)?)?.next()
    })?;
    i.func("[method]resolve-address-stream.subscribe", |ctx, a| {
        let rep = a.rep(0)?;
        ctx.p2.table.resolve(rep)?;
        subscribe(ctx, Source::Resolve(rep))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_plausible_names() {
        assert_eq!(literal("127.0.0.1"), Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(literal("[::1]"), Some("::1".parse().unwrap()));
        assert_eq!(literal("localhost"), None);
        assert!(plausible("example.com") && plausible("a-b_c.d"));
        assert!(!plausible("") && !plausible("a b") && !plausible("a\0b") && !plausible(&"x".repeat(254)));
    }
}
