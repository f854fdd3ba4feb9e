//! `vrrp_track_process`: counts the running processes that match, every second from /proc.
//! (keepalived follows the kernel's process connector; a one-second scan is simpler and only
//! slower to notice). `fork_delay`/`terminate_delay`: process_delay.rs.

use std::time::Duration;

use keepalived_conf::model::{ParamMatch, TrackProcess};
use keepalived_vrrp::machine::TrackValue;
use tokio::sync::mpsc;

use super::process_delay::Delayed;
use super::{Current, TrackKey, TrackUpdate};

/// One running process: its `comm` and its command line.
#[derive(Debug, Clone)]
pub(super) struct Proc {
    comm: String,
    cmdline: Vec<String>,
}

/// Every process now.
pub(super) fn scan() -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in dir.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let Ok(comm) = std::fs::read_to_string(format!("/proc/{pid}/comm")) else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| {
                b.split(|c| *c == 0)
                    .filter(|s| !s.is_empty())
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        out.push(Proc {
            comm: comm.trim_end().to_owned(),
            cmdline,
        });
    }
    out
}

fn matches(p: &TrackProcess, proc_: &Proc) -> bool {
    let Some((name, params)) = p.process.split_first() else {
        return false;
    };
    let own = if p.full_command {
        proc_.cmdline.first().map(String::as_str) == Some(name.as_str())
    } else {
        // comm is at most 15 bytes.
        let short: String = name.chars().take(15).collect();
        proc_.comm == short
    };
    if !own {
        return false;
    }
    if params.is_empty() {
        return true;
    }
    let args = proc_.cmdline.get(1..).unwrap_or_default();
    match p.param_match.unwrap_or_default() {
        ParamMatch::Full => args == params,
        ParamMatch::Partial => args.len() >= params.len() && args[..params.len()] == *params,
        ParamMatch::Initial => {
            let n = params.len();
            args.len() >= n
                && args[..n - 1] == params[..n - 1]
                && args[n - 1].starts_with(params[n - 1].as_str())
        }
    }
}

/// How many of `procs` match `p`.
fn count(p: &TrackProcess, procs: &[Proc]) -> u64 {
    procs.iter().filter(|x| matches(p, x)).count() as u64
}

/// Up when the number of matching processes is within `quorum..=quorum_max`.
pub(super) fn status(p: &TrackProcess, procs: &[Proc]) -> TrackValue {
    status_of(p, count(p, procs))
}

fn status_of(p: &TrackProcess, n: u64) -> TrackValue {
    let ok = n >= u64::from(p.quorum) && p.quorum_max.map_or(true, |m| n <= u64::from(m));
    if ok {
        TrackValue::Up
    } else {
        TrackValue::Down
    }
}

/// Rescans every second (and when a `fork_delay`/`terminate_delay` ends) and reports
/// changes.
pub(super) fn spawn(
    tracked: Vec<TrackProcess>,
    current: &Current,
    tx: mpsc::Sender<TrackUpdate>,
) -> tokio::task::JoinHandle<()> {
    let procs = scan();
    let mut states: Vec<Delayed> = tracked
        .iter()
        .map(|p| {
            let v = current.get(&TrackKey::Process(p.name.clone()));
            Delayed::new(p.fork_delay, p.terminate_delay, count(p, &procs), v)
        })
        .collect();
    tokio::spawn(async move {
        let mut next_scan = tokio::time::Instant::now() + Duration::from_secs(1);
        loop {
            let wake = states
                .iter()
                .filter_map(Delayed::deadline)
                .map(tokio::time::Instant::from_std)
                .fold(next_scan, std::cmp::min);
            tokio::time::sleep_until(wake).await;
            if tokio::time::Instant::now() >= next_scan {
                next_scan += Duration::from_secs(1);
            }
            let procs = tokio::task::spawn_blocking(scan).await.unwrap_or_default();
            let now = std::time::Instant::now();
            for (p, st) in tracked.iter().zip(states.iter_mut()) {
                let n = count(p, &procs);
                if let Some(value) = st.observe(now, n, status_of(p, n)) {
                    let key = TrackKey::Process(p.name.clone());
                    if tx.send(TrackUpdate { key, value }).await.is_err() {
                        return;
                    }
                }
            }
        }
    })
}
