//! The plugin host's report for each shipped plugin: the well-behaved ones get their
//! grants, the misbehaving ones are stopped, and the host survives all of them.
//! The plugins are built by `scripts/build-fixtures.sh`.

use std::path::Path;

use tessera_plugin_host::{engine, parse_manifest, run_all, Manifest};

fn plugins_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/plugins"))
}

#[test]
fn every_plugin_is_reported() {
    let dir = plugins_dir();
    assert!(
        dir.join("target/wasm32-wasip2/release/upper.wasm").exists(),
        "plugins not built: run scripts/build-fixtures.sh"
    );
    let reports = run_all(&engine(), dir, "hello world").unwrap();
    let lines: Vec<String> = reports.iter().map(|r| r.to_string()).collect();
    assert_eq!(
        lines,
        [
            "greeting: ok: \"Hello, hello world!\"",
            "hog: stopped: wasm trap: unreachable (memory allocation of 1048576 bytes failed)",
            "sleeper: stopped: deadline of 500ms reached",
            "snoop: plugin error: every file was out of reach",
            "spin: stopped: fuel exhausted (5000000 units)",
            "upper: ok: \"HELLO WORLD\"",
        ]
    );
    // The read-only grant held: the greeting file is unchanged.
    let greeting = std::fs::read_to_string(dir.join("greeting/data/greeting.txt")).unwrap();
    assert_eq!(greeting, "Hello\n");
}

#[test]
fn the_binary_prints_the_report() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plugin-host"))
        .arg(plugins_dir())
        .arg("abc")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.lines().any(|l| l == "upper: ok: \"ABC\""), "{stdout}");
    assert_eq!(stdout.lines().count(), 6, "{stdout}");
}

#[test]
fn manifests_are_checked() {
    let base = Path::new("/p");
    let m =
        parse_manifest("component = a.wasm\ndir = d::/d:ro\nfuel = 5\nmemory = 1MiB\ntimeout = 2s\n", base)
            .unwrap();
    assert_eq!(
        m,
        Manifest {
            component: base.join("a.wasm"),
            dirs: vec![(base.join("d"), "/d".into(), true)],
            fuel: 5,
            memory: 1 << 20,
            timeout: std::time::Duration::from_secs(2),
        }
    );
    assert_eq!(
        parse_manifest("component = a.wasm\nnet = all\n", base).unwrap_err(),
        "line 2: unknown key: `net = all`"
    );
    assert_eq!(
        parse_manifest("component = a.wasm\nfuel = 5\nmemory = 1MiB\n", base).unwrap_err(),
        "missing `timeout = ...`"
    );
}
