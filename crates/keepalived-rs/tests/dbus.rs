//! DBus (`enable_dbus`) beside the real keepalived 2.2.7: each daemon on a private
//! `dbus-daemon` (DBUS_SYSTEM_BUS_ADDRESS, which keepalived's GDBus and ours both take for
//! the system bus) whose policy is the file the .deb ships (packaging/dbus, keepalived's);
//! `busctl` sees the same objects, interfaces, properties, method results and signals.
//! Needs root, /usr/sbin/keepalived, dbus-daemon and busctl.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use keepalived_labs::{runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");
const LIMIT: Duration = Duration::from_secs(30);
const NAME: &str = "org.keepalived.Vrrp1";
const VRRP: &str = "/org/keepalived/Vrrp1/Vrrp";
const V4: &str = "/org/keepalived/Vrrp1/Instance/eth0/51/IPv4";
const V6: &str = "/org/keepalived/Vrrp1/Instance/eth0/52/IPv6";
const INSTANCE: &str = "org.keepalived.Vrrp1.Instance";

fn tools_available() -> bool {
    for tool in ["dbus-daemon", "busctl"] {
        let found = Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            eprintln!("skipped: needs {tool} (apt-get install dbus-daemon systemd)");
            return false;
        }
    }
    true
}

/// A private bus: `dbus-daemon` listening on a socket in `dir`, with the policy the .deb
/// installs for keepalived's name; stopped on drop.
struct Bus {
    child: Child,
    address: String,
}

impl Bus {
    fn start(dir: &Path, name: &str) -> Bus {
        let policy = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../packaging/dbus/org.keepalived.Vrrp1.conf")
            .canonicalize()
            .expect("packaging/dbus policy");
        let socket = dir.join(format!("{name}.bus"));
        let conf = dir.join(format!("{name}.bus.conf"));
        // A system bus's defaults: nobody owns a name the policy does not give them.
        std::fs::write(
            &conf,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n<busconfig>\n  \
                 <type>system</type>\n  <listen>unix:path={}</listen>\n  <auth>EXTERNAL</auth>\n  \
                 <policy context=\"default\">\n    <allow user=\"*\"/>\n    <deny own=\"*\"/>\n    \
                 <allow send_type=\"method_call\"/>\n    <allow send_type=\"signal\"/>\n    \
                 <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n    \
                 <allow send_requested_reply=\"true\" send_type=\"error\"/>\n    \
                 <allow receive_sender=\"*\"/>\n  </policy>\n  \
                 <include>{}</include>\n</busconfig>\n",
                socket.display(),
                policy.display()
            ),
        )
        .expect("bus config");
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon starts");
        let mut line = String::new();
        let out = child.stdout.take().expect("dbus-daemon stdout");
        BufReader::new(out)
            .read_line(&mut line)
            .expect("bus address");
        Bus {
            child,
            address: line.trim().to_owned(),
        }
    }

    /// `busctl --address=… ARGS`: (success, stdout and stderr).
    fn busctl(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new("busctl")
            .arg(format!("--address={}", self.address))
            .args(args)
            .output()
            .expect("busctl runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, text) = self.busctl(args);
        assert!(ok, "busctl {}: {text}", args.join(" "));
        text
    }

    fn named(&self) -> bool {
        self.busctl(&["list", "--no-pager"]).1.contains(NAME)
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn conf(router_id: &str, priority: u8) -> String {
    format!(
        "global_defs {{\n    router_id {router_id}\n    enable_dbus\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 51\n    priority {priority}\n    \
         advert_int 1\n    virtual_ipaddress {{\n        10.78.1.100/24\n    }}\n}}\n\
         vrrp_instance VI_6 {{\n    interface eth0\n    virtual_router_id 52\n    priority {priority}\n    \
         advert_int 1\n    virtual_ipaddress {{\n        fd78:1::100/64\n    }}\n}}\n"
    )
}

/// The keepalived signals a `busctl monitor --json=short` log shows, in order:
/// "PATH MEMBER PAYLOAD".
fn signals(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["type"] == "signal")
        .filter(|m| {
            m["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/org/keepalived/"))
        })
        .map(|m| {
            let data = &m["payload"]["data"];
            let short = m["path"]
                .as_str()
                .unwrap_or("")
                .replace("/org/keepalived/Vrrp1/", "");
            format!("{short} {} {data}", m["member"].as_str().unwrap_or(""))
        })
        .collect()
}

