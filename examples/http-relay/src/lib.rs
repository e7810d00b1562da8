//! Streams in both directions without holding a body in memory:
//! - `GET /numbers?lines=N` answers N numbered lines, written as they are produced;
//! - `GET /relay?from=HOST:PORT&path=/P` fetches `http://HOST:PORT/P` through
//!   `wasi:http/outgoing-handler` (the host must allow it: `--allow-outbound`) and streams
//!   the upstream's body back upper-cased, chunk by chunk, with a trailer-free ending line
//!   that counts the bytes relayed.

use std::io::Write as _;

use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingRequest, OutgoingResponse, ResponseOutparam, Scheme,
};

wasip2::http::proxy::export!(Relay);

struct Relay;

fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

/// Sets a response with `status` and returns its body to stream into.
fn start(out: ResponseOutparam, status: u16) -> OutgoingBody {
    let headers = Fields::from_list(&[("content-type".to_string(), b"text/plain; charset=utf-8".to_vec())]).unwrap();
    let response = OutgoingResponse::new(headers);
    response.set_status_code(status).unwrap();
    let body = response.body().unwrap();
    ResponseOutparam::set(out, Ok(response));
    body
}

impl wasip2::exports::http::incoming_handler::Guest for Relay {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let pq = request.path_with_query().unwrap_or_default();
        let (path, query) = pq.split_once('?').unwrap_or((&pq, ""));
        match path {
            "/numbers" => {
                let lines: u64 = param(query, "lines").and_then(|n| n.parse().ok()).unwrap_or(10);
                let body = start(out, 200);
                let mut stream = body.write().unwrap();
                for i in 1..=lines {
                    writeln!(stream, "line {i:>10} of {lines}").unwrap();
                }
                stream.flush().unwrap();
                drop(stream);
                OutgoingBody::finish(body, None).unwrap();
            }
            "/relay" => relay(out, param(query, "from").unwrap_or(""), param(query, "path").unwrap_or("/")),
            _ => {
                let body = start(out, 404);
                let mut stream = body.write().unwrap();
                stream.write_all(b"try /numbers?lines=N or /relay?from=HOST:PORT&path=/numbers\n").unwrap();
                stream.flush().unwrap();
                drop(stream);
                OutgoingBody::finish(body, None).unwrap();
            }
        }
    }
}

fn relay(out: ResponseOutparam, from: &str, path: &str) {
    let request = OutgoingRequest::new(Fields::new());
    request.set_scheme(Some(&Scheme::Http)).unwrap();
    request.set_authority(Some(from)).unwrap();
    request.set_path_with_query(Some(path)).unwrap();
    let response = match outgoing_handler::handle(request, None) {
        Ok(future) => {
            future.subscribe().block();
            future.get().expect("ready after the pollable").expect("taken once")
        }
        Err(e) => Err(e),
    };
    let upstream = match response {
        Ok(r) => r,
        Err(e) => {
            let body = start(out, 502);
            let mut stream = body.write().unwrap();
            writeln!(stream, "upstream {from} failed: {e:?}").unwrap();
            stream.flush().unwrap();
            drop(stream);
            OutgoingBody::finish(body, None).unwrap();
            return;
        }
    };
    let status = upstream.status();
    let incoming = upstream.consume().unwrap();
    let mut input = incoming.stream().unwrap();
    let body = start(out, status);
    let mut output = body.write().unwrap();
    let mut buf = vec![0u8; 16 * 1024];
    let mut relayed = 0usize;
    loop {
        let n = std::io::Read::read(&mut input, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        buf[..n].make_ascii_uppercase();
        output.write_all(&buf[..n]).unwrap();
        relayed += n;
    }
    writeln!(output, "relayed {relayed} bytes").unwrap();
    output.flush().unwrap();
    drop(output);
    drop(input);
    OutgoingBody::finish(body, None).unwrap();
}
