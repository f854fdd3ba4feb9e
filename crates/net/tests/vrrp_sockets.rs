//! Raw VRRP packets between two namespaces over a veth pair.

mod common;

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::mpsc;
use std::time::Duration;

use common::{have_root, Pair};
use keepalived_net::vrrp_socket::{
    VrrpRecvV4, VrrpRecvV6, VrrpSendV4, VrrpSendV6, VRRP_MCAST_V4, VRRP_MCAST_V6,
};

const A4: Ipv4Addr = Ipv4Addr::new(10, 31, 0, 1);
const B4: Ipv4Addr = Ipv4Addr::new(10, 31, 0, 2);
const A6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x31, 0, 0, 0, 0, 0, 1);
const B6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x31, 0, 0, 0, 0, 0, 2);

fn lab(test: &str) -> Pair {
    let p = Pair::new(test);
    p.a.ip(&["addr", "add", "10.31.0.1/24", "dev", "va"]);
    p.b.ip(&["addr", "add", "10.31.0.2/24", "dev", "vb"]);
    p.a.ip(&["addr", "add", "fd00:31::1/64", "dev", "va", "nodad"]);
    p.b.ip(&["addr", "add", "fd00:31::2/64", "dev", "vb", "nodad"]);
    p
}

/// A VRRPv3 advert body: vrid 51, priority 100, one address, checksum left 0.
fn vrrp_payload() -> Vec<u8> {
    vec![0x31, 51, 100, 1, 0x00, 0x64, 0, 0, 10, 31, 0, 100]
}

fn ipv4_packet(src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut p = vec![0x45, 0xc0];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0, 255, 112, 0, 0]);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    p.extend_from_slice(payload);
    p
}

fn ipv4_case(test: &str, unicast: bool) {
    let p = lab(test);
    let (a_idx, b_idx) = (p.a.ifindex("va"), p.b.ifindex("vb"));
    let dst = if unicast { B4 } else { VRRP_MCAST_V4 };
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::scope(|s| {
        let rx = s.spawn(|| {
            p.b.run(move || async move {
                let sock = if unicast {
                    VrrpRecvV4::unicast(B4, Some("vb")).expect("recv socket")
                } else {
                    VrrpRecvV4::multicast(b_idx, "vb").expect("recv socket")
                };
                ready_tx.send(()).expect("ready");
                let mut buf = [0u8; 1500];
                let meta = tokio::time::timeout(Duration::from_secs(5), sock.recv(&mut buf))
                    .await
                    .expect("packet within 5s")
                    .expect("recv");
                (meta, buf[..meta.len].to_vec())
            })
        });
        ready_rx.recv().expect("receiver ready");
        p.a.run(move || async move {
            let sock = VrrpSendV4::new(a_idx, "va").expect("send socket");
            let pkt = ipv4_packet(A4, dst, &vrrp_payload());
            let n = sock.send(&pkt, dst).await.expect("send");
            assert_eq!(n, pkt.len());
        });
        let (meta, data) = rx.join().expect("receiver");
        assert_eq!(meta.ttl, 255);
        assert_eq!(meta.src, A4);
        assert_eq!(meta.dst, dst);
        assert_eq!(&data[meta.header_len..], vrrp_payload().as_slice());
    });
}

#[test]
fn ipv4_multicast_advert_arrives_with_ttl_255() {
    if have_root("ipv4_multicast_advert_arrives_with_ttl_255") {
        ipv4_case("v4mc", false);
    }
}

#[test]
fn ipv4_unicast_advert_arrives_with_ttl_255() {
    if have_root("ipv4_unicast_advert_arrives_with_ttl_255") {
        ipv4_case("v4uc", true);
    }
}

fn ipv6_case(test: &str, unicast: bool) {
    let p = lab(test);
    let (a_idx, b_idx) = (p.a.ifindex("va"), p.b.ifindex("vb"));
    let dst = if unicast { B6 } else { VRRP_MCAST_V6 };
    let src = if unicast { Some(A6) } else { None };
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::scope(|s| {
        let rx = s.spawn(|| {
            p.b.run(move || async move {
                let sock = if unicast {
                    VrrpRecvV6::unicast(B6, b_idx, Some("vb")).expect("recv socket")
                } else {
                    VrrpRecvV6::multicast(b_idx, "vb").expect("recv socket")
                };
                ready_tx.send(()).expect("ready");
                let mut buf = [0u8; 1500];
                let meta = tokio::time::timeout(Duration::from_secs(5), sock.recv(&mut buf))
                    .await
                    .expect("packet within 5s")
                    .expect("recv");
                (meta, buf[..meta.len].to_vec())
            })
        });
        ready_rx.recv().expect("receiver ready");
        p.a.run(move || async move {
            let sock = VrrpSendV6::new(a_idx, "va").expect("send socket");
            let n = sock.send(&vrrp_payload(), dst, src).await.expect("send");
            assert_eq!(n, vrrp_payload().len());
        });
        let (meta, data) = rx.join().expect("receiver");
        assert_eq!(meta.hop_limit, Some(255));
        assert_eq!(meta.dst, Some(dst));
        assert_eq!(meta.ifindex, b_idx);
        if unicast {
            assert_eq!(meta.src, A6);
        } else {
            assert!(
                keepalived_net::ipv6_is_link_local(&meta.src),
                "{}",
                meta.src
            );
        }
        // The kernel filled in the checksum (IPV6_CHECKSUM, offset 6) and the
        // receiving socket verified it; the rest is what was sent.
        assert_ne!(&data[6..8], &[0, 0]);
        let mut sent = vrrp_payload();
        sent[6..8].copy_from_slice(&data[6..8]);
        assert_eq!(data, sent);
    });
}

