//! The consumer: a command that imports `example:calculator/calculator` and prints two sums.

wit_bindgen::generate!({ world: "app", path: "../wit" });

use example::calculator::calculator::{add, subtract};

fn main() {
    let (a, b) = (10, 5);
    println!("{a} + {b} = {}", add(a, b));
    println!("{a} - {b} = {}", subtract(a, b));
}
