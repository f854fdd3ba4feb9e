//! BFD transmit jitter beside VRRP work: one router `r` (the implementation under test) runs
//! INSTANCES VRRPv3 instances at advert_int 0.1, every one MASTER, on `eth0..` and a
//! `bfd_instance` (min_rx/min_tx 10 ms, multiplier 3) on its last link to FRR's bfdd in `u`.
//! Once every VIP is present, the delayed gratuitous ARPs are out and the session is Up,
//! tcpdump in `u` (`--time-stamp-precision=micro`, a pcap file) records the router's BFD
//! control packets for the window; the gaps between consecutive Up packets are the result.
//! RFC 5880 §6.8.7 jitter is intended: both daemons send at 75..90 % of the 10 ms interval,
//! so every gap above 10 ms is late and one above 11 ms misses "p99 within 1 ms".

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::bfd::{Bfdd, BFDD};
use super::Imp;
use crate::conf::Spec;
use crate::daemon::Daemon;
use crate::lab::Lab;
use crate::{cleanup, procfs};

/// The BFD transmit interval both sides ask for, ms.
pub const INTERVAL_MS: f64 = 10.0;
/// How late a gap may be, ms (Done-when: p99 within 1 ms).
pub const SLACK_MS: f64 = 1.0;

/// What one window measured.
#[derive(Clone, Debug)]
pub struct Jitter {
    /// Gaps between consecutive BFD packets in state Up, ms, sorted.
    pub gaps: Vec<f64>,
    /// Packets captured that were not in state Up.
    pub not_up: usize,
    /// CPU seconds the router's process tree used per second of the window.
    pub cpu_share: f64,
    /// /proc/loadavg at the window's start.
    pub load: String,
    /// Time the BFD child spent runnable but waiting for a CPU over the window, ms
    /// (/proc/PID/schedstat's run_delay), None if its pid was not found.
    pub run_delay_ms: Option<f64>,
    /// The BFD child's context switches per second over the window (voluntary: its
    /// wake-ups; involuntary: preemptions), None if its pid was not found.
    pub switches_per_s: Option<(f64, f64)>,
}

impl Jitter {
    /// The `p` quantile (0..=1) of the gaps, nearest rank; None when there are none.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        quantile(&self.gaps, p)
    }

    /// The share (%) of gaps above interval + slack.
    pub fn late_share(&self) -> f64 {
        let late = self
            .gaps
            .iter()
            .filter(|g| **g > INTERVAL_MS + SLACK_MS)
            .count();
        late as f64 * 100.0 / self.gaps.len().max(1) as f64
    }
}

