#!/usr/bin/env bash
# bench/delivery.sh — what usage aggregation (metering each request, the
# buffer push, the background flushes) adds to request latency: kiln serve
# with aggregation on against `--no-usage`, the hello-world module of
# bench/serve.sh, wrk on 127.0.0.1 at concurrency 64.
#
# Runs alternate (on, off, off, on, on, off, ...), each against a freshly started
# server whose data directory already holds the module, so drift of the
# machine hits both sides alike; the report is the median of each side's
# mean, p50 and p99 latency (as wrk reports them), requests/s and the server's CPU time per request
# (utime+stime of the kiln process over the run / requests: at concurrency
# 64 on a saturated server, latency is concurrency / throughput, and
# throughput is cores / CPU per request, so the CPU per request is the
# least noisy measure of what aggregation adds), and the relative difference.
#
# Usage: bench/delivery.sh   (env: BUILD, RUNS (default 7), BENCH_SECONDS (5),
#                             CONC (64), KILN)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
cd "$root"
build=${BUILD:-build}
runs=${RUNS:-7}
secs=${BENCH_SECONDS:-5}
conc=${CONC:-64}
kiln=${KILN:-$root/$build/kiln}
for tool in wrk curl jq python3; do
    command -v $tool >/dev/null || { echo "bench/delivery.sh: $tool is missing (make deps)" >&2; exit 1; }
done
make -s BUILD="$build" all
T=$(mktemp -d)
KPID=
cleanup() {
    [ -n "$KPID" ] && kill "$KPID" 2>/dev/null && wait "$KPID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
"$root/$build/kiln-cc" -O2 -o "$T/hello.wasm" bench/serve_hello.c

start() { # extra flags
    "$kiln" serve --listen 127.0.0.1:0 --data "$T/data" "$@" >"$T/kiln.log" 2>&1 &
    KPID=$!
    port=$(server_port "$T/kiln.log")
    export KILN_SERVER=http://127.0.0.1:$port KILN_DATA=$T/data
}
stop() { kill "$KPID"; wait "$KPID" 2>/dev/null || true; KPID=; }

start
"$kiln" deploy "$T/hello.wasm" --name hello --promote >/dev/null
stop

to_us() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); print v} else if (v ~ /ms$/) {sub(/ms/,"",v); print v*1000} else if (v ~ /s$/) {sub(/s/,"",v); print v*1000000}}'; }
hz=$(getconf CLK_TCK)
one_run() { # flags... -> "rps p50_us p99_us cpu_us_per_request mean_us server_p50_us server_mean_us"
    start "$@"
    curl -s -o /dev/null "$KILN_SERVER/run/hello/" # compile cache warm
    local out c0 c1
    c0=$(awk '{print $14 + $15}' "/proc/$KPID/stat")
    out=$(wrk -t"$(nproc)" -c"$conc" -d"${secs}s" --latency "$KILN_SERVER/run/hello/")
    c1=$(awk '{print $14 + $15}' "/proc/$KPID/stat")
    # The server's own time per request (arrival to response queued), over
    # its timing sample of the last requests.
    local sv
    sv=$(curl -s -H "Authorization: Bearer $(cat "$T/data/admin.token")" "$KILN_SERVER/api/v1/stats/timings" |
         jq -r '"\(.total.p50_us) \(.total.mean_us)"')
    stop
    local rps p50 p99 n cpu mean
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out" | to_us)
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out" | to_us)
    mean=$(awk '$1 == "Latency" {print $2; exit}' <<<"$out" | to_us)
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    cpu=$(python3 -c "print(round(($c1 - $c0) * 1e6 / $hz / $n, 2))")
    if grep -q 'Non-2xx' <<<"$out"; then echo "non-2xx answers:" >&2; echo "$out" >&2; exit 1; fi
    echo "$rps $p50 $p99 $cpu $mean $sv"
}

echo "kiln serve, hello world, wrk -c$conc on 127.0.0.1, ${secs}s per run, $runs runs per side, alternating; $(nproc) cores"
printf '%-4s %-9s %12s %12s %12s %14s %12s %14s %14s\n' run usage "req/s" "p50 (us)" "p99 (us)" "server CPU/req" "mean (us)" "server p50 us" "server mean us"
: >"$T/on"; : >"$T/off"
side() { # i on|off
    local r
    if [ "$2" = on ]; then r=$(one_run); else r=$(one_run --no-usage); fi
    echo "$r" >>"$T/$2"
    printf '%-4s %-9s %12s %12s %12s %11s us %12s %14.2f %14.2f\n' "$1" "$2" $r
}
# ABBA order (on, off, off, on, ...): a drift of the machine during the
# series then favours neither side.
for i in $(seq "$runs"); do
    if ((i % 2)); then side "$i" on; side "$i" off; else side "$i" off; side "$i" on; fi
done
# The usage really was aggregated in the "on" runs: every request is in the registry.
start
total=$(curl -s -H "Authorization: Bearer $(cat "$T/data/admin.token")" "$KILN_SERVER/api/v1/modules/hello/cost?since=1d" |
        jq '[.modules[0].versions[].requests] | add')
stop
python3 - "$T/on" "$T/off" "$total" <<'EOF'
import statistics, sys
on = [list(map(float, l.split())) for l in open(sys.argv[1])]
off = [list(map(float, l.split())) for l in open(sys.argv[2])]
med = lambda rows, k: statistics.median(r[k] for r in rows)
print()
print(f"{'median':<14}{'req/s':>12}{'mean (us)':>12}{'p50 (us)':>12}{'p99 (us)':>12}{'CPU/req (us)':>14}{'server p50':>12}{'server mean':>12}")
for name, rows in (("usage on", on), ("usage off", off)):
    print(f"{name:<14}{med(rows,0):>12.0f}{med(rows,4):>12.1f}{med(rows,1):>12.1f}{med(rows,2):>12.1f}{med(rows,3):>14.2f}{med(rows,5):>12.2f}{med(rows,6):>12.2f}")
pct = lambda k: (med(on, k) / med(off, k) - 1) * 100
print(f"{'on vs off':<14}{pct(0):>+11.2f}%{pct(4):>+11.2f}%{pct(1):>+11.2f}%{pct(2):>+11.2f}%{pct(3):>+13.2f}%{pct(5):>+11.2f}%{pct(6):>+11.2f}%")
print(f"requests recorded in the registry by the 'on' runs: {sys.argv[3]} (warm-up requests included)")
EOF

# The request path's added work in process, without HTTP (bench/agg_cost.c).
cc -std=gnu11 -O2 -Iinclude -Isrc -o "$T/agg_cost" bench/agg_cost.c \
    $build/src/platform/agg.o $build/src/platform/usage_db.o $build/src/platform/delivery_calc.o \
    $build/src/platform/registry.o $build/src/platform/metrics.o "$build/libkiln.a" \
    -lsqlite3 -lcjson -lm /usr/lib/x86_64-linux-gnu/libiberty.a -pthread
mkdir -p "$T/aggdata"
echo
echo "in process (bench/agg_cost.c): what aggregation adds to one request"
"$T/agg_cost" "$T/aggdata" | jq -r '
  "  store + WASI counters read:        \(.store_and_wasi_reads_ns) ns",
  "  agg_push, two threads at once:     \(.agg_push_ns_two_threads) ns",
  "  kiln_meter start+stop (CPU clock): \(.meter_pair_ns) ns, on 1 request in 64",
  "  added per request:                 \(.added_per_request_ns_at_1_in_64) ns",
  "  (a flush of 2,000 records:         \(.flush_of_2000_records_s * 1000) ms on the aggregation thread)"'
