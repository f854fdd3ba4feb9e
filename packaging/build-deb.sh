#!/usr/bin/env bash
# Builds the keepalived-rs .deb: release binaries, then keepalived-rs(8) and the bash, zsh and
# fish completions (keepalived-rs-gen, into $target/release/gen), then `cargo deb --no-build`.
# Prints the path of the .deb on its last line. Honours CARGO_TARGET_DIR; installs cargo-deb
# from crates.io when it is missing.
#
#   bash packaging/build-deb.sh            # -> target/debian/keepalived-rs_<version>_<arch>.deb
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-$PWD/target}

if ! cargo deb --version >/dev/null 2>&1; then
    echo "build-deb: installing cargo-deb" >&2
    cargo install cargo-deb --locked >&2
fi

cargo build --release -p keepalived-rs --bins >&2
rm -rf "$target/release/gen"
"$target/release/keepalived-rs-gen" all "$target/release/gen" >&2
# cargo-deb compresses man pages only when it copies them from the source tree.
gzip -9n "$target/release/gen/keepalived-rs.8"

# --strip: the release profile keeps line tables (debug = 1) for backtraces; the package
# ships the stripped binary.
out=$(cargo deb -p keepalived-rs --no-build --strip --output "$target/debian")
echo "$out" >&2
deb=$(printf '%s\n' "$out" | grep -E '\.deb$' | tail -n 1)
[ -f "$deb" ] || { echo "build-deb: no .deb produced" >&2; exit 1; }
echo "$deb"