/// The `p` quantile of sorted `v`, nearest rank.
fn quantile(v: &[f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let rank = (p * v.len() as f64).ceil() as usize;
    Some(v[rank.clamp(1, v.len()) - 1])
}

/// tcpdump in a namespace writing a pcap file; stopped (SIGINT, so it flushes) on drop.
struct Capture(Child);

impl Capture {
    fn start(ns: &str, ifname: &str, filter: &str, file: &str) -> Result<Capture, String> {
        let child = Command::new("ip")
            .args([
                "netns", "exec", ns, "tcpdump", "-i", ifname, "-n", "-U", "-Z", "root",
            ])
            .args([
                "--time-stamp-precision=micro",
                "-B",
                "8192",
                "-w",
                file,
                filter,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start tcpdump: {e}"))?;
        cleanup::add_daemon(child.id() as i32);
        Ok(Capture(child))
    }

    fn stop(&mut self) {
        // tcpdump itself, and `ip netns exec` if that forked it: SIGINT flushes the file.
        procfs::signal_all(&procfs::tree(self.0.id() as i32), libc::SIGINT);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if !matches!(self.0.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
        cleanup::remove_daemon(self.0.id() as i32);
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}

/// (timestamp in µs, BFD state) of every Ethernet/IPv4/UDP frame of a microsecond pcap file.
pub fn bfd_packets(pcap: &[u8]) -> Result<Vec<(u64, u8)>, String> {
    let u32_at = |b: &[u8], i: usize| -> Option<u32> {
        Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
    };
    if u32_at(pcap, 0) != Some(0xa1b2_c3d4) {
        return Err("the capture is not a little-endian microsecond pcap file".into());
    }
    if u32_at(pcap, 20) != Some(1) {
        return Err("the capture's link type is not Ethernet".into());
    }
    let mut out = Vec::new();
    let mut at = 24;
    while let (Some(sec), Some(usec), Some(len)) =
        (u32_at(pcap, at), u32_at(pcap, at + 4), u32_at(pcap, at + 8))
    {
        let frame = pcap.get(at + 16..at + 16 + len as usize).unwrap_or(&[]);
        at += 16 + len as usize;
        let Some(ihl) = frame.get(14).map(|b| usize::from(b & 0x0f) * 4) else {
            continue;
        };
        // BFD's second byte: state in the top two bits (RFC 5880 §4.1).
        if let Some(b) = frame.get(14 + ihl + 8 + 1) {
            out.push((u64::from(sec) * 1_000_000 + u64::from(usec), b >> 6));
        }
    }
    Ok(out)
}

/// BFD state Up.
const UP: u8 = 3;

/// Gaps (ms, sorted) between consecutive Up packets, and the count of packets not Up.
pub fn up_gaps(packets: &[(u64, u8)]) -> (Vec<f64>, usize) {
    let mut gaps = Vec::new();
    let mut last = None;
    let mut not_up = 0;
    for (t, state) in packets {
        if *state != UP {
            not_up += 1;
            last = None;
            continue;
        }
        if let Some(l) = last {
            gaps.push(t.saturating_sub(l) as f64 / 1e3);
        }
        last = Some(*t);
    }
    gaps.sort_by(|a, b| a.total_cmp(b));
    (gaps, not_up)
}

/// `run_delay` of /proc/PID/schedstat (ns runnable but not running), None if unreadable.
fn run_delay_ns(pid: i32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/schedstat"))
        .ok()?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// (voluntary, nonvoluntary) context switches of `pid` from /proc/PID/status.
fn switches(pid: i32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name))?
            .trim()
            .parse()
            .ok()
    };
    Some((
        field("voluntary_ctxt_switches:")?,
        field("nonvoluntary_ctxt_switches:")?,
    ))
}

/// Starts `imp` on `spec` (every instance MASTER) plus the BFD session, waits, and captures
/// the BFD packets for `window`. With `rt_priority`, global_defs gets `bfd_rt_priority` (the
/// BFD child at SCHED_RR).
pub fn run(
    imp: &Imp,
    spec: &Spec,
    window: Duration,
    rt_priority: Option<u8>,
    verbose: bool,
) -> Result<Jitter, String> {
    if !std::path::Path::new(BFDD).exists() {
        return Err(format!("skipped: needs {BFDD} (apt-get install frr)"));
    }
    if Command::new("tcpdump").arg("--version").output().is_err() {
        return Err("skipped: needs tcpdump (apt-get install tcpdump)".into());
    }
    let k = spec.links();
    let lab = Lab::new(&["r", "u"], k + 1)?;
    let (r_ns, u_ns) = (lab.ns("r"), lab.ns("u"));
    let (peer, local) = (format!("10.88.{k}.1"), format!("10.88.{k}.2"));
    let _bfdd = Bfdd::start_peer(&lab, &u_ns, &peer, &local)?;
    let mut conf = spec.with_role(200, "MASTER").render("kb_bfd_jitter");
    if let Some(p) = rt_priority {
        conf = conf.replacen(
            "global_defs {\n",
            &format!("global_defs {{\n    bfd_rt_priority {p}\n"),
            1,
        );
    }
    let conf = conf
        + &format!(
            "bfd_instance UP {{\n    neighbor_ip {local}\n    min_rx 10\n    min_tx 10\n    \
             multiplier 3\n}}\n"
        );
    let mut d = Daemon::start(&lab, "r", imp.label, &imp.path, &conf)?;
    super::settled_master(&mut d, imp, spec, &r_ns, &spec.vips())?;

    let file = lab.dir().join("bfd.pcap").display().to_string();
    let filter = format!("udp dst port 3784 and src host {peer}");
    let mut cap = Capture::start(&u_ns, &format!("eth{k}"), &filter, &file)?;
    // tcpdump's start, then the window.
    std::thread::sleep(Duration::from_millis(500));
    let pids = d.tree();
    let cpu = |pids: &[i32]| pids.iter().map(|p| procfs::cpu_ticks(*p)).sum::<u64>();
    let load = std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let bfd_pid = std::fs::read_to_string(lab.dir().join(format!("{}.bfd.pid", imp.label)))
        .ok()
        .and_then(|s| s.trim().parse::<i32>().ok());
    let delay = || bfd_pid.and_then(run_delay_ns);
    let sw = || bfd_pid.and_then(switches);
    let (cpu0, delay0, sw0, t0) = (cpu(&pids), delay(), sw(), Instant::now());
    std::thread::sleep(window);
    let (cpu1, delay1, sw1, secs) = (cpu(&pids), delay(), sw(), t0.elapsed().as_secs_f64());
    cap.stop();
    super::alive(&mut d, imp.label)?;
    let bytes = std::fs::read(&file).map_err(|e| format!("{file}: {e}"))?;
    if verbose {
        let rt = rt_priority.map_or(String::new(), |p| format!("-rt{p}"));
        let kept = format!("/tmp/keepalived-bench-bfd-jitter-{}{rt}.pcap", imp.label);
        if std::fs::write(&kept, &bytes).is_ok() {
            eprintln!("  {} capture kept: {kept}", imp.label);
        }
    }
    let (gaps, not_up) = up_gaps(&bfd_packets(&bytes)?);
    if gaps.len() < 100 {
        return Err(format!(
            "only {} gaps between Up packets captured ({not_up} packets not Up): the session \
             did not come Up\n{}",
            gaps.len(),
            d.log_tail(15)
        ));
    }
    let j = Jitter {
        gaps,
        not_up,
        cpu_share: cpu1.saturating_sub(cpu0) as f64 / procfs::ticks_per_second() / secs,
        load,
        run_delay_ms: delay0
            .zip(delay1)
            .map(|(a, b)| b.saturating_sub(a) as f64 / 1e6),
        switches_per_s: sw0.zip(sw1).map(|((v0, n0), (v1, n1))| {
            (
                v1.saturating_sub(v0) as f64 / secs,
                n1.saturating_sub(n0) as f64 / secs,
            )
        }),
    };
    if verbose {
        let q = |p| j.quantile(p).unwrap_or(f64::NAN);
        eprintln!(
            "  {} bfd jitter: {} gaps, min {:.3} p50 {:.3} p99 {:.3} max {:.3} ms, {:.2}% > \
             11 ms, {} not Up, tree CPU {:.1}%, BFD child run-queue wait {:.1} ms, {:.0} wake-ups/s, {:.1} preemptions/s, load {}",
            imp.label,
            j.gaps.len(),
            q(0.0),
            q(0.5),
            q(0.99),
            q(1.0),
            j.late_share(),
            j.not_up,
            j.cpu_share * 100.0,
            j.run_delay_ms.unwrap_or(f64::NAN),
            j.switches_per_s.map_or(f64::NAN, |s| s.0),
            j.switches_per_s.map_or(f64::NAN, |s| s.1),
            j.load
        );
    }
    if !d.stop(Duration::from_secs(30)) {
        eprintln!(
            "  warning: {} did not exit on SIGTERM within 30 s and was killed",
            imp.label
        );
    }
    Ok(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(state: u8) -> Vec<u8> {
        let mut f = vec![0u8; 14 + 20 + 8 + 24];
        f[14] = 0x45;
        f[14 + 20 + 8 + 1] = state << 6;
        f
    }

    #[test]
    fn pcap_gaps_between_up_packets() {
        let mut p = Vec::new();
        for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 262_144, 1] {
            p.extend(v.to_le_bytes());
        }
        for (sec, usec, state) in [
            (1u32, 0u32, 1u8),
            (1, 8_000, 3),
            (1, 16_500, 3),
            (1, 27_000, 3),
        ] {
            let f = frame(state);
            for v in [sec, usec, f.len() as u32, f.len() as u32] {
                p.extend(v.to_le_bytes());
            }
            p.extend(&f);
        }
        let packets = bfd_packets(&p).unwrap();
        assert_eq!(packets.len(), 4);
        let (gaps, not_up) = up_gaps(&packets);
        assert_eq!(not_up, 1);
        assert_eq!(gaps, vec![8.5, 10.5]);
        let j = Jitter {
            gaps,
            not_up,
            cpu_share: 0.0,
            load: String::new(),
            run_delay_ms: None,
            switches_per_s: None,
        };
        assert_eq!(j.quantile(0.99), Some(10.5));
        assert_eq!(j.late_share(), 0.0);
        assert!(bfd_packets(&[0u8; 24]).is_err());
    }
}