#[test]
fn the_dbus_service_is_keepalived_s_beside_keepalived() {
    if !runnable("dbus") || !tools_available() {
        return;
    }
    let mut lab = BridgeLab::prefixed("k14d", "dbus", "10.78.1");
    let theirs = Bus::start(lab.dir(), "t");
    let ours = Bus::start(lab.dir(), "o");
    for (r, bus) in [("t", &theirs), ("o", &ours)] {
        let log = format!("monitor-{r}");
        lab.spawn(
            "s",
            &log,
            "busctl",
            &[
                &format!("--address={}", bus.address),
                "monitor",
                "--json=short",
            ],
        );
    }
    // keepalived first (MASTER), then ours (higher priority) takes both VRIDs over. Each
    // daemon reads the bus address from the environment it is started with.
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", &theirs.address);
    // Its own checker and BFD pid files: another keepalived on the host must not make it
    // think it already runs.
    let pid = |n: &str| lab.dir().join(n).display().to_string();
    let (chk, bfd) = (pid("t.checkers.pid"), pid("t.bfd.pid"));
    lab.start_with(
        "t",
        KEEPALIVED,
        &conf("theirs", 100),
        &["--vrrp", "-c", &chk, "-b", &bfd],
    );
    lab.wait(
        "keepalived MASTER",
        LIMIT,
        || lab.holds("t", "10.78.1.100"),
        || None,
    );
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", &ours.address);
    lab.start("o", OURS, &conf("ours", 150));
    std::env::remove_var("DBUS_SYSTEM_BUS_ADDRESS");
    lab.wait(
        "ours MASTER of both",
        LIMIT,
        || {
            lab.holds("o", "10.78.1.100")
                && lab.holds("o", "fd78:1::100")
                && !lab.holds("t", "10.78.1.100")
        },
        || None,
    );
    lab.wait(
        "both on their bus",
        LIMIT,
        || ours.named() && theirs.named(),
        || None,
    );

    // The same objects and interfaces (busctl's tables: methods, properties, signals and
    // their signatures).
    for args in [
        vec!["tree", NAME],
        vec!["introspect", NAME, VRRP],
        vec!["introspect", NAME, V4],
        vec!["introspect", NAME, V6],
    ] {
        assert_eq!(
            ours.ok(&args),
            theirs.ok(&args),
            "busctl {}",
            args.join(" ")
        );
    }
    // Properties: Name answers keepalived's tuple, State the number and the word.
    for bus in [&ours, &theirs] {
        let name = bus.ok(&["get-property", NAME, V4, INSTANCE, "Name"]);
        assert_eq!(name.trim(), "(s) \"VI_1\"");
        let name = bus.ok(&["get-property", NAME, V6, INSTANCE, "Name"]);
        assert_eq!(name.trim(), "(s) \"VI_6\"");
    }
    let state = |bus: &Bus| bus.ok(&["get-property", NAME, V4, INSTANCE, "State"]);
    assert_eq!(state(&ours).trim(), "(us) 2 \"Master\"");
    assert_eq!(state(&theirs).trim(), "(us) 1 \"Backup\"");
    let all = [
        "call",
        NAME,
        V6,
        "org.freedesktop.DBus.Properties",
        "GetAll",
        "s",
        INSTANCE,
    ];
    // (A dictionary: zbus may list the entries in another order than GDBus.)
    let got = ours.ok(&all);
    for part in [
        "a{sv} 2 ",
        "\"Name\" (s) \"VI_6\"",
        "\"State\" (us) 2 \"Master\"",
    ] {
        assert!(got.contains(part), "{part} in {got}");
    }
    // What neither has: an instance object that does not exist, CreateInstance (Debian's
    // keepalived is built without it).
    let missing = "/org/keepalived/Vrrp1/Instance/eth0/53/IPv4";
    let create = [
        "call",
        NAME,
        VRRP,
        "org.keepalived.Vrrp1.Vrrp",
        "CreateInstance",
        "ssuu",
        "VI_9",
        "eth0",
        "9",
        "4",
    ];
    for bus in [&ours, &theirs] {
        assert!(
            !bus.busctl(&["get-property", NAME, missing, INSTANCE, "Name"])
                .0
        );
        assert!(!bus.busctl(&create).0);
        bus.ok(&["call", NAME, V4, INSTANCE, "SendGarp"]);
    }
    // PrintData writes the dump (ours is MASTER: its dump says so).
    let data = "/tmp/keepalived.data";
    let since = std::time::SystemTime::now() - Duration::from_millis(10);
    ours.ok(&["call", NAME, VRRP, "org.keepalived.Vrrp1.Vrrp", "PrintData"]);
    lab.wait(
        "PrintData's /tmp/keepalived.data",
        Duration::from_secs(5),
        || {
            std::fs::metadata(data)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since)
                && std::fs::read_to_string(data).is_ok_and(|d| {
                    d.contains(" VRRP Instance = VI_6") && d.contains("   State = MASTER")
                })
        },
        || None,
    );
    // ReloadConfig: the parent reloads (VrrpReloaded); then a stop (STOP, VrrpStopped).
    for bus in [&ours, &theirs] {
        bus.ok(&[
            "call",
            NAME,
            VRRP,
            "org.keepalived.Vrrp1.Vrrp",
            "ReloadConfig",
        ]);
    }
    let dir = lab.dir().to_owned();
    let monitor = |r: &str| dir.join(format!("monitor-{r}.log"));
    let reloaded = |r: &str| {
        signals(&monitor(r))
            .iter()
            .any(|s| s.contains("VrrpReloaded"))
    };
    lab.wait(
        "both reloaded",
        LIMIT,
        || reloaded("o") && reloaded("t"),
        || None,
    );
    for r in ["o", "t"] {
        lab.terminate(r);
        assert!(lab.wait_exit(r, LIMIT), "{r} stops\n{}", lab.logs());
    }
    let stopped = |r: &str| {
        signals(&monitor(r))
            .iter()
            .any(|s| s.contains("VrrpStopped"))
    };
    lab.wait(
        "both stopped",
        LIMIT,
        || stopped("o") && stopped("t"),
        || None,
    );
    let (o, t) = (signals(&monitor("o")), signals(&monitor("t")));
    eprintln!("ours' signals: {o:#?}\nkeepalived's signals: {t:#?}");
    // The ends agree: reloaded, both instances STOP (98), stopped.
    let tail = |s: &[String]| {
        let from = s
            .iter()
            .rposition(|x| x.contains("VrrpReloaded"))
            .unwrap_or(0);
        let mut t = s[from..].to_vec();
        t[1..3].sort();
        t
    };
    assert_eq!(tail(&o), tail(&t));
    assert_eq!(
        tail(&o),
        [
            "Vrrp VrrpReloaded []",
            "Instance/eth0/51/IPv4 VrrpStatusChange [98]",
            "Instance/eth0/52/IPv6 VrrpStatusChange [98]",
            "Vrrp VrrpStopped []",
        ]
    );
    // Each started (its instances BACKUP), then ours became MASTER of both, keepalived
    // BACKUP again.
    let v4 = |n: u8| format!("Instance/eth0/51/IPv4 VrrpStatusChange [{n}]");
    let v6 = |n: u8| format!("Instance/eth0/52/IPv6 VrrpStatusChange [{n}]");
    let started = |states: &[u8]| -> Vec<String> {
        let mut s = vec!["Vrrp VrrpStarted []".to_owned()];
        for n in states {
            s.push(v4(*n));
            s.push(v6(*n));
        }
        s
    };
    let head = |s: &[String]| s[..s.len() - 4].to_vec();
    assert_eq!(head(&o), started(&[1, 2]));
    // keepalived (GDBus) may emit its first status changes, INIT (0) included, before it
    // owns the name, so a monitor sees them or not depending on timing: compare from
    // VrrpStarted on, without INIT.
    let from_started = |s: Vec<String>| -> Vec<String> {
        let from = s
            .iter()
            .position(|x| x.contains("VrrpStarted"))
            .unwrap_or(0);
        s[from..]
            .iter()
            .filter(|x| !x.ends_with("[0]"))
            .cloned()
            .collect()
    };
    assert_eq!(from_started(head(&t)), started(&[1, 2, 1]));
}

