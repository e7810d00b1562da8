//! The toolchain subcommands: `print`, `parse`, `wit`, `inspect`, `compose`. Each wraps the
//! wasm-tools family's own library for the job (wasmprinter, wat, wit-parser, wit-component,
//! wac-graph); what is Tessera's is the command line and the one-line errors.

pub mod compose;
pub mod inspect;
pub mod text;
pub mod wit;

use std::path::Path;

use anyhow::{Context, Result};

/// Reads a file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Writes `bytes` to `out`, or to stdout when there is no `out`.
pub fn write_out(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) => std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display())),
        None => {
            use std::io::Write;
            std::io::stdout().write_all(bytes).context("cannot write to stdout")
        }
    }
}
