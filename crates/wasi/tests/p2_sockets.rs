//! WASI 0.2 sockets: the `net` fixture (std::net in a `wasm32-wasip2` guest) talking TCP and
//! UDP on loopback when granted, to and from the host, and refused when not.

mod common;
mod p2_common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use p2_common::{fixture_p2, run_p2, Command};
use tessera_wasi::{AddressPattern, WasiCtxBuilder, WritePipe};

/// `errno` of the guest's libc for `access-denied` (`EACCES`).
const EACCES: &str = "errno 2";

fn loopback(port: &str) -> AddressPattern {
    format!("127.0.0.1:{port}").parse().unwrap()
}

#[test]
fn tcp_echo_round_trip_on_loopback() {
    let out = run_p2(&fixture_p2("net"), WasiCtxBuilder::new().args(["net", "loopback"]).allow_net(true));
    let expected = "listening on loopback: true\npeer is the client: true\nclient sees the server: true\n\
        server got \"hello tcp ✓\"\nclient got \"HELLO TCP ✓\"\nbig transfer: 200000 bytes, equal true\n";
    assert_eq!(out.stdout, expected, "stderr: {}", out.stderr);
    assert_eq!(out.status, 0);
}

#[test]
fn an_address_grant_is_enough_for_loopback() {
    let out = run_p2(
        &fixture_p2("net"),
        WasiCtxBuilder::new().args(["net", "loopback"]).allow_addresses([loopback("*")]),
    );
    assert!(out.stdout.ends_with("big transfer: 200000 bytes, equal true\n"), "{}", out.stdout);
}

#[test]
fn the_guest_connects_to_a_host_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut got = String::new();
        s.read_to_string(&mut got).unwrap();
        s.write_all(got.to_uppercase().as_bytes()).unwrap();
        got
    });
    let grant = loopback(&addr.port().to_string());
    let out = run_p2(
        &fixture_p2("net"),
        WasiCtxBuilder::new().args(["net", "client", &addr.to_string()]).allow_addresses([grant]),
    );
    assert_eq!(out.stdout, "reply \"HELLO FROM THE GUEST\"\n", "stderr: {}", out.stderr);
    assert_eq!(out.status, 0);
    assert_eq!(server.join().unwrap(), "hello from the guest\n");
}

/// Megabytes sent to a peer that starts reading late arrive whole, before the end of the
/// stream the guest's `shutdown` sends.
#[test]
fn a_large_send_arrives_whole_before_the_end_of_stream() {
    const N: usize = 6 << 20;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        let whole = got.len() == N && got.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8);
        s.write_all(format!("got {} bytes, whole {whole}\n", got.len()).as_bytes()).unwrap();
    });
    let out = run_p2(
        &fixture_p2("net"),
        WasiCtxBuilder::new().args(["net", "send", &addr.to_string(), &N.to_string()]).allow_net(true),
    );
    assert_eq!(out.stdout, format!("reply \"got {N} bytes, whole true\"\n"), "stderr: {}", out.stderr);
    server.join().unwrap();
}

#[test]
fn a_host_client_connects_to_the_guest_server() {
    let stdout = WritePipe::new();
    let watch = stdout.clone();
    let client = std::thread::spawn(move || {
        // The guest prints its port once it listens.
        let deadline = Instant::now() + Duration::from_secs(20);
        let port = loop {
            let text = watch.contents_string();
            if let Some(p) = text.lines().find_map(|l| l.strip_prefix("listening on ")) {
                break p.trim().parse::<u16>().unwrap();
            }
            assert!(Instant::now() < deadline, "the guest never listened: {text:?}");
            std::thread::sleep(Duration::from_millis(5));
        };
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(b"ping from the host\n").unwrap();
        let mut reply = String::new();
        BufReader::new(&s).read_line(&mut reply).unwrap();
        s.shutdown(Shutdown::Both).ok();
        reply
    });
    let mut b = WasiCtxBuilder::new();
    b.args(["net", "server"]).allow_addresses([loopback("*")]).stdout(stdout.clone());
    let status = Command::new(&fixture_p2("net"), b.build()).unwrap().run().unwrap();
    assert_eq!(client.join().unwrap(), "PING FROM THE HOST\n");
    let text = stdout.contents_string();
    assert!(text.ends_with("got \"ping from the host\"\ndone\n"), "{text}");
    assert_eq!(status, 0);
}

/// Whether anyone connected to `listener` (which is non-blocking).
fn accepted(listener: &TcpListener) -> bool {
    std::thread::sleep(Duration::from_millis(50));
    listener.accept().is_ok()
}

#[test]
fn the_network_is_denied_unless_granted() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let out = run_p2(&fixture_p2("net"), WasiCtxBuilder::new().args(["net", "connect", &addr]));
    assert_eq!(out.stdout, format!("connect {addr}: {EACCES}\nbind: {EACCES}\nudp bind: {EACCES}\n"));
    assert!(!accepted(&listener), "a denied guest reached the host");
}

#[test]
fn an_address_grant_allows_only_its_addresses() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let other = addr.port().wrapping_add(1).max(1);
    // Granted: another port of the same host (and nothing else).
    let out = run_p2(
        &fixture_p2("net"),
        WasiCtxBuilder::new()
            .args(["net", "connect", &addr.to_string()])
            .allow_addresses([loopback(&other.to_string())]),
    );
    assert_eq!(out.stdout, format!("connect {addr}: {EACCES}\nbind: {EACCES}\nudp bind: {EACCES}\n"));
    assert!(!accepted(&listener), "a guest reached a port it was not granted");
    // Granted: exactly this port.
    let out = run_p2(
        &fixture_p2("net"),
        WasiCtxBuilder::new()
            .args(["net", "connect", &addr.to_string()])
            .allow_addresses([AddressPattern::exact(addr)]),
    );
    assert_eq!(out.stdout, format!("connect {addr}: ok\nbind: {EACCES}\nudp bind: {EACCES}\n"));
    assert!(accepted(&listener));
}

#[test]
fn udp_round_trip_on_loopback() {
    let out = run_p2(
        &fixture_p2("net"),
        WasiCtxBuilder::new().args(["net", "udp"]).allow_addresses([loopback("*")]),
    );
    assert_eq!(
        out.stdout, "b got \"ping\" from a: true\na got \"pong\" from b: true\n",
        "stderr: {}",
        out.stderr
    );
    assert_eq!(out.status, 0);
}

#[test]
fn name_lookups_need_the_dns_grant() {
    let lookup = |name: &str, dns: bool| {
        run_p2(&fixture_p2("net"), WasiCtxBuilder::new().args(["net", "lookup", name]).allow_dns(dns)).stdout
    };
    let granted = lookup("localhost", true);
    assert!(granted.starts_with("localhost: ") && granted.contains("127.0.0.1"), "{granted}");
    let denied = lookup("localhost", false);
    assert!(!denied.contains("127.0.0.1"), "{denied}");
    assert_eq!(lookup("127.0.0.1", false), "127.0.0.1: 127.0.0.1\n", "a literal needs no lookup");
}

#[test]
fn a_guest_blocked_in_accept_stops_at_its_deadline() {
    let mut b = WasiCtxBuilder::new();
    b.args(["net", "server"]).allow_net(true).stdout(WritePipe::new());
    let mut cmd = Command::new(&fixture_p2("net"), b.build()).unwrap();
    let (r, took) = cmd.run_interrupted(Duration::from_millis(200));
    let err = r.expect_err("the guest cannot finish without a client");
    assert_eq!(err.as_trap().map(|t| t.code()), Some(tessera_engine::TrapCode::Interrupted), "{err}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}
