//! Chooses how the interpreter dispatches (see `src/exec/dispatch.rs`).
//!
//! With optimisation (opt-level 2, 3, `s` or `z`) and without debug assertions, each
//! instruction handler jumps straight to the next one (`tessera_threaded`): LLVM turns the
//! handler-to-handler call in tail position into a jump. Without optimisation it would stay a
//! call, and with debug assertions the standard library's precondition checks take the
//! address of handler locals, which also keeps it a call; either way every executed
//! instruction would take host stack, so those builds have each handler return to a loop
//! instead.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tessera_threaded)");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    // Cargo only tells build scripts about debug assertions since late 2025, so the code
    // also requires `not(debug_assertions)` itself next to this cfg.
    let debug_assertions = std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_some();
    if matches!(opt.as_str(), "2" | "3" | "s" | "z") && !debug_assertions {
        println!("cargo::rustc-cfg=tessera_threaded");
    }
}
