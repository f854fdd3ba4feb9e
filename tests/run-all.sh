#!/usr/bin/env bash
# Every test of the project: unit, property, simulation and netns lab tests (labs need root and
# print "skipped: needs root" otherwise). Real keepalived is used as a peer and as the
# reference where /usr/sbin/keepalived is installed (.ci/run installs it). Beside them, the
# packaging checks (packaging/test-deb.sh). On failure, a digest of the failed tests is printed
# last. Arguments, if any, go to one plain `cargo test --workspace` run.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
# Each step that failed, with its exit code: printed last, beside the digest.
failed_steps=()
fail() {
    failed_steps+=("$1: exit $2")
    status=$2
}
log=$(mktemp -t keepalived-rs-tests.XXXXXX)
deb_log=$(mktemp -t keepalived-rs-deb.XXXXXX)
sc_log=$(mktemp -t keepalived-rs-scenarios.XXXXXX)
vm_log=$(mktemp -t keepalived-rs-vm.XXXXXX)
chain_status=$(mktemp -t keepalived-rs-status.XXXXXX)
started=$SECONDS
# The .deb (release build, contents, lintian, systemd-analyze verify on the units) is built
# beside the tests at the lowest CPU priority: the labs mostly wait on protocol timers, and
# at nice 19 the compiler only gets the CPU they leave idle (it builds target/release; the
# tests build target/debug, which cargo locks separately).
nice -n 19 bash packaging/test-deb.sh >"$deb_log" 2>&1 &
deb_pid=$!
# run_binary SOURCE BINARY ARGS...: a keepalived-rs test binary, run as cargo runs it (its
# header line, the package's directory as the working directory).
run_binary() {
    local src=$1 bin=$2
    shift 2
    echo "     Running $src ($bin)"
    (cd crates/keepalived-rs && "$bin" "$@")
}
if [ "$#" -gt 0 ]; then
    cargo test --workspace --no-fail-fast "$@" 2>&1 | tee "$log" || fail "cargo test" $?
else
    # The differential scenario suite (one test, ~9 minutes alone) waits on protocol timers
    # and uses under half a core: it runs beside the other test binaries, which cargo runs one
    # after another. The VM tests (QEMU without KVM: both cores) run last and alone.
    # Everything is built first: a cargo command holds the build lock while its tests run, so
    # these two binaries are started directly.
    cargo test --workspace --no-run 2>&1 | tee "$log" || fail "cargo test --no-run" $?
    # cargo prints the path relative to the workspace unless CARGO_TARGET_DIR is absolute;
    # run_binary changes directory, so the path is made absolute here.
    executable() {
        local path
        path=$(sed -n "s|^ *Executable $1 (\(.*\))\$|\1|p" "$log" | head -1)
        [ -z "$path" ] || realpath -- "$path"
    }
    sc_bin=$(executable tests/scenarios.rs)
    vm_bin=$(executable tests/vm/main.rs)
    if [ "$status" -ne 0 ] || [ ! -x "$sc_bin" ] || [ ! -x "$vm_bin" ]; then
        echo "==== the build failed, or its scenarios/vm test binaries are not in its output"
        fail "finding the scenarios and vm test binaries ('$sc_bin', '$vm_bin')" 1
    else
        # The scenarios (~9 minutes) end before the other test binaries (~13 minutes): the
        # VM tests follow them in the same background chain, at nice 19, so that QEMU only
        # takes the CPU the remaining labs leave idle (their timers come first).
        (
            s=0
            run_binary tests/scenarios.rs "$sc_bin" >"$sc_log" 2>&1 || s=$?
            echo "sc $s $((SECONDS - started))" >>"$chain_status"
            renice -n 19 -p "$BASHPID" >/dev/null 2>&1 || true
            s=0
            run_binary tests/vm/main.rs "$vm_bin" >"$vm_log" 2>&1 || s=$?
            echo "vm $s $((SECONDS - started))" >>"$chain_status"
        ) &
        chain_pid=$!
        cargo test --workspace --no-fail-fast -- --skip differential_scenarios --skip in_vm:: 2>&1 |
            tee -a "$log" || fail "cargo test (all but the scenarios and the VM tests)" $?
        echo "==== the other tests ended at $((SECONDS - started)) s"
        wait "$chain_pid" || true
        chain() { sed -n "s/^$1 \([0-9]*\) \([0-9]*\)\$/\\$2/p" "$chain_status" | head -1; }
        sc_status=$(chain sc 1)
        vm_status=$(chain vm 1)
        echo "==== the differential scenarios (run beside the tests above): exit ${sc_status:-none}, ended at $(chain sc 2) s"
        tee -a "$log" <"$sc_log"
        [ "${sc_status:-1}" -eq 0 ] || fail "the differential scenarios ($sc_bin)" "${sc_status:-1}"
        echo "==== the VM tests (after the scenarios, beside the other tests): exit ${vm_status:-none}, ended at $(chain vm 2) s"
        tee -a "$log" <"$vm_log"
        [ "${vm_status:-1}" -eq 0 ] || fail "the VM tests ($vm_bin)" "${vm_status:-1}"
    fi
fi
deb_status=0
wait "$deb_pid" || deb_status=$?
cat "$deb_log"
[ "$deb_status" -eq 0 ] || fail "packaging/test-deb.sh (its output is above)" "$deb_status"
echo "==== run-all.sh: $((SECONDS - started)) s"
if [ "$status" -ne 0 ]; then
    python3 tests/failure-digest.py "$log" || true
    for step in "${failed_steps[@]}"; do echo "==== failed: $step"; done
fi
rm -f "$log" "$deb_log" "$sc_log" "$vm_log" "$chain_status"
exit "$status"
