#!/usr/bin/env bash
# bench/serve_instr.sh — instructions per request of kiln serve's request
# handler (libmicrohttpd's access callback, on_request, inclusive: routing,
# resolve, instantiate, run, respond, usage, logs), counted by callgrind, for
# one or more builds in the same run. Instruction counts repeat exactly, so
# two builds compare where wall-clock numbers on a shared machine do not.
# The hello-world module (bench/serve_hello.c) on the interpreter; counters
# are zeroed after the deploy and 100 warm-up requests, then N requests go
# over one keep-alive connection.
#
# Usage: bench/serve_instr.sh BUILD_DIR...   (env: N=2000; each BUILD_DIR
#        has kiln-platform and kiln); e.g.
#        bench/serve_instr.sh /tmp/main/build build
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${N:-2000}
[ $# -ge 1 ] || { echo "usage: bench/serve_instr.sh BUILD_DIR..." >&2; exit 2; }
command -v valgrind >/dev/null || { echo "bench/serve_instr.sh: valgrind is missing" >&2; exit 1; }
T=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
"$root/build/kiln-cc" -O2 -o "$T/hello.wasm" "$root/bench/serve_hello.c"
cat >"$T/hit.py" <<'PY'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    c.request("GET", "/run/hello/")
    r = c.getresponse(); r.read()
    if r.status != 200: sys.exit("status %d" % r.status)
PY
for b in "$@"; do
    d=$T/data-$(echo "$b" | tr / _)
    out=$T/cg.$(echo "$b" | tr / _)
    valgrind --tool=callgrind --toggle-collect=on_request --callgrind-out-file="$out.%p" \
        "$b/kiln-platform" serve --listen 127.0.0.1:0 --data "$d" --tier interp --threads 1 >"$T/log" 2>&1 &
    PID=$!
    port=
    for _ in $(seq 300); do
        port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$T/log")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$T/log" >&2; exit 1; }
    KILN_SERVER=http://127.0.0.1:$port KILN_DATA=$d "$b/kiln" deploy "$T/hello.wasm" --name hello --promote >/dev/null
    python3 "$T/hit.py" "$port" 100
    callgrind_control -z "$PID" >/dev/null
    python3 "$T/hit.py" "$port" "$n"
    callgrind_control -d "$PID" >/dev/null
    kill "$PID"; wait "$PID" 2>/dev/null || true
    PID=
    # The dump made after the N requests (callgrind_control -d): part 1.
    f=$(ls -v "$out".*.* | tail -1)
    total=$(awk '/^summary:/ { print $2; exit }' "$f")
    printf '%-40s %12.0f instructions per request (%s requests)\n' "$b" "$(awk -v t="$total" -v n="$n" 'BEGIN { print t / n }')" "$n"
done
