//! `tessera`: the command-line runtime. It parses flags and calls the libraries; nothing
//! here knows how WebAssembly runs.

mod args;
mod component;
mod run;
mod wast;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "tessera", version, about = "A WebAssembly runtime", propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a WebAssembly module or component: call `_start` / `wasi:cli/run`, or the
    /// function given by `--invoke`.
    Run(run::RunArgs),
    /// Run WebAssembly spec scripts (.wast) and report each failing directive.
    Wast(wast::WastArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Wast(args) => wast::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
