//! `tessera wast`: spec scripts through `tessera-wast`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use tessera_engine::Config;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Feature {
    Simd,
    TailCall,
    ExtendedConst,
    MultiMemory,
}

#[derive(Args)]
pub struct WastArgs {
    /// Turn off a proposal that is on by default (repeatable). `--disable multi-memory`
    /// with the other three gives exactly the WebAssembly 2.0 rules.
    #[arg(long, value_enum)]
    disable: Vec<Feature>,
    /// The scripts to run.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: WastArgs) -> Result<ExitCode> {
    let mut config = Config::new();
    for f in &args.disable {
        match f {
            Feature::Simd => config.wasm_simd(false),
            Feature::TailCall => config.wasm_tail_call(false),
            Feature::ExtendedConst => config.wasm_extended_const(false),
            Feature::MultiMemory => config.wasm_multi_memory(false),
        };
    }
    let mut total = tessera_wast::Report::default();
    for path in &args.files {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let report = tessera_wast::run_script_with(&path.display().to_string(), &text, &config);
        for line in &report.failures {
            println!("{line}");
        }
        total.merge(report);
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    Ok(if total.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
