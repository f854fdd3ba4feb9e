//! `--metrics-address ADDR:PORT` (ours, off by default): an HTTP endpoint in the VRRP
//! process, served by a task on the event loop's own current-thread runtime.
//!
//! - `/metrics`: Prometheus text 0.0.4, or OpenMetrics when the scraper's `Accept` asks for
//!   it ([`negotiate`]), with the metric names and labels of
//!   keepalived-exporter (github.com/mehdy/keepalived-exporter), plus our own under
//!   `keepalived_rs_*` (see [`exposition`]).
//! - `/json`: keepalived's JSON dump ([`crate::dump::render_json`]) of a fresh snapshot.
//! - `/healthz`: `200 ok` while the process serves.
//!
//! The server never touches the daemon's state: for each `/metrics` or `/json` request it
//! sends a [`SnapshotRequest`] (a oneshot reply sender) through a small bounded channel and
//! the event loop answers it in its `select!` between two events (building a snapshot is
//! cheap and never waits on I/O). Nothing is computed when nobody scrapes. The histograms
//! the loop feeds ([`Recorder`]) are shared atomics, read by the server directly.

mod exposition;
mod instrument;
mod negotiate;
mod server;

use std::net::SocketAddr;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use crate::dump::Snapshot;
use crate::log;

pub(crate) use instrument::Recorder;

/// A request for a fresh snapshot: the loop sends one back on the enclosed sender.
pub(crate) type SnapshotRequest = oneshot::Sender<Snapshot>;

/// How many snapshot requests may wait for the loop; more get `503` at once.
const QUEUE: usize = 8;

/// The event loop's side of the endpoint: where snapshot requests arrive, the histograms it
/// feeds, and when the event being handled happened (for the takeover time).
pub(crate) struct Hub {
    /// The histograms (shared with the server).
    pub(crate) recorder: Recorder,
    /// Snapshot requests from the server; never ready when no server runs.
    pub(crate) requests: mpsc::Receiver<SnapshotRequest>,
    tx: mpsc::Sender<SnapshotRequest>,
    timer_deadline: Option<Instant>,
}

impl Default for Hub {
    fn default() -> Self {
        let (tx, requests) = mpsc::channel(QUEUE);
        Hub {
            recorder: Recorder::default(),
            requests,
            tx,
            timer_deadline: None,
        }
    }
}

impl Hub {
    /// Starts the HTTP server on `addr` (a task on the current runtime). A failure to
    /// listen is logged and the daemon runs on without the endpoint: VRRP matters more.
    pub(crate) fn serve(&self, addr: SocketAddr) {
        match server::spawn(addr, self.tx.clone(), self.recorder.clone()) {
            Ok(bound) => log::info(format!("Metrics endpoint on http://{bound}/metrics")),
            Err(e) => log::info(format!("Unable to listen on {addr} for metrics: {e}")),
        }
    }

    /// The loop woke up for a timer due at `deadline` (e.g. Master_Down): a takeover that
    /// follows counts from then, so a late wake-up shows in the takeover time.
    pub(crate) fn timer_fired(&mut self, deadline: Option<Instant>) {
        self.timer_deadline = deadline;
    }

    /// When the decision being settled was made: the timer deadline if a timer woke the
    /// loop, else `now` (an advert, a link or tracking event handled just before).
    pub(crate) fn decided_at(&mut self, now: Instant) -> Instant {
        self.timer_deadline.take().map_or(now, |t| t.min(now))
    }
}
