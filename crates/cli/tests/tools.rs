//! The toolchain commands — `print`, `parse`, `wit`, `wit check`, `inspect`, `compose` — on
//! modules and components written here in the text format and encoded with the `wat` crate,
//! so these tests need no prebuilt guest. Expected outputs are written out in full: they are
//! the documented formats (README "Tools", `src/tools/inspect.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The provider: exports `example:calculator/calculator@0.1.0` (`add`, `subtract`).
const PROVIDER: &str = r#"(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "subtract") (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1))))
  (core instance $i (instantiate $m))
  (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func $sub (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "subtract")))
  (instance $calc (export "add" (func $add)) (export "subtract" (func $sub)))
  (export "example:calculator/calculator@0.1.0" (instance $calc)))"#;

/// The consumer: imports the calculator (and calls `add`) and three WASI 0.2 interfaces,
/// exports `example:calculator/app@0.1.0` (`run`).
const CONSUMER: &str = r#"(component
  (import "example:calculator/calculator@0.1.0" (instance $calc
    (export "add" (func (param "a" u32) (param "b" u32) (result u32)))
    (export "subtract" (func (param "a" u32) (param "b" u32) (result u32)))))
  (import "wasi:clocks/monotonic-clock@0.2.6" (instance
    (type $u64 u64)
    (export "instant" (type $instant (eq $u64)))
    (export "now" (func (result $instant)))))
  (import "wasi:random/random@0.2.6" (instance
    (export "get-random-u64" (func (result u64)))))
  (import "wasi:cli/environment@0.2.6" (instance
    (type $args (list string))
    (export "get-arguments" (func (result $args)))))
  (alias export $calc "add" (func $add))
  (core func $add-lowered (canon lower (func $add)))
  (core module $m
    (import "calc" "add" (func $add (param i32 i32) (result i32)))
    (func (export "run") (result i32) (call $add (i32.const 10) (i32.const 5))))
  (core instance $i (instantiate $m (with "calc" (instance (export "add" (func $add-lowered))))))
  (func $run (result u32) (canon lift (core func $i "run")))
  (instance $app (export "run" (func $run)))
  (export "example:calculator/app@0.1.0" (instance $app)))"#;

/// Exports the calculator's name with the wrong type: `add` takes one parameter.
const MISMATCHED: &str = r#"(component
  (core module $m (func (export "f") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func $f (param "a" u32) (result u32) (canon lift (core func $i "f")))
  (instance $x (export "add" (func $f)) (export "subtract" (func $f)))
  (export "example:calculator/calculator@0.1.0" (instance $x)))"#;

/// Exports something nobody imports.
const UNRELATED: &str = r#"(component
  (core module $m (func (export "f") (result i32) i32.const 1))
  (core instance $i (instantiate $m))
  (func $f (result u32) (canon lift (core func $i "f")))
  (instance $x (export "f" (func $f)))
  (export "example:other/thing@0.1.0" (instance $x)))"#;

/// A preview 1 module asking for files, randomness, clocks and stdout.
const PREVIEW1: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "env" "table" (table 1 funcref))
  (memory (export "memory") 1 2)
  (global (export "counter") (mut i64) (i64.const 0))
  (func (export "_start")))"#;

const CONSUMER_IMPORTS: &str = "example:calculator/calculator@0.1.0, wasi:clocks/monotonic-clock@0.2.6, \
                                wasi:random/random@0.2.6, wasi:cli/environment@0.2.6";

