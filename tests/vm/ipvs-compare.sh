#!/bin/bash
# ipvs-compare.sh OURS [KEEPALIVED]: run inside the VM (run.sh). Programs tests/vm/lvs.conf
# with keepalived 2.2.7 and then with keepalived-rs (both `-n -l -C`), printing the IPVS table
# (`ipvsadm -Ln --tun-info`, sorted by ipvsadm) once the checkers have settled and again after
# each stop, in sections headed "=== NAME". Then ours with -I (the services stay), and ours
# again over that kept table with drift added (a stray destination, another scheduler, a
# foreign service): it must converge on the configuration and leave the foreign service.
# Settling: keepalived's table is taken once it has not changed for 3 s (at least 5 s after
# the start); ours once it equals the table expected (keepalived's), or after MAX_WAIT s (60)
# (a debug binary read over 9p under TCG takes seconds to start), and the caller compares.
set -u
ours=$1
theirs=${2:-/usr/sbin/keepalived}
here=$(cd "$(dirname "$0")" && pwd)
conf=$here/lvs.conf
max_wait=${MAX_WAIT:-60}

ip link set lo up
ip netns add rs
ip link add lb type veth peer name rs0 netns rs
ip addr add 10.201.0.1/24 dev lb
ip link set lb up
ip -n rs link set lo up
ip -n rs link set rs0 up
for i in 2 3 4 5 9; do ip -n rs addr add 10.201.0.$i/24 dev rs0; done
for p in 80 443 8080; do
    ip netns exec rs python3 -m http.server --bind 0.0.0.0 "$p" >/dev/null 2>&1 &
done
for p in 80 443 8080; do
    for _ in $(seq 50); do
        timeout 1 bash -c "</dev/tcp/10.201.0.2/$p" 2>/dev/null && break
        sleep 0.2
    done
done

table() { ipvsadm -Ln --tun-info | tail -n +4; }

# settle [EXPECTED_FILE]: waits as described above.
settle() {
    local start=$SECONDS same=0 prev='' cur
    while [ $((SECONDS - start)) -lt "$max_wait" ]; do
        cur=$(table)
        if [ -n "${1:-}" ]; then
            [ "$cur" = "$(cat "$1")" ] && return 0
        elif [ "$cur" = "$prev" ]; then
            same=$((same + 1))
            [ "$same" -ge 6 ] && [ $((SECONDS - start)) -ge 5 ] && return 0
        else
            same=0
        fi
        prev=$cur
        sleep 0.5
    done
}

pid=
start() {
    local label=$1 expect=$2; shift 2
    "$@" -n -l -C -f "$conf" -p /run/ka.pid -c /run/kc.pid -r /run/kv.pid >"/tmp/$label.log" 2>&1 &
    pid=$!
    settle "$expect"
}
stop() {
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
round() {
    local label=$1 expect=$2; shift 2
    start "$label" "$expect" "$@"
    echo "=== $label"
    table | tee "/tmp/$label.table"
    stop
    echo "=== $label after stop"
    table
}

round keepalived '' "$theirs"
ipvsadm -C
round ours /tmp/keepalived.table "$ours"
round ours-I /tmp/keepalived.table "$ours" -I
ipvsadm -a -t 10.200.0.10:80 -r 10.201.0.99:8080 -m -w 9
ipvsadm -E -t 10.200.0.11:443 -s rr
ipvsadm -A -t 10.200.0.99:80 -s rr
echo "=== drifted"
table | tee /tmp/drifted.table
# What ours must reach: keepalived's table plus the foreign service, in ipvsadm's order.
foreign=$(grep '^TCP  10.200.0.99:80 ' /tmp/drifted.table)
awk -v f="$foreign" '!done && /^(UDP|SCTP|FWM)/ { print f; done = 1 } { print }' \
    /tmp/keepalived.table >/tmp/expected-kept.table
round ours-over-kept /tmp/expected-kept.table "$ours"
# lvs_sync_daemon: the VRRP process runs the IPVS sync daemon as BACKUP, then MASTER once its
# instance is MASTER. Ours and keepalived must start the same daemon.
ipvsadm -C
cat >/tmp/syncd.conf <<EOC
global_defs {
    lvs_sync_daemon lb VI_1 id 42
}
vrrp_instance VI_1 {
    interface lb
    virtual_router_id 42
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.201.0.100/24
    }
}
EOC
daemons() { ipvsadm -L --daemon; }
syncd() {
    local label=$1; shift
    "$@" -n -l -P -f /tmp/syncd.conf -p /run/sa.pid -r /run/sv.pid >"/tmp/$label.log" 2>&1 &
    pid=$!
    for _ in $(seq "$((max_wait * 5))"); do
        daemons | grep -q '^master sync daemon' && break
        sleep 0.2
    done
    echo "=== $label"
    daemons
    stop
    echo "=== $label after stop"
    daemons
}
syncd syncd-keepalived "$theirs"
syncd syncd-ours "$ours"
for l in keepalived ours ours-I ours-over-kept syncd-keepalived syncd-ours; do
    echo "=== log $l"
    tail -n 40 "/tmp/$l.log"
done
echo "=== end"
