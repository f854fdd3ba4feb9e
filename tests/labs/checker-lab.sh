# Sourced by tests/check_dump/capture.sh and tests/checker_mails/capture.sh:
# checker_lab NS ADDR: netns NS with lo up and ADDR/32 on it, and a TCP listener on ADDR:8080
# (accepts and closes) whose pid is left in $listener; returns once it accepts.
checker_lab() {
    ip netns add "$1"
    ip -n "$1" link set lo up
    ip -n "$1" addr add "$2/32" dev lo
    ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080)); s.listen(16)
while True:
    c, _ = s.accept(); c.close()' "$2" &
    listener=$!
    for _ in $(seq 150); do
        ip netns exec "$1" timeout 1 bash -c "</dev/tcp/$2/8080" 2>/dev/null && return
        sleep 0.1
    done
}