fn tessera(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tessera")).args(args).output().expect("runs")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that the command failed the way `main` reports errors: status 1 and exactly
/// `error: {expected}` on one line.
fn assert_error(o: &Output, expected: &str) {
    assert_eq!(out(o), "", "stdout of a failing command");
    assert_eq!(err(o), format!("error: {expected}\n"));
    assert_eq!(o.status.code(), Some(1));
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-cli-tools-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Encodes `text` with the `wat` crate (not with `tessera parse`, which is under test) into
/// `dir/name`.
fn wasm(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, wat::parse_str(text).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn print_and_parse_round_trip_modules_and_components() {
    let dir = scratch("text");
    for (name, text) in [("module", PREVIEW1), ("component", CONSUMER)] {
        let wat = write(&dir, &format!("{name}.wat"), text);
        let binary = dir.join(format!("{name}.wasm")).display().to_string();
        let o = tessera(&["parse", &wat, "-o", &binary]);
        assert_eq!((out(&o).as_str(), o.status.code()), ("", Some(0)), "{}", err(&o));
        assert_eq!(
            std::fs::read(&binary).unwrap(),
            wat::parse_str(text).unwrap(),
            "{name}: as `wat` encodes it"
        );

        let printed = tessera(&["print", &binary]);
        assert_eq!(printed.status.code(), Some(0), "{}", err(&printed));
        let first = if name == "module" { "(module\n" } else { "(component\n" };
        assert!(out(&printed).starts_with(first), "{}", out(&printed));
        // `-o` writes the same text to a file.
        let again = dir.join(format!("again-{name}.wat")).display().to_string();
        let o = tessera(&["print", &binary, "-o", &again]);
        assert_eq!((out(&o).as_str(), o.status.code()), ("", Some(0)), "{}", err(&o));
        assert_eq!(std::fs::read_to_string(&again).unwrap(), out(&printed));

        let binary2 = dir.join(format!("again-{name}.wasm")).display().to_string();
        assert_eq!(tessera(&["parse", &again, "-o", &binary2]).status.code(), Some(0));
        assert_eq!(std::fs::read(&binary).unwrap(), std::fs::read(&binary2).unwrap(), "{name}: round trip");
    }

    let bad = write(&dir, "bad.wat", "(module\n  (func (result i32) i32.const))\n");
    assert_error(&tessera(&["parse", &bad, "-o", "/dev/null"]), &format!("{bad}:2:31: expected a i32"));
    let bad = write(&dir, "bad-component.wat", "(component\n  (import \"f\" (func (result $nope))))\n");
    assert_error(
        &tessera(&["parse", &bad, "-o", "/dev/null"]),
        &format!("{bad}:2:29: unknown type: failed to find name `$nope`"),
    );
    let text = write(&dir, "text.wat", "(module)");
    assert_error(
        &tessera(&["print", &text]),
        &format!("{text}: not a WebAssembly binary (text is turned into one with `tessera parse`)"),
    );
}

#[test]
fn wit_prints_a_components_world_that_parses_back() {
    let dir = scratch("wit");
    let consumer = wasm(&dir, "consumer.wasm", CONSUMER);
    let o = tessera(&["wit", &consumer]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let printed = out(&o);
    assert_eq!(
        printed,
        "package root:component;

world root {
  import example:calculator/calculator@0.1.0;
  import wasi:clocks/monotonic-clock@0.2.6;
  import wasi:random/random@0.2.6;
  import wasi:cli/environment@0.2.6;

  export example:calculator/app@0.1.0;
}
package example:calculator@0.1.0 {
  interface calculator {
    add: func(a: u32, b: u32) -> u32;

    subtract: func(a: u32, b: u32) -> u32;
  }
  interface app {
    run: func() -> u32;
  }
}


package wasi:clocks@0.2.6 {
  interface monotonic-clock {
    type instant = u64;

    now: func() -> instant;
  }
}


package wasi:random@0.2.6 {
  interface random {
    get-random-u64: func() -> u64;
  }
}


package wasi:cli@0.2.6 {
  interface environment {
    get-arguments: func() -> list<string>;
  }
}
"
    );

    // wit-parser reads it back to the same world.
    let mut resolve = wit_parser::Resolve::default();
    let pkg = resolve.push_str("printed.wit", &printed).unwrap_or_else(|e| panic!("{e:?}"));
    let world = resolve.select_world(&[pkg], Some("root")).unwrap();
    let names = |items: &wit_parser::IndexMap<wit_parser::WorldKey, wit_parser::WorldItem>| {
        items.keys().map(|k| resolve.name_world_key(k)).collect::<Vec<_>>()
    };
    assert_eq!(names(&resolve.worlds[world].imports), CONSUMER_IMPORTS.split(", ").collect::<Vec<_>>());
    assert_eq!(names(&resolve.worlds[world].exports), ["example:calculator/app@0.1.0"]);
    let (_, calculator) =
        resolve.interfaces.iter().find(|(_, i)| i.name.as_deref() == Some("calculator")).unwrap();
    let shape: Vec<String> = calculator
        .functions
        .values()
        .map(|f| {
            let params: Vec<String> = f.params.iter().map(|p| format!("{}: {:?}", p.name, p.ty)).collect();
            format!("{}({}) -> {:?}", f.name, params.join(", "), f.result)
        })
        .collect();
    assert_eq!(shape, ["add(a: U32, b: U32) -> Some(U32)", "subtract(a: U32, b: U32) -> Some(U32)"]);

    // Text works as well as binary; a core module has no world.
    let wat = write(&dir, "consumer.wat", CONSUMER);
    assert_eq!(out(&tessera(&["wit", &wat])), printed);
    let module = wasm(&dir, "module.wasm", PREVIEW1);
    assert_error(
        &tessera(&["wit", &module]),
        &format!("{module}: a core module, not a component: it has no WIT world (see `tessera inspect`)"),
    );
}

#[test]
fn wit_check_accepts_a_package_and_names_file_and_line() {
    let dir = scratch("wit-check");
    let package = dir.join("wit");
    write(
        &package,
        "calculator.wit",
        "package example:calculator@0.1.0;

interface calculator {
  use wasi:clocks/monotonic-clock@0.2.6.{instant};
  add: func(a: u32, b: u32) -> u32;
  now: func() -> instant;
}

world provider {
  export calculator;
}
",
    );
    write(
        &package,
        "deps/clocks/monotonic-clock.wit",
        "package wasi:clocks@0.2.6;\n\ninterface monotonic-clock {\n  type instant = u64;\n}\n",
    );
    let o = tessera(&["wit", "check", package.to_str().unwrap()]);
    assert_eq!(
        (out(&o).as_str(), err(&o).as_str(), o.status.code()),
        ("ok: example:calculator@0.1.0\n", "", Some(0))
    );
    // One file is a package too.
    let single = write(&dir, "single.wit", "package a:b;\n\ninterface i {\n  f: func() -> u32;\n}\n");
    assert_eq!(out(&tessera(&["wit", "check", &single])), "ok: a:b\n");

    let bad = write(&dir, "bad.wit", "package a:b;\n\ninterface i {\n  f: func() -> nope;\n}\n");
    assert_error(&tessera(&["wit", "check", &bad]), &format!("{bad}:4:16: name `nope` does not exist"));
    let syntax = write(&dir, "bad-dir/syntax.wit", "package a:b;\ninterface i {\n  f: func(;\n}\n");
    assert_error(
        &tessera(&["wit", "check", dir.join("bad-dir").to_str().unwrap()]),
        &format!("{syntax}:3:11: expected an identifier or string, found ';'"),
    );
}

#[test]
fn inspect_a_preview1_module() {
    let dir = scratch("inspect-module");
    let module = wasm(&dir, "module.wasm", PREVIEW1);
    let o = tessera(&["inspect", &module]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        out(&o),
        format!(
            "core module {module}
imports:
  wasi_snapshot_preview1::path_open: func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)
  wasi_snapshot_preview1::random_get: func (param i32 i32) (result i32)
  wasi_snapshot_preview1::clock_time_get: func (param i32 i64 i32) (result i32)
  wasi_snapshot_preview1::fd_write: func (param i32 i32 i32 i32) (result i32)
  env::table: table 1 funcref
exports:
  memory: memory 1 2
  counter: global (mut i64)
  _start: func
capabilities:
  file system: yes (path_open)
  network: no
  clocks: yes (clock_time_get)
  random: yes (random_get)
  environment: no
  stdio: yes (fd_write)
  exit: no
"
        )
    );
}

#[test]
fn inspect_a_component() {
    let dir = scratch("inspect-component");
    let consumer = write(&dir, "consumer.wat", CONSUMER);
    let o = tessera(&["inspect", &consumer]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        out(&o),
        format!(
            "component {consumer}
imports:
  instance example:calculator/calculator@0.1.0
    add: func(a: u32, b: u32) -> u32
    subtract: func(a: u32, b: u32) -> u32
  instance wasi:clocks/monotonic-clock@0.2.6
    type instant = u64
    now: func() -> instant
  instance wasi:random/random@0.2.6
    get-random-u64: func() -> u64
  instance wasi:cli/environment@0.2.6
    get-arguments: func() -> list<string>
exports:
  instance example:calculator/app@0.1.0
    run: func() -> u32
capabilities:
  file system: no
  network: no
  clocks: yes (wasi:clocks/monotonic-clock@0.2.6)
  random: yes (wasi:random/random@0.2.6)
  environment: yes (wasi:cli/environment@0.2.6)
  stdio: no
  exit: no
"
        )
    );
    let provider = wasm(&dir, "provider.wasm", PROVIDER);
    let o = tessera(&["inspect", &provider]);
    assert!(
        out(&o).starts_with(&format!("component {provider}\nimports:\n  (none)\nexports:\n")),
        "{}",
        out(&o)
    );
}

/// The names a component imports and exports, and each exported instance's functions, as
/// wit-parser decodes them.
fn world_of(path: &str) -> (Vec<String>, Vec<String>) {
    let bytes = std::fs::read(path).unwrap();
    let wit_parser::decoding::DecodedWasm::Component(resolve, world) =
        wit_parser::decoding::decode(&bytes).unwrap()
    else {
        panic!("{path} is not a component");
    };
    let world = &resolve.worlds[world];
    let describe = |key, item: &wit_parser::WorldItem| match item {
        wit_parser::WorldItem::Interface { id, .. } => {
            let funcs: Vec<&str> = resolve.interfaces[*id].functions.keys().map(String::as_str).collect();
            format!("{} {{{}}}", resolve.name_world_key(key), funcs.join(", "))
        }
        _ => resolve.name_world_key(key),
    };
    (
        world.imports.iter().map(|(k, i)| describe(k, i)).collect(),
        world.exports.iter().map(|(k, i)| describe(k, i)).collect(),
    )
}

#[test]
fn compose_fills_the_imports_a_plug_provides() {
    let dir = scratch("compose");
    let consumer = wasm(&dir, "consumer.wasm", CONSUMER);
    let provider = wasm(&dir, "provider.wasm", PROVIDER);
    let unrelated = wasm(&dir, "unrelated.wasm", UNRELATED);
    let composed = dir.join("composed.wasm").display().to_string();
    let o = tessera(&["compose", &consumer, "--plug", &provider, "-o", &composed]);
    assert_eq!(
        (out(&o), err(&o), o.status.code()),
        (
            format!(
                "plugged example:calculator/calculator@0.1.0 with {provider}\nstill imported: \
                 wasi:clocks/monotonic-clock@0.2.6, wasi:random/random@0.2.6, wasi:cli/environment@0.2.6\n"
            ),
            String::new(),
            Some(0)
        )
    );

    let bytes = std::fs::read(&composed).unwrap();
    assert!(wasmparser::Parser::is_component(&bytes));
    wasmparser::Validator::new().validate_all(&bytes).expect("the composition validates");
    let (imports, exports) = world_of(&composed);
    // The calculator import is gone; the WASI imports no plug provides are still there.
    assert_eq!(
        imports,
        [
            "wasi:clocks/monotonic-clock@0.2.6 {now}",
            "wasi:random/random@0.2.6 {get-random-u64}",
            "wasi:cli/environment@0.2.6 {get-arguments}"
        ]
    );
    // The consumer's exports are intact.
    assert_eq!(exports, ["example:calculator/app@0.1.0 {run}"]);
    assert_eq!(exports, world_of(&consumer).1);

    // `-d` is `--plug`, as in `wasm-tools compose`; a plug that matches nothing is fine when
    // another one does.
    let again = dir.join("again.wasm").display().to_string();
    let o = tessera(&["compose", &consumer, "-d", &unrelated, "-d", &provider, "-o", &again]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(world_of(&again), world_of(&composed));
}

#[test]
fn compose_with_no_matching_plug_names_the_imports() {
    let dir = scratch("compose-none");
    let consumer = wasm(&dir, "consumer.wasm", CONSUMER);
    let unrelated = wasm(&dir, "unrelated.wasm", UNRELATED);
    let output = dir.join("out.wasm");
    let o = tessera(&["compose", &consumer, "--plug", &unrelated, "-o", output.to_str().unwrap()]);
    assert_error(
        &o,
        &format!("no plug satisfies any import of {consumer} (its imports: {CONSUMER_IMPORTS})"),
    );
    assert!(!output.exists());

    // A consumer without imports says so.
    let provider = wasm(&dir, "provider.wasm", PROVIDER);
    let o = tessera(&["compose", &provider, "--plug", &unrelated, "-o", output.to_str().unwrap()]);
    assert_error(&o, &format!("no plug satisfies any import of {provider} (it has no imports)"));
    // Core modules cannot be composed.
    let module = wasm(&dir, "module.wasm", PREVIEW1);
    let o = tessera(&["compose", &consumer, "--plug", &module, "-o", output.to_str().unwrap()]);
    assert_error(&o, &format!("{module}: not a component (compose works on components only)"));
}

#[test]
fn compose_with_a_mistyped_plug_names_the_import() {
    let dir = scratch("compose-mismatch");
    let consumer = wasm(&dir, "consumer.wasm", CONSUMER);
    let mismatched = wasm(&dir, "mismatched.wasm", MISMATCHED);
    let output = dir.join("out.wasm");
    let o = tessera(&["compose", &consumer, "--plug", &mismatched, "-o", output.to_str().unwrap()]);
    assert_error(
        &o,
        &format!(
            "import `example:calculator/calculator@0.1.0` of {consumer} cannot be plugged with export \
             `example:calculator/calculator@0.1.0` of {mismatched}: types mismatch: mismatched type for \
             export `add`: expected function with parameter count 2, found parameter count 1"
        ),
    );
    assert!(!output.exists());
}
