//! The execution workloads on Tessera and wasmi only, in one small binary: for A/B-testing
//! interpreter changes quickly (one build is about a minute, against several for the full
//! harness, which links wasmtime). Prints, per workload, the best of `--runs` calls on each
//! runtime (after a warm-up call whose result is checked) and the geometric mean of the
//! ratios. The full, reported comparison is `benches/run.sh`; see BENCHMARKS.md.
//!
//! `cargo run --release --manifest-path benches/Cargo.toml -p tessera-ab -- [--runs N] [NAME...]`
//! after `benches/run.sh --build-only` has built the workloads. With `--startup`, instead: the
//! large module's cold start (compile, instantiate, first call) with validation deferred to
//! each function's first call on both (Tessera `lazy_validation`, wasmi `Lazy`), best of
//! `--runs` per phase.

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), String> {
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let wasm_dir = bench.join("target/wasm32-unknown-unknown/release");
    let mut runs = 5;
    let mut only = Vec::new();
    let mut startup_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).ok_or("--runs takes a number")?,
            "--startup" => startup_only = true,
            _ => only.push(a),
        }
    }
    if startup_only {
        let big = bench.join("target/wasm32-unknown-unknown/big/wl_big.wasm");
        let bytes = std::fs::read(&big).map_err(|e| format!("{}: {e}", big.display()))?;
        return startup(&bytes, runs);
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

/// Cold starts of the large module, validation deferred on both runtimes; prints the best
/// time per phase (compile, instantiate, first call) and in total.
fn startup(bytes: &[u8], runs: usize) -> Result<(), String> {
    let mut config = tessera_engine::Config::new();
    config.lazy_validation(true);
    let t_engine = tessera_engine::Engine::new(&config);
    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Lazy);
    let w_engine = wasmi::Engine::new(&config);
    let best = |acc: &mut [f64; 4], phases: [f64; 3]| {
        for (a, p) in acc.iter_mut().zip(phases.iter().chain([&phases.iter().sum()])) {
            *a = a.min(*p);
        }
    };
    let (mut t_best, mut w_best) = ([f64::MAX; 4], [f64::MAX; 4]);
    for _ in 0..runs {
        let t0 = Instant::now();
        let module = tessera_engine::Module::new(&t_engine, bytes).map_err(|e| e.to_string())?;
        let t1 = Instant::now();
        let mut store = tessera_engine::Store::new(&t_engine, ());
        let instance =
            tessera_engine::Linker::new().instantiate(&mut store, &module).map_err(|e| e.to_string())?;
        let f = instance.get_typed_func::<(), i32, _>(&store, "startup").map_err(|e| e.to_string())?;
        let t2 = Instant::now();
        let t_result = f.call(&mut store, ()).map_err(|e| e.to_string())?;
        let t3 = Instant::now();
        best(&mut t_best, [t1 - t0, t2 - t1, t3 - t2].map(|d| d.as_secs_f64()));

        let t0 = Instant::now();
        let module = wasmi::Module::new(&w_engine, bytes).map_err(|e| e.to_string())?;
        let t1 = Instant::now();
        let mut store = wasmi::Store::new(&w_engine, ());
        let instance =
            wasmi::Linker::new(&w_engine).instantiate_and_start(&mut store, &module).map_err(|e| e.to_string())?;
        let f = instance.get_typed_func::<(), i32>(&store, "startup").map_err(|e| e.to_string())?;
        let t2 = Instant::now();
        let w_result = f.call(&mut store, ()).map_err(|e| e.to_string())?;
        let t3 = Instant::now();
        best(&mut w_best, [t1 - t0, t2 - t1, t3 - t2].map(|d| d.as_secs_f64()));
        if t_result != w_result {
            return Err(format!("startup: Tessera returned {t_result}, wasmi {w_result}"));
        }
    }
    for (name, b) in [("Tessera lazy validation", t_best), ("wasmi Lazy", w_best)] {
        println!(
            "{name:24} compile {:6.2} ms  instantiate {:6.3} ms  first call {:6.2} ms  total {:6.2} ms",
            b[0] * 1e3,
            b[1] * 1e3,
            b[2] * 1e3,
            b[3] * 1e3
        );
    }
    println!("ratio Tessera/wasmi (best totals): {:.2}", t_best[3] / w_best[3]);
    Ok(())
}
