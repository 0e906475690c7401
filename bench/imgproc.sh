#!/usr/bin/env bash
# bench/imgproc.sh — the seed user's workload, native against WebAssembly
# engines, in one run so the machine's state is the same for every column.
#
#   decode:  a 4000x3000 JPEG (generated once) -> resize 800x600 -> blur 2 -> PNG
#   blur:    a 3x3 box blur (blur 1) over 1024x1024 RGB, 20 times, PPM in and out
#
# Each cell is the best of BENCH_REPEAT runs (default 3) of the whole process
# (start-up, compilation and I/O included, as a user sees it); each engine is
# also shown as a ratio to native. Every engine's output is compared with the
# native output, so a fast wrong answer does not count.
#
# Engines (columns): native and node always; wasm3 when WASM3=/path/to/wasm3;
# kiln when `kiln run` runs the examples (KILN=/path/to/kiln, default
# $BUILD/kiln). BENCH_RUNNERS="native node ..." picks the list explicitly.
# Usage: bench/imgproc.sh   (env: BUILD, BENCH_REPEAT, BENCH_RUNNERS, WASM3, KILN)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. bench/lib.sh
build=${BUILD:-build}
repeat=${BENCH_REPEAT:-3}
kiln=${KILN:-$root/$build/kiln}

make -s BUILD="$build" examples
ex=$root/$build/examples
data=$root/$build/bench
mkdir -p "$data"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# Inputs, generated once (deterministic, so a cached copy is the same file).
imgproc_inputs "$data" "$ex"

# An engine is a function run_NAME taking the imgproc arguments; stdin and
# stdout are the image streams.
run_native() { "$ex/imgproc-native" "$@"; }
run_node() { "$root/tests/tools/node-wasi.mjs" "$ex/imgproc.wasm" "$@"; }
run_wasm3() { "$WASM3" "$ex/imgproc.wasm" "$@"; }
run_kiln() { "$kiln" run --tier=interp "$ex/imgproc.wasm" "$@"; }

if [ -n "${BENCH_RUNNERS-}" ]; then
    read -r -a runners <<<"$BENCH_RUNNERS"
else
    runners=(native node)
    [ -n "${WASM3-}" ] && runners+=(wasm3)
    if [ -x "$kiln" ] && "$kiln" run "$ex/hello.wasm" 2>/dev/null | grep -qx 'Hello from kiln!'; then
        runners+=(kiln)
    fi
fi

blur20=()
for _ in $(seq 20); do blur20+=(blur 1); done
workloads=(decode blur)
args_decode=(resize 800x600 blur 2 --format png)
input_decode=$data/big.jpg
label_decode="JPEG 4000x3000 -> resize 800x600, blur 2 -> PNG"
args_blur=("${blur20[@]}" --format ppm)
input_blur=$data/1024.ppm
label_blur="3x3 blur over 1024x1024, x20 (PPM)"

now_ns() { date +%s%N; }

# best_of RUNNER WORKLOAD -> seconds (best of $repeat), output in $T/RUNNER.WORKLOAD
best_of() {
    local r=$1 w=$2 best="" t0 t1 dt
    local -n args="args_$w" input="input_$w"
    for _ in $(seq "$repeat"); do
        t0=$(now_ns)
        if ! "run_$r" "${args[@]}" <"$input" >"$T/$r.$w" 2>"$T/$r.$w.err"; then
            sed "s/^/  $r: /" "$T/$r.$w.err" | head -n 5 >&2
            echo "FAILED(status $?)"
            return
        fi
        t1=$(now_ns)
        dt=$((t1 - t0))
        if [ -z "$best" ] || [ "$dt" -lt "$best" ]; then best=$dt; fi
    done
    awk -v ns="$best" 'BEGIN { printf "%.3f", ns / 1e9 }'
}

echo "imgproc benchmark: best of $repeat; seconds per run (ratio to native)"
echo "machine: $(nproc) cpu, $(uname -m); node $(node --version)"
printf '%-50s' "workload"
for r in "${runners[@]}"; do printf ' %18s' "$r"; done
printf '\n'
for w in "${workloads[@]}"; do
    label_var="label_$w"
    printf '%-50s' "${!label_var}"
    native_s=""
    for r in "${runners[@]}"; do
        s=$(best_of "$r" "$w")
        cell=$s
        if [ "$s" != FAILED ]; then
            [ "$r" = native ] && native_s=$s
            if [ "$r" != native ] && ! cmp -s "$T/native.$w" "$T/$r.$w"; then
                cell="$s WRONG OUTPUT"
            elif [ "$r" != native ] && [ -n "$native_s" ]; then
                cell="$s ($(awk -v a="$s" -v b="$native_s" 'BEGIN { printf "%.2fx", a / b }'))"
            fi
        fi
        printf ' %18s' "$cell"
    done
    printf '\n'
done
