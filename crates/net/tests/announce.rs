//! Gratuitous ARP and unsolicited NA seen by a packet socket in the peer namespace.

mod common;

use std::io::Read;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{have_root, Pair};
use keepalived_net::announce::Announcer;
use socket2::{Domain, Protocol, Socket, Type};

const ETH_P_ALL: u16 = 0x0003;

/// Captures frames on every interface of the namespace for up to `wait`, stopping
/// once `enough` frames matching `keep` were seen.
fn capture(
    wait: Duration,
    enough: usize,
    ready: mpsc::Sender<()>,
    keep: fn(&[u8]) -> bool,
) -> Vec<Vec<u8>> {
    let sock = Socket::new(
        Domain::PACKET,
        Type::RAW,
        Some(Protocol::from(i32::from(ETH_P_ALL.to_be()))),
    )
    .expect("packet socket");
    sock.set_recv_buffer_size(8 << 20).expect("rcvbuf");
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    ready.send(()).expect("ready");
    let deadline = Instant::now() + wait;
    let mut frames = Vec::new();
    let mut buf = [0u8; 2048];
    while Instant::now() < deadline && frames.len() < enough {
        if let Ok(n) = (&sock).read(&mut buf) {
            if keep(&buf[..n]) {
                frames.push(buf[..n].to_vec());
            }
        }
    }
    frames
}

fn is_arp(f: &[u8]) -> bool {
    f.len() >= 42 && f[12..14] == [0x08, 0x06]
}

fn is_na(f: &[u8]) -> bool {
    f.len() >= 86 && f[12..14] == [0x86, 0xdd] && f[20] == 58 && f[54] == 136
}

#[test]
fn garp_received_by_peer() {
    if !have_root("garp_received_by_peer") {
        return;
    }
    let p = Pair::new("garp");
    let (a_idx, mac) = (p.a.ifindex("va"), p.a.mac("va"));
    let vips: Vec<Ipv4Addr> = (1..=3).map(|i| Ipv4Addr::new(10, 41, 0, i)).collect();
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        let cap = s.spawn(|| {
            p.b.run(move || async move { capture(Duration::from_secs(5), 3, tx, is_arp) })
        });
        rx.recv().expect("capture ready");
        let v = vips.clone();
        p.a.run(move || async move {
            let ann = Announcer::new(a_idx, mac).expect("announcer");
            for vip in &v {
                ann.send_garp(*vip).await.expect("garp");
            }
        });
        let frames = cap.join().expect("capture");
        assert_eq!(frames.len(), 3, "GARPs seen: {frames:?}");
        for (f, vip) in frames.iter().zip(&vips) {
            assert_eq!(&f[0..6], &[0xff; 6], "broadcast");
            assert_eq!(&f[6..12], &mac);
            assert_eq!(&f[20..22], &[0, 1], "request");
            assert_eq!(&f[22..28], &mac, "sender MAC");
            assert_eq!(&f[28..32], &vip.octets(), "sender IP");
            assert_eq!(&f[38..42], &vip.octets(), "target IP");
        }
    });
}

#[test]
fn unsolicited_na_received_by_peer() {
    if !have_root("unsolicited_na_received_by_peer") {
        return;
    }
    let p = Pair::new("na");
    let (a_idx, mac) = (p.a.ifindex("va"), p.a.mac("va"));
    let vip: Ipv6Addr = "fd00:42::7".parse().expect("ip");
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        let cap = s.spawn(|| {
            p.b.run(move || async move { capture(Duration::from_secs(5), 1, tx, is_na) })
        });
        rx.recv().expect("capture ready");
        p.a.run(move || async move {
            let ann = Announcer::new(a_idx, mac).expect("announcer");
            ann.send_na(vip, false).await.expect("na");
        });
        let frames = cap.join().expect("capture");
        let f = frames.first().expect("an NA arrived");
        assert_eq!(&f[0..6], &[0x33, 0x33, 0, 0, 0, 1]);
        assert_eq!(f[21], 255, "hop limit");
        assert_eq!(&f[22..38], &vip.octets(), "source is the VIP");
        assert_eq!(
            &f[38..54],
            &"ff02::1".parse::<Ipv6Addr>().expect("ip").octets()
        );
        assert_eq!(f[58], 0x20, "override flag only");
        assert_eq!(&f[62..78], &vip.octets(), "target");
        assert_eq!(&f[78..80], &[2, 1], "target link-layer option");
        assert_eq!(&f[80..86], &mac);
    });
}

#[test]
fn garp_burst_of_1000() {
    if !have_root("garp_burst_of_1000") {
        return;
    }
    let p = Pair::new("burst");
    let (a_idx, mac) = (p.a.ifindex("va"), p.a.mac("va"));
    let vips: Vec<Ipv4Addr> = (0..1000u32)
        .map(|i| Ipv4Addr::new(10, 43, (i / 250) as u8, (i % 250 + 1) as u8))
        .collect();
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        let cap = s.spawn(|| {
            p.b.run(move || async move { capture(Duration::from_secs(10), 2000, tx, is_arp) })
        });
        rx.recv().expect("capture ready");
        let v = vips.clone();
        let (looped, batched) = p.a.run(move || async move {
            let ann = Announcer::new(a_idx, mac).expect("announcer");
            let t = Instant::now();
            assert_eq!(ann.send_burst(&v, &[], false).await.expect("burst"), 1000);
            let looped = t.elapsed();
            let t = Instant::now();
            assert_eq!(ann.send_garp_batch_blocking(&v).expect("batch"), 1000);
            (looped, t.elapsed())
        });
        eprintln!("1000 GARPs: sendto loop {looped:?}, sendmmsg {batched:?}");
        let frames = cap.join().expect("capture");
        eprintln!("peer captured {} of 2000 GARPs", frames.len());
        // Every VIP was announced at least once (the capture buffer is 8 MiB).
        let seen: std::collections::HashSet<[u8; 4]> = frames
            .iter()
            .filter_map(|f| f[28..32].try_into().ok())
            .collect();
        assert_eq!(seen.len(), 1000);
    });
}
