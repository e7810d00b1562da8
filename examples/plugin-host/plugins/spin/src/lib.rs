//! Never returns: computes forever.

wit_bindgen::generate!({ world: "plugin", path: "../../wit" });

struct Plugin;

export!(Plugin);

impl Guest for Plugin {
    fn name() -> String {
        "spin".into()
    }

    fn transform(input: String) -> Result<String, String> {
        let mut x = input.len() as u64;
        loop {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
}
