//! Live interop with the real keepalived 2.2.7: it runs in a private network namespace, its
//! adverts are captured with tcpdump on the other end of a veth pair, and every captured packet
//! must decode and validate against the configuration keepalived was given (AH sequence numbers
//! included), down to the priority-0 adverts it sends when stopped.
//!
//! Needs root, `ip`, `tcpdump` and /usr/sbin/keepalived; prints "skipped: ..." otherwise.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keepalived_vrrp::wire::{
    decode_ipv4, decode_ipv6, Advert, AhCounter, Auth, DecodeOptions, InstanceExpectation,
    UnicastPeer,
};

const KEEPALIVED: &str = "/usr/sbin/keepalived";

struct Lab {
    ns_a: String,
    ns_b: String,
    dir: PathBuf,
    children: Vec<Child>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        for ns in [&self.ns_a, &self.ns_b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(args: &[&str]) {
    let status = Command::new(args[0])
        .args(&args[1..])
        .status()
        .expect("spawn");
    assert!(status.success(), "{args:?} failed");
}

fn skip_reason() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("needs root".into());
    }
    for tool in ["ip", "tcpdump"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Some(format!("needs {tool}"));
        }
    }
    if !Path::new(KEEPALIVED).exists() {
        return Some(format!("needs {KEEPALIVED}"));
    }
    None
}

const CONFIG: &str = "
vrrp_instance V2 {
    state MASTER
    interface IFA
    virtual_router_id 30
    priority 150
    advert_int 1
    version 2
    virtual_ipaddress {
        10.98.1.1/32
        10.98.1.2/32
    }
}
vrrp_instance V3 {
    state MASTER
    interface IFA
    virtual_router_id 31
    priority 120
    advert_int 0.5
    version 3
    virtual_ipaddress {
        10.98.1.3/32
    }
}
vrrp_instance PASS {
    state MASTER
    interface IFA
    virtual_router_id 32
    priority 100
    advert_int 1
    version 2
    authentication {
        auth_type PASS
        auth_pass lab-pw
    }
    virtual_ipaddress {
        10.98.1.4/32
    }
}
vrrp_instance AH {
    state MASTER
    interface IFA
    virtual_router_id 33
    priority 101
    advert_int 1
    version 2
    authentication {
        auth_type AH
        auth_pass ah-pw
    }
    virtual_ipaddress {
        10.98.1.5/32
    }
}
vrrp_instance UNICAST {
    state MASTER
    interface IFA
    virtual_router_id 34
    priority 200
    advert_int 1
    version 3
    unicast_src_ip 10.98.0.1
    unicast_peer {
        10.98.0.2
    }
    virtual_ipaddress {
        10.98.1.6/32
    }
}
vrrp_instance V6 {
    state MASTER
    interface IFA
    virtual_router_id 35
    priority 110
    advert_int 1
    version 3
    virtual_ipaddress {
        fe80::98:35/64
        2001:db8:98::35/64
    }
}
";

/// The configuration above, as the receiving side of each instance would see it.
struct Expected {
    version: u8,
    auth: Auth,
    ah_key: [u8; 8],
    advert_int: Duration,
    vips: Vec<IpAddr>,
    peers: Vec<UnicastPeer>,
}

