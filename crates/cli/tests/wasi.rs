//! `tessera run` on real `wasm32-wasip1` programs (built by `scripts/build-fixtures.sh`):
//! arguments, environment, exit status and the `--dir` grants, compared with expected
//! output and with the same program run natively.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../wasi/tests/fixtures/target")
}

fn guest(name: &str) -> String {
    let path = fixtures().join("wasm32-wasip1/release").join(format!("{name}.wasm"));
    assert!(path.exists(), "fixture {} is missing: run scripts/build-fixtures.sh first", path.display());
    path.display().to_string()
}

fn tessera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .env_remove("TESSERA_SECRET")
        .output()
        .expect("runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-cli-wasi-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn arguments_and_environment_are_only_what_was_granted() {
    let o = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args([
            "run",
            "--env",
            "FOO=bar",
            "--env",
            "TESSERA_SECRET",
            "--argv0",
            "prog",
            &guest("args_env"),
            "one",
            "-two",
        ])
        .env("TESSERA_SECRET", "s3")
        .env("NOT_GRANTED", "x")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "arg[0]=prog\narg[1]=one\narg[2]=-two\nenv FOO=bar\nenv TESSERA_SECRET=s3\n"
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn exit_status_follows_proc_exit() {
    let o = tessera(&["run", &guest("exit_code"), "42"]);
    assert_eq!(o.status.code(), Some(42), "{}", String::from_utf8_lossy(&o.stderr));
}

fn write_tree(root: &Path) {
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
    std::fs::write(root.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(root.join("sub/b.bin"), vec![7u8; 100_000]).unwrap();
    std::fs::write(root.join("sub/deeper/c.txt"), "").unwrap();
}

#[test]
fn tree_copy_behaves_as_it_does_natively() {
    let base = scratch("tree");
    let src = base.join("src");
    write_tree(&src);
    let (src_s, guest_dst, native_dst) = (
        src.display().to_string(),
        base.join("dst").display().to_string(),
        base.join("native").display().to_string(),
    );
    let wasm = guest("tree_copy");
    // Same paths inside and outside the sandbox, so both runs print the same lines.
    let ours = tessera(&[
        "run",
        "--dir",
        &format!("{src_s}::{src_s}:ro"),
        "--dir",
        &format!("{}::{}", base.display(), base.display()),
        "--env",
        "MODE=copy",
        &wasm,
        &src_s,
        &guest_dst,
        "7",
        "extra",
    ]);
    let native = Command::new(fixtures().join("release/tree_copy"))
        .args([&src_s, &native_dst, "7", "extra"])
        .env_clear()
        .env("MODE", "copy")
        .output()
        .expect("native tree_copy (scripts/build-fixtures.sh builds it)");
    let ours_out = String::from_utf8_lossy(&ours.stdout).replace(&guest_dst, "DST");
    let native_out = String::from_utf8_lossy(&native.stdout).replace(&native_dst, "DST");
    assert_eq!(ours_out, native_out);
    assert!(ours_out.contains("file sub/b.bin 100000 "), "{ours_out}");
    assert_eq!(ours.status.code(), Some(7));
    assert_eq!(native.status.code(), Some(7));
    assert_eq!(std::fs::read(base.join("dst/sub/b.bin")).unwrap(), vec![7u8; 100_000]);
}

#[test]
fn no_dir_means_no_file_system() {
    let base = scratch("none");
    write_tree(&base.join("src"));
    let src = base.join("src").display().to_string();
    let o = tessera(&["run", &guest("tree_copy"), &src, &base.join("dst").display().to_string(), "0"]);
    assert_ne!(o.status.code(), Some(0), "the walk must fail without a grant");
    assert!(!base.join("dst").exists(), "nothing may be created on the host");
}

#[test]
fn bad_dir_grant_is_a_clear_error() {
    let o = tessera(&["run", "--dir", "/nonexistent/tessera::/x", &guest("args_env")]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: --dir /nonexistent/tessera::/x: cannot open `/nonexistent/tessera`"),
        "{err}"
    );
}

#[test]
fn timeout_cuts_a_blocking_sleep_short() {
    // A 60-second `poll_oneoff` clock wait; the 300ms deadline must end it as a trap.
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i64.store (i32.const 0) (i64.const 1))            ;; userdata
        (i32.store8 (i32.const 8) (i32.const 0))           ;; EVENTTYPE_CLOCK
        (i32.store (i32.const 16) (i32.const 1))           ;; monotonic clock
        (i64.store (i32.const 24) (i64.const 60000000000)) ;; 60 s, relative
        (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))"#;
    let dir = scratch("sleep");
    let path = dir.join("sleep.wat");
    std::fs::write(&path, wat).unwrap();
    let started = std::time::Instant::now();
    let o = tessera(&["run", "--timeout", "300ms", &path.display().to_string()]);
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(134), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("wasm trap: interrupted (time limit of 300ms reached)")
    );
    assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
}

fn c_guest(name: &str) -> String {
    let path = fixtures().join("c").join(format!("{name}.wasm"));
    assert!(path.exists(), "C fixture {} is missing: run scripts/build-fixtures.sh first", path.display());
    path.display().to_string()
}

#[test]
fn c_program_files_env_and_escape() {
    let data = scratch("c-files");
    let o = tessera(&[
        "run",
        "--dir",
        &format!("{}::/data", data.display()),
        "--env",
        "GREETING=hi",
        &c_guest("files"),
        "x",
        "y",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "argv[0]={}\nargv[1]=x\nargv[2]=y\nGREETING=hi\nread back: written by C\nescape: Capabilities insufficient\n",
            c_guest("files")
        )
    );
    assert_eq!(o.status.code(), Some(5));
    assert_eq!(std::fs::read_to_string(data.join("note.txt")).unwrap(), "written by C\n");
}

#[test]
fn c_program_directories() {
    let work = scratch("c-dirs");
    let o = tessera(&["run", "--dir", &format!("{}::/work", work.display()), &c_guest("dirs")]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "/work/a: b one.txt\n/work/a: b\n/work/a/b: two.txt\nsize 5 regular 1\n\
         rmdir non-empty: Directory not empty\nrmdir empty: ok\nmkdir outside: Capabilities insufficient\n/work/a:\n"
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(!work.parent().unwrap().join("outside").exists());
}

#[test]
fn c_program_open_modes_behave_as_on_linux() {
    let work = scratch("c-open-modes");
    let o = tessera(&["run", "--dir", &format!("{}::/work", work.display()), &c_guest("open_modes")]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "appended: 14 bytes: one\ntwo\nthree\ntruncated: 6 bytes: fresh\n\
         directory for writing: Is a directory\ndirectory for writing, no O_DIRECTORY: Is a directory\n\
         directory for reading: opened\n"
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(work.join("log.txt")).unwrap(), "fresh\n");
}
