#!/bin/bash
# netns-ipvs.sh OURS [KEEPALIVED]: run inside the VM (run.sh). `net_namespace_ipvs`:
# keepalived 2.2.7 and ours program their virtual server into the IPVS of the named
# namespace, not of the daemon's own; and their checker child's process settings
# (checker_*), which only here (with IPVS) keepalived's checker child lives long enough to
# show. Both run at once: keepalived (t) in netns kcdt with kcvt's IPVS, ours (o) in kcdo
# with kcvo's. Prints, in sections headed "=== NAME": for each the IPVS table of kcvD and of
# its own namespace once the checker runs, what /proc shows of the checker child, and kcvD's
# table after the stop.
set -u
ours=$1
theirs=${2:-/usr/sbin/keepalived}
w=/tmp/kcv
max_wait=60
. "$(dirname "$0")/lib.sh"
mkdir -p $w
ip link set lo up
for d in t o; do
    ip netns add kcv$d
    # IPVS takes a DR destination only where it is routable (inet_addr_type: unicast).
    ip -n kcv$d link set lo up
    ip -n kcv$d link add d0 type dummy
    ip -n kcv$d addr add 10.215.0.1/24 dev d0
    ip -n kcv$d link set d0 up
    ip netns add kcd$d
    ip -n kcd$d link set lo up
    # RLIMIT_RTTIME 2 s: a debug build under TCG can run 20 ms without blocking as it
    # starts, and the kernel then kills the realtime child (SIGKILL at the hard limit).
    cat > $w/$d.conf <<EOF
net_namespace_ipvs kcv$d
global_defs {
    router_id kcv$d
    checker_process_name kc_check
    checker_priority -5
    checker_rt_priority 10
    checker_rlimit_rttime 2000000
    checker_cpu_affinity 1
    checker_no_swap
}
virtual_server 10.215.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.215.0.2 80 {
        weight 1
    }
}
EOF
done
# proc PID: comm, nice, rt_priority, policy, CPUs, memory locked, RLIMIT_RTTIME hard.
proc() {
    echo "comm $(cat /proc/$1/comm)"
    sed 's/.*) //' /proc/$1/stat | awk '{print "nice " $17; print "rt_priority " $38; print "policy " $39}'
    grep Cpus_allowed_list /proc/$1/status | awk '{print "cpus " $2}'
    grep VmLck /proc/$1/status | awk '{print "locked " ($2 != 0 ? "true" : "false")}'
    grep 'Max realtime timeout' /proc/$1/limits | awk '{print "rttime hard " $5}'
}
for d in t o; do
    bin=$theirs
    [ $d = o ] && bin=$ours
    ip netns exec kcd$d "$bin" -n -l -C -f $w/$d.conf -p $w/$d.pid -c $w/$d.c.pid \
        -r $w/$d.r.pid -b $w/$d.b.pid > $w/$d.log 2>&1 &
done
for d in t o; do
    until_ "$d's service in kcv$d" "ip netns exec kcv$d ipvsadm -Ln | grep -q 10.215.0.2:80"
    until_ "$d's checker pid file" "[ -s $w/$d.c.pid ]"
done
sleep 1
for d in t o; do
    echo "=== ipvs kcv $d"
    ip netns exec kcv$d ipvsadm -Ln | tail -n +4
    echo "=== ipvs own $d"
    ip netns exec kcd$d ipvsadm -Ln | tail -n +4
    echo "=== proc $d"
    proc "$(cat $w/$d.c.pid)"
done
mains=""
for d in t o; do
    m=$(cat $w/$d.pid)
    mains="$mains $m"
    kill "$m"
done
for m in $mains; do
    until_ "$m's exit" "! kill -0 $m 2>/dev/null"
done
for d in t o; do
    echo "=== after $d"
    ip netns exec kcv$d ipvsadm -Ln | tail -n +4
    echo "=== log $d"
    cat $w/$d.log
done
echo "=== end"
