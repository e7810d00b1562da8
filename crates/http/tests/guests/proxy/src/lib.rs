//! A `wasi:http/proxy` guest with one route per behaviour that `tessera serve`'s tests
//! check. Every answer is computed from the request, so the tests can check the bytes.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicU32, Ordering};

use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, HeaderError, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingRequest,
    OutgoingResponse, ResponseOutparam, Scheme,
};

wasip2::http::proxy::export!(Proxy);

struct Proxy;

/// Counts requests this instance saw: a fresh instance per request keeps it at 1.
static COUNTER: AtomicU32 = AtomicU32::new(0);

impl wasip2::exports::http::incoming_handler::Guest for Proxy {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let path_with_query = request.path_with_query().unwrap_or_default();
        let (path, query) = path_with_query.split_once('?').unwrap_or((&path_with_query, ""));
        let param = |name: &str| {
            query.split('&').find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('='))).map(str::to_string)
        };
        match path {
            "/hello" => respond(out, 200, &[("content-type", b"text/plain")], b"hello from tessera\n"),
            "/echo" => echo(request, out),
            "/stream" => {
                let n: usize = param("n").and_then(|n| n.parse().ok()).unwrap_or(0);
                stream(out, n)
            }
            "/trailers" => trailers(request, out),
            "/counter" => {
                let n = COUNTER.fetch_add(1, Ordering::SeqCst) + 1;
                respond(out, 200, &[], format!("{n}\n").as_bytes())
            }
            "/no-response" => drop(out),
            "/panic" => panic!("the guest panicked on purpose"),
            "/loop" => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            "/sleep" => {
                let ms: u64 = param("ms").and_then(|n| n.parse().ok()).unwrap_or(0);
                wasip2::clocks::monotonic_clock::subscribe_duration(ms * 1_000_000).block();
                respond(out, 200, &[], format!("slept {ms} ms\n").as_bytes())
            }
            "/outbound" => outbound(out, &param("url").unwrap_or_default()),
            "/header-errors" => header_errors(out),
            "/env" => {
                let vars = wasip2::cli::environment::get_environment();
                let value = vars.iter().find(|(k, _)| k == "GREETING").map_or("(unset)", |(_, v)| v.as_str());
                respond(out, 200, &[], format!("{value}\n").as_bytes())
            }
            "/file" => {
                let text = std::fs::read_to_string("/data/greeting.txt").unwrap_or_else(|e| format!("error: {e}"));
                respond(out, 200, &[], text.as_bytes())
            }
            p if p.starts_with("/status/") => {
                let status = p["/status/".len()..].parse().unwrap_or(500);
                respond(out, status, &[], b"")
            }
            _ => respond(out, 404, &[], b"no such route\n"),
        }
    }
}

fn respond(out: ResponseOutparam, status: u16, headers: &[(&str, &[u8])], body: &[u8]) {
    let entries: Vec<(String, Vec<u8>)> = headers.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect();
    let resp = OutgoingResponse::new(Fields::from_list(&entries).unwrap());
    resp.set_status_code(status).unwrap();
    let outgoing = resp.body().unwrap();
    ResponseOutparam::set(out, Ok(resp));
    let mut stream = outgoing.write().unwrap();
    stream.write_all(body).unwrap();
    stream.flush().unwrap();
    drop(stream);
    OutgoingBody::finish(outgoing, None).unwrap();
}

fn method_name(m: &Method) -> String {
    match m {
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(s) => s.clone(),
    }
}

/// Answers with the request's method, path, authority and `x-` headers as headers, and its
/// body streamed back as it arrives.
fn echo(request: IncomingRequest, out: ResponseOutparam) {
    let mut headers = vec![
        ("x-method".to_string(), method_name(&request.method()).into_bytes()),
        ("x-path-with-query".to_string(), request.path_with_query().unwrap_or_default().into_bytes()),
        ("x-authority".to_string(), request.authority().unwrap_or_default().into_bytes()),
        (
            "x-scheme".to_string(),
            match request.scheme() {
                Some(Scheme::Http) => b"http".to_vec(),
                Some(Scheme::Https) => b"https".to_vec(),
                Some(Scheme::Other(s)) => s.into_bytes(),
                None => b"none".to_vec(),
            },
        ),
    ];
    for (name, value) in request.headers().entries() {
        if name.starts_with("x-") {
            headers.push((format!("x-echo-{name}"), value));
        }
    }
    let resp = OutgoingResponse::new(Fields::from_list(&headers).unwrap());
    let outgoing = resp.body().unwrap();
    ResponseOutparam::set(out, Ok(resp));
    let body = request.consume().unwrap();
    let mut input = body.stream().unwrap();
    let mut output = outgoing.write().unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = Read::read(&mut input, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        output.write_all(&buf[..n]).unwrap();
    }
    output.flush().unwrap();
    drop(output);
    drop(input);
    let _ = IncomingBody::finish(body);
    OutgoingBody::finish(outgoing, None).unwrap();
}

