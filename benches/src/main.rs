//! `tessera-bench`: runs the same `.wasm` on Tessera, wasmi and wasmtime in one process and
//! prints Markdown tables (see BENCHMARKS.md). Normally started by `benches/run.sh`, which
//! builds the workloads first.
//!
//! Every measurement is a median over `--runs` samples; the runtimes take turns within each
//! round (rotating who goes first) so a noisy neighbour hurts all of them alike. Every result
//! is checked: a wrong checksum or a trap marks the cell FAIL and makes the exit status 1.

mod components;
mod runtimes;
mod stats;
mod workloads;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use runtimes::{Call, Engine, Mode, Res, Rt, Startup, MODES, RUNTIMES};
use stats::{fmt_bytes, fmt_dur, fmt_ratio, fmt_secs, geomean, median};
use workloads::{module_facts, Workload};

const USAGE: &str = "\
usage: tessera-bench --wasm-dir DIR --big FILE [--workloads DIR] [--runs N] [--only NAME,...]
                     [--skip exec,startup,small,components,rss]
       tessera-bench --rss-child MODE FILE      (internal: one cold start, print VmHWM)

  --wasm-dir DIR   where the built workloads (wl_*.wasm) are
  --big FILE       the large module for the start-up and memory rows
  --workloads DIR  EXPECTED, small.wat, hostcall.wat (default: workloads/ next to this crate)
  --runs N         samples per measurement, median reported (default 5)";

struct Opts {
    wasm_dir: PathBuf,
    big: PathBuf,
    workloads: PathBuf,
    runs: usize,
    only: Option<Vec<String>>,
    skip: Vec<String>,
}

fn parse_args(args: &[String]) -> Res<Opts> {
    let mut opts = Opts {
        wasm_dir: PathBuf::new(),
        big: PathBuf::new(),
        workloads: Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads"),
        runs: 5,
        only: None,
        skip: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or_else(|| format!("{a} needs a value\n{USAGE}"));
        match a.as_str() {
            "--wasm-dir" => opts.wasm_dir = val()?.into(),
            "--big" => opts.big = val()?.into(),
            "--workloads" => opts.workloads = val()?.into(),
            "--runs" => opts.runs = val()?.parse().map_err(|_| "--runs wants a number")?,
            "--only" => opts.only = Some(val()?.split(',').map(String::from).collect()),
            "--skip" => opts.skip.extend(val()?.split(',').map(String::from)),
            "-h" | "--help" => return Err(USAGE.into()),
            _ => return Err(format!("unknown argument `{a}`\n{USAGE}")),
        }
    }
    if opts.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    if opts.wasm_dir.as_os_str().is_empty() || opts.big.as_os_str().is_empty() {
        return Err(USAGE.into());
    }
    Ok(opts)
}

/// Accumulates the report and remembers whether any check failed.
struct Report {
    out: String,
    failures: Vec<String>,
}

impl Report {
    fn line(&mut self, s: impl AsRef<str>) {
        println!("{}", s.as_ref());
        self.out.push_str(s.as_ref());
        self.out.push('\n');
    }

