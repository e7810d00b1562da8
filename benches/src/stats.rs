//! Medians, geometric means and human-readable durations.

use std::time::Duration;

pub fn median(samples: &[Duration]) -> Duration {
    assert!(!samples.is_empty());
    let mut s = samples.to_vec();
    s.sort();
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2
    }
}

/// Geometric mean; `None` for an empty input.
pub fn geomean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    Some((xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp())
}

/// `12.3 ms`, `456 µs`, `7.89 ns` — three significant digits.
pub fn fmt_dur(d: Duration) -> String {
    fmt_secs(d.as_secs_f64())
}

pub fn fmt_secs(s: f64) -> String {
    let (v, unit) = if s >= 1.0 {
        (s, "s")
    } else if s >= 1e-3 {
        (s * 1e3, "ms")
    } else if s >= 1e-6 {
        (s * 1e6, "µs")
    } else {
        (s * 1e9, "ns")
    };
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.digits$} {unit}")
}

/// A ratio with three significant digits: `123`, `12.3`, `1.23`, `0.0123`.
pub fn fmt_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}")
    } else if r >= 10.0 {
        format!("{r:.1}")
    } else if r >= 0.1 || r <= 0.0 {
        format!("{r:.2}")
    } else {
        let decimals = (-r.log10()).ceil() as usize + 2;
        format!("{r:.decimals$}")
    }
}

pub fn fmt_bytes(b: u64) -> String {
    if b >= 1 << 20 {
        format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64)
    } else if b >= 1 << 10 {
        format!("{:.1} KiB", b as f64 / 1024.0)
    } else {
        format!("{b} B")
    }
}
