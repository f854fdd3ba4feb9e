#!/usr/bin/env bash
# Builds keepalived-rs and the benchmark suite (release) and runs the suite against
# /usr/sbin/keepalived. Needs root, iproute2 and keepalived (apt-get install keepalived).
#   bash bench/run.sh                  the whole suite, side by side; rewrites docs/PERFORMANCE.md
#   bash bench/run.sh --rounds 3       the same with medians of 3 rounds
#   bash bench/run.sh --only fast --trials 11                               prints only
#   bash bench/run.sh --ours-only --instances 1000 --vips-per-instance 10   prints only
# Set CARGO_TARGET_DIR to build elsewhere than target/.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -p keepalived-rs -p keepalived-bench
markdown=(--markdown docs/PERFORMANCE.md)
for arg in "$@"; do
    case "$arg" in --only* | --ours-only) markdown=() ;; esac
done
export KEEPALIVED_BENCH_COMMAND="bash bench/run.sh $*"
exec "$target/release/keepalived-bench" --ours "$target/release/keepalived-rs" \
    "${markdown[@]}" "$@"
