//! `tessera wit FILE.wasm` (a component's world, or a WIT package encoded as wasm, printed as
//! WIT) and `tessera wit check DIR|FILE.wit` (validate a WIT package).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use clap::{Args, Subcommand};
use wit_parser::decoding::{decode, DecodedWasm};
use wit_parser::{PackageId, Resolve};

use super::read;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WitArgs {
    #[command(subcommand)]
    command: Option<WitCommand>,
    /// A component (or a WIT package encoded as wasm) whose WIT to print.
    file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum WitCommand {
    /// Check that a WIT package (a directory with `deps/`, or one `.wit` file) is valid.
    Check {
        /// The package directory or file.
        path: PathBuf,
    },
}

pub fn run(args: WitArgs) -> Result<ExitCode> {
    match (args.command, args.file) {
        (Some(WitCommand::Check { path }), _) => check(&path),
        (None, Some(file)) => {
            print!("{}", world_text(&file)?);
            Ok(ExitCode::SUCCESS)
        }
        (None, None) => bail!("name a component (`tessera wit FILE.wasm`) or `tessera wit check PATH`"),
    }
}

/// The WIT of a component's world (with the packages it uses), or of an encoded package.
pub fn world_text(file: &Path) -> Result<String> {
    let bytes = read(file)?;
    let decoded = decode(&bytes).map_err(|e| anyhow!("{}: {}", file.display(), one_line(&e)))?;
    let (resolve, main) = match &decoded {
        DecodedWasm::Component(resolve, world) => {
            (resolve, resolve.worlds[*world].package.expect("decoded worlds have a package"))
        }
        DecodedWasm::WitPackage(resolve, pkg) => (resolve, *pkg),
    };
    let nested: Vec<PackageId> = resolve.packages.iter().map(|(id, _)| id).filter(|id| *id != main).collect();
    let mut printer = wit_component::WitPrinter::default();
    printer.print(resolve, main, &nested).map_err(|e| anyhow!("{}: {}", file.display(), one_line(&e)))?;
    Ok(printer.output.to_string())
}

fn check(path: &Path) -> Result<ExitCode> {
    let mut resolve = Resolve::default();
    match resolve.push_path(path) {
        Ok((pkg, _)) => {
            println!("ok: {}", resolve.packages[pkg].name);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let rendered = resolve.render_error(&e);
            bail!(
                "{}",
                located(&rendered, &e).unwrap_or_else(|| format!("{}: {}", path.display(), one_line(&e)))
            )
        }
    }
}

/// wit-parser renders an error with the source and a `--> FILE:LINE:COL` line; as one
/// line: `FILE:LINE:COL: message`.
fn located(rendered: &str, e: &anyhow::Error) -> Option<String> {
    let location = rendered.lines().find_map(|l| l.trim().strip_prefix("--> "))?.trim();
    // The innermost message: the last line of the chain before the source excerpt.
    let message = e.chain().last().map(|c| c.to_string()).unwrap_or_default();
    let message = message.lines().next().unwrap_or("").trim();
    Some(format!("{location}: {message}"))
}

fn one_line(e: &anyhow::Error) -> String {
    e.chain().map(|c| c.to_string().lines().next().unwrap_or("").to_string()).collect::<Vec<_>>().join(": ")
}
