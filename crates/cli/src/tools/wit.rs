//! `tessera wit FILE.wasm` (a component's world, or a WIT package encoded as wasm, printed as
//! WIT) and `tessera wit check DIR|FILE.wit` (validate a WIT package).
//!
//! `wit` takes either a file or the `check` subcommand: clap's `args_conflicts_with_subcommands`
//! lets `tessera wit x.wasm` and `tessera wit check dir/` share one command (a file that is
//! really named `check` can be given as `./check`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use clap::{Args, Subcommand};
use wit_component::{decode, DecodedWasm, WitPrinter};
use wit_parser::{PackageId, Resolve};

use super::{location, one_line, read, squash, to_binary};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WitArgs {
    #[command(subcommand)]
    command: Option<WitCommand>,
    /// A component (or a WIT package encoded as wasm), binary or text, whose WIT to print.
    file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum WitCommand {
    /// Check that a WIT package (a directory, with its `deps/`, or one `.wit` file) is valid;
    /// prints `ok: NAME`.
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
    // Text is accepted too, which saves a `tessera parse` step.
    let bytes = to_binary(file, read(file)?)?;
    if wasmparser::Parser::is_core_wasm(&bytes) {
        // wit-component would decode it into an empty world, which says nothing useful.
        bail!(
            "{}: a core module, not a component: it has no WIT world (see `tessera inspect`)",
            file.display()
        );
    }
    let decoded = decode(&bytes).map_err(|e| anyhow!("{}: {}", file.display(), one_line(&e)))?;
    let (resolve, main) = match &decoded {
        // A component's world lives in a package of its own (`root:component`): print it
        // first, and the packages of the interfaces it uses after it, nested.
        DecodedWasm::Component(resolve, world) => {
            let package = resolve.worlds[*world].package;
            (resolve, package.ok_or_else(|| anyhow!("{}: the decoded world has no package", file.display()))?)
        }
        DecodedWasm::WitPackage(resolve, pkg) => (resolve, *pkg),
    };
    let nested: Vec<PackageId> = resolve.packages.iter().map(|(id, _)| id).filter(|id| *id != main).collect();
    let mut printer = WitPrinter::default();
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
        // wit-parser renders the error against its source map (`--> FILE:LINE:COL` and an
        // excerpt) behind the context of each layer; the message is the innermost layer's.
        // Errors without a span (a missing file, an unresolvable dependency) name the path.
        Err(e) => {
            let message = e.chain().last().map(|c| squash(&c.to_string())).unwrap_or_default();
            match location(&resolve.render_error(&e)) {
                Some(at) => bail!("{at}: {message}"),
                None => bail!("{}: {}", path.display(), one_line(&e)),
            }
        }
    }
}
