//! `tessera serve`: the real binary serving a Rust `wasm32-wasip2` proxy guest
//! (`crates/http/tests/guests/proxy`) on a loopback port, driven by hyper's client.
//!
//! Each test starts its own server on port 0 and reads the port from the "serving" line.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Frame;
use hyper_util::rt::{TokioExecutor, TokioIo};

fn guest() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../http/tests/guests/target/wasm32-wasip2/release/http_test_proxy.wasm");
    assert!(p.exists(), "{} is missing: run scripts/build-fixtures.sh", p.display());
    p.display().to_string()
}

/// A running `tessera serve`, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

fn collect(r: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            let mut s = into.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
}

impl Server {
    fn start(flags: &[&str]) -> Server {
        Server::start_with(flags, &guest())
    }

    fn start_with(flags: &[&str], component: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(flags)
            .arg(component)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tessera starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        let addr = loop {
            line.clear();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "the server exited before serving");
            if let Some(rest) = line.trim().strip_prefix("serving ") {
                let url = rest.rsplit_once(" on http://").unwrap().1.trim_end_matches('/');
                break url.parse().unwrap();
            }
            assert!(Instant::now() < deadline, "no `serving` line");
        };
        let (out, err) = (Arc::new(Mutex::new(String::new())), Arc::new(Mutex::new(String::new())));
        collect(child.stdout.take().unwrap(), out.clone());
        collect(stderr, err.clone());
        Server { child, addr, stdout: out, stderr: err }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill").args([sig, &self.child.id().to_string()]).status().unwrap().success();
        assert!(ok, "kill {sig}");
    }

    /// Waits for the process to end; its exit code.
    fn wait(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit within {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// A response as the client saw it.
struct Got {
    status: u16,
    headers: http::HeaderMap,
    body: Vec<u8>,
    trailers: Option<http::HeaderMap>,
}

impl Got {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

type BoxBody = http_body_util::combinators::UnsyncBoxBody<Bytes, std::convert::Infallible>;

async fn send_on(addr: SocketAddr, h2: bool, req: http::Request<BoxBody>) -> Got {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let io = TokioIo::new(tcp);
    let resp = if h2 {
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await.unwrap();
        tokio::spawn(conn);
        sender.send_request(req).await.unwrap()
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(conn);
        sender.send_request(req).await.unwrap()
    };
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let collected = resp.into_body().collect().await.unwrap();
    let trailers = collected.trailers().cloned();
    Got { status, headers, body: collected.to_bytes().to_vec(), trailers }
}

fn full(body: impl Into<Bytes>) -> BoxBody {
    BoxBody::new(Full::new(body.into()))
}

fn request(method: &str, server: &Server, path: &str, body: impl Into<Bytes>) -> http::Request<BoxBody> {
    http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", server.addr.to_string())
        .body(full(body))
        .unwrap()
}

fn get(server: &Server, path: &str) -> Got {
    runtime().block_on(send_on(server.addr, false, request("GET", server, path, "")))
}

#[test]
fn hello_over_http1_and_http2() {
    let server = Server::start(&[]);
    let rt = runtime();
    for h2 in [false, true] {
        let got = rt.block_on(send_on(server.addr, h2, request("GET", &server, "/hello", "")));
        assert_eq!(got.status, 200, "h2={h2}");
        assert_eq!(got.text(), "hello from tessera\n");
        assert_eq!(got.header("content-type"), "text/plain");
    }
    // One access-log line per request: method, path, status, time.
    std::thread::sleep(Duration::from_millis(100));
    let log = server.stdout();
    assert_eq!(
        log.lines().filter(|l| l.starts_with("GET /hello 200 ") && l.ends_with("ms")).count(),
        2,
        "{log}"
    );
}

#[test]
fn every_method_status_header_and_query_reaches_the_guest() {
    let server = Server::start(&[]);
    let rt = runtime();
    for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PURGE"] {
        let mut req = request(method, &server, "/echo?q=1&name=a%20b", "");
        req.headers_mut().insert("x-custom", "Value With Spaces".parse().unwrap());
        req.headers_mut().append("x-multi", "one".parse().unwrap());
        req.headers_mut().append("x-multi", "two".parse().unwrap());
        let got = rt.block_on(send_on(server.addr, false, req));
        assert_eq!(got.status, 200, "{method}");
        assert_eq!(got.header("x-method"), method);
        assert_eq!(got.header("x-path-with-query"), "/echo?q=1&name=a%20b");
        assert_eq!(got.header("x-authority"), server.addr.to_string());
        assert_eq!(got.header("x-scheme"), "http");
        assert_eq!(got.header("x-echo-x-custom"), "Value With Spaces");
        let multi: Vec<_> =
            got.headers.get_all("x-echo-x-multi").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(multi, ["one", "two"]);
    }
    // HEAD: the head only.
    let got = rt.block_on(send_on(server.addr, false, request("HEAD", &server, "/echo", "")));
    assert_eq!((got.status, got.header("x-method"), got.body.len()), (200, "HEAD", 0));
    for status in [200u16, 201, 204, 301, 404, 418, 500, 503] {
        let got = get(&server, &format!("/status/{status}"));
        assert_eq!(got.status, status);
    }
    assert_eq!(get(&server, "/nowhere").status, 404);
}

#[test]
fn header_rules_of_the_spec() {
    let server = Server::start(&[]);
    let got = get(&server, "/header-errors");
    assert_eq!(
        got.text(),
        "Some(\"invalid-syntax\") Some(\"invalid-syntax\") Some(\"forbidden\") Some(\"immutable\")\n"
    );
}

/// Byte `i` of the guest's `/stream` body.
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(7).wrapping_add(i / 251)) as u8
}

