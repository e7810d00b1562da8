//! Fuzzing support for Tessera; see `driver.rs`.
include!("driver.rs");
