#!/usr/bin/env bash
# Builds the relay component with plain `cargo build --target wasm32-wasip2` and, with
# `--serve`, serves it twice with the `tessera` of this checkout: as the upstream on port
# 8081, and on port 8080 allowed to call only that upstream:
#   ./examples/http-relay/build.sh --serve
#   curl 'http://127.0.0.1:8080/relay?from=127.0.0.1:8081&path=/numbers?lines=100000'
set -euo pipefail
cd "$(dirname "$0")"
rustup target add wasm32-wasip2
cargo build --release --target wasm32-wasip2
wasm=target/wasm32-wasip2/release/http_relay.wasm
echo "built $wasm"
if [ "${1:-}" = "--serve" ]; then
    cargo build --release --quiet --manifest-path ../../Cargo.toml -p tessera-cli
    tessera=../../target/release/tessera
    "$tessera" serve --addr 127.0.0.1:8081 --quiet "$wasm" &
    upstream=$!
    trap 'kill $upstream' EXIT
    "$tessera" serve --addr 127.0.0.1:8080 --allow-outbound http://127.0.0.1:8081 "$wasm"
fi
