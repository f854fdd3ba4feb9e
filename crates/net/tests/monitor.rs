//! Link/address monitor sees changes made with iproute2.

mod common;

use std::net::IpAddr;
use std::sync::mpsc;
use std::time::Duration;

use common::{have_root, Netns};
use futures::StreamExt;
use keepalived_net::{NetEvent, NetMonitor};

#[test]
fn monitor_sees_link_down_up_and_addresses() {
    if !have_root("monitor_sees_link_down_up_and_addresses") {
        return;
    }
    let ns = Netns::new("mon", "a");
    ns.local_link("m0", true);
    let idx = ns.ifindex("m0");
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            ns.run(move || async move {
                let mut events = Box::pin(NetMonitor::new().expect("monitor").into_stream());
                ready_tx.send(()).expect("ready");
                let mut seen = Vec::new();
                let wanted = |seen: &Vec<NetEvent>| {
                    seen.iter().any(|e| matches!(e, NetEvent::LinkDown { ifindex, .. } if *ifindex == idx))
                        && seen.iter().any(|e| matches!(e, NetEvent::LinkUp { ifindex, .. } if *ifindex == idx))
                        && seen.iter().any(|e| matches!(e, NetEvent::AddressAdded { addr, .. } if *addr == "10.51.0.1".parse::<IpAddr>().unwrap()))
                        && seen.iter().any(|e| matches!(e, NetEvent::AddressRemoved { addr, .. } if *addr == "10.51.0.1".parse::<IpAddr>().unwrap()))
                };
                let _ = tokio::time::timeout(Duration::from_secs(5), async {
                    while let Some(ev) = events.next().await {
                        seen.push(ev);
                        if wanted(&seen) {
                            break;
                        }
                    }
                })
                .await;
                seen
            })
        });
        ready_rx.recv().expect("monitor ready");
        ns.ip(&["link", "set", "m0", "down"]);
        ns.ip(&["link", "set", "m0", "up"]);
        ns.ip(&["addr", "add", "10.51.0.1/24", "dev", "m0"]);
        ns.ip(&["addr", "del", "10.51.0.1/24", "dev", "m0"]);
        let seen = watcher.join().expect("watcher");
        let pos = |f: &dyn Fn(&NetEvent) -> bool| seen.iter().position(f);
        let down = pos(
            &|e| matches!(e, NetEvent::LinkDown { ifindex, name } if *ifindex == idx && name == "m0"),
        );
        let up = pos(&|e| matches!(e, NetEvent::LinkUp { ifindex, .. } if *ifindex == idx));
        let added = pos(
            &|e| matches!(e, NetEvent::AddressAdded { ifindex, prefix_len: 24, .. } if *ifindex == idx),
        );
        let removed = pos(
            &|e| matches!(e, NetEvent::AddressRemoved { ifindex, prefix_len: 24, .. } if *ifindex == idx),
        );
        assert!(
            down.is_some() && up.is_some() && added.is_some() && removed.is_some(),
            "{seen:?}"
        );
        assert!(down < up && added < removed, "order: {seen:?}");
    });
}
