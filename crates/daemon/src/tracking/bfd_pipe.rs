//! `track_bfd`: the VRRP child's end of the BFD child's event pipe (keepalived's
//! `vrrp_bfd_thread`), turned into [`TrackUpdate`]s for the event loop.

use std::os::fd::OwnedFd;

use keepalived_vrrp::machine::TrackValue;
use tokio::sync::mpsc;

use super::{TrackKey, TrackUpdate};
use crate::bfd::event::{delivery_time, EventReader};
use crate::log;

/// Reads BFD events from `fd` until the pipe closes, sending each as an update of
/// `TrackKey::Bfd(name)`. Needs the loop's tokio runtime.
pub fn spawn_bfd_reader(
    fd: OwnedFd,
    tx: mpsc::Sender<TrackUpdate>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let mut reader = EventReader::new(fd)?;
    Ok(tokio::spawn(async move {
        while let Ok(events) = reader.next().await {
            for e in events {
                if log::detail() {
                    log::info(format!(
                        "Received BFD event: instance {} is in state {} (delivered in {} usec)",
                        e.name,
                        if e.up { "Up" } else { "Down" },
                        delivery_time(e.sent).as_micros()
                    ));
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