    fn fail(&mut self, what: String) -> String {
        self.failures.push(what);
        format!("FAIL[{}]", self.failures.len())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--rss-child") {
        return match rss_child(&args[1..]) {
            Ok(kib) => {
                println!("{kib}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let opts = match parse_args(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut r = Report { out: String::new(), failures: Vec::new() };
    if let Err(e) = run_all(&opts, &mut r) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    if r.failures.is_empty() {
        r.line("All results checked: every runtime returned the expected value everywhere.");
        ExitCode::SUCCESS
    } else {
        r.line("");
        r.line("Failures:");
        for (i, f) in r.failures.clone().iter().enumerate() {
            r.line(format!("- FAIL[{}]: {f}", i + 1));
        }
        ExitCode::FAILURE
    }
}

/// Results that feed the "targets" summary at the end.
#[derive(Default)]
struct Summary {
    exec_geomean_wasmi: Option<(f64, usize, usize)>,
    exec_geomean_wasmtime: Option<(f64, usize, usize)>,
    startup: Vec<(Mode, Duration)>,
    small_tessera: Option<f64>,
    component_tessera: Option<f64>,
}

fn run_all(opts: &Opts, r: &mut Report) -> Res<()> {
    let mut summary = Summary::default();
    let skip = |s: &str| opts.skip.iter().any(|x| x == s);
    if !skip("exec") {
        execution(opts, r, &mut summary)?;
    }
    if !skip("startup") {
        startup(opts, r, &mut summary)?;
    }
    if !skip("small") {
        small(opts, r, &mut summary)?;
    }
    if !skip("components") {
        component_rows(opts, r, &mut summary)?;
    }
    if !skip("rss") {
        rss(opts, r)?;
    }
    targets(r, &summary);
    Ok(())
}

/// A loaded instance with some state of the benchmark, or the FAIL marker of why it has none.
type Loaded<T> = Result<(Box<dyn Call>, T), String>;

fn engines_for(rts: &[Rt]) -> Res<Vec<Engine>> {
    rts.iter().map(|&rt| Engine::new(Mode::default_for(rt))).collect()
}

// ---------------------------------------------------------------- execution

fn execution(opts: &Opts, r: &mut Report, summary: &mut Summary) -> Res<()> {
    let expected = workloads::read(&opts.workloads.join("EXPECTED"))?;
    let table = workloads::parse_expected(&String::from_utf8_lossy(&expected))?;
    let table: Vec<Workload> =
        table.into_iter().filter(|w| opts.only.as_ref().is_none_or(|o| o.contains(&w.name))).collect();
    let engines = engines_for(&RUNTIMES)?;

    r.line(format!("### Execution (median of {} runs after one warm-up call; lower is better)", opts.runs));
    r.line("");
    r.line("| workload | arg | Tessera | wasmi | wasmtime | Tessera/wasmi | Tessera/wasmtime |");
    r.line("|---|---:|---:|---:|---:|---:|---:|");
    let (mut vs_wasmi, mut vs_wasmtime) = (Vec::new(), Vec::new());
    let mut coremark = None;
    for w in &table {
        let bytes = workloads::read(&opts.wasm_dir.join(&w.file))?;
        let times = time_workload(r, w, &bytes, &engines, opts.runs);
        let cell = |t: &Result<Duration, String>| match t {
            Ok(d) => fmt_dur(*d),
            Err(f) => f.clone(),
        };
        let ratio = |a: &Result<Duration, String>, b: &Result<Duration, String>| match (a, b) {
            (Ok(a), Ok(b)) => Some(a.as_secs_f64() / b.as_secs_f64()),
            _ => None,
        };
        let rw = ratio(&times[0], &times[1]);
        let rt = ratio(&times[0], &times[2]);
        vs_wasmi.extend(rw);
        vs_wasmtime.extend(rt);
        r.line(format!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            w.name,
            w.arg,
            cell(&times[0]),
            cell(&times[1]),
            cell(&times[2]),
            rw.map_or("—".into(), fmt_ratio),
            rt.map_or("—".into(), fmt_ratio),
        ));
        if w.name == "coremark" {
            coremark = Some((w.arg, times));
        }
    }
    let n = table.len();
    let gw = geomean(&vs_wasmi).map(|g| (g, vs_wasmi.len(), n));
    let gt = geomean(&vs_wasmtime).map(|g| (g, vs_wasmtime.len(), n));
    let fmt_g = |g: Option<(f64, usize, usize)>| match g {
        Some((g, k, n)) if k == n => format!("**{}**", fmt_ratio(g)),
        Some((g, k, n)) => format!("**{}** ({k} of {n})", fmt_ratio(g)),
        None => "—".into(),
    };
    r.line(format!("| **geometric mean** | | | | | {} | {} |", fmt_g(gw), fmt_g(gt)));
    summary.exec_geomean_wasmi = gw;
    summary.exec_geomean_wasmtime = gt;
    if let Some((iters, times)) = coremark {
        let mut s = String::from("\nCoreMark score (iterations/s, higher is better):");
        for (rt, t) in RUNTIMES.iter().zip(&times) {
            if let Ok(d) = t {
                let _ = write!(s, " {} {:.0};", rt.name(), f64::from(iters) / d.as_secs_f64());
            }
        }
        s.pop();
        r.line(s);
    }
    r.line("");
    Ok(())
}

/// Loads `w` on every runtime, warms up once (checking the checksum), then times `runs`
/// interleaved rounds. Returns per runtime the median, or the FAIL marker.
fn time_workload(
    r: &mut Report,
    w: &Workload,
    bytes: &[u8],
    engines: &[Engine],
    runs: usize,
) -> Vec<Result<Duration, String>> {
    // Load and warm up (this first call also triggers the lazy runtimes' translation).
    let mut first: Vec<Loaded<i64>> = Vec::new();
    for (rt, engine) in RUNTIMES.iter().zip(engines) {
        let loaded = engine.load(bytes, "run").and_then(|mut i| i.call(w.arg).map(|v| (i, v)));
        first.push(loaded.map_err(|e| r.fail(format!("{} on {}: {e}", w.name, rt.name()))));
    }
    // Checksums must equal the recorded constant (or, while none is recorded, each other).
    let reference = w.expected.or_else(|| first.iter().find_map(|f| f.as_ref().ok().map(|x| x.1)));
    if w.expected.is_none() {
        if let Some(v) = reference {
            r.fail(format!("{}: no checksum recorded in EXPECTED; first runtime returned {v:#018x}", w.name));
        }
    }
    let mut insts: Vec<Result<Box<dyn Call>, String>> = Vec::new();
    for (rt, f) in RUNTIMES.iter().zip(first) {
        insts.push(match f {
            Ok((i, v)) if Some(v) == reference => Ok(i),
            Ok((_, v)) => Err(r.fail(format!(
                "{} on {}: checksum {v:#018x}, expected {:#018x}",
                w.name,
                rt.name(),
                reference.unwrap_or_default()
            ))),
            Err(e) => Err(e),
        });
    }

    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); RUNTIMES.len()];
    for round in 0..runs {
        for k in 0..RUNTIMES.len() {
            let idx = (round + k) % RUNTIMES.len();
            let Ok(inst) = &mut insts[idx] else { continue };
            let start = Instant::now();
            let got = inst.call(w.arg);
            let elapsed = start.elapsed();
            match got {
                Ok(v) if Some(v) == reference => samples[idx].push(elapsed),
                other => {
                    let what = match other {
                        Ok(v) => format!("checksum {v:#018x} on a repeated call"),
                        Err(e) => e,
                    };
                    let name = RUNTIMES[idx].name();
                    insts[idx] = Err(r.fail(format!("{} on {name}: {what}", w.name)));
                }
            }
        }
    }
    insts
        .iter()
        .zip(&samples)
        .map(|(inst, s)| match inst {
            Ok(_) => Ok(median(s)),
            Err(e) => Err(e.clone()),
        })
        .collect()
}

// ---------------------------------------------------------------- start-up

fn startup(opts: &Opts, r: &mut Report, summary: &mut Summary) -> Res<()> {
    let bytes = workloads::read(&opts.big)?;
    let facts = module_facts(&bytes);
    let engines: Vec<Engine> = MODES.iter().map(|&m| Engine::new(m)).collect::<Res<_>>()?;

    let mut samples: Vec<Vec<Startup>> = vec![Vec::new(); MODES.len()];
    let mut failed: Vec<Option<String>> = vec![None; MODES.len()];
    for round in 0..opts.runs {
        for k in 0..MODES.len() {
            let idx = (round + k) % MODES.len();
            if failed[idx].is_some() {
                continue;
            }
            match engines[idx].startup(&bytes, workloads::BIG_EXPORT) {
                Ok(s) if s.result == workloads::BIG_RESULT => samples[idx].push(s),
                other => {
                    let what = match other {
                        Ok(s) => format!("returned {}, expected {}", s.result, workloads::BIG_RESULT),
                        Err(e) => e,
                    };
                    failed[idx] = Some(r.fail(format!("start-up on {}: {what}", MODES[idx].name())));
                }
            }
        }
    }

    r.line("### Start-up of a large module (compile + instantiate + first call; lower is better)");
    r.line("");
    r.line(format!(
        "`{}`: {}, of which code {} in {} functions. Median of {} cold starts, each a new \
         `Module` and `Store` (engines are created once, outside the timing); the call is \
         `startup()`, which parses a two-element JSON array with serde_json.",
        opts.big.file_name().unwrap_or_default().to_string_lossy(),
        fmt_bytes(facts.bytes as u64),
        fmt_bytes(facts.code_bytes as u64),
        facts.functions,
        opts.runs
    ));
    r.line("");
    r.line("| runtime, mode | compile | instantiate | first call | total | Tessera lazy / this |");
    r.line("|---|---:|---:|---:|---:|---:|");
    let totals: Vec<Option<Duration>> = samples
        .iter()
        .map(|s| (!s.is_empty()).then(|| median(&s.iter().map(Startup::total).collect::<Vec<_>>())))
        .collect();
    let tessera_lazy = totals[0];
    for (i, mode) in MODES.iter().enumerate() {
        if let Some(f) = &failed[i] {
            r.line(format!("| {} | {f} | | | | |", mode.name()));
            continue;
        }
        let s = &samples[i];
        let phase = |g: fn(&Startup) -> Duration| fmt_dur(median(&s.iter().map(g).collect::<Vec<_>>()));
        let total = totals[i].unwrap();
        let ratio = tessera_lazy.map_or("—".into(), |t| fmt_ratio(t.as_secs_f64() / total.as_secs_f64()));
        r.line(format!(
            "| {} | {} | {} | {} | **{}** | {} |",
            mode.name(),
            phase(|s| s.compile),
            phase(|s| s.instantiate),
            phase(|s| s.call),
            fmt_dur(total),
            ratio
        ));
        summary.startup.push((*mode, total));
    }
    r.line("");
    Ok(())
}

// ---------------------------------------------------------------- small module, host calls

const INSTANTIATIONS_PER_SAMPLE: u32 = 2_000;
const HOST_CALLS_PER_SAMPLE: i32 = 2_000_000;

fn small(opts: &Opts, r: &mut Report, summary: &mut Summary) -> Res<()> {
    let small = workloads::read_wat(&opts.workloads.join("small.wat"))?;
    let hostcall = workloads::read_wat(&opts.workloads.join("hostcall.wat"))?;
    let engines = engines_for(&RUNTIMES)?;

    // Instantiation of the small module.
    let mut inst: Vec<Result<Vec<Duration>, String>> = vec![Ok(Vec::new()); RUNTIMES.len()];
    for round in 0..opts.runs {
        for k in 0..RUNTIMES.len() {
            let idx = (round + k) % RUNTIMES.len();
            let Ok(samples) = &mut inst[idx] else { continue };
            match engines[idx].instantiate_many(&small, INSTANTIATIONS_PER_SAMPLE) {
                Ok((d, v)) if v == workloads::small_expected() => samples.push(d),
                other => {
                    let what = match other {
                        Ok((_, v)) => {
                            format!("run(7) returned {v}, expected {}", workloads::small_expected())
                        }
                        Err(e) => e,
                    };
                    let rt = RUNTIMES[idx].name();
                    inst[idx] = Err(r.fail(format!("small-module instantiation on {rt}: {what}")));
                }
            }
        }
    }

    // Host calls: a guest loop calling an imported host function.
    let n = HOST_CALLS_PER_SAMPLE;
    let want = i64::from(workloads::hostcall_expected(n));
    let mut calls: Vec<Loaded<Vec<Duration>>> = Vec::new();
    for (rt, engine) in RUNTIMES.iter().zip(&engines) {
        let loaded = engine.load_with_host(&hostcall).and_then(|mut c| {
            let warm = c.call(1000)?;
            let want = i64::from(workloads::hostcall_expected(1000));
            if warm == want {
                Ok((c, Vec::new()))
            } else {
                Err(format!("run(1000) returned {warm}, expected {want}"))
            }
        });
        calls.push(loaded.map_err(|e| r.fail(format!("host calls on {}: {e}", rt.name()))));
    }
    for round in 0..opts.runs {
        for k in 0..RUNTIMES.len() {
            let idx = (round + k) % RUNTIMES.len();
            let Ok((c, samples)) = &mut calls[idx] else { continue };
            let start = Instant::now();
            let got = c.call(n);
            let elapsed = start.elapsed();
            match got {
                Ok(v) if v == want => samples.push(elapsed),
                other => {
                    let what = match other {
                        Ok(v) => format!("run({n}) returned {v}, expected {want}"),
                        Err(e) => e,
                    };
                    let rt = RUNTIMES[idx].name();
                    calls[idx] = Err(r.fail(format!("host calls on {rt}: {what}")));
                }
            }
        }
    }

    r.line("### Instantiation and host calls (median of per-operation times; lower is better)");
    r.line("");
    r.line("| benchmark | Tessera | wasmi | wasmtime | Tessera/wasmi | Tessera/wasmtime |");
    r.line("|---|---:|---:|---:|---:|---:|");
    // Samples are whole loops; the per-operation time is the median loop over its length.
    let per_op = |s: &[Duration], ops: f64| median(s).as_secs_f64() / ops;
    let inst_medians: Vec<Result<f64, String>> = inst
        .iter()
        .map(|x| x.as_ref().map(|s| per_op(s, INSTANTIATIONS_PER_SAMPLE.into())).map_err(Clone::clone))
        .collect();
    row(r, "instantiate `small.wat` (`Store::new` + `Linker::instantiate` + drop)", &inst_medians);
    summary.small_tessera = inst_medians[0].as_ref().ok().copied();
    let call_medians: Vec<Result<f64, String>> =
        calls.iter().map(|x| x.as_ref().map(|(_, s)| per_op(s, n.into())).map_err(Clone::clone)).collect();
    row(r, "guest → host call (`hostcall.wat`), per call", &call_medians);
    r.line("");
    Ok(())
}

/// A table row of per-operation times in seconds.
fn row(r: &mut Report, name: &str, cells: &[Result<f64, String>]) {
    let cell = |c: &Result<f64, String>| match c {
        Ok(secs) => fmt_secs(*secs),
        Err(f) => f.clone(),
    };
    let ratio = |b: &Result<f64, String>| match (&cells[0], b) {
        (Ok(a), Ok(b)) => fmt_ratio(a / b),
        _ => "—".into(),
    };
    r.line(format!(
        "| {name} | {} | {} | {} | {} | {} |",
        cell(&cells[0]),
        cell(&cells[1]),
        cell(&cells[2]),
        ratio(&cells[1]),
        ratio(&cells[2])
    ));
}

// ---------------------------------------------------------------- peak memory

/// In a child process: one cold start of FILE in MODE (or nothing, for `baseline`), then the
/// process's peak resident set (VmHWM) in KiB.
fn rss_child(args: &[String]) -> Res<u64> {
    let [mode, file] = args else { return Err(USAGE.into()) };
    let bytes = workloads::read(Path::new(file))?;
    if mode != "baseline" {
        let mode = Mode::from_key(mode).ok_or_else(|| format!("unknown mode `{mode}`"))?;
        let s = Engine::new(mode)?.startup(&bytes, workloads::BIG_EXPORT)?;
        if s.result != workloads::BIG_RESULT {
            return Err(format!("returned {}, expected {}", s.result, workloads::BIG_RESULT));
        }
    }
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM in /proc/self/status".into())
}

fn rss(opts: &Opts, r: &mut Report) -> Res<()> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let measure = |key: &str| -> Res<u64> {
        let out = std::process::Command::new(&exe)
            .arg("--rss-child")
            .arg(key)
            .arg(&opts.big)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|_| "bad child output".into())
    };
    r.line("### Peak memory for the large module (one cold start per child process)");
    r.line("");
    r.line(
        "Peak resident set (`VmHWM`) of a child process that reads the module, compiles, \
         instantiates and calls `startup()`; the baseline child only reads the module.",
    );
    r.line("");
    r.line("| runtime, mode | peak RSS | above baseline |");
    r.line("|---|---:|---:|");
    let base = measure("baseline").map_err(|e| format!("RSS baseline: {e}"))?;
    r.line(format!("| baseline (harness + module bytes) | {} | |", fmt_bytes(base * 1024)));
    for mode in MODES {
        match measure(mode.key()) {
            Ok(kib) => r.line(format!(
                "| {} | {} | {} |",
                mode.name(),
                fmt_bytes(kib * 1024),
                fmt_bytes(kib.saturating_sub(base) * 1024)
            )),
            Err(e) => {
                let f = r.fail(format!("RSS on {}: {e}", mode.name()));
                r.line(format!("| {} | {f} | |", mode.name()));
            }
        }
    }
    r.line("");
    Ok(())
}

