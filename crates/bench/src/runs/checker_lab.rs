//! The lab of the checker benchmarks: two namespaces joined by a veth pair, `P<pid>c<n>-lb`
//! (the daemon, checkers only) and `P<pid>c<n>-be` (the [`Backend`](crate::backend) serving
//! every real server). The backend namespace routes 10.71.0.0/17 to itself (AnyIP), the
//! daemon's routes it over the veth (10.71.255.1 ↔ 10.71.255.2). Real server `i` is
//! `10.71.(i / 250).(1 + i % 250)`, virtual server `v` is `10.71.(200 + v / 250).(1 + v % 250)`
//! (never local anywhere: IPVS only needs it in its table). Also the configurations and
//! reading the IPVS table (a netlink dump in the daemon's namespace).

use std::collections::HashSet;
use std::fmt::Write;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{cleanup, lab::ip};

/// Real servers the addressing allows (10.71.0.0/17).
pub const MAX_REAL_SERVERS: usize = 128 * 250;

/// Labs made so far, for unique names within one run.
static LABS: AtomicUsize = AtomicUsize::new(0);

/// The two namespaces and a scratch directory; removed on drop.
pub struct CheckerLab {
    /// The daemon's namespace.
    pub lb: String,
    /// The backend's namespace.
    pub be: String,
    dir: PathBuf,
}

impl CheckerLab {
    /// Creates the namespaces (`prefix` as `--netns-prefix`), the veth pair and the routes.
    pub fn new(prefix: &str) -> Result<CheckerLab, String> {
        let n = LABS.fetch_add(1, Ordering::Relaxed);
        let base = format!("{prefix}{}c{n}-", std::process::id());
        let dir = std::env::temp_dir().join(format!("{base}dir"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        cleanup::add_dir(dir.clone());
        let lab = CheckerLab {
            lb: format!("{base}lb"),
            be: format!("{base}be"),
            dir,
        };
        for ns in [&lab.lb, &lab.be] {
            ip(&["netns", "add", ns])?;
            cleanup::add_namespace(ns);
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
        }
        let (lb, be) = (lab.lb.as_str(), lab.be.as_str());
        ip(&[
            "-n", lb, "link", "add", "lb0", "type", "veth", "peer", "name", "be0", "netns", be,
        ])?;
        ip(&["-n", lb, "addr", "add", "10.71.255.1/24", "dev", "lb0"])?;
        ip(&["-n", be, "addr", "add", "10.71.255.2/24", "dev", "be0"])?;
        ip(&["-n", lb, "link", "set", "lb0", "up"])?;
        ip(&["-n", be, "link", "set", "be0", "up"])?;
        ip(&[
            "-n",
            be,
            "route",
            "add",
            "local",
            "10.71.0.0/17",
            "dev",
            "lo",
        ])?;
        ip(&[
            "-n",
            lb,
            "route",
            "add",
            "10.71.0.0/17",
            "via",
            "10.71.255.2",
        ])?;
        Ok(lab)
    }

    /// The scratch directory (configurations, pid files).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for CheckerLab {
    fn drop(&mut self) {
        for ns in [&self.lb, &self.be] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
            cleanup::remove_namespace(ns);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        cleanup::remove_dir(&self.dir);
    }
}

/// Real server number `i`'s address.
pub fn rs_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 71, (i / 250) as u8, (1 + i % 250) as u8)
}

/// Virtual server number `v`'s address.
pub fn vs_addr(v: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 71, (200 + v / 250) as u8, (1 + v % 250) as u8)
}

/// The health check of every real server of a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// `TCP_CHECK { connect_timeout 3 }` on port 80 (or the real server's own port).
    Tcp,
    /// `HTTP_GET { url { path / status_code 200 } connect_timeout 3 }` on port 8080.
    Http,
}

/// One virtual server: its real servers as (address, port).
pub type VirtualServer = Vec<(Ipv4Addr, u16)>;

/// keepalived.conf text: virtual server `v` of `vss` on `vs_addr(v)`:80, with `delay_loop`,
/// rr, NAT, each of its real servers weight 1 under `check`.
pub fn render(name: &str, vss: &[VirtualServer], delay_loop: u32, check: Check) -> String {
    let mut s = format!("global_defs {{\n    router_id {name}\n}}\n");
    for (v, rss) in vss.iter().enumerate() {
        let _ = write!(
            s,
            "virtual_server {} 80 {{\n    delay_loop {delay_loop}\n    lb_algo rr\n    \
             lb_kind NAT\n    protocol TCP\n",
            vs_addr(v)
        );
        for (a, p) in rss {
            let body = match check {
                Check::Tcp => "        TCP_CHECK {\n            connect_timeout 3\n        }\n",
                Check::Http => {
                    "        HTTP_GET {\n            url {\n                path /\n                \
                     status_code 200\n            }\n            connect_timeout 3\n        }\n"
                }
            };
            let _ = write!(
                s,
                "    real_server {a} {p} {{\n        weight 1\n{body}    }}\n"
            );
        }
        s += "}\n";
    }
    s
}

