//! `ha_suspend` through the binary (`-C --no-ipvs`): the checkers of a virtual server run only
//! while its address is on the host, with keepalived's "Deactivating" / "Activating" /
//! "Suspending healthchecker" lines; the checker child's netlink sockets get
//! `lvs_netlink_monitor_rcv_bufs[_force]` and `lvs_netlink_cmd_rcv_bufs`; `-d` logs the
//! checker dump. keepalived's checker cannot run on a kernel without IPVS, so the lines and
//! rules are keepalived 2.2.7's source (check_api.c update_checker_activity,
//! register_checkers_thread). Labs `kr-hsp-*`, 10.63.7.0/24.

use std::time::Duration;

use keepalived_labs::{ip, rtnl_buffers, runnable, BridgeLab};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

fn conf(notify: &str) -> String {
    format!(
        "global_defs {{\n    router_id hsp\n    lvs_netlink_monitor_rcv_bufs 1048576\n    \
         lvs_netlink_monitor_rcv_bufs_force\n    lvs_netlink_cmd_rcv_bufs 65000\n}}\n\
         virtual_server 10.63.7.100 80 {{\n    delay_loop 1\n    lb_algo rr\n    lb_kind DR\n    \
         protocol TCP\n    ha_suspend\n    real_server 10.63.7.2 80 {{\n        weight 1\n        \
         notify_down \"{notify} DOWN\"\n        TCP_CHECK {{\n            connect_timeout 1\n            \
         retry 1\n            delay_before_retry 1\n        }}\n    }}\n}}\n"
    )
}

#[test]
fn ha_suspend_runs_the_checkers_only_while_the_virtual_address_is_here() {
    if !runnable("ha_suspend_runs_the_checkers_only_while_the_virtual_address_is_here") {
        return;
    }
    let mut lab = BridgeLab::new("hsp", "s", "10.63.7");
    let (script, log) = lab.recording_script("notify");
    let pid_file = lab.dir().join("o.checkers.pid").display().to_string();
    lab.start_with(
        "o",
        OURS,
        &conf(&script),
        &["-C", "--no-ipvs", "-d", "-c", &pid_file],
    );
    let service = "service [10.63.7.2]:tcp:80 for VS [10.63.7.100]:tcp:80";
    lab.wait(
        "the checker deactivated",
        Duration::from_secs(15),
        || {
            lab.logs()
                .contains(&format!("Deactivating healthchecker for {service}"))
        },
        || None,
    );
    // -d: keepalived's checker dump (dump_data_check) in the log once the services are set.
    let logs = lab.logs();
    for line in [
        "------< LVS Topology >------",
        " VS VIP = 10.63.7.100, VPORT = 80",
        "   Using HA suspend",
        "------< Health checkers >------",
        // The suspended checker (keepalived's checker->enabled).
        "   Enabled = no",
    ] {
        assert!(logs.contains(line), "-d: no {line:?} in\n{logs}");
    }
    // Nothing listens on port 80: a running checker would report DOWN within ~4 s
    // (bootstrap delay, warmup of up to delay_loop, a retry). Suspended, it never checks.
    std::thread::sleep(Duration::from_secs(6));
    let down = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("DOWN")
    };
    assert!(!down(), "a suspended checker ran:\n{}", lab.logs());
    let o = lab.ns("o");
    ip(&["-n", &o, "addr", "add", "10.63.7.100/32", "dev", "lo"]);
    lab.wait(
        "the checker activated",
        Duration::from_secs(10),
        || {
            lab.logs()
                .contains(&format!("Activating healthchecker for {service}"))
        },
        || None,
    );
    lab.wait(
        "the real server DOWN",
        Duration::from_secs(15),
        down,
        || None,
    );
    // The monitor socket forced to twice 1 MiB, the command socket to twice 65000 (capped
    // by rmem_max, which is larger here), as keepalived sets its checker's.
    let bufs = rtnl_buffers(&o);
    assert!(
        bufs.contains(&(true, 2 * 1_048_576)),
        "monitor socket: {bufs:?}"
    );
    assert!(
        bufs.contains(&(false, 2 * 65_000)),
        "command socket: {bufs:?}"
    );
    ip(&["-n", &o, "addr", "del", "10.63.7.100/32", "dev", "lo"]);
    lab.wait(
        "the checker suspended",
        Duration::from_secs(10),
        || {
            lab.logs()
                .contains(&format!("Suspending healthchecker for {service}"))
        },
        || None,
    );
}