/// An instance without `interface` (unicast, its VIP on `dev eth0`) on `router_id`'s bus;
/// `extra` goes into global_defs.
fn no_interface_conf(router_id: &str, src: &str, peer: &str, extra: &str) -> String {
    format!(
        "global_defs {{\n    router_id {router_id}\n    enable_dbus\n{extra}}}\n\
         vrrp_instance VI_1 {{\n    virtual_router_id 53\n    priority 100\n    \
         advert_int 1\n    unicast_src_ip {src}\n    unicast_peer {{\n        {peer}\n    }}\n    \
         virtual_ipaddress {{\n        10.215.0.153/24 dev eth0\n    }}\n}}\n"
    )
}

/// `dbus_no_interface_name` (keepalived 2.3): the interface part of the object path of an
/// instance without an interface, `none` by default (keepalived 2.3.4's vrrp_dbus.c), here
/// `kc-noif`, made a valid path element (`kc_noif`, as keepalived's set_valid_path). Ours
/// alone, twice: keepalived 2.2.7 has no such keyword and refuses an instance without an
/// interface ("(VI_1) Unknown interface!": its chk_min_cfg runs before the unicast flag is
/// set, which 2.3 fixed).
#[test]
fn dbus_no_interface_name_names_the_object_of_an_instance_without_interface() {
    if !runnable("dbus_no_interface_name") || !tools_available() {
        return;
    }
    let mut lab = BridgeLab::prefixed("kc", "dbusni", "10.215.0");
    // o: without the keyword; t: with it.
    let buses: Vec<(&str, Bus)> = ["o", "t"]
        .into_iter()
        .map(|r| (r, Bus::start(lab.dir(), r)))
        .collect();
    let dir = lab.dir().to_owned();
    let pid = |n: &str| dir.join(n).display().to_string();
    for (r, bus) in &buses {
        let (src, extra) = match *r {
            "o" => ("10.215.0.1", ""),
            _ => ("10.215.0.2", "    dbus_no_interface_name kc-noif\n"),
        };
        std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", &bus.address);
        let (chk, bfd) = (
            pid(&format!("{r}.checkers.pid")),
            pid(&format!("{r}.bfd.pid")),
        );
        lab.start_with(
            r,
            OURS,
            &no_interface_conf(r, src, "10.215.0.9", extra),
            &["--vrrp", "-c", &chk, "-b", &bfd],
        );
    }
    std::env::remove_var("DBUS_SYSTEM_BUS_ADDRESS");
    let path = |ifname: &str| format!("/org/keepalived/Vrrp1/Instance/{ifname}/53/IPv4");
    let has = |bus: &Bus, p: &str| bus.busctl(&["tree", NAME]).1.contains(p);
    lab.wait(
        "both instances on their buses",
        LIMIT,
        || has(&buses[0].1, &path("none")) && has(&buses[1].1, &path("kc_noif")),
        || None,
    );
    let tree = |i: usize| buses[i].1.ok(&["tree", NAME]);
    assert_eq!(tree(1), tree(0).replace("/none", "/kc_noif"));
    assert!(!tree(1).contains("/none"), "{}", tree(1));
    for (i, ifname) in [(0, "none"), (1, "kc_noif")] {
        let name = buses[i]
            .1
            .ok(&["get-property", NAME, &path(ifname), INSTANCE, "Name"]);
        assert_eq!(name.trim(), "(s) \"VI_1\"");
    }
}
