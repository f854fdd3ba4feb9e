//! use_vmac interop with three implementations, with IPv6 DAD on: ours (router `o`, always
//! `use_vmac`) beside FRR's vrrpd, keepalived 2.2.7 (`use_vmac`) or ours again (`use_vmac`) on
//! router `t`, for VRRPv2, VRRPv3 and VRRPv3 over IPv6 (against FRR also IPv4 and IPv6 in
//! one VRID, and ours with `vmac_xmit_base`). Each case runs one timeline:
//!
//! 1. the peer at priority 100 and ours at 150 start together: ours is the only MASTER and
//!    holds every VIP, the peer is BACKUP;
//! 2. ours stops (priority-0 advert): the peer takes over;
//! 3. ours starts again at priority 50: it stays BACKUP (it hears the peer's adverts on its
//!    VMAC) for longer than a Master_Down_Interval;
//! 4. the peer stops: ours takes over.
//!
//! Every advert captured on the bridge must decode cleanly in tshark (version, VRID, address
//! count, checksum good, advert interval in the version's units), no address may end
//! `dadfailed`, ours' VMACs may autoconfigure no address and ours may log no failure.
//!
//! FRR runs as its docs say: zebra and vrrpd with a private configuration, vty socket and
//! pid directory, and the macvlans made by hand (`vrrp4-2-VRID` with 00:00:5e:00:01:VRID,
//! `vrrp6-2-VRID` with 00:00:5e:00:02:VRID, mode bridge, addrgenmode random) carrying the
//! VIPs. FRR's BACKUP keeps them there with the macvlan in protodown, so "FRR holds a VIP"
//! means the VIP is on a macvlan that is not in protodown. What each quirk of FRR means for
//! ours: docs/interop.md.
//!
//! The cases of one test run in parallel threads, each in its own namespaces (prefix `krf`,
//! 10.82.N.0/24 and fd82:N::/64). `KR_FRR_ONLY=frr-v3` runs the cases whose name contains
//! it. Needs root, /usr/sbin/keepalived and, for the FRR cases, FRR (zebra, vrrpd, vtysh).
//! use_vmac v3 IPv4 against keepalived and against ours is the scenario bullet-vmac-both
//! (tests/scenarios), run there in every ours/keepalived combination: not repeated here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use keepalived_labs::{ip, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const ZEBRA: &str = "/usr/lib/frr/zebra";
const VRRPD: &str = "/usr/lib/frr/vrrpd";
const VTYSH: &str = "/usr/bin/vtysh";

/// The implementation on router `t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Peer {
    Frr,
    Keepalived,
    Ours,
}

/// VRRP version and address family of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    V2,
    V3,
    V3Ipv6,
    /// VRRPv3 for IPv4 and IPv6 in one VRID: FRR's one `vrrp N` with `ip` and `ipv6`
    /// addresses, two instances on ours' side.
    V3Dual,
}

#[derive(Clone, Copy, Debug)]
struct Case {
    peer: Peer,
    family: Family,
    /// N in 10.82.N.0/24 and fd82:N::/64; the VRID is 10 + N.
    subnet: u8,
    /// Ours with `vmac_xmit_base` (adverts leave from the base interface).
    xmit_base: bool,
}

impl Case {
    fn name(&self) -> String {
        let peer = match self.peer {
            Peer::Frr => "frr",
            Peer::Keepalived => "ka",
            Peer::Ours => "ours",
        };
        let family = match self.family {
            Family::V2 => "v2",
            Family::V3 => "v3",
            Family::V3Ipv6 => "v3v6",
            Family::V3Dual => "v3dual",
        };
        let xmit = if self.xmit_base { "-xmit-base" } else { "" };
        format!("{peer}-{family}{xmit}")
    }

    fn vrid(&self) -> u8 {
        10 + self.subnet
    }

