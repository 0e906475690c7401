#!/usr/bin/env bash
# bench/debuginfo.sh — does debug info cost anything before a trap?
#
# CoreMark is built once by `kiln-cc -O2 -g`; a copy has every custom section
# removed (wasm-strip: DWARF, name section, producers), so both modules carry
# byte-identical code. Each runs a fixed 4000 iterations under `kiln run`,
# alternating, and the medians of user CPU time are compared. With
# BENCH_CALLGRIND=1 the host instructions of a shorter run (200 iterations)
# are counted too: exact, unlike time.
#
#   COREMARK_DIR=/path/to/eembc/coremark   (required; never part of kiln)
#   BENCH_ROUNDS=7                         runs of each module
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. bench/lib.sh
: "${COREMARK_DIR:?set COREMARK_DIR to a checkout of eembc/coremark}"
rounds=${BENCH_ROUNDS:-7}
out=$root/build/bench
mkdir -p "$out"
make -s BUILD=build all >/dev/null
command -v wasm-strip >/dev/null || { echo "debuginfo.sh: wasm-strip (wabt) is needed" >&2; exit 1; }

src=(core_list_join.c core_main.c core_matrix.c core_state.c core_util.c posix/core_portme.c)
( cd "$COREMARK_DIR" &&
  "$root/build/kiln-cc" -O2 -g -DPERFORMANCE_RUN=1 -DITERATIONS=0 -DFLAGS_STR='"clang-16 -O2 -g wasm32-wasi"' \
      -Iposix -I. "${src[@]}" -o "$out/coremark-g.wasm" )
wasm-strip -o "$out/coremark-stripped.wasm" "$out/coremark-g.wasm"

code_of() { wasm-objdump -d "$1" | sed 1,3d | sed -n 's/^ *\([0-9a-f]*\): \([0-9a-f ]*\)|.*/\1 \2/p'; }
if ! cmp -s <(code_of "$out/coremark-g.wasm") <(code_of "$out/coremark-stripped.wasm"); then
    echo "debuginfo.sh: the stripped module's code differs from the -g module's" >&2
    exit 1
fi
printf '%-10s %10s bytes\n' "-g" "$(stat -c %s "$out/coremark-g.wasm")" \
    stripped "$(stat -c %s "$out/coremark-stripped.wasm")"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
declare -A times
for ((r = 1; r <= rounds; r++)); do
    for v in g stripped; do
        /usr/bin/time -f %U -o "$T/time" build/kiln run --tier=interp "$out/coremark-$v.wasm" 0x0 0x0 0x66 4000 >"$T/$v.out" 2>&1
        times[$v]="${times[$v]:-} $(cat "$T/time")"
        echo "round $r: $v $(cat "$T/time") s" >&2
    done
    # Same work, same answer: compare CoreMark's CRC lines.
    if ! cmp -s <(grep crc "$T/g.out") <(grep crc "$T/stripped.out"); then
        echo "debuginfo.sh: the two modules printed different CRCs" >&2
        exit 1
    fi
done

g=$(echo "${times[g]}" | median)
s=$(echo "${times[stripped]}" | median)
printf 'CoreMark 4000 iterations, user CPU median of %d: -g %.2f s, stripped %.2f s, -g / stripped = %.3f\n' \
    "$rounds" "$g" "$s" "$(awk -v a="$g" -v b="$s" 'BEGIN{print a/b}')"

if [ "${BENCH_CALLGRIND:-0}" = 1 ]; then
    for v in g stripped; do
        valgrind --tool=callgrind --callgrind-out-file="$T/cg.$v" \
            build/kiln run --tier=interp "$out/coremark-$v.wasm" 0x0 0x0 0x66 200 >/dev/null 2>"$T/cg.$v.err"
        ir=$(sed -n 's/^summary: *//p' "$T/cg.$v")
        printf 'callgrind, 200 iterations: %-9s %14s instructions\n' "$v" "$ir"
    done
fi
