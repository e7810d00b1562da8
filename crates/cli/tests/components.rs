//! `tessera run` on components: `--invoke` with WAVE values, Canonical ABI traps, missing
//! imports, and `wasm32-wasip2` programs run as commands (compared with their `wasm32-wasip1`
//! builds), under the same grants and limits as preview 1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tessera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera")).args(args).output().expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-cli-comp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A component in text form: records, strings, results, chars, and a trap.
const LIB: &str = r#"(component
  (core module $m
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    (func (export "mul") (param i32 i32) (result i64)
      (i64.mul (i64.extend_i32_u (local.get 0)) (i64.extend_i32_u (local.get 1))))
    (func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1))
      (i32.const 16))
    (func (export "div") (param i32 i32) (result i32)
      (if (i32.eqz (local.get 1))
        (then (i32.store8 (i32.const 32) (i32.const 1)))
        (else (i32.store8 (i32.const 32) (i32.const 0))
              (i32.store (i32.const 36) (i32.div_s (local.get 0) (local.get 1)))))
      (i32.const 32))
    (func (export "bad-char") (result i32) (i32.const 0xD800))
    (func (export "nothing")))
  (core instance $i (instantiate $m))
  (type $pair (record (field "left" u32) (field "right" u32)))
  (export $pair2 "pair" (type $pair))
  (func (export "mul") (param "p" $pair2) (result u64) (canon lift (core func $i "mul")))
  (func (export "echo") (param "s" string) (result string)
    (canon lift (core func $i "echo") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))))
  (func (export "divide") (param "a" s32) (param "b" s32) (result (result s32 (error u8)))
    (canon lift (core func $i "div") (memory (core memory $i "memory"))))
  (func (export "bad-char") (result char) (canon lift (core func $i "bad-char")))
  (func (export "nothing") (canon lift (core func $i "nothing"))))"#;

fn lib() -> String {
    let dir = scratch("lib");
    let path = dir.join("lib.wat");
    std::fs::write(&path, LIB).unwrap();
    path.display().to_string()
}