#[test]
fn ipv6_multicast_advert_arrives_with_hop_limit_255() {
    if have_root("ipv6_multicast_advert_arrives_with_hop_limit_255") {
        ipv6_case("v6mc", false);
    }
}

#[test]
fn ipv6_unicast_advert_arrives_with_hop_limit_255() {
    if have_root("ipv6_unicast_advert_arrives_with_hop_limit_255") {
        ipv6_case("v6uc", true);
    }
}

/// keepalived's multicast receive socket is bound to the group so unicast VRRP
/// does not reach it; and the IPv6 receive socket verifies the checksum.
#[test]
fn receive_sockets_filter_unicast_and_bad_checksums() {
    if !have_root("receive_sockets_filter_unicast_and_bad_checksums") {
        return;
    }
    let p = lab("filter");
    let (a_idx, b_idx) = (p.a.ifindex("va"), p.b.ifindex("vb"));
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::scope(|s| {
        let rx = s.spawn(|| {
            p.b.run(move || async move {
                let v4 = VrrpRecvV4::multicast(b_idx, "vb").expect("v4 socket");
                let v6 = VrrpRecvV6::multicast(b_idx, "vb").expect("v6 socket");
                ready_tx.send(()).expect("ready");
                let mut buf = [0u8; 1500];
                let m4 = tokio::time::timeout(Duration::from_secs(5), v4.recv(&mut buf))
                    .await
                    .expect("v4 packet")
                    .expect("recv");
                let vrid4 = buf[m4.header_len + 1];
                let m6 = tokio::time::timeout(Duration::from_secs(5), v6.recv(&mut buf))
                    .await
                    .expect("v6 packet")
                    .expect("recv");
                (m4.dst, vrid4, m6.len, buf[1])
            })
        });
        ready_rx.recv().expect("receiver ready");
        p.a.run(move || async move {
            // IPv4: unicast first (vrid 1), then multicast (vrid 2).
            let s4 = VrrpSendV4::new(a_idx, "va").expect("send v4");
            let mut body = vrrp_payload();
            body[1] = 1;
            s4.send(&ipv4_packet(A4, B4, &body), B4)
                .await
                .expect("unicast");
            body[1] = 2;
            let mc = ipv4_packet(A4, VRRP_MCAST_V4, &body);
            s4.send(&mc, VRRP_MCAST_V4).await.expect("multicast");

            // IPv6: a packet with a wrong checksum from a plain raw socket (vrid 3),
            // then a correct one (vrid 4).
            let raw = socket2::Socket::new(
                socket2::Domain::IPV6,
                socket2::Type::RAW,
                Some(socket2::Protocol::from(112)),
            )
            .expect("raw v6");
            raw.set_multicast_hops_v6(255).expect("hops");
            raw.set_multicast_if_v6(a_idx).expect("mcast if");
            let mut bad = vrrp_payload();
            bad[1] = 3;
            bad[6..8].copy_from_slice(&[0xde, 0xad]);
            let dst = std::net::SocketAddrV6::new(VRRP_MCAST_V6, 0, 0, a_idx);
            raw.send_to(&bad, &dst.into()).expect("bad send");
            let s6 = VrrpSendV6::new(a_idx, "va").expect("send v6");
            let mut good = vrrp_payload();
            good[1] = 4;
            s6.send(&good, VRRP_MCAST_V6, None)
                .await
                .expect("good send");
        });
        let (dst4, vrid4, len6, vrid6) = rx.join().expect("receiver");
        assert_eq!(
            (dst4, vrid4),
            (VRRP_MCAST_V4, 2),
            "unicast must not reach the multicast socket"
        );
        assert_eq!(
            (len6, vrid6),
            (vrrp_payload().len(), 4),
            "bad checksum must be dropped"
        );
    });
}
