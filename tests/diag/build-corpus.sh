#!/usr/bin/env bash
# Builds the diagnostics test corpus (tests/diag/corpus) into OUTDIR as wasm
# modules with and without debug information:
#   NAME-O0.wasm NAME-O2.wasm        -g (DWARF 4), at -O0 and -O2
#   NAME-O2-dwarf5.wasm              -gdwarf-5 at -O2
#   NAME-nodebug.wasm                no -g: the name section only
#   NAME-stripped.wasm               -O2 -g, then DWARF stripped by llvm-objcopy
# Uses tools/kiln-cc when present; otherwise clang-16 directly, run from its
# real directory with a PATH that hides binaryen's wasm-opt (clang-16 runs it
# on optimised links, and it destroys DWARF).
# Usage: build-corpus.sh OUTDIR   (exit 77 when the toolchain is missing)
set -euo pipefail
out=${1:?usage: build-corpus.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
src=$here/corpus
mkdir -p "$out"

command -v wasm-ld-16 >/dev/null && [ -x /usr/lib/llvm-16/bin/clang ] &&
  [ -e /usr/lib/wasm32-wasi/libc.a ] || exit 77

tb=$(mktemp -d)
trap 'rm -rf "$tb"' EXIT
ln -s "$(command -v wasm-ld-16)" "$tb/wasm-ld-16"
cc_c() {
  if [ -x "$root/tools/kiln-cc" ]; then "$root/tools/kiln-cc" "$@"
  else PATH=$tb /usr/lib/llvm-16/bin/clang --target=wasm32-wasi --sysroot=/usr "$@"; fi
}
cc_cxx() {
  if [ -x "$root/tools/kiln-c++" ]; then "$root/tools/kiln-c++" "$@"
  else PATH=$tb /usr/lib/llvm-16/bin/clang++ --target=wasm32-wasi --sysroot=/usr \
      -isystem /usr/lib/llvm-16/include/wasm32-wasi/c++/v1 \
      -L/usr/lib/llvm-16/lib/wasm32-wasi -fno-exceptions "$@"; fi
}

build() { # name compiler sources...
  local name=$1 cc=$2; shift 2
  $cc -O0 -g "$@" -o "$out/$name-O0.wasm"
  $cc -O2 -g "$@" -o "$out/$name-O2.wasm"
  $cc -O2 -gdwarf-5 "$@" -o "$out/$name-O2-dwarf5.wasm"
  $cc -O2 "$@" -o "$out/$name-nodebug.wasm"
  llvm-objcopy-16 --strip-debug "$out/$name-O2.wasm" "$out/$name-stripped.wasm"
}

build pipeline cc_c "$src/pipeline_main.c" "$src/pipeline_filter.c" -I"$src"
build recurse cc_c "$src/recurse.c" -Wl,-z,stack-size=65536
build shapes cc_cxx "$src/shapes.cc"
