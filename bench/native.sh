#!/usr/bin/env bash
# bench/native.sh — kiln's native tier against native C, Node (V8) and
# kiln's interpreter, in one run, as CPU-time ratios to native gcc -O2.
#
# Workloads: CoreMark (COREMARK_DIR, a checkout of eembc/coremark, never part
# of kiln; skipped when unset), the seed's imgproc pipelines (scalar and
# SIMD builds), and numeric kernels written for this bench (bench/kernels:
# matrix multiply, stencil, dynamic programming, n-body).
#
# Engines: native (gcc -O2 from the same C: the reference), native-v2 (the
# same with -march=x86-64-v2, on a CPU that has it: kiln compiles its
# artifacts for this CPU's SSE4.2 and POPCNT, so this column shows what the
# same instructions give native code), node, wasm2c (wabt's wasm2c, the
# same .wasm translated to C and compiled with gcc -O2 against
# bench/wasm2c-host.c: kiln's design with guard pages and a call-depth
# counter but no metering, backtraces or trap positions, so about the
# ceiling of WebAssembly -> C -> gcc; kernels and CoreMark only, as its host
# has no files), kiln-interp (--tier=interp),
# kiln-native (--tier=native, warm artifact cache: compiled once before the
# rounds, so compile time is not in the runs; it is reported on its own),
# and kiln-nometer (the same with fuel accounting compiled out, to show what
# metering costs). Each cell is the median CPU time (user+sys; for CoreMark,
# seconds per 1,000 iterations from its own Iterations/Sec) of
# BENCH_ROUNDS rounds; engines interleave within a round so that machine load
# hits every column alike. Outputs are compared with native's: a fast wrong
# answer fails the bench.
#
# Env: COREMARK_DIR, BENCH_ROUNDS (default 3), BENCH_ENGINES (default all),
#      BENCH_SKIP_INTERP=1 (the interpreter is slow: skip its column),
#      BENCH_STAT=min (each cell the best round instead of the median: on a
#      shared VM whose neighbours move single rounds by 30%, the steadier
#      figure; only ever slowed down, never sped up, by them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. bench/lib.sh
rounds=${BENCH_ROUNDS:-3}
stat=${BENCH_STAT:-median}
case $stat in median | min) ;; *) echo "bench/native.sh: BENCH_STAT must be median or min, not '$stat'" >&2; exit 2 ;; esac
cell() { if [ "$stat" = min ]; then minimum; else median; fi; }
make -s all examples >/dev/null
kiln=$root/build/kiln
out=$root/build/bench/native
mkdir -p "$out"
cache=$out/cache
rm -rf "$cache" "$cache-nm"
ex=$root/build/examples
imgproc_inputs "$root/build/bench" "$ex"

# ---------------------------------------------------------------- builds
declare -A native native2 wasm args
add() { native[$1]=$2; wasm[$1]=$3; args[$1]=$4; native2[$1]=${5:-}; }
kcc=$root/build/kiln-cc
v2=""
grep -qw sse4_2 /proc/cpuinfo 2>/dev/null && grep -qw popcnt /proc/cpuinfo && v2=-march=x86-64-v2
for k in matmul stencil lcs nbody; do
  cc -O2 -o "$out/$k" bench/kernels/$k.c -lm
  [ -z "$v2" ] || cc -O2 $v2 -o "$out/$k-v2" bench/kernels/$k.c -lm
  "$kcc" -O2 -o "$out/$k.wasm" bench/kernels/$k.c
