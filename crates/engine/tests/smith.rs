//! Robustness on generated modules, on the stable toolchain: the same driver as the
//! `cargo fuzz` target (`fuzz/src/driver.rs`), fed a fixed sequence of pseudo-random inputs so
//! every run checks the same few hundred modules.

#[allow(dead_code)]
mod driver {
    include!("../../../fuzz/src/driver.rs");
}

#[test]
fn generated_modules_validate_and_run_without_panics() {
    // TESSERA_SMITH_CASES and TESSERA_SMITH_SEED widen the search for a long local run.
    let cases: usize = std::env::var("TESSERA_SMITH_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let mut seed: u64 = std::env::var("TESSERA_SMITH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x2545_f491_4f6c_dd1d);
    let mut valid = 0;
    for _ in 0..cases {
        let data: Vec<u8> = (0..4096)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect();
        let Some(bytes) = driver::generate(&data) else { continue };
        if let Err(e) = driver::exercise(&bytes) {
            panic!("wasm-smith produced a module Tessera rejects: {e}");
        }
        valid += 1;
        // The raw input is garbage to the decoder: it must be rejected, not panic.
        let _ = driver::exercise(&data);
    }
    assert!(valid > cases * 8 / 10, "only {valid} of {cases} inputs made modules");
}
