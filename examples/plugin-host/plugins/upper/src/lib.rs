//! Upper-cases its input. Asks for nothing.

wit_bindgen::generate!({ world: "plugin", path: "../../wit" });

struct Plugin;

export!(Plugin);

impl Guest for Plugin {
    fn name() -> String {
        "upper".into()
    }

    fn transform(input: String) -> Result<String, String> {
        Ok(input.to_uppercase())
    }
}
