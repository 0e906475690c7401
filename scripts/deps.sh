#!/usr/bin/env bash
# Installs the Debian packages kiln needs to build and test, only when some
# are missing (a fast no-op otherwise). Add a package here, not by hand.
set -euo pipefail
pkgs=(
  make gcc clang-16 lld-16 llvm-16        # host build, sanitizers, libFuzzer; llvm-ar-16 (kiln-ar), DWARF tools
  libclang-rt-16-dev                      # ASan/UBSan/libFuzzer runtimes for clang-16 (make SAN=1, fuzz targets)
  g++                                     # native build of examples/cxx, the C++ oracle
  binutils                                # GNU ar: tests/suites/toolchain links the archives it writes
  wabt binaryen                           # wast2json for tests, wasm-opt -ttf for fuzzing
  wasi-libc libclang-rt-16-dev-wasm32     # the guest C toolchain (kiln-cc)
  libc++-16-dev-wasm32 libc++abi-16-dev-wasm32   # the guest C++ toolchain (kiln-c++)
  libstb-dev                              # examples/imgproc
  libcjson-dev                            # JSON (spec scripts, API, stats)
  libtomlplusplus-dev                     # kiln.toml (src/cli/toml.cc; header-only: no run-time dependency)
  libsqlite3-dev libmicrohttpd-dev        # kiln serve
  libpq-dev                               # kiln serve --registry postgresql://... (docs/cluster.md)
  postgresql haproxy                      # scripts/cluster.sh, tests/suites/cluster: a private PostgreSQL, the load balancer
  libssl-dev libcurl4-openssl-dev sqlite3 # kiln serve: sha256; the CLI's API client; registry checks in tests
  wrk nginx-light                         # bench/serve.sh (nginx is the static-file ceiling)
  libiberty-dev                           # C++ demangling in backtraces
  nodejs                                  # second engine for differential tests; its npm installs tests/ui's lockfile
  chromium                                # tests/suites/ui: the web UI in a real headless browser (puppeteer-core)
  jq libxml2-utils                        # coredump/profile suites: JSON from the readers, xmllint for SVG
  openssl                                 # fixed pseudo-random bytes for tests/fuzz/diff.sh
  gdb                                     # tests/suites/traps: the oracle for trap backtraces (native builds)
  python3                                 # small oracles in the delivery, metering and traps suites
  curl cmake
  dpkg-dev pkg-config                     # make deb (dpkg-shlibdeps), tests/suites/install (pkg-config kiln)
  mmdebstrap                              # make deb-check: a pristine Debian 12 root for the package
  zsh fish                                # tests/suites/install: the installed zsh and fish completions, run
)
# npm: NodeSource's nodejs carries it; Debian's nodejs does not (Debian
# ships it as the package npm, which conflicts with NodeSource's nodejs), so
# ask for the package only when there is no npm to run.
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, into .deps/npm (ignored by git): wabt.js converts the spec
# scripts that use Wasm 3.0 syntax Debian's wast2json 1.0.32 cannot parse
# (try_table, exnref: tests/tools/wast-binarize.mjs).
npm_pkgs=(wabt@1.0.39)
npm_dir=$(cd "$(dirname "$0")/.." && pwd)/.deps/npm
for p in "${npm_pkgs[@]}"; do
  name=${p%@*} version=${p##*@}
  if ! grep -qs "\"version\": \"$version\"" "$npm_dir/node_modules/$name/package.json"; then
    echo "deps: npm install $p into $npm_dir" >&2
    mkdir -p "$npm_dir"
    npm install --silent --no-audit --no-fund --prefix "$npm_dir" "$p" >/dev/null || echo "deps: npm install $p failed" >&2
  fi
done

# Package names are not capabilities: a package can be present and still not
# provide what the build links against (a dev machine once had the ASan
# runtime from a manual install that deps.sh never named). Check what the
# build and the tests actually do, and name the package that provides it.
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
need() { # $1 what, $2 package(s), then the command
  local what=$1 pkg=$2; shift 2
  if ! "$@" >"$tmp/out.txt" 2>&1; then
    echo "deps: cannot $what; install: apt-get install $pkg" >&2
    sed -n '1,5s/^/deps:   /p' "$tmp/out.txt" >&2
    bad=1
  fi
}
printf 'int main(void){return 0;}\n' >"$tmp/t.c"
printf '#include <stdio.h>\nint main(void){puts("hi");return 0;}\n' >"$tmp/h.c"
printf '#include <string>\n#include <vector>\nint main(){std::vector<std::string> v{"hi"};return (int)v.size()-1;}\n' >"$tmp/h.cc"
need "link an ASan+UBSan program with clang-16" libclang-rt-16-dev \
  clang-16 -fsanitize=address,undefined "$tmp/t.c" -o "$tmp/t"
need "link a libFuzzer program with clang-16" libclang-rt-16-dev \
  clang-16 -fsanitize=fuzzer -x c - -o "$tmp/f" <<<'#include <stdint.h>
#include <stddef.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n){(void)d;(void)n;return 0;}'
need "compile C to wasm32-wasi with kiln-cc" "wasi-libc libclang-rt-16-dev-wasm32 lld-16" \
  env KILN_RT=none "$root/tools/kiln-cc" -O2 "$tmp/h.c" -o "$tmp/h.wasm"
# Debian's libc++ alone: kiln's C++ exception runtime (libkiln-cxx.a) is
# built by make, after this check, so the check links without exceptions.
need "compile C++ to wasm32-wasi with kiln-c++" "libc++-16-dev-wasm32 libc++abi-16-dev-wasm32" \
  env KILN_RT=none "$root/tools/kiln-c++" -O2 -fno-exceptions "$tmp/h.cc" -o "$tmp/hcc.wasm"
printf '#define TOML_EXCEPTIONS 0\n#include <toml++/toml.h>\nint main(){return toml::parse("a = 1") ? 0 : 1;}\n' >"$tmp/toml.cc"
need "parse TOML with tomlplusplus, header-only (kiln.toml)" libtomlplusplus-dev \
  sh -c "g++ -std=c++17 '$tmp/toml.cc' -o '$tmp/toml' && '$tmp/toml'"
# tests/suites/ui installs puppeteer-core from tests/ui/package-lock.json with
# npm ci (offline from npm's cache when it can); Debian's nodejs may come
# without npm (Debian ships it as the package npm).
need "run npm (tests/suites/ui)" npm npm --version
# libpq: kiln links it (pkg-config libpq); the cluster suite and
# scripts/cluster.sh run Debian's initdb/pg_ctl (not on PATH) and haproxy.
need "find libpq (pkg-config libpq)" libpq-dev pkg-config --exists libpq
need "find PostgreSQL's initdb under /usr/lib/postgresql/*/bin" postgresql \
  sh -c 'ls /usr/lib/postgresql/*/bin/initdb'
need "run haproxy" haproxy haproxy -v
[ "$bad" -eq 0 ] || { echo "deps: the machine lacks what the build needs (above)" >&2; exit 1; }
