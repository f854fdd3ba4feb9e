#!/usr/bin/env python3
"""Mixed start at scale: two routers on one bridge, N vrrp_instances x V VIPs (VRRPv2,
advert_int 1, VRIDs 1..N on eth0), router "a" at priority 150 and router "b" at 100, both
started at the same moment with `state BACKUP`. Every --step seconds it counts the instances
that have converged (the VIPs on a only, as priority 150 wins everywhere) and, at the end,
the MASTER transitions in both logs.

    python3 tests/labs/mixed-start.py --a /usr/sbin/keepalived --b target/release/keepalived-rs
    python3 tests/labs/mixed-start.py --a /usr/sbin/keepalived --b /usr/sbin/keepalived  # reference

Namespaces kr-mx-{s,a,b}, addresses 10.69.0.0/16; needs root, iproute2 (and tcpdump for
--pcap). Prints one line per step: "t=SECONDS converged=K a_only=.. b_only=.. both=.. none=..",
then "converged_at=SECONDS" (when all N were converged for good, or "never").
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

P = "kr-mx-"


def sh(*args, check=True, **kw):
    return subprocess.run(args, check=check, capture_output=True, text=True, **kw)


def vip(n):
    return f"10.69.{16 + n // 250}.{1 + n % 250}"


def render(router_id, n, per, prio):
    s = [f"global_defs {{\n    router_id {router_id}\n}}\n"]
    for i in range(n):
        s.append(
            f"vrrp_instance VI_{i} {{\n    state BACKUP\n    interface eth0\n"
            f"    virtual_router_id {i + 1}\n    priority {prio}\n    advert_int 1\n"
            f"    version 2\n    virtual_ipaddress {{\n"
        )
        for j in range(per):
            s.append(f"        {vip(i * per + j)}/32\n")
        s.append("    }\n}\n")
    return "".join(s)


def cleanup(procs):
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.time() + 5
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for ns in ("a", "b", "s"):
        # Whatever is still running in the namespace (keepalived's children).
        out = sh("ip", "netns", "pids", P + ns, check=False).stdout.split()
        for pid in out:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        sh("ip", "netns", "del", P + ns, check=False)


def build():
    for ns in ("s", "a", "b"):
        sh("ip", "netns", "add", P + ns)
        sh("ip", "-n", P + ns, "link", "set", "lo", "up")
    sh("ip", "-n", P + "s", "link", "add", "br0", "type", "bridge")
    sh("ip", "-n", P + "s", "link", "set", "br0", "up")
    for h, r in enumerate(("a", "b")):
        sh("ip", "-n", P + "s", "link", "add", r + "0", "type", "veth", "peer", "name", "eth0",
           "netns", P + r)
        sh("ip", "-n", P + "s", "link", "set", r + "0", "master", "br0", "up")
        sh("ip", "-n", P + r, "addr", "add", f"10.69.0.{h + 1}/24", "dev", "eth0")
        sh("ip", "-n", P + r, "link", "set", "eth0", "up")


def vips_of(r):
    out = sh("ip", "-n", P + r, "-4", "-o", "addr", "show", "dev", "eth0").stdout
    return set(re.findall(r"inet (10\.69\.\d+\.\d+)/32", out))


def cpu_seconds(r):
    """CPU time (user + system) of every process in router r's namespace."""
    total = 0.0
    for pid in sh("ip", "netns", "pids", P + r, check=False).stdout.split():
        try:
            f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, help="binary of router a (priority 150)")
    ap.add_argument("--b", required=True, help="binary of router b (priority 100)")
    ap.add_argument("--instances", type=int, default=200)
    ap.add_argument("--vips", type=int, default=5)
    ap.add_argument("--duration", type=float, default=120)
    ap.add_argument("--step", type=float, default=1)
    ap.add_argument("--dir", default="/tmp/kr-mx-run")
    ap.add_argument("--a-args", default="", help="extra flags for router a, e.g. -G")
    ap.add_argument("--b-args", default="", help="extra flags for router b")
    ap.add_argument("--no-detail", action="store_true", help="run both without -D")
    ap.add_argument("--pcap", action="store_true", help="tcpdump -w DIR/bridge.pcap")
    o = ap.parse_args()
    os.makedirs(o.dir, exist_ok=True)
    procs = []
    cleanup([])
    try:
        build()
        if o.pcap:
            procs.append(subprocess.Popen(
                ["ip", "netns", "exec", P + "s", "tcpdump", "-i", "br0", "-n", "-s", "128",
                 "-w", f"{o.dir}/bridge.pcap"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
            time.sleep(1)
        for r, binary, prio in (("a", o.a, 150), ("b", o.b, 100)):
            with open(f"{o.dir}/{r}.conf", "w") as f:
                f.write(render(r, o.instances, o.vips, prio))
        t0 = time.time()
        for r, binary, extra in (("a", o.a, o.a_args), ("b", o.b, o.b_args)):
            log = open(f"{o.dir}/{r}.log", "w")
            procs.insert(0, subprocess.Popen(
                ["ip", "netns", "exec", P + r, binary, *extra.split(), *(() if o.no_detail else ("-D",)), "-n", "-l", "-P",
                 "-f", f"{o.dir}/{r}.conf", "-p", f"{o.dir}/{r}.pid",
                 "-r", f"{o.dir}/{r}.vrrp.pid"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        firsts = [vip(i * o.vips) for i in range(o.instances)]
        converged_since = None
        while time.time() - t0 < o.duration:
            time.sleep(o.step)
            a, b = vips_of("a"), vips_of("b")
            counts = {"a_only": 0, "b_only": 0, "both": 0, "none": 0}
            for v in firsts:
                key = ("both" if v in b else "a_only") if v in a else ("b_only" if v in b else "none")
                counts[key] += 1
            t = time.time() - t0
            ok = counts["a_only"]
            print(f"t={t:.1f} converged={ok} " + " ".join(f"{k}={v}" for k, v in counts.items()),
                  flush=True)
            if int(t) % 10 < o.step:
                print(f"  cpu a={cpu_seconds('a'):.1f}s b={cpu_seconds('b'):.1f}s", flush=True)
            if ok == o.instances:
                converged_since = converged_since or t
            else:
                converged_since = None
        print(f"converged_at={converged_since:.1f}" if converged_since else "converged_at=never")
    finally:
        cleanup(procs)
    for r in ("a", "b"):
        text = open(f"{o.dir}/{r}.log", errors="replace").read()
        m = len(re.findall(r"Entering MASTER STATE", text))
        bk = len(re.findall(r"Entering BACKUP STATE", text))
        print(f"{r}: MASTER entries={m} BACKUP entries={bk}")


if __name__ == "__main__":
    sys.exit(main())
