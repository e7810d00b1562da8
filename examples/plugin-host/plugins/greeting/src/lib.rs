//! Greets its input with the text of /data/greeting.txt (a read-only grant).

wit_bindgen::generate!({ world: "plugin", path: "../../wit" });

struct Plugin;

export!(Plugin);

impl Guest for Plugin {
    fn name() -> String {
        "greeting".into()
    }

    fn transform(input: String) -> Result<String, String> {
        let greeting = std::fs::read_to_string("/data/greeting.txt").map_err(|e| format!("no greeting: {e}"))?;
        // The grant is read-only: writing must fail, and the plugin says so if it does not.
        if std::fs::write("/data/greeting.txt", "overwritten").is_ok() {
            return Err("could write to a read-only grant".into());
        }
        Ok(format!("{}, {input}!", greeting.trim()))
    }
}
