#!/usr/bin/env bash
# Builds the WASI guest programs that crates/wasi's tests run:
#   crates/wasi/tests/fixtures/target/wasm32-wasip1/release/*.wasm
# and the same sources for WASI 0.2 (components), which the p2_* tests run:
#   crates/wasi/tests/fixtures/target/wasm32-wasip2/release/*.wasm
# and the native build of `tree_copy` that the tests compare the guest against:
#   crates/wasi/tests/fixtures/target/release/tree_copy
# and the C guests in crates/wasi/tests/c, built with clang + wasi-libc:
#   crates/wasi/tests/fixtures/target/c/*.wasm
# and the benchmark workloads, whose results the engine tests check:
#   benches/target/wasm32-unknown-unknown/release/wl_*.wasm
# and the Component Model guests that crates/component's tests componentize and run:
#   crates/component/tests/guests/target/wasm32-unknown-unknown/release/{types,resources,host_impl}.wasm
# and the plugin-host example's plugins:
#   examples/plugin-host/plugins/target/wasm32-wasip2/release/*.wasm
# and the wasi:http test guests and examples:
#   crates/http/tests/guests/target/wasm32-wasip2/release/http_test_proxy.wasm
#   examples/http-{hello,relay}/target/wasm32-wasip2/release/http_{hello,relay}.wasm
# and the calculator tutorial's components:
#   examples/calculator/target/wasm32-wasip2/release/{calculator,command-app}.wasm
set -euo pipefail
cd "$(dirname "$0")/../crates/wasi/tests/fixtures"

rustup target add wasm32-wasip1
cargo build --release --target wasm32-wasip1
rustup target add wasm32-wasip2
cargo build --release --target wasm32-wasip2
cargo build --release --bin tree_copy

# C guests, built with Debian's clang and wasi-libc (installed here if missing).
cd ../c
if ! command -v clang >/dev/null || [ ! -f /usr/lib/wasm32-wasi/libc.a ] \
    || ! ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a >/dev/null 2>&1; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq clang lld wasi-libc libclang-rt-14-dev-wasm32 >/dev/null
fi
mkdir -p ../fixtures/target/c
for src in *.c; do
    clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -o "../fixtures/target/c/${src%.c}.wasm" "$src"
done

# The benchmark workloads (benches/workloads, its own workspace): Tessera's tests check their
# results against benches/workloads/EXPECTED. The peer runtimes are not built here.
cd ../../../..
rustup target add wasm32-unknown-unknown
cargo build --release --target wasm32-unknown-unknown --target-dir benches/target \
    --manifest-path benches/workloads/Cargo.toml --workspace --exclude wl-big

# The Component Model guests (crates/component/tests/guests, its own workspace): core modules
# with wit-bindgen's component-type section, which the tests turn into components.
cargo build --release --target wasm32-unknown-unknown \
    --manifest-path crates/component/tests/guests/Cargo.toml --workspace

# The plugin-host example's plugins (examples/plugin-host/plugins, its own workspace):
# components for wasm32-wasip2 that examples/plugin-host's tests load.
cargo build --release --target wasm32-wasip2 --manifest-path examples/plugin-host/plugins/Cargo.toml --workspace

# The wasi:http guests (crates/http/tests/guests, its own workspace) that the `tessera serve`
# tests and the embedding tests serve.
cargo build --release --target wasm32-wasip2 --manifest-path crates/http/tests/guests/Cargo.toml --workspace

# The wasi:http examples, which the `tessera serve` tests serve as the README shows.
cargo build --release --target wasm32-wasip2 --manifest-path examples/http-hello/Cargo.toml
cargo build --release --target wasm32-wasip2 --manifest-path examples/http-relay/Cargo.toml

# The calculator tutorial's two components (examples/calculator, its own workspace), which
# the CLI tests compose and run.
cargo build --release --target wasm32-wasip2 --manifest-path examples/calculator/Cargo.toml --workspace
