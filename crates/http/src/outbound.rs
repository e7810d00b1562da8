//! `wasi:http/outgoing-handler`: requests a guest sends, denied unless the host granted the
//! destination ([`OutboundPolicy`]), sent by hyper's client over TCP or rustls (HTTP/1.1, and
//! HTTP/2 where the server offers it in TLS's ALPN).

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use http::uri::{Authority, Scheme as UriScheme};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tessera_component::{Linker, Result, Val};
use tokio::net::TcpStream;

use crate::body::{BodyLimits, Incoming, OutgoingBody};
use crate::ctx::{
    Entry, FutureResponse, HttpCtx, HttpView, IncomingResponse, OutgoingRequest, RequestOptions,
    ResponseSlot, Scheme,
};
use crate::error::ErrorCode;
use crate::types::{res, Iface};
use crate::vals::{own, rep_of};

/// A destination a guest may send requests to: `SCHEME://HOST[:PORT]`, where the scheme
/// may be `*`, the host `*` or `*.SUFFIX`, and the port `*` (no port: the scheme's default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundPattern {
    scheme: Option<String>,
    host: HostPattern,
    port: Option<u16>,
    any_port: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum HostPattern {
    Any,
    Exact(String),
    Suffix(String),
}

impl std::str::FromStr for OutboundPattern {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<OutboundPattern, String> {
        let bad =
            |why: &str| format!("`{s}`: {why} (expected SCHEME://HOST[:PORT], e.g. https://*.example.com)");
        let (scheme, rest) = s.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "*" => None,
            s @ ("http" | "https") => Some(s.to_string()),
            _ => return Err(bad("the scheme must be http, https or *")),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') {
            return Err(bad("a pattern names a host, not a path"));
        }
        // `[v6]:port`, `host:port`, or a bare host.
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') && (h.ends_with(']') || !h.contains(':')) => (h, Some(p)),
            _ => (rest, None),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let host = if host == "*" {
            HostPattern::Any
        } else if let Some(suffix) = host.strip_prefix("*.") {
            HostPattern::Suffix(format!(".{suffix}"))
        } else if host.contains('*') {
            return Err(bad("`*` may only stand for the whole host or its first labels (`*.example.com`)"));
        } else {
            HostPattern::Exact(host)
        };
        let (port, any_port) = match port {
            None => (None, false),
            Some("*") => (None, true),
            Some(p) => (Some(p.parse::<u16>().map_err(|_| bad("the port must be a number or *"))?), false),
        };
        Ok(OutboundPattern { scheme, host, port, any_port })
    }
}

impl OutboundPattern {
    fn matches(&self, scheme: &str, host: &str, port: u16) -> bool {
        if self.scheme.as_deref().is_some_and(|s| s != scheme) {
            return false;
        }
        let host_ok = match &self.host {
            HostPattern::Any => true,
            HostPattern::Exact(h) => h == host,
            HostPattern::Suffix(s) => host.ends_with(s.as_str()),
        };
        let default_port = if scheme == "https" { 443 } else { 80 };
        host_ok && (self.any_port || self.port.unwrap_or(default_port) == port)
    }
}

/// Where guests may send requests: nowhere unless granted.
#[derive(Clone, Debug, Default)]
pub struct OutboundPolicy {
    patterns: Vec<OutboundPattern>,
}

impl OutboundPolicy {
    /// A policy allowing the destinations `patterns` match.
    pub fn allow(patterns: impl IntoIterator<Item = OutboundPattern>) -> OutboundPolicy {
        OutboundPolicy { patterns: patterns.into_iter().collect() }
    }

    /// Whether a request to `scheme://host:port` is allowed.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        self.patterns.iter().any(|p| p.matches(scheme, &host, port))
    }
}

/// Adds `wasi:http/outgoing-handler` to `linker`.
pub(crate) fn add<T: HttpView>(linker: &mut Linker<T>) -> Result<()> {
    let mut i = Iface::new(linker, "outgoing-handler")?;
    i.resource::<res::OutgoingRequest>("outgoing-request")?;
    i.resource::<res::RequestOptions>("request-options")?;
    i.resource::<res::FutureIncomingResponse>("future-incoming-response")?;
    i.func("handle", |_, http, a| {
        let req = http.table.take_outgoing_request(a.rep(0)?)?;
        let options = match a.option(1)? {
            Some(o) => http.table.take_request_options(rep_of(o)?)?,
            None => RequestOptions::default(),
        };
        Ok(match start(http, req, options) {
            Ok(f) => Val::ok(own::<res::FutureIncomingResponse>(http.table.push(Entry::FutureResponse(f))?)),
            Err(code) => Val::err(code.to_val()),
        })
    })
}

