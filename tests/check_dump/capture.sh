#!/bin/bash
# capture.sh BINARY: keepalived's checker process alone (-C) on keepalived.conf, in netns
# k14c-chk (10.87.1.1 on lo, a TCP listener on 10.87.1.1:8080); 6 s after the start, SIGUSR1
# to the parent; prints $TMPDIR/keepalived_check.data (default /tmp), then "=== LOG" and the log.
# keepalived 2.2.7 needs IPVS: run it inside the VM, from the repository root:
#   tests/vm/run.sh "WAIT=7 bash $PWD/tests/check_dump/capture.sh /usr/sbin/keepalived" >OUT
# (the VM is slow: WAIT=7 lets every checker run once before the signal)
# (crates/keepalived-rs/tests/checker_outputs.rs runs ours with --no-ipvs the same way.)
set -u
here=$(cd "$(dirname "$0")" && pwd)
KA=${1:-/usr/sbin/keepalived}; shift
ns=k14c-chk; d=$(mktemp -d /tmp/k14c-chk.XXXXXX)
. "$here/../labs/checker-lab.sh"
checker_lab $ns 10.87.1.1
out=${TMPDIR:-/tmp}/keepalived_check.data; rm -f $out
echo 5 >/tmp/k14c-chk.track
ip netns exec $ns "$KA" "$@" -n -l -C -f "$here/keepalived.conf" -p $d/k.pid -c $d/c.pid -r $d/v.pid >$d/log 2>&1 &
ka=$!
sleep ${WAIT:-6}
kill -USR1 $ka
for _ in $(seq 50); do [ -s $out ] && break; sleep 0.1; done
sleep 0.3
cat $out
kill -TERM $ka; wait $ka
kill $listener
echo "=== LOG"
cat $d/log
ip netns del $ns
rm -rf $d /tmp/k14c-chk.track
