#!/usr/bin/env bash
# The README's two commands on a pristine Debian 12, as a new user runs them.
#
# Makes a minimal bookworm root with mmdebstrap (debootstrap when mmdebstrap
# is absent) from this machine's configured apt sources, clones the committed
# HEAD of this repository into it (a clone: nothing uncommitted, nothing
# ignored), and runs there, as root inside a chroot:
#
#     scripts/demo.sh       (with KILN_DEMO_EXIT=1 so that it ends)
#     make test
#
# Each command's exit status and the test summary line are printed at the end
# and kept with the whole log in $KILN_FRESH_DIR/fresh-check.log. It installs
# nothing in the chroot by hand: what the commands need, they must install
# themselves (scripts/deps.sh). It is not part of `make test` (it takes as
# long as the tests plus the packages); run it whenever dependencies change.
#
# Usage: scripts/fresh-check.sh [--keep]    (--keep leaves the root in place)
# Env:   KILN_FRESH_DIR (default: a new directory under /var/tmp)
#        KILN_FRESH_TESTS (default "make test"; e.g. "tests/run.sh wasi" for a quick look)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
keep=0
for a in "$@"; do
  case "$a" in
    --keep) keep=1 ;;
    -h|--help) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "fresh-check: unknown argument '$a' (try --help)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "fresh-check: needs root (chroot, mounts)" >&2; exit 1; }
git -C "$repo" rev-parse HEAD >/dev/null 2>&1 || { echo "fresh-check: $repo is not a git repository" >&2; exit 1; }
if ! git -C "$repo" diff --quiet HEAD; then
  echo "fresh-check: note: uncommitted changes are not checked (a clone of HEAD is)" >&2
fi

dir=${KILN_FRESH_DIR:-$(mktemp -d /var/tmp/kiln-fresh.XXXXXX)}
mkdir -p "$dir"
rootfs=$dir/root
log=$dir/fresh-check.log
: >"$log"
say() { printf '%s\n' "$*" | tee -a "$log" >&2; }

mounted=()
cleanup() {
  local m
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  if [ "$keep" -eq 0 ]; then rm -rf "$rootfs"; fi
}
trap cleanup EXIT

# The machine's apt sources, as they are configured (deb822 or one-line).
sources=$dir/sources.list
: >"$sources"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] && grep -E '^deb ' "$f" >>"$sources" || true
done
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  # deb822 stanzas: Types/URIs/Suites/Components, blank-line separated.
  awk 'BEGIN{RS=""; FS="\n"}
       { t=u=s=c="";
         for (i=1;i<=NF;i++) {
           if ($i ~ /^Types:/) t=substr($i,8); if ($i ~ /^URIs:/) u=substr($i,6);
           if ($i ~ /^Suites:/) s=substr($i,8); if ($i ~ /^Components:/) c=substr($i,12) }
         gsub(/^ +| +$/,"",t); gsub(/^ +| +$/,"",u); gsub(/^ +| +$/,"",c)
         if (t ~ /deb/ && u != "") { n=split(s,ss," "); for (j=1;j<=n;j++) print "deb " u " " ss[j] " " c } }' \
      "$f" >>"$sources"
done
[ -s "$sources" ] || { echo "fresh-check: no apt sources found in /etc/apt" >&2; exit 1; }
say "== apt sources (from this machine)"; sed 's/^/   /' "$sources" | tee -a "$log" >&2

say "== making a pristine bookworm root in $rootfs"
t0=$(date +%s)
if command -v mmdebstrap >/dev/null; then
  # minbase plus what `git clone` and a login shell need; nothing of kiln's.
  mmdebstrap --variant=minbase --include=git,ca-certificates,sudo bookworm "$rootfs" "$sources" >>"$log" 2>&1
elif command -v debootstrap >/dev/null; then
  mirror=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' "$sources")
  debootstrap --variant=minbase --include=git,ca-certificates,sudo bookworm "$rootfs" "$mirror" >>"$log" 2>&1
  cp "$sources" "$rootfs/etc/apt/sources.list"
else
  echo "fresh-check: needs mmdebstrap or debootstrap (apt-get install mmdebstrap)" >&2; exit 1
fi
say "   root made in $(( $(date +%s) - t0 )) s"

for m in proc sys dev dev/pts; do
  mkdir -p "$rootfs/$m"
  mount --bind "/$m" "$rootfs/$m"; mounted+=("$rootfs/$m")
done
mkdir -p "$rootfs/dev/shm" && mount -t tmpfs tmpfs "$rootfs/dev/shm" && mounted+=("$rootfs/dev/shm")
cp /etc/resolv.conf "$rootfs/etc/resolv.conf" 2>/dev/null || true
# The network's trust, as its apt sources and resolver: certificate
# authorities this machine's administrator added (a TLS-inspecting egress
# proxy's, say) go into the root too, or npm's installs (wabt.js,
# puppeteer-core) fail there with "self-signed certificate in chain" on a
# network where every real machine trusts them. Software is never copied.
if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  mkdir -p "$rootfs/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >>"$log" 2>&1 || true
  say "   added this machine's local certificate authorities: $(cd /usr/local/share/ca-certificates && ls *.crt | tr '\n' ' ')"
fi

git clone -q "$repo" "$rootfs/src/kiln"
if [ -d "$repo/../shared" ]; then cp -r "$repo/../shared" "$rootfs/src/shared"; fi
say "   cloned $(git -C "$rootfs/src/kiln" rev-parse --short HEAD) into /src/kiln"

run_in() { # $1 label, $2 command line
  local label=$1 cmd=$2 t st
  say "== $label: $cmd"
  t=$(date +%s)
  set +e
  chroot "$rootfs" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 CI=true bash -lc "cd /src/kiln && $cmd" </dev/null >"$dir/$label.log" 2>&1
  st=$?
  set -e
  cat "$dir/$label.log" >>"$log"
  say "   exit $st after $(( $(date +%s) - t )) s"
  return $st
}
demo_st=0; test_st=0
run_in demo "KILN_DEMO_EXIT=1 KILN_LISTEN=127.0.0.1:0 scripts/demo.sh" || demo_st=$?
run_in test "${KILN_FRESH_TESTS:-make test}" || test_st=$?
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$dir/test.log" | tail -1 || true)

say ""
say "== summary (log: $log)"
say "   scripts/demo.sh: exit $demo_st"
say "   ${KILN_FRESH_TESTS:-make test}: exit $test_st; ${summary:-no summary line}"
[ "$demo_st" -eq 0 ] && [ "$test_st" -eq 0 ]
