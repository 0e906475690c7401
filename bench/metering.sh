#!/usr/bin/env bash
# bench/metering.sh — what metering costs: kiln with fuel and deadline checks
# (the normal build) against kiln with them compiled out (-DKILN_NO_METER),
# side by side in one run, on CoreMark and on the imgproc pipeline.
#
# The machine is shared and noisy, so the measure is user CPU time
# (/usr/bin/time -f %U) of the whole `kiln run`, for a fixed amount of work,
# over alternating runs (metered, unmetered, unmetered, metered, ...); the
# medians and their ratio are reported.
#
#   COREMARK_DIR=/path/to/eembc/coremark   (required; never part of kiln)
#   BENCH_ROUNDS=7                         runs of each variant per workload
#   METER_BUILD=build  NOMETER_BUILD=build-nometer   the two build dirs
#   BENCH_CALLGRIND=1                      also count host instructions under
#                                          valgrind's callgrind (exact and
#                                          repeatable, unlike time; smaller
#                                          inputs, since it runs ~50x slower)
#
# CoreMark runs a fixed 4000 iterations (args 0x0 0x0 0x66 4000: seeds and
# iteration count), not its usual 10 s (so it prints no valid score; its
# CRCs are compared instead). imgproc runs the two workloads of
# bench/imgproc.sh. Outputs are compared between the variants.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. bench/lib.sh
: "${COREMARK_DIR:?set COREMARK_DIR to a checkout of eembc/coremark}"
rounds=${BENCH_ROUNDS:-7}
mb=${METER_BUILD:-build}
nb=${NOMETER_BUILD:-build-nometer}
out=$root/$mb/bench
mkdir -p "$out"

make -s BUILD="$mb" "$mb/kiln" examples >/dev/null
make -s BUILD="$nb" OPT="-O2 -DKILN_NO_METER" "$nb/kiln" >/dev/null
if "$root/$nb/kiln" run --fuel 1000 "$root/$mb/examples/hello.wasm" >/dev/null 2>&1; then
    : # a hello world spends more than 1000 fuel: a build that runs it did not meter
else
    echo "$nb/kiln still meters (--fuel 1000 stopped hello.wasm): is it a KILN_NO_METER build?" >&2
    exit 1
fi

src=(core_list_join.c core_main.c core_matrix.c core_state.c core_util.c posix/core_portme.c)
( cd "$COREMARK_DIR" &&
  "$root/$mb/kiln-cc" -O2 -DPERFORMANCE_RUN=1 -DITERATIONS=0 -DFLAGS_STR='"clang-16 -O2 wasm32-wasi"' \
      -Iposix -I. "${src[@]}" -o "$out/coremark.wasm" )

ex=$root/$mb/examples
imgproc_inputs "$out" "$ex"
blur20=()
for _ in $(seq 20); do blur20+=(blur 1); done

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# run VARIANT WORKLOAD -> user CPU seconds; output in $T/VARIANT.WORKLOAD
run() {
    local k=$root/$1/kiln w=$2 tf=$T/time
    case $w in
    coremark) /usr/bin/time -f %U -o "$tf" "$k" run --tier=interp "$out/coremark.wasm" 0x0 0x0 0x66 4000 >"$T/$1.$w" 2>&1 ;;
    decode) /usr/bin/time -f %U -o "$tf" "$k" run --tier=interp "$ex/imgproc.wasm" resize 800x600 blur 2 --format png \
                <"$out/big.jpg" >"$T/$1.$w" ;;
    blur) /usr/bin/time -f %U -o "$tf" "$k" run --tier=interp "$ex/imgproc.wasm" "${blur20[@]}" --format ppm \
              <"$out/1024.ppm" >"$T/$1.$w" ;;
    esac
    tail -n 1 "$tf"
}


