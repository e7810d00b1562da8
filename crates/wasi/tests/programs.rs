//! Rust guest programs (tests/fixtures) run through the library API, with their expected
//! output fixed here.

mod common;

use common::{fixture, run, TempDir};
use tessera_wasi::{ReadPipe, WasiCtxBuilder};

#[test]
fn args_and_env_with_unicode() {
    let out = run(
        &fixture("args_env"),
        WasiCtxBuilder::new()
            .args(["prog", "héllo wörld", "日本語", "", "emoji 🦀"])
            .env("B", "2")
            .env("A", "ünï"),
    );
    assert_eq!(out.status, 0);
    assert_eq!(
        out.stdout,
        "arg[0]=prog\narg[1]=héllo wörld\narg[2]=日本語\narg[3]=\narg[4]=emoji 🦀\nenv A=ünï\nenv B=2\n"
    );
}

#[test]
fn a_guest_gets_no_args_or_env_unless_granted() {
    let out = run(&fixture("args_env"), &mut WasiCtxBuilder::new());
    assert_eq!(out.status, 0);
    assert_eq!(out.stdout, "");
}

#[test]
fn env_replaces_earlier_value_and_inherit_env_copies_host() {
    let out = run(&fixture("args_env"), WasiCtxBuilder::new().arg("p").env("X", "1").env("X", "2"));
    assert_eq!(out.stdout, "arg[0]=p\nenv X=2\n");
    let ctx = WasiCtxBuilder::new().inherit_env().build();
    let path = std::env::var("PATH").unwrap();
    assert!(ctx.env().contains(&format!("PATH={path}")));
}

#[test]
fn stdin_is_echoed_to_stdout() {
    let input = "line one\nline two ✓\n".repeat(1000);
    let out = run(&fixture("echo"), WasiCtxBuilder::new().stdin(ReadPipe::new(input.clone())));
    assert_eq!(out.status, 0);
    assert_eq!(out.stdout, input);
    assert_eq!(out.stderr, format!("echoed {} bytes\n", input.len()));
}

#[test]
fn empty_stdin_by_default() {
    let out = run(&fixture("echo"), &mut WasiCtxBuilder::new());
    assert_eq!((out.status, out.stdout.as_str(), out.stderr.as_str()), (0, "", "echoed 0 bytes\n"));
}

#[test]
fn exit_codes_come_from_proc_exit() {
    for code in [0, 1, 3, 42, 125] {
        let out = run(&fixture("exit_code"), WasiCtxBuilder::new().args(["exit_code", &code.to_string()]));
        assert_eq!(out.status, code);
        assert_eq!(out.stdout, format!("exiting with {code}\n"));
    }
}

#[test]
fn clocks_sleep_and_random() {
    let started = std::time::Instant::now();
    let out = run(&fixture("clocks_random"), &mut WasiCtxBuilder::new());
    assert!(started.elapsed() >= std::time::Duration::from_millis(150), "poll_oneoff really sleeps");
    assert_eq!(out.status, 0);
    assert_eq!(
        out.stdout,
        "monotonic non-decreasing: true\nrealtime plausible: true\nslept at least 150ms: true\n\
         slept under 5s: true\nmonotonic advanced: true\nrandom differs: true\n\
         random not all zero: true\nrandom balanced: true\n"
    );
}

#[test]
fn file_and_directory_operations() {
    let tmp = TempDir::new("fsops");
    let sandbox = tmp.join("sandbox");
    std::fs::create_dir(&sandbox).unwrap();
    let out =
        run(&fixture("fs_ops"), WasiCtxBuilder::new().preopened_dir(&sandbox, "/sandbox", false).unwrap());
    let expected = r#"read: hello
appended: hello world
position after write: 11
overwritten: hello WORLD
seek end-5: 6
tail: WORLD
seek before start: errno 28
set_len 5: hello
truncated len: 0
create_new existing: errno 20
open missing: errno 44
list d1: ["d2", "x.txt"]
d1 entries are dirs: [true, false]
create_dir existing: errno 20
remove_dir non-empty: errno 55
remove_file on dir: errno 31
d2 removed: true
d1 removed: true
renamed: b exists false, c = bee
moved into sub: bee
through hard link: bee!
symlink: 0
read_link: sub/c.txt
through symlink: bee!
is symlink: true
target is file: true
dangling symlink: 0
open dangling: errno 44
c.txt len 4 file true dir false
sub is dir: true
mtime: 1000000000
atime: 1200000000
fresh file mtime recent: true
large file: 10485760 bytes, equal true
h.txt removed: true
top: ["a.txt", "big.bin", "fresh.txt", "s.txt", "sub"]
"#;
    assert_eq!(out.stdout, expected, "stderr: {}", out.stderr);
    assert_eq!(out.status, 0);
    // The host sees the same tree.
    assert_eq!(std::fs::read_to_string(sandbox.join("sub/c.txt")).unwrap(), "bee!");
    assert_eq!(std::fs::metadata(sandbox.join("big.bin")).unwrap().len(), 10 * 1024 * 1024);
    assert_eq!(std::fs::read_link(sandbox.join("s.txt")).unwrap().to_str(), Some("sub/c.txt"));
    let mtime = std::fs::metadata(sandbox.join("sub/c.txt")).unwrap().modified().unwrap();
    assert_eq!(mtime, std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000));
}

