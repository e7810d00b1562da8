//! Hand-written WAT modules calling WASI directly: bad pointers (EFAULT), the
//! `wasi_unstable` layouts, rights, prestat, readdir, poll_oneoff, proc_exit/raise.

mod common;

use std::time::{Duration, Instant};

use common::{Guest, TempDir};
use tessera_engine::Error;
use tessera_wasi::{ReadPipe, WasiCtx, WasiCtxBuilder, WritePipe};

const EFAULT: i32 = 21;
const EBADF: i32 = 8;
const EINVAL: i32 = 28;
const ENAMETOOLONG: i32 = 37;
const ENOTCAPABLE: i32 = 76;

const IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_res_get" (func $clock_res_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_rights" (func $fd_fdstat_set_rights (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber" (func $fd_renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink" (func $path_readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $sock_shutdown (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_raise" (func $proc_raise (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
"#;

fn module(body: &str) -> String {
    format!("(module {IMPORTS} (memory (export \"memory\") 1) {body})")
}

fn sandbox_ctx(dir: &TempDir, out: &WritePipe) -> WasiCtx {
    WasiCtxBuilder::new()
        .args(["prog", "arg"])
        .env("K", "V")
        .stdout(out.clone())
        .stdin(ReadPipe::new("input"))
        .preopened_dir(dir.path(), "/data", false)
        .unwrap()
        .build()
}

#[test]
fn bad_pointers_are_efault_and_change_nothing() {
    let dir = TempDir::new("efault");
    let out = WritePipe::new();
    let wat = module(
        r#"
  (data (i32.const 100) "new.txt")
  (data (i32.const 200) "hello")
  (func (export "iovec_array_out_of_bounds") (result i32)
    (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 0)))
  (func (export "iovec_count_huge") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x20000000) (i32.const 0)))
  (func (export "iovec_buffer_out_of_bounds") (result i32)
    (i32.store (i32.const 0) (i32.const 65000)) (i32.store (i32.const 4) (i32.const 1000))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
  (func (export "iovec_buffer_wraps") (result i32)
    (i32.store (i32.const 0) (i32.const 0xfffffff0)) (i32.store (i32.const 4) (i32.const 0x20))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
  (func (export "write_result_out_of_bounds") (result i32)
    (i32.store (i32.const 0) (i32.const 200)) (i32.store (i32.const 4) (i32.const 5))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 65534)))
  (func (export "read_buffer_out_of_bounds") (result i32)
    (i32.store (i32.const 0) (i32.const 65535)) (i32.store (i32.const 4) (i32.const 2))
    (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
  (func (export "args_sizes_out_of_bounds") (result i32)
    (call $args_sizes_get (i32.const -1) (i32.const 0)))
  (func (export "args_buffer_out_of_bounds") (result i32)
    (call $args_get (i32.const 0) (i32.const 65533)))
  (func (export "environ_pointers_out_of_bounds") (result i32)
    (call $environ_get (i32.const 65534) (i32.const 0)))
  (func (export "random_out_of_bounds") (result i32)
    (call $random_get (i32.const 65000) (i32.const 1000)))
  (func (export "clock_out_of_bounds") (result i32)
    (call $clock_time_get (i32.const 0) (i64.const 0) (i32.const 65532)))
  (func (export "clock_res_out_of_bounds") (result i32)
    (call $clock_res_get (i32.const 1) (i32.const -8)))
  (func (export "poll_subscriptions_out_of_bounds") (result i32)
    (call $poll_oneoff (i32.const 65500) (i32.const 0) (i32.const 1) (i32.const 100)))
  (func (export "poll_events_out_of_bounds") (result i32)
    (call $poll_oneoff (i32.const 0) (i32.const 65530) (i32.const 1) (i32.const 100)))
  (func (export "path_out_of_bounds") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 65530) (i32.const 100) (i32.const 1)
      (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0)))
  (func (export "create_with_bad_result_pointer") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 7) (i32.const 1)
      (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 65535)))
  (func (export "prestat_out_of_bounds") (result i32)
    (call $fd_prestat_get (i32.const 3) (i32.const 65532)))
  (func (export "prestat_name_out_of_bounds") (result i32)
    (call $fd_prestat_dir_name (i32.const 3) (i32.const 65535) (i32.const 10)))
  (func (export "readdir_out_of_bounds") (result i32)
    (call $fd_readdir (i32.const 3) (i32.const 65500) (i32.const 100) (i64.const 0) (i32.const 0)))
  (func (export "fdstat_out_of_bounds") (result i32)
    (call $fd_fdstat_get (i32.const 1) (i32.const 65520)))
  (func (export "filestat_out_of_bounds") (result i32)
    (call $fd_filestat_get (i32.const 3) (i32.const 65500)))
  (func (export "readlink_out_of_bounds") (result i32)
    (call $path_readlink (i32.const 3) (i32.const 100) (i32.const 7) (i32.const 65000) (i32.const 1000) (i32.const 0)))
"#,
    );
    let mut g = Guest::new(&wat, sandbox_ctx(&dir, &out));
    for name in [
        "iovec_array_out_of_bounds",
        "iovec_count_huge",
        "iovec_buffer_out_of_bounds",
        "iovec_buffer_wraps",
        "write_result_out_of_bounds",
        "read_buffer_out_of_bounds",
        "args_sizes_out_of_bounds",
        "args_buffer_out_of_bounds",
        "environ_pointers_out_of_bounds",
        "random_out_of_bounds",
        "clock_out_of_bounds",
        "clock_res_out_of_bounds",
        "poll_subscriptions_out_of_bounds",
        "poll_events_out_of_bounds",
        "path_out_of_bounds",
        "create_with_bad_result_pointer",
        "prestat_out_of_bounds",
        "prestat_name_out_of_bounds",
        "readdir_out_of_bounds",
        "fdstat_out_of_bounds",
        "filestat_out_of_bounds",
        "readlink_out_of_bounds",
    ] {
        assert_eq!(g.errno(name), EFAULT, "{name}");
    }
    // Output pointers are checked first: nothing was written, read or created.
    assert_eq!(out.contents(), b"");
    assert!(!dir.join("new.txt").exists());
}

