//! The toolchain subcommands: `print`, `parse`, `wit`, `inspect`, `compose`. Each wraps the
//! wasm-tools family's own library for the job (wasmprinter, wat, wit-parser, wit-component,
//! wac-graph), so Tessera's output matches what `wasm-tools` and `wac` would produce; what is
//! Tessera's is the command line and the one-line errors. None of them runs code, so they
//! depend on no part of the runtime.

pub mod compose;
pub mod inspect;
pub mod text;
pub mod wit;

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

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

/// The binary form of a file's contents: a binary as it is, text (a module or a component)
/// encoded with `wat`. Errors in the text are reported as `FILE:LINE:COL: message`.
pub fn to_binary(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>> {
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        bail!("{}: neither a WebAssembly binary nor text", path.display());
    };
    wat::Parser::new().parse_str(Some(path), text).map_err(|e| {
        // `wat` renders the error with a source excerpt over several lines; keep
        // `FILE:LINE:COL: message`, which editors jump to.
        let rendered = e.to_string();
        let message = rendered.lines().next().unwrap_or("").trim();
        match location(&rendered) {
            Some(at) => anyhow!("{at}: {message}"),
            // Past column 500 `wast` skips the excerpt: `MESSAGE at FILE:LINE:COL`.
            None => match message.rsplit_once(" at ") {
                Some((message, at)) if at.starts_with(&*path.to_string_lossy()) => anyhow!("{at}: {message}"),
                _ => anyhow!("{}: {message}", path.display()),
            },
        }
    })
}

/// An error chain on one line, each cause's lines joined by spaces and the causes by `: `:
/// `main` promises one line per error, and the libraries' messages sometimes span several
/// (wasmparser's `expected=[...]`, wit-parser's list of known packages).
pub fn one_line(e: &anyhow::Error) -> String {
    e.chain().map(|c| squash(&c.to_string())).collect::<Vec<_>>().join(": ")
}

/// A message's lines joined into one.
pub fn squash(message: &str) -> String {
    message.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The `FILE:LINE:COL` of an error rendered the way `wast` and `wit-parser` render them:
///
/// ```text
/// MESSAGE
///      --> FILE:LINE:COL
///       |
///     4 |   source line
///       |   ^
/// ```
///
/// Callers print `FILE:LINE:COL: MESSAGE`, the one-line form editors and compilers use.
pub fn location(rendered: &str) -> Option<&str> {
    rendered.lines().find_map(|l| l.trim().strip_prefix("--> ")).map(str::trim)
}