fn expected() -> BTreeMap<u8, Expected> {
    let v4 = |l: &[[u8; 4]]| l.iter().map(|&a| IpAddr::from(a)).collect::<Vec<_>>();
    let e = |version, auth, advert_int, vips| Expected {
        version,
        auth,
        ah_key: [0; 8],
        advert_int,
        vips,
        peers: vec![],
    };
    let mut m = BTreeMap::new();
    let sec = Duration::from_secs(1);
    m.insert(
        30,
        e(2, Auth::None, sec, v4(&[[10, 98, 1, 1], [10, 98, 1, 2]])),
    );
    m.insert(
        31,
        e(
            3,
            Auth::None,
            Duration::from_millis(500),
            v4(&[[10, 98, 1, 3]]),
        ),
    );
    m.insert(
        32,
        e(2, Auth::Pass(*b"lab-pw\0\0"), sec, v4(&[[10, 98, 1, 4]])),
    );
    let mut ah = e(2, Auth::Ah, sec, v4(&[[10, 98, 1, 5]]));
    ah.ah_key = *b"ah-pw\0\0\0";
    m.insert(33, ah);
    let mut uni = e(3, Auth::None, sec, v4(&[[10, 98, 1, 6]]));
    uni.peers = vec![UnicastPeer {
        addr: IpAddr::V4(Ipv4Addr::new(10, 98, 0, 1)),
        min_ttl: 0,
        max_ttl: 255,
    }];
    m.insert(34, uni);
    let v6: Vec<IpAddr> = ["fe80::98:35", "2001:db8:98::35"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    m.insert(35, e(3, Auth::None, sec, v6));
    m
}

/// Ethernet frames from a classic pcap file (microsecond, little-endian, as tcpdump writes).
fn pcap_frames(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut frames = vec![];
    let mut off = 24;
    while let Some(rec) = bytes.get(off..off + 16) {
        let incl = u32::from_le_bytes([rec[8], rec[9], rec[10], rec[11]]) as usize;
        let Some(frame) = bytes.get(off + 16..off + 16 + incl) else {
            break; // record still being written
        };
        frames.push(frame.to_vec());
        off += 16 + incl;
    }
    frames
}

fn decode_frame(frame: &[u8]) -> Advert {
    let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
    let ip = &frame[14..];
    match ethertype {
        0x0800 => decode_ipv4(ip, &DecodeOptions::default()).expect("IPv4 advert decodes"),
        0x86dd => {
            let src = Ipv6Addr::from(<[u8; 16]>::try_from(&ip[8..24]).unwrap());
            let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&ip[24..40]).unwrap());
            decode_ipv6(&ip[40..], src, dst, Some(ip[7]), &DecodeOptions::default())
                .expect("IPv6 advert decodes")
        }
        other => panic!("unexpected ethertype {other:#x}"),
    }
}

fn count_by_vrid(path: &Path) -> BTreeMap<u8, usize> {
    let mut counts = BTreeMap::new();
    for frame in pcap_frames(&std::fs::read(path).unwrap_or_default()) {
        *counts.entry(decode_frame(&frame).repr.vrid).or_insert(0) += 1;
    }
    counts
}