// ---------------------------------------------------------------- targets

fn targets(r: &mut Report, s: &Summary) {
    r.line("### Targets from issue #7");
    r.line("");
    r.line("| target | measured | met |");
    r.line("|---|---|---|");
    let yes = |b: bool| if b { "yes" } else { "**no**" };
    if let Some((g, k, n)) = s.exec_geomean_wasmi {
        let of = if k == n { String::new() } else { format!(" ({k} of {n} workloads)") };
        r.line(format!(
            "| execution geomean Tessera/wasmi ≤ 1.0 | {}{of} | {} |",
            fmt_ratio(g),
            yes(g <= 1.0 && k == n)
        ));
    }
    if let Some((g, k, n)) = s.exec_geomean_wasmtime {
        let of = if k == n { String::new() } else { format!(" ({k} of {n} workloads)") };
        r.line(format!("| (for reference) execution geomean Tessera/wasmtime | {}{of} | — |", fmt_ratio(g)));
    }
    let total = |m: Mode| s.startup.iter().find(|x| x.0 == m).map(|x| x.1);
    // Each Tessera mode against the wasmi mode that defers the same work.
    for (ours, ours_label, peer, label) in [
        (
            Mode::TesseraLazy,
            "Tessera lazy",
            Mode::WasmiLazyTranslation,
            "wasmi LazyTranslation (both validate at load)",
        ),
        (
            Mode::TesseraLazyValidation,
            "Tessera lazy validation",
            Mode::WasmiLazy,
            "wasmi Lazy (both validate on first call)",
        ),
    ] {
        if let (Some(t), Some(p)) = (total(ours), total(peer)) {
            r.line(format!(
                "| large-module start-up, {ours_label} faster than {label} | {} vs {} | {} |",
                fmt_dur(t),
                fmt_dur(p),
                yes(t < p)
            ));
        }
    }
    if let Some(t) = total(Mode::TesseraLazy) {
        if let Some(w) = total(Mode::Wasmtime) {
            let x = w.as_secs_f64() / t.as_secs_f64();
            r.line(format!(
                "| large-module start-up, Tessera lazy ≥ 50× faster than wasmtime | {x:.0}× ({} vs {}) | {} |",
                fmt_dur(t),
                fmt_dur(w),
                yes(x >= 50.0)
            ));
        }
    }
    if let Some(d) = s.small_tessera {
        r.line(format!(
            "| small-module instantiation in single-digit µs | {} | {} |",
            fmt_secs(d),
            yes(d < 10e-6)
        ));
    }
    if let Some(d) = s.component_tessera {
        r.line(format!("| (for reference) small-component instantiation | {} | — |", fmt_secs(d)));
    }
    r.line("");
}

