//! The smallest useful `wasi:http/proxy` component: answers every request with a greeting
//! that names the method and path it was asked for.

use std::io::Write as _;

use wasip2::http::types::{Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam};

wasip2::http::proxy::export!(Hello);

struct Hello;

impl wasip2::exports::http::incoming_handler::Guest for Hello {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let method = match request.method() {
            Method::Get => "GET".to_string(),
            Method::Post => "POST".to_string(),
            other => format!("{other:?}").to_uppercase(),
        };
        let path = request.path_with_query().unwrap_or_else(|| "/".to_string());
        let headers = Fields::from_list(&[("content-type".to_string(), b"text/plain; charset=utf-8".to_vec())]).unwrap();
        let response = OutgoingResponse::new(headers);
        let body = response.body().unwrap();
        ResponseOutparam::set(out, Ok(response));
        let mut stream = body.write().unwrap();
        writeln!(stream, "Hello from a WebAssembly component! You asked for {method} {path}").unwrap();
        stream.flush().unwrap();
        drop(stream);
        OutgoingBody::finish(body, None).unwrap();
    }
}