#[test]
fn large_bodies_stream_both_ways() {
    let server = Server::start(&[]);
    let rt = runtime();
    // Response: 6 MiB generated by the guest.
    let n = 6 * 1024 * 1024 + 17;
    let got = get(&server, &format!("/stream?n={n}"));
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-length"), n.to_string());
    assert_eq!(got.body.len(), n);
    assert!(got.body.iter().enumerate().all(|(i, &b)| b == pattern(i)), "the streamed bytes differ");

    // Request and response: 5 MiB sent in 64 KiB chunks, echoed back as it arrives.
    let data: Vec<u8> = (0..5 * 1024 * 1024 + 3).map(|i: usize| (i * 31 + i / 1000) as u8).collect();
    for h2 in [false, true] {
        let body = frames(data.chunks(64 * 1024).map(|c| Frame::data(Bytes::copy_from_slice(c))).collect());
        let req =
            http::Request::builder().method("POST").uri("/echo").header("host", "x").body(body).unwrap();
        let got = rt.block_on(send_on(server.addr, h2, req));
        assert_eq!(got.status, 200);
        assert_eq!(got.body.len(), data.len(), "h2={h2}");
        assert!(got.body == data, "the echoed bytes differ (h2={h2})");
    }
}

/// A body that yields `frames` one per poll (data in pieces, then trailers).
struct Frames(std::collections::VecDeque<Frame<Bytes>>);

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.0.pop_front().map(Ok))
    }
}

fn frames(frames: Vec<Frame<Bytes>>) -> BoxBody {
    BoxBody::new(Frames(frames.into()))
}

#[test]
fn trailers_both_ways() {
    let server = Server::start(&[]);
    let rt = runtime();
    let mut trailers = http::HeaderMap::new();
    trailers.insert("x-sent-trailer", "yes".parse().unwrap());
    for h2 in [true, false] {
        let body = frames(vec![
            Frame::data(Bytes::from_static(b"abc")),
            Frame::data(Bytes::from_static(b"de")),
            Frame::trailers(trailers.clone()),
        ]);
        // HTTP/1.1 sends the trailers a message declares, to a client that accepts them.
        let req = http::Request::builder()
            .method("POST")
            .uri("/trailers")
            .header("host", "x")
            .header("te", "trailers")
            .header("trailer", "x-sent-trailer")
            .body(body)
            .unwrap();
        let got = rt.block_on(send_on(server.addr, h2, req));
        assert_eq!(got.status, 200, "h2={h2}");
        assert_eq!(got.text(), "5 bytes; trailers: x-sent-trailer=yes\n", "h2={h2}");
        let t = got.trailers.unwrap_or_else(|| panic!("no response trailers (h2={h2})"));
        // The checksum of "abcde".
        assert_eq!(t.get("x-checksum").unwrap(), "495");
    }
}

