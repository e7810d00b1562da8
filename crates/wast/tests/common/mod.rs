//! What the conformance tests share: reading an expected-failures list.

use std::collections::BTreeMap;

/// The files an expected-failures list names, with their reasons: one `dir/file.wast  reason`
/// per line; blank lines and `#` comments skipped.
///
/// # Panics
/// If an entry gives no reason.
pub fn expected_failures(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (file, reason) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let reason = reason.trim().trim_start_matches('#').trim();
        assert!(!reason.is_empty(), "expected failure `{file}` must give a reason");
        out.insert(file.to_string(), reason.to_string());
    }
    out
}
