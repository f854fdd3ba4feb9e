#!/bin/bash
# nftables-ipvs.sh OURS [KEEPALIVED]: run inside the VM (run.sh). `nftables_ipvs` with a
# virtual_server_group of an address range and an address (TCP, IPv4) and one of an IPv6
# address (UDP): keepalived 2.2.7 and then ours (`-n -l -C`, the same configuration). For
# each: `nft list ruleset` (handles and counters normalised) and `ipvsadm -Ln` once started,
# one TCP connect to a group address through the fwmark service, again after a reload (SIGHUP)
# that removes the range and adds an address, and after stop (nothing left), in sections
# headed "=== NAME STEP".
set -u
ours=$1
theirs=${2:-/usr/sbin/keepalived}
max_wait=${MAX_WAIT:-40}

ip link set lo up
ip netns add kn-rs
ip -n kn-rs link set lo up
ip link add kn-lb type veth peer name kn-rs0 netns kn-rs
ip addr add 10.213.0.1/24 dev kn-lb
ip -6 addr add fd13:213::1/64 dev kn-lb nodad
ip -n kn-rs addr add 10.213.0.2/24 dev kn-rs0
ip -n kn-rs -6 addr add fd13:213::2/64 dev kn-rs0 nodad
ip link set kn-lb up
ip -n kn-rs link set kn-rs0 up
ip -n kn-rs route add default via 10.213.0.1
ip netns exec kn-rs python3 -m http.server --bind 0.0.0.0 80 >/dev/null 2>&1 &
web=$!
for _ in $(seq 50); do
    timeout 1 bash -c "</dev/tcp/10.213.0.2/80" 2>/dev/null && break
    sleep 0.2
done
# The group addresses are local to the load balancer (IPVS answers on LOCAL_IN).
ip addr add 10.213.0.100/32 dev lo
ip addr add 10.213.0.101/32 dev lo

conf() { # conf GROUP_A_BODY
    cat <<EOC
global_defs {
    router_id nft_ipvs
    nftables_ipvs
    nftables_ipvs_priority -50
    nftables_ipvs_start_fwmark 3000
}
virtual_server_group GA {
$1
}
virtual_server_group G6 {
    fd13:213::100 53
}
virtual_server group GA {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.213.0.2 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
virtual_server group G6 {
    delay_loop 1
    lb_algo wrr
    lb_kind DR
    protocol UDP
    real_server fd13:213::2 53 {
        weight 2
    }
}
EOC
}
conf_a='    10.213.0.100 80
    10.213.0.110-119 8080'
conf_b='    10.213.0.100 80
    10.213.0.101 80'

ruleset() {
    nft list ruleset | sed -e 's/ # handle [0-9]*//' \
        -e 's/counter packets [0-9]* bytes [0-9]*/counter/'
}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
rs_in='table | grep -q "10.213.0.2:80"'

round() {
    local label=$1; shift
    conf "$conf_a" >/tmp/lb.conf
    "$@" -n -l -C -f /tmp/lb.conf -p /run/lb.pid -c /run/lbc.pid >"/tmp/$label.log" 2>&1 &
    local pid=$!
    until_ "the real server" "$rs_in"
    echo "=== $label start nft"
    ruleset
    echo "=== $label start ipvs"
    table
    echo "=== $label connect"
    if timeout 3 bash -c "</dev/tcp/10.213.0.100/80" 2>/dev/null; then echo connected; else echo failed; fi
    conf "$conf_b" >/tmp/lb.conf
    kill -HUP "$pid"
    until_ "the reload" 'ruleset | grep -q "10.213.0.101 . 80"'
    sleep 1
    echo "=== $label reload nft"
    ruleset
    echo "=== $label reload ipvs"
    table
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    echo "=== $label after stop"
    ruleset
    table
    ipvsadm -C
    nft flush ruleset
}
round keepalived "$theirs"
round ours "$ours"
kill "$web"
for l in keepalived ours; do
    echo "=== log $l"
    tail -n 30 "/tmp/$l.log"
done
ip netns del kn-rs
echo "=== end"
