//! The network grant: which addresses a guest may bind and connect to, and whether it may
//! look names up. Nothing is granted by default.
//!
//! The model is an allow-list of [`AddressPattern`]s (`127.0.0.1:8080`, `10.0.0.0/8:*`,
//! `*:443`, `[::1]:*`), or everything at once with [`NetPolicy::allow_all`]. A socket
//! operation is checked against the address it names: `bind` the local address, `connect`
//! and `send` the remote one. Connections accepted on a listener the guest was allowed to
//! bind are not checked again (the listener's address was the grant).

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// A set of socket addresses: an IP network (or any IP) and a port range (or any port).
///
/// Written `IP[/PREFIX][:PORTS]` where `IP` is an address or `*`, `PORTS` is a port, a
/// range `LOW-HIGH` or `*`; IPv6 addresses go in brackets when a port follows
/// (`[::1]:8080`). Without `:PORTS` every port matches.
///
/// ```
/// use tessera_wasi::AddressPattern;
/// let p: AddressPattern = "127.0.0.1:8000-8999".parse().unwrap();
/// assert!(p.matches("127.0.0.1:8080".parse().unwrap()));
/// assert!(!p.matches("127.0.0.1:80".parse().unwrap()));
/// assert!("*:443".parse::<AddressPattern>().unwrap().matches("[::1]:443".parse().unwrap()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressPattern {
    /// `None`: any address of either family.
    network: Option<(IpAddr, u8)>,
    ports: (u16, u16),
}

/// Why a pattern did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError(String);

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PatternError {}

impl AddressPattern {
    /// Every address and port.
    pub fn any() -> AddressPattern {
        AddressPattern { network: None, ports: (0, u16::MAX) }
    }

    /// Exactly one address and port.
    pub fn exact(addr: SocketAddr) -> AddressPattern {
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        AddressPattern { network: Some((addr.ip(), bits)), ports: (addr.port(), addr.port()) }
    }

    /// Every port of one IP network (`prefix` bits of `ip`).
    ///
    /// # Errors
    /// If `prefix` is longer than the address.
    pub fn network(ip: IpAddr, prefix: u8) -> Result<AddressPattern, PatternError> {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(PatternError(format!("prefix /{prefix} is longer than {max} bits")));
        }
        Ok(AddressPattern { network: Some((ip, prefix)), ports: (0, u16::MAX) })
    }

    /// The same addresses, on the ports `low..=high` only.
    pub fn with_ports(mut self, low: u16, high: u16) -> AddressPattern {
        self.ports = (low.min(high), low.max(high));
        self
    }

    /// Whether `addr` is in the set. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is
    /// matched as the IPv4 address it stands for.
    pub fn matches(&self, addr: SocketAddr) -> bool {
        if addr.port() < self.ports.0 || addr.port() > self.ports.1 {
            return false;
        }
        let Some((net, prefix)) = self.network else { return true };
        let ip = canonical(addr.ip());
        match (canonical(net), ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), prefix),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), prefix),
            _ => false,
        }
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    let rest = prefix % 8;
    if a[..full] != b[..full] {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    a[full] & mask == b[full] & mask
}

fn parse_ports(s: &str) -> Result<(u16, u16), PatternError> {
    let bad = || PatternError(format!("bad port or port range `{s}`"));
    if s == "*" {
        return Ok((0, u16::MAX));
    }
    match s.split_once('-') {
        Some((lo, hi)) => {
            let (lo, hi) = (lo.parse::<u16>().map_err(|_| bad())?, hi.parse::<u16>().map_err(|_| bad())?);
            if lo > hi {
                return Err(bad());
            }
            Ok((lo, hi))
        }
        None => s.parse::<u16>().map(|p| (p, p)).map_err(|_| bad()),
    }
}

impl FromStr for AddressPattern {
    type Err = PatternError;

