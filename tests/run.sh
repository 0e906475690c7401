#!/usr/bin/env bash
# kiln's test runner: builds kiln (normal and ASan+UBSan), runs every suite in
# tests/suites/ and counts their TAP lines. A suite is an executable that
# prints "ok - what" / "not ok - what" lines ("ok - what # SKIP why" counts as
# skipped). Suites whose header has the line "# san: yes" run a second time
# against the sanitizer build. Suites run side by side, KILN_TEST_JOBS at a
# time (default: the number of CPUs), except those whose header says
# "# parallel: no". Env: KILN (the binary), KILN_BUILD (its build dir),
# KILN_ROOT (the repo). Usage: tests/run.sh [SUITE-NAME-SUBSTRING...]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)

# The build directory: BUILD as make passes it on (make test-suite
# BUILD=build-x), so that helpers working side by side test their own build;
# its sanitizer twin is build-san for the default build, BUILD-san otherwise.
b=${BUILD:-build}
if [ "$b" = build ]; then b_san=build-san; else b_san=$b-san; fi

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== building" >&2
# The examples too: several suites use them, and suites run side by side
# must not build the same files at once.
if ! make -s -j"$jobs" BUILD="$b" all test-bins examples >"$log/build.txt" 2>&1; then
  cat "$log/build.txt" >&2
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
# The sanitizer build only when a selected suite runs on it.
selected() { # $1 suite path: chosen by the arguments (all when none)
  [ $# -gt 0 ] || return 1
  [ ${#sel[@]} -eq 0 ] && return 0
  # An argument that names a suite selects that suite alone ("ui" is not
  # also wasi-testsuite); any other is a substring of suite names (never of
  # the path: every path contains "suites/").
  local a n=${1##*/}
  for a in "${sel[@]}"; do
    if [ -e "tests/suites/$a" ]; then [ "$n" = "$a" ] && return 0
    else case "$n" in *"$a"*) return 0;; esac; fi
  done
  return 1
}
sel=("$@")
need_san=0
for s in tests/suites/*; do
  [ -x "$s" ] && selected "$s" && grep -q '^# san: yes' "$s" && need_san=1
done
if [ "${KILN_NO_SAN:-}" != 1 ] && [ $need_san = 1 ]; then
  if ! make -s -j"$jobs" SAN=1 CC=clang-16 BUILD="$b_san" all test-bins >"$log/build-san.txt" 2>&1; then
    cat "$log/build-san.txt" >&2
    echo "sanitizer build failed"; echo "0 passed, 1 failed"; exit 1
  fi
fi

# The suites test the interpreter unless told otherwise: KILN_TIER=native
# runs them on the native tier (tests/suites/native compares the two).
export KILN_TIER=${KILN_TIER:-interp}

pass=0; fail=0; skip=0
# Every suite runs under a time limit (KILN_SUITE_TIMEOUT seconds, default
# 900): a hung suite fails by name instead of hanging the run. Each suite's
# time is printed.
suite_timeout=${KILN_SUITE_TIMEOUT:-900}
# Runs one suite into $log/ID.*: its TAP output (.txt), what the runner
# prints of it (.report) and its counts (.count, written last: the job is
# done when it exists).
run_suite() { # $1 job id, $2 suite path, $3 build dir, $4 label
  local id=$1 s=$2 b=$3 label=$4 out rc t0 n
  n=$(basename "$s"); out="$log/$id.txt"
  t0=$(date +%s)
  KILN="$root/$b/kiln" KILN_BUILD="$root/$b" KILN_ROOT="$root" \
    timeout -k 10 "$suite_timeout" "$s" >"$out" 2>&1
  rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "not ok - $n ($label) did not finish within ${suite_timeout} s (KILN_SUITE_TIMEOUT)" >>"$out"
  fi
  local p f k secs
  p=$(grep -cE '^ok ' "$out" | tr -d ' '); k=$(grep -cE '^ok .*# SKIP' "$out" | tr -d ' ')
  f=$(grep -cE '^not ok ' "$out" | tr -d ' ')
  p=$((p - k))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1; echo "not ok - $n exited with status $rc" >>"$out"
  fi
  if [ $((p + f + k)) -eq 0 ]; then
    f=1; echo "not ok - $n ran no test" >>"$out"
  fi
  secs=$(( $(date +%s) - t0 ))
  {
    echo "== $label $n"
    grep -E '^not ok ' "$out" | sed "s|^|  [$label $n] |"
    if [ "$f" -gt 0 ]; then sed -n '1,400p' "$out" | grep -vE '^ok ' | sed 's/^/    /'; fi
    echo "   $p passed, $f failed, $k skipped ($secs s)"
  } >"$log/$id.report"
  grep -E '^not ok ' "$out" | sed "s|^|  [$label $n] |" >"$log/$id.failures"
  echo "$secs $label $n" >"$log/$id.time"
  echo "$p $f $k" >"$log/$id.count.tmp" && mv "$log/$id.count.tmp" "$log/$id.count"
}

# The jobs, in order: each suite against the normal build, then (san: yes)
# against the sanitizer build. Up to KILN_TEST_JOBS (default: the number of
# CPUs) run at once; a suite whose header has "# parallel: no" (it measures
# time, or loads the machine on purpose) runs alone. Reports print in this
# order whatever the order of finishing, so a log reads the same each run.
ids=() suites=() builds=() labels=()
for s in tests/suites/*; do
  [ -x "$s" ] || continue
  selected "$s" || continue
  ids+=("${#ids[@]}"); suites+=("$s"); builds+=("$b"); labels+=(normal)
  if [ "${KILN_NO_SAN:-}" != 1 ] && grep -q '^# san: yes' "$s"; then
    ids+=("${#ids[@]}"); suites+=("$s"); builds+=("$b_san"); labels+=(asan)
  fi
done
par=${KILN_TEST_JOBS:-$jobs}
case $par in ''|*[!0-9]*|0) echo "tests/run.sh: KILN_TEST_JOBS wants a positive number, not '$par'" >&2; exit 2 ;; esac
next_report=0
report_done() { # prints, in job order, the reports of the jobs that have finished
  while [ "$next_report" -lt "${#ids[@]}" ] && [ -f "$log/$next_report.count" ]; do
    cat "$log/$next_report.report" >&2
    cat "$log/$next_report.failures" >>"$log/failures"
    cat "$log/$next_report.time" >>"$log/times"
    local p f k; read -r p f k <"$log/$next_report.count"
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + k))
    next_report=$((next_report + 1))
  done
}
wait_below() { # $1: waits until fewer than $1 jobs run, reporting as they end
  while [ "$(jobs -rp | wc -l)" -ge "$1" ]; do wait -n; report_done; done
}
for i in "${ids[@]}"; do
  if grep -q '^# parallel: no' "${suites[$i]}"; then
    wait_below 1
    run_suite "$i" "${suites[$i]}" "${builds[$i]}" "${labels[$i]}"
  else
    wait_below "$par"
    run_suite "$i" "${suites[$i]}" "${builds[$i]}" "${labels[$i]}" &
  fi
  report_done
done
wait
# A job that ended without its counts (the runner's subshell killed) is a
# failure, never a silent gap.
for i in "${ids[@]}"; do
  [ -f "$log/$i.count" ] && continue
  n=$(basename "${suites[$i]}")
  printf '== %s %s\n  [%s %s] not ok - %s ended without a result\n' "${labels[$i]}" "$n" "${labels[$i]}" "$n" "$n" >"$log/$i.report"
  echo "  [${labels[$i]} $n] not ok - $n ended without a result" >"$log/$i.failures"
  echo "0 ${labels[$i]} $n" >"$log/$i.time"
  echo "0 1 0" >"$log/$i.count"
done
report_done
if [ -s "$log/times" ]; then
  echo "== slowest suites (s): $(sort -rn "$log/times" | head -8 | awk '{printf "%s%s %s %s", (NR > 1 ? ", " : ""), $3, $2, $1}')" >&2
fi
# Every failure again, last, so that a log read from its end (CI shows the
# tail) names them all before the count.
if [ -s "$log/failures" ]; then
  echo "== failures ($(wc -l <"$log/failures" | tr -d ' ') lines; details above, under each suite)" >&2
  head -100 "$log/failures" >&2
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
