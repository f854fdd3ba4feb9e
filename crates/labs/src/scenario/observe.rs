//! What a user observes: addresses and routes (`ip`), notify FIFO lines, adverts on the wire
//! (tcpdump in the bridge namespace).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One sample of the hosts' state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sample {
    /// Field name ("a addrs", "a routes", "a VI_1") -> value (sorted, one string).
    pub fields: BTreeMap<String, String>,
}

/// Addresses of a namespace other than link-local and `base` ones: "dev addr/plen[ dadfailed]".
pub fn addrs(ns: &str, base: &[String]) -> BTreeSet<String> {
    let out = run(&["-n", ns, "-o", "addr", "show"]);
    let mut set = BTreeSet::new();
    for l in out.lines() {
        let w: Vec<&str> = l.split_whitespace().collect();
        if w.len() < 4 || !(w[2] == "inet" || w[2] == "inet6") {
            continue;
        }
        let (dev, addr) = (w[1].split('@').next().unwrap_or(w[1]), w[3]);
        let bare = addr.split('/').next().unwrap_or(addr);
        if addr.starts_with("fe80:") || dev == "lo" || base.iter().any(|b| b == bare) {
            continue;
        }
        let mut s = format!("{dev} {addr}");
        if l.contains("dadfailed") {
            s.push_str(" dadfailed");
        }
        set.insert(s);
    }
    set
}

/// Routes (all tables) not made by the kernel for addresses, and rules when `rules`.
pub fn routes(ns: &str, rules: bool) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for fam in ["-4", "-6"] {
        for l in run(&["-n", ns, fam, "-o", "route", "show", "table", "all"]).lines() {
            let l = l.split_whitespace().collect::<Vec<_>>().join(" ");
            let skip = [
                "local ",
                "broadcast ",
                "multicast ",
                "anycast ",
                "fe80",
                "ff00",
            ];
            if l.contains("proto kernel") || skip.iter().any(|s| l.starts_with(s)) {
                continue;
            }
            set.insert(l);
        }
        if rules {
            for l in run(&["-n", ns, fam, "rule", "show"]).lines() {
                let l = l.split_whitespace().collect::<Vec<_>>().join(" ");
                if !["0:", "32766:", "32767:"].iter().any(|p| l.starts_with(p)) {
                    set.insert(format!("rule {l}"));
                }
            }
        }
    }
    set
}

fn run(args: &[&str]) -> String {
    Command::new("ip")
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// A notify FIFO read by a thread: every `INSTANCE "X" STATE prio` / `GROUP ...` line.
pub struct Fifo {
    path: PathBuf,
    lines: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Fifo {
    /// Creates the FIFO at `path` and starts reading it (opened read-write, so that it never
    /// sees end-of-file when a daemon closes it).
    pub fn new(path: &Path) -> Fifo {
        let _ = Command::new("mkfifo")
            .arg("-m")
            .arg("600")
            .arg(path)
            .status();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let l2 = Arc::clone(&lines);
        let p = path.to_owned();
        let thread = std::thread::spawn(move || {
            let Ok(f) = std::fs::OpenOptions::new().read(true).write(true).open(&p) else {
                return;
            };
            for line in BufReader::new(f).lines() {
                let Ok(line) = line else { return };
                if line == "QUIT-SCENARIO" {
                    return;
                }
                if let Ok(mut v) = l2.lock() {
                    v.push(line);
                }
            }
        });
        Fifo {
            path: path.to_owned(),
            lines,
            thread: Some(thread),
        }
    }

    /// The lines read so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&self.path) {
            let _ = writeln!(f, "QUIT-SCENARIO");
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Per-instance state sequences from FIFO lines: "INSTANCE VI_1" -> ["BACKUP", "MASTER"].
pub fn sequences(lines: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in lines {
        let w: Vec<&str> = l.split_whitespace().collect();
        // MASTER_RX_LOWER_PRI is an event, not a state: keepalived sends one per lower
        // priority advert a MASTER receives, so how many there are is a matter of timing.
        if w.len() >= 3 && (w[0] == "INSTANCE" || w[0] == "GROUP") && w[2] != "MASTER_RX_LOWER_PRI"
        {
            let key = format!("{} {}", w[0], w[1].trim_matches('"'));
            m.entry(key).or_default().push(w[2].to_owned());
        }
    }
    m
}

/// tcpdump of VRRP (IP protocol 112) on every interface of the bridge namespace.
pub struct Wire {
    child: Option<Child>,
    seen: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl Wire {
    /// Starts tcpdump in namespace `ns`; `None` when tcpdump is missing.
    pub fn start(ns: &str) -> Option<Wire> {
        let mut child = Command::new("ip")
            // --immediate-mode: without it, packets reach us when a capture block fills or
            // its timeout (up to a second) ends, so an advert could be counted in the next
            // checkpoint's window.
            .args([
                "netns",
                "exec",
                ns,
                "tcpdump",
                "--immediate-mode",
                "-i",
                "any",
                "-nn",
                "-l",
            ])
            .arg("ip proto 112 or ip6 proto 112")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .ok()?;
        let out = child.stdout.take()?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = Arc::clone(&seen);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(k) = advert_key(&line) {
                    if let Ok(mut v) = s2.lock() {
                        v.push((Instant::now(), k));
                    }
                }
            }
        });
        Some(Wire {
            child: Some(child),
            seen,
        })
    }

    /// The distinct "src vrid N prio P" adverts seen since `since`.
    pub fn since(&self, since: Instant) -> BTreeSet<String> {
        self.seen
            .lock()
            .map(|v| {
                v.iter()
                    .filter(|(t, _)| *t >= since)
                    .map(|(_, k)| k.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// "10.77.5.1 vrid 51 prio 150" from a tcpdump line.
fn advert_key(line: &str) -> Option<String> {
    let w: Vec<&str> = line.split_whitespace().collect();
    let ip = w.iter().position(|x| *x == "IP" || *x == "IP6")?;
    let src = w.get(ip + 1)?;
    let vrid = w.iter().position(|x| *x == "vrid")?;
    let prio = w.iter().position(|x| *x == "prio")?;
    let v = w.get(vrid + 1)?.trim_end_matches(',');
    let p = w.get(prio + 1)?.trim_end_matches(',');
    Some(format!("{src} vrid {v} prio {p}"))
}

impl Drop for Wire {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Link-local addresses of namespace `ns` (to name the sender of an IPv6 advert).
pub fn link_locals(ns: &str) -> Vec<String> {
    run(&["-n", ns, "-6", "-o", "addr", "show", "scope", "link"])
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3))
        .map(|a| a.split('/').next().unwrap_or(a).to_owned())
        .collect()
}
