#!/usr/bin/env bash
# Every test of the project: unit, property, simulation and netns lab tests (labs need root and
# print "skipped: needs root" otherwise). Real keepalived is used as a peer and as the
# reference where /usr/sbin/keepalived is installed (.ci/run installs it). Then the packaging
# checks (packaging/test-deb.sh). On failure, a digest of the failed tests is printed last.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
log=$(mktemp -t keepalived-rs-tests.XXXXXX)
cargo test --workspace --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?
# The .deb: builds it, checks its contents, lintian, systemd-analyze verify on the units.
bash packaging/test-deb.sh || status=$?
if [ "$status" -ne 0 ]; then
    python3 tests/failure-digest.py "$log" || true
fi
rm -f "$log"
exit "$status"
