//! `tessera` as a user runs it: outputs, exit codes and one-line errors.

use std::path::PathBuf;
use std::process::{Command, Output};

fn tessera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera")).args(args).output().expect("runs")
}

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).display().to_string()
}

fn scratch(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("tessera-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn invoke_prints_results() {
    let o = tessera(&["run", "--invoke", "fib", &example("fib.wat"), "20"]);
    assert_eq!(stdout(&o), "6765\n");
    assert_eq!(o.status.code(), Some(0));
    let o = tessera(&["run", "--eager", "--invoke", "div", &example("fib.wat"), "-7", "2"]);
    assert_eq!(stdout(&o), "-3\n");
}

#[test]
fn lazy_validation_defers_an_invalid_body_to_its_call() {
    let module = scratch(
        "one-bad-body.wat",
        br#"(module (func (export "good") (result i32) (i32.const 7))
                    (func (export "bad") (result i32) (i64.const 0)))"#,
    );
    let o = tessera(&["run", "--invoke", "good", &module]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with(&format!("error: {module}: invalid module: ")), "{}", stderr(&o));
    let o = tessera(&["run", "--lazy-validation", "--invoke", "good", &module]);
    assert_eq!((stdout(&o).as_str(), o.status.code()), ("7\n", Some(0)), "{}", stderr(&o));
    let o = tessera(&["run", "--lazy-validation", "--invoke", "bad", &module]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("invalid module: function 1: type mismatch"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn traps_print_message_and_backtrace() {
    let o = tessera(&["run", "--invoke", "rec", &example("fib.wat"), "1"]);
    assert_eq!(o.status.code(), Some(134));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!("error: {}: wasm trap: call stack exhausted\n", example("fib.wat"))),
        "{err}"
    );
    assert!(err.contains("wasm backtrace:\n  0: fibmod!rec\n"), "{err}");
    assert!(err.contains("more frames"), "long backtraces are elided: {err}");

    let o = tessera(&["run", "--invoke", "oob", &example("fib.wat")]);
    assert_eq!(o.status.code(), Some(134));
    assert!(stderr(&o).contains("wasm trap: out of bounds memory access"));

    let o = tessera(&["run", "--invoke", "div", &example("fib.wat"), "1", "0"]);
    assert!(stderr(&o).contains("wasm trap: integer divide by zero"));
}

#[test]
fn limits_stop_runaway_guests() {
    let o = tessera(&["run", "--fuel", "100000", "--invoke", "spin", &example("fib.wat")]);
    assert_eq!(o.status.code(), Some(134));
    assert!(stderr(&o).contains("wasm trap: all fuel consumed"), "{}", stderr(&o));

    let o = tessera(&["run", "--timeout", "200ms", "--invoke", "spin", &example("fib.wat")]);
    assert_eq!(o.status.code(), Some(134));
    assert!(stderr(&o).contains("wasm trap: interrupted (time limit of 200ms reached)"), "{}", stderr(&o));

    let wat = scratch("big.wat", b"(module (memory 4) (func (export \"_start\")))");
    let o = tessera(&["run", "--max-memory", "128KiB", &wat]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("exceeds the limit"), "{}", stderr(&o));
}

#[test]
fn bad_input_is_one_line_and_non_zero() {
    let cases: Vec<(String, &str)> = vec![
        (scratch("garbage.wasm", &[0xde, 0xad, 0xbe, 0xef, 0xff, 0x00]), "not a WebAssembly module"),
        (scratch("trunc.wasm", b"\0asm\x01\0\0\0\x01\x05"), "invalid module: unexpected end-of-file"),
        (scratch("invalid.wat", b"(module (func (result i32)))"), "invalid module: type mismatch"),
        (scratch("syntax.wat", b"(module (func (i32.bogus)))"), "text format error at 1:"),
        (
            scratch("import.wat", b"(module (import \"env\" \"f\" (func)) (func (export \"_start\")))"),
            "unknown import: env::f",
        ),
        (scratch("nostart.wat", b"(module)"), "exports no `_start`"),
        ("/nonexistent/x.wasm".to_string(), "cannot read /nonexistent/x.wasm"),
    ];
    for (file, expected) in cases {
        let o = tessera(&["run", &file]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{file}: {err}");
        assert_eq!(err.lines().count(), 1, "one line for {file}: {err}");
        assert!(err.starts_with("error: ") && err.contains(expected), "{file}: {err}");
    }
}

#[test]
fn wast_reports_failures_with_location_and_counts() {
    let script = scratch(
        "t.wast",
        br#"(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))
(assert_trap (invoke "add" (i32.const 1) (i32.const 2)) "unreachable")
(assert_invalid (module (func (result i32))) "type mismatch")
"#,
    );
    let o = tessera(&["wast", &script]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("t.wast:3:2: result 0: expected I32(4), got I32(3)"), "{out}");
    assert!(out.contains("t.wast:4:2: expected trap `unreachable`, got return"), "{out}");
    assert!(out.ends_with("3 passed, 2 failed\n"), "{out}");
}
