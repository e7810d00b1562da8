//! Allocates until something stops it.

wit_bindgen::generate!({ world: "plugin", path: "../../wit" });

struct Plugin;

export!(Plugin);

impl Guest for Plugin {
    fn name() -> String {
        "hog".into()
    }

    fn transform(_input: String) -> Result<String, String> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(std::hint::black_box(vec![1u8; 1 << 20]));
        }
    }
}