/// One IPVS destination: (virtual server, real server, weight).
pub type Dest = (SocketAddrV4, SocketAddrV4, u32);

/// The destinations a configuration asks for (every real server up, weight 1).
pub fn expected(vss: &[VirtualServer]) -> HashSet<Dest> {
    vss.iter()
        .enumerate()
        .flat_map(|(v, rss)| {
            let vs = SocketAddrV4::new(vs_addr(v), 80);
            rss.iter()
                .map(move |(a, p)| (vs, SocketAddrV4::new(*a, *p), 1))
        })
        .collect()
}

/// A generic-netlink IPVS socket opened in the daemon's namespace (keepalived-check's
/// `NetlinkIpvs`, read-only here): one dump of every service and its destinations per read,
/// in this process. `ipvsadm -Ln` through `ip netns exec` costs seconds per call in the VM
/// (TCG, binaries read over 9p), too coarse for the reload's convergence.
pub struct IpvsReader(keepalived_check::ipvs::NetlinkIpvs);

impl IpvsReader {
    /// Opens the socket in namespace `ns` (from a thread that enters it; the socket stays
    /// in that namespace).
    pub fn open(ns: &str) -> Result<IpvsReader, String> {
        let ns = ns.to_owned();
        std::thread::spawn(move || {
            crate::backend::enter(&ns)?;
            keepalived_check::ipvs::NetlinkIpvs::open().map_err(|e| format!("IPVS: {e}"))
        })
        .join()
        .map_err(|_| "the IPVS opener panicked".to_owned())?
        .map(IpvsReader)
    }

    /// The table now.
    pub fn read(&mut self) -> Result<HashSet<Dest>, String> {
        let services = self.0.services().map_err(|e| format!("IPVS dump: {e}"))?;
        let mut out = HashSet::new();
        for s in services {
            let keepalived_check::ipvs::ServiceKey::Addr {
                addr: SocketAddr::V4(vs),
                ..
            } = s.key
            else {
                continue;
            };
            for d in s.dests {
                if let SocketAddr::V4(rs) = d.addr {
                    out.insert((vs, rs, d.weight));
                }
            }
        }
        Ok(out)
    }
}

/// The real server and virtual server of a "Removing service [A]:tcp:P from VS [B]:tcp:Q"
/// or "Disabling service [A]:tcp:P of VS ..." log line (keepalived's words, ours too).
pub fn marked_down(line: &str) -> Option<(SocketAddrV4, SocketAddrV4)> {
    let i = line
        .find("Removing service [")
        .or_else(|| line.find("Disabling service ["))?;
    let rest = &line[i..];
    let addr = |s: &str| -> Option<(SocketAddrV4, usize)> {
        let open = s.find('[')?;
        let close = s[open..].find(']')? + open;
        let a: Ipv4Addr = s[open + 1..close].parse().ok()?;
        let tail = s[close + 1..].strip_prefix(":tcp:")?;
        let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
        Some((SocketAddrV4::new(a, digits.parse().ok()?), close))
    };
    let (rs, end) = addr(rest)?;
    let (vs, _) = addr(&rest[end..])?;
    Some((vs, rs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_lines_name_the_real_and_virtual_server() {
        let l = "Thu Dec  3 12:54:21 2026: Removing service [10.71.0.7]:tcp:10001 from VS \
                 [10.71.200.1]:tcp:80";
        let (vs, rs) = marked_down(l).unwrap();
        assert_eq!(rs, "10.71.0.7:10001".parse().unwrap());
        assert_eq!(vs, "10.71.200.1:80".parse().unwrap());
        assert!(
            marked_down("Adding service [10.71.0.7]:tcp:80 to VS [10.71.200.1]:tcp:80").is_none()
        );
    }

    #[test]
    fn the_configuration_has_one_block_per_real_server() {
        let vss = vec![vec![(rs_addr(0), 80), (rs_addr(1), 80)]];
        let c = render("t", &vss, 1, Check::Http);
        assert_eq!(c.matches("real_server ").count(), 2);
        assert!(c.contains("virtual_server 10.71.200.1 80 {"));
        assert!(c.contains("real_server 10.71.0.2 80 {"));
        assert_eq!(expected(&vss).len(), 2);
        assert_eq!(
            rs_addr(MAX_REAL_SERVERS - 1),
            Ipv4Addr::new(10, 71, 127, 250)
        );
    }
}
