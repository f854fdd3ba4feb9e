//! One run of a scenario: its namespaces, its daemons (keepalived or ours per router), the
//! timeline and the samples taken at each checkpoint. Everything is removed on drop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::observe::{self, Fifo, Sample, Wire};
use super::parse::Scenario;
use super::template;

/// Which binary runs on which router, and where the run lives.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// Its first /24 number (10.77.N.0/24, fd77:N::/64).
    pub net: u8,
    /// The run's number within the scenario (namespace names).
    pub index: usize,
    /// "keepalived", "ours@a", "ours".
    pub label: String,
    /// Routers that run ours.
    pub ours_on: Vec<String>,
    /// Ours' binary.
    pub ours: String,
}

/// What a run observed.
#[derive(Debug, Clone, Default)]
pub struct RunResult {
    /// The run's label.
    pub label: String,
    /// Per checkpoint: the samples of its window.
    pub samples: Vec<Vec<Sample>>,
    /// Per checkpoint: adverts seen on the wire during its window.
    pub wire: Vec<BTreeSet<String>>,
    /// Problems running it (a step that could not be done).
    pub errors: Vec<String>,
    /// The daemons' log tails.
    pub logs: String,
    /// Per checkpoint: the scenario's expectations, rendered.
    pub expects: Vec<Vec<Vec<String>>>,
}

struct Daemon {
    child: Child,
}

struct Lab {
    spec: RunSpec,
    prefix: String,
    dir: PathBuf,
    /// Every namespace's hosts, routers first.
    members: Vec<String>,
    /// (router, current ifname) -> bridge index.
    ifaces: BTreeMap<(String, String), u8>,
    daemons: BTreeMap<String, Daemon>,
    fifos: BTreeMap<String, Fifo>,
    floods: Vec<Child>,
    wire: Option<Wire>,
    errors: Vec<String>,
}

