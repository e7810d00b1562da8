//! The Component Model scripts of `crates/component/tests/wast/*.wast`: instantiation,
//! linking, every Canonical ABI trap and the resource rules. Every directive must pass; a
//! failure lists each failing directive as `file:line:col: what went wrong`.

#[test]
fn component_scripts_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../component/tests/wast");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wast"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no scripts in {}", dir.display());
    let mut failures = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("readable script");
        let name =
            path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
        let report = tessera_wast::run_script(&name, &text);
        if report.passed == 0 && report.failed == 0 {
            failures.push(format!("{name}: no directives"));
        }
        failures.extend(report.failures);
    }
    assert!(failures.is_empty(), "{} failing directives:\n{}", failures.len(), failures.join("\n"));
}
