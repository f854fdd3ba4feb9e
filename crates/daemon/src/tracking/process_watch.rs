//! The watcher of `vrrp_track_process`. It follows the kernel's process events as keepalived
//! does (core/track_process.c: fork, exec, comm and exit update the table at once; lost
//! events, ENOBUFS, mean a rescan a second later with the receive buffer doubled and
//! keepalived's "Setting global_def process_monitor_rcv_bufs to N" advice).
//!
//! Where the kernel sends no events (outside the initial network namespace, or without
//! CONFIG_PROC_EVENTS), keepalived's track_process sees no process start or end at all; ours
//! rescans /proc every second instead (a deliberate difference, docs/keywords.md).

use std::collections::HashMap;
use std::time::Duration;

use keepalived_conf::model::{RcvBufs, TrackProcess};
use keepalived_net::log::strerror;
use keepalived_net::proc_events::{decode, ProcEvent, ProcEventSocket};
use keepalived_net::RxBuf;
use keepalived_vrrp::machine::TrackValue;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::process::{read_proc, scan_pids, status_of, Table};
use super::process_delay::Delayed;
use super::{Current, ProcessCounts, TrackKey, TrackUpdate};
use crate::log;

/// How long the kernel has to acknowledge the subscription (keepalived's TIMER_HZ / 10).
const ACK_WAIT: Duration = Duration::from_millis(100);

/// How long the event loop sleeps with nothing due (an event wakes it first).
const IDLE: Duration = Duration::from_secs(3600);

/// After lost events, the wait before the rescan (keepalived's TIMER_HZ).
const LOST_RESCAN: Duration = Duration::from_secs(1);

/// Starts watching `tracked` (reported from the values in `current`).
pub(super) fn spawn(
    tracked: Vec<TrackProcess>,
    current: &Current,
    tx: mpsc::Sender<TrackUpdate>,
    bufs: RcvBufs,
    counts: ProcessCounts,
) -> tokio::task::JoinHandle<()> {
    let rx_buf = bufs.size.map(|size| RxBuf {
        size,
        force: bufs.force,
    });
    // Subscribed before the scan, so that nothing happening during it is missed.
    let socket = match ProcEventSocket::open(rx_buf) {
        Ok(s) => Some(s),
        Err(e) if e.unsupported() => {
            if log::detail() {
                log::info(
                    "track_process not available - is CONFIG_PROC_EVENTS enabled in kernel config?",
                );
            }
            None
        }
        Err(e) => {
            log::info(e.to_string());
            None
        }
    };
    let mut table = Table::default();
    table.rescan(&tracked, scan_pids());
    let states = tracked
        .iter()
        .map(|p| {
            let v = current.get(&TrackKey::Process(p.name.clone()));
            Delayed::new(p.fork_delay, p.terminate_delay, table.count(p), v)
        })
        .collect();
    let w = Watch {
        tracked,
        table,
        states,
        tx,
        counts,
    };
    w.count_and_publish();
    tokio::spawn(async move {
        match socket {
            Some(s) => w.follow(s, bufs.force).await,
            None => w.poll().await,
        }
    })
}

struct Watch {
    tracked: Vec<TrackProcess>,
    table: Table,
    states: Vec<Delayed>,
    tx: mpsc::Sender<TrackUpdate>,
    counts: ProcessCounts,
}

/// What the event loop keeps between datagrams.
#[derive(Default)]
struct Follow {
    /// The kernel acknowledged the subscription.
    acked: bool,
    /// The last sequence number seen per CPU.
    seqs: HashMap<u32, u32>,
    /// Events were lost: the rescan is due then.
    rescan_at: Option<Instant>,
}

impl Watch {
    /// Counts each tracked process in the table and publishes the counts (for SNMP).
    fn count_and_publish(&self) -> Vec<u64> {
        let counts: Vec<u64> = self.tracked.iter().map(|p| self.table.count(p)).collect();
        if let Ok(mut c) = self.counts.lock() {
            for (p, n) in self.tracked.iter().zip(&counts) {
                c.insert(p.name.clone(), *n);
            }
        }
        counts
    }

