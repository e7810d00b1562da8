//! The benchmark workloads (`benches/workloads`, built by `scripts/build-fixtures.sh`) run on
//! Tessera and must return the checksums in `benches/workloads/EXPECTED` — the same values
//! the benchmark harness checks on wasmi and wasmtime. Each guest also checks itself and
//! traps on a wrong answer (CoreMark asserts its reference CRCs).

use std::path::PathBuf;

use tessera_engine::{Engine, Linker, Module, Store};

#[test]
fn benchmark_workloads_compute_the_expected_results() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let expected = std::fs::read_to_string(root.join("benches/workloads/EXPECTED")).unwrap();
    let engine = Engine::default();
    let mut checked = 0;
    for line in expected.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let [name, file, arg, checksum] = cols[..] else { panic!("bad EXPECTED line: {line}") };
        let path = root.join("benches/target/wasm32-unknown-unknown/release").join(file);
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|_| panic!("{} is missing: run scripts/build-fixtures.sh first", path.display()));
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new().instantiate(&mut store, &module).unwrap();
        let run = instance.get_typed_func::<i32, i64, _>(&store, "run").unwrap();
        let got = run.call(&mut store, arg.parse().unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = u64::from_str_radix(checksum.trim_start_matches("0x"), 16).unwrap() as i64;
        assert_eq!(got, want, "{name}({arg}) = {got:#018x}, expected {checksum}");
        checked += 1;
    }
    assert_eq!(checked, 9, "every workload of EXPECTED was run");
}