done
# The wasm2c column: one program per module (wasm2c -n bench names its symbols).
declare -A w2c
w2c_rt=/usr/share/wabt/wasm2c/wasm-rt-impl.c
w2c_build() { # name wasm
  command -v wasm2c >/dev/null && [ -f "$w2c_rt" ] || return 0
  mkdir -p "$out/w2c-$1"
  wasm2c -n bench "$2" -o "$out/w2c-$1/bench.c" &&
    cc -O2 -w -I"$out/w2c-$1" -o "$out/w2c-$1/run" "$out/w2c-$1/bench.c" bench/wasm2c-host.c "$w2c_rt" -lm &&
    w2c[$1]=$out/w2c-$1/run ||
    echo "bench/native.sh: wasm2c could not build $1: its wasm2c cell stays empty" >&2
}
for k in matmul stencil lcs nbody; do w2c_build $k "$out/$k.wasm"; done
n2() { [ -z "$v2" ] || echo "$1"; }
add matmul "$out/matmul" "$out/matmul.wasm" "512 6" "$(n2 "$out/matmul-v2")"
add stencil "$out/stencil" "$out/stencil.wasm" "1024 300" "$(n2 "$out/stencil-v2")"
add lcs "$out/lcs" "$out/lcs.wasm" "8000 8" "$(n2 "$out/lcs-v2")"
add nbody "$out/nbody" "$out/nbody.wasm" "400 1000" "$(n2 "$out/nbody-v2")"
if [ -n "${COREMARK_DIR:-}" ]; then
  src=(core_list_join.c core_main.c core_matrix.c core_state.c core_util.c posix/core_portme.c)
  defs=(-DPERFORMANCE_RUN=1 -DITERATIONS=0) # CoreMark picks the count: at least 10 s
  ( cd "$COREMARK_DIR" &&
    cc -O2 "${defs[@]}" -DFLAGS_STR='"gcc -O2"' -Iposix -I. "${src[@]}" -o "$out/coremark" &&
    { [ -z "$v2" ] || cc -O2 $v2 "${defs[@]}" -DFLAGS_STR='"gcc -O2 -march=x86-64-v2"' -Iposix -I. "${src[@]}" -o "$out/coremark-v2"; } &&
    "$kcc" -O2 "${defs[@]}" -DFLAGS_STR='"clang-16 -O2 wasm32-wasi"' -Iposix -I. "${src[@]}" -o "$out/coremark.wasm" )
  add coremark "$out/coremark" "$out/coremark.wasm" "" "$(n2 "$out/coremark-v2")"
  w2c_build coremark "$out/coremark.wasm"