#[test]
fn a_module_without_memory_gets_efault_not_a_crash() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
      (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
      (func (export "random4") (result i32) (call $random_get (i32.const 0) (i32.const 4)))
      (func (export "random0") (result i32) (call $random_get (i32.const 0) (i32.const 0)))
      (func (export "yield") (result i32) (call $sched_yield))
      (func (export "close_stdin") (result i32) (call $fd_close (i32.const 0))))"#;
    let mut g = Guest::new(wat, WasiCtxBuilder::new().build());
    assert_eq!(g.errno("random4"), EFAULT);
    assert_eq!(g.errno("random0"), 0);
    assert_eq!(g.errno("yield"), 0);
    assert_eq!(g.errno("close_stdin"), 0);
}

#[test]
fn proc_exit_and_proc_raise_end_the_guest() {
    let wat = module(
        r#"
  (func (export "exit17") (result i32) (call $proc_exit (i32.const 17)) (i32.const -1))
  (func (export "abort") (result i32) (call $proc_raise (i32.const 6)))
  (func (export "sigpipe") (result i32) (call $proc_raise (i32.const 13)))
  (func (export "bad_signal") (result i32) (call $proc_raise (i32.const 99)))"#,
    );
    let mut g = Guest::new(&wat, WasiCtxBuilder::new().build());
    assert!(matches!(g.call("exit17"), Err(Error::Exit(17))));
    assert!(matches!(g.call("abort"), Err(Error::Exit(134))));
    assert_eq!(g.errno("sigpipe"), 0);
    assert_eq!(g.errno("bad_signal"), EINVAL);
}

