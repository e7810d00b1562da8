#!/usr/bin/env bash
# The serving benchmark (issue #15): the same hello component (examples/http-hello) served by
# `tessera serve` and by `wasmtime serve` 48.0.8, loaded by the same generator (`hey`, from
# Debian), in alternating runs; then a soak run of Tessera at 64 clients, the cost of one
# request without the network (benches/serve-cost), and each server's memory.
#
#   benches/serve.sh                       # 3 rounds of 10 s at 16 clients, a 60 s soak at 64
#   ROUNDS=5 SECS=20 SOAK=120 benches/serve.sh
#
# The first run installs wasmtime-cli into benches/target/peers (about 30 minutes on 2 cores)
# and hey with apt-get. Results are printed and saved to benches/target/serve-results.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
target="$here/target"
rounds=${ROUNDS:-3}
secs=${SECS:-10}
soak=${SOAK:-60}
clients=${CLIENTS:-16}

if ! command -v hey >/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq hey >/dev/null
fi
wasmtime="$target/peers/bin/wasmtime"
if [ ! -x "$wasmtime" ]; then
    echo "installing wasmtime-cli 48.0.8 into $target/peers (once; about 30 minutes)..." >&2
    cargo install --locked wasmtime-cli@48.0.8 --root "$target/peers"
fi
rustup target add wasm32-wasip2 >/dev/null 2>&1 || rustup target add wasm32-wasip2
cargo build --release --target wasm32-wasip2 --manifest-path "$root/examples/http-hello/Cargo.toml"
cargo build --release --manifest-path "$root/Cargo.toml" -p tessera-cli
cargo build --release --target-dir "$target" --manifest-path "$here/Cargo.toml" -p tessera-serve-cost
component="$root/examples/http-hello/target/wasm32-wasip2/release/http_hello.wasm"
tessera="$root/target/release/tessera"
port=18400
url="http://127.0.0.1:$port/hello"

server_pid=""
stop() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap stop EXIT

start() {
    case "$1" in
        tessera) "$tessera" serve --quiet --addr "127.0.0.1:$port" "$component" 2>/dev/null & ;;
        # -S cli: Rust std guests import wasi:cli, which wasmtime serve links only on request.
        wasmtime) "$wasmtime" serve --addr "127.0.0.1:$port" -S cli "$component" >/dev/null 2>&1 & ;;
    esac
    server_pid=$!
    for _ in $(seq 100); do
        curl -sf "$url" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "$1 did not start" >&2
    exit 1
}

# hey's report → "rps p50_ms p99_ms ok failed".
measure() {
    local out
    out=$(hey -z "$1s" -c "$2" "$url")
    echo "$out" | awk '
        /Requests\/sec:/ { rps = $2 }
        /50% in/ { p50 = $3 * 1000 }
        /99% in/ { p99 = $3 * 1000 }
        /Status code distribution/ { codes = 1; errors = 0 }
        /Error distribution/ { errors = 1; codes = 0 }
        codes && /^[ \t]*\[[0-9]+\]/ { c = $1; gsub(/[][]/, "", c); if (c == 200) ok = $2; else bad += $2 }
        errors && /^[ \t]*\[[0-9]+\]/ { n = $1; gsub(/[][]/, "", n); failed += n }
        END { printf "%.0f %.2f %.2f %d %d\n", rps, p50, p99, ok, bad + failed }'
}

rss() {
    awk '/VmRSS/ { r = $2 } /VmHWM/ { h = $2 } END { printf "%.1f %.1f\n", r / 1024, h / 1024 }' "/proc/$1/status"
}

results="$target/serve-results.md"
{
    echo "## Serving benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); load generator and servers share it"
    echo "- Tessera $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), $("$wasmtime" --version)," \
        "hey $(dpkg-query -W -f '${Version}' hey 2>/dev/null || echo '?')"
    echo "- component: examples/http-hello ($(stat -c %s "$component") bytes), \`GET /hello\`; $rounds alternating rounds of ${secs} s at $clients clients"
    echo
    echo "| round | runtime | requests/s | p50 ms | p99 ms | 200s | failed | RSS after, MiB | peak RSS, MiB |"
    echo "|---|---|---|---|---|---|---|---|---|"
} | tee "$results"

declare -A total
for round in $(seq "$rounds"); do
    for runtime in wasmtime tessera; do
        start "$runtime"
        hey -z 1s -c "$clients" "$url" >/dev/null # warm-up
        read -r rps p50 p99 ok failed < <(measure "$secs" "$clients")
        read -r rss_now rss_peak < <(rss "$server_pid")
        stop
        total[$runtime]=$(( ${total[$runtime]:-0} + rps ))
        echo "| $round | $runtime | $rps | $p50 | $p99 | $ok | $failed | $rss_now | $rss_peak |" | tee -a "$results"
    done
done
ratio=$(awk -v t="${total[tessera]}" -v w="${total[wasmtime]}" 'BEGIN { printf "%.2f", t / w }')
{
    echo
    echo "Mean requests/s: Tessera $(( total[tessera] / rounds )), wasmtime $(( total[wasmtime] / rounds )) (Tessera/wasmtime $ratio)."
    echo
} | tee -a "$results"

start tessera
read -r rps p50 p99 ok failed < <(measure "$soak" 64)
read -r rss_now rss_peak < <(rss "$server_pid")
stop
{
    echo "Soak: Tessera, ${soak} s at 64 clients: $rps requests/s, p50 $p50 ms, p99 $p99 ms, $ok answered 200, **$failed failed**; RSS $rss_now MiB after, $rss_peak MiB at peak."
    echo
    echo "One request without the network (a new store and instance, the handler, the body read; \`tessera-serve-cost\`, sequential): $("$target/release/tessera-serve-cost" "$component" 20000)."
} | tee -a "$results"
