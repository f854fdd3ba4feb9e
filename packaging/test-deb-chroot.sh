#!/usr/bin/env bash
# Installs the keepalived-rs .deb in a fresh Debian chroot next to Debian's keepalived, then
# reinstalls, removes and purges it, checking each step. Needs root, debootstrap and Debian's
# package mirror (the chroot is made with debootstrap --variant=minbase when DIR holds none;
# about 200 MB, reused on the next run). Not part of CI; packaging/test-deb.sh is.
#
#   bash packaging/test-deb-chroot.sh [DEB] [DIR]     (DIR defaults to target/chroot-bookworm)
set -uo pipefail
cd "$(dirname "$0")/.."

deb=${1:-}
if [ -z "$deb" ]; then
    deb=$(bash packaging/build-deb.sh) || { echo "FAILED: build-deb.sh"; exit 1; }
fi
target=${CARGO_TARGET_DIR:-$PWD/target}
root=${2:-$target/chroot-bookworm}
suite=${SUITE:-bookworm}
mirror=${MIRROR:-http://deb.debian.org/debian}

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

if [ ! -x "$root/usr/bin/dpkg" ]; then
    echo "creating $suite chroot in $root" >&2
    debootstrap --variant=minbase "$suite" "$root" "$mirror" >&2 || { echo "FAILED: debootstrap"; exit 1; }
fi
# Never start services inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
cp "$deb" "$root/tmp/keepalived-rs.deb"

# keepalived first: the two packages must share a machine (rollback keeps keepalived).
if ! in_root dpkg -s keepalived >/dev/null 2>&1; then
    in_root apt-get update >&2 && in_root apt-get install -y --no-install-recommends keepalived >&2
fi
check "Debian's keepalived is installed" bash -c 'chroot "$1" dpkg -s keepalived >/dev/null' _ "$root"
check "dpkg -i keepalived-rs next to keepalived" in_root dpkg -i /tmp/keepalived-rs.deb
check "package status: install ok installed" \
    bash -c 'chroot "$1" dpkg-query -W -f="\${Status}" keepalived-rs | grep -qx "install ok installed"' _ "$root"
check "the unit is installed but not enabled" \
    test -f "$root/usr/lib/systemd/system/keepalived-rs.service" -a \
    ! -e "$root/etc/systemd/system/multi-user.target.wants/keepalived-rs.service"
check "keepalived's unit and binary are untouched" \
    test -x "$root/usr/sbin/keepalived" -a -f "$root/lib/systemd/system/keepalived.service"

mkdir -p "$root/etc/keepalived"
printf 'global_defs {\n    router_id chroot_test\n}\n' >"$root/etc/keepalived/keepalived.conf"
check "keepalived-rs -t reads /etc/keepalived/keepalived.conf" in_root keepalived-rs -t
check "keepalived-rs --signum=STOP prints 15" bash -c '[ "$(chroot "$1" keepalived-rs --signum=STOP)" = 15 ]' _ "$root"

check "the keepalived alternative is registered" \
    bash -c 'chroot "$1" update-alternatives --query keepalived | grep -qx "Alternative: /usr/sbin/keepalived-rs"' _ "$root"
check "Debian's /usr/sbin/keepalived stays a real file beside the alternative" test ! -L "$root/usr/sbin/keepalived"

check "dpkg -i again (reinstall/upgrade path)" in_root dpkg -i /tmp/keepalived-rs.deb
check "dpkg -r keepalived-rs" in_root dpkg -r keepalived-rs
check "removed: the keepalived alternative is withdrawn" \
    bash -c '! chroot "$1" update-alternatives --query keepalived >/dev/null 2>&1' _ "$root"
check "removed: binary gone, conffile kept" \
    test ! -e "$root/usr/sbin/keepalived-rs" -a -f "$root/etc/default/keepalived-rs"
check "dpkg -P keepalived-rs" in_root dpkg -P keepalived-rs
check "purged: /etc/default/keepalived-rs gone" test ! -e "$root/etc/default/keepalived-rs"
check "keepalived still installed" test -x "$root/usr/sbin/keepalived"

rm -f "$root/usr/sbin/policy-rc.d" "$root/tmp/keepalived-rs.deb"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
