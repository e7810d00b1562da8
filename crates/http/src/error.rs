//! `wasi:http/types.error-code` and `header-error`: Rust values, their component values,
//! and how real I/O failures map onto them.

use tessera_component::Val;

/// A `wasi:http/types.error-code`. Cases without a payload are named by their WIT case
/// name; the ones with a payload this host produces or reads have their own variants.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorCode {
    /// A case without a payload, by its WIT name (`connection-refused`,
    /// `HTTP-request-denied`, `HTTP-response-incomplete`, ...).
    Plain(&'static str),
    DnsError {
        rcode: Option<String>,
        info_code: Option<u16>,
    },
    HttpRequestBodySize(Option<u64>),
    HttpResponseBodySize(Option<u64>),
    InternalError(Option<String>),
    /// Any other case as the guest gave it (passed through, never built by this host).
    Other(Val),
}

impl ErrorCode {
    pub const DNS_TIMEOUT: ErrorCode = ErrorCode::Plain("DNS-timeout");
    pub const DESTINATION_NOT_FOUND: ErrorCode = ErrorCode::Plain("destination-not-found");
    pub const DESTINATION_UNAVAILABLE: ErrorCode = ErrorCode::Plain("destination-unavailable");
    pub const CONNECTION_REFUSED: ErrorCode = ErrorCode::Plain("connection-refused");
    pub const CONNECTION_TERMINATED: ErrorCode = ErrorCode::Plain("connection-terminated");
    pub const CONNECTION_TIMEOUT: ErrorCode = ErrorCode::Plain("connection-timeout");
    pub const CONNECTION_READ_TIMEOUT: ErrorCode = ErrorCode::Plain("connection-read-timeout");
    pub const TLS_PROTOCOL_ERROR: ErrorCode = ErrorCode::Plain("TLS-protocol-error");
    pub const TLS_CERTIFICATE_ERROR: ErrorCode = ErrorCode::Plain("TLS-certificate-error");
    pub const HTTP_REQUEST_DENIED: ErrorCode = ErrorCode::Plain("HTTP-request-denied");
    pub const HTTP_REQUEST_METHOD_INVALID: ErrorCode = ErrorCode::Plain("HTTP-request-method-invalid");
    pub const HTTP_REQUEST_URI_INVALID: ErrorCode = ErrorCode::Plain("HTTP-request-URI-invalid");
    pub const HTTP_RESPONSE_INCOMPLETE: ErrorCode = ErrorCode::Plain("HTTP-response-incomplete");
    pub const HTTP_RESPONSE_TIMEOUT: ErrorCode = ErrorCode::Plain("HTTP-response-timeout");
    pub const HTTP_PROTOCOL_ERROR: ErrorCode = ErrorCode::Plain("HTTP-protocol-error");

    /// `internal-error(some(message))`.
    pub fn internal(message: impl Into<String>) -> ErrorCode {
        ErrorCode::InternalError(Some(message.into()))
    }

    /// The component value of this code.
    pub fn to_val(&self) -> Val {
        let case = |name: &str, payload: Option<Val>| Val::Variant(name.to_string(), payload.map(Box::new));
        let opt = |v: Option<Val>| Val::Option(v.map(Box::new));
        match self {
            ErrorCode::Plain(name) => case(name, None),
            ErrorCode::DnsError { rcode, info_code } => case(
                "DNS-error",
                Some(Val::Record(vec![
                    ("rcode".into(), opt(rcode.clone().map(Val::String))),
                    ("info-code".into(), opt(info_code.map(Val::U16))),
                ])),
            ),
            ErrorCode::HttpRequestBodySize(n) => case("HTTP-request-body-size", Some(opt(n.map(Val::U64)))),
            ErrorCode::HttpResponseBodySize(n) => case("HTTP-response-body-size", Some(opt(n.map(Val::U64)))),
            ErrorCode::InternalError(m) => case("internal-error", Some(opt(m.clone().map(Val::String)))),
            ErrorCode::Other(v) => v.clone(),
        }
    }

