//! `vrrp_script`: run every `interval`, killed after `timeout`; `rise` successes in a row
//! bring a failed script up, `fall` failures in a row bring a good one down.

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
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

/// Runs `script` for ever, reporting changes of its state; `running` is true while a run is
/// under way (keepalived's dump: `State = running`, else `idle`).
pub(super) fn spawn(
    script: VrrpScript,
    global: GlobalDefs,
    start: TrackValue,
    tx: mpsc::Sender<TrackUpdate>,
    running: Arc<AtomicBool>,
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
            running.store(true, Ordering::Relaxed);
            let ok = run_once(&script, &global, timeout).await;
            running.store(false, Ordering::Relaxed);
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
    use super::*;

    /// A `vrrp_script` that says it started (a file) and ends once told to (another file).
    fn gated(dir: &std::path::Path) -> (VrrpScript, GlobalDefs) {
        let (started, go) = (dir.join("started"), dir.join("go"));
        let text = format!(
            "vrrp_script s {{\n script \"/bin/sh -c 'touch {}; while [ ! -e {} ]; do sleep 0.01; done'\"\n \
             interval 60\n}}\nvrrp_instance V {{\n interface eth0\n virtual_router_id 1\n \
             track_script {{\n  s\n }}\n}}\n",
            started.display(),
            go.display()
        );
        let l = keepalived_conf::load_str(
            &text,
            std::path::Path::new("k.conf"),
            &keepalived_conf::ReadOptions::default(),
            &keepalived_conf::FixedHost::lab(),
        );
        (l.config.vrrp.scripts[0].clone(), l.config.global.clone())
    }

    #[tokio::test]
    async fn running_is_true_while_a_run_is_under_way() {
        let dir = std::env::temp_dir().join(format!("kr-script-running-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (script, global) = gated(&dir);
        let (tx, mut rx) = mpsc::channel(4);
        let running = Arc::new(AtomicBool::new(false));
        let task = spawn(script, global, TrackValue::Init, tx, running.clone());
        while !dir.join("started").exists() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(running.load(Ordering::Relaxed));
        std::fs::write(dir.join("go"), "").unwrap();
        // The result is reported after the run has ended.
        let update = rx.recv().await.unwrap();
        assert_eq!(update.value, TrackValue::Up);
        assert!(!running.load(Ordering::Relaxed));
        task.abort();
        let _ = std::fs::remove_dir_all(&dir);
    }

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