#[test]
fn a_handler_without_a_response_gets_500_and_a_panic_is_logged_and_survived() {
    let server = Server::start(&[]);
    let got = get(&server, "/no-response");
    assert_eq!(got.status, 500);
    let got = get(&server, "/panic");
    assert_eq!(got.status, 500);
    assert_eq!(get(&server, "/hello").status, 200, "the server goes on after a panic");
    std::thread::sleep(Duration::from_millis(100));
    let err = server.stderr();
    assert!(
        err.contains("error: GET /no-response: the handler returned without setting a response\n"),
        "{err}"
    );
    assert!(err.contains("error: GET /panic: wasm trap: unreachable\nwasm backtrace:\n"), "{err}");
    assert!(
        err.contains("the guest panicked on purpose"),
        "the guest's own panic message reaches stderr: {err}"
    );
}

#[test]
fn a_runaway_handler_is_stopped_at_the_timeout() {
    let server = Server::start(&["--timeout", "300ms"]);
    let started = Instant::now();
    let got = get(&server, "/loop");
    let took = started.elapsed();
    assert_eq!(got.status, 504);
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
    assert!(took >= Duration::from_millis(300), "answered before the timeout: {took:?}");
    assert_eq!(get(&server, "/hello").status, 200);
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        server.stderr().contains("error: GET /loop: stopped after the time limit of 300ms"),
        "{}",
        server.stderr()
    );
}

#[test]
fn fuel_and_memory_limits_apply_per_request() {
    let server = Server::start(&["--fuel", "200000"]);
    assert_eq!(get(&server, "/loop").status, 500, "fuel runs out");
    assert_eq!(get(&server, "/hello").status, 200, "each request has its own fuel");
    drop(server);
    // A cap below what the guest's memory starts at refuses every instance.
    let server = Server::start(&["--max-memory", "64KiB"]);
    assert_eq!(get(&server, "/hello").status, 500);
}

#[test]
fn each_request_sees_a_fresh_instance() {
    let server = Server::start(&[]);
    for _ in 0..20 {
        assert_eq!(get(&server, "/counter").text(), "1\n");
    }
}

#[test]
fn sixty_four_concurrent_clients() {
    let server = Server::start(&["--quiet"]);
    let rt = runtime();
    let addr = server.addr;
    let results = rt.block_on(async move {
        let mut tasks = Vec::new();
        for client in 0..64u32 {
            tasks.push(tokio::spawn(async move {
                let mut ok = 0;
                for i in 0..8u32 {
                    let body = format!("client {client} request {i}");
                    let req = http::Request::builder()
                        .method("POST")
                        .uri("/echo")
                        .header("host", "x")
                        .body(full(body.clone()))
                        .unwrap();
                    let got = send_on(addr, client % 2 == 1, req).await;
                    if got.status == 200 && got.text() == body {
                        ok += 1;
                    }
                    let counter = send_on(
                        addr,
                        false,
                        http::Request::get("/counter").header("host", "x").body(full("")).unwrap(),
                    )
                    .await;
                    if counter.text() == "1\n" {
                        ok += 1;
                    }
                }
                ok
            }));
        }
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap();
        }
        total
    });
    assert_eq!(results, 64 * 8 * 2);
    assert!(server.stdout().is_empty(), "--quiet logs nothing");
}

#[test]
fn outbound_requests_are_denied_unless_granted() {
    let upstream = Server::start(&["--quiet"]);
    let up = upstream.addr;
    let server = Server::start(&["--allow-outbound", &format!("http://127.0.0.1:{}", up.port())]);
    let got = get(&server, &format!("/outbound?url=http://127.0.0.1:{}/hello", up.port()));
    assert_eq!((got.status, got.text().as_str()), (200, "upstream 200: hello from tessera\n"));
    // Another port, another scheme, another host: denied before any connection.
    for url in [
        format!("http://127.0.0.1:{}/hello", up.port() + 1),
        format!("https://127.0.0.1:{}/hello", up.port()),
        format!("http://localhost:{}/hello", up.port()),
    ] {
        let got = get(&server, &format!("/outbound?url={url}"));
        assert_eq!((got.status, got.text().as_str()), (502, "HTTP-request-denied\n"), "{url}");
    }
    drop(server);
    // Nothing granted: nothing allowed.
    let server = Server::start(&[]);
    let got = get(&server, &format!("/outbound?url=http://127.0.0.1:{}/hello", up.port()));
    assert_eq!((got.status, got.text().as_str()), (502, "HTTP-request-denied\n"));
    // Granted but nobody listening: the connection's error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = Server::start(&["--allow-outbound", "http://127.0.0.1:*"]);
    let got = get(&server, &format!("/outbound?url=http://127.0.0.1:{closed}/"));
    assert_eq!((got.status, got.text().as_str()), (502, "connection-refused\n"));
}

