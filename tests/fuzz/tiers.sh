#!/usr/bin/env bash
# tiers.sh — differential check of the two tiers: wasm-opt -ttf modules from
# fixed pseudo-random bytes (seed S becomes 1,000-8,000 bytes of AES-CTR
# output keyed by S), each run by tests/fuzz/diffrun on the interpreter and
# on the native tier with every export called; the outputs (results, traps,
# the arguments imports saw) and the fuel consumed must be identical.
#
# Usage: tiers.sh [-n COUNT] [-s FIRST_SEED] [-j JOBS] [-k DIFFRUN] [-o FINDINGS] [-f FEATURES]
# FEATURES: more wasm-opt flags for the modules, e.g. "--enable-simd" (the
# v128 operations, which native code compiles for this CPU's extensions
# while the interpreter keeps the x86-64 baseline).
# Prints "ok"/"not ok" lines (TAP, as tests/suites/native reads them): one
# per difference, then a summary with the seed range. A differing module is
# kept in FINDINGS (default $build/fuzz/tier-findings). Exits 1 on any
# difference. `make tierfuzz TIER_N=10000` is the long run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
count=8 first=1 jobs=1 diffrun="$root/build/fuzz/diffrun" findings="" features=""
while getopts "n:s:j:k:o:f:" o; do
  case $o in
    n) count=$OPTARG ;; s) first=$OPTARG ;; j) jobs=$OPTARG ;; k) diffrun=$OPTARG ;; o) findings=$OPTARG ;;
    f) features=$OPTARG ;;
    *) echo "usage: tiers.sh [-n COUNT] [-s FIRST_SEED] [-j JOBS] [-k DIFFRUN] [-o FINDINGS] [-f FEATURES]" >&2; exit 2 ;;
  esac
done
number() { case $2 in ''|*[!0-9]*) echo "tiers.sh: $1 wants a number, not '$2'" >&2; exit 2 ;; esac; }
number -n "$count"
number -s "$first"
number -j "$jobs"
[ "$jobs" -ge 1 ] || jobs=1
for t in wasm-opt openssl "$diffrun"; do
  command -v "$t" >/dev/null || { echo "tiers.sh: $t is missing (make test-bins builds diffrun)" >&2; exit 2; }
done
findings=${findings:-$(dirname "$diffrun")/tier-findings}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One seed: prints "same", "skip" (wasm-opt made no module) or "differ" plus
# the first lines of the difference, into $tmp/r/SEED.
one() {
  local seed=$1 d="$tmp/w$seed"
  mkdir -p "$d"
  head -c $((1000 + (seed % 8) * 1000)) /dev/zero |
    openssl enc -aes-128-ctr -K "$(printf '%032x' "$seed")" -iv 0 2>/dev/null >"$d/in.bin"
  # shellcheck disable=SC2086 # FEATURES is a list of flags
  if ! wasm-opt -ttf "$d/in.bin" -o "$d/m.wasm" --disable-reference-types $features 2>/dev/null; then
    echo skip >"$tmp/r/$seed"; rm -rf "$d"; return
  fi
  timeout 60 "$diffrun" --print-fuel --fuel 50000000 "$d/m.wasm" >"$d/i.txt" 2>/dev/null
  timeout 120 "$diffrun" --native --print-fuel --fuel 50000000 "$d/m.wasm" >"$d/n.txt" 2>"$d/n.err"
  if cmp -s "$d/i.txt" "$d/n.txt"; then echo same >"$tmp/r/$seed"
  else
    { echo differ; diff "$d/i.txt" "$d/n.txt" | head -6; head -3 "$d/n.err"; } >"$tmp/r/$seed"
    mkdir -p "$findings" && cp "$d/m.wasm" "$findings/ttf-$seed.wasm"
  fi
  rm -rf "$d"
}

mkdir -p "$tmp/r"
last=$((first + count - 1))
for ((seed = first; seed <= last; seed++)); do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  one "$seed" &
done
wait

same=0 ran=0 differ=0
for ((seed = first; seed <= last; seed++)); do
  r=$(head -1 "$tmp/r/$seed" 2>/dev/null || echo lost)
  case $r in
    skip) ;;
    same) ran=$((ran + 1)); same=$((same + 1)) ;;
    *) ran=$((ran + 1)); differ=$((differ + 1))
       echo "not ok - wasm-opt -ttf seed $seed: the tiers differ (module kept in $findings)"
       tail -n +2 "$tmp/r/$seed" 2>/dev/null | sed 's/^/#   /' ;;
  esac
done
if [ "$ran" -gt 0 ] && [ "$same" = "$ran" ]; then
  echo "ok - wasm-opt -ttf seeds $first-$last: $same of $ran modules identical on both tiers (outputs and fuel)"
else
  echo "not ok - wasm-opt -ttf seeds $first-$last: $same of $ran modules identical on both tiers (outputs and fuel)"
  exit 1
fi
