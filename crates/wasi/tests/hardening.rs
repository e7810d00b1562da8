//! Regression tests for the security review of the preview 1 host: blocking calls that
//! honour the guest's deadline, caps on guest-chosen sizes, partial transfers, `O_CREAT`
//! without write access, `NONBLOCK`, and the descriptor limit.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{Guest, TempDir};
use tessera_engine::{Error, TrapCode};
use tessera_wasi::{ReadPipe, WasiCtxBuilder, WritePipe};

const EAGAIN: i32 = 6;
const EINVAL: i32 = 28;
const EISDIR: i32 = 31;
const EMFILE: i32 = 33;
const ENAMETOOLONG: i32 = 37;
const ENOTSUP: i32 = 58;
const ESPIPE: i32 = 70;
const ENOTCAPABLE: i32 = 76;

fn is_interrupted(r: &Result<i32, Error>) -> bool {
    matches!(r, Err(Error::Trap(t)) if t.code() == TrapCode::Interrupted)
}

const IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $fd_fdstat_set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
"#;

fn module(pages: u32, body: &str) -> String {
    format!("(module {IMPORTS} (memory (export \"memory\") {pages}) {body})")
}

/// Reads 16 bytes from fd 0 into 64; the count goes to 8.
const READ_STDIN: &str = r#"
  (func (export "read_stdin") (result i32)
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 16))
    (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "set_nonblock") (result i32) (call $fd_fdstat_set_flags (i32.const 0) (i32.const 4)))
  (func (export "clear_flags") (result i32) (call $fd_fdstat_set_flags (i32.const 0) (i32.const 0)))"#;

#[test]
fn a_read_of_inherited_stdin_stops_at_the_deadline() {
    // The child runs with stdin a pipe that the parent keeps open and never writes to.
    if std::env::var_os("TESSERA_WASI_BLOCKED_STDIN_CHILD").is_some() {
        let mut g = Guest::new(&module(1, READ_STDIN), WasiCtxBuilder::new().inherit_stdin().build());
        // Emulated non-blocking mode: nothing there yet, so EAGAIN at once; the host's own
        // descriptor 0 stays blocking.
        assert_eq!(g.errno("set_nonblock"), 0);
        let t = Instant::now();
        assert_eq!(g.errno("read_stdin"), EAGAIN);
        assert!(t.elapsed() < Duration::from_secs(5));
        // SAFETY: F_GETFL on descriptor 0 reads its flags.
        let host_flags = unsafe { libc::fcntl(0, libc::F_GETFL) };
        assert_eq!(host_flags & libc::O_NONBLOCK, 0, "the host's stdin was left blocking");
        // Blocking again: the read waits, and the interrupt ends it.
        assert_eq!(g.errno("clear_flags"), 0);
        let (r, took) = g.call_interrupted("read_stdin");
        assert!(is_interrupted(&r), "{r:?}");
        assert!(took < Duration::from_secs(5), "took {took:?}");
        println!("child ok");
        std::process::exit(0);
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new(exe)
        .args([
            "a_read_of_inherited_stdin_stops_at_the_deadline",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TESSERA_WASI_BLOCKED_STDIN_CHILD", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _keep_open = child.stdin.take().unwrap();
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("the guest's stdin read was not interrupted");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stdout.contains("child ok"), "child: {stdout}\n{stderr}");
}

const SOCKETS: &str = r#"
  (func (export "accept") (result i32) (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 200)))
  (func (export "recv") (result i32)
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 16))
    (call $sock_recv (i32.load (i32.const 200)) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 8) (i32.const 12)))
  (func (export "recv_waitall") (result i32)
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 16))
    (call $sock_recv (i32.load (i32.const 200)) (i32.const 0) (i32.const 1) (i32.const 2) (i32.const 8) (i32.const 12)))
  (func (export "recv_peek") (result i32)
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 16))
    (call $sock_recv (i32.load (i32.const 200)) (i32.const 0) (i32.const 1) (i32.const 1) (i32.const 8) (i32.const 12)))"#;

