//! The checker child's view of the host's addresses (keepalived's checker process opens
//! its kernel netlink sockets when a virtual server uses `ha_suspend` or with `-a`): a
//! netlink monitor with `lvs_netlink_monitor_rcv_bufs[_force]`, the first dump over a
//! socket with `lvs_netlink_cmd_rcv_bufs[_force]`, kept in a watch channel for
//! keepalived_check's ha_suspend.

use std::collections::HashSet;
use std::net::IpAddr;

use keepalived_conf::model::GlobalDefs;
use keepalived_net::{NetError, NetEvent, NetMonitor, Netlink};

use crate::log;
use crate::sockpool::netlink_rx_buf;

/// Starts watching the host's addresses (inside a tokio runtime): the receiver holds the
/// addresses present once the first dump is read, then follows every change. With
/// `log_changes` (keepalived's `-a`), each change is logged as keepalived's checker does.
pub async fn watch_local_addresses(
    global: &GlobalDefs,
    log_changes: bool,
) -> Result<keepalived_check::LocalAddresses, NetError> {
    let mut monitor =
        NetMonitor::with_rx_buf(netlink_rx_buf(&global.lvs_netlink_monitor_rcv_bufs))?;
    monitor.set_log(|line| log::info(line));
    let cmd = Netlink::with_rx_buf(netlink_rx_buf(&global.lvs_netlink_cmd_rcv_bufs))?;
    let present: HashSet<(u32, IpAddr)> = (cmd.all_addresses().await?.into_iter())
        .map(|e| (e.ifindex, e.addr))
        .collect();
    let (tx, rx) = tokio::sync::watch::channel(present);
    tokio::spawn(async move {
        // The command socket stays open for the child's life, as keepalived's.
        let _cmd = cmd;
        while let Some(ev) = monitor.recv().await {
            let change = match ev {
                NetEvent::AddressAdded { ifindex, addr, .. } => Some((ifindex, addr, true)),
                NetEvent::AddressRemoved { ifindex, addr, .. } => Some((ifindex, addr, false)),
                NetEvent::LinkDeleted { ifindex } => {
                    tx.send_if_modified(|p| {
                        let before = p.len();
                        p.retain(|(i, _)| *i != ifindex);
                        p.len() != before
                    });
                    None
                }
                _ => None,
            };
            let Some((ifindex, addr, added)) = change else {
                continue;
            };
            if log_changes {
                let what = if added { "added" } else { "removed" };
                log::info(format!("Netlink reflector reports IP {addr} {what}"));
            }
            tx.send_if_modified(|p| {
                if added {
                    p.insert((ifindex, addr))
                } else {
                    p.remove(&(ifindex, addr))
                }
            });
        }
    });
    Ok(rx)
}
