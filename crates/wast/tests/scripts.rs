//! Tessera's own spec-style scripts (`tests/scripts/*.wast`) for translator paths the
//! official testsuite reaches only incidentally. Every directive must pass.

#[test]
fn project_scripts_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "wast") {
            let text = std::fs::read_to_string(&path).unwrap();
            let report = tessera_wast::run_script(&path.display().to_string(), &text);
            assert_eq!(report.failed, 0, "{}", report.failures.join("\n"));
            assert!(report.passed > 0);
            ran += 1;
        }
    }
    assert!(ran > 0, "no scripts in {}", dir.display());
}
