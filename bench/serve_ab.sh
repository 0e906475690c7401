#!/usr/bin/env bash
# bench/serve_ab.sh — per-request cost of two kiln builds side by side, in
# one run: the same hello-world WAGI module (bench/serve_hello.c) behind
# `kiln serve --tier interp` of build A and of build B, driven by wrk at
# concurrency 1 in alternating rounds (A B A B ...), so that drift of the
# machine hits both alike. Prints each round and the medians: requests/s,
# p50 and p99 latency, and B/A.
#
# Usage: bench/serve_ab.sh KILN_A KILN_B   (env: ROUNDS=4, BENCH_SECONDS=5, CONNS=1)
# e.g.   (git archive main | tar -x -C /tmp/main && make -C /tmp/main -j2 all)
#        bench/serve_ab.sh /tmp/main/build/kiln build/kiln
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
A=${1:?usage: bench/serve_ab.sh KILN_A KILN_B}
B=${2:?usage: bench/serve_ab.sh KILN_A KILN_B}
rounds=${ROUNDS:-4}
secs=${BENCH_SECONDS:-5}
conns=${CONNS:-1}
command -v wrk >/dev/null || { echo "bench/serve_ab.sh: wrk is missing (make deps)" >&2; exit 1; }
T=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
"$root/build/kiln-cc" -O2 -o "$T/hello.wasm" "$root/bench/serve_hello.c"

serve() { # label kiln -> URL_label
    "$2" serve --listen 127.0.0.1:0 --data "$T/$1" --tier interp >"$T/$1.log" 2>&1 &
    PIDS+=($!)
    local port
    port=$(server_port "$T/$1.log")
    KILN_SERVER=http://127.0.0.1:$port KILN_DATA=$T/$1 "$2" deploy "$T/hello.wasm" --name hello --promote >/dev/null
    printf -v "URL_$1" %s "http://127.0.0.1:$port/run/hello/"
}
serve A "$A"
serve B "$B"
us() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v + 0 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 } else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1e6 } }'; }
run() { # url -> "rps p50 p99"
    local out
    out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency "$1" 2>&1)
    if grep -q 'Non-2xx' <<<"$out"; then echo "non-2xx answers: $out" >&2; exit 1; fi
    echo "$(awk '/^Requests\/sec/ { print $2 }' <<<"$out") $(us "$(awk '$1 == "50%" { print $2 }' <<<"$out")") $(us "$(awk '$1 == "99%" { print $2 }' <<<"$out")")"
}
wrk -t1 -c"$conns" -d2s "$URL_A" >/dev/null 2>&1; wrk -t1 -c"$conns" -d2s "$URL_B" >/dev/null 2>&1  # warm-up
: >"$T/A.txt"; : >"$T/B.txt"
for r in $(seq "$rounds"); do
    a=$(run "$URL_A"); b=$(run "$URL_B")
    echo "$a" >>"$T/A.txt"; echo "$b" >>"$T/B.txt"
    echo "round $r  A: $a   B: $b   (rps p50_us p99_us)"
done
for i in 1 2 3; do
    ma=$(cut -d' ' -f$i "$T/A.txt" | median); mb=$(cut -d' ' -f$i "$T/B.txt" | median)
    name=$(echo "rps p50_us p99_us" | cut -d' ' -f$i)
    printf '%-7s A %10.1f   B %10.1f   B/A %.3f\n' "$name" "$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN { print b / a }')"
done