    fn from_str(s: &str) -> Result<AddressPattern, PatternError> {
        let s = s.trim();
        // Split off `:PORTS`: after a `]` for bracketed IPv6; for anything else only when
        // there is exactly one colon (a bare IPv6 address has several).
        let (host, ports) = if let Some(rest) = s.strip_prefix('[') {
            let (host, after) =
                rest.split_once(']').ok_or_else(|| PatternError(format!("missing `]` in `{s}`")))?;
            match after {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':').ok_or_else(|| PatternError(format!("bad `{s}`")))?)),
            }
        } else if s.matches(':').count() == 1 {
            let (h, p) = s.split_once(':').unwrap_or((s, ""));
            (h, Some(p))
        } else {
            (s, None)
        };
        let ports = ports.map(parse_ports).transpose()?.unwrap_or((0, u16::MAX));
        if host == "*" {
            return Ok(AddressPattern { network: None, ports });
        }
        let (ip, prefix) = match host.split_once('/') {
            Some((ip, prefix)) => {
                let ip: IpAddr = ip.parse().map_err(|_| PatternError(format!("bad IP address `{ip}`")))?;
                let prefix: u8 =
                    prefix.parse().map_err(|_| PatternError(format!("bad prefix `/{prefix}`")))?;
                (ip, prefix)
            }
            None => {
                let ip: IpAddr =
                    host.parse().map_err(|_| PatternError(format!("bad IP address `{host}`")))?;
                (ip, if ip.is_ipv4() { 32 } else { 128 })
            }
        };
        Ok(AddressPattern::network(ip, prefix)?.with_ports(ports.0, ports.1))
    }
}

/// What a guest may do on the network: nothing, unless granted.
#[derive(Clone, Debug, Default)]
pub struct NetPolicy {
    /// Every address is allowed.
    all: bool,
    /// Addresses allowed besides.
    allowed: Vec<AddressPattern>,
    /// Name lookups are allowed.
    dns: bool,
}

impl NetPolicy {
    /// Allows (or, with `false`, stops allowing) every address.
    pub fn allow_all(&mut self, allow: bool) {
        self.all = allow;
    }

    /// Allows the addresses of `patterns` too.
    pub fn allow(&mut self, patterns: impl IntoIterator<Item = AddressPattern>) {
        self.allowed.extend(patterns);
    }

    /// Allows (or stops allowing) name lookups.
    pub fn allow_dns(&mut self, allow: bool) {
        self.dns = allow;
    }

    /// Whether any socket use at all is granted (creating a socket is refused otherwise).
    pub fn any_allowed(&self) -> bool {
        self.all || !self.allowed.is_empty()
    }

    /// Whether the guest may bind to, connect to or send to `addr`.
    pub fn allows(&self, addr: SocketAddr) -> bool {
        self.all || self.allowed.iter().any(|p| p.matches(addr))
    }

    /// Whether the guest may resolve host names.
    pub fn dns_allowed(&self) -> bool {
        self.dns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn patterns_parse_and_match() {
        let p: AddressPattern = "10.0.0.0/8:80".parse().unwrap();
        assert!(p.matches(a("10.1.2.3:80")));
        assert!(!p.matches(a("10.1.2.3:81")));
        assert!(!p.matches(a("11.0.0.1:80")));
        assert!(p.matches(a("[::ffff:10.0.0.1]:80")), "IPv4-mapped addresses match as IPv4");
        let p: AddressPattern = "[::1]:*".parse().unwrap();
        assert!(p.matches(a("[::1]:1")));
        assert!(!p.matches(a("127.0.0.1:1")));
        let p: AddressPattern = "::1".parse().unwrap();
        assert!(p.matches(a("[::1]:9")));
        let p: AddressPattern = "192.168.1.0/23".parse().unwrap();
        assert!(p.matches(a("192.168.0.7:1")) && !p.matches(a("192.168.2.7:1")));
        assert!("*".parse::<AddressPattern>().unwrap().matches(a("1.2.3.4:5")));
        for bad in ["1.2.3.4:99999", "1.2.3.4/33", "[::1", "nope", "1.2.3.4:9-1", "[::1]x"] {
            assert!(bad.parse::<AddressPattern>().is_err(), "{bad}");
        }
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        let mut p = NetPolicy::default();
        assert!(!p.any_allowed() && !p.allows(a("127.0.0.1:80")) && !p.dns_allowed());
        p.allow([AddressPattern::exact(a("127.0.0.1:80"))]);
        assert!(p.any_allowed() && p.allows(a("127.0.0.1:80")) && !p.allows(a("127.0.0.1:81")));
        p.allow_all(true);
        assert!(p.allows(a("8.8.8.8:53")));
    }
}
