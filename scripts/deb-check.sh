#!/usr/bin/env bash
# Checks the Debian package on a pristine Debian 12: mmdebstrap makes a
# minimal root (variant apt) from this machine's own Debian apt sources,
# apt installs the .deb there (so only its declared Depends and Recommends
# come with it), and kiln is used in that root from an empty environment:
# --version, a .wasm, kiln-cc and kiln-c++ programs, .wat, the native tier,
# kiln new with make, kiln build and kiln dev (an edit live), kiln serve with a deploy answered over HTTP, an
# embedding program built with pkg-config, the completions, apt remove.
# Prints TAP lines and a count; exits non-zero when a check fails.
#
# Needs root (chroot) and the network; takes minutes. Usage:
#   scripts/deb-check.sh build/kiln_VERSION_ARCH.deb     (make deb-check)
# KILN_DEB_CHECK_KEEP=DIR keeps the root in DIR for a look afterwards.
set -euo pipefail
deb=${1:?usage: scripts/deb-check.sh KILN.deb}
[ -f "$deb" ] || { echo "deb-check: $deb does not exist (make deb)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "deb-check: needs root (it chroots into the new root)" >&2; exit 1; }
command -v mmdebstrap >/dev/null || { echo "deb-check: mmdebstrap is missing; install: apt-get install mmdebstrap" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KILN_BUILD:-$root/build}
[ -f "$build/examples/hello.wasm" ] || { echo "deb-check: $build/examples/hello.wasm is missing (make examples)" >&2; exit 1; }
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")

work=$(mktemp -d /tmp/kiln-deb-check.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The machine's configured Debian sources (not third-party ones such as
# NodeSource): every sources file that names the Debian archive keyring or a
# deb.debian.org URI.
: >"$work/debian.sources"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    if grep -qE 'debian-archive-keyring|deb\.debian\.org|security\.debian\.org' "$f"; then
        cat "$f" >>"$work/debian.sources"; echo >>"$work/debian.sources"
    fi
done
[ -s "$work/debian.sources" ] || { echo "deb-check: no Debian apt sources configured in /etc/apt" >&2; exit 1; }
# A .sources (deb822) text and a .list text cannot share one file: mmdebstrap
# pastes a file's content as sources.list, so keep the format the machine uses.
if grep -q '^Types:' "$work/debian.sources"; then mv "$work/debian.sources" "$work/debian-x.sources"; src=$work/debian-x.sources
else mv "$work/debian.sources" "$work/debian.list"; src=$work/debian.list; fi

cp "$deb" "$work/kiln.deb"
cp "$root/tests/install/embed.c" "$work/embed.c"
# The Recommends, installed after the core checks ran with the Depends alone.
cat >"$work/recommends.sh" <<'EOF'
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq $(dpkg-query -W -f='${Recommends}' kiln | tr -d ,)
EOF
cat >"$work/check.sh" <<'EOF'
# Runs inside the new root, from an empty environment.
set -u
mkdir -p /tmp/w-$1 && cd /tmp/w-$1
n_ok=0; n_fail=0
t() { local what=$1; shift
    if "$@" >out.txt 2>err.txt; then echo "ok - $what"; n_ok=$((n_ok + 1))
    else echo "not ok - $what"; n_fail=$((n_fail + 1)); sed 's/^/#   /' out.txt err.txt | head -n 12; fi; }
phase=$1   # core: with the Depends alone; extra: with the Recommends too
if [ "$phase" = core ]; then
. /etc/os-release
t "a pristine Debian $VERSION_ID root" sh -c '[ "$0" = 12 ]' "$VERSION_ID"
t "kiln is /usr/bin/kiln, installed by apt" sh -c '[ "$(command -v kiln)" = /usr/bin/kiln ] && dpkg-query -W -f="\${Status}" kiln | grep -q "install ok installed"'
t "kiln --version" sh -c 'kiln --version | grep -qx "kiln [0-9.]*"'
t "kiln --help lists new" sh -c 'kiln --help | grep -q "^  new "'
printf '#include <stdio.h>\nint main(int c, char **v){printf("hello %%s\\n", c > 1 ? v[1] : "cc");return 0;}\n' >hello.c
t "kiln-cc hello.c" kiln-cc -O2 -g -o hello.wasm hello.c
t "kiln run hello.wasm" sh -c 'kiln run hello.wasm deb | grep -qx "hello deb"'
t "kiln run a .wasm built elsewhere" sh -c 'kiln run /tmp/in/hello.wasm | grep -q "Hello from kiln"'
t "the native tier (gcc)" sh -c 'kiln run --tier=native hello.wasm nat | grep -qx "hello nat"'
t "kiln compile" sh -c 'kiln compile hello.wasm -o hello.so && [ -s hello.so ]'
printf '#include <iostream>\n#include <vector>\nint main(){std::vector<int> v{1,2,3};std::cout<<"cxx "<<v.size()<<"\\n";}\n' >h.cc
t "kiln-c++ builds, kiln runs it" sh -c 'kiln-c++ -o h.wasm h.cc && kiln run h.wasm | grep -qx "cxx 3"'
printf '(module\n  (func (export "add") (param i32 i32) (result i32)\n    local.get 0 local.get 1 i32.add))\n' >m.wat
t "kiln run --invoke on a .wat" sh -c '[ "$(kiln run --invoke add m.wat 2 3)" = 5 ]'
printf '(module\n  (func\n    i32.bogus))\n' >bad.wat
t "a .wat error names line:column" sh -c '! kiln run bad.wat 2>e.txt && grep -q "bad.wat:3:5:" e.txt'
t "kiln inspect" sh -c 'kiln inspect hello.wasm | grep -q "Sections"'
t "kiln new command-c, make run" sh -c 'kiln new cmd --template command-c && cd cmd && make -s run ARGS=ada | grep -qx "Hello, ada, from cmd!"'
t "kiln new command-cpp, make run" sh -c 'kiln new cpp --template command-cpp && cd cpp && make -s run | grep -qx "Hello, world, from cpp!"'
t "kiln new wagi-c, make" sh -c 'kiln new web --template wagi-c && make -s -C web && [ -f web/web.wasm ]'
mkdir -p data
kiln serve --listen 127.0.0.1:0 --data /tmp/w-core/data >serve.log 2>&1 &
spid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' serve.log); [ -n "$port" ] && break; sleep 0.1
done
t "kiln serve starts (kiln-platform from /usr/lib/kiln)" test -n "$port"
export KILN_DATA=/tmp/w-core/data KILN_SERVER=http://127.0.0.1:$port
t "kiln deploy the wagi-c project" sh -c 'cd web && make -s deploy'
get() { # PATH: the body of an HTTP/1.0 GET, through bash's /dev/tcp (no curl here)
    exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET %s HTTP/1.0\r\nHost: x\r\n\r\n' "$1" >&3 && sed '1,/^\r$/d' <&3; exec 3<&-; }
t "the deployed handler answers over HTTP" sh -c '[ "$1" = "Hello, ada, from web (/x)!" ]' _ "$(get '/run/web/x?name=ada')"
t "kiln history (a platform command)" sh -c 'kiln history web | grep -q "v1"'
kill $spid 2>/dev/null; wait $spid 2>/dev/null
# Issue 16's acceptance line: kiln.toml, kiln build, kiln dev, an edit live.
t "kiln new hello --template wagi-c && cd hello && kiln build" sh -c 'kiln new hello --template wagi-c >/dev/null && cd hello && kiln build'
(cd hello && exec kiln dev) >dev.log 2>&1 &
dpid=$!
for _ in $(seq 600); do
    port=$(sed -n 's|^kiln dev: serving hello at http://127.0.0.1:\([0-9]*\)/.*|\1|p' dev.log); [ -n "$port" ] && break; sleep 0.1
done
t "kiln dev serves the page" sh -c '[ "$1" = "Hello, ada, from hello (/)!" ]' _ "$(get '/run/hello/?name=ada')"
sed -i 's/Hello, /Howdy, /' hello/main.c
for _ in $(seq 1200); do case $(get /run/hello/) in Howdy*) break;; esac; sleep 0.1; done
t "an edit of main.c is live under kiln dev" sh -c 'case "$1" in Howdy*) exit 0;; esac; exit 1' _ "$(get /run/hello/)"
echo "# $(grep 'live again' dev.log | tail -1)"
kill -INT $dpid 2>/dev/null; wait $dpid
t "Ctrl-C (SIGINT) ends kiln dev with status 0" test $? = 0
t "bash completion installed, offering the templates" bash -c \
    '. /usr/share/bash-completion/completions/kiln; COMP_WORDS=(kiln new x --template wagi); COMP_CWORD=4; _kiln; [ "${COMPREPLY[*]}" = "wagi-c wagi-cpp" ]'
t "every file of the package is under /usr" sh -c '! dpkg -L kiln | grep -v "^/usr" | grep -v "^/\.$"'
else
printf '#include <stdio.h>\nint main(void){puts("hello cc");return 0;}\n' >hello.c
t "an embedder builds with pkg-config --cflags --libs kiln, and it runs" sh -c \
    'cc -Wall -Werror -o embed /tmp/in/embed.c $(pkg-config --cflags --libs kiln) && ./embed | grep -q "= 42"'
mkdir cm && printf 'cmake_minimum_required(VERSION 3.13)\nproject(t C)\nadd_executable(t ../hello.c)\n' >cm/CMakeLists.txt
t "the CMake toolchain file" sh -c 'cmake -S cm -B cm/b -DCMAKE_TOOLCHAIN_FILE=/usr/lib/kiln/wasm32-wasi.cmake && cmake --build cm/b && kiln run cm/b/t.wasm | grep -qx "hello cc"'
t "apt remove takes kiln away" sh -c 'apt-get remove -y -qq kiln >/dev/null 2>&1 && ! [ -e /usr/bin/kiln ] && ! [ -e /usr/lib/kiln ]'
fi
echo "# $phase: $n_ok passed, $n_fail failed (in the pristine root)"
echo "$n_ok $n_fail" >>/tmp/in/counts
[ "$n_fail" = 0 ]
EOF

target=${KILN_DEB_CHECK_KEEP:-$work/root}
echo "deb-check: making a Debian 12 root in $target from $(grep -cE '^(Types|deb )' "$src") source entries (this takes minutes)" >&2
# The host's package cache seeds the root's, so that apt downloads only what
# the host does not have; mmdebstrap empties the cache when it finishes.
set +e
mmdebstrap --variant=apt --mode=root --quiet \
    --setup-hook='mkdir -p "$1/var/cache/apt/archives" && find /var/cache/apt/archives -maxdepth 1 -name "*.deb" -exec cp -t "$1/var/cache/apt/archives/" {} +' \
    --customize-hook='mkdir -p "$1/tmp/in"' \
    --customize-hook="copy-in $work/kiln.deb $work/embed.c $work/check.sh $work/recommends.sh /tmp/in/" \
    --customize-hook="copy-in $build/examples/hello.wasm /tmp/in/" \
    --customize-hook='chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/in/kiln.deb >"$1/tmp/in/apt.log" 2>&1 || { tail -n 20 "$1/tmp/in/apt.log" >&2; exit 1; }' \
    --customize-hook='echo "ok - apt-get install --no-install-recommends ./kiln.deb in the pristine root (Depends names $(chroot "$1" dpkg-query -W -f="\${Depends}" kiln | tr "," "\n" | wc -l) packages)"' \
    --customize-hook='chroot "$1" env -i PATH=/usr/bin:/bin HOME=/tmp bash /tmp/in/check.sh core || touch "$1/tmp/in/failed"' \
    --customize-hook='chroot "$1" sh /tmp/in/recommends.sh >"$1/tmp/in/apt2.log" 2>&1 || { tail -n 20 "$1/tmp/in/apt2.log" >&2; exit 1; }' \
    --customize-hook='echo "ok - the Recommends installed (what an embedder and CMake users need)"' \
    --customize-hook='chroot "$1" env -i PATH=/usr/bin:/bin HOME=/tmp bash /tmp/in/check.sh extra || touch "$1/tmp/in/failed"' \
    --customize-hook='awk "{p += \$1; f += \$2} END {print p + 2 \" passed, \" f \" failed in the pristine Debian 12 root\"}" "$1/tmp/in/counts"; ! [ -e "$1/tmp/in/failed" ]' \
    bookworm "$target" "$src"
rc=$?
set -e
if [ $rc -ne 0 ]; then echo "deb-check: FAILED (status $rc)" >&2; exit 1; fi
echo "deb-check: the package installs and runs on a pristine Debian 12" >&2
