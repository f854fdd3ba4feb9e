//! `keepalived-rs demo`: two routers in their own network namespaces, joined by a bridge,
//! run this binary on a built-in configuration; the demo shows who is MASTER, cuts the
//! MASTER's link, measures the takeover, restores the link and watches the preemption.
//! Everything it creates is removed on exit, on error and on Ctrl-C.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

const VIPS_VI_1: [&str; 3] = ["10.99.0.100", "10.99.0.101", "10.99.0.102"];
const VIPS_VI_2: [&str; 2] = ["10.99.0.110", "10.99.0.111"];

fn config(priority: u8) -> String {
    format!(
        "! keepalived-rs demo router (built-in configuration)
global_defs {{
    router_id demo_{priority}
}}
vrrp_instance VI_1 {{
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int 1
    authentication {{
        auth_type PASS
        auth_pass demo
    }}
    virtual_ipaddress {{
{v1}
    }}
}}
vrrp_instance VI_2 {{
    version 3
    interface eth0
    virtual_router_id 52
    priority {priority}
    advert_int 0.5
    virtual_ipaddress {{
{v2}
    }}
}}
",
        v1 = VIPS_VI_1.map(|v| format!("        {v}/24")).join("\n"),
        v2 = VIPS_VI_2.map(|v| format!("        {v}/24")).join("\n"),
    )
}

/// Everything the demo created, removed on drop.
struct Lab {
    prefix: String,
    dir: std::path::PathBuf,
    daemons: Vec<Child>,
}

impl Lab {
    fn ns(&self, router: &str) -> String {
        format!("{}{router}", self.prefix)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for d in &mut self.daemons {
            // SIGTERM so the daemon releases its VIPs with a priority-0 advert.
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(d.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        for d in &mut self.daemons {
            while Instant::now() < deadline {
                if let Ok(Some(_)) = d.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = d.kill();
            let _ = d.wait();
        }
        for r in ["a", "b", "s"] {
            let _ = ip(&["netns", "del", &self.ns(r)]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The VIPs (of both instances) router `ns` holds on eth0.
fn held(ns: &str) -> usize {
    let out = ip(&["-n", ns, "-4", "-o", "addr", "show", "dev", "eth0"]).unwrap_or_default();
    VIPS_VI_1
        .iter()
        .chain(VIPS_VI_2.iter())
        .filter(|v| out.contains(&format!("inet {v}/")))
        .count()
}

fn wait_for(
    what: &str,
    limit: Duration,
    mut cond: impl FnMut() -> bool,
) -> Result<Duration, String> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err("interrupted".into());
        }
        if cond() {
            return Ok(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Err(format!("timed out waiting for {what}"))
}

fn build_lab() -> Result<Lab, String> {
    let prefix = format!("kr-demo-{}-", std::process::id());
    let dir = std::env::temp_dir().join(format!("kr-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let lab = Lab {
        prefix,
        dir,
        daemons: Vec::new(),
    };
    let (a, b, s) = (lab.ns("a"), lab.ns("b"), lab.ns("s"));
    // A switch namespace with a bridge, so that cutting one router's link leaves the other's
    // carrier up (a bare veth pair would take both down).
    for ns in [&a, &b, &s] {
        ip(&["netns", "add", ns])?;
        ip(&["-n", ns, "link", "set", "lo", "up"])?;
    }
    ip(&["-n", &s, "link", "add", "br0", "type", "bridge"])?;
    ip(&["-n", &s, "link", "set", "br0", "up"])?;
    for (ns, port, addr) in [(&a, "pa", "10.99.0.1/24"), (&b, "pb", "10.99.0.2/24")] {
        ip(&[
            "-n", &s, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns,
        ])?;
        ip(&["-n", &s, "link", "set", port, "master", "br0", "up"])?;
        ip(&["-n", ns, "addr", "add", addr, "dev", "eth0"])?;
        ip(&["-n", ns, "link", "set", "eth0", "up"])?;
    }
    Ok(lab)
}

fn start_router(lab: &mut Lab, router: &str, priority: u8) -> Result<(), String> {
    let conf = lab.dir.join(format!("{router}.conf"));
    std::fs::write(&conf, config(priority)).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let log =
        std::fs::File::create(lab.dir.join(format!("{router}.log"))).map_err(|e| e.to_string())?;
    let child = Command::new("ip")
        .args(["netns", "exec", &lab.ns(router)])
        .arg(exe)
        .args(["-n", "-l", "-P", "-f"])
        .arg(&conf)
        // Every child's pid file of its own: both routers run on this host, and a second
        // daemon refuses to start on a pid file another one holds, as keepalived does.
        .args(["pid", "vrrp_pid", "checkers_pid", "bfd_pid"].map(|kind| {
            format!(
                "--{kind}={}",
                lab.dir.join(format!("{router}.{kind}")).display()
            )
        }))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| e.to_string())?;
    lab.daemons.push(child);
    Ok(())
}

fn demo() -> Result<(), String> {
    let mut lab = build_lab()?;
    let (a, b) = (lab.ns("a"), lab.ns("b"));
    println!("Two routers in namespaces {a} (priority 150) and {b} (priority 100), one bridge.");
    println!(
        "VI_1: VRRPv2, advert_int 1, PASS auth, 3 VIPs; VI_2: VRRPv3, advert_int 0.5, 2 VIPs."
    );
    start_router(&mut lab, "a", 150)?;
    start_router(&mut lab, "b", 100)?;
    let total = VIPS_VI_1.len() + VIPS_VI_2.len();
    let t = wait_for("a MASTER", Duration::from_secs(15), || {
        held(&a) == total && held(&b) == 0
    })?;
    println!(
        "MASTER: router a ({a}) holds all {total} VIPs after {} ms; router b is BACKUP.",
        t.as_millis()
    );

    // VI_1 decides: Master_Down_Interval = 3 * 1 s + (256 - 100) / 256 s.
    let master_down = Duration::from_secs(3) + Duration::from_secs_f64(156.0 / 256.0);
    println!("Cutting router a's link ...");
    ip(&["-n", &a, "link", "set", "eth0", "down"])?;
    let takeover = wait_for("b takeover", Duration::from_secs(15), || held(&b) == total)?;
    println!(
        "TAKEOVER: router b holds all {total} VIPs {} ms after the cut (VRRPv2 Master_Down_Interval {} ms).",
        takeover.as_millis(),
        master_down.as_millis()
    );

    println!("Restoring router a's link ...");
    ip(&["-n", &a, "link", "set", "eth0", "up"])?;
    let back = wait_for("a preempts", Duration::from_secs(15), || {
        held(&a) == total && held(&b) == 0
    })?;
    println!(
        "PREEMPT: router a is MASTER again after {} ms; router b released its VIPs.",
        back.as_millis()
    );
    println!(
        "Summary: master a -> b in {} ms on link loss, back to a in {} ms.",
        takeover.as_millis(),
        back.as_millis()
    );
    Ok(())
}

/// Runs the demo; returns the process exit code.
pub fn run() -> i32 {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("keepalived-rs demo needs root (network namespaces)");
        return 1;
    }
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as *const () as libc::sighandler_t,
        );
        libc::signal(
            libc::SIGTERM,
            on_interrupt as *const () as libc::sighandler_t,
        );
    }
    match demo() {
        Ok(()) => {
            println!("Cleaned up: namespaces and daemons removed.");
            0
        }
        Err(e) => {
            eprintln!("demo failed: {e}");
            1
        }
    }
}
