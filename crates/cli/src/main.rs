//! `tessera`: the command-line runtime. It parses flags and calls the libraries; nothing
//! here knows how WebAssembly runs.

mod args;
mod component;
mod run;
mod serve;
mod tools;
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
    /// Serve a `wasi:http/proxy` component over HTTP, each request in a new instance.
    Serve(serve::ServeArgs),
    /// Run WebAssembly spec scripts (.wast) and report each failing directive.
    Wast(wast::WastArgs),
    /// Print a module or component in the text format.
    Print(tools::text::PrintArgs),
    /// Turn a module or component in the text format into binary.
    Parse(tools::text::ParseArgs),
    /// Print a component's world as WIT, or check a WIT package (`wit check PATH`).
    Wit(tools::wit::WitArgs),
    /// List a module's or component's imports and exports, and the capabilities it asks for.
    Inspect(tools::inspect::InspectArgs),
    /// Fill a component's imports with other components' exports.
    Compose(tools::compose::ComposeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Wast(args) => wast::run(args),
        Command::Print(args) => tools::text::print(args),
        Command::Parse(args) => tools::text::parse(args),
        Command::Wit(args) => tools::wit::run(args),
        Command::Inspect(args) => tools::inspect::run(args),
        Command::Compose(args) => tools::compose::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
