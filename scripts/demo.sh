#!/usr/bin/env bash
# The README's main job. Installs what is missing, builds kiln and the example
# guests, then starts `kiln serve` with the image-processing example
# (examples/imgproc, C + stb compiled by kiln-cc) deployed as the service
# "imgproc", calls it once to show it works, and keeps serving until Ctrl-C.
#
# Env: KILN_LISTEN (default 127.0.0.1:8080; a busy port falls back to a free
# one), KILN_DEMO_DATA (the registry; default a fresh temporary directory),
# KILN_DEMO_EXIT=1 (stop after the demonstration instead of serving on).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
echo "== building kiln and the examples (make -j$jobs all examples)"
make -s -j"$jobs" all examples

kiln=$root/build/kiln
work=$(mktemp -d)
data=${KILN_DEMO_DATA:-$work/data}
spid=
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { printf '\n$ %s\n' "$*"; }

echo
echo "== kiln run: the example, as a command, on a generated 1600x1200 image"
say "build/kiln run --dir $work::/work build/examples/imgproc.wasm gen 1600x1200 resize 800x600 blur 2 sharpen -o /work/local.png"
"$kiln" run --dir "$work::/work" build/examples/imgproc.wasm gen 1600x1200 resize 800x600 blur 2 sharpen -o /work/local.png
ls -l "$work/local.png" | awk '{print "   wrote local.png, " $5 " bytes"}'

start_server() { # $1 listen address
  "$kiln" serve --listen "$1" --data "$data" >"$work/server.log" 2>&1 &
  spid=$!
  for _ in $(seq 100); do
    url=$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$work/server.log" | head -1)
    [ -n "$url" ] && return 0
    kill -0 "$spid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
listen=${KILN_LISTEN:-127.0.0.1:8080}
echo
echo "== kiln serve: immutable versions behind HTTP"
say "build/kiln serve --listen $listen --data $data &"
if ! start_server "$listen"; then
  # kiln serve exits 1 on a busy address (it never shares a port); anything
  # else that stops it is reported as it is.
  grep -q "already in use" "$work/server.log" || { cat "$work/server.log"; echo "kiln serve did not start" >&2; exit 1; }
  echo "   ($listen is already in use; taking any free port)"
  spid=
  start_server "${listen%:*}:0" || { cat "$work/server.log"; echo "kiln serve did not start" >&2; exit 1; }
fi
cat "$work/server.log"
export KILN_SERVER=$url KILN_DATA=$data

# The deadline is wall-clock time: the first requests run interpreted while
# the server compiles the version to native code on another core, so on a
# small, busy machine the first request may take several seconds.
say "build/kiln deploy build/examples/imgproc.wasm --name imgproc --promote --timeout 30s --max-memory 512MiB"
"$kiln" deploy build/examples/imgproc.wasm --name imgproc --promote --timeout 30s --max-memory 512MiB \
  --message "examples/imgproc from the demo"

"$root/build/examples/imgproc-native" gen 1600x1200 --quality 85 -o "$work/photo.jpg"
say "curl --data-binary @photo.jpg '$url/run/imgproc?resize=800x600&blur=2&sharpen' -o result.png"
code=$(curl -sS --data-binary @"$work/photo.jpg" "$url/run/imgproc?resize=800x600&blur=2&sharpen" \
  -o "$work/result.png" -w '%{http_code}')
magic=$(head -c 4 "$work/result.png" | od -An -c | tr -d ' ')
echo "   HTTP $code, $(wc -c <"$work/result.png") bytes$( [ "$magic" = '211PNG' ] && echo ' of PNG')"
[ "$code" = 200 ] || { echo "the service did not answer 200: $(head -c 300 "$work/result.png")" >&2; exit 1; }

say "build/kiln versions imgproc"
"$kiln" versions imgproc

if [ "${KILN_DEMO_EXIT:-}" = 1 ]; then exit 0; fi
cat <<EOF

== serving at $url — try it from another shell:

   curl --data-binary @your.jpg '$url/run/imgproc?resize=640x0&grayscale&format=jpeg' -o out.jpg
   curl '$url/run/imgproc?gen=800x600&blur=3' -o test.png      # no input: a generated image

   export KILN_SERVER=$url KILN_DATA=$data
   build/kiln deploy NEW.wasm --name imgproc --promote     # a new version goes live
   build/kiln rollback imgproc                             # and back, on the next request
   build/kiln history imgproc                              # every change, who and why
   curl $url/metrics

Press Ctrl-C to stop the server (the registry is in $data and is removed at exit
unless you set KILN_DEMO_DATA).
EOF
wait "$spid"
