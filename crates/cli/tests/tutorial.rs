//! The calculator tutorial (README, examples/calculator) end to end: its two Rust components,
//! built for wasm32-wasip2 by scripts/build-fixtures.sh, composed with `tessera compose` and
//! run. The toolchain commands themselves are tested on components written in the text
//! format, in tests/tools.rs; this is the one test that needs the built guests.

use std::path::PathBuf;
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

fn calculator(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/calculator/target/wasm32-wasip2/release")
        .join(format!("{name}.wasm"));
    assert!(path.exists(), "{} is missing: run scripts/build-fixtures.sh", path.display());
    path.display().to_string()
}

#[test]
fn the_calculator_tutorial() {
    let dir = std::env::temp_dir().join(format!("tessera-cli-tutorial-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
    // `tessera wit` shows the provider's world, as the tutorial's step 2 says.
    let o = tessera(&["wit", &calculator("calculator")]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("export example:calculator/calculator;"), "{}", out(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_tutorials_wit_checks() {
    let wit = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/calculator/wit");
    let o = tessera(&["wit", "check", wit.to_str().unwrap()]);
    assert_eq!((out(&o).as_str(), o.status.code()), ("ok: example:calculator\n", Some(0)), "{}", err(&o));
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
fn the_providers_wit_parses_back_to_the_source() {
    let o = tessera(&["wit", &calculator("calculator")]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let printed = out(&o);
    let mut from_component = wit_parser::Resolve::default();
    from_component.push_str("printed.wit", &printed).unwrap_or_else(|e| panic!("{e:?}\n{printed}"));
    let mut from_source = wit_parser::Resolve::default();
    from_source
        .push_path(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/calculator/wit"))
        .unwrap();
    assert_eq!(interface_shape(&from_component), interface_shape(&from_source));
    assert_eq!(interface_shape(&from_source).len(), 2);
}
