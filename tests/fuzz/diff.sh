#!/usr/bin/env bash
# diff.sh — differential fuzzing of kiln against V8 (Node). For each seed,
# fixed pseudo-random bytes become a module through binaryen's wasm-opt
# -ttf, three times: with reference types (binaryen 108 often emits invalid
# code there: both engines must then reject it), without, and without but
# optimized by wasm-opt -O2. Each
# module runs on kiln (diffrun, with guard-page bounds checks and again with
# explicit checks) and on Node (diffrun.mjs); the outputs must match.
#
# Usage: diff.sh [-n COUNT] [-s FIRST_SEED] [-k DIFFRUN] [-o FINDINGS] [-f DIR] [-q]
# Prints one line per difference and a summary; exits 1 when any is found.
#
# Deliberate normalisations (why outputs may otherwise differ legitimately):
#  - NaN bit patterns: any NaN prints as f32:nan / f64:nan.
#  - Call depth: engines exhaust their stacks at different depths, so the
#    comparison stops at the first "trap stack" on either side (state seen
#    after it, e.g. globals the recursion bumped, may differ).
#  - kiln's fuel or deadline and a killed Node process: the comparison
#    stops there too (kiln runs without fuel and with a 10 s deadline).
#  - Trap kinds are compared as classes (diffrun.c, trap_class).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
count=100 seed=1 diffrun="$root/build/fuzz/diffrun" findings="$root/build/fuzz/findings" quiet=0 fromdir=""
while getopts "n:s:k:o:f:q" o; do
  case $o in
    n) count=$OPTARG ;; s) seed=$OPTARG ;; k) diffrun=$OPTARG ;; o) findings=$OPTARG ;; q) quiet=1 ;;
    f) fromdir=$OPTARG ;;
    *) echo "usage: diff.sh [-n COUNT] [-s FIRST_SEED] [-k DIFFRUN] [-o FINDINGS] [-f DIR] [-q]" >&2; exit 2 ;;
  esac