    /// The code a guest passed (kept as it is unless this host knows the case).
    pub fn from_val(v: &Val) -> ErrorCode {
        if let Val::Variant(name, None) = v {
            if let Some(known) = PLAIN.iter().find(|c| **c == name.as_str()) {
                return ErrorCode::Plain(known);
            }
        }
        ErrorCode::Other(v.clone())
    }

    /// The WIT case name.
    pub fn case_name(&self) -> String {
        match self {
            ErrorCode::Plain(name) => (*name).to_string(),
            ErrorCode::DnsError { .. } => "DNS-error".into(),
            ErrorCode::HttpRequestBodySize(_) => "HTTP-request-body-size".into(),
            ErrorCode::HttpResponseBodySize(_) => "HTTP-response-body-size".into(),
            ErrorCode::InternalError(_) => "internal-error".into(),
            ErrorCode::Other(Val::Variant(name, _)) => name.clone(),
            ErrorCode::Other(_) => "(unknown)".into(),
        }
    }

    /// The code for an I/O failure on a connection.
    pub fn from_io(e: &std::io::Error) -> ErrorCode {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::ConnectionRefused => ErrorCode::CONNECTION_REFUSED,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                ErrorCode::CONNECTION_TERMINATED
            }
            K::TimedOut => ErrorCode::CONNECTION_TIMEOUT,
            K::AddrNotAvailable | K::NetworkUnreachable | K::HostUnreachable => {
                ErrorCode::DESTINATION_UNAVAILABLE
            }
            _ => ErrorCode::internal(e.to_string()),
        }
    }

    /// The code for a failure inside hyper (a protocol error, a closed connection).
    pub fn from_hyper(e: &hyper::Error) -> ErrorCode {
        if let Some(io) = std::error::Error::source(e).and_then(|s| s.downcast_ref::<std::io::Error>()) {
            return ErrorCode::from_io(io);
        }
        if e.is_timeout() {
            ErrorCode::CONNECTION_READ_TIMEOUT
        } else if e.is_parse() || e.is_user() {
            ErrorCode::HTTP_PROTOCOL_ERROR
        } else if e.is_incomplete_message() || e.is_canceled() || e.is_closed() {
            ErrorCode::HTTP_RESPONSE_INCOMPLETE
        } else {
            ErrorCode::internal(e.to_string())
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorCode::InternalError(Some(m)) => write!(f, "internal-error: {m}"),
            other => f.write_str(&other.case_name()),
        }
    }
}

impl std::error::Error for ErrorCode {}

/// Every case of `error-code` without a payload.
const PLAIN: &[&str] = &[
    "DNS-timeout",
    "destination-not-found",
    "destination-unavailable",
    "destination-IP-prohibited",
    "destination-IP-unroutable",
    "connection-refused",
    "connection-terminated",
    "connection-timeout",
    "connection-read-timeout",
    "connection-write-timeout",
    "connection-limit-reached",
    "TLS-protocol-error",
    "TLS-certificate-error",
    "HTTP-request-denied",
    "HTTP-request-length-required",
    "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid",
    "HTTP-request-URI-too-long",
    "HTTP-response-incomplete",
    "HTTP-response-timeout",
    "HTTP-upgrade-failed",
    "HTTP-protocol-error",
    "loop-detected",
    "configuration-error",
];

/// A `wasi:http/types.header-error`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Not a valid field name or value.
    InvalidSyntax,
    /// A name this host does not let a guest set (hop-by-hop fields).
    Forbidden,
    /// The fields belong to a request or response and cannot change.
    Immutable,
}

impl HeaderError {
    pub fn to_val(self) -> Val {
        let name = match self {
            HeaderError::InvalidSyntax => "invalid-syntax",
            HeaderError::Forbidden => "forbidden",
            HeaderError::Immutable => "immutable",
        };
        Val::Variant(name.to_string(), None)
    }
}