#[test]
fn invoke_prints_wave() {
    let lib = lib();
    let cases = [
        ("mul({left: 6, right: 7})", "42\n"),
        (r#"echo("h\u{e9}llo \"w\"\n")"#, "\"héllo \\\"w\\\"\\n\"\n"),
        ("divide(7, 2)", "ok(3)\n"),
        ("divide(7, 0)", "err(0)\n"),
        ("nothing()", "()\n"),
    ];
    for (call, want) in cases {
        let o = tessera(&["run", "--invoke", call, &lib]);
        assert_eq!((stdout(&o).as_str(), o.status.code()), (want, Some(0)), "{call}: {}", stderr(&o));
    }
}

#[test]
fn abi_violations_trap_and_bad_calls_fail() {
    let lib = lib();
    let o = tessera(&["run", "--invoke", "bad-char()", &lib]);
    assert_eq!(o.status.code(), Some(134));
    assert!(stderr(&o).contains("wasm trap: invalid `char` bit pattern"), "{}", stderr(&o));

    let o = tessera(&["run", "--invoke", "nope()", &lib]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).lines().next().unwrap(),
        format!("error: {lib}: no exported function `nope` (exported functions: mul, echo, divide, bad-char, nothing)")
    );
    let o = tessera(&["run", "--invoke", "mul(6)", &lib]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("error: bad arguments for `mul`"), "{}", stderr(&o));
    let o = tessera(&["run", "--invoke", "mul", &lib, "6"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("takes its arguments inside the call"), "{}", stderr(&o));
}

#[test]
fn missing_imports_are_named() {
    let dir = scratch("imports");
    let path = dir.join("needs.wat");
    std::fs::write(
        &path,
        r#"(component (import "example:calculator/calculator" (instance (export "add" (func (param "a" u32) (param "b" u32) (result u32))))))"#,
    )
    .unwrap();
    let o = tessera(&["run", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: component import `example:calculator/calculator` is not defined\n",
            path.display()
        )
    );
}

fn fixture(target: &str, name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../wasi/tests/fixtures/target")
        .join(target)
        .join("release")
        .join(format!("{name}.wasm"));
    assert!(path.exists(), "fixture {} is missing: run scripts/build-fixtures.sh first", path.display());
    path.display().to_string()
}

/// Runs the preview 1 and the 0.2 build of a guest with the same flags (`{}` in a flag is
/// replaced by a fresh scratch directory per run); returns both outputs.
fn both(flags: &[&str], name: &str, args: &[&str], stdin: &str) -> [Output; 2] {
    ["wasm32-wasip1", "wasm32-wasip2"].map(|target| {
        use std::io::Write;
        let dir = scratch(&format!("{name}-{target}"));
        let flags: Vec<String> = flags.iter().map(|f| f.replace("{}", &dir.display().to_string())).collect();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
        cmd.arg("run").args(&flags).args(["--argv0", "prog", &fixture(target, name)]).args(args);
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
}

#[test]
fn wasip2_commands_match_their_wasip1_builds() {
    let [p1, p2] = both(&["--env", "A=1"], "args_env", &["x", "y z"], "");
    assert_eq!(stdout(&p2), "arg[0]=prog\narg[1]=x\narg[2]=y z\nenv A=1\n");
    assert_eq!((stdout(&p1), p1.status.code()), (stdout(&p2), p2.status.code()));

    let [p1, p2] = both(&[], "echo", &[], "hello, stdin\n");
    assert_eq!(stdout(&p2), "hello, stdin\n");
    assert_eq!(stdout(&p1), stdout(&p2));

    let [p1, p2] = both(&["--dir", "{}::/sandbox"], "fs_ops", &["/sandbox"], "");
    assert_eq!(p2.status.code(), Some(0), "{}", stderr(&p2));
    assert_eq!(stdout(&p1), stdout(&p2));
}

#[test]
fn wasip2_exit_status_follows_wasi_cli_exit() {
    // `wasi:cli/exit` 0.2 carries only ok or err: a non-zero exit code becomes 1, as under
    // wasmtime.
    let o = tessera(&["run", &fixture("wasm32-wasip2", "exit_code"), "7"]);
    assert_eq!(o.status.code(), Some(1));
    let o = tessera(&["run", &fixture("wasm32-wasip2", "exit_code"), "0"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn wasip2_network_is_denied_unless_granted() {
    let denied = tessera(&["run", &fixture("wasm32-wasip2", "net"), "loopback"]);
    assert_eq!(denied.status.code(), Some(1));
    assert!(stdout(&denied).starts_with("bind: "), "{}", stdout(&denied));
    let granted = tessera(&["run", "--allow-net=127.0.0.1:*", &fixture("wasm32-wasip2", "net"), "loopback"]);
    assert_eq!(granted.status.code(), Some(0), "{}{}", stdout(&granted), stderr(&granted));
}

#[test]
fn limits_stop_a_component() {
    let dir = scratch("spin");
    let path = dir.join("spin.wat");
    std::fs::write(
        &path,
        r#"(component
          (core module $m (func (export "spin") (loop (br 0))))
          (core instance $i (instantiate $m))
          (func (export "spin") (canon lift (core func $i "spin"))))"#,
    )
    .unwrap();
    let o = tessera(&["run", "--fuel", "100000", "--invoke", "spin()", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(134));
    assert!(stderr(&o).contains("all fuel consumed"), "{}", stderr(&o));
    let o = tessera(&["run", "--timeout", "200ms", "--invoke", "spin()", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(134));
    assert!(stderr(&o).contains("time limit of 200ms reached"), "{}", stderr(&o));

    // --max-memory caps a component's memories as a module's: growth past it fails (-1).
    let grow = dir.join("grow.wat");
    std::fs::write(
        &grow,
        r#"(component
          (core module $m (memory 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
          (core instance $i (instantiate $m))
          (func (export "grow") (param "pages" u32) (result s32) (canon lift (core func $i "grow"))))"#,
    )
    .unwrap();
    let o = tessera(&["run", "--max-memory", "1MiB", "--invoke", "grow(8)", grow.to_str().unwrap()]);
    assert_eq!((stdout(&o).as_str(), o.status.code()), ("1\n", Some(0)), "{}", stderr(&o));
    let o = tessera(&["run", "--max-memory", "1MiB", "--invoke", "grow(16)", grow.to_str().unwrap()]);
    assert_eq!((stdout(&o).as_str(), o.status.code()), ("-1\n", Some(0)), "{}", stderr(&o));
}

/// A wit-bindgen test guest (crates/component/tests/guests) made a component with
/// wit-component, and its host imports filled by `tessera compose` with the `host-impl`
/// guest, so that `tessera run --invoke` can call it with nothing but WASI.
fn self_contained(guest: &Path, dir: &Path) -> PathBuf {
    let componentize = |core: &Path, out: &Path| {
        let bytes = std::fs::read(core)
            .unwrap_or_else(|e| panic!("{}: {e} (run scripts/build-fixtures.sh)", core.display()));
        let component = wit_component::ComponentEncoder::default()
            .module(&bytes)
            .unwrap()
            .validate(true)
            .encode()
            .unwrap();
        std::fs::write(out, component).unwrap();
    };
    let name = guest.file_stem().unwrap().to_str().unwrap();
    let (socket, plug, out) = (
        dir.join(format!("{name}.component.wasm")),
        dir.join("host-impl.wasm"),
        dir.join(format!("{name}.composed.wasm")),
    );
    componentize(guest, &socket);
    componentize(&guest.with_file_name("host_impl.wasm"), &plug);
    let o = tessera(&[
        "compose",
        socket.to_str().unwrap(),
        "--plug",
        plug.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    out
}

/// Every case of crates/component/tests/invoke-cases.txt (recorded from wasmtime 48.0.8),
/// through the binary: the same stdout, byte for byte, or a failure where wasmtime fails.
/// The wit-bindgen guests run composed with `host-impl` (which behaves as the reference's
/// host does); the WAT components need no imports.
#[test]
fn invoke_output_matches_wasmtime_byte_for_byte() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = scratch("invoke-cases");
    let text = std::fs::read_to_string(root.join("crates/component/tests/invoke-cases.txt")).unwrap();
    // Accepted on purpose where wasmtime fails (`iface.func` names), or the reverse (an
    // unknown record field is an error here); see crates/component/tests/invoke.rs.
    let extension =
        |c: &str| ["roundtrip.", "tessera:test/roundtrip.", "counters."].iter().any(|p| c.starts_with(p));
    let stricter = |c: &str| c == "echo-pair({left: 1, right: 2, extra: 3})";
    let (mut component, mut call, mut checked) = (None::<PathBuf>, None::<String>, 0);
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("component: ") {
            let path = root.join(path);
            component = Some(if path.extension().is_some_and(|e| e == "wasm") {
                self_contained(&path, &dir)
            } else {
                path
            });
        } else if let Some(c) = line.strip_prefix("> ") {
            call = Some(c.to_string());
        } else if let (Some(comp), Some(c)) = (&component, call.take()) {
            let o = tessera(&["run", "--invoke", &c, comp.to_str().unwrap()]);
            match line.strip_prefix("= ") {
                Some(_) if stricter(&c) => assert_eq!(o.status.code(), Some(1), "{c}"),
                Some(want) => {
                    assert_eq!(stdout(&o), format!("{want}\n"), "{c}: {}", stderr(&o));
                    assert_eq!(o.status.code(), Some(0), "{c}");
                }
                // Where wasmtime fails on an `iface.func` name Tessera may succeed.
                None if extension(&c) => {}
                None => assert_ne!(
                    o.status.code(),
                    Some(0),
                    "{c}: wasmtime fails, Tessera printed {}",
                    stdout(&o)
                ),
            }
            checked += 1;
        }
    }
    assert!(checked >= 200, "only {checked} cases");
}

/// `map<K, V>` and `list<T, N>` in WAVE: `--invoke` parses and prints them, `wit` names them.
#[test]
fn maps_and_fixed_length_lists_in_wave() {
    let dir = scratch("maps");
    let path = dir.join("maps.wat");
    std::fs::write(
        &path,
        r#"(component
  (core module $M
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    (func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1))
      (i32.const 16))
    (func (export "sum4") (param i32 i32 i32 i32) (result i32)
      (i32.add (i32.add (local.get 0) (local.get 1)) (i32.add (local.get 2) (local.get 3)))))
  (core instance $m (instantiate $M))
  (type $map (map string u32))
  (type $quad (list u8 4))
  (func (export "echo") (param "m" $map) (result $map)
    (canon lift (core func $m "echo") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "sum4") (param "q" $quad) (result u32) (canon lift (core func $m "sum4"))))"#,
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let o = tessera(&["run", "--invoke", r#"echo({"a": 1, "b": 2})"#, path]);
    assert_eq!(stdout(&o), "{\"a\": 1, \"b\": 2}\n", "{}", stderr(&o));
    let o = tessera(&["run", "--invoke", "sum4([1, 2, 3, 250])", path]);
    assert_eq!(stdout(&o), "256\n", "{}", stderr(&o));
    let o = tessera(&["run", "--invoke", "sum4([1, 2])", path]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("expected a list<u8, 4>, got a list of length 2"), "{}", stderr(&o));
    let o = tessera(&["wit", path]);
    assert!(
        stdout(&o).contains("export echo: func(m: map<string, u32>) -> map<string, u32>;"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("export sum4: func(q: list<u8, 4>) -> u32;"), "{}", stdout(&o));

    // A component importing the map function, composed with the one above, runs alone.
    let user = dir.join("user.wat");
    std::fs::write(
        &user,
        r#"(component
  (type $map (map string u32))
  (import "echo" (func $echo (param "m" $map) (result $map)))
  (export "echo2" (func $echo)))"#,
    )
    .unwrap();
    let composed = dir.join("composed.wasm");
    let o = tessera(&["compose", user.to_str().unwrap(), "--plug", path, "-o", composed.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tessera(&["run", "--invoke", r#"echo2({"k": 7})"#, composed.to_str().unwrap()]);
    assert_eq!(stdout(&o), "{\"k\": 7}\n", "{}", stderr(&o));
}
