#!/usr/bin/env bash
# Every test of the project: unit, property, simulation and netns lab tests (labs need root and
# print "skipped: needs root" otherwise). Real keepalived is used as a peer and as the
# reference where /usr/sbin/keepalived is installed (.ci/run installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --no-fail-fast "$@"
