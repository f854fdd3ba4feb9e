//! `track_bfd`: the VRRP child's end of the BFD child's event pipe (keepalived's
//! `vrrp_bfd_thread`), turned into [`TrackUpdate`]s for the event loop.

use std::os::fd::OwnedFd;

use keepalived_vrrp::machine::TrackValue;
use tokio::sync::mpsc;

use super::{TrackKey, TrackUpdate};
use crate::bfd::event::{delivery_time, EventReader};
use crate::log;
use crate::metrics::Recorder;

/// Reads BFD events from `fd` until the pipe closes, sending each as an update of
/// `TrackKey::Bfd(name)`; a Down the detection timer found goes into `recorder`'s
/// detection histogram. Needs the loop's tokio runtime.
pub(crate) fn spawn_bfd_reader(
    fd: OwnedFd,
    tx: mpsc::Sender<TrackUpdate>,
    recorder: Recorder,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let mut reader = EventReader::new(fd)?;
    Ok(tokio::spawn(async move {
        while let Ok(events) = reader.next().await {
            for e in events {
                let delivered = delivery_time(e.sent);
                if log::detail() {
                    log::info(format!(
                        "Received BFD event: instance {} is in state {} (delivered in {} usec)",
                        e.name,
                        if e.up { "Up" } else { "Down" },
                        delivered.as_micros()
                    ));
                }
                if let (false, Some(silent)) = (e.up, e.silent_for) {
                    recorder.bfd_down_detected(&e.name, silent, delivered);
                }
                let value = if e.up {
                    TrackValue::Up
                } else {
                    TrackValue::Down
                };
                let update = TrackUpdate {
                    key: TrackKey::Bfd(e.name),
                    value,
                };
                if tx.send(update).await.is_err() {
                    return;
                }
            }
        }
    }))
}