    /// The address families of the case (false: IPv4, true: IPv6).
    fn families(&self) -> &'static [bool] {
        match self.family {
            Family::V2 | Family::V3 => &[false],
            Family::V3Ipv6 => &[true],
            Family::V3Dual => &[false, true],
        }
    }

    fn version(&self) -> u8 {
        if self.family == Family::V2 {
            2
        } else {
            3
        }
    }

    /// The two VIPs of a family, without prefix length.
    fn vips(&self, ipv6: bool) -> [String; 2] {
        let n = self.subnet;
        if ipv6 {
            [format!("fd82:{n}::100"), format!("fd82:{n}::101")]
        } else {
            [format!("10.82.{n}.100"), format!("10.82.{n}.101")]
        }
    }

    /// Every VIP of the case.
    fn all_vips(&self) -> Vec<String> {
        self.families()
            .iter()
            .flat_map(|&v6| self.vips(v6))
            .collect()
    }

    /// The advert interval in centiseconds: VRRPv2 counts whole seconds.
    fn advert_cs(&self) -> u32 {
        if self.family == Family::V2 {
            100
        } else {
            50
        }
    }

    /// Master_Down_Interval at the lowest priority used (50): 3 intervals plus the skew.
    fn master_down(&self) -> Duration {
        Duration::from_millis(u64::from(self.advert_cs()) * 10 * 4)
    }

    /// Time for an election or a takeover, with room for a loaded machine.
    fn election(&self) -> Duration {
        self.master_down() * 3 + Duration::from_secs(5)
    }

    /// keepalived.conf for ours or keepalived: per family one use_vmac instance with its two
    /// VIPs.
    fn keepalived_conf(&self, router_id: &str, priority: u8, xmit_base: bool) -> String {
        let version = if self.version() == 3 {
            "    version 3\n"
        } else {
            ""
        };
        let advert = if self.family == Family::V2 {
            "1"
        } else {
            "0.5"
        };
        let xmit = if xmit_base {
            "    vmac_xmit_base\n"
        } else {
            ""
        };
        let mut conf = format!(
            "global_defs {{\n    router_id {router_id}\n    vrrp_garp_master_delay 1\n}}\n"
        );
        for &v6 in self.families() {
            let vips: String = self
                .vips(v6)
                .iter()
                .map(|v| format!("        {v}/{}\n", plen(v6)))
                .collect();
            conf.push_str(&format!(
                "vrrp_instance VI_{} {{\n    interface eth0\n    virtual_router_id {}\n\
                 {version}    priority {priority}\n    advert_int {advert}\n    use_vmac\n\
                 {xmit}    virtual_ipaddress {{\n{vips}    }}\n}}\n",
                if v6 { 6 } else { 4 },
                self.vrid()
            ));
        }
        conf
    }
}

fn plen(ipv6: bool) -> u8 {
    if ipv6 {
        64
    } else {
        24
    }
}

/// The FRR side of a case: zebra and vrrpd in router `t`, files in `dir`.
struct Frr {
    ns: String,
    dir: PathBuf,
    /// The macvlans carrying the VIPs, one per family.
    mvls: Vec<String>,
}

impl Frr {
    /// Whether FRR can run here; says why not otherwise.
    fn available(test: &str) -> bool {
        for tool in [ZEBRA, VRRPD, VTYSH] {
            if !Path::new(tool).exists() {
                eprintln!("skipped: {test} needs {tool} (apt-get install frr)");
                return false;
            }
        }
        let user = Command::new("id").arg("frr").stdout(Stdio::null()).status();
        if !user.is_ok_and(|s| s.success()) {
            eprintln!("skipped: {test} needs the frr user (apt-get install frr)");
            return false;
        }
        true
    }

