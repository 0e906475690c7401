#!/usr/bin/env bash
# Makes a seed corpus for tests/fuzz/fuzz_symbols.c in DIR: small modules
# with DWARF 4 and 5 (no libc, so they stay a few KB and mutate fast), and
# the test corpus modules when the toolchain is there. Never fails: without
# a toolchain, the fuzzer starts from nothing.
set -u
dir=${1:?usage: make-seeds.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
[ -x /usr/lib/llvm-16/bin/clang ] && command -v wasm-ld-16 >/dev/null || exit 0
tb=$(mktemp -d)
trap 'rm -rf "$tb"' EXIT
ln -s "$(command -v wasm-ld-16)" "$tb/wasm-ld-16"
cat >"$tb/s.c" <<'C'
static inline int sq(int *p, int i) { return p[i] * p[i]; }
__attribute__((noinline)) int work(int *p, int n) { int s = 0; for (int i = 0; i < n; i++) s += sq(p, i); return s; }
int entry(int n) { int a[8] = {1, 2, 3, 4, 5, 6, 7, 8}; return work(a, n) + (n > 3 ? work(a + 1, n - 1) : 0); }
C
i=0
for g in -g -gdwarf-5 -gline-tables-only; do
  for o in -O0 -O2; do
    PATH=$tb /usr/lib/llvm-16/bin/clang --target=wasm32-unknown-unknown -nostdlib \
      -Wl,--no-entry -Wl,--export-all $g $o "$tb/s.c" -o "$dir/small-$i.wasm" 2>/dev/null
    i=$((i + 1))
  done
done
"$here/build-corpus.sh" "$tb/corpus" >/dev/null 2>&1 &&
  cp "$tb"/corpus/pipeline-O2.wasm "$tb"/corpus/shapes-O2-dwarf5.wasm "$dir"/ 2>/dev/null
exit 0
