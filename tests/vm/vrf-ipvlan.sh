#!/bin/bash
# vrf-ipvlan.sh OURS [KEEPALIVED]: run inside the VM (run.sh; this host's kernel has no vrf or
# ipvlan). Prints sections headed "=== NAME" for crates/keepalived-rs/tests/vm/in_vm/vrf_ipvlan.rs.
# Namespace kvia runs keepalived 2.2.7 and then ours, kvib keepalived 2.2.7 as the peer
# (priority 100 against 150) of two instances:
#  VRF: (ours only: keepalived 2.2.7 runs no instance without interface) unicast, no
#       interface, `vrf blue` (kvia's veth va is in VRF blue); the peer uses interface vb.
#  IPVLAN: `use_ipvlan ipvl51 10.232.3.11/24 private` on vc, multicast.
# While MASTER: `ip -d link` of vc and the ipvlan, the IPv4 addresses, the data dump's
# interface lines, ours' raw sockets; after each stop, the peer taking over and the links left.
set -u
ours=$1
theirs=${2:-/usr/sbin/keepalived}
wait_max=${WAIT_MAX:-40}
d=$(mktemp -d)

ip link set lo up
for n in kvia kvib; do ip netns add $n; ip -n $n link set lo up; done
# One namespace pair: kvia runs ours (or keepalived), kvib the keepalived peer.
# VRF lab: kvia's va in VRF blue, kvib's vb. ipvlan lab: kvia's vc, kvib's vd.
ip link add va netns kvia type veth peer name vb netns kvib
ip -n kvia link add blue type vrf table 10
ip -n kvia link set blue up
ip -n kvia link set va master blue
ip -n kvia addr add 10.232.2.1/24 dev va
ip -n kvia link set va up
ip -n kvib addr add 10.232.2.2/24 dev vb
ip -n kvib link set vb up
ip link add vc netns kvia type veth peer name vd netns kvib
ip -n kvia addr add 10.232.3.1/24 dev vc
ip -n kvia link set vc up
ip -n kvib addr add 10.232.3.2/24 dev vd
ip -n kvib link set vd up

cat >"$d/ours.conf" <<'EOF'
vrrp_instance VRF {
    vrf blue
    virtual_router_id 52
    priority 150
    advert_int 1
    unicast_src_ip 10.232.2.1
    unicast_peer {
        10.232.2.2
    }
    virtual_ipaddress {
        10.232.2.100/24 dev va
    }
}
vrrp_instance IPVLAN {
    interface vc
    use_ipvlan ipvl51 10.232.3.11/24 private
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        10.232.3.100/24
    }
}
EOF
cat >"$d/keepalived.conf" <<'EOF'
vrrp_instance IPVLAN {
    interface vc
    use_ipvlan ipvl51 10.232.3.11/24 private
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        10.232.3.100/24
    }
}
EOF
cat >"$d/peer.conf" <<'EOF'
vrrp_instance VRF {
    interface vb
    virtual_router_id 52
    priority 100
    advert_int 1
    unicast_src_ip 10.232.2.2
    unicast_peer {
        10.232.2.1
    }
    virtual_ipaddress {
        10.232.2.100/24 dev vb
    }
}
vrrp_instance IPVLAN {
    interface vd
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.232.3.100/24
    }
}
EOF

# start NS NAME BINARY CONF: a daemon in NS (pid files and log under $d/NAME).
start() {
    ip netns exec "$1" "$3" -n -l -G -D -f "$4" -p "$d/$2.pid" -r "$d/$2.vrrp.pid" \
        >"$d/$2.log" 2>&1 &
    echo $! >"$d/$2.bg"
}
stop() {
    kill "$(cat "$d/$1.bg")" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$(cat "$d/$1.bg")" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$(cat "$d/$1.bg")" 2>/dev/null
}
holds() { ip -n "$1" -o addr show | grep -q " $2/"; }
# until WHAT COND...: waits for the command to succeed, says how it went.
until_ok() {
    local what=$1 start=$SECONDS; shift
    while [ $((SECONDS - start)) -lt "$wait_max" ]; do
        if "$@"; then echo "ok: $what ($((SECONDS - start)) s)"; return 0; fi
        sleep 0.5
    done
    echo "TIMEOUT: $what"; return 1
}
a_only() { holds kvia 10.232.2.100 && ! holds kvib 10.232.2.100; }
b_only() { holds kvib 10.232.2.100 && ! holds kvia 10.232.2.100; }
c_only() { holds kvia 10.232.3.100 && ! holds kvib 10.232.3.100; }
d_only() { holds kvib 10.232.3.100 && ! holds kvia 10.232.3.100; }
ours_master() { a_only && c_only; }
peer_master() { b_only && d_only; }
links() { ip -n kvia -d -o link show | sed 's/^[0-9]*: //; s/@if[0-9]*//' | grep -E '^(vc|ipvl51)' | sort; }
addrs() { ip -n kvia -o addr show | awk '$3=="inet" && $2!="va"{print $2, $4, $5, $6, $7, $8}' | sort; }

start kvib peer "$theirs" "$d/peer.conf"
for who in keepalived ours; do
    bin=$theirs; [ $who = ours ] && bin=$ours
    start kvia $who "$bin" "$d/$who.conf"
    echo "=== $who"
    if [ $who = ours ]; then
        until_ok "ours MASTER of both (VRF blue and ipvlan), the peer BACKUP" ours_master
        sleep 1
        ours_master && echo "ok: ours still the only MASTER"
        echo "=== vrf sockets"
        ip netns exec kvia ss -w -a -n -p -e | grep keepalived-rs | sed 's/^/socket: /' 
    else
        until_ok "keepalived MASTER of the ipvlan instance, the peer BACKUP" c_only
        sleep 1
        c_only && echo "ok: keepalived still the only MASTER"
    fi
    echo "=== ipvlan links $who"
    links
    echo "=== ipvlan addresses $who"
    addrs
    rm -f /tmp/keepalived.data
    kill -USR1 "$(cat "$d/$who.pid")"
    for _ in $(seq 50); do [ -s /tmp/keepalived.data ] && break; sleep 0.1; done
    sleep 0.2
    for i in IPVLAN VRF; do
        echo "=== dump $i $who"
        awk -v want=" VRRP Instance = $i" '/^ VRRP Instance = /{on=($0==want)} /^------</{on=0} on' \
            /tmp/keepalived.data | grep -E '^   (State|Use IPVLAN|Interface|VRF|Using src_ip)[ ,]'
    done
    stop $who
    echo "=== after $who stops"
    if [ $who = ours ]; then until_ok "the peer takes both over" peer_master
    else until_ok "the peer takes over" d_only; fi
    echo "=== ipvlan links after $who stops"
    links
done
stop peer
for f in "$d"/*.log; do echo "=== log $(basename "$f")"; tail -n 25 "$f"; done