    /// The macvlan as FRR's docs make it (with `ip link add ... addrgenmode random` split in
    /// two: this kernel refuses addrgenmode in the create request), the VIPs on it, then
    /// zebra and vrrpd with `priority`.
    fn start(lab: &mut BridgeLab, case: Case, priority: u8) -> Frr {
        let ns = lab.ns("t");
        let dir = lab.dir().join("frr");
        std::fs::create_dir_all(&dir).expect("FRR directory");
        run("chown", &["frr:frr", &dir.display().to_string()]);
        let vrid = case.vrid();
        let mut conf = format!(
            "debug vrrp protocol\ninterface eth0\n vrrp {vrid} version {}\n \
             vrrp {vrid} priority {priority}\n vrrp {vrid} advertisement-interval {}\n",
            case.version(),
            case.advert_cs() * 10
        );
        let mut mvls = Vec::new();
        for &v6 in case.families() {
            let (fam, mac_kind, keyword) = if v6 { (6, 2, "ipv6") } else { (4, 1, "ip") };
            let mvl = format!("vrrp{fam}-2-{vrid}");
            let mac = format!("00:00:5e:00:{mac_kind:02x}:{vrid:02x}");
            let link = ["link", "add", &mvl, "link", "eth0", "type", "macvlan"];
            ip(&[&["-n", &ns][..], &link, &["mode", "bridge"]].concat());
            let set = ["-n", &ns, "link", "set", "dev", &mvl];
            ip(&[&set[..], &["addrgenmode", "random"]].concat());
            ip(&[&set[..], &["address", &mac]].concat());
            sysctl(&ns, &format!("net.ipv6.conf.{mvl}.accept_dad=1"));
            for vip in case.vips(v6) {
                let cidr = format!("{vip}/{}", plen(v6));
                ip(&["-n", &ns, "addr", "add", &cidr, "dev", &mvl]);
                conf.push_str(&format!(" vrrp {vrid} {keyword} {vip}\n"));
            }
            ip(&[&set[..], &["up"]].concat());
            mvls.push(mvl);
        }
        std::fs::write(dir.join("vrrpd.conf"), conf).expect("vrrpd.conf");
        std::fs::write(dir.join("zebra.conf"), "").expect("zebra.conf");
        let frr = Frr { ns, dir, mvls };
        let zebra = frr.args("zebra");
        let zebra: Vec<&str> = zebra.iter().map(String::as_str).collect();
        lab.spawn("t", "t-zebra", ZEBRA, &zebra);
        let api = frr.dir.join("zserv.api");
        lab.wait(
            "zebra's zserv socket",
            Duration::from_secs(10),
            || api.exists(),
            || None,
        );
        // vrrpd's log is t.log: the lab's failure messages show it.
        let vrrpd = frr.args("vrrpd");
        let vrrpd: Vec<&str> = vrrpd.iter().map(String::as_str).collect();
        lab.spawn("t", "t", VRRPD, &vrrpd);
        frr
    }

    /// The common FRR daemon options, everything in the private directory.
    fn args(&self, daemon: &str) -> Vec<String> {
        let path = |f: &str| self.dir.join(f).display().to_string();
        [
            "-u",
            "frr",
            "-g",
            "frr",
            "-P",
            "0",
            "--vty_socket",
            &path(""),
            "-i",
            &path(&format!("{daemon}.pid")),
            "-z",
            &path("zserv.api"),
            "-f",
            &path(&format!("{daemon}.conf")),
            "--log",
            "stdout",
            "--log-level",
            "debug",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// FRR's state for each of the case's families from `show vrrp json` ("Master",
    /// "Backup", ...).
    fn status(&self, case: Case) -> Vec<Option<String>> {
        let json = self.show_vrrp();
        case.families()
            .iter()
            .map(|&v6| {
                let fam = if v6 { "v6" } else { "v4" };
                let status = json.as_ref()?.get(0)?.get(fam)?.get("status")?;
                status.as_str().map(str::to_owned)
            })
            .collect()
    }

    fn show_vrrp(&self) -> Option<serde_json::Value> {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.ns, VTYSH, "--vty_socket"])
            .arg(&self.dir)
            .args(["-c", "show vrrp json"])
            .stderr(Stdio::null())
            .output()
            .ok()?;
        serde_json::from_slice(&out.stdout).ok()
    }

    /// How many of `vips` FRR serves: those on a macvlan out of protodown (FRR's BACKUP,
    /// and vrrpd stopped, leave them on the macvlan in protodown).
    fn serving(&self, vips: &[String]) -> usize {
        self.mvls
            .iter()
            .filter(|mvl| {
                let link = ip(&["-n", &self.ns, "-d", "-o", "link", "show", "dev", mvl]);
                !link.contains("protodown on")
            })
            .map(|mvl| {
                count(
                    &ip(&["-n", &self.ns, "-o", "addr", "show", "dev", mvl]),
                    vips,
                )
            })
            .sum()
    }
}