fn socket_guest() -> (Guest, std::net::SocketAddr) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    (Guest::new(&module(1, SOCKETS), WasiCtxBuilder::new().preopened_socket(listener).build()), addr)
}

#[test]
fn accept_and_recv_stop_at_the_deadline() {
    // Nobody connects: the accept is interrupted.
    let (mut g, _addr) = socket_guest();
    let (r, took) = g.call_interrupted("accept");
    assert!(is_interrupted(&r), "{r:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");

    // A peer that connects and sends nothing: recv and recv-peek are interrupted.
    for name in ["recv", "recv_peek"] {
        let (mut g, addr) = socket_guest();
        let _peer = std::net::TcpStream::connect(addr).unwrap();
        assert_eq!(g.errno("accept"), 0);
        let (r, took) = g.call_interrupted(name);
        assert!(is_interrupted(&r), "{name}: {r:?}");
        assert!(took < Duration::from_secs(5), "{name} took {took:?}");
    }
}

#[test]
fn a_wait_all_recv_cut_short_reports_what_arrived() {
    let (mut g, addr) = socket_guest();
    let mut peer = std::net::TcpStream::connect(addr).unwrap();
    assert_eq!(g.errno("accept"), 0);
    peer.write_all(b"abc").unwrap();
    // 16 bytes wanted, 3 arrive, then the deadline: the 3 bytes are not lost.
    let (r, _) = g.call_interrupted("recv_waitall");
    assert_eq!(r.unwrap(), 0);
    assert_eq!(g.u32_at(8), 3);
    assert_eq!(&g.mem()[64..67], b"abc");
}

/// A writer that accepts `ok` writes, then fails.
struct FailingWriter {
    ok: usize,
    got: WritePipe,
}

impl Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.ok == 0 {
            return Err(std::io::Error::other("disk full"));
        }
        self.ok -= 1;
        self.got.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_write_failing_after_some_buffers_reports_what_was_written() {
    let wat = module(
        1,
        r#"(data (i32.const 100) "first|second")
  (func (export "write2") (result i32)
    (i32.store (i32.const 0) (i32.const 100)) (i32.store (i32.const 4) (i32.const 6))
    (i32.store (i32.const 8) (i32.const 106)) (i32.store (i32.const 12) (i32.const 6))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 16)))"#,
    );
    let got = WritePipe::new();
    let mut g =
        Guest::new(&wat, WasiCtxBuilder::new().stdout(FailingWriter { ok: 1, got: got.clone() }).build());
    assert_eq!(g.errno("write2"), 0);
    assert_eq!(g.u32_at(16), 6);
    assert_eq!(got.contents(), b"first|");
    // Nothing written at all: the error itself.
    assert_eq!(g.errno("write2"), 29, "EIO");
}

#[test]
fn iovec_and_subscription_counts_are_capped() {
    // 8 pages: room for 1025 iovecs and 4097 subscriptions with their events.
    let wat = module(
        8,
        r#"
  (func (export "write_1024") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1024) (i32.const 65536)))
  (func (export "write_1025") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1025) (i32.const 65536)))
  (func (export "read_1025") (result i32)
    (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1025) (i32.const 65536)))
  (func (export "recv_1025") (result i32)
    (call $sock_recv (i32.const 0) (i32.const 0) (i32.const 1025) (i32.const 0) (i32.const 65536) (i32.const 65540)))
  (func (export "poll_4097") (result i32)
    (call $poll_oneoff (i32.const 0) (i32.const 262144) (i32.const 4097) (i32.const 65536)))
  (func (export "poll_huge_out_of_bounds") (result i32)
    (call $poll_oneoff (i32.const 0) (i32.const 0) (i32.const 0x10000000) (i32.const 65536)))"#,
    );
    let out = WritePipe::new();
    let mut g = Guest::new(&wat, WasiCtxBuilder::new().stdout(out.clone()).stdin(ReadPipe::new("x")).build());
    assert_eq!(g.errno("write_1024"), 0, "IOV_MAX buffers are fine");
    assert_eq!(g.errno("write_1025"), EINVAL);
    assert_eq!(g.errno("read_1025"), EINVAL);
    assert_eq!(g.errno("recv_1025"), EINVAL);
    assert_eq!(g.errno("poll_4097"), EINVAL);
    assert_eq!(g.errno("poll_huge_out_of_bounds"), 21, "EFAULT is still checked first");
}