#[test]
fn prestat_rights_renumber_and_close() {
    let dir = TempDir::new("rights");
    std::fs::write(dir.join("f.txt"), "0123456789").unwrap();
    let out = WritePipe::new();
    let wat = module(
        r#"
  (data (i32.const 100) "new.txt")
  (data (i32.const 120) "f.txt")
  (data (i32.const 200) "hi\n")
  (func (export "prestat") (result i32) (call $fd_prestat_get (i32.const 3) (i32.const 0)))
  (func (export "prestat_stdout") (result i32) (call $fd_prestat_get (i32.const 1) (i32.const 0)))
  (func (export "prestat_name") (result i32) (call $fd_prestat_dir_name (i32.const 3) (i32.const 16) (i32.const 5)))
  (func (export "prestat_name_short") (result i32) (call $fd_prestat_dir_name (i32.const 3) (i32.const 16) (i32.const 4)))
  (func (export "fdstat") (result i32) (call $fd_fdstat_get (i32.const 3) (i32.const 32)))
  (func (export "drop_create") (result i32)
    (call $fd_fdstat_set_rights (i32.const 3) (i64.and (i64.load (i32.const 40)) (i64.const -1025)) (i64.load (i32.const 48))))
  (func (export "add_back") (result i32)
    (call $fd_fdstat_set_rights (i32.const 3) (i64.const -1) (i64.const -1)))
  (func (export "create") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 7) (i32.const 1)
      (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0) (i32.const 64)))
  (func (export "open_f") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 120) (i32.const 5) (i32.const 0)
      (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0) (i32.const 64)))
  (func (export "pwrite_f") (result i32)
    (i32.store (i32.const 0) (i32.const 200)) (i32.store (i32.const 4) (i32.const 2))
    (call $fd_pwrite (i32.load (i32.const 64)) (i32.const 0) (i32.const 1) (i64.const 4) (i32.const 72)))
  (func (export "pread_f") (result i32)
    (i32.store (i32.const 0) (i32.const 300)) (i32.store (i32.const 4) (i32.const 6))
    (call $fd_pread (i32.load (i32.const 64)) (i32.const 0) (i32.const 1) (i64.const 2) (i32.const 72)))
  (func (export "renumber_f_to_1") (result i32) (call $fd_renumber (i32.load (i32.const 64)) (i32.const 1)))
  (func (export "renumber_to_closed") (result i32) (call $fd_renumber (i32.const 1) (i32.const 77)))
  (func (export "close_1") (result i32) (call $fd_close (i32.const 1)))
  (func (export "write_1") (result i32)
    (i32.store (i32.const 0) (i32.const 200)) (i32.store (i32.const 4) (i32.const 3))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 72)))
  (func (export "recv_on_file") (result i32)
    (call $sock_recv (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 72) (i32.const 80)))
  (func (export "shutdown_on_stdin") (result i32) (call $sock_shutdown (i32.const 0) (i32.const 3)))"#,
    );
    let mut g = Guest::new(&wat, sandbox_ctx(&dir, &out));
    assert_eq!(g.errno("prestat"), 0);
    assert_eq!((g.mem()[0], g.u32_at(4)), (0, 5));
    assert_eq!(g.errno("prestat_stdout"), EBADF);
    assert_eq!(g.errno("prestat_name"), 0);
    assert_eq!(&g.mem()[16..21], b"/data");
    assert_eq!(g.errno("prestat_name_short"), ENAMETOOLONG);
    assert_eq!(g.errno("fdstat"), 0);
    assert_eq!(g.mem()[32], 3, "a directory");
    assert_ne!(g.u64_at(40) & (1 << 10), 0, "may create files");

    assert_eq!(g.errno("drop_create"), 0);
    assert_eq!(g.errno("create"), ENOTCAPABLE);
    assert!(!dir.join("new.txt").exists());
    assert_eq!(g.errno("add_back"), ENOTCAPABLE);

    assert_eq!(g.errno("open_f"), 0);
    assert_eq!(g.errno("pwrite_f"), 0);
    assert_eq!(g.u32_at(72), 2);
    assert_eq!(g.errno("pread_f"), 0);
    assert_eq!(g.u32_at(72), 6);
    assert_eq!(&g.mem()[300..306], b"23hi67");
    assert_eq!(std::fs::read_to_string(dir.join("f.txt")).unwrap(), "0123hi6789");

    assert_eq!(g.errno("renumber_to_closed"), EBADF);
    assert_eq!(g.errno("renumber_f_to_1"), 0);
    assert_eq!(g.errno("write_1"), 0, "fd 1 is now f.txt");
    assert_eq!(out.contents(), b"");
    assert_eq!(std::fs::read_to_string(dir.join("f.txt")).unwrap(), "hi\n3hi6789");
    assert_eq!(g.errno("close_1"), 0);
    assert_eq!(g.errno("write_1"), EBADF);
    assert_eq!(g.errno("recv_on_file"), 57, "ENOTSOCK");
    assert_eq!(g.errno("shutdown_on_stdin"), 57, "ENOTSOCK");
}

