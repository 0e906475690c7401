#!/usr/bin/env bash
# Runs the official WebAssembly spec testsuite against kiln.
#
#   KILN_SPEC_DIR  a checkout of WebAssembly/testsuite (commit 7ef86dd);
#                  its top-level *.wast files are run, and those of the
#                  proposals kiln implements that need no special handling
#                  (tail-call, extended-const, relaxed-simd, multi-memory,
#                  memory64; exception-handling is run by tests/suites/eh),
#                  converted with
#                  wast2json --enable-all (1.0.32 knows relaxed SIMD's two
#                  dot products by their earlier names: a copy renamed)
#   KILN           the kiln binary
#   SPEC_JSON      where converted scripts are cached (wast2json output)
#   KILN_SPEC_ARGS extra options for kiln spectest (e.g. "--tier native")
#   tests/spec.sh [--tap]
#
# The core files and every proposal but multi-memory date from before
# multi-memory: they expect a second memory to be invalid ("multiple
# memories"), so they run with --single-memory (kiln_config.single_memory);
# multi-memory's own files run without it. Its memory_copy1.wast holds only
# a TODO comment (nothing to convert): skipped, and said so.
#
# Each .wast is converted with wast2json once (again only when the .wast is
# newer). wast2json 1.0.32 cannot convert five files (table_fill, table_get,
# table_grow, table_set, table_size): they are skipped, and said so. The
# SIMD files (simd_*) count like the others; plain mode also prints their
# totals on a line of their own.
# Plain mode prints the failures and totals and exits 1 when a command
# failed; --tap prints one TAP line per file for tests/suites/spec.
set -u
tap=0
[ "${1:-}" = "--tap" ] && tap=1
root=$(cd "$(dirname "$0")/.." && pwd)
kiln=${KILN:-$root/build/kiln}
cache=${SPEC_JSON:-$root/build/spec-json}
unconvertible=" table_fill table_get table_grow table_set table_size "
# proposal files with no commands at all (wast2json fails on an empty script)
empty=" multi-memory/memory_copy1 "

if [ -z "${KILN_SPEC_DIR:-}" ] || [ ! -d "${KILN_SPEC_DIR:-}" ]; then
  if [ $tap = 1 ]; then
    echo "ok - official spec testsuite # SKIP KILN_SPEC_DIR not set"
  else
    echo "spec: KILN_SPEC_DIR is not set (or not a directory): point it at a checkout of"
    echo "      WebAssembly/testsuite (commit 7ef86dd) to run the official spec tests."
  fi
  exit 0
fi
if ! command -v wast2json >/dev/null 2>&1; then
  [ $tap = 1 ] && echo "ok - official spec testsuite # SKIP wast2json (wabt) is not installed" \
              || echo "spec: wast2json (Debian package wabt) is not installed."
  exit 0
fi
mkdir -p "$cache" || exit 1

