//! Parsing command-line values: sizes, durations, and wasm values for `--invoke`.

use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use tessera_engine::{Val, ValType};

/// Parses a byte count: `65536`, `64K`, `64KiB`, `16M`, `16MiB`, `1G`, `1GiB` (binary units).
pub fn parse_bytes(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| anyhow!("invalid size `{s}`"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => bail!("invalid size unit in `{s}` (use K, M or G)"),
    };
    n.checked_mul(mult).ok_or_else(|| anyhow!("size `{s}` is too large"))
}

/// Parses a duration: `10s`, `500ms`, `2m`, `1h`, or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| anyhow!("invalid duration `{s}`"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "us" => n / 1_000_000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => bail!("invalid duration unit in `{s}` (use ms, s, m or h)"),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| anyhow!("invalid duration `{s}`"))
}

/// Parses a command-line argument as a value of type `ty`.
pub fn parse_val(s: &str, ty: ValType) -> Result<Val> {
    let bad = || anyhow!("cannot parse `{s}` as {ty}");
    Ok(match ty {
        ValType::I32 => Val::I32(parse_int(s).and_then(i32_of).ok_or_else(bad)?),
        ValType::I64 => Val::I64(
            parse_int(s)
                .and_then(|v| i64::try_from(v).ok().or(u64::try_from(v).ok().map(|u| u as i64)))
                .ok_or_else(bad)?,
        ),
        ValType::F32 => Val::F32(s.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(s.parse::<f64>().map_err(|_| bad())?.to_bits()),
        ValType::V128 => {
            let hex = s.strip_prefix("0x").ok_or_else(bad)?;
            Val::V128(u128::from_str_radix(&hex.replace('_', ""), 16).map_err(|_| bad())?)
        }
        ValType::FuncRef if s == "null" => Val::FuncRef(None),
        ValType::ExternRef if s == "null" => Val::ExternRef(None),
        _ => bail!("cannot pass `{s}` as {ty} from the command line (only null references)"),
    })
}

fn parse_int(s: &str) -> Option<i128> {
    let s = s.replace('_', "");
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, s),
    };
    let v = match digits.strip_prefix("0x") {
        Some(hex) => i128::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<i128>().ok()?,
    };
    Some(if neg { -v } else { v })
}

fn i32_of(v: i128) -> Option<i32> {
    i32::try_from(v).ok().or_else(|| u32::try_from(v).ok().map(|u| u as i32))
}

/// Renders a result for printing, one value per line.
pub fn show_val(v: &Val) -> String {
    match v {
        Val::V128(bits) => format!("0x{bits:032x}"),
        other => other.to_string(),
    }
}
