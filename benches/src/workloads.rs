//! The execution workloads' table (`workloads/EXPECTED`) and the facts about the other modules.

use std::path::Path;

use crate::runtimes::{host_fn, Res};

/// One line of `workloads/EXPECTED`.
#[derive(Clone, Debug)]
pub struct Workload {
    pub name: String,
    pub file: String,
    pub arg: i32,
    /// `None` while the value is not yet recorded (`?`): the run then reports what it saw.
    pub expected: Option<i64>,
}

pub fn parse_expected(text: &str) -> Res<Vec<Workload>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = || format!("EXPECTED line {}: want `name file arg checksum`", i + 1);
        let f: Vec<&str> = line.split_whitespace().collect();
        let [name, file, arg, sum] = f[..] else { return Err(bad()) };
        let arg = arg.parse().map_err(|_| bad())?;
        let expected = match sum {
            "?" => None,
            s => Some(u64::from_str_radix(s.trim_start_matches("0x"), 16).map_err(|_| bad())? as i64),
        };
        out.push(Workload { name: name.into(), file: file.into(), arg, expected });
    }
    Ok(out)
}

/// The big module's start-up export and what it returns.
pub const BIG_EXPORT: &str = "startup";
pub const BIG_RESULT: i32 = 13;

/// `run(7)` of `small.wat` on a fresh instance.
pub fn small_expected() -> i32 {
    host_fn(7).wrapping_add(42).wrapping_sub(1)
}

/// `run(n)` of `hostcall.wat`.
pub fn hostcall_expected(n: i32) -> i32 {
    (0..n).fold(0i32, |acc, i| acc.wrapping_add(host_fn(i)))
}

pub fn read(path: &Path) -> Res<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn read_wat(path: &Path) -> Res<Vec<u8>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    wat::parse_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Size facts about a binary module: total bytes, code-section bytes, defined functions.
pub struct ModuleFacts {
    pub bytes: usize,
    pub code_bytes: usize,
    pub functions: u32,
}

fn leb_u32(b: &[u8], pos: &mut usize) -> Option<u32> {
    let mut result = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = *b.get(*pos)?;
        *pos += 1;
        result |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(result);
        }
    }
    None
}

/// Walks the section headers (no validation; the runtimes do that).
pub fn module_facts(b: &[u8]) -> ModuleFacts {
    let mut facts = ModuleFacts { bytes: b.len(), code_bytes: 0, functions: 0 };
    let mut pos = 8;
    while pos < b.len() {
        let id = b[pos];
        pos += 1;
        let Some(size) = leb_u32(b, &mut pos) else { break };
        let body = pos;
        if id == 10 {
            facts.code_bytes = size as usize;
            let mut p = body;
            facts.functions = leb_u32(b, &mut p).unwrap_or(0);
        }
        pos = body + size as usize;
    }
    facts
}