    /// Reports the statuses that changed at `now` (logged as keepalived's
    /// process_update_track_process_status logs them); false when the loop has gone.
    async fn report(&mut self, now: Instant) -> bool {
        let counts = self.count_and_publish();
        for ((p, st), n) in self.tracked.iter().zip(self.states.iter_mut()).zip(counts) {
            if let Some(value) = st.observe(now.into_std(), n, status_of(p, n)) {
                let now_up = value == TrackValue::Up;
                log::info(format!(
                    "Quorum {} for tracked process {}",
                    if now_up { "gained" } else { "lost" },
                    p.name
                ));
                let key = TrackKey::Process(p.name.clone());
                if self.tx.send(TrackUpdate { key, value }).await.is_err() {
                    return false;
                }
            }
        }
        true
    }

    /// The earliest `fork_delay`/`terminate_delay` end, or `fallback`.
    fn wake(&self, fallback: Instant) -> Instant {
        self.states
            .iter()
            .filter_map(Delayed::deadline)
            .map(Instant::from_std)
            .fold(fallback, std::cmp::min)
    }

    /// Applies one datagram.
    fn handle(&mut self, bytes: &[u8], f: &mut Follow) {
        let Ok(m) = decode(bytes) else {
            return;
        };
        if let Some(last) = f.seqs.insert(m.cpu, m.seq) {
            let gap = i64::from(m.seq) - i64::from(last) - 1;
            let wrapped = m.seq == 0 && last == u32::MAX;
            if gap != 0 && !wrapped && (f.rescan_at.is_none() || log::detail()) {
                log::info(format!("Missed {gap} messages on CPU {}", m.cpu));
            }
        }
        if m.event == ProcEvent::Ack {
            f.acked = true;
            if log::detail() {
                log::info("proc_events has confirmed it is configured");
            }
            return;
        }
        self.table.apply(&self.tracked, &m.event, read_proc);
    }

    /// Follows the kernel's events until the loop goes away.
    async fn follow(mut self, sock: ProcEventSocket, force: bool) {
        let mut buf = [0u8; 256];
        let mut f = Follow::default();
        let ack_by = Instant::now() + ACK_WAIT;
        loop {
            let mut due = f.rescan_at.unwrap_or_else(|| Instant::now() + IDLE);
            if !f.acked {
                due = due.min(ack_by);
            }
            let wake = self.wake(due);
            let got = tokio::select! {
                r = sock.recv(&mut buf) => Some(r),
                _ = tokio::time::sleep_until(wake) => None,
            };
            match got {
                Some(Ok(n)) => {
                    self.handle(&buf[..n], &mut f);
                    while let Ok(Some(n)) = sock.try_recv(&mut buf) {
                        self.handle(&buf[..n], &mut f);
                    }
                }
                Some(Err(e)) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    f.rescan_at = Some(Instant::now() + LOST_RESCAN);
                }
                Some(Err(e)) => log::info(format!(
                    "process monitor netlink recv error {} - {}",
                    e.raw_os_error().unwrap_or(0),
                    strerror(&e)
                )),
                // Woken by the timer: what already arrived counts first (a late wake-up
                // must not miss an acknowledgement that sits in the queue).
                None => {
                    while let Ok(Some(n)) = sock.try_recv(&mut buf) {
                        self.handle(&buf[..n], &mut f);
                    }
                }
            }
            let now = Instant::now();
            if !f.acked && now >= ack_by {
                log::info("WARNING - the kernel does not support proc events - track_process will not work");
                drop(sock);
                return self.poll().await;
            }
            if f.rescan_at.is_some_and(|t| t <= now) {
                f.rescan_at = None;
                match sock.double_rx_buf(force) {
                    Ok(size) => log::info(format!(
                        "Setting global_def process_monitor_rcv_bufs to {size} - recommend updating configuration file"
                    )),
                    Err(e) => log::info(format!(
                        "Cannot get process monitor SO_RCVBUF option. errno={} ({})",
                        e.raw_os_error().unwrap_or(0),
                        strerror(&e)
                    )),
                }
                f.seqs.clear();
                self.table.rescan(&self.tracked, scan_pids());
            }
            if !self.report(now).await {
                return;
            }
        }
    }

    /// Rescans /proc every second (and when a delay ends) until the loop goes away.
    async fn poll(mut self) {
        let mut next_scan = Instant::now() + Duration::from_secs(1);
        loop {
            tokio::time::sleep_until(self.wake(next_scan)).await;
            let now = Instant::now();
            if now >= next_scan {
                next_scan += Duration::from_secs(1);
            }
            let all = tokio::task::spawn_blocking(scan_pids)
                .await
                .unwrap_or_default();
            self.table.rescan(&self.tracked, all);
            if !self.report(now).await {
                return;
            }
        }
    }
}