#[test]
fn body_size_limit_answers_413() {
    let server = Server::start(&["--max-body-size", "1KiB"]);
    let rt = runtime();
    let got = rt.block_on(send_on(server.addr, false, request("POST", &server, "/echo", vec![b'a'; 1024])));
    assert_eq!((got.status, got.body.len()), (200, 1024), "at the limit is accepted");
    let got = rt.block_on(send_on(server.addr, false, request("POST", &server, "/echo", vec![b'a'; 1025])));
    assert_eq!(got.status, 413, "a declared length over the limit");
    // Chunked, no length declared: refused once the bytes pass the limit.
    let body = frames((0..4).map(|_| Frame::data(Bytes::from(vec![b'b'; 512]))).collect());
    let req = http::Request::builder().method("POST").uri("/echo").header("host", "x").body(body).unwrap();
    let got = rt.block_on(send_on(server.addr, false, req));
    assert_eq!(got.status, 413);
}

#[test]
fn grants_reach_every_request() {
    let dir = std::env::temp_dir().join(format!("tessera-serve-grants-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("greeting.txt"), "from a granted directory\n").unwrap();
    let grant = format!("{}::/data:ro", dir.display());
    let server = Server::start(&["--env", "GREETING=hi there", "--dir", &grant]);
    for _ in 0..2 {
        assert_eq!(get(&server, "/env").text(), "hi there\n");
        assert_eq!(get(&server, "/file").text(), "from a granted directory\n");
    }
    drop(server);
    let server = Server::start(&[]);
    assert_eq!(get(&server, "/env").text(), "(unset)\n");
    assert!(get(&server, "/file").text().starts_with("error: "), "no directory without --dir");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let mut server = Server::start(&[]);
    let addr = server.addr;
    let in_flight = std::thread::spawn(move || {
        runtime().block_on(send_on(
            addr,
            false,
            http::Request::get("/sleep?ms=800").header("host", "x").body(full("")).unwrap(),
        ))
    });
    std::thread::sleep(Duration::from_millis(300));
    server.signal("-TERM");
    let got = in_flight.join().unwrap();
    assert_eq!((got.status, got.text().as_str()), (200, "slept 800 ms\n"));
    assert_eq!(server.wait(Duration::from_secs(10)), Some(0));
    assert!(TcpStream::connect(addr).is_err(), "no longer accepting");
}

#[test]
fn a_malformed_request_gets_400_and_is_no_crash() {
    let server = Server::start(&[]);
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(b"THIS IS NOT HTTP\r\n\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply:?}");
    assert_eq!(get(&server, "/hello").status, 200);
    std::thread::sleep(Duration::from_millis(100));
    assert!(!server.stderr().contains("error"), "{}", server.stderr());
}

#[test]
fn a_component_that_is_not_a_proxy_is_refused_at_start() {
    let command = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/calculator/target/wasm32-wasip2/release/calculator.wasm");
    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .arg(&command)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(
            "does not export `wasi:http/incoming-handler`; it exports `example:calculator/calculator`"
        ),
        "{err}"
    );
}

/// The server's resident memory, from /proc.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_slow_client_does_not_make_the_server_buffer_the_body() {
    let server = Server::start(&["--quiet"]);
    let before = rss_kib(server.child.id());
    // 512 MiB offered; the client reads the head and 64 KiB, then stops reading.
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(b"GET /stream?n=536870912 HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    s.read_exact(&mut buf).unwrap();
    assert!(buf.starts_with(b"HTTP/1.1 200"));
    std::thread::sleep(Duration::from_millis(1500));
    let grown = rss_kib(server.child.id()).saturating_sub(before);
    // The guest is held back by the body window (256 KiB) and the socket buffers; without
    // backpressure it would have produced hundreds of MiB by now.
    assert!(grown < 48 * 1024, "the server grew by {grown} KiB while the client did not read");
    // The client goes away: the guest's writes fail and the server goes on.
    drop(s);
    assert_eq!(get(&server, "/hello").status, 200);
}

fn example(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../examples/http-{name}/target/wasm32-wasip2/release/http_{name}.wasm"));
    assert!(p.exists(), "{} is missing: run scripts/build-fixtures.sh", p.display());
    p.display().to_string()
}

#[test]
fn the_examples_serve_as_the_readme_says() {
    let hello = Server::start_with(&[], &example("hello"));
    let got = get(&hello, "/hi");
    assert_eq!(
        (got.status, got.text().as_str()),
        (200, "Hello from a WebAssembly component! You asked for GET /hi\n")
    );

    let upstream = Server::start_with(&["--quiet"], &example("relay"));
    let relay = Server::start_with(
        &["--allow-outbound", &format!("http://127.0.0.1:{}", upstream.addr.port())],
        &example("relay"),
    );
    let lines = 100_000;
    let got =
        get(&relay, &format!("/relay?from=127.0.0.1:{}&path=/numbers?lines={lines}", upstream.addr.port()));
    assert_eq!(got.status, 200);
    let text = got.text();
    let expected: String = (1..=lines).map(|i| format!("LINE {i:>10} OF {lines}\n")).collect();
    assert_eq!(&text[..expected.len()], expected, "the relayed body differs");
    assert_eq!(&text[expected.len()..], format!("relayed {} bytes\n", expected.len()));
    // Not granted: the relay is refused its call out.
    let refused = Server::start_with(&[], &example("relay"));
    let got = get(&refused, &format!("/relay?from=127.0.0.1:{}&path=/numbers", upstream.addr.port()));
    assert_eq!(got.status, 502);
    assert!(got.text().contains("HttpRequestDenied"), "{}", got.text());
}

#[test]
fn outbound_https_goes_through_tls() {
    // A peer that answers in plain HTTP where TLS is expected: the TLS handshake fails
    // (rustls reads no valid record), and the guest is told so.
    let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = peer.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in peer.incoming().take(1) {
            let mut conn = conn.unwrap();
            let mut buf = [0u8; 512];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let server = Server::start(&["--allow-outbound", &format!("https://127.0.0.1:{port}")]);
    let got = get(&server, &format!("/outbound?url=https://127.0.0.1:{port}/"));
    assert_eq!((got.status, got.text().as_str()), (502, "ErrorCode::TlsProtocolError\n"));
}

#[test]
fn an_unread_upload_does_not_hold_the_connection_or_the_shutdown() {
    let mut server = Server::start(&["--quiet", "--drain-timeout", "5s"]);
    // The guest answers without reading a 4 MiB upload: the rest of the body must be let go.
    // (The server may close the connection before the client has sent it all, so the
    // client's writes may fail; what matters is the answer and what the server holds.)
    for _ in 0..2 {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(b"POST /hello HTTP/1.1\r\nhost: x\r\ncontent-length: 4194304\r\n\r\n").unwrap();
        let chunk = vec![b'u'; 64 * 1024];
        for _ in 0..64 {
            if s.write_all(&chunk).is_err() {
                break;
            }
        }
        // The answer, unless the server's close of a half-read connection reset it first.
        let mut head = [0u8; 12];
        if s.read_exact(&mut head).is_ok() {
            assert_eq!(&head, b"HTTP/1.1 200");
        }
    }
    let started = Instant::now();
    server.signal("-TERM");
    assert_eq!(server.wait(Duration::from_secs(4)), Some(0));
    assert!(started.elapsed() < Duration::from_secs(4), "the drain waited on a stalled body");
    assert!(!server.stderr().contains("cut off"), "{}", server.stderr());
}

#[test]
fn a_guest_still_running_after_the_drain_timeout_is_cut_off() {
    let mut server = Server::start(&["--drain-timeout", "300ms"]);
    let addr = server.addr;
    // No --timeout: the loop would run forever.
    std::thread::spawn(move || {
        let _ = runtime().block_on(async move {
            tokio::time::timeout(
                Duration::from_secs(10),
                send_on(addr, false, http::Request::get("/loop").header("host", "x").body(full("")).unwrap()),
            )
            .await
        });
    });
    std::thread::sleep(Duration::from_millis(300));
    server.signal("-INT");
    assert_eq!(server.wait(Duration::from_secs(5)), Some(0));
    std::thread::sleep(Duration::from_millis(100));
    assert!(server.stderr().contains("were cut off"), "{}", server.stderr());
}
