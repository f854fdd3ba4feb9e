//! A late timer wake-up reads what already arrived before it fires the timers.
//!
//! When the process did not run for a while (a loaded machine, a stopped VM), its timer
//! and its sockets are all ready at once. keepalived handles the expired timers first
//! (lib/scheduler.c), so a BACKUP whose Master_Down timer expired during the stall takes
//! over although the MASTER's adverts sit unread in its socket: a false transition, then
//! a preemption back. Ours reads the adverts that are already queued first (the receiver
//! tasks get one turn of the runtime, then the channel is drained, at most [`ROUNDS`]
//! times), so a Master_Down timer only fires when no advert arrived in time. Only when the
//! loop is late by [`LATE`] or more: on time, nothing changes.

use std::time::{Duration, Instant};

use keepalived_vrrp::router::RxNet;

use super::Daemon;
use crate::links::Packet;

/// How late a wake-up must be to read the queued packets first.
pub(super) const LATE: Duration = Duration::from_millis(5);

/// Turns of the runtime given to the receiver tasks (each fills at most the channel).
const ROUNDS: usize = 4;

impl Daemon {
    /// One received datagram: decoded, routed by (interface, family, VRID), checked and
    /// counted as keepalived does, all in the router.
    pub(super) fn rx_packet(&mut self, pkt: Packet, now: Instant) {
        let net = match pkt.v6 {
            Some((src, dst, hop_limit)) => RxNet::Ipv6 {
                src,
                dst,
                hop_limit,
            },
            None => RxNet::Ipv4,
        };
        if self.config.global.log_unknown_vrids {
            if let Some(vrid) = self.router.unknown_vrid(pkt.ifindex, net, pkt.bytes()) {
                self.log_unknown_vrid(vrid, pkt.ifindex);
            }
        }
        self.router
            .handle_datagram(now, pkt.ifindex, net, pkt.bytes());
        self.pool.put(pkt.buf);
    }

    /// The loop woke up late for its timers: the datagrams that arrived meanwhile are
    /// handled first. Returns how many.
    pub(super) async fn read_pending(&mut self) -> usize {
        let mut read = 0;
        for _ in 0..ROUNDS {
            // The receiver tasks run once the runtime has polled its sockets.
            tokio::task::yield_now().await;
            let mut this_round = 0;
            while let Ok(pkt) = self.pkt_rx.try_recv() {
                self.rx_packet(pkt, Instant::now());
                this_round += 1;
            }
            if this_round == 0 {
                break;
            }
            read += this_round;
        }
        read
    }
}
