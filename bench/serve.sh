#!/usr/bin/env bash
# bench/serve.sh — kiln serve against nginx, same machine, same run.
#
#   kiln:   a hello-world WAGI module (bench/serve_hello.c) behind kiln serve:
#           every request instantiates the module afresh, runs _start and
#           parses its CGI output
#   nginx:  Debian's nginx serving a static file of the same size as kiln's
#           response body (the ceiling: no code runs per request)
#
# wrk on 127.0.0.1 at concurrency 1 and 64 for BENCH_SECONDS (default 5)
# each: requests/s, p50 and p99 latency. Then kiln's own per-request cost at
# concurrency 1, from the server's timing sample (/api/v1/stats/timings: from
# the request's arrival to its response queued, split into resolve,
# instantiate, run, teardown, respond), and the same phases measured in
# process without HTTP (bench/serve_cost.c), with what the kernel charges for
# a fresh linear memory against a reused one.
#
# Usage: bench/serve.sh   (env: BUILD, BENCH_SECONDS, KILN)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
cd "$root"
build=${BUILD:-build}
secs=${BENCH_SECONDS:-5}
kiln=${KILN:-$root/$build/kiln}
for tool in wrk nginx curl jq; do
    command -v $tool >/dev/null || { echo "bench/serve.sh: $tool is missing (make deps)" >&2; exit 1; }
done
make -s BUILD="$build" all
T=$(mktemp -d)
KPID= NPID=
cleanup() {
    [ -n "$KPID" ] && kill "$KPID" 2>/dev/null && wait "$KPID" 2>/dev/null
    [ -n "$NPID" ] && kill "$NPID" 2>/dev/null && wait "$NPID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

"$root/$build/kiln-cc" -O2 -o "$T/hello.wasm" bench/serve_hello.c
cc -std=gnu11 -O2 -Iinclude -o "$T/serve_cost" bench/serve_cost.c "$root/$build/libkiln.a" \
    -lm -lcjson /usr/lib/x86_64-linux-gnu/libiberty.a -lcrypto -pthread

# ---- kiln
"$kiln" serve --listen 127.0.0.1:0 --data "$T/data" >"$T/kiln.log" 2>&1 &
KPID=$!
kport=$(server_port "$T/kiln.log")
export KILN_SERVER=http://127.0.0.1:$kport KILN_DATA=$T/data
"$kiln" deploy "$T/hello.wasm" --name hello --promote >/dev/null
kurl=$KILN_SERVER/run/hello/
curl -s "$kurl" -o "$T/body"
size=$(stat -c %s "$T/body")
auth=(-H "Authorization: Bearer $(cat "$T/data/admin.token")")

# ---- nginx: its own config and prefix in the temp dir, another loopback port
nport=$(( kport + 1 ))
while curl -s -o /dev/null "http://127.0.0.1:$nport/" 2>/dev/null; do nport=$((nport + 1)); done
mkdir -p "$T/nginx/logs" "$T/nginx/www"
cp "$T/body" "$T/nginx/www/hello.txt"
# nginx's workers drop root for www-data: they must be able to read the file.
chmod 755 "$T" "$T/nginx" "$T/nginx/www"
chmod 644 "$T/nginx/www/hello.txt"
cat >"$T/nginx/nginx.conf" <<EOF
worker_processes $(nproc);
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $T/nginx/tmp;
    proxy_temp_path $T/nginx/tmp;
    fastcgi_temp_path $T/nginx/tmp;
    uwsgi_temp_path $T/nginx/tmp;
    scgi_temp_path $T/nginx/tmp;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$nport;
        root $T/nginx/www;
        default_type text/plain;
    }
}
EOF
nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" 2>"$T/nginx/start.err" &
NPID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$nport/hello.txt" && break; sleep 0.1; done
nurl=http://127.0.0.1:$nport/hello.txt
if ! curl -s "$nurl" | cmp -s "$T/body" -; then
    echo "nginx does not serve the same body:" >&2
    curl -si "$nurl" >&2 || true
    cat "$T/nginx/start.err" "$T/nginx/logs/error.log" >&2 || true
    exit 1
fi

# wrk's latency lines are like "50%  123.00us"; print them in microseconds.
to_us() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); print v} else if (v ~ /ms$/) {sub(/ms/,"",v); print v*1000} else if (v ~ /s$/) {sub(/s/,"",v); print v*1000000}}'; }
run_wrk() { # url connections -> "rps p50_us p99_us errors"
    local out threads=$(( $2 < $(nproc) ? $2 : $(nproc) ))
    out=$(wrk -t"$threads" -c"$2" -d"${secs}s" --latency "$1")
    local rps p50 p99 errs
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out" | to_us)
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out" | to_us)
    errs=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
    printf '%s %s %s %s\n' "$rps" "$p50" "$p99" "${errs:-none}"
}

