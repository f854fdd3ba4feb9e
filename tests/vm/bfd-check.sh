#!/bin/bash
# bfd-check.sh OURS [KEEPALIVED]: run inside the VM (run.sh). A virtual server with two real
# servers: 10.202.0.2 under BFD_CHECK (its BFD neighbour is keepalived 2.2.7's BFD child in
# the namespace "bp"), 10.203.0.2 under TCP_CHECK (namespace "rs"). The load balancer runs
# keepalived 2.2.7 and then ours (`-n -l -C`, the same configuration). For each, the IPVS
# table is printed once both real servers are in, again once the neighbour's BFD child is
# stopped (SIGSTOP: its silence is the only change) and the BFD_CHECK server has left, and
# again once it is continued and the server is back, in sections headed "=== NAME STEP".
set -u
ours=$1
theirs=${2:-/usr/sbin/keepalived}
max_wait=${MAX_WAIT:-60}

ip link set lo up
for ns in bp rs; do ip netns add $ns; ip -n $ns link set lo up; done
ip link add lbp type veth peer name bp0 netns bp
ip link add lrs type veth peer name rs0 netns rs
ip addr add 10.202.0.1/24 dev lbp
ip addr add 10.203.0.1/24 dev lrs
ip -n bp addr add 10.202.0.2/24 dev bp0
ip -n rs addr add 10.203.0.2/24 dev rs0
for l in lbp lrs; do ip link set $l up; done
ip -n bp link set bp0 up
ip -n rs link set rs0 up
ip netns exec rs python3 -m http.server --bind 0.0.0.0 80 >/dev/null 2>&1 &
for _ in $(seq 50); do
    timeout 1 bash -c "</dev/tcp/10.203.0.2/80" 2>/dev/null && break
    sleep 0.2
done

cat >/tmp/peer.conf <<EOC
global_defs {
    router_id bfd_peer
}
bfd_instance RS1 {
    neighbor_ip 10.202.0.1
    min_rx 100
    min_tx 100
    multiplier 3
}
EOC
cat >/tmp/lb.conf <<EOC
global_defs {
    router_id bfd_lb
}
bfd_instance RS1 {
    neighbor_ip 10.202.0.2
    min_rx 100
    min_tx 100
    multiplier 3
}
virtual_server 10.200.0.20 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.202.0.2 80 {
        weight 2
        BFD_CHECK {
            name RS1
        }
    }
    real_server 10.203.0.2 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
EOC
ip netns exec bp "$theirs" -n -l -P -f /tmp/peer.conf -p /run/bp.pid -r /run/bpv.pid \
    -b /run/bpb.pid >/tmp/peer.log 2>&1 &
peer=$!

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
both_in='table | grep -q 10.202.0.2: && table | grep -q 10.203.0.2:'
bfd_out='! table | grep -q 10.202.0.2: && table | grep -q 10.203.0.2:'

round() {
    local label=$1; shift
    "$@" -n -l -C -f /tmp/lb.conf -p /run/lb.pid -c /run/lbc.pid -b /run/lbb.pid \
        >"/tmp/$label.log" 2>&1 &
    local pid=$!
    until_ "both real servers" "$both_in"
    echo "=== $label up"
    table
    kill -STOP "$(cat /run/bpb.pid)"
    until_ "the BFD_CHECK server out" "$bfd_out"
    echo "=== $label down"
    table
    kill -CONT "$(cat /run/bpb.pid)"
    until_ "the BFD_CHECK server back" "$both_in"
    echo "=== $label back"
    table
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    echo "=== $label after stop"
    table
    ipvsadm -C
}
round keepalived "$theirs"
round ours "$ours"
kill -TERM "$peer"
wait "$peer" 2>/dev/null
for l in keepalived ours peer; do
    echo "=== log $l"
    tail -n 30 "/tmp/$l.log"
done
echo "=== end"