plain=() simd=() nconv=0
for w in "$KILN_SPEC_DIR"/*.wast; do
  name=$(basename "$w" .wast)
  case "$unconvertible" in
    *" $name "*)
      if [ $tap = 1 ]; then echo "ok - spec/$name.wast # SKIP wast2json 1.0.32 cannot convert it"
      else echo "spec: skipping $name.wast: wast2json 1.0.32 cannot convert it"; fi
      continue ;;
  esac
  d="$cache/$name"
  if [ ! -f "$d/$name.json" ] || [ "$w" -nt "$d/$name.json" ]; then
    rm -rf "$d" && mkdir -p "$d"
    if ! wast2json "$w" -o "$d/$name.json" >"$d/wast2json.txt" 2>&1; then
      rm -f "$d/$name.json"
      if [ $tap = 1 ]; then echo "not ok - spec/$name.wast: wast2json failed"
      else echo "spec: wast2json failed on $name.wast:"; head -5 "$d/wast2json.txt"; fi
      nconv=$((nconv + 1))
      continue
    fi
  fi
  case "$name" in simd_*) simd+=("$d/$name.json") ;; *) plain+=("$d/$name.json") ;; esac
done

# The proposals, each file as proposals/NAME/FILE (names repeat across them).
proposals="tail-call extended-const relaxed-simd multi-memory memory64"
props=() mmem=()
for p in $proposals; do
  for w in "$KILN_SPEC_DIR/proposals/$p"/*.wast; do
    [ -f "$w" ] || continue
    name=$(basename "$w" .wast)
    case "$empty" in
      *" $p/$name "*)
        if [ $tap = 1 ]; then echo "ok - spec/proposals/$p/$name.wast # SKIP it holds no commands (a TODO comment only)"
        else echo "spec: skipping proposals/$p/$name.wast: it holds no commands (a TODO comment only)"; fi
        continue ;;
    esac
    d="$cache/proposals/$p/$name"
    if [ ! -f "$d/$name.json" ] || [ "$w" -nt "$d/$name.json" ]; then
      rm -rf "$d" && mkdir -p "$d"
      sed -e 's/i16x8\.relaxed_dot_i8x16_i7x16_s/i16x8.dot_i8x16_i7x16_s/g' \
          -e 's/i32x4\.relaxed_dot_i8x16_i7x16_add_s/i32x4.dot_i8x16_i7x16_add_s/g' "$w" >"$d/$name.wast"
      if ! wast2json --enable-all "$d/$name.wast" -o "$d/$name.json" >"$d/wast2json.txt" 2>&1; then
        rm -f "$d/$name.json"
        if [ $tap = 1 ]; then echo "not ok - spec/proposals/$p/$name.wast: wast2json failed"
        else echo "spec: wast2json failed on proposals/$p/$name.wast:"; head -5 "$d/wast2json.txt"; fi
        nconv=$((nconv + 1))
        continue
      fi
    fi
    if [ "$p" = multi-memory ]; then mmem+=("$d/$name.json"); else props+=("$d/$name.json"); fi
  done
done

summary() { grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" | tail -1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=$nconv

if [ $tap = 1 ]; then
  for j in "${plain[@]}" "${simd[@]}" "${props[@]}" "${mmem[@]}"; do
    name=$(basename "$j" .json)
    case "$j" in */proposals/*) name=proposals/$(basename "$(dirname "$(dirname "$j")")")/$name ;; esac
    single=--single-memory
    case "$j" in */proposals/multi-memory/*) single= ;; esac
    timeout 600 "$kiln" spectest ${KILN_SPEC_ARGS:-} $single "$j" >"$out" 2>&1
    rc=$?
    s=$(summary "$out")
    if [ $rc -eq 0 ] && [ -n "$s" ]; then echo "ok - spec/$name.wast: $s"
    else echo "not ok - spec/$name.wast: ${s:-no summary} (exit status $rc)"; grep -v 'passed,' "$out" | head -20 | sed 's/^/# /'; fi
  done
  exit 0
fi

# run_group LABEL OPTIONS FILE...: one kiln spectest over the files (with
# OPTIONS, one word, may be empty), its failures and a totals line.
run_group() {
  local label=$1 opt=$2 rc s; shift 2
  [ $# -gt 0 ] || return 0
  timeout 1200 "$kiln" spectest ${KILN_SPEC_ARGS:-} $opt "$@" >"$out" 2>&1
  rc=$?
  grep '^FAIL' "$out" | head -100
  s=$(summary "$out")
  echo "$label: ${s:-no summary (exit status $rc)}"
  [ $rc -eq 0 ] && [ -n "$s" ] || failed=$((failed + 1))
}
run_group "spec (${#plain[@]} files, non-SIMD)" --single-memory "${plain[@]}"
run_group "spec SIMD (${#simd[@]} files)" --single-memory "${simd[@]}"
run_group "spec proposals (${proposals/ multi-memory/}: ${#props[@]} files)" --single-memory "${props[@]}"
run_group "spec proposals (multi-memory: ${#mmem[@]} files)" "" "${mmem[@]}"
[ $failed -eq 0 ]