#[test]
fn readdir_fills_and_truncates_the_buffer() {
    let dir = TempDir::new("readdir");
    for name in ["one", "two", "three"] {
        std::fs::write(dir.join(name), name).unwrap();
    }
    let wat = module(
        r#"
  (func (export "all") (result i32) (call $fd_readdir (i32.const 3) (i32.const 0) (i32.const 4096) (i64.const 0) (i32.const 8192)))
  (func (export "small") (result i32) (call $fd_readdir (i32.const 3) (i32.const 0) (i32.const 30) (i64.const 0) (i32.const 8192)))
  (func (export "from3") (result i32) (call $fd_readdir (i32.const 3) (i32.const 0) (i32.const 4096) (i64.const 3) (i32.const 8192)))
  (func (export "past_end") (result i32) (call $fd_readdir (i32.const 3) (i32.const 0) (i32.const 4096) (i64.const 99) (i32.const 8192)))
  (func (export "on_stdout") (result i32) (call $fd_readdir (i32.const 1) (i32.const 0) (i32.const 4096) (i64.const 0) (i32.const 8192)))"#,
    );
    let mut g =
        Guest::new(&wat, WasiCtxBuilder::new().preopened_dir(dir.path(), "d", false).unwrap().build());
    assert_eq!(g.errno("all"), 0);
    let used = g.u32_at(8192) as usize;
    let mut names = Vec::new();
    let mut at = 0;
    let mut cookies = Vec::new();
    while at < used {
        cookies.push(g.u64_at(at));
        let namlen = g.u32_at(at + 16) as usize;
        names.push(String::from_utf8(g.mem()[at + 24..at + 24 + namlen].to_vec()).unwrap());
        at += 24 + namlen;
    }
    assert_eq!(at, used);
    assert_eq!(cookies, [1, 2, 3, 4, 5]);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, [".", "..", "one", "three", "two"]);
    assert_eq!(g.errno("small"), 0);
    assert_eq!(g.u32_at(8192), 30, "a full buffer means there is more");
    assert_eq!(g.errno("from3"), 0);
    let skipped: usize = names[..3].iter().map(|n| 24 + n.len()).sum();
    assert_eq!(g.u32_at(8192) as usize, used - skipped);
    assert_eq!(g.errno("past_end"), 0);
    assert_eq!(g.u32_at(8192), 0);
    assert_eq!(g.errno("on_stdout"), 54, "ENOTDIR");
}