/// Lays out the same small tree under `root/src` every time.
fn make_tree(root: &std::path::Path) {
    let src = root.join("src");
    std::fs::create_dir_all(src.join("docs/empty")).unwrap();
    std::fs::create_dir_all(src.join("données")).unwrap();
    std::fs::write(src.join("readme.txt"), "tree copy fixture\n").unwrap();
    std::fs::write(src.join("docs/a.md"), "# A\n").unwrap();
    std::fs::write(src.join("docs/zero"), "").unwrap();
    std::fs::write(src.join("données/ünïcode.txt"), "ü".repeat(100)).unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(src.join("big.bin"), big).unwrap();
}

/// The tree under `dir`: relative paths and file contents, sorted.
fn tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.push((rel + "/", Vec::new()));
                stack.push(p);
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Hashes are FNV-1a 64 of the file contents (checked independently of the fixture).
const TREE_COPY_OUTPUT: &str = "arg 1: src
arg 2: dst
arg 3: 7
arg 4: ünï
arg 5: two words
env GREETING=grüß dich
env TESSERA_MODE=test
file big.bin 300000 32ea39b1eb14b225
dir  docs
file docs/a.md 4 d978317c9108276d
dir  docs/empty
file docs/zero 0 cbf29ce484222325
dir  données
file données/ünïcode.txt 200 aeca81c3d0cdfc05
file readme.txt 18 d0a2138be69e0ae7
copied, 4 top-level entries
";

#[test]
fn tree_copy_behaves_as_it_does_natively() {
    let args = ["src", "dst", "7", "ünï", "two words"];
    let vars = [("TESSERA_MODE", "test"), ("GREETING", "grüß dich")];

    let wasi_root = TempDir::new("treecopy-wasi");
    make_tree(wasi_root.path());
    let mut b = WasiCtxBuilder::new();
    b.arg("tree_copy").args(args).preopened_dir(wasi_root.path(), ".", false).unwrap();
    for (k, v) in vars {
        b.env(k, v);
    }
    let wasi = run(&fixture("tree_copy"), &mut b);

    let native_root = TempDir::new("treecopy-native");
    make_tree(native_root.path());
    let exe = common::fixtures_dir().join("target/release/tree_copy");
    assert!(exe.exists(), "native build {} is missing: run scripts/build-fixtures.sh first", exe.display());
    let native = std::process::Command::new(&exe)
        .current_dir(native_root.path())
        .args(args)
        .env_clear()
        .envs(vars)
        .output()
        .unwrap();

    assert_eq!(wasi.stdout, String::from_utf8(native.stdout).unwrap());
    assert_eq!(wasi.stderr, String::from_utf8(native.stderr).unwrap());
    assert_eq!(Some(wasi.status), native.status.code());
    assert_eq!(tree(&wasi_root.join("dst")), tree(&native_root.join("dst")));

    assert_eq!(wasi.stdout, TREE_COPY_OUTPUT);
    assert_eq!(wasi.stderr, "exiting with 7\n");
    assert_eq!(wasi.status, 7);
    assert_eq!(tree(&wasi_root.join("dst")), tree(&wasi_root.join("src")));
}

#[test]
fn a_preopened_socket_accepts_a_connection() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        s.write_all(b"hello socket\n").unwrap();
        let mut reply = String::new();
        s.read_to_string(&mut reply).unwrap();
        reply
    });
    let out = run(&fixture("sock_echo"), WasiCtxBuilder::new().preopened_socket(listener));
    assert_eq!(out.stdout, "got \"hello socket\"\ndone\n", "stderr: {}", out.stderr);
    assert_eq!(out.status, 0);
    assert_eq!(client.join().unwrap(), "HELLO SOCKET\n");
}
