#!/usr/bin/env bash
# bench/simd.sh — imgproc built twice from the same source, scalar
# (imgproc.wasm) and with -msimd128 (imgproc-simd.wasm, autovectorized by
# clang), on kiln and on Node, in one run:
#
#   blur         3x3 box blur (blur 1) over 1024x1024 RGB, 20 times, PPM in and out
#   resize+blur  2000x1500 PPM -> resize 800x600 -> blur 2 -> PPM
#   jpeg         4000x3000 JPEG -> resize 800x600 -> blur 2 -> PNG (bench/imgproc.sh's "decode")
#   sharpen      3x3 sharpen over 2000x1500 RGB, PPM in and out (a loop clang does
#                not vectorize: what -msimd128 costs where it does not help)
#
# Each cell is the median user CPU time (/usr/bin/time -f %U) of
# BENCH_ROUNDS (default 7) runs; a round runs every engine and build once,
# alternating, so that a noisy machine weighs on all of them alike. The
# ratio is scalar time / SIMD time (above 1: the SIMD build is faster).
# Every output is compared with the native build's, so a fast wrong answer
# does not count.
# Usage: bench/simd.sh   (env: BUILD, BENCH_ROUNDS, KILN)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. bench/lib.sh
build=${BUILD:-build}
rounds=${BENCH_ROUNDS:-7}
kiln=${KILN:-$root/$build/kiln}

make -s BUILD="$build" examples
ex=$root/$build/examples
data=$root/$build/bench
mkdir -p "$data"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

imgproc_inputs "$data" "$ex"
[ -s "$data/2000.ppm" ] || "$ex/imgproc-native" gen 2000x1500 -o "$data/2000.ppm"

blur20=()
for _ in $(seq 20); do blur20+=(blur 1); done
workloads=(blur resize_blur jpeg sharpen)
args_blur=(-i /d/1024.ppm "${blur20[@]}" --format ppm)
args_resize_blur=(-i /d/2000.ppm resize 800x600 blur 2 --format ppm)
args_jpeg=(-i /d/big.jpg resize 800x600 blur 2 --format png)
args_sharpen=(-i /d/2000.ppm sharpen --format ppm)
label_blur="blur 1024x1024 x20"
label_resize_blur="resize 2000x1500->800x600 + blur 2"
label_jpeg="JPEG 4000x3000 -> resize + blur -> PNG"
label_sharpen="sharpen 2000x1500"

# Node 20 may die with SIGSEGV while exiting after a large run, its output
# complete (docs/toolchain.md); the output is compared, so only the exit
# status is ignored. /usr/bin/time then writes a status line first.
run() { # engine build workload -> output file; prints the user CPU seconds
    local engine=$1 b=$2 w=$3 out=$T/$1.$2.$3
    local -n args=args_$w
    case $engine in
        kiln) /usr/bin/time -f %U -o "$T/time" "$kiln" run --tier=interp --dir "$data::/d" --dir "$T::/o" "$ex/$b.wasm" "${args[@]}" -o "/o/${out##*/}" ;;
        node) /usr/bin/time -f %U -o "$T/time" node "$root/tests/tools/node-wasi.mjs" --dir "$data::/d" --dir "$T::/o" "$ex/$b.wasm" "${args[@]}" -o "/o/${out##*/}" ;;
    esac >/dev/null 2>&1 || :
    tail -n 1 "$T/time"
}

for w in "${workloads[@]}"; do
    declare -n args=args_$w
    a=("${args[@]}")
    for i in "${!a[@]}"; do a[$i]=${a[$i]/#\/d\//$data/}; done
    "$ex/imgproc-native" "${a[@]}" -o "$T/native.$w"
    unset -n args
done

declare -A times
for r in $(seq "$rounds"); do
    for w in "${workloads[@]}"; do
        for engine in kiln node; do
            for b in imgproc imgproc-simd; do
                t=$(run "$engine" "$b" "$w")
                times[$engine.$b.$w]+="$t "
                cmp -s "$T/native.$w" "$T/$engine.$b.$w" || { echo "$engine $b $w: output differs from native" >&2; exit 1; }
            done
        done
    done
    echo "round $r/$rounds done" >&2
done

printf '%-40s %-6s %10s %10s %8s\n' workload engine scalar simd ratio
for w in "${workloads[@]}"; do
    l=label_$w
    for engine in kiln node; do
        s=$(echo "${times[$engine.imgproc.$w]}" | median)
        v=$(echo "${times[$engine.imgproc-simd.$w]}" | median)
        printf '%-40s %-6s %9.2fs %9.2fs %7.2fx\n' "${!l}" "$engine" "$s" "$v" "$(echo "$s / $v" | bc -l)"
    done
done
echo "(median user CPU seconds of $rounds alternating rounds; ratio = scalar / SIMD; outputs identical to native)"
