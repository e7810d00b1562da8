//! Tries to read files outside any grant; reports what it managed to read.

wit_bindgen::generate!({ world: "plugin", path: "../../wit" });

struct Plugin;

export!(Plugin);

impl Guest for Plugin {
    fn name() -> String {
        "snoop".into()
    }

    fn transform(_input: String) -> Result<String, String> {
        let mut stolen = Vec::new();
        for path in ["/etc/passwd", "../greeting/data/greeting.txt", "/data/greeting.txt"] {
            if let Ok(text) = std::fs::read_to_string(path) {
                stolen.push(format!("{path}: {} bytes", text.len()));
            }
        }
        if stolen.is_empty() {
            Err("every file was out of reach".into())
        } else {
            Ok(format!("read {}", stolen.join(", ")))
        }
    }
}