#[test]
fn poll_oneoff_clocks_and_fds() {
    // subscription (48 bytes): userdata u64, tag u8 @8, clock id u32 @16, timeout u64 @24,
    // precision u64 @32, flags u16 @40; fd_readwrite: fd u32 @16. event (32 bytes).
    let wat = module(
        r#"
  (func $clock (param $at i32) (param $ud i64) (param $id i32) (param $timeout i64) (param $flags i32)
    (i64.store (local.get $at) (local.get $ud))
    (i32.store8 (i32.add (local.get $at) (i32.const 8)) (i32.const 0))
    (i32.store (i32.add (local.get $at) (i32.const 16)) (local.get $id))
    (i64.store (i32.add (local.get $at) (i32.const 24)) (local.get $timeout))
    (i64.store (i32.add (local.get $at) (i32.const 32)) (i64.const 0))
    (i32.store16 (i32.add (local.get $at) (i32.const 40)) (local.get $flags)))
  (func $fdsub (param $at i32) (param $ud i64) (param $tag i32) (param $fd i32)
    (i64.store (local.get $at) (local.get $ud))
    (i32.store8 (i32.add (local.get $at) (i32.const 8)) (local.get $tag))
    (i32.store (i32.add (local.get $at) (i32.const 16)) (local.get $fd)))
  (func (export "sleep_100ms") (result i32)
    (call $clock (i32.const 0) (i64.const 7) (i32.const 1) (i64.const 100000000) (i32.const 0))
    (call $poll_oneoff (i32.const 0) (i32.const 1024) (i32.const 1) (i32.const 2048)))
  (func (export "sleep_abs_50ms") (result i32)
    (drop (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 3000)))
    (call $clock (i32.const 0) (i64.const 8) (i32.const 1)
      (i64.add (i64.load (i32.const 3000)) (i64.const 50000000)) (i32.const 1))
    (call $poll_oneoff (i32.const 0) (i32.const 1024) (i32.const 1) (i32.const 2048)))
  (func (export "stdin_or_long_clock") (result i32)
    (call $clock (i32.const 0) (i64.const 1) (i32.const 1) (i64.const 60000000000) (i32.const 0))
    (call $fdsub (i32.const 48) (i64.const 2) (i32.const 1) (i32.const 0))
    (call $fdsub (i32.const 96) (i64.const 3) (i32.const 2) (i32.const 1))
    (call $poll_oneoff (i32.const 0) (i32.const 1024) (i32.const 3) (i32.const 2048)))
  (func (export "bad_fd") (result i32)
    (call $fdsub (i32.const 0) (i64.const 9) (i32.const 1) (i32.const 42))
    (call $poll_oneoff (i32.const 0) (i32.const 1024) (i32.const 1) (i32.const 2048)))
  (func (export "bad_clock") (result i32)
    (call $clock (i32.const 0) (i64.const 5) (i32.const 9) (i64.const 1) (i32.const 0))
    (call $poll_oneoff (i32.const 0) (i32.const 1024) (i32.const 1) (i32.const 2048)))
  (func (export "none") (result i32)
    (call $poll_oneoff (i32.const 0) (i32.const 1024) (i32.const 0) (i32.const 2048)))
  (func (export "clock_res") (result i32) (call $clock_res_get (i32.const 1) (i32.const 3008)))
  (func (export "clock_bad_id") (result i32) (call $clock_time_get (i32.const 9) (i64.const 0) (i32.const 3008)))"#,
    );
    let ctx = WasiCtxBuilder::new().stdin(ReadPipe::new("x")).stdout(WritePipe::new()).build();
    let mut g = Guest::new(&wat, ctx);
    let event = |g: &Guest, i: usize| {
        let at = 1024 + 32 * i;
        (g.u64_at(at), u16::from_le_bytes([g.mem()[at + 8], g.mem()[at + 9]]), g.mem()[at + 10])
    };

    let t = Instant::now();
    assert_eq!(g.errno("sleep_100ms"), 0);
    assert!(t.elapsed() >= Duration::from_millis(100));
    assert_eq!((g.u32_at(2048), event(&g, 0)), (1, (7, 0, 0)));

    let t = Instant::now();
    assert_eq!(g.errno("sleep_abs_50ms"), 0);
    assert!(t.elapsed() >= Duration::from_millis(45));
    assert_eq!((g.u32_at(2048), event(&g, 0)), (1, (8, 0, 0)));

    let t = Instant::now();
    assert_eq!(g.errno("stdin_or_long_clock"), 0);
    assert!(t.elapsed() < Duration::from_secs(10), "ready descriptors do not wait for the clock");
    assert_eq!(g.u32_at(2048), 2);
    assert_eq!(event(&g, 0), (2, 0, 1));
    assert_eq!(event(&g, 1), (3, 0, 2));

    assert_eq!(g.errno("bad_fd"), 0);
    assert_eq!((g.u32_at(2048), event(&g, 0)), (1, (9, EBADF as u16, 1)));
    assert_eq!(g.errno("bad_clock"), 0);
    assert_eq!((g.u32_at(2048), event(&g, 0)), (1, (5, EINVAL as u16, 0)));
    assert_eq!(g.errno("none"), EINVAL);
    assert_eq!(g.errno("clock_res"), 0);
    assert!(g.u64_at(3008) > 0);
    assert_eq!(g.errno("clock_bad_id"), EINVAL);
}

