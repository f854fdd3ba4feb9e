//! `vrrp_netlink_monitor_rcv_bufs[_force]` and `vrrp_netlink_cmd_rcv_bufs[_force]` beside
//! keepalived 2.2.7: the receive buffers of the VRRP process's two netlink sockets, as `ss`
//! shows them (the overrun resync itself: crates/net/tests/monitor.rs). Labs `kr-krh-*`,
//! 10.89.0.0/16. Needs root and /usr/sbin/keepalived.

use std::time::Duration;

use keepalived_labs::{rtnl_buffers, runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

fn conf(net: &str, globals: &str) -> String {
    format!(
        "global_defs {{\n    router_id bufs\n{globals}}}\n\
         vrrp_instance VI_1 {{\n    state MASTER\n    interface eth0\n    virtual_router_id 9\n    \
         priority 200\n    advert_int 1\n    virtual_ipaddress {{\n        {net}.100/24\n    }}\n}}\n"
    )
}

/// Starts `binary` with `globals` in a fresh lab; the VRRP process's rtnl buffers once MASTER.
fn buffers(name: &str, net: &str, binary: &str, globals: &str) -> Vec<(bool, u64)> {
    let mut lab = BridgeLab::new("krh", name, net);
    lab.start("o", binary, &conf(net, globals));
    let vip = format!("{net}.100");
    lab.wait(
        "MASTER",
        Duration::from_secs(15),
        || lab.holds("o", &vip),
        || None,
    );
    let got = rtnl_buffers(&lab.ns("o"));
    lab.terminate("o");
    lab.wait_exit("o", Duration::from_secs(10));
    got
}

/// The monitor socket (forced past rmem_max) and the command socket (capped by rmem_max)
/// get the sizes keepalived gives them (the kernel doubles the value asked for).
#[test]
fn netlink_rcv_bufs_size_both_sockets_as_keepalived() {
    if !runnable("netlink_rcv_bufs_size_both_sockets_as_keepalived") {
        return;
    }
    let globals =
        "    vrrp_netlink_monitor_rcv_bufs 1048576\n    vrrp_netlink_monitor_rcv_bufs_force\n    \
                   vrrp_netlink_cmd_rcv_bufs 65000\n";
    let rmem_max: u64 = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(212_992);
    let (ka, ours) = std::thread::scope(|s| {
        let ka = s.spawn(|| buffers("bk", "10.89.1", KEEPALIVED, globals));
        let ours = s.spawn(|| buffers("bo", "10.89.2", OURS, globals));
        (ka.join().expect("keepalived"), ours.join().expect("ours"))
    });
    let cmd = 2 * 65000u64.min(rmem_max);
    for (who, got) in [("keepalived", &ka), ("ours", &ours)] {
        assert!(
            got.contains(&(true, 2 * 1_048_576)),
            "{who} monitor socket: {got:?}"
        );
        assert!(got.contains(&(false, cmd)), "{who} command socket: {got:?}");
    }
}
