#!/bin/bash
# track-process.sh OURS [KEEPALIVED]: run inside the VM (run.sh), in its initial network
# namespace, the only one the kernel's process connector serves. keepalived 2.2.7 and ours
# each run VI_1 tracking a process (a copy of sleep named ktpsleep) on a veth of their own
# (peers in netns `peer`), with process_monitor_rcv_bufs 300000 (forced). Prints, in sections headed
# "=== NAME": the connector sockets (ss) once both are up, then each daemon's notify lines
# after the process starts and after it is killed, and how long each took to drop its VIP
# after the kill (informational).
set -u
ours=$1
theirs=${2:-/usr/sbin/keepalived}
w=/tmp/tp
mkdir -p $w
cp /bin/sleep $w/ktpsleep
ip link set lo up
ip netns add peer
n=1
# (Interfaces vo and vt: `ip` would read a device named "t" as "txqueuelen".)
for d in o t; do
    ip link add v$d type veth peer name p$d netns peer
    ip link set v$d up
    ip -n peer link set p$d up
    ip addr add 10.203.$n.1/24 dev v$d
    printf '#!/bin/sh\necho "$@" >> %s/%s.notify\n' $w $d > $w/$d-notify.sh
    chmod +x $w/$d-notify.sh
    cat > $w/$d.conf <<EOF
global_defs {
    router_id $d
    process_monitor_rcv_bufs 300000
    process_monitor_rcv_bufs_force
    vrrp_garp_master_delay 0
}
vrrp_track_process tp {
    process ktpsleep
}
vrrp_instance VI_1 {
    interface v$d
    virtual_router_id $((50 + n))
    priority 100
    advert_int 1
    notify $w/$d-notify.sh
    track_process {
        tp
    }
    virtual_ipaddress {
        10.203.$n.100/24
    }
}
EOF
    n=$((n + 1))
done
start() { # NAME BINARY
    "$2" -n -l -D -P -f $w/$1.conf -p $w/$1.pid -r $w/$1.vrrp.pid -c $w/$1.c.pid -b $w/$1.b.pid \
        > $w/$1.log 2>&1 &
}
start t "$theirs"
start o "$ours"
# wait_for FILE TEXT: up to 60 s (a debug binary over 9p under TCG starts slowly).
wait_for() {
    for _ in $(seq 600); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timed out waiting for '$2' in $1"
    return 1
}
wait_for $w/o.notify FAULT
wait_for $w/t.notify FAULT
echo "=== sockets"
ss -O -f netlink -m -e -p | grep 'connector:' | grep -v 'connector:kernel'
$w/ktpsleep 120 &
p=$!
wait_for $w/o.notify MASTER
wait_for $w/t.notify MASTER
kill $p
t0=$(date +%s%N)
o_ms='' t_ms=''
while [ $(( $(date +%s%N) - t0 )) -lt 20000000000 ]; do
    now=$(date +%s%N)
    a=$(ip -o addr show)
    [ -z "$o_ms" ] && ! grep -q 10.203.1.100 <<<"$a" && o_ms=$(( (now - t0) / 1000000 ))
    [ -z "$t_ms" ] && ! grep -q 10.203.2.100 <<<"$a" && t_ms=$(( (now - t0) / 1000000 ))
    [ -n "$o_ms" ] && [ -n "$t_ms" ] && break
done
sleep 1
for d in o t; do
    echo "=== notify $d"
    cat $w/$d.notify
done
echo "=== VIP dropped after the kill (ms): ours ${o_ms:-never} keepalived ${t_ms:-never}"
for d in o t; do
    kill "$(cat $w/$d.pid)" 2>/dev/null
done
sleep 2
for d in o t; do
    echo "=== log $d"
    cat $w/$d.log
done
echo "=== end"
