#!/bin/bash
# capture.sh: run inside the IPVS VM (tests/vm/run.sh "bash $PWD/tests/snmp_checker/capture.sh"
# from the repository root). KA=BINARY runs another keepalived (ours: KA=.../keepalived-rs);
# WAIT=S waits S seconds instead of 8 before the walk (a debug build under TCG needs more).
# TRAFFIC=1 makes three TCP connections to 10.81.1.1:80 before the walk (the counters).
# snmpd (AgentX master) and snmptrapd in the VM, keepalived 2.2.7's checker process alone
# (-C) on keepalived.conf; prints its walk of KEEPALIVED-MIB
# (`snmpwalk -v2c -On` of .1.3.6.1.4.1.9586.100.5) 8 s after the start, then the
# notifications snmptrapd logged until the stop, after a line "=== TRAPS".
# SETS=1: after the walk, the snmpset requests of sets.txt (one request a line: OID TYPE
# VALUE ...), each answer after its request line, then the walk of realServerWeight and
# `ipvsadm -Ln`, after a line "=== SETS" (reference.sets is that part).
set -u
here=$(cd "$(dirname "$0")" && pwd)
d=/tmp/ckmib; mkdir -p $d
ip link set lo up
sed "s|SOCKET|unix:$d/agentx.sock|" "$here/keepalived.conf" >$d/keepalived.conf
printf 'master agentx\nagentXSocket %s/agentx.sock\nagentaddress udp:127.0.0.1:11161\nrocommunity public 127.0.0.1\nrwcommunity private 127.0.0.1\ntrap2sink 127.0.0.1:11162 public\n' $d >$d/snmpd.conf
echo "disableAuthorization yes" >$d/snmptrapd.conf
SNMP_PERSISTENT_DIR=$d /usr/sbin/snmpd -f -Lo -C -c $d/snmpd.conf -M /nonexistent -m "" -p $d/snmpd.pid >$d/snmpd.log 2>&1 &
/usr/sbin/snmptrapd -f -C -c $d/snmptrapd.conf -On -M /nonexistent -m "" -p $d/snmptrapd.pid -Lf $d/traps.log udp:127.0.0.1:11162 &
for _ in $(seq 100); do [ -S $d/agentx.sock ] && break; sleep 0.1; done
${KA:-/usr/sbin/keepalived} -n -l -C -f $d/keepalived.conf -p $d/ka.pid -c $d/kc.pid -r $d/kv.pid >$d/ka.log 2>&1 &
ka=$!
sleep "${WAIT:-8}"
if [ -n "${TRAFFIC:-}" ]; then
    ip addr add 10.81.1.1/32 dev lo
    for _ in 1 2 3; do timeout 2 bash -c "</dev/tcp/10.81.1.1/80" 2>/dev/null; done
    sleep 6
fi
snmpwalk -v2c -c public -On -M /nonexistent -m "" -t 2 -r 1 127.0.0.1:11161 .1.3.6.1.4.1.9586.100.5
if [ -n "${SETS:-}" ]; then
    echo "=== SETS"
    while read -r request; do
        echo "> $request"
        # shellcheck disable=SC2086
        snmpset -v2c -c private -On -M /nonexistent -m "" -t 2 -r 1 127.0.0.1:11161 $request 2>&1
        echo "exit $?"
    done <"$here/sets.txt"
    sleep 1
    snmpwalk -v2c -c public -On -M /nonexistent -m "" -t 2 -r 1 127.0.0.1:11161 .1.3.6.1.4.1.9586.100.5.3.4.1.7
    ipvsadm -Ln
    echo "=== END SETS"
fi
kill -TERM $ka; wait $ka
sleep 1
echo "=== TRAPS"
cat $d/traps.log
echo "=== LOG"
cat $d/ka.log
kill $(cat $d/snmpd.pid) $(cat $d/snmptrapd.pid) 2>/dev/null