#[test]
fn long_paths_are_refused_before_copying() {
    let dir = TempDir::new("longpath");
    let wat = module(
        2,
        r#"
  (func (export "open_64k_plus_1") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 65537) (i32.const 0)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 100)))
  (func (export "open_beyond_memory") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const -1) (i32.const 0)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 100)))"#,
    );
    let mut g =
        Guest::new(&wat, WasiCtxBuilder::new().preopened_dir(dir.path(), ".", false).unwrap().build());
    assert_eq!(g.errno("open_64k_plus_1"), ENAMETOOLONG);
    assert_eq!(g.errno("open_beyond_memory"), ENAMETOOLONG);
}

#[test]
fn o_creat_without_write_rights_creates_a_read_only_descriptor() {
    let dir = TempDir::new("creat-rdonly");
    std::fs::write(dir.join("old"), "kept").unwrap();
    let wat = module(
        1,
        r#"(data (i32.const 300) "newfile") (data (i32.const 320) "old") (data (i32.const 340) "x")
  ;; open(path, O_RDONLY | O_CREAT): oflags CREAT, rights FD_READ only
  (func (export "creat_new") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 300) (i32.const 7) (i32.const 1)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200)))
  (func (export "creat_old") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 320) (i32.const 3) (i32.const 1)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200)))
  (func (export "creat_excl") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 300) (i32.const 7) (i32.const 5)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200)))
  (func (export "creat_ro_grant") (result i32)
    (call $path_open (i32.const 4) (i32.const 1) (i32.const 340) (i32.const 1) (i32.const 1)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200)))
  (func (export "fdstat") (result i32) (call $fd_fdstat_get (i32.load (i32.const 200)) (i32.const 400)))
  (func (export "read") (result i32)
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 16))
    (call $fd_read (i32.load (i32.const 200)) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "write") (result i32)
    (i32.store (i32.const 0) (i32.const 300)) (i32.store (i32.const 4) (i32.const 3))
    (call $fd_write (i32.load (i32.const 200)) (i32.const 0) (i32.const 1) (i32.const 8)))"#,
    );
    let ro = TempDir::new("creat-ro-grant");
    let ctx = WasiCtxBuilder::new()
        .preopened_dir(dir.path(), ".", false)
        .unwrap()
        .preopened_dir(ro.path(), "ro", true)
        .unwrap()
        .build();
    let mut g = Guest::new(&wat, ctx);
    assert_eq!(g.errno("creat_new"), 0);
    assert!(dir.join("newfile").is_file());
    assert_eq!(g.errno("fdstat"), 0);
    assert_eq!(g.u64_at(408) & (1 << 6), 0, "no FD_WRITE right");
    assert_ne!(g.u64_at(408) & (1 << 1), 0, "FD_READ right");
    assert_eq!(g.errno("read"), 0);
    assert_eq!(g.u32_at(8), 0);
    assert_eq!(g.errno("write"), ENOTCAPABLE);

    // An existing file is opened, not truncated, and readable.
    assert_eq!(g.errno("creat_old"), 0);
    assert_eq!(g.errno("read"), 0);
    assert_eq!(&g.mem()[64..64 + g.u32_at(8) as usize], b"kept");
    assert_eq!(g.errno("write"), ENOTCAPABLE);
    assert_eq!(std::fs::read_to_string(dir.join("old")).unwrap(), "kept");

    assert_eq!(g.errno("creat_excl"), 20, "EEXIST");
    assert_ne!(g.errno("creat_ro_grant"), 0, "a read-only grant still refuses to create");
    assert!(!ro.join("x").exists());
}

