#!/usr/bin/env bash
# bench/coremark.sh — CoreMark (EEMBC) natively, under Node (V8), wasm3 and
# kiln, in one run, as iterations per second and as ratios.
#
# Neither CoreMark nor wasm3 is part of kiln: point at checkouts you fetched.
#   COREMARK_DIR=/path/to/eembc/coremark   (required)
#   WASM3=/path/to/wasm3                   (optional: a release build)
#   BENCH_ROUNDS=3                         (runs per engine; the median counts)
#   KILN_VARIANTS="build build-nometer"    (several kiln builds side by side)
#
# The engines run in rounds (native, node, wasm3, kiln, then again), so a
# change in machine load hits every column alike. CoreMark runs each for at
# least 10 s, as its rules require, and reports iterations/s itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. bench/lib.sh
: "${COREMARK_DIR:?set COREMARK_DIR to a checkout of eembc/coremark}"
rounds=${BENCH_ROUNDS:-3}
variants=${KILN_VARIANTS:-build}
out=$root/build/bench
mkdir -p "$out"

for v in $variants; do make -s BUILD="$v" all >/dev/null; done
make -s BUILD=build all >/dev/null

src=(core_list_join.c core_main.c core_matrix.c core_state.c core_util.c posix/core_portme.c)
defs=(-DPERFORMANCE_RUN=1 -DITERATIONS=0)
( cd "$COREMARK_DIR" &&
  cc -O2 "${defs[@]}" -DFLAGS_STR='"gcc -O2"' -Iposix -I. "${src[@]}" -o "$out/coremark-native" &&
  "$root/build/kiln-cc" -O2 "${defs[@]}" -DFLAGS_STR='"clang-16 -O2 wasm32-wasi"' -Iposix -I. "${src[@]}" -o "$out/coremark.wasm" )

declare -A cmd
order=(native node)
cmd[native]="$out/coremark-native"
cmd[node]="node $root/tests/tools/node-wasi.mjs $out/coremark.wasm"
if [ -n "${WASM3:-}" ]; then order+=(wasm3); cmd[wasm3]="$WASM3 $out/coremark.wasm"; fi
for v in $variants; do order+=("kiln:$v"); cmd["kiln:$v"]="$root/$v/kiln run --tier=interp $out/coremark.wasm"; done

declare -A scores
for ((r = 1; r <= rounds; r++)); do
  for e in "${order[@]}"; do
    s=$(${cmd[$e]} 2>&1 | sed -n 's/^Iterations\/Sec *: *//p')
    [ -n "$s" ] || { echo "coremark under $e printed no score" >&2; exit 1; }
    scores[$e]="${scores[$e]:-} $s"
    echo "round $r: $e $s" >&2
  done
done

native=$(echo "${scores[native]}" | median)
printf '%-22s %14s %12s\n' engine "iterations/s" "vs native"
for e in "${order[@]}"; do
  m=$(echo "${scores[$e]}" | median)
  printf '%-22s %14.1f %11.3fx\n' "$e" "$m" "$(awk -v a="$m" -v b="$native" 'BEGIN{print a/b}')"
done
if [ -n "${WASM3:-}" ]; then
  w=$(echo "${scores[wasm3]}" | median)
  for v in $variants; do
    k=$(echo "${scores[kiln:$v]}" | median)
    printf 'kiln (%s) / wasm3 = %.3f\n' "$v" "$(awk -v a="$k" -v b="$w" 'BEGIN{print a/b}')"
  done
fi