/// `n` bytes of a pattern the test recomputes: byte i is (i * 7 + i / 251) mod 256.
fn stream(out: ResponseOutparam, n: usize) {
    let resp = OutgoingResponse::new(Fields::from_list(&[("content-length".into(), n.to_string().into_bytes())]).unwrap());
    let outgoing = resp.body().unwrap();
    ResponseOutparam::set(out, Ok(resp));
    let mut output = outgoing.write().unwrap();
    let mut i = 0usize;
    let mut chunk = Vec::with_capacity(32 * 1024);
    while i < n {
        chunk.clear();
        let end = (i + 32 * 1024).min(n);
        chunk.extend((i..end).map(|j| (j.wrapping_mul(7).wrapping_add(j / 251)) as u8));
        output.write_all(&chunk).unwrap();
        i = end;
    }
    output.flush().unwrap();
    drop(output);
    OutgoingBody::finish(outgoing, None).unwrap();
}

/// Reads the request body and its trailers; answers with the body's length and the
/// trailers' names, and trailers of its own.
fn trailers(request: IncomingRequest, out: ResponseOutparam) {
    let body = request.consume().unwrap();
    let mut input = body.stream().unwrap();
    let mut data = Vec::new();
    input.read_to_end(&mut data).unwrap();
    drop(input);
    let future = IncomingBody::finish(body);
    future.subscribe().block();
    let received = match future.get() {
        Some(Ok(Ok(Some(t)))) => t.entries().iter().map(|(n, v)| format!("{n}={}", String::from_utf8_lossy(v))).collect::<Vec<_>>().join(","),
        Some(Ok(Ok(None))) => "none".to_string(),
        other => format!("error: {other:?}"),
    };
    // HTTP/1.1 sends only the trailers a response declares in its `trailer` field.
    let resp = OutgoingResponse::new(Fields::from_list(&[("trailer".into(), b"x-checksum".to_vec())]).unwrap());
    let outgoing = resp.body().unwrap();
    ResponseOutparam::set(out, Ok(resp));
    let mut output = outgoing.write().unwrap();
    write!(output, "{} bytes; trailers: {received}\n", data.len()).unwrap();
    output.flush().unwrap();
    drop(output);
    let trailers = Fields::from_list(&[("x-checksum".into(), format!("{}", data.iter().map(|&b| b as u64).sum::<u64>()).into_bytes())]).unwrap();
    OutgoingBody::finish(outgoing, Some(trailers)).unwrap();
}

/// Fetches `url` (`http://HOST:PORT/PATH`) and answers with its status and body, or 502 and
/// the error code.
fn outbound(out: ResponseOutparam, url: &str) {
    let (scheme, rest) = match url.split_once("://") {
        Some(("https", r)) => (Scheme::Https, r),
        Some((_, r)) => (Scheme::Http, r),
        None => (Scheme::Http, url),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let req = OutgoingRequest::new(Fields::new());
    req.set_scheme(Some(&scheme)).unwrap();
    req.set_authority(Some(authority)).unwrap();
    req.set_path_with_query(Some(path)).unwrap();
    let response = match outgoing_handler::handle(req, None) {
        Ok(future) => {
            future.subscribe().block();
            match future.get() {
                Some(Ok(Ok(r))) => Ok(r),
                Some(Ok(Err(e))) => Err(e),
                other => return respond(out, 500, &[], format!("unexpected: {other:?}\n").as_bytes()),
            }
        }
        Err(e) => Err(e),
    };
    match response {
        Ok(r) => {
            let status = r.status();
            let body = r.consume().unwrap();
            let mut input = body.stream().unwrap();
            let mut data = Vec::new();
            input.read_to_end(&mut data).unwrap();
            drop(input);
            drop(body);
            let mut text = format!("upstream {status}: ").into_bytes();
            text.extend_from_slice(&data);
            respond(out, 200, &[], &text)
        }
        Err(e) => respond(out, 502, &[], format!("{}\n", error_name(&e)).as_bytes()),
    }
}

fn error_name(e: &ErrorCode) -> String {
    match e {
        ErrorCode::HttpRequestDenied => "HTTP-request-denied".into(),
        ErrorCode::ConnectionRefused => "connection-refused".into(),
        other => format!("{other:?}"),
    }
}

/// Tries what the spec refuses, and reports each header-error.
fn header_errors(out: ResponseOutparam) {
    let name = |e: HeaderError| match e {
        HeaderError::InvalidSyntax => "invalid-syntax",
        HeaderError::Forbidden => "forbidden",
        HeaderError::Immutable => "immutable",
    };
    let bad_name = Fields::from_list(&[("bad name".into(), b"x".to_vec())]).err().map(name);
    let bad_value = Fields::new().append("x-ok", b"line\nbreak").err().map(name);
    let forbidden = Fields::new().set("Connection", &[b"close".to_vec()]).err().map(name);
    let resp = OutgoingResponse::new(Fields::new());
    let immutable = resp.headers().append("x-late", b"1").err().map(name);
    let text = format!("{bad_name:?} {bad_value:?} {forbidden:?} {immutable:?}\n");
    let outgoing = resp.body().unwrap();
    ResponseOutparam::set(out, Ok(resp));
    let mut output = outgoing.write().unwrap();
    output.write_all(text.as_bytes()).unwrap();
    output.flush().unwrap();
    drop(output);
    OutgoingBody::finish(outgoing, None).unwrap();
}
