#!/usr/bin/env bash
# Builds the guest workloads and the benchmark harness, then runs Tessera, wasmi and wasmtime
# side by side and prints the tables (also saved to benches/target/results.md).
#
#   benches/run.sh                      # everything, median of 5 runs
#   benches/run.sh --runs 9             # more samples
#   benches/run.sh --only fib,sort --skip startup,small,rss
#   benches/run.sh --build-only         # build, don't run
#
# Needs rustup and crates.io access for the first build; nothing is downloaded while running.
# The first build compiles wasmtime with fat LTO: expect 10-20 minutes on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$here/target"
wasm="$target/wasm32-unknown-unknown"

build_only=false
if [[ "${1:-}" == "--build-only" ]]; then
    build_only=true
    shift
fi

if command -v rustup >/dev/null; then
    rustup target add wasm32-unknown-unknown >/dev/null 2>&1 ||
        rustup target add wasm32-unknown-unknown
fi

echo "building workloads (wasm32-unknown-unknown)..." >&2
cargo build --release --target wasm32-unknown-unknown --target-dir "$target" \
    --manifest-path "$here/workloads/Cargo.toml" --workspace --exclude wl-big
cargo build --profile big --target wasm32-unknown-unknown --target-dir "$target" \
    --manifest-path "$here/workloads/Cargo.toml" -p wl-big
echo "building the harness (release, fat LTO)..." >&2
# Both binaries the threading check reads (a bare build makes only the root package's).
cargo build --release --target-dir "$target" --manifest-path "$here/Cargo.toml" -p tessera-bench -p tessera-ab
# Every interpreter handler must continue with a jump in the optimised build (see
# crates/engine/build.rs); the engine's tests check their own build, this the release one.
for bin in tessera-bench tessera-ab; do
    "$here/../scripts/check-threading.sh" "$target/release/$bin" >&2
done

if $build_only; then
    exit 0
fi

{
    echo "## Tessera benchmark run, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)," \
        "$(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo)," \
        "$(uname -sr)"
    echo "- load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- $(rustc --version)"
    commit="$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if ! git -C "$here/.." diff --quiet HEAD -- crates 2>/dev/null; then
        commit="$commit + uncommitted changes in crates/"
    fi
    echo "- Tessera: $commit; peers: $(awk '/^name = "(wasmi|wasmtime)"$/ {n=$3; getline; printf "%s %s, ", n, $3}' \
        "$here/Cargo.lock" | tr -d '"' | sed 's/, $//')"
    echo
} | tee "$target/results.md"

"$target/release/tessera-bench" \
    --wasm-dir "$wasm/release" \
    --big "$wasm/big/wl_big.wasm" \
    --workloads "$here/workloads" \
    "$@" | tee -a "$target/results.md"
exit "${PIPESTATUS[0]}"
