//! Conformance: every `.wast` file of the Component Model's reference tests, read where the
//! workplace keeps a pinned copy (`../shared/conformance/component-model/test`, beside the
//! project root; `SOURCE.md` there names the commit), through the same runner as
//! `tessera wast`.
//!
//! A file that does not pass completely must be listed, with its reason, in
//! `tests/component-model-expected-failures.txt`. The test fails on any unlisted failure
//! and on any listed file that now passes, so the list only shrinks. Without the folder
//! the test prints one `SKIPPED:` line (which `scripts/test.sh` counts as skipped, not
//! passed) and checks nothing.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

fn expected_failures() -> BTreeMap<String, String> {
    common::expected_failures(include_str!("component-model-expected-failures.txt"))
}

/// Every `.wast` under `dir`, as paths relative to it with `/` separators, sorted.
fn scripts(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
        let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        if path.is_dir() {
            scripts(&path, &rel, out);
        } else if path.extension().is_some_and(|e| e == "wast") {
            out.push((rel, path));
        }
    }
}

#[test]
fn component_model_reference_tests() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/component-model/test");
    if !dir.is_dir() {
        // Written past the test harness's capture, so the line shows in every run.
        let _ = writeln!(
            std::io::stdout().lock(),
            "SKIPPED: component_model_reference_tests: {} is absent (a clone without ../shared)",
            dir.display()
        );
        return;
    }
    let mut files = Vec::new();
    scripts(&dir, "", &mut files);
    assert!(!files.is_empty(), "no .wast files under {}", dir.display());
    let expected = expected_failures();
    let (mut unexpected, mut now_passing) = (Vec::new(), Vec::new());
    let (mut passed, mut failed, mut files_passing) = (0, 0, 0);
    for (name, path) in &files {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
        let report = tessera_wast::run_script(name, &text);
        passed += report.passed;
        failed += report.failed;
        let ok = report.failed == 0 && report.passed > 0;
        files_passing += usize::from(ok);
        match (ok, expected.contains_key(name)) {
            (true, true) => now_passing.push(name.clone()),
            (false, false) => {
                let shown: Vec<_> = report.failures.iter().take(5).cloned().collect();
                unexpected.push(format!("{name}: {} failed\n    {}", report.failed, shown.join("\n    ")));
            }
            _ => {}
        }
    }
    for name in expected.keys() {
        assert!(
            files.iter().any(|(n, _)| n == name),
            "component-model-expected-failures.txt lists `{name}`, which is not in the suite"
        );
    }
    println!(
        "component model directives: {passed} passed, {failed} failed; files: {files_passing} of {} pass",
        files.len()
    );
    assert!(
        unexpected.is_empty() && now_passing.is_empty(),
        "unexpected failures:\n{}\n\nlisted in component-model-expected-failures.txt but now passing (remove them):\n{}",
        unexpected.join("\n"),
        now_passing.join("\n")
    );
}
