//! The execution workloads on Tessera and wasmi only, in one small binary: for A/B-testing
//! interpreter changes quickly (one build is about a minute, against several for the full
//! harness, which links wasmtime). Prints, per workload, the best of `--runs` calls on each
//! runtime (after a warm-up call whose result is checked) and the geometric mean of the
//! ratios. The full, reported comparison is `benches/run.sh`; see BENCHMARKS.md.
//!
//! `cargo run --release --manifest-path benches/Cargo.toml -p tessera-ab -- [--runs N] [NAME...]`
//! after `benches/run.sh --build-only` has built the workloads.

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), String> {
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let wasm_dir = bench.join("target/wasm32-unknown-unknown/release");
    let mut runs = 5;
    let mut only = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).ok_or("--runs takes a number")?,
            _ => only.push(a),
        }
    }
    let expected = std::fs::read_to_string(bench.join("workloads/EXPECTED")).map_err(|e| e.to_string())?;
    let mut log_sum = 0.0;
    let mut count = 0;
    for line in expected.lines().map(|l| l.split('#').next().unwrap_or("").trim()).filter(|l| !l.is_empty()) {
        let [name, file, arg, sum] = line.split_whitespace().collect::<Vec<_>>()[..] else {
            return Err(format!("EXPECTED: bad line `{line}`"));
        };
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        let arg: i32 = arg.parse().map_err(|_| format!("EXPECTED: bad argument in `{line}`"))?;
        let want = u64::from_str_radix(sum.trim_start_matches("0x"), 16)
            .map_err(|_| format!("EXPECTED: {name} has no recorded checksum"))? as i64;
        let bytes = std::fs::read(wasm_dir.join(file))
            .map_err(|e| format!("{file}: {e} (build the workloads with `benches/run.sh --build-only`)"))?;

        let engine = tessera_engine::Engine::default();
        let module = tessera_engine::Module::new(&engine, &bytes).map_err(|e| e.to_string())?;
        let mut store = tessera_engine::Store::new(&engine, ());
        let instance =
            tessera_engine::Linker::new().instantiate(&mut store, &module).map_err(|e| e.to_string())?;
        let tessera = instance.get_typed_func::<i32, i64, _>(&store, "run").map_err(|e| e.to_string())?;

        let engine = wasmi::Engine::default();
        let module = wasmi::Module::new(&engine, &bytes).map_err(|e| e.to_string())?;
        let mut wstore = wasmi::Store::new(&engine, ());
        let instance = wasmi::Linker::new(&engine)
            .instantiate_and_start(&mut wstore, &module)
            .map_err(|e| e.to_string())?;
        let wasmi = instance.get_typed_func::<i32, i64>(&wstore, "run").map_err(|e| e.to_string())?;

        let got = (
            tessera.call(&mut store, arg).map_err(|e| e.to_string())?,
            wasmi.call(&mut wstore, arg).map_err(|e| e.to_string())?,
        );
        if got != (want, want) {
            return Err(format!("{name}: expected {want:#x}, got {got:#x?} (Tessera, wasmi)"));
        }
        let (mut best_t, mut best_w) = (f64::MAX, f64::MAX);
        for _ in 0..runs {
            let t = Instant::now();
            tessera.call(&mut store, arg).map_err(|e| e.to_string())?;
            best_t = best_t.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            wasmi.call(&mut wstore, arg).map_err(|e| e.to_string())?;
            best_w = best_w.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name:10} Tessera {:8.1} ms   wasmi {:8.1} ms   ratio {:.2}",
            best_t * 1e3,
            best_w * 1e3,
            best_t / best_w
        );
        log_sum += (best_t / best_w).ln();
        count += 1;
    }
    if count > 0 {
        println!("geometric mean Tessera/wasmi (best of {runs}): {:.2}", (log_sum / f64::from(count)).exp());
    }
    Ok(())
}