fn run(program: &str, args: &[&str]) {
    let ok = Command::new(program)
        .args(args)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "{program} {} failed", args.join(" "));
}

fn sysctl(ns: &str, setting: &str) {
    run("ip", &["netns", "exec", ns, "sysctl", "-qw", setting]);
}

/// The addresses of namespace `ns`, one line per address.
fn addresses(ns: &str) -> String {
    ip(&["-n", ns, "-o", "addr", "show"])
}

/// How many of `vips` are in `addrs`.
fn count(addrs: &str, vips: &[String]) -> usize {
    vips.iter()
        .filter(|v| addrs.contains(&format!(" {v}/")))
        .count()
}

/// One case's lab: ours on `o`, the peer on `t`, tcpdump on the bridge.
struct Run {
    case: Case,
    lab: BridgeLab,
    frr: Option<Frr>,
    /// vrrpd was stopped: no state to ask for any more.
    frr_stopped: bool,
    pcap: PathBuf,
}

impl Run {
    fn new(case: Case) -> Run {
        let n = case.subnet;
        let mut lab = BridgeLab::prefixed("krf", &case.name(), &format!("10.82.{n}"));
        for (r, host) in [("o", 1), ("t", 2)] {
            let ns = lab.ns(r);
            for conf in ["all", "default", "eth0"] {
                sysctl(&ns, &format!("net.ipv6.conf.{conf}.accept_dad=1"));
            }
            let addr = format!("fd82:{n}::{host}/64");
            ip(&["-n", &ns, "addr", "add", &addr, "dev", "eth0"]);
        }
        let pcap = lab.dir().join("vrrp.pcap");
        let pcap_arg = pcap.display().to_string();
        let filter = "ip proto 112 or ip6 proto 112";
        let args = [
            "-i",
            "br0",
            "--immediate-mode",
            "-U",
            "-Z",
            "root",
            "-w",
            &pcap_arg,
            filter,
        ];
        lab.spawn("s", "tcpdump", "tcpdump", &args);
        Run {
            case,
            lab,
            frr: None,
            frr_stopped: false,
            pcap,
        }
    }

    fn start_ours(&mut self, priority: u8) {
        let conf = self
            .case
            .keepalived_conf("ours", priority, self.case.xmit_base);
        self.lab.start("o", OURS, &conf);
    }

    fn start_peer(&mut self, priority: u8) {
        match self.case.peer {
            Peer::Frr => self.frr = Some(Frr::start(&mut self.lab, self.case, priority)),
            Peer::Keepalived => {
                let conf = self.case.keepalived_conf("keepalived", priority, false);
                self.lab.start("t", KEEPALIVED, &conf);
            }
            Peer::Ours => {
                let conf = self.case.keepalived_conf("peer", priority, false);
                self.lab.start("t", OURS, &conf);
            }
        }
    }

    /// Stops the daemon started last on `r` (vrrpd for FRR) and waits for it to exit.
    fn stop(&mut self, r: &str) {
        self.frr_stopped |= r == "t";
        self.lab.terminate(r);
        assert!(
            self.lab.wait_exit(r, Duration::from_secs(10)),
            "{r} did not stop\n{}",
            self.lab.logs()
        );
    }

    /// How many VIPs router `r` serves (FRR: only on a macvlan out of protodown).
    fn serving(&self, r: &str) -> usize {
        let vips = self.case.all_vips();
        match (&self.frr, r) {
            (Some(frr), "t") => frr.serving(&vips),
            _ => count(&addresses(&self.lab.ns(r)), &vips),
        }
    }

    /// `master` holds every VIP and the other router none.
    fn sole_master(&self, master: &str) -> bool {
        let other = if master == "o" { "t" } else { "o" };
        self.serving(master) == self.case.all_vips().len() && self.serving(other) == 0
    }

    /// Waits for `master` to be the only MASTER; for FRR, also for vrrpd's own state.
    fn wait_master(&self, master: &str, what: &str) {
        let limit = self.case.election();
        self.lab
            .wait(what, limit, || self.sole_master(master), || None);
        if let Some(frr) = self.frr.as_ref().filter(|_| !self.frr_stopped) {
            let want = if master == "t" { "Master" } else { "Backup" };
            self.lab.wait(
                &format!("FRR's vrrpd in {want} ({what})"),
                limit,
                || {
                    frr.status(self.case)
                        .iter()
                        .all(|s| s.as_deref() == Some(want))
                },
                || None,
            );
        }
    }

