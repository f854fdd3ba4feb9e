#!/usr/bin/env bash
# Every test of the project: unit, property, simulation and netns lab tests (labs need root and
# print "skipped: needs root" otherwise). Real keepalived is used as a peer and as the
# reference where /usr/sbin/keepalived is installed (.ci/run installs it). Beside them, the
# packaging checks (packaging/test-deb.sh). On failure, a digest of the failed tests is printed
# last. Arguments, if any, go to one plain `cargo test --workspace` run.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
log=$(mktemp -t keepalived-rs-tests.XXXXXX)
deb_log=$(mktemp -t keepalived-rs-deb.XXXXXX)
sc_log=$(mktemp -t keepalived-rs-scenarios.XXXXXX)
started=$SECONDS
# The .deb (release build, contents, lintian, systemd-analyze verify on the units) is built
# beside the tests at the lowest CPU priority: the labs mostly wait on protocol timers, and
# at nice 19 the compiler only gets the CPU they leave idle (it builds target/release; the
# tests build target/debug, which cargo locks separately).
nice -n 19 bash packaging/test-deb.sh >"$deb_log" 2>&1 &
deb_pid=$!
if [ "$#" -gt 0 ]; then
    cargo test --workspace --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?
else
    # The differential scenario suite (one test, ~9 minutes alone) waits on protocol timers
    # and uses under half a core: it runs beside the other test binaries, which cargo runs one
    # after another. Everything is built first: a cargo command holds the build lock while its
    # tests run, so the suite's binary is started directly.
    cargo test --workspace --no-run 2>&1 | tee "$log" || status=$?
    sc_bin=$(cargo test -p keepalived-rs --test scenarios --no-run 2>&1 |
        sed -n 's/^ *Executable tests\/scenarios\.rs (\(.*\))$/\1/p')
    sc_pid=
    if [ "$status" -eq 0 ] && [ -x "$sc_bin" ]; then
        (cd crates/keepalived-rs && echo "     Running tests/scenarios.rs ($sc_bin)" &&
            "$sc_bin") >"$sc_log" 2>&1 &
        sc_pid=$!
    fi
    cargo test --workspace --no-fail-fast -- --skip differential_scenarios 2>&1 |
        tee -a "$log" || status=$?
    if [ -n "$sc_pid" ]; then
        sc_status=0
        wait "$sc_pid" || sc_status=$?
        echo "==== the differential scenarios (run beside the other tests), exit $sc_status, suite at $((SECONDS - started)) s"
        cat "$sc_log" | tee -a "$log"
        [ "$sc_status" -eq 0 ] || status=$sc_status
    elif [ "$status" -eq 0 ]; then
        echo "==== no scenarios binary found: run-all.sh cannot run the differential scenarios"
        status=1
    fi
fi
deb_status=0
wait "$deb_pid" || deb_status=$?
cat "$deb_log"
[ "$deb_status" -eq 0 ] || status=$deb_status
echo "==== run-all.sh: $((SECONDS - started)) s"
if [ "$status" -ne 0 ]; then
    python3 tests/failure-digest.py "$log" || true
    [ "$deb_status" -eq 0 ] || echo "==== packaging/test-deb.sh failed (exit $deb_status): see its output above ===="
fi
rm -f "$log" "$deb_log" "$sc_log"
exit "$status"