fi
# imgproc: the JPEG pipeline and the blur loop of bench/imgproc.sh, scalar and SIMD.
img=$root/build/bench
[ -z "$v2" ] || cc -std=c11 -O2 $v2 -ffp-contract=off -o "$out/imgproc-native-v2" examples/imgproc/*.c -lm
ip2=$(n2 "$out/imgproc-native-v2")
add imgproc-jpeg "$ex/imgproc-native" "$ex/imgproc.wasm" "resize 800x600 blur 2 --format png <$img/big.jpg" "$ip2"
add imgproc-blur "$ex/imgproc-native" "$ex/imgproc.wasm" "$(for _ in $(seq 20); do printf 'blur 1 '; done) --format ppm <$img/1024.ppm" "$ip2"
add imgproc-simd-jpeg "$ex/imgproc-native" "$ex/imgproc-simd.wasm" "resize 800x600 blur 2 --format png <$img/big.jpg" "$ip2"
add imgproc-simd-blur "$ex/imgproc-native" "$ex/imgproc-simd.wasm" "$(for _ in $(seq 20); do printf 'blur 1 '; done) --format ppm <$img/1024.ppm" "$ip2"
order=(matmul stencil lcs nbody)
[ -n "${COREMARK_DIR:-}" ] && order+=(coremark)
order+=(imgproc-jpeg imgproc-blur imgproc-simd-jpeg imgproc-simd-blur)

# Compile every module once (warm cache), and report how long it took.
echo "compile (gcc -O2, into the cache):" >&2
for w in "${order[@]}"; do
  f=${wasm[$w]}
  line=$("$kiln" compile --cache "$cache" "$f" | head -1)
  KILN_NATIVE_NO_METER=1 "$kiln" compile --cache "$cache-nm" "$f" >/dev/null
  echo "  $w: $line" >&2
done

engines=(${BENCH_ENGINES:-native native-v2 node wasm2c kiln-interp kiln-native kiln-nometer})
[ -n "$v2" ] || engines=("${engines[@]/native-v2}")
[ ${#w2c[@]} -gt 0 ] || engines=("${engines[@]/wasm2c}")
[ "${BENCH_SKIP_INTERP:-}" = 1 ] && engines=("${engines[@]/kiln-interp}")
cmd_for() { # engine workload
  local e=$1 w=$2 dirs="--dir $img::$img"
  case $e in
    native) echo "${native[$w]} ${args[$w]}" ;;
    native-v2) [ -z "${native2[$w]:-}" ] || echo "${native2[$w]} ${args[$w]}" ;;
    node) echo "node $root/tests/tools/node-wasi.mjs ${wasm[$w]} ${args[$w]}" ;;
    wasm2c) [ -z "${w2c[$w]:-}" ] || echo "${w2c[$w]} ${args[$w]}" ;;
    kiln-interp) echo "$kiln run --tier=interp ${wasm[$w]} ${args[$w]}" ;;
    kiln-native) echo "$kiln run --tier=native --cache $cache ${wasm[$w]} ${args[$w]}" ;;
    kiln-nometer) echo "KILN_NATIVE_NO_METER=1 $kiln run --tier=native --cache $cache-nm ${wasm[$w]} ${args[$w]}" ;;
  esac
}
cpu_of() { # command line -> CPU seconds (bash's time: user + sys of the children); output into $2
  local TIMEFORMAT='%3U %3S' t
  t=$( { time bash -c "$1" >"$2" 2>/dev/null; } 2>&1 | tail -1)
  awk -v s="$t" 'BEGIN{split(s,a," "); printf "%.3f", a[1]+a[2]}'
}

declare -A t
for ((r = 1; r <= rounds; r++)); do
  for w in "${order[@]}"; do
    for e in "${engines[@]}"; do
      [ -n "$e" ] || continue
      c=$(cmd_for "$e" "$w")
      [ -n "$c" ] || continue # wasm2c: no column for imgproc; native-v2 without the CPU
      s=$(cpu_of "$c" "$out/$w.$e.out")
      # CoreMark runs for a fixed time and reports its own rate: its cell is
      # the CPU seconds per 1,000 iterations, from that rate.
      if [ "$w" = coremark ]; then
        ips=$(sed -n 's/^Iterations\/Sec *: *//p' "$out/$w.$e.out")
        [ -n "$ips" ] || { echo "bench/native.sh: coremark under $e printed no score" >&2; exit 1; }
        s=$(awk -v i="$ips" 'BEGIN{printf "%.4f", 1000 / i}')
      fi
      if [ "$e" != native ] && ! cmp -s "$out/$w.native.out" "$out/$w.$e.out"; then
        # CoreMark prints its own timing; its checks instead: validated, or
        # the same per-run CRCs as native (its "Errors detected" also means
        # a run shorter than its 10 s minimum, which a loaded machine's
        # calibration can give; crcfinal depends on the iteration count).
        crcs() { grep -E '^\[?[0-9]*\]?(seedcrc|crclist|crcmatrix|crcstate) ' "$1"; }
        if [ "$w" = coremark ] && { grep -q "Correct operation validated" "$out/$w.$e.out" ||
           { [ -n "$(crcs "$out/$w.$e.out")" ] && [ "$(crcs "$out/$w.$e.out")" = "$(crcs "$out/$w.native.out")" ]; }; }; then :; else
          echo "bench/native.sh: $w under $e: output differs from native" >&2; exit 1
        fi
      fi
      t[$w.$e]="${t[$w.$e]:-} $s"
      echo "round $r: $w $e ${s}s" >&2
    done
  done
done

printf '%-20s' workload
for e in "${engines[@]}"; do [ -n "$e" ] && printf ' %14s' "$e"; done
printf '\n'
declare -A geo
for w in "${order[@]}"; do
  n=$(echo "${t[$w.native]}" | cell)
  printf '%-20s' "$w"
  for e in "${engines[@]}"; do
    [ -n "$e" ] || continue
    if [ -z "${t[$w.$e]:-}" ]; then printf ' %14s' -; continue; fi
    m=$(echo "${t[$w.$e]}" | cell)
    printf ' %7ss %5.2fx' "$m" "$(awk -v a="$m" -v b="$n" 'BEGIN{print a/b}')"
    geo[$e]="${geo[$e]:-} $(awk -v a="$m" -v b="$n" 'BEGIN{print log(a/b)}')"
  done
  printf '\n'
done
printf '%-20s' "geomean (x native)"
for e in "${engines[@]}"; do
  [ -n "$e" ] || continue
  printf ' %14s' "$(echo "${geo[$e]}" | awk '{s=0; for(i=1;i<=NF;i++) s+=$i; printf "%.2fx", exp(s/NF)}')"
done
printf '\n(CPU time, %s of %s rounds; lower is better; x native = time / native time)\n' "$([ "$stat" = min ] && echo best || echo median)" "$rounds"
[ ${#w2c[@]} -eq 0 ] || echo "(wasm2c's geomean covers only the workloads it ran: the kernels and CoreMark)"
