//! `keepalived_daemon::run_until` in-process (a thread that entered a network namespace with
//! setns) against the real keepalived 2.2.7: ours at priority 150, keepalived at 100, on one
//! bridge. Ours becomes MASTER and only ours holds the VIP; when ours' link is cut keepalived
//! takes over; when it returns ours preempts and keepalived releases. Needs root.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use keepalived_conf::{load_str, ReadOptions, SystemHost};
use keepalived_labs::{ip, runnable, BridgeLab, KEEPALIVED};
use tokio::sync::oneshot;

/// Our daemon's thread: the stop signal and what `run_until` returned.
type Ours = (oneshot::Sender<()>, JoinHandle<Result<(), String>>);

struct Lab {
    net: BridgeLab,
    ours: Option<Ours>,
}

impl Lab {
    fn ns(&self, r: &str) -> String {
        self.net.ns(r)
    }

    fn new(name: &str, subnet: u8) -> Lab {
        Lab {
            net: BridgeLab::new("daemon", name, &format!("10.97.{subnet}")),
            ours: None,
        }
    }

    fn start_keepalived(&mut self, conf: &str) {
        self.net.start("t", KEEPALIVED, conf);
    }

    fn start_ours(&mut self, conf: &str) {
        let loaded = load_str(
            conf,
            Path::new("ours.conf"),
            &ReadOptions::default(),
            &SystemHost,
        );
        let config = loaded.config;
        let netns = File::open(format!("/run/netns/{}", self.ns("o"))).unwrap();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let handle = std::thread::spawn(move || {
            // SAFETY: setns on an open namespace file moves only this thread, which owns it.
            let rc = unsafe { libc::setns(netns.as_raw_fd(), libc::CLONE_NEWNET) };
            if rc != 0 {
                return Err(format!("setns: {}", std::io::Error::last_os_error()));
            }
            keepalived_daemon::run_until(&config, async {
                let _ = stop_rx.await;
            })
            .map_err(|e| e.to_string())
        });
        self.ours = Some((stop_tx, handle));
    }

    fn holds(&self, router: &str, vip: &str) -> bool {
        self.net.holds(router, vip)
    }

    fn wait(&self, what: &str, limit: Duration, cond: impl Fn() -> bool) {
        let gone = || {
            self.ours
                .as_ref()
                .is_some_and(|(_, h)| h.is_finished())
                .then(|| "our daemon stopped".to_owned())
        };
        self.net.wait(what, limit, cond, gone);
    }

    fn stays(&self, what: &str, span: Duration, cond: impl Fn() -> bool) {
        self.net.stays(what, span, cond);
    }

    fn stop_ours(&mut self) -> Result<(), String> {
        let (stop, handle) = self.ours.take().expect("ours started");
        let _ = stop.send(());
        handle
            .join()
            .unwrap_or_else(|_| Err("daemon thread panicked".into()))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Ours first (it removes its VIPs); the namespaces go when `net` drops.
        if self.ours.is_some() {
            let _ = self.stop_ours();
        }
    }
}

fn config(name: &str, priority: u8, subnet: u8, extra: &str) -> String {
    format!(
        "global_defs {{\n    router_id {name}\n    vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 61\n    \
         priority {priority}\n{extra}\n    virtual_ipaddress {{\n        10.97.{subnet}.100/24\n    }}\n}}\n"
    )
}

fn election_takeover_preemption(test: &str, subnet: u8, extra: &str, master_down: Duration) {
    if !runnable(test) {
        return;
    }
    let mut lab = Lab::new(test, subnet);
    let vip = format!("10.97.{subnet}.100");
    lab.start_keepalived(&config("keepalived", 100, subnet, extra));
    lab.start_ours(&config("ours", 150, subnet, extra));
    let limit = master_down * 3 + Duration::from_secs(5);
    lab.wait("ours MASTER with the VIP", limit, || {
        lab.holds("o", &vip) && !lab.holds("t", &vip)
    });
    lab.stays(
        "only ours holds the VIP",
        master_down + Duration::from_secs(1),
        || lab.holds("o", &vip) && !lab.holds("t", &vip),
    );

    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "down"]);
    lab.wait("keepalived takes over", limit, || lab.holds("t", &vip));

    ip(&["-n", &lab.ns("o"), "link", "set", "eth0", "up"]);
    lab.wait("ours preempts and keepalived releases", limit, || {
        lab.holds("o", &vip) && !lab.holds("t", &vip)
    });

    // Stopping ours (what SIGTERM does): priority-0 advert, VIP removed, keepalived takes over.
    let stopped = lab.stop_ours();
    assert_eq!(stopped, Ok(()), "{}", lab.net.logs());
    assert!(!lab.holds("o", &vip), "VIP left behind\n{}", lab.net.logs());
    lab.wait("keepalived takes over after our stop", limit, || {
        lab.holds("t", &vip)
    });
}

#[test]
fn in_process_vrrpv2_with_keepalived() {
    election_takeover_preemption("v2", 1, "    advert_int 1", Duration::from_millis(3610));
}

#[test]
fn in_process_vrrpv3_with_keepalived() {
    election_takeover_preemption(
        "v3",
        2,
        "    version 3\n    advert_int 1",
        Duration::from_millis(3610),
    );
}
