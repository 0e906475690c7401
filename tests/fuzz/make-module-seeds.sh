#!/usr/bin/env bash
# Makes a seed corpus for tests/fuzz/fuzz_module.c in DIR, from sources only
# (no binary is committed): the hand-written modules in tests/fuzz/seeds/
# (wat2wasm), function bodies (seeds/bodies.hex), a few wasm-opt -ttf
# modules from fixed byte streams, and small C programs built by clang-16
# for wasm32. Never fails: a missing tool only
# means fewer seeds.
set -u
dir=${1:?usage: make-module-seeds.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if command -v wat2wasm >/dev/null; then
  for w in "$here"/seeds/*.wat; do
    wat2wasm "$w" -o "$dir/wat-$(basename "$w" .wat).wasm" 2>/dev/null ||
      echo "make-module-seeds: $w does not assemble" >&2
  done
fi

# Function bodies for fuzz_module's wrapped use of an input (hex text).
grep -v '^#' "$here/seeds/bodies.hex" | while read -r name type hex; do
  [ -n "$hex" ] || continue
  # shellcheck disable=SC2059
  printf "$(printf '%s%s' "$type" "$hex" | sed 's/../\\x&/g')" >"$dir/body-$name.bin"
done

# Random-but-fixed bytes: AES-CTR of zeros under a key made from the seed.
bytes() { head -c "$2" /dev/zero | openssl enc -aes-128-ctr -K "$(printf '%032x' "$1")" -iv 0 2>/dev/null; }
TTF_FLAGS="--enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals
  --enable-bulk-memory --enable-multivalue"
if command -v wasm-opt >/dev/null && command -v openssl >/dev/null; then
  for s in 1 2 3 4 5 6 7 8; do
    bytes "$s" $((s * 700)) >"$tmp/in"
    # shellcheck disable=SC2086
    wasm-opt -ttf "$tmp/in" -o "$dir/ttf-$s.wasm" $TTF_FLAGS 2>/dev/null
    # binaryen 108 emits invalid code with reference types more often than
    # not; the invalid ones are still good seeds for the validator.
    # shellcheck disable=SC2086
    wasm-opt -ttf "$tmp/in" -o "$dir/ttf-ref-$s.wasm" $TTF_FLAGS --enable-reference-types 2>/dev/null
  done
fi

if [ -x /usr/lib/llvm-16/bin/clang ] && command -v wasm-ld-16 >/dev/null; then
  # A PATH without wasm-opt, so clang does not rewrite the output.
  ln -s "$(command -v wasm-ld-16)" "$tmp/wasm-ld-16"
  for c in "$here"/seeds/*.c; do
    for o in -O0 -O2; do
      PATH=$tmp /usr/lib/llvm-16/bin/clang --target=wasm32-unknown-unknown -nostdlib \
        -Wl,--no-entry -Wl,--export-all -Wl,--allow-undefined $o "$c" \
        -o "$dir/c-$(basename "$c" .c)$o.wasm" 2>/dev/null ||
        echo "make-module-seeds: $c does not build" >&2
    done
  done
fi
exit 0
