#!/usr/bin/env bash
# The project's one test command (README, .ci/run). Sets up what a fresh machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup component add rustfmt clippy >/dev/null 2>&1 || true

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
