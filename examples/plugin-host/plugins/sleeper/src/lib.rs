//! Sleeps far longer than any deadline.

wit_bindgen::generate!({ world: "plugin", path: "../../wit" });

struct Plugin;

export!(Plugin);

impl Guest for Plugin {
    fn name() -> String {
        "sleeper".into()
    }

    fn transform(input: String) -> Result<String, String> {
        std::thread::sleep(std::time::Duration::from_secs(3600));
        Ok(input)
    }
}
