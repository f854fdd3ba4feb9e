#!/bin/bash
# Run a keepalived-compatible binary's config test (`-t -f FILE`) on every
# config of the compat corpus, inside a private network namespace that has
# eth0..eth3, and record the verdicts.
#
# usage: run-keepalived.sh [--binary PATH] [--out DIR] [--only NAME]...
#   --binary PATH  binary with keepalived's CLI (default: /usr/sbin/keepalived)
#   --out DIR      where expected.tsv and expected/<name>.stderr are written
#                  (default: the directory of this script)
#   --only NAME    run only this config (name without .conf); repeatable
#
# Needs root (network namespace). See README.md for the format.
set -euo pipefail

COMPAT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BINARY=/usr/sbin/keepalived
OUT="$COMPAT"
ONLY=()
PLACEHOLDER='@@COMPAT@@'

while [ $# -gt 0 ]; do
	case "$1" in
	--binary) BINARY="$2"; shift 2 ;;
	--out) OUT="$2"; shift 2 ;;
	--only) ONLY+=("$2"); shift 2 ;;
	-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "unknown argument: $1" >&2; exit 64 ;;
	esac
done

if [ "$(id -u)" != 0 ]; then
	echo "skipped: needs root (network namespace)" >&2
	exit 77
fi
if [ ! -x "$BINARY" ]; then
	echo "binary not executable: $BINARY" >&2
	exit 66
fi
BINARY="$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")"

NS="kr-compat-$$"
WORK="$(mktemp -d /tmp/kr-compat.XXXXXX)"
cleanup() {
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Namespace with eth0..eth3. This kernel may lack the dummy link type, so
# each ethN is one end of a veth pair whose peer stays in the namespace.
ip netns add "$NS"
ip -n "$NS" link set lo up
for i in 0 1 2 3; do
	ip -n "$NS" link add "eth$i" type veth peer name "veth$i-peer"
	ip -n "$NS" link set "veth$i-peer" up
	ip -n "$NS" link set "eth$i" up
	ip -n "$NS" addr add "10.0.$i.1/24" dev "eth$i"
	ip -n "$NS" addr add "fd00:$i::1/64" dev "eth$i" nodad
done

# Copy the corpus (with include fixtures in subdirectories), substituting the
# placeholder with the absolute path of tests/compat so script paths resolve.
cp -a "$COMPAT/configs" "$WORK/configs"
find "$WORK/configs" -type f -name '*.conf' -print0 |
	xargs -0 -r sed -i "s|$PLACEHOLDER|$COMPAT|g"

mkdir -p "$OUT/expected"
# A full run replaces all recorded outputs (drops those of removed configs).
[ ${#ONLY[@]} -gt 0 ] || rm -f "$OUT"/expected/*.stderr
TSV="$OUT/expected.tsv"
TMP_TSV="$WORK/expected.tsv"
printf 'name\texit_code\tfirst_error_line\treason\n' >"$TMP_TSV"

# Header comments read from each config:
#   # compat-reason: text     short description of the case
#   # compat-args: ARGS       extra CLI arguments (e.g. -i node1, -e)
header() { sed -n "s/^# compat-$1: *//p" "$2" | head -n1; }
# reasons.tsv: name<TAB>reason[<TAB>args], for configs without headers.
sidecar() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c; exit }' "$COMPAT/reasons.tsv" 2>/dev/null || true; }

# Smallest line number of a located message about the main file, otherwise
# "path:N" of the first located message about an included file, otherwise "-".
# A run with exit code 0 has no error line by definition.
first_line() {
	local err="$1" name="$2" rc="$3" n
	if [ "$rc" = 0 ]; then echo -; return; fi
	n="$(grep -oE "\((${name}\.conf: )?Line [0-9]+\)" "$err" | sed -E 's/.*Line ([0-9]+)\)$/\1/' | sort -n | head -n1 || true)"
	if [ -n "$n" ]; then echo "$n"; return; fi
	n="$(grep -oE '\([^()]+: Line [0-9]+\)' "$err" | head -n1 | sed -E 's/^\((.*): Line ([0-9]+)\)$/\1:\2/' || true)"
	echo "${n:--}"
}

for conf in "$WORK"/configs/*.conf; do
	name="$(basename "$conf" .conf)"
	if [ ${#ONLY[@]} -gt 0 ]; then
		keep=0
		for o in "${ONLY[@]}"; do [ "$o" = "$name" ] && keep=1; done
		[ $keep = 1 ] || continue
	fi
	reason="$(header reason "$conf")"
	args="$(header args "$conf")"
	# Configs copied verbatim (samples) take reason and args from reasons.tsv.
	[ -n "$reason" ] || reason="$(sidecar "$name" 2)"
	[ -n "$args" ] || args="$(sidecar "$name" 3)"
	err="$WORK/$name.stderr"
	rc=0
	# shellcheck disable=SC2086 # args is a word list on purpose
	(cd "$WORK/configs" && timeout 60 ip netns exec "$NS" "$BINARY" -t $args -f "$conf") \
		>"$WORK/$name.stdout" 2>"$err" || rc=$?
	cat "$WORK/$name.stdout" >>"$err"
	# Normalise paths so the output does not depend on where things live.
	sed -i -e "s|$WORK/configs/||g" -e "s|$COMPAT|$PLACEHOLDER|g" -e "s|$WORK|@@WORK@@|g" "$err"
	line="$(first_line "$err" "$name" "$rc")"
	[ -n "$reason" ] || reason="-"
	printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$line" "$reason" >>"$TMP_TSV"
	cp "$err" "$OUT/expected/$name.stderr"
	printf '%-45s rc=%-3s line=%-6s %s\n' "$name" "$rc" "$line" "$reason"
done

if [ ${#ONLY[@]} -gt 0 ] && [ -f "$TSV" ]; then
	# Partial run: merge the new rows into the existing table.
	{
		head -n1 "$TMP_TSV"
		{ tail -n +2 "$TMP_TSV"; tail -n +2 "$TSV"; } | sort -t$'\t' -k1,1 -u -s
	} >"$WORK/merged.tsv"
	cp "$WORK/merged.tsv" "$TSV"
else
	cp "$TMP_TSV" "$TSV"
fi
echo "wrote $TSV"
