#!/usr/bin/env bash
# CI check of the packaging: builds the .deb (packaging/build-deb.sh), checks its control data
# and contents, runs the packaged binary, man page and completions, runs lintian when it is
# installed, and `systemd-analyze verify` on both units (Debian's, and the RHEL example)
# pointed at the packaged binary and man page. Needs dpkg-deb and systemd-analyze (Debian's
# systemd package); everything else is optional. Ends with "N passed, N failed".
#
#   bash packaging/test-deb.sh
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

deb=$(bash packaging/build-deb.sh) || { echo "FAILED: build-deb.sh"; echo "0 passed, 1 failed"; exit 1; }
echo "package: $deb"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root

# Control data.
info=$(dpkg-deb --info "$deb")
check "Package: keepalived-rs" grep -q '^ Package: keepalived-rs$' <<<"$info"
check "Depends on libc6" grep -q '^ Depends: .*libc6' <<<"$info"
check "/etc/default/keepalived-rs is a conffile" \
    bash -c 'dpkg-deb --ctrl-tarfile "$1" | tar -xO ./conffiles | grep -qx /etc/default/keepalived-rs' _ "$deb"
scripts=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst ./prerm 2>/dev/null)
check "postinst never enables or starts the unit" \
    bash -c '! grep -Eq "deb-systemd-invoke (start|restart) |systemctl (enable|start)" <<<"$1"' _ "$scripts"
check "prerm stops the unit on remove" grep -q 'deb-systemd-invoke stop keepalived-rs.service' <<<"$scripts"
check "postinst offers the keepalived name (alternatives)" \
    grep -q 'update-alternatives --install /usr/sbin/keepalived keepalived /usr/sbin/keepalived-rs' <<<"$scripts"
check "prerm withdraws the keepalived alternative" \
    grep -q 'update-alternatives --remove keepalived /usr/sbin/keepalived-rs' <<<"$scripts"

# Contents.
contents=$(dpkg-deb --contents "$deb" | awk '{print $1, $NF}')
for want in \
    "-rwxr-xr-x ./usr/sbin/keepalived-rs" \
    "-rw-r--r-- ./usr/lib/systemd/system/keepalived-rs.service" \
    "-rw-r--r-- ./etc/default/keepalived-rs" \
    "-rw-r--r-- ./usr/share/man/man8/keepalived-rs.8.gz" \
    "-rw-r--r-- ./usr/share/bash-completion/completions/keepalived-rs" \
    "-rw-r--r-- ./usr/share/zsh/vendor-completions/_keepalived-rs" \
    "-rw-r--r-- ./usr/share/fish/vendor_completions.d/keepalived-rs.fish" \
    "-rw-r--r-- ./usr/share/doc/keepalived-rs/README.md" \
    "-rw-r--r-- ./usr/share/dbus-1/system.d/org.keepalived.Vrrp1.conf" \
    "-rw-r--r-- ./usr/share/doc/keepalived-rs/copyright" \
    "-rw-r--r-- ./usr/share/doc/keepalived-rs/changelog.Debian.gz"; do
    check "contains $want" grep -qxF -- "$want" <<<"$contents"
done
check "nothing outside /etc and /usr" \
    bash -c '! grep -Ev " \./(etc|usr)(/|$)| \./$" <<<"$1"' _ "$contents"
check "the keepalived-rs-gen helper is not shipped" bash -c '! grep -q keepalived-rs-gen <<<"$1"' _ "$contents"

# The packaged files work.
dpkg-deb -x "$deb" "$root"
bin=$root/usr/sbin/keepalived-rs
check "packaged binary: --signum=RELOAD prints 1" bash -c '[ "$("$1" --signum=RELOAD)" = 1 ]' _ "$bin"
check "packaged binary: -v names keepalived 2.2.7 and keepalived-rs" bash -c '"$1" -v 2>&1 | head -1 | grep -q "^Keepalived v2.2.7 (.*), keepalived-rs v"' _ "$bin"
if command -v file >/dev/null; then
    check "packaged binary is stripped" bash -c 'file "$1" | grep -q ", stripped"' _ "$bin"
fi
check "the unit starts the packaged path with keepalived's flags" grep -qx \
    'ExecStart=/usr/sbin/keepalived-rs --dont-fork $DAEMON_ARGS' \
    "$root/usr/lib/systemd/system/keepalived-rs.service"
if command -v man >/dev/null; then
    man_warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$root/usr/share/man/man8/keepalived-rs.8.gz" 2>&1 >"$work/man.txt")
    check "man page renders without warnings" test -z "$man_warnings"
    check "man page lists --use-file and --dont-fork" \
        bash -c 'grep -q -- "--use-file" "$1" && grep -q -- "--dont-fork" "$1"' _ "$work/man.txt"
else
    check "man page is gzip with a .TH header" \
        bash -c 'gzip -dc "$1" | grep -q "^\.TH keepalived-rs 8"' _ "$root/usr/share/man/man8/keepalived-rs.8.gz"
fi
check "bash completion parses" bash -n "$root/usr/share/bash-completion/completions/keepalived-rs"
check "bash completion completes --dont-fork" bash -c '
    source "$1"
    fn=$(complete -p keepalived-rs | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
    COMP_WORDS=(keepalived-rs --dont-f); COMP_CWORD=1; COMP_LINE="keepalived-rs --dont-f"; COMP_POINT=${#COMP_LINE}
    "$fn" keepalived-rs --dont-f keepalived-rs
    [ "${COMPREPLY[*]}" = "--dont-fork" ]' _ "$root/usr/share/bash-completion/completions/keepalived-rs"
if command -v zsh >/dev/null; then
    check "zsh completion parses" zsh -n "$root/usr/share/zsh/vendor-completions/_keepalived-rs"
fi
if command -v fish >/dev/null; then
    check "fish completion parses" fish -n "$root/usr/share/fish/vendor_completions.d/keepalived-rs.fish"
fi

if command -v lintian >/dev/null; then
    # Errors and warnings fail; informational tags (Rust binaries lack fortify) do not.
    tags=$(lintian --fail-on none "$deb" 2>/dev/null | grep -E '^[EW]: ' || true)
    check "lintian: no errors or warnings${tags:+ ($tags)}" test -z "$tags"
else
    echo "note: lintian not installed, skipped"
fi

# systemd-analyze verify: each unit, as installed, but pointed at the packaged binary (the
# machine has no /usr/sbin/keepalived-rs) and with the packaged man page on MANPATH.
# keepalived.conf(5) comes from the keepalived package; without it the man check is skipped.
man_check=yes
if ! command -v man >/dev/null || ! man -w keepalived.conf.5 >/dev/null 2>&1; then
    man_check=no
    echo "note: keepalived.conf(5) not installed: systemd-analyze verify --man=no"
fi
for unit in "$root/usr/lib/systemd/system/keepalived-rs.service" \
    "$root/usr/share/doc/keepalived-rs/examples/rhel/keepalived-rs.service"; do
    mkdir -p "$work/verify" && rm -f "$work/verify/keepalived-rs.service"
    sed "s#/usr/sbin/keepalived-rs#$bin#" "$unit" >"$work/verify/keepalived-rs.service"
    out=$(cd "$work" && MANPATH="$root/usr/share/man:$(manpath 2>/dev/null)" \
        systemd-analyze verify --man="$man_check" "$work/verify/keepalived-rs.service" 2>&1)
    rc=$?
    check "systemd-analyze verify ${unit#"$root"}${out:+: $out}" test "$rc" = 0 -a -z "$out"
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
