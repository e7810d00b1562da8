#!/usr/bin/env bash
# The project's one test command (README, .ci/run). Sets up what a fresh machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup component add rustfmt clippy >/dev/null 2>&1 || true

# objdump (binutils): the engine's tests read their own machine code to check that the
# interpreter's handlers jump to each other (scripts/check-threading.sh).
if ! command -v objdump >/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq binutils >/dev/null
fi

# Guest programs for the WASI tests (adds the wasm32-wasip1 and wasm32-wasip2 targets if
# missing).
./scripts/build-fixtures.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace 2>&1 | tee "$log"
# The engine's tests above run the interpreter with direct threading (the test profile
# optimises the engine; see crates/engine/build.rs). Unoptimised builds use the other
# dispatch, where each handler returns to a loop: run the engine and spec tests there too.
cargo test --profile dev -p tessera-engine -p tessera-wast 2>&1 | tee -a "$log"
# One closing line for the whole run (cargo prints one per test binary, the last often a
# doc-test crate with nothing in it). A test that could not run here (the Component Model
# suite without ../shared) prints a `SKIPPED:` line and is counted as skipped, not passed.
awk '/^test result:/ { p += $4; f += $6 } /SKIPPED: / { s += 1; print }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p - s, f, s }' "$log"
