#!/usr/bin/env bash
# bench/modcache.sh — the compiled-module cache over many versions (issue 17,
# break 8): /run/hello@vN round-robin over VERSIONS versions (100; each its
# own bytes: the hello module of bench/serve_hello.c with a custom section
# naming N, so each has its own digest and its own cache entry), against
# /run/hello@v1 alone as the reference that never misses, for two kiln builds
# side by side in one run (A B A B ... rounds, so that drift of the machine
# hits both alike). Prints each round, the medians, the ratios and each
# server's cache counters.
#
# Usage: bench/modcache.sh KILN_A KILN_B   (env: VERSIONS=100, ROUNDS=3,
#        BENCH_SECONDS=5, CONNS=4, SERVE_ARGS= extra kiln serve options for B)
# e.g.   (git archive main | tar -x -C /tmp/main && make -C /tmp/main -j2 all)
#        bench/modcache.sh /tmp/main/build/kiln build/kiln
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
A=${1:?usage: bench/modcache.sh KILN_A KILN_B}
B=${2:?usage: bench/modcache.sh KILN_A KILN_B}
versions=${VERSIONS:-100}
rounds=${ROUNDS:-3}
secs=${BENCH_SECONDS:-5}
conns=${CONNS:-4}
for tool in wrk python3 curl; do
    command -v $tool >/dev/null || { echo "bench/modcache.sh: $tool is missing (make deps)" >&2; exit 1; }
done
. "$root/bench/lib.sh"
T=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
"$root/build/kiln-cc" -O2 -o "$T/hello.wasm" "$root/bench/serve_hello.c"
# tag FILE N: FILE's bytes and a custom section named vN (a distinct digest).
tag() {
    python3 -c 'import sys
n = ("v" + sys.argv[2]).encode()
sys.stdout.buffer.write(open(sys.argv[1], "rb").read() + bytes([0, len(n) + 1, len(n)]) + n)' "$1" "$2"
}
for i in $(seq "$versions"); do tag "$T/hello.wasm" "$i" >"$T/hello$i.wasm"; done
cat >"$T/rr.lua" <<EOF
-- Round-robin over /run/hello@v1..v$versions, from a per-thread counter.
local n = 0
request = function()
    n = n % $versions + 1
    return wrk.format("GET", "/run/hello@v" .. n .. "/")
end
EOF

serve() { # label kiln extra-args... -> URL_label
    local label=$1 kiln=$2
    shift 2
    "$kiln" serve --listen 127.0.0.1:0 --data "$T/$label" --tier interp --no-usage "$@" >"$T/$label.log" 2>&1 &
    PIDS+=($!)
    local port
    port=$(server_port "$T/$label.log")
    local tok i
    tok=$(cat "$T/$label/admin.token")
    for i in $(seq "$versions"); do
        curl -sf -o /dev/null -H "Authorization: Bearer $tok" --data-binary @"$T/hello$i.wasm" \
            "http://127.0.0.1:$port/api/v1/modules/hello/versions" || { echo "deploy $i to $label failed" >&2; exit 1; }
    done
    printf -v "URL_$label" %s "http://127.0.0.1:$port"
}
serve A "$A"
# shellcheck disable=SC2086
serve B "$B" ${SERVE_ARGS:-}

rps() { # url [lua] -> requests/s
    local out
    if [ -n "${2:-}" ]; then out=$(wrk -t1 -c"$conns" -d"${secs}s" -s "$2" "$1" 2>&1)
    else out=$(wrk -t1 -c"$conns" -d"${secs}s" "$1" 2>&1); fi
    if grep -q 'Non-2xx' <<<"$out"; then echo "non-2xx answers: $out" >&2; exit 1; fi
    awk '/^Requests\/sec/ { print $2 }' <<<"$out"
}
for s in A B; do # warm-up: every version requested once
    u=URL_$s
    wrk -t1 -c1 -d2s -s "$T/rr.lua" "${!u}" >/dev/null 2>&1
done
: >"$T/res"
for r in $(seq "$rounds"); do
    a1=$(rps "$URL_A/run/hello@v1/"); b1=$(rps "$URL_B/run/hello@v1/")
    an=$(rps "$URL_A/" "$T/rr.lua"); bn=$(rps "$URL_B/" "$T/rr.lua")
    echo "$a1 $an $b1 $bn" >>"$T/res"
    echo "round $r  A: v1 $a1 req/s, round-robin $an req/s   B: v1 $b1 req/s, round-robin $bn req/s"
done
col() { cut -d' ' -f"$1" "$T/res" | median; }
a1=$(col 1) an=$(col 2) b1=$(col 3) bn=$(col 4)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
printf 'medians of %d rounds, %ss each, %d connections, %d versions\n' "$rounds" "$secs" "$conns" "$versions"
printf '  A  /run/hello@v1: %8.0f req/s   round-robin: %8.0f req/s   round-robin / v1: %s\n' "$a1" "$an" "$(ratio "$an" "$a1")"
printf '  B  /run/hello@v1: %8.0f req/s   round-robin: %8.0f req/s   round-robin / v1: %s\n' "$b1" "$bn" "$(ratio "$bn" "$b1")"
printf '  round-robin B / A: %s\n' "$(ratio "$bn" "$an")"
for s in A B; do
    u=URL_$s
    echo "  $s cache: $(curl -s "${!u}/metrics" | grep -E '^kiln_module_cache_[a-z_]+ ' | tr '\n' ' ')"
done
