#!/usr/bin/env bash
# Every test of the project: unit, property, simulation and netns lab tests (labs need root and
# print "skipped: needs root" otherwise). Real keepalived is used as a peer and as the
# reference where /usr/sbin/keepalived is installed (.ci/run installs it). Beside them, the
# packaging checks (packaging/test-deb.sh). On failure, a digest of the failed tests is printed
# last.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
log=$(mktemp -t keepalived-rs-tests.XXXXXX)
deb_log=$(mktemp -t keepalived-rs-deb.XXXXXX)
# The .deb (release build, contents, lintian, systemd-analyze verify on the units) is built
# beside the tests at the lowest CPU priority: the labs mostly wait on protocol timers, and
# at nice 19 the compiler only gets the CPU they leave idle (it builds target/release; the
# tests build target/debug, which cargo locks separately).
nice -n 19 bash packaging/test-deb.sh >"$deb_log" 2>&1 &
deb_pid=$!
cargo test --workspace --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?
deb_status=0
wait "$deb_pid" || deb_status=$?
cat "$deb_log"
[ "$deb_status" -eq 0 ] || status=$deb_status
if [ "$status" -ne 0 ]; then
    python3 tests/failure-digest.py "$log" || true
    [ "$deb_status" -eq 0 ] || echo "==== packaging/test-deb.sh failed (exit $deb_status): see its output above ===="
fi
rm -f "$log" "$deb_log"
exit "$status"