/// A request ready for hyper, and where it goes.
struct Prepared {
    request: http::Request<OutgoingBody>,
    tls: bool,
    host: String,
    port: u16,
}

fn prepare(http: &HttpCtx, mut req: OutgoingRequest) -> std::result::Result<Prepared, ErrorCode> {
    let tls = match &req.scheme {
        None | Some(Scheme::Https) => true,
        Some(Scheme::Http) => false,
        Some(Scheme::Other(_)) => return Err(ErrorCode::HTTP_PROTOCOL_ERROR),
    };
    let authority: Authority = req
        .authority
        .as_deref()
        .ok_or(ErrorCode::HTTP_REQUEST_URI_INVALID)?
        .parse()
        .map_err(|_| ErrorCode::HTTP_REQUEST_URI_INVALID)?;
    // An IPv6 literal without its brackets, for the resolver and the TLS server name.
    let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_string();
    let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let scheme_name = if tls { "https" } else { "http" };
    if !http.outbound.allows(scheme_name, &host, port) {
        return Err(ErrorCode::HTTP_REQUEST_DENIED);
    }
    // Host and port only: credentials the authority may carry go nowhere.
    let host_port: Authority = match authority.port() {
        Some(p) => format!("{}:{p}", authority.host()),
        None => authority.host().to_string(),
    }
    .parse()
    .map_err(|_| ErrorCode::HTTP_REQUEST_URI_INVALID)?;
    let path = req.path_with_query.as_deref().unwrap_or("/");
    let uri = http::Uri::builder()
        .scheme(if tls { UriScheme::HTTPS } else { UriScheme::HTTP })
        .authority(host_port.clone())
        .path_and_query(path)
        .build()
        .map_err(|_| ErrorCode::HTTP_REQUEST_URI_INVALID)?;
    let mut builder = http::Request::builder().method(req.method.clone()).uri(uri);
    if let Some(h) = builder.headers_mut() {
        *h = std::mem::take(&mut req.headers);
        if !h.contains_key(http::header::HOST) {
            let value = http::HeaderValue::from_str(host_port.as_str())
                .map_err(|_| ErrorCode::HTTP_REQUEST_URI_INVALID)?;
            h.insert(http::header::HOST, value);
        }
    }
    let body = match req.body.take() {
        Some(outgoing) => OutgoingBody::Guest { outgoing, trailers_sent: false },
        None => OutgoingBody::Empty,
    };
    let request = builder.body(body).map_err(|_| ErrorCode::HTTP_REQUEST_URI_INVALID)?;
    Ok(Prepared { request, tls, host, port })
}

/// Checks and starts `req`; the future its response arrives in.
fn start(
    http: &mut HttpCtx,
    req: OutgoingRequest,
    options: RequestOptions,
) -> std::result::Result<FutureResponse, ErrorCode> {
    let prepared = prepare(http, req)?;
    let slot = Arc::new(ResponseSlot { value: Mutex::new(None) });
    let (slot2, signal, runtime) = (slot.clone(), http.signal.clone(), http.runtime.clone());
    let task = http.runtime.spawn(async move {
        let result = send(prepared, options, &runtime, signal.clone()).await;
        if let Ok(mut v) = slot2.value.lock() {
            *v = Some(result);
        }
        signal.notify();
    });
    Ok(FutureResponse { slot, taken: false, task: task.abort_handle() })
}

/// How long a step may take: the guest's choice, else a generous default so that a
/// destination that never answers does not hold the request's instance forever.
fn limit(d: Option<Duration>, default_secs: u64) -> Duration {
    d.unwrap_or(Duration::from_secs(default_secs))
}

