//! `tessera print` (binary → text, with `wasmprinter`) and `tessera parse` (text → binary,
//! with `wat`), for modules and components alike: both libraries tell the two apart by
//! themselves, so neither command needs to.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use clap::Args;

use super::{one_line, read, to_binary, write_out};

#[derive(Args)]
pub struct PrintArgs {
    /// A module or component in the binary format.
    file: PathBuf,
    /// Write the text here instead of to stdout.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
}

pub fn print(args: PrintArgs) -> Result<ExitCode> {
    let bytes = read(&args.file)?;
    if !bytes.starts_with(b"\0asm") {
        bail!(
            "{}: not a WebAssembly binary (text is turned into one with `tessera parse`)",
            args.file.display()
        );
    }
    let text =
        wasmprinter::print_bytes(&bytes).map_err(|e| anyhow!("{}: {}", args.file.display(), one_line(&e)))?;
    write_out(args.output.as_deref(), text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct ParseArgs {
    /// A module or component in the text format (`.wat`).
    file: PathBuf,
    /// Where to write the binary.
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
}

pub fn parse(args: ParseArgs) -> Result<ExitCode> {
    // A binary passes through unchanged, as with `wasm-tools parse`.
    let binary = to_binary(&args.file, read(&args.file)?)?;
    write_out(Some(&args.output), &binary)?;
    Ok(ExitCode::SUCCESS)
}
