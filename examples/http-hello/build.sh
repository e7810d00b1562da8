#!/usr/bin/env bash
# Builds the hello component with plain `cargo build --target wasm32-wasip2` and, with
# `--serve`, serves it with the `tessera` of this checkout:
#   ./examples/http-hello/build.sh --serve      # then: curl http://127.0.0.1:8080/hi
# The component lands in examples/http-hello/target/wasm32-wasip2/release/http_hello.wasm.
set -euo pipefail
cd "$(dirname "$0")"
rustup target add wasm32-wasip2
cargo build --release --target wasm32-wasip2
echo "built target/wasm32-wasip2/release/http_hello.wasm"
if [ "${1:-}" = "--serve" ]; then
    cargo build --release --quiet --manifest-path ../../Cargo.toml -p tessera-cli
    exec ../../target/release/tessera serve target/wasm32-wasip2/release/http_hello.wasm
fi
