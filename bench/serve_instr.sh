#!/usr/bin/env bash
# bench/serve_instr.sh — instructions per request of kiln serve's request
# path, counted by callgrind, for one or more builds and configurations in
# the same run. Instruction counts repeat to well under 1%, so two builds or
# two configurations compare where wall-clock numbers on a shared machine
# do not.
#
# What is counted: libmicrohttpd's access callback on_request (routing,
# auth, queueing the job) and, in builds that run guests on threads of
# their own (guests.c), invoke_handle on the guest thread (resolve, the
# rollout split, the environment, instantiate, run, respond, usage, logs).
# Both inclusive; a build without guest threads calls invoke_handle inside
# on_request, so only on_request is toggled there (callgrind's toggles do
# not nest). The hello-world module (bench/serve_hello.c), interpreter tier;
# counters are zeroed after the deploy and 100 warm-up requests, then N
# requests go over one keep-alive connection.
#
# Configurations (MODES, default "plain full"):
#   plain  one version, no env, no secret, no rollout
#   full   two versions of the module, each with 2 env vars and a secret,
#          a rollout from v1 to v2 at its 50% step (an hour per step: it
#          stays there); requests carry no client key, so each draws a side
# A build whose kiln has no `rollout` command (before issue 13) runs plain
# only.
#
# Usage: bench/serve_instr.sh BUILD_DIR...   (env: N=2000, MODES; each
#        BUILD_DIR has kiln-platform and kiln); e.g.
#        bench/serve_instr.sh /tmp/main/build build
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
n=${N:-2000}
modes=${MODES:-plain full}
[ $# -ge 1 ] || { echo "usage: bench/serve_instr.sh BUILD_DIR..." >&2; exit 2; }
command -v valgrind >/dev/null || { echo "bench/serve_instr.sh: valgrind is missing" >&2; exit 1; }
T=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
"$root/build/kiln-cc" -O2 -o "$T/hello.wasm" "$root/bench/serve_hello.c"
"$root/build/kiln-cc" -O2 -DGREETING='"Hello again from kiln!"' -o "$T/hello2.wasm" "$root/bench/serve_hello.c"
printf 'not-a-real-key-0123456789abcdef' >"$T/secret"
cat >"$T/hit.py" <<'PY'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    c.request("GET", "/run/hello/")
    r = c.getresponse(); r.read()
    if r.status != 200: sys.exit("status %d" % r.status)
PY
first=
printf '%-40s %-6s %14s %8s\n' build config "instr/request" ratio
for b in "$@"; do
    for mode in $modes; do
        if [ "$mode" = full ] && ! "$b/kiln" rollout --help >/dev/null 2>&1; then continue; fi
        tag=$(echo "$b" | tr / _)-$mode
        d=$T/data-$tag
        out=$T/cg.$tag
        toggles=(--toggle-collect=on_request)
        if nm "$b/kiln-platform" 2>/dev/null | grep ' guest_thread$' >/dev/null; then toggles+=(--toggle-collect=invoke_handle); fi
        valgrind --tool=callgrind "${toggles[@]}" --callgrind-out-file="$out.%p" \
            "$b/kiln-platform" serve --listen 127.0.0.1:0 --data "$d" --tier interp --threads 1 >"$T/log" 2>&1 &
        PID=$!
        port=$(server_port "$T/log" 300)
        export KILN_SERVER=http://127.0.0.1:$port KILN_DATA=$d
        if [ "$mode" = plain ]; then
            "$b/kiln" deploy "$T/hello.wasm" --name hello --promote >/dev/null
        else
            cfg=(--env GREETING=hello --env REGION=eu-west-1 --secret API_KEY=@"$T/secret")
            "$b/kiln" deploy "$T/hello.wasm" --name hello --promote "${cfg[@]}" >/dev/null
            "$b/kiln" deploy "$T/hello2.wasm" --name hello "${cfg[@]}" >/dev/null
            "$b/kiln" rollout hello v2 --steps 50,100 --interval 1h >/dev/null
        fi
        unset KILN_SERVER KILN_DATA
        python3 "$T/hit.py" "$port" 100
        callgrind_control -z "$PID" >/dev/null
        python3 "$T/hit.py" "$port" "$n"
        callgrind_control -d "$PID" >/dev/null
        kill "$PID"; wait "$PID" 2>/dev/null || true
        PID=
        # The dump made after the N requests (callgrind_control -d): part 1.
        f=$(ls -v "$out".*.* | tail -1)
        total=$(awk '/^summary:/ { print $2; exit }' "$f")
        per=$(awk -v t="$total" -v n="$n" 'BEGIN { printf "%.0f", t / n }')
        [ -n "$first" ] || first=$per
        printf '%-40s %-6s %14s %8.3f\n' "$b" "$mode" "$per" "$(awk -v a="$per" -v b="$first" 'BEGIN { print a / b }')"
        if [ -n "${KEEP_PROFILES:-}" ]; then cp "$f" "$KEEP_PROFILES/callgrind.$tag"; fi
    done
done
