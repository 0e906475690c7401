#!/usr/bin/env bash
# bench/mem64.sh — what explicit bounds checks cost: the same loop over a
# 256 KiB array (a load, an add and a store per 4 bytes), in three memories:
#   mem0-i32   memory 0, 32-bit addresses: guard pages, no check (the hot path)
#   mem1-i32   memory 1 of two, 32-bit: an x-twin access, checked explicitly
#   mem0-i64   memory 0, memory64: checked explicitly (guard pages cannot
#              cover 64-bit addresses)
# on the interpreter and the native tier (warm cache). Each cell is the
# median CPU time (user+sys) of BENCH_ROUNDS rounds, the variants
# interleaved within a round; ratios are to mem0-i32 on the same tier. The
# results are compared: a fast wrong answer fails the bench.
#
# Env: BENCH_ROUNDS (default 3), BENCH_ITERS (passes over the array, default 400).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. bench/lib.sh
command -v wat2wasm >/dev/null || { echo "bench/mem64.sh: wat2wasm (Debian package wabt) is not installed" >&2; exit 1; }
rounds=${BENCH_ROUNDS:-3}
iters=${BENCH_ITERS:-400}
make -s build/kiln >/dev/null
kiln=$root/build/kiln
out=$root/build/bench/mem64
mkdir -p "$out"
cache=$out/cache
rm -rf "$cache"

# kernel NAME MEMORIES MEMIDX ADDR-TYPE
kernel() {
  local a=$4
  cat >"$out/$1.wat" <<WAT
(module
  $2
  (func (export "run") (param \$iters i32) (result i32)
    (local \$p $a) (local \$s i32)
    (loop \$outer
      (local.set \$p ($a.const 0))
      (loop \$inner
        (local.set \$s (i32.add (local.get \$s) (i32.load $3 (local.get \$p))))
        (i32.store $3 (local.get \$p) (i32.add (local.get \$s) (i32.const 1)))
        (br_if \$inner ($a.lt_u (local.tee \$p ($a.add (local.get \$p) ($a.const 4))) ($a.const 262144))))
      (br_if \$outer (local.tee \$iters (i32.sub (local.get \$iters) (i32.const 1)))))
    (local.get \$s)))
WAT
  wat2wasm --enable-all "$out/$1.wat" -o "$out/$1.wasm"
}
kernel mem0-i32 "(memory 4)" "" i32
kernel mem1-i32 "(memory 1) (memory 4)" 1 i32
kernel mem0-i64 "(memory i64 4)" "" i64
variants=(mem0-i32 mem1-i32 mem0-i64)
tiers=(interp native)

for v in "${variants[@]}"; do "$kiln" compile --cache "$cache" "$out/$v.wasm" >/dev/null; done

cpu() { # cpu OUTFILE CMD...: runs CMD, prints its user+sys seconds
  local f=$1; shift
  /usr/bin/time -f '%U %S' -o "$out/time.txt" "$@" >"$f" 2>/dev/null
  awk '{print $1 + $2}' "$out/time.txt"
}
declare -A t
for ((r = 1; r <= rounds; r++)); do
  for tier in "${tiers[@]}"; do
    for v in "${variants[@]}"; do
      s=$(cpu "$out/$tier-$v.out" "$kiln" run --tier="$tier" --cache "$cache" --invoke run "$out/$v.wasm" "$iters")
      t[$tier:$v]="${t[$tier:$v]:-} $s"
    done
  done
done
want=$(cat "$out/interp-mem0-i32.out")
for tier in "${tiers[@]}"; do
  for v in "${variants[@]}"; do
    [ "$(cat "$out/$tier-$v.out")" = "$want" ] || { echo "bench/mem64.sh: $tier $v gave $(cat "$out/$tier-$v.out"), expected $want" >&2; exit 1; }
  done
done
printf '%-8s %-10s %10s %10s\n' tier memory "CPU s" "vs mem0-i32"
for tier in "${tiers[@]}"; do
  base=$(echo "${t[$tier:mem0-i32]}" | median)
  for v in "${variants[@]}"; do
    m=$(echo "${t[$tier:$v]}" | median)
    printf '%-8s %-10s %10.3f %10.2fx\n' "$tier" "$v" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN{print a/b}')"
  done
done
