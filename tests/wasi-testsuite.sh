#!/usr/bin/env bash
# Runs the WebAssembly wasi-testsuite (wasm32-wasip1 tests) through `kiln run`.
#
# Usage: KILN_WASI_TESTSUITE=/path/to/wasi-testsuite tests/wasi-testsuite.sh [NAME-SUBSTRING...]
#   KILN_WASI_TESTSUITE  a checkout of WebAssembly/wasi-testsuite, branch
#                        prod/testsuite-base (it holds the prebuilt .wasm files)
#   KILN                 the kiln binary (default: build/kiln)
#
# Each tests/*/testsuite/wasm32-wasip1/NAME.wasm runs with the arguments,
# environment and root directory its NAME.json gives (a test's "root" is
# copied to a fresh temp dir first, so the checkout is never written), with
# stdin an empty pipe that stays open, as the suite's own runner does. A test
# passes when the exit status matches and, where the spec gives stdout or
# stderr, the output starts with it (the reference runner reads exactly that
# many bytes and compares them). Prints TAP lines and "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kiln=${KILN:-$root/build/kiln}
suite=${KILN_WASI_TESTSUITE:-}

if [ -z "$suite" ]; then
  echo "wasi-testsuite: KILN_WASI_TESTSUITE is not set; point it at a checkout of"
  echo "  WebAssembly/wasi-testsuite, branch prod/testsuite-base. Nothing was run."
  exit 2
fi
if [ ! -d "$suite/tests" ]; then
  echo "wasi-testsuite: '$suite' is not a wasi-testsuite checkout (no tests/ in it). Nothing was run."
  exit 2
fi
if [ ! -x "$kiln" ]; then
  echo "wasi-testsuite: no kiln binary at $kiln (build it, or set KILN)."
  exit 2
fi
command -v node >/dev/null || { echo "wasi-testsuite: node is needed to read the JSON specs."; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Reads a spec into NUL-separated fields: exit code, stdout?, stdout, stderr?,
# stderr, root, then "A" arg / "E" NAME=VALUE entries.
spec_fields() {
  node -e '
    const fs = require("fs");
    const f = process.argv[1];
    const s = fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : {};
    const out = [String(s.exit_code ?? 0),
                 "stdout" in s ? "1" : "0", s.stdout ?? "",
                 "stderr" in s ? "1" : "0", s.stderr ?? "",
                 s.root ?? ""];
    for (const a of s.args ?? []) out.push("A" + a);
    for (const [k, v] of Object.entries(s.env ?? {})) out.push("E" + k + "=" + v);
    process.stdout.write(out.join("\0") + "\0");
  ' "$1"
}

pass=0; fail=0; n=0
for dir in "$suite"/tests/*/testsuite/wasm32-wasip1; do
  [ -d "$dir" ] || continue
  lang=$(basename "$(dirname "$(dirname "$dir")")")
  for wasm in "$dir"/*.wasm; do
    name=$(basename "$wasm" .wasm)
    if [ $# -gt 0 ]; then m=0; for a in "$@"; do case "$lang/$name" in *"$a"*) m=1;; esac; done; [ $m = 1 ] || continue; fi
    n=$((n + 1))
    mapfile -d '' f < <(spec_fields "$dir/$name.json")
    want_code=${f[0]}; has_out=${f[1]}; want_out=${f[2]}; has_err=${f[3]}; want_err=${f[4]}; troot=${f[5]}
    cmd=("$kiln" run)
    args=()
    for x in "${f[@]:6}"; do
      case "$x" in
        A*) args+=("${x:1}") ;;
        E*) cmd+=(--env "${x:1}") ;;
      esac
    done
    work="$tmp/$lang-$name"
    mkdir -p "$work"
    if [ -n "$troot" ]; then
      cp -a "$dir/$troot" "$work/root"
      cmd+=(--dir "$work/root::/")
    fi
    cmd+=("$wasm" "${args[@]}")
    # stdin: an empty pipe whose writer stays alive for the run, as with
    # the reference runner (a poll on stdin must not see end of file).
    exec {stdin_fd}< <(exec sleep 120)
    keeper=$!
    timeout 60 "${cmd[@]}" <&"$stdin_fd" > "$work/stdout" 2> "$work/stderr"
    code=$?
    exec {stdin_fd}<&-
    kill "$keeper" 2>/dev/null
    why=""
    [ "$code" = "$want_code" ] || why="exit status $code, want $want_code"
    if [ -z "$why" ] && [ "$has_out" = 1 ]; then
      got=$(head -c "${#want_out}" "$work/stdout"; echo x); got=${got%x}
      [ "$got" = "$want_out" ] || why="stdout does not start with the expected text"
    fi
    if [ -z "$why" ] && [ "$has_err" = 1 ]; then
      got=$(head -c "${#want_err}" "$work/stderr"; echo x); got=${got%x}
      [ "$got" = "$want_err" ] || why="stderr does not start with the expected text"
    fi
    if [ -z "$why" ]; then
      echo "ok - $lang/$name"
      pass=$((pass + 1))
    else
      echo "not ok - $lang/$name: $why"
      sed -n '1,15p' "$work/stderr" | sed 's/^/#   stderr: /'
      sed -n '1,5p' "$work/stdout" | sed 's/^/#   stdout: /'
      fail=$((fail + 1))
    fi
    rm -rf "$work"
  done
done
[ "$n" -gt 0 ] || { echo "wasi-testsuite: no wasm32-wasip1 tests found under $suite/tests"; exit 2; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
