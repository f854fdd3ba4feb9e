//! The process connector against the real kernel: a child's fork, exec and exit arrive as
//! events; `process_monitor_rcv_bufs` sizes the socket. Outside the initial network
//! namespace the kernel refuses the subscription (as keepalived finds): skipped visibly.

mod common;

use std::time::Duration;

use common::{have_root, Netns};
use keepalived_net::proc_events::{decode, ProcEvent, ProcEventSocket, ProcSocketError};
use keepalived_net::RxBuf;

/// The events of `pid` until its exit (or the deadline).
async fn events_of(s: &ProcEventSocket, pid: i32) -> Vec<ProcEvent> {
    let mut buf = [0u8; 256];
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, s.recv(&mut buf)).await {
        let Ok(m) = decode(&buf[..n]) else { continue };
        let mine = match &m.event {
            ProcEvent::Fork { child_pid, .. } => *child_pid == pid,
            ProcEvent::Exec { pid: p, .. } | ProcEvent::Exit { pid: p, .. } => *p == pid,
            _ => false,
        };
        if mine {
            let done = matches!(m.event, ProcEvent::Exit { .. });
            out.push(m.event);
            if done {
                break;
            }
        }
    }
    out
}

#[tokio::test]
async fn a_child_s_life_arrives_as_events() {
    if !have_root("a_child_s_life_arrives_as_events") {
        return;
    }
    let buf = RxBuf {
        size: 300_000,
        force: true,
    };
    let s = match ProcEventSocket::open(Some(buf)) {
        Ok(s) => s,
        Err(e @ ProcSocketError::Listen(_)) => {
            eprintln!("skipped: needs the initial network namespace ({e})");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let child = std::process::Command::new("/bin/true").spawn().unwrap();
    let pid = child.id() as i32;
    let events = events_of(&s, pid).await;
    assert!(
        matches!(events.first(), Some(ProcEvent::Fork { child_tgid, .. }) if *child_tgid == pid),
        "{events:?}"
    );
    assert!(
        events.contains(&ProcEvent::Exec { pid, tgid: pid }),
        "{events:?}"
    );
    assert!(
        matches!(events.last(), Some(ProcEvent::Exit { .. })),
        "{events:?}"
    );
    let mut child = child;
    let _ = child.wait();
    // The kernel doubles what was asked for.
    assert_eq!(s.double_rx_buf(true).unwrap(), 1_200_000);
}

#[test]
fn another_network_namespace_cannot_subscribe() {
    if !have_root("another_network_namespace_cannot_subscribe") {
        return;
    }
    let ns = Netns::new("procev", "other");
    let r = ns.run(|| async { ProcEventSocket::open(None).map(|_| ()) });
    assert!(matches!(r, Err(ProcSocketError::Listen(_))), "{r:?}");
}