#[test]
fn wasi_unstable_uses_preview0_layouts() {
    let dir = TempDir::new("preview0");
    std::fs::write(dir.join("f.txt"), "0123456789").unwrap();
    let wat = r#"(module
  (import "wasi_unstable" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_unstable" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_unstable" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "f.txt")
  (func (export "open") (result i32)
    ;; read, seek, tell, filestat_get: the preopen is read-only
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 5) (i32.const 0)
      (i64.const 0x200026) (i64.const 0) (i32.const 0) (i32.const 0)))
  (func (export "open_rw") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 5) (i32.const 0)
      (i64.const 0x200066) (i64.const 0) (i32.const 0) (i32.const 0)))
  (func (export "seek_set_4") (result i32) (call $fd_seek (i32.load (i32.const 0)) (i64.const 4) (i32.const 2) (i32.const 8)))
  (func (export "seek_cur_2") (result i32) (call $fd_seek (i32.load (i32.const 0)) (i64.const 2) (i32.const 0) (i32.const 8)))
  (func (export "seek_end_m1") (result i32) (call $fd_seek (i32.load (i32.const 0)) (i64.const -1) (i32.const 1) (i32.const 8)))
  (func (export "stat") (result i32) (call $path_filestat_get (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 5) (i32.const 200)))
  (func (export "fstat") (result i32) (call $fd_filestat_get (i32.load (i32.const 0)) (i32.const 300)))
  (func (export "sleep") (result i32)
    ;; preview 0 subscription (56 bytes): userdata, tag @8, identifier @16, id @24, timeout @32, precision @40, flags @48
    (i64.store (i32.const 400) (i64.const 77))
    (i32.store8 (i32.const 408) (i32.const 0))
    (i64.store (i32.const 416) (i64.const 0))
    (i32.store (i32.const 424) (i32.const 1))
    (i64.store (i32.const 432) (i64.const 60000000))
    (i64.store (i32.const 440) (i64.const 0))
    (i32.store16 (i32.const 448) (i32.const 0))
    (call $poll_oneoff (i32.const 400) (i32.const 500) (i32.const 1) (i32.const 600))))"#;
    let mut g = Guest::new(wat, WasiCtxBuilder::new().preopened_dir(dir.path(), ".", true).unwrap().build());
    assert_eq!(g.errno("open_rw"), ENOTCAPABLE);
    assert_eq!(g.errno("open"), 0);
    assert_eq!(g.errno("seek_set_4"), 0);
    assert_eq!(g.u64_at(8), 4);
    assert_eq!(g.errno("seek_cur_2"), 0);
    assert_eq!(g.u64_at(8), 6);
    assert_eq!(g.errno("seek_end_m1"), 0);
    assert_eq!(g.u64_at(8), 9);
    for (name, at) in [("stat", 200), ("fstat", 300)] {
        assert_eq!(g.errno(name), 0);
        assert_eq!(g.mem()[at + 16], 4, "{name}: regular file");
        assert_eq!(g.u32_at(at + 20), 1, "{name}: 32-bit nlink at 20");
        assert_eq!(g.u64_at(at + 24), 10, "{name}: size at 24");
        assert!(g.u64_at(at + 40) > 1_500_000_000 * 1_000_000_000, "{name}: mtim at 40");
    }
    let t = Instant::now();
    assert_eq!(g.errno("sleep"), 0);
    assert!(t.elapsed() >= Duration::from_millis(60));
    assert_eq!((g.u32_at(600), g.u64_at(500), g.mem()[510]), (1, 77, 0));
}

