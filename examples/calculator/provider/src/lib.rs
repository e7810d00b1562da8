//! The provider: implements `example:calculator/calculator`.

wit_bindgen::generate!({ world: "provider", path: "../wit" });

use exports::example::calculator::calculator::Guest;

struct Calculator;

impl Guest for Calculator {
    fn add(a: u32, b: u32) -> u32 {
        a.checked_add(b).unwrap_or_else(|| panic!("add overflows: {a} + {b}"))
    }

    fn subtract(a: u32, b: u32) -> u32 {
        // The interface returns a plain u32: an underflow must not wrap around silently, so
        // the provider traps with a message (printed to stderr) instead.
        a.checked_sub(b).unwrap_or_else(|| panic!("subtract underflows: {a} - {b}"))
    }
}

export!(Calculator);