echo "metering overhead: user CPU seconds, median of $rounds alternating runs each"
echo "machine: $(nproc) cpu, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %12s %12s %10s\n' workload metered unmetered overhead
for w in coremark decode blur; do
    m="" n=""
    for ((r = 1; r <= rounds; r++)); do
        # ABBA order: a drift of the machine during the series favours
        # neither variant.
        if ((r % 2)); then
            m="$m $(run "$mb" $w)"
            n="$n $(run "$nb" $w)"
        else
            n="$n $(run "$nb" $w)"
            m="$m $(run "$mb" $w)"
        fi
    done
    if [ $w = coremark ]; then
        # A run shorter than 10 s is not a valid CoreMark *score* (it says
        # "Errors detected" for that alone), but its CRCs still check the
        # work: the seed CRC of the performance run, and the same CRCs from
        # both variants. Timing lines differ.
        grep -q 'seedcrc *: 0xe9f5' "$T/$mb.$w" || { echo "coremark (metered): unexpected seed CRC" >&2; exit 1; }
        cmp -s <(grep crc "$T/$mb.$w") <(grep crc "$T/$nb.$w") || { echo "coremark: CRCs differ" >&2; exit 1; }
    else
        cmp -s "$T/$mb.$w" "$T/$nb.$w" || { echo "$w: metered and unmetered outputs differ" >&2; exit 1; }
    fi
    mm=$(echo "$m" | median)
    nm=$(echo "$n" | median)
    case $w in
    coremark) label="CoreMark, 4000 iterations" ;;
    decode) label="imgproc: JPEG 4000x3000 -> 800x600, blur, PNG" ;;
    blur) label="imgproc: 3x3 blur 1024x1024 x20" ;;
    esac
    printf '%-44s %12s %12s %9.1f%%\n' "$label" "$mm" "$nm" "$(awk -v a="$mm" -v b="$nm" 'BEGIN { print (a / b - 1) * 100 }')"
    echo "  runs metered:  $m" >&2
    echo "  runs unmetered:$n" >&2
done

[ "${BENCH_CALLGRIND:-0}" = 1 ] || exit 0

# Host instructions executed (callgrind's "Collected"), once per variant:
# no noise, so one run each is enough. Smaller inputs than above.
[ -s "$out/800x600.jpg" ] || "$ex/imgproc-native" gen 800x600 --quality 90 -o "$out/800x600.jpg"
[ -s "$out/256.ppm" ] || "$ex/imgproc-native" gen 256x256 -o "$out/256.ppm"
blur4=(blur 1 blur 1 blur 1 blur 1)
irs() {
    local k=$root/$1/kiln w=$2 log=$T/cg.log
    local vg=(valgrind --tool=callgrind --callgrind-out-file=/dev/null)
    case $w in
    coremark) "${vg[@]}" "$k" run --tier=interp "$out/coremark.wasm" 0x0 0x0 0x66 200 >/dev/null 2>"$log" ;;
    decode) "${vg[@]}" "$k" run --tier=interp "$ex/imgproc.wasm" resize 400x300 blur 2 --format png <"$out/800x600.jpg" >/dev/null 2>"$log" ;;
    blur) "${vg[@]}" "$k" run --tier=interp "$ex/imgproc.wasm" "${blur4[@]}" --format ppm <"$out/256.ppm" >/dev/null 2>"$log" ;;
    esac
    sed -n 's/^==[0-9]*== Collected : *//p' "$log"
}
echo
echo "metering overhead in host instructions (callgrind), one run each"
printf '%-44s %14s %14s %10s\n' workload metered unmetered overhead
for w in coremark decode blur; do
    m=$(irs "$mb" $w)
    n=$(irs "$nb" $w)
    case $w in
    coremark) label="CoreMark, 200 iterations" ;;
    decode) label="imgproc: JPEG 800x600 -> 400x300, blur, PNG" ;;
    blur) label="imgproc: 3x3 blur 256x256 x4" ;;
    esac
    printf '%-44s %14s %14s %9.1f%%\n' "$label" "$m" "$n" "$(awk -v a="$m" -v b="$n" 'BEGIN { print (a / b - 1) * 100 }')"
done
