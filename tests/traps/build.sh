#!/usr/bin/env bash
# Builds the trap corpus (tests/traps/programs) into OUTDIR:
#   NAME-O0.wasm NAME-O2.wasm   kiln-cc/kiln-c++ -O0 -g / -O2 -g
#   NAME-O2d5.wasm              kiln-cc/kiln-c++ -O2 -gdwarf-5 (kiln-cc's default is 4)
#   NAME-nog.wasm               kiln-cc/kiln-c++ -O2 (no -g: the name section only)
#   NAME-O0.native NAME-O2.native   clang-16/clang++-16 -O0 -g / -O2 -g, for gdb
# The native builds add -fno-optimize-sibling-calls: wasm (without the
# tail-call proposal, which kiln-cc does not enable) cannot turn a call in
# tail position into a jump, x86 can, and a jump leaves no caller frame for
# gdb to show. Everything else (front end, inliner) is the same clang-16.
# A program is rebuilt only when its sources, this script or the compilers
# changed (a stamp per program holds the hash of all three), so a second run
# costs nothing. Builds two programs at a time.
# Usage: build.sh OUTDIR [NAME...]   (exit 77 when a toolchain is missing)
set -uo pipefail
out=${1:?usage: build.sh OUTDIR [NAME...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$out"

command -v clang-16 >/dev/null && command -v clang++-16 >/dev/null || exit 77
"$root/tools/kiln-cc" --version >/dev/null 2>&1 || exit 77
[ -e /usr/lib/llvm-16/lib/wasm32-wasi/libc++.a ] || exit 77

# Everything that decides the output, hashed into each program's stamp.
# (kiln's guest runtime, rt/, is linked into every program.)
tools_id=$( { cat "$0" "$root/tools/kiln-cc" "$root"/rt/*.c "$root"/rt/include/*.h; clang-16 --version; } | sha256sum | cut -c1-16)

build_one() { # NAME SOURCES... [-- LINKFLAGS...]
  local name=$1; shift
  local srcs=() ldflags=() cxx=0 s
  while [ $# -gt 0 ] && [ "$1" != -- ]; do srcs+=("$here/$1"); shift; done
  [ $# -gt 0 ] && { shift; ldflags=("$@"); }
  for s in "${srcs[@]}"; do case "$s" in *.cc) cxx=1 ;; esac; done
  local stamp="$out/$name.stamp" id
  id=$( { echo "$tools_id ${ldflags[*]-}"; cat "${srcs[@]}" "$here"/*.h; } | sha256sum | cut -c1-16)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$id" ]; then return 0; fi
  rm -f "$stamp"
  local wcc="$root/tools/kiln-cc" ncc=clang-16
  # Objects are compiled one language at a time: a .c file stays C (trapkit.c
  # is shared by the C++ programs too); the link uses the C++ driver.
  [ $cxx = 1 ] && { wcc="$root/tools/kiln-c++"; ncc=clang++-16; }
  local log="$out/$name.log" tmp native=-fno-optimize-sibling-calls
  tmp=$(mktemp -d) || return 1
  {
    set -e
    for v in O0:"-O0 -g" O2:"-O2 -g" O2d5:"-O2 -gdwarf-5" nog:"-O2"; do
      local tag=${v%%:*} flags=${v#*:} objs=() nobjs=()
      for s in "${srcs[@]}"; do
        local b; b=$(basename "$s"); b=${b%.*}
        case "$s" in
          *.c) "$root/tools/kiln-cc" $flags -I"$here" -c "$s" -o "$tmp/$b.$tag.o" ;;
          *) "$root/tools/kiln-c++" $flags -std=c++17 -I"$here" -c "$s" -o "$tmp/$b.$tag.o" ;;
        esac
        objs+=("$tmp/$b.$tag.o")
        if [ "$tag" = O0 ] || [ "$tag" = O2 ]; then
          case "$s" in
            *.c) clang-16 $flags $native -I"$here" -c "$s" -o "$tmp/$b.$tag.n.o" ;;
            *) clang++-16 $flags $native -std=c++17 -I"$here" -c "$s" -o "$tmp/$b.$tag.n.o" ;;
          esac
          nobjs+=("$tmp/$b.$tag.n.o")
        fi
      done
      "$wcc" $flags "${objs[@]}" ${ldflags[@]+"${ldflags[@]}"} -o "$out/$name-$tag.wasm"
      if [ ${#nobjs[@]} -gt 0 ]; then $ncc $flags "${nobjs[@]}" -o "$out/$name-$tag.native"; fi
    done
    true
  } >"$log" 2>&1
  local rc=$?
  rm -rf "$tmp"
  [ $rc -eq 0 ] || { echo "build.sh: $name failed to build (see $log)" >&2; return 1; }
  echo "$id" >"$stamp"
}

want=" $* "
fail=0
pids=()
while read -r name rest; do
  case "$name" in '' | '#'*) continue ;; esac
  [ "$want" = "  " ] || case "$want" in *" $name "*) ;; *) continue ;; esac
  # shellcheck disable=SC2086
  build_one "$name" $rest &
  pids+=($!)
  if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || fail=1; pids=("${pids[@]:1}"); fi
done <"$here/programs"
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit $fail
