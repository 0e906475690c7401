#!/usr/bin/env bash
# Generates a large C program (NFILES files of 40 functions each, with
# static inline helpers, structs and loops) and compiles it with -O2 -g into
# OUT.wasm: the module for measuring how fast the symbol index builds.
# Usage: gen-big.sh OUT.wasm [NFILES]      (about 100 files per 3 MB)
set -euo pipefail
out=$1 nfiles=${2:-330}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
for ((f = 0; f < nfiles; f++)); do
  {
    echo "struct px$f { int r, g, b, a; };"
    echo "static inline int clamp$f(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }"
    echo "static inline int mix$f(const struct px$f *p, int k) { return clamp$f(p->r * k + p->g - p->b, 0, 255) + p->a; }"
    for ((i = 0; i < 40; i++)); do
      cat <<C
__attribute__((noinline)) int f${f}_$i(struct px$f *v, int n, int k)
{
    int acc = $i;
    for (int j = 0; j < n; j++) {
        v[j].r = clamp$f(v[j].r + k, 0, 255);
        acc += mix$f(&v[j], k + j);
        if (acc > 100000) acc -= v[j].g * $i;
    }
    return acc;
}
C
    done
    # Every function is reachable, so wasm-ld keeps all of them.
    echo "int file$f(struct px$f *v, int n) { int s = 0;"
    for ((i = 0; i < 40; i++)); do echo "  s += f${f}_$i(v, n, $i);"; done
    echo "  return s; }"
  } >"$src/f$f.c"
done
{
  echo "int main(void) { int s = 0;"
  for ((f = 0; f < nfiles; f++)); do echo "{ extern int file$f(void *, int); s += file$f(0, 0); }"; done
  echo "return s; }"
} >"$src/main.c"
if [ -x "$root/tools/kiln-cc" ]; then
  (cd "$src" && "$root/tools/kiln-cc" -O2 -g ./*.c -o "$src/big.wasm")
else
  tb=$src/bin; mkdir -p "$tb"; ln -s "$(command -v wasm-ld-16)" "$tb/wasm-ld-16"
  (cd "$src" && PATH=$tb /usr/lib/llvm-16/bin/clang --target=wasm32-wasi --sysroot=/usr -O2 -g ./*.c -o "$src/big.wasm")
fi
cp "$src/big.wasm" "$out"
