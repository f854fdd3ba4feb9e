#!/usr/bin/env bash
# Builds the vendored keepalived-exporter (tests/exporter/README.md) into OUT_DIR with Debian's
# Go and Debian's -dev packages only: GOPATH mode over /usr/share/gocode, no module proxy, no
# download. Prints the binary's path. Nothing is rebuilt while OUT_DIR's binary is newer than
# every vendored file (the Go build cache is kept in OUT_DIR as well).
# Usage: tests/exporter/build.sh OUT_DIR
set -euo pipefail
out=${1:?usage: build.sh OUT_DIR}
src=$(cd "$(dirname "$0")/keepalived-exporter-v1.3.0" && pwd)
bin=$out/keepalived-exporter
mkdir -p "$out"
if [ -x "$bin" ] && [ -z "$(find "$src" -newer "$bin" -print -quit)" ]; then
    echo "$bin"
    exit 0
fi
# GOPATH mode wants the source at its import path.
gopath=$out/gopath
pkg=$gopath/src/github.com/mehdy/keepalived-exporter
rm -rf "$pkg"
mkdir -p "$(dirname "$pkg")"
cp -r "$src" "$pkg"
(
    cd "$pkg"
    env GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local \
        GOPATH="$gopath:/usr/share/gocode" GOCACHE="$out/gocache" \
        go build -o "$bin.new" ./cmd/keepalived-exporter
)
mv "$bin.new" "$bin"
echo "$bin"