    fn stays_master(&self, master: &str, what: &str, span: Duration) {
        self.lab.stays(what, span, || self.sole_master(master));
    }

    /// DAD is on on every interface of both routers (eth0, the VMACs, FRR's macvlans) and no
    /// address failed it.
    fn no_dad_failure(&self) {
        for r in ["o", "t"] {
            let out = Command::new("ip")
                .args(["netns", "exec", &self.lab.ns(r), "sh", "-c"])
                .arg("grep -H . /proc/sys/net/ipv6/conf/*/accept_dad")
                .output()
                .expect("accept_dad read");
            let text = String::from_utf8_lossy(&out.stdout);
            for line in text.lines() {
                let Some((path, value)) = line.rsplit_once(':') else {
                    continue;
                };
                let iface = path.split('/').nth(6).unwrap_or_default();
                if !["lo", "default"].contains(&iface) {
                    assert_eq!(value, "1", "{}: {r}: {line}", self.case.name());
                }
            }
            let addrs = addresses(&self.lab.ns(r));
            // Ours' VMACs autoconfigure nothing from router advertisements (FRR's MASTER has
            // zebra send them): the VMACs of all routers would get the same address.
            let ours = r == "o" || self.case.peer == Peer::Ours;
            let slaac = addrs.lines().find(|l| {
                let vmac = l.split_whitespace().nth(1).unwrap_or_default();
                vmac.starts_with("vrrp") && l.contains(" dynamic ")
            });
            assert!(
                !ours || slaac.is_none(),
                "{}: {r}: a VMAC autoconfigured an address: {slaac:?}",
                self.case.name()
            );
            assert!(
                !addrs.contains("dadfailed"),
                "{}: an address of {r} failed DAD:\n{addrs}\n{}",
                self.case.name(),
                self.lab.logs()
            );
        }
    }

    /// Ours logged no failure (e.g. "sending advert failed", which a VMAC link-local
    /// address still tentative once caused: a peer took over for a moment).
    fn ours_logged_no_failure(&self) {
        let mut logs = vec!["o.first.log", "o.log"];
        if self.case.peer == Peer::Ours {
            logs.push("t.log");
        }
        for log in logs {
            let text = std::fs::read_to_string(self.lab.dir().join(log)).unwrap_or_default();
            let bad: Vec<&str> = text
                .lines()
                .filter(|l| l.to_lowercase().contains("fail"))
                .collect();
            assert!(bad.is_empty(), "{}: {log}: {bad:#?}", self.case.name());
        }
    }

    /// Every captured advert decodes in tshark as this case's: version, VRID, two addresses,
    /// checksum good, the advert interval in the version's units; both routers sent some in
    /// each family.
    fn adverts_decode(&mut self) {
        self.stop("s");
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&self.pcap)
            .args(["-Y", "vrrp", "-T", "fields", "-E", "separator=,"])
            .args(["-e", "ip.src", "-e", "ipv6.src", "-e", "vrrp.version"])
            .args(["-e", "vrrp.virt_rtr_id", "-e", "vrrp.addr_count"])
            .args(["-e", "vrrp.checksum.status", "-e", "vrrp.adver_int"])
            .args(["-e", "vrrp.short_adver_int", "-e", "vrrp.prio"])
            .stderr(Stdio::null())
            .output();
        let Ok(out) = out else {
            eprintln!(
                "{}: advert decoding skipped: needs tshark",
                self.case.name()
            );
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let want = format!(
            "{}/{}/2/1/{}",
            self.case.version(),
            self.case.vrid(),
            if self.case.version() == 2 {
                format!("{}/", self.case.advert_cs() / 100)
            } else {
                format!("/{}", self.case.advert_cs())
            }
        );
        let mut sources = std::collections::BTreeMap::<String, BTreeSet<u8>>::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 9, "{}: tshark line {line:?}", self.case.name());
            let got = f[2..8].join("/");
            assert_eq!(
                got,
                want,
                "{}: advert from {}{} (version/vrid/count/checksum status/adver_int/\
                 short_adver_int)",
                self.case.name(),
                f[0],
                f[1]
            );
            let prio = f[8].parse().unwrap_or_default();
            let from = format!("{}{}", f[0], f[1]);
            sources.entry(from).or_default().insert(prio);
        }
        // Ours at 150, its priority-0 advert at stop, then 50; the peer at 100, then 0.
        let mut seen: Vec<&BTreeSet<u8>> = sources.values().collect();
        seen.sort();
        // One source per router and family.
        let n = self.case.families().len();
        let ours = BTreeSet::from([0, 50, 150]);
        let peer = BTreeSet::from([0, 100]);
        let want: Vec<&BTreeSet<u8>> = [vec![&ours; n], vec![&peer; n]].concat();
        assert_eq!(
            seen,
            want,
            "{}: the priorities each router advertised: {sources:?}",
            self.case.name()
        );
    }
}