const KEEPALIVED: &str = "/usr/sbin/keepalived";

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Lab {
    fn ns(&self, r: &str) -> String {
        format!("{}{r}", self.prefix)
    }

    fn host(&self, r: &str) -> usize {
        self.members.iter().position(|m| m == r).unwrap_or(0) + 1
    }

    fn n(&self) -> u8 {
        self.spec.net
    }

    /// IPv4 and IPv6 addresses of router `r` on bridge `k`.
    fn addrs_of(&self, r: &str, k: u8) -> (String, String) {
        let h = self.host(r);
        let n = self.n();
        if k == 0 {
            (format!("10.77.{n}.{h}"), format!("fd77:{n}::{h}"))
        } else {
            (format!("10.77.{}.{h}", n + k), format!("fd77:{n}:{k}::{h}"))
        }
    }

    fn vars(&self, me: Option<&str>) -> BTreeMap<String, String> {
        let sc = &self.spec.scenario;
        let n = self.n();
        let mut v = BTreeMap::new();
        v.insert("NET".into(), format!("10.77.{n}"));
        v.insert("NET6".into(), format!("fd77:{n}"));
        for k in 1..sc.nets.max(1) {
            v.insert(format!("NET{k}"), format!("10.77.{}", n + k));
            v.insert(format!("NET6{k}"), format!("fd77:{n}:{k}"));
        }
        for ((r, _), b) in &self.ifaces {
            let (a4, a6) = self.addrs_of(r, *b);
            let suffix = if *b == 0 {
                String::new()
            } else {
                b.to_string()
            };
            v.insert(format!("IP{suffix}_{r}"), a4);
            v.insert(format!("IP6{suffix}_{r}"), a6);
        }
        v.insert("DIR".into(), self.dir.display().to_string());
        if let Some(me) = me {
            let (a4, a6) = self.addrs_of(me, 0);
            v.insert("ME".into(), me.to_owned());
            v.insert("SELF".into(), a4);
            v.insert("SELF6".into(), a6);
            let others: Vec<&String> = sc.routers.iter().filter(|r| *r != me).collect();
            let p4: Vec<String> = others.iter().map(|r| self.addrs_of(r, 0).0).collect();
            let p6: Vec<String> = others.iter().map(|r| self.addrs_of(r, 0).1).collect();
            v.insert("PEERS".into(), p4.join("\n        "));
            v.insert("PEERS6".into(), p6.join("\n        "));
            v.insert(
                "FIFO".into(),
                self.dir.join(format!("{me}.fifo")).display().to_string(),
            );
            for ((r, name), val) in &sc.vars {
                if r == "*" && !v.contains_key(name) {
                    v.insert(name.clone(), val.clone());
                }
            }
            for ((r, name), val) in &sc.vars {
                if r == me {
                    v.insert(name.clone(), val.clone());
                }
            }
        }
        v
    }

    fn subst(&self, word: &str) -> String {
        template::render(word, &self.vars(None), i64::from(self.n()))
            .trim_end_matches('\n')
            .to_owned()
    }

    fn new(spec: RunSpec) -> Result<Lab, String> {
        let prefix = format!(
            "kr-sc-{}-{}-{}-",
            std::process::id() % 100_000,
            spec.net,
            spec.index
        );
        let dir = std::env::temp_dir().join(format!("{prefix}dir"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let sc = Arc::clone(&spec.scenario);
        let members: Vec<String> = sc.routers.iter().chain(&sc.hosts).cloned().collect();
        let mut lab = Lab {
            spec,
            prefix,
            dir,
            members: members.clone(),
            ifaces: BTreeMap::new(),
            daemons: BTreeMap::new(),
            fifos: BTreeMap::new(),
            floods: Vec::new(),
            wire: None,
            errors: Vec::new(),
        };
        let s = lab.ns("s");
        for ns in members.iter().map(|m| lab.ns(m)).chain([s.clone()]) {
            ip(&["netns", "add", &ns])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        }
        let mut bridges = vec![(0u8, members.clone())];
        bridges.extend(sc.bridges.iter().cloned());
        for (k, rs) in &bridges {
            let br = format!("br{k}");
            ip(&["-n", &s, "link", "add", &br, "type", "bridge"])?;
            ip(&["-n", &s, "link", "set", &br, "up"])?;
            for r in rs {
                lab.ifaces.insert((r.clone(), format!("eth{k}")), *k);
                lab.add_iface(r, &format!("eth{k}"), *k, true)?;
            }
        }
        for m in &sc.routers {
            lab.fifos
                .insert(m.clone(), Fifo::new(&lab.dir.join(format!("{m}.fifo"))));
        }
        for (name, mode, text) in &sc.files {
            let path = lab.dir.join(name);
            let body = template::render(text, &lab.vars(None), i64::from(lab.n()));
            std::fs::write(&path, body).map_err(|e| e.to_string())?;
            let perm: std::fs::Permissions = std::os::unix::fs::PermissionsExt::from_mode(*mode);
            std::fs::set_permissions(&path, perm).map_err(|e| e.to_string())?;
        }
        lab.wire = Wire::start(&s);
        std::thread::sleep(Duration::from_millis(300));
        Ok(lab)
    }

    /// A veth from router `r`'s `ifname` to bridge `k`, with the router's addresses.
    fn add_iface(&self, r: &str, ifname: &str, k: u8, addr: bool) -> Result<(), String> {
        let (s, ns) = (self.ns("s"), self.ns(r));
        let port = format!("p{}e{k}", self.host(r));
        ip(&[
            "-n", &s, "link", "add", &port, "type", "veth", "peer", "name", ifname, "netns", &ns,
        ])?;
        ip(&[
            "-n",
            &s,
            "link",
            "set",
            &port,
            "master",
            &format!("br{k}"),
            "up",
        ])?;
        if addr {
            let (a4, a6) = self.addrs_of(r, k);
            ip(&["-n", &ns, "addr", "add", &format!("{a4}/24"), "dev", ifname])?;
            ip(&["-n", &ns, "addr", "add", &format!("{a6}/64"), "dev", ifname])?;
        }
        ip(&["-n", &ns, "link", "set", ifname, "up"])
    }

    fn config(&self, r: &str, name: &str) -> Result<String, String> {
        let sc = &self.spec.scenario;
        let (_, text) = sc
            .configs
            .get(name)
            .and_then(|v| {
                v.iter()
                    .find(|(rs, _)| rs.iter().any(|x| x == r || x == "*"))
            })
            .ok_or(format!("no config {name} for {r}"))?;
        let body = template::render(text, &self.vars(Some(r)), i64::from(self.n()));
        let fifo = self.dir.join(format!("{r}.fifo")).display().to_string();
        let inject = format!("    notify_fifo {fifo}\n");
        let mut out = String::new();
        let mut done = false;
        for l in body.lines() {
            out.push_str(l);
            out.push('\n');
            if !done && l.trim_start().starts_with("global_defs") {
                out.push_str(&inject);
                done = true;
            }
        }
        if !done {
            out = format!("global_defs {{\n{inject}}}\n{out}");
        }
        Ok(out)
    }

    fn pidfile(&self, r: &str, which: &str) -> PathBuf {
        self.dir.join(format!("{r}.{which}.pid"))
    }

    fn pid(&self, r: &str, which: &str) -> Option<i32> {
        std::fs::read_to_string(self.pidfile(r, which))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    fn start(&mut self, r: &str, conf: &str) -> Result<(), String> {
        let text = self.config(r, conf)?;
        let path = self.dir.join(format!("{r}.conf"));
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        let ours = self.spec.ours_on.iter().any(|x| x == r);
        let bin = if ours {
            self.spec.ours.clone()
        } else {
            KEEPALIVED.to_owned()
        };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{r}.log")))
            .map_err(|e| e.to_string())?;
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ns(r), &bin, "-n", "-l", "-D", "-G"]);
        if !self.spec.scenario.checkers {
            cmd.arg("-P");
        }
        let child = cmd
            .arg("-f")
            .arg(&path)
            .arg("-p")
            .arg(self.pidfile(r, "main"))
            .arg("-r")
            .arg(self.pidfile(r, "vrrp"))
            .arg("-c")
            .arg(self.pidfile(r, "checkers"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| e.to_string())?;
        self.daemons.insert(r.to_owned(), Daemon { child });
        Ok(())
    }

    fn kill(pid: i32, sig: &str) {
        let _ = Command::new("kill")
            .args(["-s", sig, &pid.to_string()])
            .stderr(Stdio::null())
            .status();
    }

    fn stop(&mut self, r: &str) {
        if let Some(mut d) = self.daemons.remove(r) {
            Self::kill(d.child.id() as i32, "TERM");
            let deadline = Instant::now() + Duration::from_secs(6);
            while Instant::now() < deadline && matches!(d.child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = d.child.kill();
            let _ = d.child.wait();
        }
    }

    /// SIGKILL the whole daemon, children first while the parent is stopped (no respawn,
    /// no parent-death signal that would let a child clean up).
    fn crash(&mut self, r: &str) {
        if let Some(mut d) = self.daemons.remove(r) {
            let main = d.child.id() as i32;
            Self::kill(main, "STOP");
            for w in ["vrrp", "checkers"] {
                if let Some(p) = self.pid(r, w) {
                    if p != main {
                        Self::kill(p, "KILL");
                    }
                }
            }
            Self::kill(main, "KILL");
            let _ = d.child.wait();
        }
    }

    fn step(&mut self, words: &[String]) -> Result<(), String> {
        let w: Vec<String> = words.iter().map(|x| self.subst(x)).collect();
        let arg = |k: usize| w.get(k).cloned().unwrap_or_default();
        match w[0].as_str() {
            "start" => {
                let conf = w.get(2).cloned().unwrap_or_else(|| "main".into());
                self.start(&arg(1), &conf)
            }
            "stop" => {
                self.stop(&arg(1));
                Ok(())
            }
            "crash" => {
                self.crash(&arg(1));
                Ok(())
            }
            "signal" => {
                let pid = if arg(2) == "main" {
                    self.daemons.get(&arg(1)).map(|d| d.child.id() as i32)
                } else {
                    self.pid(&arg(1), &arg(2))
                };
                let pid = pid.ok_or(format!("no {} pid for {}", arg(2), arg(1)))?;
                Self::kill(pid, &arg(3));
                Ok(())
            }
            "reload" => {
                let text = self.config(&arg(1), &arg(2))?;
                std::fs::write(self.dir.join(format!("{}.conf", arg(1))), text)
                    .map_err(|e| e.to_string())?;
                let pid = self
                    .daemons
                    .get(&arg(1))
                    .map(|d| d.child.id() as i32)
                    .ok_or("reload of a stopped router")?;
                Self::kill(pid, "HUP");
                Ok(())
            }
            "write" => {
                let body = w[2..].join(" ") + "\n";
                std::fs::write(self.dir.join(arg(1)), body).map_err(|e| e.to_string())
            }
            "rm" => {
                let _ = std::fs::remove_file(self.dir.join(arg(1)));
                Ok(())
            }
            "ip" => {
                let ns = self.ns(&arg(1));
                let mut a: Vec<&str> = vec!["-n", &ns];
                a.extend(w[2..].iter().map(String::as_str));
                ip(&a)
            }
            "carrier" => {
                let k = *self
                    .ifaces
                    .get(&(arg(1), arg(2)))
                    .ok_or("carrier on an unknown interface")?;
                let port = format!("p{}e{k}", self.host(&arg(1)));
                let state = if arg(3) == "off" { "down" } else { "up" };
                ip(&["-n", &self.ns("s"), "link", "set", &port, state])
            }
            "ifdel" => ip(&["-n", &self.ns(&arg(1)), "link", "del", &arg(2)]),
            "ifadd" => {
                let k = *self
                    .ifaces
                    .get(&(arg(1), arg(2)))
                    .ok_or("ifadd of an unknown interface")?;
                self.add_iface(&arg(1), &arg(2), k, arg(3) != "noaddr")
            }
            "partition" => {
                let s = self.ns("s");
                let mut g = 0;
                for x in &w[1..] {
                    if x == "|" {
                        g += 1;
                        let br = format!("br0p{g}");
                        let _ = ip(&["-n", &s, "link", "add", &br, "type", "bridge"]);
                        ip(&["-n", &s, "link", "set", &br, "up"])?;
                        continue;
                    }
                    let br = if g == 0 {
                        "br0".to_owned()
                    } else {
                        format!("br0p{g}")
                    };
                    let port = format!("p{}e0", self.host(x));
                    ip(&["-n", &s, "link", "set", &port, "master", &br])?;
                }
                Ok(())
            }
            "heal" => {
                let s = self.ns("s");
                for m in self.members.clone() {
                    let port = format!("p{}e0", self.host(&m));
                    ip(&["-n", &s, "link", "set", &port, "master", "br0"])?;
                }
                Ok(())
            }
            "flood" => {
                let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/labs/flood.py");
                let child = Command::new("ip")
                    .args(["netns", "exec", &self.ns(&arg(1)), "python3", script])
                    .args(&w[2..])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(|e| e.to_string())?;
                self.floods.push(child);
                Ok(())
            }
            "sleep" => Ok(()),
            other => Err(format!("unknown action {other}")),
        }
    }

    fn sample(&self) -> Sample {
        let sc = &self.spec.scenario;
        let mut s = Sample::default();
        for m in &self.members {
            let ns = self.ns(m);
            let base: Vec<String> = self
                .ifaces
                .iter()
                .filter(|((r, _), _)| r == m)
                .flat_map(|(_, k)| {
                    let (a, b) = self.addrs_of(m, *k);
                    [a, b]
                })
                .collect();
            let a: Vec<String> = observe::addrs(&ns, &base).into_iter().collect();
            s.fields.insert(format!("{m} addrs"), a.join(", "));
            let rt: Vec<String> = observe::routes(&ns, sc.rules).into_iter().collect();
            s.fields.insert(format!("{m} routes"), rt.join(", "));
        }
        for (r, f) in &self.fifos {
            for (k, seq) in observe::sequences(&f.lines()) {
                s.fields.insert(format!("{r} {k}"), seq.join(">"));
            }
        }
        s
    }

    fn logs(&self) -> String {
        let mut out = String::new();
        for r in &self.spec.scenario.routers {
            let text =
                std::fs::read_to_string(self.dir.join(format!("{r}.log"))).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(25)..];
            out.push_str(&format!("--- {r} log (tail) ---\n{}\n", tail.join("\n")));
        }
        out
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let rs: Vec<String> = self.daemons.keys().cloned().collect();
        for r in &rs {
            if let Some(d) = self.daemons.get(r) {
                Self::kill(d.child.id() as i32, "TERM");
            }
        }
        for r in &rs {
            self.stop(r);
            for w in ["vrrp", "checkers"] {
                if let Some(p) = self.pid(r, w) {
                    if std::path::Path::new(&format!("/proc/{p}")).exists() {
                        Self::kill(p, "KILL");
                    }
                }
            }
        }
        for f in &mut self.floods {
            let _ = f.kill();
            let _ = f.wait();
        }
        self.wire = None;
        self.fifos.clear();
        for m in self.members.iter().chain(&["s".to_owned()]) {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(m)])
                .status();
        }
        if std::env::var_os("KR_SC_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Runs one scenario with one assignment of binaries.
pub fn run(spec: RunSpec) -> RunResult {
    let label = spec.label.clone();
    let sc = Arc::clone(&spec.scenario);
    let mut result = RunResult {
        label,
        ..RunResult::default()
    };
    let mut lab = match Lab::new(spec) {
        Ok(l) => l,
        Err(e) => {
            result.errors.push(format!("setup: {e}"));
            return result;
        }
    };
    let t0 = Instant::now();
    let at = |t: f64| t0 + Duration::from_secs_f64(t.max(0.0));
    let sleep_until = |when: Instant| {
        let now = Instant::now();
        if when > now {
            std::thread::sleep(when - now);
        }
    };
    let mut steps = sc.steps.iter().peekable();
    for c in &sc.checks {
        let start = c.at - sc.tolerance;
        while let Some(s) = steps.next_if(|s| s.at <= start) {
            sleep_until(at(s.at));
            if let Err(e) = lab.step(&s.words) {
                lab.errors.push(format!("line {}: {e}", s.line));
            }
        }
        sleep_until(at(start));
        let wstart = Instant::now();
        let mut samples = Vec::new();
        loop {
            samples.push(lab.sample());
            if Instant::now() >= at(c.at) {
                break;
            }
            std::thread::sleep(Duration::from_millis(150));
        }
        result.samples.push(samples);
        result.expects.push(
            c.expects
                .iter()
                .map(|e| e.iter().map(|w| lab.subst(w)).collect())
                .collect(),
        );
        // Link-local sources differ from run to run (random MACs): name them by router.
        let lls: Vec<(String, String)> = lab
            .members
            .iter()
            .flat_map(|m| {
                observe::link_locals(&lab.ns(m))
                    .into_iter()
                    .map(move |a| (a, m.clone()))
            })
            .collect();
        let wire = lab
            .wire
            .as_ref()
            .map(|w| w.since(wstart))
            .unwrap_or_default()
            .into_iter()
            .map(|k| {
                let src = k.split(' ').next().unwrap_or("").to_owned();
                match lls.iter().find(|(a, _)| *a == src) {
                    Some((_, m)) => k.replacen(&src, &format!("fe80({m})"), 1),
                    None => k,
                }
            })
            .collect();
        result.wire.push(wire);
    }
    for s in steps {
        sleep_until(at(s.at));
        if let Err(e) = lab.step(&s.words) {
            lab.errors.push(format!("line {}: {e}", s.line));
        }
    }
    sleep_until(at(sc.end));
    result.errors.append(&mut lab.errors);
    result.logs = lab.logs();
    result
}
