//! A lab: routers in their own network namespaces, each with `eth0..ethK` on bridges
//! `br0..brK` in a switch namespace (one bridge per link, so that instances on different
//! links never see each other's adverts). Router number `h` has `10.88.K.(h+1)/24` on
//! `ethK`. Cutting a router's link sets its bridge ports down in the switch namespace, so
//! the other routers keep their carrier. Everything is deleted on drop and registered with
//! `cleanup` for Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::cleanup;

/// Runs `ip ARGS`; returns its stdout, or an error naming the command and its stderr.
pub fn ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run `ip` (iproute2): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `ip -n NS -batch -` with `lines` on its stdin (one process for many changes).
fn ip_batch(ns: &str, lines: &[String]) -> Result<(), String> {
    use std::io::Write;
    let mut child = Command::new("ip")
        .args(["-n", ns, "-batch", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `ip` (iproute2): {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let text = lines.join("\n") + "\n";
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| format!("ip -batch: {e}"))?;
    }
    let status = child.wait().map_err(|e| format!("ip -batch: {e}"))?;
    if !status.success() {
        return Err(format!("ip -n {ns} -batch failed: {}", lines.join("; ")));
    }
    Ok(())
}

/// Labs made so far, for unique names within one run.
static LABS: AtomicUsize = AtomicUsize::new(0);

/// The namespace name prefix (`--netns-prefix`), set once at start.
static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Sets the namespace name prefix (before the first lab).
pub fn set_prefix(prefix: &str) {
    let _ = PREFIX.set(prefix.to_owned());
}

/// Routers on `links` bridges; see the module documentation.
pub struct Lab {
    prefix: String,
    dir: PathBuf,
    routers: Vec<String>,
    links: usize,
    namespaces: Vec<String>,
}

impl Lab {
    /// Creates the namespaces `kb<pid>x<n>-{s,ROUTER...}` (`kb` or the `--netns-prefix`), the
    /// bridges and the veth pairs.
    pub fn new(routers: &[&str], links: usize) -> Result<Lab, String> {
        let n = LABS.fetch_add(1, Ordering::Relaxed);
        let base = PREFIX.get().map_or("kb", String::as_str);
        let prefix = format!("{base}{}x{n}-", std::process::id());
        let dir = std::env::temp_dir().join(format!("{prefix}dir"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        cleanup::add_dir(dir.clone());
        let mut lab = Lab {
            prefix,
            dir,
            routers: routers.iter().map(|r| (*r).to_owned()).collect(),
            links,
            namespaces: Vec::new(),
        };
        lab.build()?;
        Ok(lab)
    }

    fn add_namespace(&mut self, name: String) -> Result<(), String> {
        ip(&["netns", "add", &name])?;
        cleanup::add_namespace(&name);
        self.namespaces.push(name.clone());
        ip(&["-n", &name, "link", "set", "lo", "up"])?;
        Ok(())
    }

    fn build(&mut self) -> Result<(), String> {
        let s = self.switch();
        self.add_namespace(s.clone())?;
        for r in self.routers.clone() {
            self.add_namespace(self.ns(&r))?;
        }
        let mut switch = Vec::new();
        for k in 0..self.links {
            switch.push(format!("link add br{k} type bridge"));
            switch.push(format!("link set br{k} up"));
            for r in &self.routers {
                switch.push(format!(
                    "link add {r}{k} type veth peer name eth{k} netns {}",
                    self.ns(r)
                ));
                switch.push(format!("link set {r}{k} master br{k} up"));
            }
        }
        ip_batch(&s, &switch)?;
        for (h, r) in self.routers.iter().enumerate() {
            let lines: Vec<String> = (0..self.links)
                .flat_map(|k| {
                    [
                        format!("addr add 10.88.{k}.{}/24 dev eth{k}", h + 1),
                        format!("link set eth{k} up"),
                    ]
                })
                .collect();
            ip_batch(&self.ns(r), &lines)?;
        }
        Ok(())
    }

    /// The switch namespace.
    fn switch(&self) -> String {
        format!("{}s", self.prefix)
    }

    /// The namespace of router `r`.
    pub fn ns(&self, r: &str) -> String {
        format!("{}{r}", self.prefix)
    }

    /// The scratch directory (configs, pid files).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Sets router `r`'s bridge ports down (`up` false) or up again, in one `ip` process.
    pub fn set_link(&self, r: &str, up: bool) -> Result<(), String> {
        let state = if up { "up" } else { "down" };
        let lines: Vec<String> = (0..self.links)
            .map(|k| format!("link set {r}{k} {state}"))
            .collect();
        ip_batch(&self.switch(), &lines)
    }

    /// Sets router `r`'s bridge port on link `k` down (`up` false) or up again: its `ethK`
    /// loses its carrier, the other routers keep theirs.
    pub fn set_port(&self, r: &str, k: usize, up: bool) -> Result<(), String> {
        let state = if up { "up" } else { "down" };
        ip(&[
            "-n",
            &self.switch(),
            "link",
            "set",
            &format!("{r}{k}"),
            state,
        ])?;
        Ok(())
    }

    /// Packets router `r` sent into the switch (its bridge ports' rx counters, summed).
    pub fn sent_packets(&self, r: &str) -> Result<u64, String> {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.switch(), "cat"]);
        for k in 0..self.links {
            cmd.arg(format!("/sys/class/net/{r}{k}/statistics/rx_packets"));
        }
        let out = cmd
            .output()
            .map_err(|e| format!("ip netns exec cat: {e}"))?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|v| v.parse::<u64>().ok())
            .sum())
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in self.namespaces.iter().rev() {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
            cleanup::remove_namespace(ns);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        cleanup::remove_dir(&self.dir);
    }
}
