#!/usr/bin/env bash
# Builds the Debian package of kiln: BUILD/kiln_VERSION_ARCH.deb, the tree of
# `make install PREFIX=/usr` (mk/install.mk) with a control file.
#
# Depends is computed, not written by hand:
#   - the shared libraries kiln and kiln-platform load, by dpkg-shlibdeps
#     (libc6, libcrypto, sqlite, libmicrohttpd, libcurl, cJSON, ...);
#   - the guest toolchain: the Debian packages kiln-cc itself names when a
#     part is missing (its `need ... PACKAGE` lines), so the two cannot drift;
#   - gcc and libc6-dev, which the native tier compiles generated C with.
# Recommends: what an embedder linking libkiln.a needs (kiln.pc's -l flags),
# and libstb-dev (the stb headers kiln-cc offers guests).
#
# Usage: scripts/mkdeb.sh [BUILD]   (make deb)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${1:-build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
version=$(sed -n 's/^#define KILN_VERSION "\(.*\)"$/\1/p' include/kiln.h)
arch=$(dpkg --print-architecture)
for t in dpkg-deb dpkg-shlibdeps; do
    command -v $t >/dev/null || { echo "mkdeb: $t is missing; install: apt-get install dpkg-dev" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/kiln_${version}_$arch
make -s BUILD="$build" install PREFIX=/usr DESTDIR="$stage" >&2
install -d "$stage/usr/share/doc/kiln"
install -m 644 LICENSE "$stage/usr/share/doc/kiln/copyright"
install -m 644 README.md docs/install.md "$stage/usr/share/doc/kiln/"

# Shared libraries of the programs (dpkg-shlibdeps wants a debian/control).
mkdir -p "$work/src/debian"
printf 'Source: kiln\n\nPackage: kiln\nArchitecture: any\n' >"$work/src/debian/control"
shlibs=$(cd "$work/src" && dpkg-shlibdeps -O -e"$stage/usr/bin/kiln" -e"$stage/usr/lib/kiln/kiln-platform" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "mkdeb: dpkg-shlibdeps found no libraries" >&2; exit 1; }
# The guest toolchain, as kiln-cc names it.
tools=$(grep -oE '^[[:space:]]*need "[^"]*" "[^"]*" [a-z0-9.+-]+$' tools/kiln-cc | awk '{print $NF}' | sort -u | paste -sd, - | sed 's/,/, /g')
[ -n "$tools" ] || { echo "mkdeb: no package names found in tools/kiln-cc" >&2; exit 1; }
depends="$shlibs, $tools, gcc, libc6-dev, make"
recommends="libcjson-dev, libiberty-dev, libssl-dev, pkg-config, libstb-dev, cmake"

size=$(du -sk "$stage/usr" | cut -f1)
mkdir -p "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<CTRL
Package: kiln
Version: $version
Architecture: $arch
Maintainer: kiln developers <kiln@localhost>
Installed-Size: $size
Section: devel
Priority: optional
Depends: $depends
Recommends: $recommends
Description: server-side WebAssembly runtime, toolchain and platform
 kiln runs WebAssembly modules on servers with its own engine (a decoder,
 validator, fast interpreter and native tier), compiles C and C++ to
 wasm32-wasi with kiln-cc and kiln-c++, and serves versioned modules over
 HTTP with rollback, metering and delivery metrics. Includes libkiln.a and
 its headers for embedding (pkg-config kiln).
CTRL
out=$build/kiln_${version}_$arch.deb
dpkg-deb --root-owner-group --build "$stage" "$out" >&2
echo "$out"