/// The timeline of the module doc, for one case.
fn run_case(case: Case) {
    let mut run = Run::new(case);
    run.start_peer(100);
    run.start_ours(150);
    run.wait_master("o", "ours (150) the only MASTER");
    run.stays_master("o", "ours stays the only MASTER", case.master_down());
    run.no_dad_failure();

    run.stop("o");
    run.wait_master("t", "the peer takes over when ours stops");

    let log = run.lab.dir().join("o.log");
    let _ = std::fs::rename(&log, run.lab.dir().join("o.first.log"));
    run.start_ours(50);
    run.stays_master(
        "t",
        "ours (50) stays BACKUP beside the peer's MASTER",
        case.master_down() + Duration::from_secs(2),
    );
    run.no_dad_failure();

    run.stop("t");
    run.wait_master("o", "ours takes over when the peer stops");
    run.stays_master("o", "ours stays MASTER alone", case.master_down());
    run.no_dad_failure();
    run.adverts_decode();
    run.ours_logged_no_failure();
}

/// Runs `cases` (those KR_FRR_ONLY selects) in parallel threads; reports every failure.
fn run_cases(test: &str, cases: &[Case]) {
    if !runnable(test) {
        return;
    }
    let only = std::env::var("KR_FRR_ONLY").unwrap_or_default();
    let threads: Vec<_> = cases
        .iter()
        .copied()
        .filter(|c| c.name().contains(&only))
        .map(|c| (c.name(), std::thread::spawn(move || run_case(c))))
        .collect();
    let failed: Vec<String> = threads
        .into_iter()
        .filter_map(|(name, t)| {
            t.join().err().map(|e| {
                let why = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                format!("=== {name}: {why}")
            })
        })
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

/// A case without `vmac_xmit_base` on ours.
const fn case(peer: Peer, family: Family, subnet: u8) -> Case {
    Case {
        peer,
        family,
        subnet,
        xmit_base: false,
    }
}

#[test]
fn use_vmac_interoperates_with_frr_vrrpd() {
    let test = "use_vmac_interoperates_with_frr_vrrpd";
    if !Frr::available(test) {
        return;
    }
    let xmit_base = Case {
        xmit_base: true,
        ..case(Peer::Frr, Family::V3, 8)
    };
    run_cases(
        test,
        &[
            case(Peer::Frr, Family::V2, 1),
            case(Peer::Frr, Family::V3, 2),
            case(Peer::Frr, Family::V3Ipv6, 3),
            xmit_base,
            case(Peer::Frr, Family::V3Dual, 9),
        ],
    );
}

#[test]
fn use_vmac_interoperates_with_keepalived_use_vmac() {
    run_cases(
        "use_vmac_interoperates_with_keepalived_use_vmac",
        &[
            case(Peer::Keepalived, Family::V2, 4),
            case(Peer::Keepalived, Family::V3Ipv6, 5),
        ],
    );
}

#[test]
fn use_vmac_interoperates_with_itself() {
    run_cases(
        "use_vmac_interoperates_with_itself",
        &[
            case(Peer::Ours, Family::V2, 6),
            case(Peer::Ours, Family::V3Ipv6, 7),
        ],
    );
}
