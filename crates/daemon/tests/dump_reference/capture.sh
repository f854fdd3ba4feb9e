#!/bin/bash
# Capture keepalived 2.2.7's dump files for one config in a private network namespace.
# usage: capture.sh CONF OUTDIR  (run as root)
set -u
CONF=$1; OUT=$2
NS=kdump$$; DIR=/tmp/kdump$$
mkdir -p "$DIR" "$OUT"; chmod 755 "$DIR"
printf '#!/bin/sh\necho "$@" >> %s/notify.log\n' "$DIR" > "$DIR/notify.sh"; chmod 755 "$DIR/notify.sh"
echo 5 > "$DIR/track1"
sed "s#@DIR@#$DIR#g" "$CONF" > "$DIR/keepalived.conf"
ip netns add $NS
ip netns exec $NS ip link set lo up
ip netns exec $NS ip link add veth0 type veth peer name veth1
ip netns exec $NS ip addr add 10.93.0.1/24 dev veth0
ip netns exec $NS ip addr add 10.93.0.2/24 dev veth1
ip netns exec $NS ip link set veth0 up
ip netns exec $NS ip link set veth1 up
ip netns exec $NS keepalived -n -l -D -f "$DIR/keepalived.conf" -p "$DIR/k.pid" -r "$DIR/v.pid" -c "$DIR/c.pid" >"$DIR/log" 2>&1 &
KPID=$!
sleep ${WAIT:-6}
grab() { # signal name, file, out name
  local before; before=$(stat -c %Y.%s "$2" 2>/dev/null)
  kill -$(keepalived --signum=$1) $KPID
  for i in $(seq 50); do sleep 0.1; now=$(stat -c %Y.%s "$2" 2>/dev/null); [ -n "$now" ] && [ "$now" != "$before" ] && break; done
  sleep 0.3; cp "$2" "$OUT/$3"
}
grab DATA /tmp/keepalived.data keepalived.data
cp /tmp/keepalived_parent.data "$OUT/keepalived_parent.data"
grab STATS /tmp/keepalived.stats keepalived.stats
grab JSON /tmp/keepalived.json keepalived.json
kill -$(keepalived --signum=STATS_CLEAR) $KPID; sleep 0.5
grab STATS /tmp/keepalived.stats keepalived.stats.cleared
kill -TERM $KPID; wait $KPID
cp "$DIR/log" "$OUT/keepalived.log"
cp "$DIR/keepalived.conf" "$OUT/keepalived.conf.expanded"
echo "DIR=$DIR KPID=$KPID" > "$OUT/host-values.txt"
ip netns del $NS
rm -rf "$DIR"
