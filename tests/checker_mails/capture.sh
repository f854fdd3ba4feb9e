#!/bin/bash
# capture.sh BINARY [ARGS]: the checker process alone (-C) on keepalived.conf in netns
# k14c-mail, mailing Debian's python3-aiosmtpd there. Phases, each followed by the mails'
# Subject and "=>" body lines received meanwhile: "=== start" (5 s: the checkers settle),
# "=== file fault" (the tracked file FILE_CHECK reads goes to a fault value), "=== reload"
# (SIGHUP onto reload.conf, dropping a live and a failed real server), "=== stop" (SIGTERM,
# then 3 s). keepalived 2.2.7 needs IPVS: run it in the VM, from the repository root:
#   tests/vm/run.sh "bash $PWD/tests/checker_mails/capture.sh /usr/sbin/keepalived" >OUT
# (crates/keepalived-rs/tests/checker_outputs.rs runs ours with --no-ipvs the same way.)
set -u
here=$(cd "$(dirname "$0")" && pwd)
KA=${1:-/usr/sbin/keepalived}; shift
ns=k14c-mail; d=$(mktemp -d /tmp/k14c-mail.XXXXXX)
. "$here/../labs/checker-lab.sh"
checker_lab $ns 10.87.2.1
ip netns exec $ns /usr/bin/python3 -u -m aiosmtpd -n -l 10.87.2.1:2525 >$d/mails 2>&1 &
smtp=$!
for _ in $(seq 150); do ip netns exec $ns timeout 1 bash -c "</dev/tcp/10.87.2.1/2525" 2>/dev/null && break; sleep 0.2; done
echo 5 >$d/weight
sed "s|@DIR@|$d|" "$here/keepalived.conf" >$d/run.conf
seen=0
mails() { # the mail lines received since the last call
    local all; all=$(grep -a '^Subject\|^=>' $d/mails)
    echo "$all" | tail -n +$((seen + 1)) | grep -v '^$'
    seen=$(echo "$all" | grep -c .)
}
ip netns exec $ns "$KA" "$@" -n -l -C -f $d/run.conf -p $d/k.pid -c $d/c.pid -r $d/v.pid >$d/log 2>&1 &
ka=$!
sleep 5
echo "=== start"; mails
echo -300 >$d/weight.new; mv $d/weight.new $d/weight
sleep 3
echo "=== file fault"; mails
sed "s|@DIR@|$d|" "$here/reload.conf" >$d/run.conf
kill -HUP $ka
sleep 4
echo "=== reload"; mails
kill -TERM $ka; wait $ka
sleep 3
echo "=== stop"; mails
kill $listener $smtp
echo "=== LOG"
cat $d/log
ip netns del $ns
rm -rf $d
