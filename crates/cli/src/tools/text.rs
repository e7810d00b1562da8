//! `tessera print` (binary → text, with `wasmprinter`) and `tessera parse` (text → binary,
//! with `wast`, which `wat` wraps), for modules and components alike.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::Args;

use super::{read, write_out};

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
    let text = wasmprinter::print_bytes(&bytes).map_err(|e| anyhow!("{}: {e}", args.file.display()))?;
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
    let bytes = read(&args.file)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| anyhow!("{}: not UTF-8 text", args.file.display()))?;
    // One line `FILE:LINE:COL: message`, which editors jump to.
    let located = |e: wast::Error| {
        let (line, col) = e.span().linecol_in(text);
        anyhow!("{}:{}:{}: {}", args.file.display(), line + 1, col + 1, e.message())
    };
    let buf = wast::parser::ParseBuffer::new(text).map_err(located)?;
    let mut wat = wast::parser::parse::<wast::Wat<'_>>(&buf).map_err(located)?;
    let binary = wat.encode().map_err(located)?;
    write_out(Some(&args.output), &binary)?;
    Ok(ExitCode::SUCCESS)
}
