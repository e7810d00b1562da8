#!/usr/bin/env bash
# Builds the WASI guest programs that crates/wasi's tests run:
#   crates/wasi/tests/fixtures/target/wasm32-wasip1/release/*.wasm
# and the native build of `tree_copy` that the tests compare the guest against:
#   crates/wasi/tests/fixtures/target/release/tree_copy
set -euo pipefail
cd "$(dirname "$0")/../crates/wasi/tests/fixtures"

rustup target add wasm32-wasip1
cargo build --release --target wasm32-wasip1
cargo build --release --bin tree_copy
