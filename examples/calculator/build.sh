#!/usr/bin/env bash
# The calculator tutorial, every step with a `tessera` command:
#   1. build the provider and the consumer components for wasm32-wasip2,
#   2. `tessera compose` plugs the provider into the consumer,
#   3. `tessera run` runs the composed command.
# Outputs land in examples/calculator/target/: calculator.wasm, command-app.wasm, composed.wasm.
set -euo pipefail
cd "$(dirname "$0")"
# The tessera binary of this checkout (a debug build: quick to compile, fast enough here).
cargo build --quiet --manifest-path ../../Cargo.toml -p tessera-cli
TESSERA=../../target/debug/tessera
rustup target add wasm32-wasip2
cargo build --release --target wasm32-wasip2
out=target/wasm32-wasip2/release
cp "$out/calculator.wasm" "$out/command-app.wasm" target/
echo "+ tessera wit target/calculator.wasm  (the provider's world)"
"$TESSERA" wit target/calculator.wasm | sed -n '/^world/,/^}/p'
echo "+ tessera compose target/command-app.wasm --plug target/calculator.wasm -o target/composed.wasm"
"$TESSERA" compose target/command-app.wasm --plug target/calculator.wasm -o target/composed.wasm
echo "+ tessera run target/composed.wasm"
"$TESSERA" run target/composed.wasm
