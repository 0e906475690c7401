#!/usr/bin/env bash
# Installs the Debian packages kiln needs to build and test, only when some
# are missing (a fast no-op otherwise). Add a package here, not by hand.
set -euo pipefail
pkgs=(
  make gcc clang-16 lld-16 llvm-16        # host build, sanitizers, libFuzzer; llvm-ar-16 (kiln-ar), DWARF tools
  g++                                     # native build of examples/cxx, the C++ oracle
  wabt binaryen                           # wast2json for tests, wasm-opt -ttf for fuzzing
  wasi-libc libclang-rt-16-dev-wasm32     # the guest C toolchain (kiln-cc)
  libc++-16-dev-wasm32 libc++abi-16-dev-wasm32   # the guest C++ toolchain (kiln-c++)
  libstb-dev                              # examples/imgproc
  libcjson-dev                            # JSON (spec scripts, API, stats)
  libsqlite3-dev libmicrohttpd-dev        # kiln serve
  libssl-dev libcurl4-openssl-dev sqlite3 # kiln serve: sha256; the CLI's API client; registry checks in tests
  wrk nginx-light                         # bench/serve.sh (nginx is the static-file ceiling)
  libiberty-dev                           # C++ demangling in backtraces
  nodejs                                  # second engine for differential tests
  jq libxml2-utils                        # coredump/profile suites: JSON from the readers, xmllint for SVG
  openssl                                 # fixed pseudo-random bytes for tests/fuzz/diff.sh
  gdb                                     # tests/suites/traps: the oracle for trap backtraces (native builds)
  python3                                 # small oracles in the delivery, metering and traps suites
  curl cmake
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