#[test]
fn live_keepalived_adverts_decode_and_validate() {
    if let Some(reason) = skip_reason() {
        eprintln!("skipped: {reason}");
        return;
    }
    let id = std::process::id();
    let dir = std::env::temp_dir().join(format!("kr-wire-lab-{id}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut lab = Lab {
        ns_a: format!("kr-wire-{id}-a"),
        ns_b: format!("kr-wire-{id}-b"),
        dir: dir.clone(),
        children: vec![],
    };
    let (if_a, if_b) = (format!("krw{id}a"), format!("krw{id}b"));
    let (ns_a, ns_b) = (lab.ns_a.clone(), lab.ns_b.clone());
    run(&["ip", "netns", "add", &ns_a]);
    run(&["ip", "netns", "add", &ns_b]);
    run(&[
        "ip", "link", "add", &if_a, "netns", &ns_a, "type", "veth", "peer", "name", &if_b, "netns",
        &ns_b,
    ]);
    for (ns, ifname, addr) in [
        (&ns_a, &if_a, "10.98.0.1/24"),
        (&ns_b, &if_b, "10.98.0.2/24"),
    ] {
        run(&[
            "ip",
            "netns",
            "exec",
            ns,
            "sysctl",
            "-qw",
            "net.ipv6.conf.all.accept_dad=0",
        ]);
        run(&[
            "ip",
            "netns",
            "exec",
            ns,
            "sysctl",
            "-qw",
            "net.ipv6.conf.default.accept_dad=0",
        ]);
        run(&["ip", "-n", ns, "addr", "add", addr, "dev", ifname]);
        run(&["ip", "-n", ns, "link", "set", ifname, "up"]);
        run(&["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
    let pcap = dir.join("adverts.pcap");
    let tcpdump = Command::new("ip")
        .args([
            "netns", "exec", &ns_b, "tcpdump", "-i", &if_b, "-n", "-U", "-w",
        ])
        .arg(&pcap)
        .arg("ip proto 112 or ip proto 51 or ip6 proto 112")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump");
    lab.children.push(tcpdump);
    // Wait for tcpdump to open its output file before keepalived starts sending.
    let start = Instant::now();
    while !pcap.exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let conf = dir.join("keepalived.conf");
    std::fs::write(&conf, CONFIG.replace("IFA", &if_a)).unwrap();
    let keepalived = Command::new("ip")
        .args(["netns", "exec", &ns_a, KEEPALIVED, "-n", "-l", "-D", "-f"])
        .arg(&conf)
        .arg("-p")
        .arg(dir.join("keepalived.pid"))
        .arg("-r")
        .arg(dir.join("vrrp.pid"))
        .arg("-c")
        .arg(dir.join("checkers.pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("keepalived");
    let keepalived_pid = keepalived.id();
    lab.children.push(keepalived);

    let exp = expected();
    let enough = |c: &BTreeMap<u8, usize>| exp.keys().all(|v| c.get(v).copied().unwrap_or(0) >= 3);
    let start = Instant::now();
    while !enough(&count_by_vrid(&pcap)) && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(200));
    }
    // SIGTERM: keepalived sends priority-0 adverts on the way out.
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
    unsafe { libc::kill(keepalived_pid as libc::pid_t, libc::SIGTERM) };
    if let Some(mut child) = lab.children.pop() {
        let _ = child.wait();
    }
    std::thread::sleep(Duration::from_millis(500));

    let frames = pcap_frames(&std::fs::read(&pcap).unwrap());
    let mut seen: BTreeMap<u8, Vec<u8>> = BTreeMap::new();
    let mut ah_counters: BTreeMap<u8, AhCounter> = BTreeMap::new();
    for frame in &frames {
        let advert = decode_frame(frame);
        let vrid = advert.repr.vrid;
        let e = exp
            .get(&vrid)
            .unwrap_or_else(|| panic!("unexpected vrid {vrid}"));
        let expectation = InstanceExpectation {
            vrid,
            version: keepalived_vrrp::Version::from_number(e.version).unwrap(),
            auth: e.auth,
            ah_key: e.ah_key,
            advert_int: e.advert_int,
            vips: &e.vips,
            check_vip_addr: true,
            unicast_peers: &e.peers,
            check_unicast_src: true,
        };
        let counter = ah_counters.entry(vrid).or_default();
        assert_eq!(
            advert.validate(&expectation, counter),
            Ok(()),
            "vrid {vrid} advert {advert:?}"
        );
        seen.entry(vrid).or_default().push(advert.repr.priority);
    }
    for vrid in exp.keys() {
        let prios = seen
            .get(vrid)
            .unwrap_or_else(|| panic!("no advert for vrid {vrid}"));
        assert!(
            prios.len() >= 3,
            "vrid {vrid}: only {} adverts",
            prios.len()
        );
        assert_eq!(
            prios.last(),
            Some(&0),
            "vrid {vrid}: no priority-0 advert at shutdown"
        );
    }
    assert!(
        ah_counters[&33].seq_number >= 3,
        "AH sequence numbers advanced"
    );
}

const BACKUP_CONFIG: &str = "
vrrp_instance B_V2 {
    state BACKUP
    interface IFA
    virtual_router_id 40
    priority 50
    advert_int 1
    version 2
    virtual_ipaddress {
        10.97.1.1/32
    }
}
vrrp_instance B_V3 {
    state BACKUP
    interface IFA
    virtual_router_id 41
    priority 50
    advert_int 1
    version 3
    virtual_ipaddress {
        10.97.1.2/32
        10.97.1.3/32
    }
}
vrrp_instance B_PASS {
    state BACKUP
    interface IFA
    virtual_router_id 42
    priority 50
    advert_int 1
    version 2
    authentication {
        auth_type PASS
        auth_pass pw42
    }
    virtual_ipaddress {
        10.97.1.4/32
    }
}
vrrp_instance B_AH {
    state BACKUP
    interface IFA
    virtual_router_id 43
    priority 50
    advert_int 1
    version 2
    authentication {
        auth_type AH
        auth_pass pw43
    }
    virtual_ipaddress {
        10.97.1.5/32
    }
}
";

/// The adverts the sender helper emits each second, as a master at priority 200 would.
fn our_adverts(round: u32) -> Vec<Vec<u8>> {
    use keepalived_vrrp::wire::{
        emit_ipv4, Addresses, AhEmit, Centiseconds, Ipv4Emit, Repr, Version, MCAST_GROUP4,
    };
    let src = Ipv4Addr::new(10, 97, 0, 2);
    let v4 = |l: &[[u8; 4]]| Addresses::V4(l.iter().map(|&a| Ipv4Addr::from(a)).collect());
    let v2 = |vrid, auth, addrs| Repr {
        vrid,
        priority: 200,
        version: Version::V2 {
            advert_int: 1,
            auth,
        },
        addresses: addrs,
    };
    let ident = u16::try_from(round + 1).unwrap_or(1);
    let plain = Ipv4Emit::new(src, MCAST_GROUP4, ident);
    let mut ah = plain;
    ah.ah = Some(AhEmit {
        key: *b"pw43\0\0\0\0",
        seq_number: round + 1,
        unicast: false,
    });
    let v3 = Repr {
        vrid: 41,
        priority: 200,
        version: Version::V3 {
            advert_int: Centiseconds::new(100).unwrap(),
        },
        addresses: v4(&[[10, 97, 1, 3], [10, 97, 1, 2]]),
    };
    vec![
        emit_ipv4(&v2(40, Auth::None, v4(&[[10, 97, 1, 1]])), &plain).unwrap(),
        emit_ipv4(&v3, &plain).unwrap(),
        emit_ipv4(
            &v2(42, Auth::Pass(*b"pw42\0\0\0\0"), v4(&[[10, 97, 1, 4]])),
            &plain,
        )
        .unwrap(),
        emit_ipv4(&v2(43, Auth::Ah, v4(&[[10, 97, 1, 5]])), &ah).unwrap(),
    ]
}

/// Not a test on its own: `keepalived_accepts_our_adverts` runs this test binary again inside
/// its namespace with KR_WIRE_SEND_ROUNDS set, and this sends our adverts on a raw socket.
#[test]
fn helper_send_adverts_in_namespace() {
    let Ok(rounds) = std::env::var("KR_WIRE_SEND_ROUNDS") else {
        return;
    };
    let rounds: u32 = rounds.parse().expect("round count");
    // SAFETY: plain socket(2) call; the descriptor is closed below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_RAW) };
    assert!(fd >= 0, "raw socket: {}", std::io::Error::last_os_error());
    let dst = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(Ipv4Addr::new(224, 0, 0, 18)).to_be(),
        },
        sin_zero: [0; 8],
    };
    for round in 0..rounds {
        for packet in our_adverts(round) {
            // SAFETY: the buffer and address outlive the call; lengths match their types.
            let sent = unsafe {
                libc::sendto(
                    fd,
                    packet.as_ptr().cast(),
                    packet.len(),
                    0,
                    (&dst as *const libc::sockaddr_in).cast(),
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            };
            assert_eq!(
                sent,
                packet.len() as isize,
                "{}",
                std::io::Error::last_os_error()
            );
        }
        std::thread::sleep(Duration::from_millis(1000));
    }
    // SAFETY: fd is ours and not used afterwards.
    unsafe { libc::close(fd) };
}

#[test]
fn keepalived_accepts_our_adverts() {
    if let Some(reason) = skip_reason() {
        eprintln!("skipped: {reason}");
        return;
    }
    let id = std::process::id();
    let dir = std::env::temp_dir().join(format!("kr-wire-lab-rx-{id}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut lab = Lab {
        ns_a: format!("kr-wire-{id}-ra"),
        ns_b: format!("kr-wire-{id}-rb"),
        dir: dir.clone(),
        children: vec![],
    };
    let (if_a, if_b) = (format!("krw{id}x"), format!("krw{id}y"));
    let (ns_a, ns_b) = (lab.ns_a.clone(), lab.ns_b.clone());
    run(&["ip", "netns", "add", &ns_a]);
    run(&["ip", "netns", "add", &ns_b]);
    run(&[
        "ip", "link", "add", &if_a, "netns", &ns_a, "type", "veth", "peer", "name", &if_b, "netns",
        &ns_b,
    ]);
    for (ns, ifname, addr) in [
        (&ns_a, &if_a, "10.97.0.1/24"),
        (&ns_b, &if_b, "10.97.0.2/24"),
    ] {
        run(&["ip", "-n", ns, "addr", "add", addr, "dev", ifname]);
        run(&["ip", "-n", ns, "link", "set", ifname, "up"]);
        run(&["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
    run(&[
        "ip",
        "-n",
        &ns_b,
        "route",
        "add",
        "224.0.0.0/4",
        "dev",
        &if_b,
    ]);

    // Our master starts first and keeps sending for 8 s; keepalived's backups would take over
    // after 3 * 1 s + skew if they rejected what we send.
    let sender = Command::new("ip")
        .args(["netns", "exec", &ns_b])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "helper_send_adverts_in_namespace",
            "--test-threads=1",
        ])
        .env("KR_WIRE_SEND_ROUNDS", "8")
        .stdout(Stdio::null())
        .spawn()
        .expect("sender");
    lab.children.push(sender);
    std::thread::sleep(Duration::from_millis(500));
    let conf = dir.join("keepalived.conf");
    std::fs::write(&conf, BACKUP_CONFIG.replace("IFA", &if_a)).unwrap();
    let log = dir.join("keepalived.log");
    let keepalived = Command::new("ip")
        .args(["netns", "exec", &ns_a, KEEPALIVED, "-n", "-l", "-D", "-f"])
        .arg(&conf)
        .arg("-p")
        .arg(dir.join("keepalived.pid"))
        .arg("-r")
        .arg(dir.join("vrrp.pid"))
        .arg("-c")
        .arg(dir.join("checkers.pid"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("keepalived");
    let keepalived_pid = keepalived.id();
    let sender_ok = lab.children[0].wait().expect("sender exit").success();
    lab.children.push(keepalived);
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
    unsafe { libc::kill(keepalived_pid as libc::pid_t, libc::SIGTERM) };
    if let Some(mut child) = lab.children.pop() {
        let _ = child.wait();
    }
    assert!(sender_ok, "sender helper failed");
    let log = std::fs::read_to_string(&log).unwrap();
    for name in ["B_V2", "B_V3", "B_PASS", "B_AH"] {
        assert!(
            log.contains(&format!("({name}) Entering BACKUP STATE")),
            "{name} never started:\n{log}"
        );
        assert!(
            !log.contains(&format!("({name}) Entering MASTER STATE")),
            "{name} rejected our adverts and took over:\n{log}"
        );
    }
    for complaint in ["bogus", "invalid", "mismatch", "Invalid", "expect"] {
        assert!(
            !log.contains(complaint),
            "keepalived complained ({complaint}):\n{log}"
        );
    }
}