async fn send(
    p: Prepared,
    options: RequestOptions,
    runtime: &tokio::runtime::Handle,
    signal: Arc<tessera_wasi::p2::host::Signal>,
) -> std::result::Result<IncomingResponse, ErrorCode> {
    let mut request = p.request;
    let addrs: Vec<_> = match tokio::net::lookup_host((p.host.as_str(), p.port)).await {
        Ok(a) => a.collect(),
        Err(e) => return Err(ErrorCode::DnsError { rcode: Some(e.to_string()), info_code: None }),
    };
    if addrs.is_empty() {
        return Err(ErrorCode::DESTINATION_NOT_FOUND);
    }
    let tcp = match tokio::time::timeout(limit(options.connect, 30), TcpStream::connect(&addrs[..])).await {
        Err(_) => return Err(ErrorCode::CONNECTION_TIMEOUT),
        Ok(Err(e)) => return Err(ErrorCode::from_io(&e)),
        Ok(Ok(s)) => s,
    };
    let _ = tcp.set_nodelay(true);
    let first_byte = limit(options.first_byte, 600);
    let response = if p.tls {
        let name = rustls::pki_types::ServerName::try_from(p.host.clone())
            .map_err(|_| ErrorCode::HTTP_REQUEST_URI_INVALID)?;
        // The handshake counts as connecting: a peer that accepts and then stalls times out.
        let handshake = tokio_rustls::TlsConnector::from(tls_config()).connect(name, tcp);
        let tls = match tokio::time::timeout(limit(options.connect, 30), handshake).await {
            Err(_) => return Err(ErrorCode::CONNECTION_TIMEOUT),
            Ok(Err(e)) => return Err(tls_error(&e)),
            Ok(Ok(tls)) => tls,
        };
        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        let io = TokioIo::new(tls);
        if h2 {
            let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                .await
                .map_err(|e| ErrorCode::from_hyper(&e))?;
            runtime.spawn(conn);
            tokio::time::timeout(first_byte, sender.send_request(request)).await
        } else {
            *request.uri_mut() = origin_form(request.uri());
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(io).await.map_err(|e| ErrorCode::from_hyper(&e))?;
            runtime.spawn(conn);
            tokio::time::timeout(first_byte, sender.send_request(request)).await
        }
    } else {
        *request.uri_mut() = origin_form(request.uri());
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| ErrorCode::from_hyper(&e))?;
        runtime.spawn(conn);
        tokio::time::timeout(first_byte, sender.send_request(request)).await
    };
    let response = match response {
        Err(_) => return Err(ErrorCode::CONNECTION_READ_TIMEOUT),
        Ok(Err(e)) => return Err(ErrorCode::from_hyper(&e)),
        Ok(Ok(r)) => r,
    };
    let (parts, body) = response.into_parts();
    let limits = BodyLimits { max: None, between_bytes: options.between_bytes, exceeded: None };
    Ok(IncomingResponse {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: Some(Incoming::spawn(runtime, body, signal, limits)),
    })
}

/// An HTTP/1.1 request names only the path and query on its request line.
fn origin_form(uri: &http::Uri) -> http::Uri {
    uri.path_and_query().map_or_else(|| http::Uri::from_static("/"), |p| http::Uri::from(p.clone()))
}

fn tls_error(e: &std::io::Error) -> ErrorCode {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(_)) => ErrorCode::TLS_CERTIFICATE_ERROR,
        Some(rustls::Error::AlertReceived(alert)) => ErrorCode::Other(Val::Variant(
            "TLS-alert-received".into(),
            Some(Box::new(Val::Record(vec![
                ("alert-id".into(), Val::Option(Some(Box::new(Val::U8(u8::from(*alert)))))),
                ("alert-message".into(), Val::Option(Some(Box::new(Val::String(format!("{alert:?}")))))),
            ]))),
        )),
        Some(_) => ErrorCode::TLS_PROTOCOL_ERROR,
        None => ErrorCode::from_io(e),
    }
}

/// One client configuration for the process: Mozilla's roots, HTTP/2 then HTTP/1.1.
fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            // ring's provider: no C toolchain beyond `cc` (aws-lc-rs wants cmake); it lacks
            // post-quantum key exchange, which rustls marks by deprecating the constructor.
            #[allow(deprecated)]
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|b| b.with_root_certificates(roots).with_no_client_auth())
                .unwrap_or_else(|e| unreachable!("ring supports the default protocol versions: {e}"));
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Arc::new(config)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_parse_and_match() {
        let p = |s: &str| s.parse::<OutboundPattern>().unwrap();
        let policy = OutboundPolicy::allow([
            p("http://127.0.0.1:8081"),
            p("https://*.example.com"),
            p("*://localhost:*"),
        ]);
        assert!(policy.allows("http", "127.0.0.1", 8081));
        assert!(!policy.allows("http", "127.0.0.1", 8082));
        assert!(!policy.allows("https", "127.0.0.1", 8081));
        assert!(policy.allows("https", "api.example.com", 443));
        assert!(!policy.allows("https", "example.com", 443), "*. needs a label before the suffix");
        assert!(!policy.allows("https", "api.example.com", 8443));
        assert!(policy.allows("http", "LOCALHOST", 9999));
        assert!(!OutboundPolicy::default().allows("http", "127.0.0.1", 80));
        let v6 = OutboundPolicy::allow([p("http://[::1]:8080")]);
        assert!(v6.allows("http", "[::1]", 8080));
        for bad in ["127.0.0.1:80", "ftp://x", "http://", "http://a*b.com", "http://x:port", "http://x/path"]
        {
            assert!(bad.parse::<OutboundPattern>().is_err(), "{bad} should be refused");
        }
    }
}