// ---------------------------------------------------------------- components

/// Medians per operation of one component measurement on Tessera and wasmtime.
fn component_rows(opts: &Opts, r: &mut Report, summary: &mut Summary) -> Res<()> {
    let bytes = workloads::read_wat(&opts.workloads.join("small-component.wat"))?;
    type Measure<T> = fn(&[u8]) -> Res<(Duration, T)>;
    fn measure<T: PartialEq + std::fmt::Debug>(
        r: &mut Report,
        runs: usize,
        what: &str,
        bytes: &[u8],
        sides: [(&str, Measure<T>); 2],
        want: &T,
        ops: u32,
    ) -> Vec<Result<f64, String>> {
        let mut cells: Vec<Result<Vec<Duration>, String>> = vec![Ok(Vec::new()), Ok(Vec::new())];
        for round in 0..runs {
            for k in 0..2 {
                let idx = (round + k) % 2;
                let Ok(samples) = &mut cells[idx] else { continue };
                match (sides[idx].1)(bytes) {
                    Ok((d, got)) if got == *want => samples.push(d),
                    Ok((_, got)) => {
                        cells[idx] =
                            Err(r.fail(format!("{what} on {}: got {got:?}, expected {want:?}", sides[idx].0)))
                    }
                    Err(e) => cells[idx] = Err(r.fail(format!("{what} on {}: {e}", sides[idx].0))),
                }
            }
        }
        cells
            .iter()
            .map(|c| c.as_ref().map(|s| median(s).as_secs_f64() / f64::from(ops)).map_err(Clone::clone))
            .collect()
    }
    let inst = measure(
        r,
        opts.runs,
        "small-component instantiation",
        &bytes,
        [("Tessera", components::tessera_instantiate), ("wasmtime", components::wasmtime_instantiate)],
        &8,
        components::INSTANTIATIONS,
    );
    let abi = measure(
        r,
        opts.runs,
        "Canonical ABI call",
        &bytes,
        [("Tessera", components::tessera_abi), ("wasmtime", components::wasmtime_abi)],
        &components::expected(),
        components::CALLS,
    );
    summary.component_tessera = inst[0].as_ref().ok().copied();
    r.line("### Components (median of per-operation times; lower is better; wasmi has no component layer)");
    r.line("");
    r.line("| benchmark | Tessera | wasmtime | Tessera/wasmtime |");
    r.line("|---|---:|---:|---:|");
    let cell = |c: &Result<f64, String>| match c {
        Ok(secs) => fmt_secs(*secs),
        Err(f) => f.clone(),
    };
    for (name, cells) in [
        ("instantiate `small-component.wat` (`Store::new` + `Linker::instantiate` + one call + drop)", &inst),
        (
            "call `abi`: a 64-byte string and a list of 16 records in, a string out, `post-return` (per call)",
            &abi,
        ),
    ] {
        let ratio = match (&cells[0], &cells[1]) {
            (Ok(a), Ok(b)) => fmt_ratio(a / b),
            _ => "—".into(),
        };
        r.line(format!("| {name} | {} | {} | {ratio} |", cell(&cells[0]), cell(&cells[1])));
    }
    r.line("");
    Ok(())
}
