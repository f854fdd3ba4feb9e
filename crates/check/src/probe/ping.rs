//! PING_CHECK: one ICMP (or ICMPv6) echo request; the matching echo reply within
//! connect_timeout is a success, an ICMP error or silence a failure. An unprivileged ping
//! socket is used when `ping_group_range` allows it, else a raw socket (root).

use std::io;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::net::UdpSocket;

use crate::settings::ConnSpec;

const ECHO_REQUEST_V4: u8 = 8;
const ECHO_REPLY_V4: u8 = 0;
const UNREACH_V4: u8 = 3;
const ECHO_REQUEST_V6: u8 = 128;
const ECHO_REPLY_V6: u8 = 129;
const UNREACH_V6: u8 = 1;
const PAYLOAD: &[u8] = b"keepalived-rs PING_CHECK";

/// The Internet checksum (RFC 1071).
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in data.chunks(2) {
        let word = match c {
            [a, b] => u16::from_be_bytes([*a, *b]),
            [a] => u16::from_be_bytes([*a, 0]),
            _ => 0,
        };
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An echo request (the checksum is filled for IPv4; the kernel does it for ICMPv6).
pub fn echo_request(v6: bool, id: u16, seq: u16) -> Vec<u8> {
    let mut p = vec![if v6 { ECHO_REQUEST_V6 } else { ECHO_REQUEST_V4 }, 0, 0, 0];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(PAYLOAD);
    if !v6 {
        let c = checksum(&p);
        p[2..4].copy_from_slice(&c.to_be_bytes());
    }
    p
}

/// What a received ICMP message means for our echo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Our reply.
    Reply,
    /// Destination unreachable.
    Unreachable,
    /// Something else: keep waiting.
    Other,
}

/// Classifies `msg` (an ICMP message, after any IPv4 header); `id` is checked only on raw
/// sockets (the kernel rewrites it on ping sockets).
pub fn classify(v6: bool, msg: &[u8], id: Option<u16>, seq: u16) -> Received {
    let Some(&ty) = msg.first() else {
        return Received::Other;
    };
    let (reply, unreach) = if v6 {
        (ECHO_REPLY_V6, UNREACH_V6)
    } else {
        (ECHO_REPLY_V4, UNREACH_V4)
    };
    if ty == unreach {
        return Received::Unreachable;
    }
    if ty != reply || msg.len() < 8 {
        return Received::Other;
    }
    let rid = u16::from_be_bytes([msg[4], msg[5]]);
    let rseq = u16::from_be_bytes([msg[6], msg[7]]);
    if rseq == seq && id.map_or(true, |i| i == rid) {
        Received::Reply
    } else {
        Received::Other
    }
}

fn open(spec: &ConnSpec) -> io::Result<(Socket, bool)> {
    let v6 = spec.dst.is_ipv6();
    let (domain, proto) = if v6 {
        (Domain::IPV6, Protocol::ICMPV6)
    } else {
        (Domain::IPV4, Protocol::ICMPV4)
    };
    let (s, raw) = match Socket::new(domain, Type::DGRAM.cloexec(), Some(proto)) {
        Ok(s) => (s, false),
        Err(_) => (Socket::new(domain, Type::RAW.cloexec(), Some(proto))?, true),
    };
    super::conn::set_options(&s, spec)?;
    if let Some(b) = spec.bind {
        s.bind(&SockAddr::from(std::net::SocketAddr::new(b.ip(), 0)))?;
    }
    s.connect(&SockAddr::from(std::net::SocketAddr::new(spec.dst.ip(), 0)))?;
    Ok((s, raw))
}

/// One PING_CHECK attempt; `chk`/`vs` name the service in failure lines. None when the
/// socket could not be set up.
pub async fn check(spec: &ConnSpec, chk: &str, vs: &str, seq: u16) -> Option<Result<(), String>> {
    let failed = || Err(format!("ICMP connection to {chk} of {vs} failed."));
    let (sock, raw) = open(spec).ok()?;
    let v6 = spec.dst.is_ipv6();
    let id: u16 = rand::random();
    // A ping or raw socket is message based: tokio's UdpSocket drives it without unsafe.
    let std_sock: std::net::UdpSocket = sock.into();
    let sock = UdpSocket::from_std(std_sock).ok()?;
    if sock.send(&echo_request(v6, id, seq)).await.is_err() {
        return Some(failed());
    }
    let deadline = tokio::time::Instant::now() + spec.timeout;
    let mut buf = [0u8; 2048];
    loop {
        let n = match tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await {
            Err(_) => {
                return Some(Err(format!(
                    "ICMP connection to address {} timeout.",
                    spec.dst.ip()
                )))
            }
            Ok(Err(_)) => return Some(failed()),
            Ok(Ok(n)) => n,
        };
        let data = buf.get(..n).unwrap_or_default();
        let icmp = if raw && !v6 {
            skip_ipv4_header(data)
        } else {
            data
        };
        match classify(v6, icmp, raw.then_some(id), seq) {
            Received::Reply => return Some(Ok(())),
            Received::Unreachable => return Some(failed()),
            Received::Other => {}
        }
    }
}

fn skip_ipv4_header(d: &[u8]) -> &[u8] {
    let ihl = d.first().map_or(0, |b| usize::from(b & 0x0f) * 4);
    d.get(ihl..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_echo_request_checksums_to_zero() {
        let p = echo_request(false, 0x1234, 7);
        assert_eq!(p[0], 8);
        assert_eq!(checksum(&p), 0);
        assert_eq!(&p[4..8], &[0x12, 0x34, 0, 7]);
    }

    #[test]
    fn replies_are_matched_by_sequence_and_id_on_raw_sockets() {
        let mut r = echo_request(false, 9, 3);
        r[0] = ECHO_REPLY_V4;
        assert_eq!(classify(false, &r, Some(9), 3), Received::Reply);
        assert_eq!(classify(false, &r, Some(8), 3), Received::Other);
        assert_eq!(classify(false, &r, None, 3), Received::Reply);
        assert_eq!(classify(false, &r, None, 4), Received::Other);
        assert_eq!(
            classify(false, &[3, 1, 0, 0], None, 4),
            Received::Unreachable
        );
        assert_eq!(
            classify(true, &[1, 4, 0, 0], None, 4),
            Received::Unreachable
        );
        assert_eq!(classify(true, &[], None, 4), Received::Other);
    }
}
