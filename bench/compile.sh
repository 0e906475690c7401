#!/usr/bin/env bash
# bench/compile.sh — the native tier's compile time: `kiln compile` of each
# module into a fresh cache (gcc -O2), wall and CPU seconds (the compilers
# are kiln's children, so CPU is theirs), MB of wasm per wall second, and
# the parts the C was split into. With KILN_REF=path/to/another/kiln, the
# same for that binary in the same run, rounds interleaved, and the ratio.
#
# Usage: bench/compile.sh MODULE.wasm...   (default: build/examples' imgproc,
#        imgproc-simd, stl_tour)
# Env:   KILN (default build/kiln), KILN_REF, BENCH_ROUNDS (default 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
kiln=${KILN:-$root/build/kiln}
ref=${KILN_REF:-}
rounds=${BENCH_ROUNDS:-2}
[ -x "$kiln" ] || { echo "bench/compile.sh: no kiln at $kiln (make)" >&2; exit 1; }
[ -z "$ref" ] || [ -x "$ref" ] || { echo "bench/compile.sh: KILN_REF=$ref is not executable" >&2; exit 1; }
mods=("$@")
[ ${#mods[@]} -gt 0 ] || mods=("$root"/build/examples/{imgproc,imgproc-simd,stl_tour}.wasm)
for m in "${mods[@]}"; do [ -f "$m" ] || { echo "bench/compile.sh: no module $m (make examples)" >&2; exit 1; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one BIN MODULE: "wall cpu parts" of a compile into an empty cache.
one() {
    rm -rf "$tmp/cache"
    local out
    out=$( { /usr/bin/time -f "%e %U %S" "$1" compile --cache "$tmp/cache" "$2" >"$tmp/out"; } 2>&1 | tail -1) ||
        { cat "$tmp/out" >&2; echo "bench/compile.sh: $1 compile $2 failed" >&2; exit 1; }
    local parts
    parts=$(grep -o 'in [0-9]* parts' "$tmp/out" | grep -o '[0-9]*' || echo 1)
    echo "$out" | awk -v p="$parts" '{printf "%s %.2f %s\n", $1, $2 + $3, p}'
}

echo "kiln compile, gcc -O2, $(nproc) CPUs, $rounds rounds (medians); $(date -u +%FT%TZ)"
printf '| module | wasm MB | bin | parts | wall s | CPU s | MB/s |\n|---|---:|---|---:|---:|---:|---:|\n'
for m in "${mods[@]}"; do
    bins=("$kiln"); [ -n "$ref" ] && bins=("$ref" "$kiln")
    : >"$tmp/res"
    for _ in $(seq "$rounds"); do
        for b in "${bins[@]}"; do echo "$b $(one "$b" "$m")" >>"$tmp/res"; done
    done
    mb=$(stat -c %s "$m" | awk '{printf "%.2f", $1 / 1e6}')
    for b in "${bins[@]}"; do
        wall=$(awk -v b="$b" '$1 == b {print $2}' "$tmp/res" | median)
        cpu=$(awk -v b="$b" '$1 == b {print $3}' "$tmp/res" | median)
        parts=$(awk -v b="$b" '$1 == b {print $4}' "$tmp/res" | tail -1)
        name=$([ "$b" = "$kiln" ] && echo kiln || echo ref)
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$(basename "$m")" "$mb" "$name" "$parts" "$wall" "$cpu" \
            "$(awk -v a="$mb" -v w="$wall" 'BEGIN {printf "%.3f", a / w}')"
    done
done
