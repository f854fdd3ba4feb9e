#!/usr/bin/env python3
"""Send malformed and invalid VRRP adverts to 224.0.0.18 from inside a lab namespace.

usage: send-bad-adverts.py SRC_IP VRID VIP COUNT

Every packet is built by hand (IP_HDRINCL) so that each kind of fault can be produced:
garbage, truncation, bad checksum, wrong TTL, version, type, VRID, auth type, address count
lies, zero-length. Each would make a naive implementation give up mastership; a correct one
counts and drops them all.
"""
import os
import random
import socket
import struct
import sys


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def vrrp_v2(vrid, prio, addrs, *, version=2, type_=1, count=None, auth_type=0, adv=1, bad_csum=False):
    count = len(addrs) if count is None else count
    body = struct.pack("!BBBBBBH", (version << 4) | type_, vrid, prio, count, auth_type, adv, 0)
    body += b"".join(socket.inet_aton(a) for a in addrs) + b"\0" * 8
    c = csum(body)
    if bad_csum:
        c ^= 0x5A5A
    return body[:6] + struct.pack("!H", c) + body[8:]


def ip_packet(src, payload, *, ttl=255, proto=112):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), random.randrange(65536), 0,
                      ttl, proto, 0, socket.inet_aton(src), socket.inet_aton("224.0.0.18"))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def main():
    src, vrid, vip, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    # BAD_ADVERT_SEED makes the flood repeatable (to send the same one to two daemons).
    random.seed(os.environ.get("BAD_ADVERT_SEED"))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
    prio = 254  # every one of these claims a higher priority than the master
    kinds = [
        lambda: ip_packet(src, bytes(random.randrange(256) for _ in range(random.randrange(1, 64)))),
        lambda: ip_packet(src, vrrp_v2(vrid, prio, [vip])[: random.randrange(1, 16)]),
        lambda: ip_packet(src, vrrp_v2(vrid, prio, [vip], bad_csum=True)),
        lambda: ip_packet(src, vrrp_v2(vrid, prio, [vip]), ttl=64),
        lambda: ip_packet(src, vrrp_v2(vrid, prio, [vip], version=4)),
        lambda: ip_packet(src, vrrp_v2(vrid, prio, [vip], type_=2)),
        lambda: ip_packet(src, vrrp_v2(vrid, prio, [vip], auth_type=1)),
        lambda: ip_packet(src, vrrp_v2(vrid, prio, [vip], count=9)),
        lambda: ip_packet(src, vrrp_v2(vrid, prio, [vip], count=0)),
        lambda: ip_packet(src, vrrp_v2(vrid, prio, [vip], adv=7)),
        lambda: ip_packet(src, vrrp_v2(vrid, prio, ["10.200.200.200"])),
        lambda: ip_packet(src, b""),
    ]
    for i in range(count):
        s.sendto(kinds[i % len(kinds)](), ("224.0.0.18", 0))
    print(f"sent {count} bad adverts")


if __name__ == "__main__":
    main()