#[test]
fn inherit_stdio_writes_straight_through() {
    // A guest writing to an inherited stdout with no newline: the bytes reach the host's
    // stdout at once (checked in a child process running this same test binary).
    if std::env::var_os("TESSERA_WASI_CHILD").is_some() {
        let wat = module(
            r#"(data (i32.const 200) "partial line, no newline")
  (func (export "write") (result i32)
    (i32.store (i32.const 0) (i32.const 200)) (i32.store (i32.const 4) (i32.const 24))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))"#,
        );
        let mut g = Guest::new(&wat, WasiCtxBuilder::new().inherit_stdio().build());
        assert_eq!(g.errno("write"), 0);
        // Abort without running destructors or flushing: only unbuffered bytes survive.
        std::process::abort();
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args(["inherit_stdio_writes_straight_through", "--exact", "--nocapture", "--test-threads=1"])
        .env("TESSERA_WASI_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("partial line, no newline"), "child stdout: {stdout}");
}

#[test]
fn inherited_stdin_is_polled_and_read_directly() {
    // In a child process with stdin piped: poll fd 0 (with a long clock beside it), read
    // what arrived, echo it to the inherited stdout.
    if std::env::var_os("TESSERA_WASI_STDIN_CHILD").is_some() {
        let wat = module(
            r#"
  (func (export "echo") (result i32)
    (local $rc i32)
    ;; clock subscription: 60 s relative on the monotonic clock
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 60000000000))
    ;; fd_read subscription on fd 0
    (i64.store (i32.const 48) (i64.const 2))
    (i32.store8 (i32.const 56) (i32.const 1))
    (i32.store (i32.const 64) (i32.const 0))
    (local.set $rc (call $poll_oneoff (i32.const 0) (i32.const 1024) (i32.const 2) (i32.const 2048)))
    (if (local.get $rc) (then (return (local.get $rc))))
    ;; the event must be the stdin one
    (if (i64.ne (i64.load (i32.const 1024)) (i64.const 2)) (then (return (i32.const -2))))
    (i32.store (i32.const 100) (i32.const 200)) (i32.store (i32.const 104) (i32.const 64))
    (local.set $rc (call $fd_read (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 108)))
    (if (local.get $rc) (then (return (local.get $rc))))
    (i32.store (i32.const 104) (i32.load (i32.const 108)))
    (call $fd_write (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 112)))"#,
        );
        let mut g = Guest::new(&wat, WasiCtxBuilder::new().inherit_stdio().build());
        assert_eq!(g.errno("echo"), 0);
        std::process::exit(0);
    }
    use std::io::Write;
    let exe = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new(exe)
        .args(["inherited_stdin_is_polled_and_read_directly", "--exact", "--nocapture", "--test-threads=1"])
        .env("TESSERA_WASI_STDIN_CHILD", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    child.stdin.take().unwrap().write_all(b"from the host\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(t.elapsed() < Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}");
    assert!(stdout.contains("from the host\n"), "child stdout: {stdout}");
}
