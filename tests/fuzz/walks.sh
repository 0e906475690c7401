#!/usr/bin/env bash
# walks.sh — differential check of batched polls (src/engine/native/loops.c,
# gen.c batch_copy), which wasm-opt -ttf modules never reach: random list
# walks (bodies of loads, arithmetic, exits from the middle, uneven paths,
# divisions that may trap; closed by br_if or by an unconditional br), each
# run on both tiers without a fuel limit and under limits spread over its
# run. Exit status, stdout, the trap report and the fuel count must agree.
#
# Usage: walks.sh [-n COUNT] [-s FIRST_SEED] [-k KILN]
# Prints one "not ok" line per difference and a summary; exits 1 on any. A
# differing module is kept as build/fuzz/walk-findings/SEED.wat.
# Not part of `make test` (a soak, as tests/fuzz/tiers.sh): run it after
# changing the batching.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
count=20 first=1 kiln="$root/build/kiln"
while getopts "n:s:k:" o; do
  case $o in
    n) count=$OPTARG ;; s) first=$OPTARG ;; k) kiln=$OPTARG ;;
    *) echo "usage: walks.sh [-n COUNT] [-s FIRST_SEED] [-k KILN]" >&2; exit 2 ;;
  esac
done
number() { case $2 in ''|*[!0-9]*) echo "walks.sh: $1 wants a number, not '$2'" >&2; exit 2 ;; esac; }
number -n "$count"
number -s "$first"
for t in wat2wasm "$kiln"; do
  command -v "$t" >/dev/null || { echo "walks.sh: $t is missing" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cache=$tmp/cache
findings=$root/build/fuzz/walk-findings

# One statement of a walk's body, chosen by $RANDOM.
stmt() {
  local k=$((RANDOM % 7)) r=$((RANDOM % 1000))
  case $k in
    0) echo "(local.set \$s (i32.add (local.get \$s) (i32.load offset=4 (local.get \$p))))" ;;
    1) echo "(local.set \$s (i32.xor (local.get \$s) (i32.const $r)))" ;;
    2) echo "(local.set \$s (i32.mul (local.get \$s) (i32.const $((r | 1)))))" ;;
    3) echo "(br_if \$out (i32.eq (i32.load offset=4 (local.get \$p)) (local.get \$v)))" ;;
    4) echo "(if (i32.and (local.get \$s) (i32.const 1)) (then (local.set \$s (i32.add (local.get \$s) (i32.const $r)))))" ;;
    5) echo "(local.set \$s (i32.add (local.get \$s) (i32.div_u (i32.const 1000) (i32.sub (i32.load offset=4 (local.get \$p)) (local.get \$v)))))" ;;
    6) echo "(local.set \$t (i32.add (local.get \$t) (i32.load8_u offset=5 (local.get \$p))))" ;;
  esac
}

# A module: init builds a list of n nodes {next, value} at 16, 32, ...;
# walk follows it from 16, running the body at each node.
module() {
  local n=$1 body="" i
  for i in $(seq $((1 + RANDOM % 6))); do body+="$(stmt) "; done
  local loop
  if [ $((RANDOM % 2)) = 0 ]; then
    loop="(block \$out (loop \$l $body (local.set \$p (i32.load (local.get \$p))) (br_if \$l (local.get \$p))))"
  else
    loop="(block \$out (loop \$l (br_if \$out (i32.eqz (local.get \$p))) $body (local.set \$p (i32.load (local.get \$p))) (br \$l)))"
  fi
  cat <<EOF
(module (memory (export "memory") 1)
  (func \$init (param \$n i32) (local \$i i32) (local \$a i32)
    (local.set \$i (i32.const 1))
    (block \$d (loop \$b (br_if \$d (i32.gt_u (local.get \$i) (local.get \$n)))
      (local.set \$a (i32.shl (local.get \$i) (i32.const 4)))
      (i32.store (local.get \$a) (select (i32.add (local.get \$a) (i32.const 16)) (i32.const 0)
        (i32.lt_u (local.get \$i) (local.get \$n))))
      (i32.store offset=4 (local.get \$a) (i32.mul (local.get \$i) (i32.const 3)))
      (local.set \$i (i32.add (local.get \$i) (i32.const 1))) (br \$b))))
  (func (export "walk") (param \$v i32) (result i32) (local \$p i32) (local \$s i32) (local \$t i32)
    (call \$init (i32.const $n))
    (local.set \$p (i32.const 16))
    $loop
    (i32.add (local.get \$s) (local.get \$t))))
EOF
}

# same NAME ARGS...: both tiers agree (as tests/suites/native's same).
bad=0 runs=0
same() {
  local name=$1; shift
  runs=$((runs + 1))
  "$kiln" run --tier=interp --stats=json "$@" >"$tmp/i.out" 2>"$tmp/i.err" </dev/null; local si=$?
  "$kiln" run --tier=native --cache "$cache" --stats=json "$@" >"$tmp/n.out" 2>"$tmp/n.err" </dev/null; local sn=$?
  sed -n '/^{/q;p' "$tmp/i.err" >"$tmp/i.trap"; sed -n '/^{/q;p' "$tmp/n.err" >"$tmp/n.trap"
  local fi fn
  fi=$(grep -o '"instructions":[0-9]*' "$tmp/i.err" | head -1); fn=$(grep -o '"instructions":[0-9]*' "$tmp/n.err" | head -1)
  if [ "$si" != "$sn" ] || ! cmp -s "$tmp/i.out" "$tmp/n.out" || ! cmp -s "$tmp/i.trap" "$tmp/n.trap" ||
     [ "$fi" != "$fn" ] || [ -z "$fi" ]; then
    bad=$((bad + 1))
    echo "not ok - $name: status $si/$sn, $fi/$fn"
    diff "$tmp/i.trap" "$tmp/n.trap" | head -4 | sed 's/^/#   /'
    mkdir -p "$findings" && cp "$tmp/m.wat" "$findings/$seed.wat"
  fi
}

last=$((first + count - 1))
for seed in $(seq "$first" "$last"); do
  RANDOM=$seed
  n=$((RANDOM % 40))
  module "$n" >"$tmp/m.wat"
  if ! wat2wasm "$tmp/m.wat" -o "$tmp/m.wasm" 2>"$tmp/wat.err"; then
    echo "not ok - seed $seed: the generated module does not assemble"; sed 's/^/#   /' "$tmp/wat.err" | head -3
    bad=$((bad + 1)); continue
  fi
  v=$((RANDOM % (n * 3 + 3)))
  same "seed $seed (n $n, v $v)" --invoke walk "$tmp/m.wasm" "$v"
  total=$("$kiln" run --tier=interp --stats=json --invoke walk "$tmp/m.wasm" "$v" 2>&1 >/dev/null </dev/null |
    grep -o '"instructions":[0-9]*' | head -1 | cut -d: -f2)
  for _ in 1 2 3; do
    f=$((1 + RANDOM % (${total:-1} + 1)))
    same "seed $seed (n $n, v $v, fuel $f)" --fuel "$f" --invoke walk "$tmp/m.wasm" "$v"
  done
done
if [ "$bad" = 0 ]; then
  echo "ok - list walks, seeds $first-$last: $runs runs identical on both tiers (status, output, trap, fuel)"
else
  echo "not ok - list walks, seeds $first-$last: $bad of $runs runs differ"
  exit 1
fi
