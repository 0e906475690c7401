#!/usr/bin/env bash
# The README's main job: installs what is missing, builds kiln and the example
# guests, and runs them: a hello world, then the image-processing example on
# a generated photo-sized image, with a usage summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
echo "== building kiln and the examples (make -j$jobs all examples)"
make -s -j"$jobs" all examples

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo
echo "== build/kiln run build/examples/hello.wasm from the README"
build/kiln run build/examples/hello.wasm from the README

echo
echo "== imgproc (C + stb, compiled with build/kiln-cc) under kiln:"
echo "   generate a 1600x1200 image, resize to 800x600, blur, sharpen, write PNG"
build/kiln run --dir "$out::/out" build/examples/imgproc.wasm \
    gen 1600x1200 resize 800x600 blur 2 sharpen -o /out/result.png
ls -l "$out/result.png" | awk '{print "   wrote result.png, " $5 " bytes"}'
echo
echo "Next: build your own C with build/kiln-cc (see docs/toolchain.md), and run"
echo "it with build/kiln run (see build/kiln run --help)."
