#!/usr/bin/env bash
# Checks that in BINARY every interpreter handler continues to the next one with a jump.
#
# With direct threading (crates/engine/build.rs, `tessera_threaded`) each handler ends by
# calling the next op's handler in tail position. If LLVM leaves any of those as a real call,
# every instruction through that handler takes host stack and a long-running guest overflows
# the host stack. That call is indirect (through the op's handler pointer), so a handler
# containing an indirect `call` through a register or memory (not a RIP-relative one, which
# is a call through the GOT to a named function) is a failure; on aarch64, an indirect
# `blr`. Other architectures are refused rather than passed unchecked.
#
# Usage: scripts/check-threading.sh BINARY   (needs objdump from binutils)
set -euo pipefail
bin=${1:?usage: check-threading.sh BINARY}
command -v objdump >/dev/null || { echo "check-threading: objdump (binutils) is required" >&2; exit 2; }
case "$(uname -m)" in
    x86_64 | aarch64) ;;
    *) echo "check-threading: no indirect-call pattern known for $(uname -m)" >&2; exit 2 ;;
esac
objdump -d --no-show-raw-insn -C "$bin" | awk '
    /^[0-9a-f]+ <.*>:$/ {
        handler = ($0 ~ /tessera_engine::exec::handlers::/) ? $0 : ""
        if (handler != "") handlers++
        next
    }
    handler != "" && ((/callq? +\*/ && !/rip/) || /\tblr\t/) { print "not threaded: " handler " " $0; bad++ }
    END {
        if (handlers == 0) { print "check-threading: no interpreter handlers found in the binary"; exit 1 }
        if (bad > 0) exit 1
        printf "check-threading: %d handlers, each continues with a jump\n", handlers
    }'