echo "kiln serve vs nginx — hello world ($size-byte body), wrk on 127.0.0.1, ${secs}s per cell, $(nproc) cores"
printf '%-8s %-5s %12s %12s %12s  %s\n' server conc "req/s" "p50 (us)" "p99 (us)" errors
for c in 1 64; do
    for s in kiln nginx; do
        url=$kurl; [ $s = nginx ] && url=$nurl
        [ $s = kiln ] && [ $c = 1 ] && curl -s "${auth[@]}" "$KILN_SERVER/api/v1/stats/timings?reset=1" >/dev/null
        read -r rps p50 p99 errs < <(run_wrk "$url" $c)
        printf '%-8s %-5s %12s %12s %12s  %s\n' $s $c "$rps" "$p50" "$p99" "$errs"
        if [ $s = kiln ] && [ $c = 1 ]; then
            curl -s "${auth[@]}" "$KILN_SERVER/api/v1/stats/timings" >"$T/timings.json"
        fi
    done
done

echo
echo "kiln's own per-request cost at concurrency 1 (server-side, request arrival to response queued):"
jq -r '"  requests sampled: \(.count)",
       (["total","resolve","instantiate","run","teardown","respond"][] as $p
        | "  \($p | . + " " * (12 - length)) p50 \(.[$p].p50_us) us   p90 \(.[$p].p90_us) us   p99 \(.[$p].p99_us) us")' \
    "$T/timings.json"
echo
echo "the same phases in process, no HTTP (bench/serve_cost.c, 2000 iterations), and the kernel's share:"
"$T/serve_cost" "$T/hello.wasm" 2000 | jq -r '
    "  setup \(.p50_us.setup) us, instantiate \(.p50_us.instantiate) us, run \(.p50_us.run) us, teardown \(.p50_us.teardown) us: total p50 \(.p50_us.total) us",
    "  minor page faults per request (p50): \(.page_faults_p50)",
    "  fresh 8 GiB reservation + 17 pages committed + unmap, nothing touched: \(.os_p50_us.reserve_commit_unmap) us",
    "  the same with 16 pages touched: \(.os_p50_us.reserve_commit_touch16_unmap) us",
    "  reusing one mapping (madvise DONTNEED) and touching 16 pages: \(.os_p50_us.reuse_dontneed_touch16) us",
    "  reusing one resident mapping, reset by memset of its 17 pages (1.1 MiB): \(.os_p50_us.reuse_resident_memset_17pages) us"'
if command -v wasm-objdump >/dev/null; then
    echo "  hello.wasm data segments: $(wasm-objdump -h "$T/hello.wasm" | awk '/Data/ {print $0}' | sed 's/^ *//')"
fi

# ---- a rollout under load: wrk c=16 before (v1 alone), during a rollout
# (its 10% step, held: an hour per step) and after the promote that ends it;
# requests are counted by the version that answered (X-Kiln-Version). The
# 10% step runs in rounds of BENCH_SECONDS until 10,000 requests are in.
"$root/$build/kiln-cc" -O2 -DGREETING='"Hello again from kiln!"' -o "$T/hello2.wasm" bench/serve_hello.c
"$kiln" deploy "$T/hello2.wasm" --name hello >/dev/null
cat >"$T/count.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) new = 0; old = 0; bad = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1
  elseif headers["X-Kiln-Version"] == "v2" then new = new + 1
  else old = old + 1 end
end
function done(summary, latency, requests)
  local n, o, b = 0, 0, 0
  for _, t in ipairs(threads) do n = n + t:get("new"); o = o + t:get("old"); b = b + t:get("bad") end
  io.write(string.format("COUNTS %d %d %d %d %d %.1f\n", n, o, b,
    latency:percentile(50), latency:percentile(99), summary.requests / (summary.duration / 1e6)))
end
LUA
phase() { # name -> one line: requests on v2 / v1, non-2xx, p50, p99, req/s
    local n=0 o=0 b=0 p50=0 p99=0 rps=0 rounds=0 line
    while :; do
        line=$(wrk -t2 -c16 -d"${secs}s" --latency -s "$T/count.lua" "$kurl" | grep '^COUNTS')
        read -r _ n1 o1 b1 p50 p99 rps <<<"$line"
        n=$((n + n1)) o=$((o + o1)) b=$((b + b1)) rounds=$((rounds + 1))
        [ "$1" != during ] || [ $((n + o + b)) -ge 10000 ] || [ $rounds -ge 12 ] && break
    done
    printf '%-8s %8d %8d %8d %7s%% %10s %10s %10s\n' "$1" "$n" "$o" "$b" \
        "$(awk -v n="$n" -v t="$((n + o + b))" 'BEGIN { printf "%.2f", t ? 100 * n / t : 0 }')" "$p50" "$p99" "$rps"
}
echo
echo "a rollout under load: wrk -t2 -c16, ${secs}s rounds (p50/p99 in us and req/s of the last round of a phase)"
printf '%-8s %8s %8s %8s %8s %10s %10s %10s\n' phase "on v2" "on v1" non-2xx share p50 p99 "req/s"
phase before
"$kiln" rollout hello v2 --steps 10,100 --interval 1h >/dev/null
phase during
"$kiln" promote hello v2 >/dev/null
phase after