#[test]
fn nonblock_is_refused_where_it_cannot_be_honoured() {
    let dir = TempDir::new("nonblock");
    let wat = module(
        1,
        r#"
  (func (export "stdin_nb") (result i32) (call $fd_fdstat_set_flags (i32.const 0) (i32.const 4)))
  (func (export "stdout_nb") (result i32) (call $fd_fdstat_set_flags (i32.const 1) (i32.const 4)))
  (func (export "dir_nb") (result i32) (call $fd_fdstat_set_flags (i32.const 3) (i32.const 4)))
  (func (export "stdout_clear") (result i32) (call $fd_fdstat_set_flags (i32.const 1) (i32.const 0)))
  (func (export "stdin_flags") (result i32)
    (drop (call $fd_fdstat_get (i32.const 0) (i32.const 400))) (i32.load16_u (i32.const 402)))"#,
    );
    let ctx = |stdin: Option<ReadPipe>| {
        let mut b = WasiCtxBuilder::new();
        if let Some(p) = stdin {
            b.stdin(p);
        }
        b.preopened_dir(dir.path(), ".", false).unwrap().build()
    };
    // Stdin from an arbitrary reader cannot be made non-blocking.
    let mut g = Guest::new(&wat, ctx(Some(ReadPipe::new("x"))));
    assert_eq!(g.errno("stdin_nb"), ENOTSUP);
    assert_eq!(g.errno("stdin_flags"), 0);
    assert_eq!(g.errno("stdout_nb"), ENOTSUP);
    assert_eq!(g.errno("dir_nb"), ENOTSUP);
    assert_eq!(g.errno("stdout_clear"), 0);
    // Empty stdin never blocks: accepted, and reported.
    let mut g = Guest::new(&wat, ctx(None));
    assert_eq!(g.errno("stdin_nb"), 0);
    assert_eq!(g.errno("stdin_flags"), 4);
}

#[test]
fn the_descriptor_limit_is_configurable() {
    let dir = TempDir::new("maxfds");
    std::fs::write(dir.join("f"), "").unwrap();
    let wat = module(
        1,
        r#"(data (i32.const 300) "f")
  (func (export "open") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 300) (i32.const 1) (i32.const 0)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200)))"#,
    );
    let ctx = WasiCtxBuilder::new().max_open_files(6).preopened_dir(dir.path(), ".", false).unwrap().build();
    let mut g = Guest::new(&wat, ctx);
    assert_eq!(g.errno("open"), 0);
    assert_eq!(g.u32_at(200), 4);
    assert_eq!(g.errno("open"), 0);
    assert_eq!(g.u32_at(200), 5);
    assert_eq!(g.errno("open"), EMFILE);

    // The default (1024, a common soft RLIMIT_NOFILE) is checked by a unit test of the
    // table: reaching it here would need as many host descriptors.

    // A limit below the grants keeps the grants.
    let ctx = WasiCtxBuilder::new().max_open_files(0).preopened_dir(dir.path(), ".", false).unwrap().build();
    let mut g = Guest::new(&wat, ctx);
    assert_eq!(g.errno("open"), EMFILE);
}

#[test]
fn streams_cannot_pread_and_directories_cannot_seek() {
    let dir = TempDir::new("espipe");
    let wat = module(
        1,
        r#"
  (func (export "pread_stdin") (result i32)
    (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 16))
    (call $fd_pread (i32.const 0) (i32.const 0) (i32.const 1) (i64.const 0) (i32.const 8)))
  (func (export "seek_dir") (result i32)
    (call $fd_seek (i32.const 3) (i64.const 0) (i32.const 0) (i32.const 16)))"#,
    );
    let ctx = WasiCtxBuilder::new()
        .stdin(ReadPipe::new("x"))
        .preopened_dir(dir.path(), ".", false)
        .unwrap()
        .build();
    let mut g = Guest::new(&wat, ctx);
    assert_eq!(g.errno("pread_stdin"), ESPIPE);
    assert_eq!(g.errno("seek_dir"), EISDIR);
}
