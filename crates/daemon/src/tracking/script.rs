//! `vrrp_script`: run every `interval`, killed after `timeout`; `rise` successes in a row
//! bring a failed script up, `fall` failures in a row bring a good one down.

use std::process::Stdio;
use std::time::Duration;

use keepalived_conf::model::{GlobalDefs, VrrpScript};
use keepalived_vrrp::machine::TrackValue;
use tokio::sync::mpsc;

use super::{TrackKey, TrackUpdate};
use crate::{log, notify};

/// keepalived's rise/fall counting.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RiseFall {
    /// None before the first result (keepalived: result = rise - 1, "one success is
    /// enough", and one failure is too).
    up: Option<bool>,
    streak: u32,
    rise: u32,
    fall: u32,
}

impl RiseFall {
    pub(crate) fn new(up: Option<bool>, rise: u32, fall: u32) -> RiseFall {
        RiseFall {
            up,
            streak: 0,
            rise: rise.max(1),
            fall: fall.max(1),
        }
    }

    /// Records one result; returns the new state when it changed.
    pub(crate) fn record(&mut self, success: bool) -> Option<bool> {
        let Some(up) = self.up else {
            self.up = Some(success);
            return Some(success);
        };
        if success == up {
            self.streak = 0;
            return None;
        }
        self.streak += 1;
        let needed = if up { self.fall } else { self.rise };
        if self.streak < needed {
            return None;
        }
        self.up = Some(success);
        self.streak = 0;
        Some(success)
    }
}

async fn run_once(script: &VrrpScript, global: &GlobalDefs, timeout: Duration) -> bool {
    let Some(mut cmd) = notify::command(&script.script, global) else {
        return false;
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            log::info(format!("Failed to exec script {}: {e}", script.name));
            return false;
        }
    };
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => status.success(),
        Ok(Err(_)) => false,
        Err(_) => {
            log::info(format!("Script `{}` timed out", script.name));
            let _ = child.kill().await;
            false
        }
    }
}

/// Runs `script` for ever, reporting changes of its state.
pub(super) fn spawn(
    script: VrrpScript,
    global: GlobalDefs,
    start: TrackValue,
    tx: mpsc::Sender<TrackUpdate>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let interval = script.interval.max(Duration::from_millis(10));
        let timeout = script.timeout.unwrap_or(interval);
        let start = match start {
            TrackValue::Init => None,
            v => Some(v == TrackValue::Up),
        };
        let mut state = RiseFall::new(start, script.rise, script.fall);
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let ok = run_once(&script, &global, timeout).await;
            if let Some(up) = state.record(ok) {
                log::info(format!(
                    "Script `{}` now returning {}",
                    script.name,
                    if up { 0 } else { 1 }
                ));
                let value = if up { TrackValue::Up } else { TrackValue::Down };
                let key = TrackKey::Script(script.name.clone());
                if tx.send(TrackUpdate { key, value }).await.is_err() {
                    return;
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::RiseFall;

    #[test]
    fn fall_failures_in_a_row_bring_it_down_and_rise_successes_up() {
        let mut s = RiseFall::new(Some(true), 2, 3);
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(true), None); // streak broken
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(false), Some(false));
        assert_eq!(s.record(true), None);
        assert_eq!(s.record(true), Some(true));
    }

    #[test]
    fn the_first_result_decides_either_way() {
        let mut s = RiseFall::new(None, 2, 3);
        assert_eq!(s.record(false), Some(false));
        let mut s = RiseFall::new(None, 2, 3);
        assert_eq!(s.record(true), Some(true));
        assert_eq!(s.record(false), None);
    }
}