done
# -f DIR: compare on the files in DIR instead (a libFuzzer corpus, say:
# mostly invalid modules, so this checks that both engines accept and
# reject the same ones).
files=()
if [ -n "$fromdir" ]; then
  for f in "$fromdir"/*; do [ -f "$f" ] && files+=("$f"); done
  seed=0 count=${#files[@]}
fi
for t in wasm-opt node openssl "$diffrun"; do
  command -v "$t" >/dev/null || { echo "diff.sh: $t not found" >&2; exit 2; }
done
mkdir -p "$findings"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

FEATURES="--enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals
  --enable-bulk-memory --enable-multivalue --disable-simd --disable-threads --disable-gc
  --disable-exception-handling --disable-tail-call --disable-memory64
  --disable-typed-function-references --disable-gc-nn-locals --disable-relaxed-simd
  --disable-extended-const"

# Fixed pseudo-random bytes for a seed: AES-CTR of zeros under a key made
# from it (openssl is on every machine; the stream is the same everywhere).
bytes() { head -c "$2" /dev/zero | openssl enc -aes-128-ctr -K "$(printf '%032x' "$1")" -iv 0 2>/dev/null; }

# NaNs to one spelling: exponent all ones and a mantissa that is not zero
# (an infinity is set aside first so that the NaN pattern can be simple).
canon() {
  sed -E -e 's/f32:0x([7f])f800000/f32:inf\1/g; s/f32:0x[7f]f[89a-f][0-9a-f]{5}/f32:nan/g' \
         -e 's/f64:0x([7f])ff0000000000000/f64:inf\1/g; s/f64:0x[7f]ff[0-9a-f]{13}/f64:nan/g' "$1"
}

# compare A B: prints the first differing line pair and returns 1, or 0.
# Both are cut before the first stack/fuel/timeout trap on either side, and
# to the shorter one's length when a process was killed ($3 = 1).
compare() {
  cmp -s "$1" "$2" && return 0
  canon "$1" >"$tmp/a"; canon "$2" >"$tmp/b"
  local cut
  cut=$(awk '/^trap (stack|fuel|timeout)$/ {print FNR; nextfile}' "$tmp/a" "$tmp/b" | sort -n | head -1)
  if [ "${3:-0}" = 1 ]; then
    local la lb; la=$(wc -l <"$tmp/a"); lb=$(wc -l <"$tmp/b")
    local m=$(( (la < lb ? la : lb) + 1 ))
    if [ -z "$cut" ] || [ "$m" -lt "$cut" ]; then cut=$m; fi
  fi
  if [ -n "$cut" ]; then
    head -n $((cut - 1)) "$tmp/a" >"$tmp/a2"; head -n $((cut - 1)) "$tmp/b" >"$tmp/b2"
  else
    cp "$tmp/a" "$tmp/a2"; cp "$tmp/b" "$tmp/b2"
  fi
  cmp -s "$tmp/a2" "$tmp/b2" && return 0
  diff "$tmp/a2" "$tmp/b2" | grep -E '^[<>]' | head -4 | tr '\n' ' '
  return 1
}

# Modules are made and run in batches: one Node process runs a whole batch
# (its start-up time is most of a run); a module whose output is not
# complete (no "end" line: Node died or hung) is run again on its own.
batch=${DIFF_BATCH:-25}
modules=0 compared=0 differ=0 invalid=0 killed=0 crashed=0
for ((b = seed; b < seed + count; b += batch)); do
  rm -rf "$tmp/w"; mkdir -p "$tmp/w"
  list=()
  for ((s = b; s < b + batch && s < seed + count; s++)); do
    if [ -n "$fromdir" ]; then cp "${files[s]}" "$tmp/w/$s-file.wasm" && list+=("$tmp/w/$s-file.wasm"); continue; fi
    bytes "$s" $((1000 + (s % 8) * 1000)) >"$tmp/in"
    for variant in ref noref opt; do
      flags=$FEATURES
      case $variant in
        ref) flags="$flags --enable-reference-types" ;;
        noref) flags="$flags --disable-reference-types" ;;
        # The same module optimized by binaryen: tighter code with the
        # local/branch/select shapes kiln's compiler fuses.
        opt) flags="$flags --disable-reference-types -O2" ;;
      esac
      # shellcheck disable=SC2086
      wasm-opt -ttf "$tmp/in" -o "$tmp/w/$s-$variant.wasm" $flags 2>/dev/null && list+=("$tmp/w/$s-$variant.wasm")
    done
  done
  [ ${#list[@]} -gt 0 ] || continue
  timeout $((60 + 10 * ${#list[@]})) node "$here/diffrun.mjs" --batch "${list[@]}" >/dev/null 2>"$tmp/w/node.err"
  for m in "${list[@]}"; do
    modules=$((modules + 1))
    name=$(basename "$m" .wasm); s=${name%-*}; variant=${name#*-}
    k=0 nrc=0
    if [ "$(tail -n 1 "$m.v8" 2>/dev/null)" != end ]; then
      timeout 60 node "$here/diffrun.mjs" --batch "$m" >/dev/null 2>"$tmp/v8.err"; nrc=$?
    fi
    [ "$(tail -n 1 "$m.v8" 2>/dev/null)" = end ] && sed '$d' "$m.v8" >"$tmp/v8" || cp "$m.v8" "$tmp/v8" 2>/dev/null || : >"$tmp/v8"
    timeout 60 "$diffrun" "$m" >"$tmp/kiln" 2>"$tmp/kiln.err"; krc=$?
    timeout 60 "$diffrun" --explicit-bounds "$m" >"$tmp/kiln-x" 2>/dev/null; xrc=$?
    [ $krc = 124 ] || [ $nrc = 124 ] || [ $xrc = 124 ] && { k=1; killed=$((killed + 1)); }
    what=""
    if [ $krc != 0 ] && [ $krc != 124 ]; then
      what="kiln exited with status $krc: $(tail -c 300 "$tmp/kiln.err" | tr '\n' ' ')"; crashed=$((crashed + 1))
    elif [ $xrc != 0 ] && [ $xrc != 124 ]; then
      what="kiln --explicit-bounds exited with status $xrc"; crashed=$((crashed + 1))
    elif [ $nrc != 0 ] && [ $nrc != 124 ]; then
      what="node exited with status $nrc: $(tail -c 300 "$tmp/v8.err" | tr '\n' ' ')"
    elif ! d=$(compare "$tmp/kiln" "$tmp/kiln-x" $k); then
      what="guard pages vs explicit checks: $d"
    elif ! d=$(compare "$tmp/kiln" "$tmp/v8" $k); then
      what="kiln vs v8: $d"
    fi
    if [ "$(head -n 1 "$tmp/kiln")" = "compile error" ] && [ "$(head -n 1 "$tmp/v8")" = "compile error" ]; then
      invalid=$((invalid + 1))
    fi
    compared=$((compared + 1))
    if [ -n "$what" ]; then
      differ=$((differ + 1))
      base="$findings/seed-$s-$variant"
      cp "$m" "$base.wasm"; cp "$tmp/kiln" "$base.kiln.txt"; cp "$tmp/v8" "$base.v8.txt"; cp "$tmp/kiln.err" "$base.stderr.txt"
      echo "DIFF seed $s ($variant): $what -> $base.wasm"
    fi
  done
  last=$((b + batch - 1)); [ $last -lt $((seed + count)) ] || last=$((seed + count - 1))
  [ $quiet = 1 ] || echo "# seeds $seed..$last: $modules modules, $differ differences so far" >&2
done
echo "difffuzz: seeds $seed..$((seed + count - 1)): $modules modules, $compared compared," \
  "$invalid rejected by both, $killed timed out, $crashed kiln crashes, $differ differences"
[ $differ = 0 ]
