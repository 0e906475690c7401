#!/usr/bin/env bash
# scripts/serve-demo.sh — kiln serve in two minutes: starts a server in the
# background on a free port with a temporary data directory, deploys a
# hello-world WAGI module, a second version, promotes, rolls back, shows the
# history and the metrics, and stops the server. Pieces for the README's demo.
# Usage: scripts/serve-demo.sh   (env: BUILD, default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
kiln=$PWD/$build/kiln
make -s -j"$(nproc 2>/dev/null || echo 2)" BUILD="$build" all
T=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"' EXIT
say() { printf '\n$ %s\n' "$*"; }

"$build/kiln-cc" -O2 -o "$T/hello-v1.wasm" bench/serve_hello.c
"$build/kiln-cc" -O2 -DGREETING='"Hello again, from version 2!"' -o "$T/hello-v2.wasm" bench/serve_hello.c

say "kiln serve --listen 127.0.0.1:0 --data $T/data &"
"$kiln" serve --listen 127.0.0.1:0 --data "$T/data" >"$T/server.log" 2>&1 &
SPID=$!
for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$T/server.log")
    [ -n "$port" ] && break
    sleep 0.1
done
cat "$T/server.log"
export KILN_SERVER=http://127.0.0.1:$port KILN_DATA=$T/data
run() { say "$*"; "$@"; }
run "$kiln" deploy "$T/hello-v1.wasm" --name hello --promote --message "first version"
run curl -s "$KILN_SERVER/run/hello/"
run "$kiln" deploy "$T/hello-v2.wasm" --name hello --message "a new greeting"
run "$kiln" promote hello v2 --reason "ship the new greeting"
run curl -s "$KILN_SERVER/run/hello/"
run "$kiln" rollback hello --reason "customers prefer the old one"
run curl -s "$KILN_SERVER/run/hello/"
run curl -s "$KILN_SERVER/run/hello@v2/"
run "$kiln" versions hello
run "$kiln" history hello
say "curl -s $KILN_SERVER/metrics | grep -E '^kiln_(requests_total|live_version_info)'"
curl -s "$KILN_SERVER/metrics" | grep -E '^kiln_(requests_total|live_version_info)'
