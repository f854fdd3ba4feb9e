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

/// A monitor with the smallest receive buffer the kernel allows is left unread while a
/// burst of changes overruns it (ENOBUFS): the resync that follows still reports the
/// net effect of every change, including a link going down and an address that was there
/// before the subscription going away, both lost in the overrun.
#[test]
fn monitor_resyncs_after_an_overrun() {
    use keepalived_net::RxBuf;
    use std::collections::HashSet;
    use std::io::Write;
    if !have_root("monitor_resyncs_after_an_overrun") {
        return;
    }
    let ns = Netns::with_prefix("krh", "overrun", "a");
    ns.local_link("m0", true);
    ns.local_link("m1", true);
    let (i0, i1) = (ns.ifindex("m0"), ns.ifindex("m1"));
    ns.ip(&["addr", "add", "10.89.200.1/24", "dev", "m0"]);
    let (ready_tx, ready_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            ns.run(move || async move {
                let buf = RxBuf {
                    size: 1,
                    force: true,
                };
                let mut mon = NetMonitor::with_rx_buf(Some(buf)).expect("monitor");
                mon.seeded().await;
                ready_tx.send(()).expect("ready");
                // Blocks the runtime's only thread: nothing reads the socket meanwhile.
                go_rx.recv().expect("go");
                let mut seen = Vec::new();
                while let Ok(Some(ev)) =
                    tokio::time::timeout(Duration::from_secs(2), mon.recv()).await
                {
                    seen.push(ev);
                }
                (seen, mon.overruns())
            })
        });
        ready_rx.recv().expect("monitor ready");
        let mut lines: Vec<String> = (0..300)
            .map(|n| format!("addr add 10.89.{}.{}/32 dev m0", 1 + n / 250, 1 + n % 250))
            .collect();
        lines.extend((0..100).map(|n| format!("addr del 10.89.1.{}/32 dev m0", 1 + n)));
        lines.push("addr del 10.89.200.1/24 dev m0".into());
        lines.push("link set m1 down".into());
        let mut child = std::process::Command::new("ip")
            .args(["-n", &ns.name, "-batch", "-"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("ip -batch");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all((lines.join("\n") + "\n").as_bytes())
            .expect("write");
        drop(stdin);
        assert!(child.wait().expect("wait").success(), "ip -batch failed");
        go_tx.send(()).expect("go");
        let (seen, overruns) = watcher.join().expect("watcher");
        assert!(overruns >= 1, "no overrun forced: {} events", seen.len());
        let mut addrs: HashSet<(IpAddr, u8)> =
            HashSet::from([("10.89.200.1".parse().unwrap(), 24)]);
        let mut m1_up = None;
        for ev in &seen {
            match ev {
                NetEvent::AddressAdded {
                    ifindex,
                    addr,
                    prefix_len,
                } if *ifindex == i0 => {
                    addrs.insert((*addr, *prefix_len));
                }
                NetEvent::AddressRemoved {
                    ifindex,
                    addr,
                    prefix_len,
                } if *ifindex == i0 => {
                    addrs.remove(&(*addr, *prefix_len));
                }
                NetEvent::LinkUp { ifindex, .. } if *ifindex == i1 => m1_up = Some(true),
                NetEvent::LinkDown { ifindex, .. } if *ifindex == i1 => m1_up = Some(false),
                _ => {}
            }
        }
        let want: HashSet<(IpAddr, u8)> = (100..300)
            .map(|n| {
                (
                    format!("10.89.{}.{}", 1 + n / 250, 1 + n % 250)
                        .parse()
                        .unwrap(),
                    32,
                )
            })
            .collect();
        let v4: HashSet<(IpAddr, u8)> = addrs.into_iter().filter(|(a, _)| a.is_ipv4()).collect();
        let extra: Vec<_> = v4.symmetric_difference(&want).collect();
        assert!(
            extra.is_empty(),
            "{overruns} overrun(s), {} events; wrong: {extra:?}\n{seen:?}",
            seen.len()
        );
        assert_eq!(m1_up, Some(false), "m1 going down was not reported");
    });
}
