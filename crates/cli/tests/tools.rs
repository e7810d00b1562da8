//! The toolchain commands: `print`/`parse` round trips, `wit` (checked by parsing it back
//! with wit-parser), `wit check`, `inspect`, and `compose` on the calculator tutorial
//! (examples/calculator, built by scripts/build-fixtures.sh) with its error cases.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tessera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera")).args(args).output().expect("runs")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-cli-tools-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn calculator(name: &str) -> String {
    let path = root().join("examples/calculator/target/wasm32-wasip2/release").join(format!("{name}.wasm"));
    assert!(path.exists(), "{} is missing: run scripts/build-fixtures.sh", path.display());
    path.display().to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn the_calculator_tutorial() {
    let dir = scratch("calc");
    let composed = dir.join("composed.wasm").display().to_string();
    let o = tessera(&[
        "compose",
        &calculator("command-app"),
        "--plug",
        &calculator("calculator"),
        "-o",
        &composed,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).starts_with("plugged example:calculator/calculator with "), "{}", out(&o));
    let o = tessera(&["run", &composed]);
    assert_eq!((out(&o).as_str(), o.status.code()), ("10 + 5 = 15\n10 - 5 = 5\n", Some(0)), "{}", err(&o));
    // `-d` is accepted as in `wasm-tools compose`.
    let o =
        tessera(&["compose", &calculator("command-app"), "-d", &calculator("calculator"), "-o", &composed]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // The provider's underflow is a trap the tutorial shows, not a wrapped number.
    let o = tessera(&["run", "--invoke", "subtract(5, 10)", &calculator("calculator")]);
    assert_eq!(o.status.code(), Some(134));
    assert!(err(&o).contains("subtract underflows: 5 - 10"), "{}", err(&o));
}

#[test]
fn compose_names_what_does_not_fit() {
    let dir = scratch("compose-errors");
    let unrelated = write(
        &dir,
        "unrelated.wat",
        r#"(component
          (core module $m (func (export "f") (result i32) i32.const 1))
          (core instance $i (instantiate $m))
          (func $f (result u32) (canon lift (core func $i "f")))
          (instance $x (export "f" (func $f)))
          (export "example:other/thing" (instance $x)))"#,
    );
    let mismatched = write(
        &dir,
        "mismatched.wat",
        r#"(component
          (core module $m (func (export "f") (param i32) (result i32) local.get 0))
          (core instance $i (instantiate $m))
          (func $f (param "a" u32) (result u32) (canon lift (core func $i "f")))
          (instance $x (export "add" (func $f)) (export "subtract" (func $f)))
          (export "example:calculator/calculator" (instance $x)))"#,
    );
    let wasm = |wat: &str| {
        let w = wat.replace(".wat", ".wasm");
        let o = tessera(&["parse", wat, "-o", &w]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        w
    };
    let (unrelated, mismatched) = (wasm(&unrelated), wasm(&mismatched));
    let app = calculator("command-app");
    let out_path = dir.join("out.wasm").display().to_string();

    let o = tessera(&["compose", &app, "--plug", &unrelated, "-o", &out_path]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(e.starts_with(&format!("error: no plug provides an import of {app} (its imports: ")), "{e}");
    assert!(e.contains("example:calculator/calculator"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");

    let o = tessera(&["compose", &app, "--plug", &mismatched, "-o", &out_path]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(
        e.starts_with(&format!(
            "error: {mismatched}: export `example:calculator/calculator` does not match the type of import \
             `example:calculator/calculator` of {app}: "
        )),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(!Path::new(&out_path).exists());
}

/// The `calculator` interface as wit-parser sees it: each function's name, params and result.
fn interface_shape(resolve: &wit_parser::Resolve) -> Vec<String> {
    let (_, iface) = resolve
        .interfaces
        .iter()
        .find(|(_, i)| i.name.as_deref() == Some("calculator"))
        .expect("a calculator interface");
    iface
        .functions
        .values()
        .map(|f| {
            let params: Vec<String> = f.params.iter().map(|p| format!("{}: {:?}", p.name, p.ty)).collect();
            format!("{}({}) -> {:?}", f.name, params.join(", "), f.result)
        })
        .collect()
}

#[test]
fn wit_prints_what_parses_back_to_the_source() {
    let o = tessera(&["wit", &calculator("calculator")]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let printed = out(&o);
    let mut from_component = wit_parser::Resolve::default();
    from_component.push_str("printed.wit", &printed).unwrap_or_else(|e| panic!("{e:?}\n{printed}"));
    let mut from_source = wit_parser::Resolve::default();
    from_source.push_path(root().join("examples/calculator/wit")).unwrap();
    let shape = interface_shape(&from_source);
    assert_eq!(shape, ["add(a: U32, b: U32) -> Some(U32)", "subtract(a: U32, b: U32) -> Some(U32)"]);
    assert_eq!(interface_shape(&from_component), shape);
    assert!(printed.contains("export example:calculator/calculator;"), "{printed}");
}

#[test]
fn wit_check_reports_file_and_line() {
    let o = tessera(&["wit", "check", root().join("examples/calculator/wit").to_str().unwrap()]);
    assert_eq!((out(&o).as_str(), o.status.code()), ("ok: example:calculator\n", Some(0)), "{}", err(&o));
    let dir = scratch("wit");
    let bad = write(&dir, "bad.wit", "package a:b;\n\ninterface i {\n  f: func() -> nope;\n}\n");
    let o = tessera(&["wit", "check", &bad]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(err(&o), format!("error: {bad}:4:16: name `nope` does not exist\n"));
}

#[test]
fn print_and_parse_round_trip() {
    let dir = scratch("text");
    for (name, text) in [
        ("m.wat", "(module (func (export \"f\") (result i32) i32.const 7))"),
        ("c.wat", "(component (core module $m) (core instance (instantiate $m)))"),
    ] {
        let wat = write(&dir, name, text);
        let wasm = wat.replace(".wat", ".wasm");
        assert_eq!(tessera(&["parse", &wat, "-o", &wasm]).status.code(), Some(0));
        let printed = tessera(&["print", &wasm]);
        assert_eq!(printed.status.code(), Some(0));
        let again = write(&dir, &format!("again-{name}"), &out(&printed));
        let wasm2 = again.replace(".wat", ".wasm");
        assert_eq!(tessera(&["parse", &again, "-o", &wasm2]).status.code(), Some(0));
        assert_eq!(std::fs::read(&wasm).unwrap(), std::fs::read(&wasm2).unwrap(), "{name}");
    }
    let bad = write(&dir, "bad.wat", "(module\n  (func (result i32) i32.const))\n");
    let o = tessera(&["parse", &bad, "-o", "/dev/null"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).starts_with(&format!("error: {bad}:2:")), "{}", err(&o));
    assert_eq!(err(&o).lines().count(), 1);
}

#[test]
fn inspect_lists_imports_exports_and_capabilities() {
    let o = tessera(&["inspect", &calculator("calculator")]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    assert!(text.contains("exports:\n  instance example:calculator/calculator\n    add: func(a: u32, b: u32) -> u32\n    subtract: func(a: u32, b: u32) -> u32\n"), "{text}");
    assert!(text.contains("\n  file system: no\n  network: no\n"), "{text}");
    assert!(text.contains("\n  exit: yes (wasi:cli/exit@0.2.6)\n"), "{text}");

    let dir = scratch("inspect");
    let m = write(
        &dir,
        "m.wat",
        r#"(module
          (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))
          (memory (export "memory") 1))"#,
    );
    let o = tessera(&["inspect", &m]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    assert!(
        text.starts_with(&format!("core module {m}\nimports:\n  wasi_snapshot_preview1::path_open: func ")),
        "{text}"
    );
    assert!(text.contains("exports:\n  memory: memory"), "{text}");
    assert!(text.ends_with(
        "capabilities:\n  file system: yes (path_open)\n  network: no\n  clocks: no\n  random: yes (random_get)\n  \
         environment: no\n  stdio: no\n  exit: no\n"
    ), "{text}");
}
