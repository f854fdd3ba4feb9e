#!/usr/bin/env python3
"""Flood the link with foreign multicast for SECONDS: VRRPv2 adverts of other virtual
routers (VRIDs FIRST..LAST, from this host's address) and mDNS/SSDP-like UDP multicast.

usage: flood.py SECONDS [FIRST LAST]
"""
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def advert(vrid):
    body = struct.pack("!BBBBBBH", 0x21, vrid, 200, 1, 0, 1, 0) + socket.inet_aton("192.0.2.%d" % vrid) + b"\0" * 8
    c = csum(body)
    return body[:6] + struct.pack("!H", c) + body[8:]


def main():
    secs = float(sys.argv[1])
    first, last = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (200, 250)
    v = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    v.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    end = time.time() + secs
    while time.time() < end:
        for vrid in range(first, last + 1):
            try:
                v.sendto(advert(vrid), ("224.0.0.18", 0))
                u.sendto(b"x" * 200, ("224.0.0.251", 5353))
                u.sendto(b"y" * 200, ("239.255.255.250", 1900))
            except OSError:
                pass
        time.sleep(0.01)


main()
