//! `vrrp_track_process`: which running processes match (their `comm` or command line, and
//! parameters), and [`Table`], the matching processes by pid, kept up to date from the
//! kernel's process events as keepalived's core/track_process.c keeps its process tree.
//! The watcher: process_watch.rs; `fork_delay`/`terminate_delay`: process_delay.rs.

use std::collections::HashMap;

use keepalived_conf::model::{ParamMatch, TrackProcess};
use keepalived_net::proc_events::ProcEvent;
use keepalived_vrrp::machine::TrackValue;

/// One running process: its `comm` and its command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Proc {
    pub(super) comm: String,
    pub(super) cmdline: Vec<String>,
}

/// Process `pid` now (`None`: gone, or a kernel thread's unreadable entry).
pub(super) fn read_proc(pid: i32) -> Option<Proc> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect()
        })
        .unwrap_or_default();
    Some(Proc {
        comm: comm.trim_end().to_owned(),
        cmdline,
    })
}

/// Every process now, by pid.
pub(super) fn scan_pids() -> Vec<(i32, Proc)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, read_proc(pid)?)))
        .collect()
}

/// Every process now.
pub(super) fn scan() -> Vec<Proc> {
    scan_pids().into_iter().map(|(_, p)| p).collect()
}

/// The processes that match at least one tracked process, by pid.
#[derive(Debug, Default)]
pub(super) struct Table {
    procs: HashMap<i32, Proc>,
}

impl Table {
    /// Forgets everything and takes `all` (a scan of /proc).
    pub(super) fn rescan(&mut self, tracked: &[TrackProcess], all: Vec<(i32, Proc)>) {
        self.procs = all
            .into_iter()
            .filter(|(_, p)| tracked.iter().any(|t| matches(t, p)))
            .collect();
    }

    /// Applies one event; `read` looks a process up in /proc (for exec and comm changes).
    /// Threads are ignored, as keepalived ignores them. Returns whether the table changed.
    pub(super) fn apply(
        &mut self,
        tracked: &[TrackProcess],
        event: &ProcEvent,
        read: impl Fn(i32) -> Option<Proc>,
    ) -> bool {
        let keep = |procs: &mut HashMap<i32, Proc>, pid: i32, p: Option<Proc>| match p {
            Some(p) if tracked.iter().any(|t| matches(t, &p)) => {
                procs.insert(pid, p.clone()) != Some(p)
            }
            _ => procs.remove(&pid).is_some(),
        };
        let procs = &mut self.procs;
        match *event {
            // A new process is a copy of its parent until it execs.
            ProcEvent::Fork {
                parent_tgid,
                child_pid,
                child_tgid,
            } if child_pid == child_tgid => {
                let parent = procs.get(&parent_tgid).cloned();
                parent.is_some() && keep(procs, child_tgid, parent)
            }
            ProcEvent::Exec { pid, tgid } if pid == tgid => keep(procs, pid, read(pid)),
            ProcEvent::Comm {
                pid,
                tgid,
                ref comm,
            } if pid == tgid => {
                let p = read(pid).map(|p| Proc {
                    comm: comm.clone(),
                    ..p
                });
                keep(procs, pid, p)
            }
            ProcEvent::Exit { pid, tgid } if pid == tgid => procs.remove(&pid).is_some(),
            _ => false,
        }
    }

    /// How many processes match `p`.
    pub(super) fn count(&self, p: &TrackProcess) -> u64 {
        self.procs.values().filter(|x| matches(p, x)).count() as u64
    }
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
    let args = proc_.cmdline.get(1..).unwrap_or_default();
    if params.is_empty() {
        // keepalived's check_params: an exact match without parameters wants none.
        return p.param_match != Some(ParamMatch::Full) || args.is_empty();
    }
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
pub(super) fn count(p: &TrackProcess, procs: &[Proc]) -> u64 {
    procs.iter().filter(|x| matches(p, x)).count() as u64
}

/// Up when the number of matching processes is within `quorum..=quorum_max`.
pub(super) fn status(p: &TrackProcess, procs: &[Proc]) -> TrackValue {
    status_of(p, count(p, procs))
}

/// Up when `n` is within `quorum..=quorum_max`.
pub(super) fn status_of(p: &TrackProcess, n: u64) -> TrackValue {
    let ok = n >= u64::from(p.quorum) && p.quorum_max.map_or(true, |m| n <= u64::from(m));
    if ok {
        TrackValue::Up
    } else {
        TrackValue::Down
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracked(name: &str) -> TrackProcess {
        let text = format!("vrrp_track_process {name} {{\n process {name}\n}}\n");
        keepalived_conf::load_str(
            &text,
            std::path::Path::new("t.conf"),
            &keepalived_conf::ReadOptions::default(),
            &keepalived_conf::FixedHost::lab(),
        )
        .config
        .vrrp
        .track_processes
        .remove(0)
    }

    fn proc_(comm: &str) -> Proc {
        Proc {
            comm: comm.into(),
            cmdline: vec![format!("/usr/sbin/{comm}")],
        }
    }

    #[test]
    fn events_keep_the_table_as_a_rescan_would() {
        let t = [tracked("haproxy")];
        let mut table = Table::default();
        table.rescan(&t, vec![(10, proc_("haproxy")), (11, proc_("sshd"))]);
        assert_eq!(table.count(&t[0]), 1);
        let none = |_| None;
        // haproxy forks a worker: counted as its parent until it execs.
        let fork = ProcEvent::Fork {
            parent_tgid: 10,
            child_pid: 12,
            child_tgid: 12,
        };
        assert!(table.apply(&t, &fork, none));
        assert_eq!(table.count(&t[0]), 2);
        // A thread of haproxy is not a process.
        let thread = ProcEvent::Fork {
            parent_tgid: 10,
            child_pid: 13,
            child_tgid: 10,
        };
        assert!(!table.apply(&t, &thread, none));
        // The worker execs something else: no longer counted.
        let exec = ProcEvent::Exec { pid: 12, tgid: 12 };
        assert!(table.apply(&t, &exec, |_| Some(proc_("sleep"))));
        assert_eq!(table.count(&t[0]), 1);
        // sshd renames itself haproxy (comm only): counted.
        let comm = ProcEvent::Comm {
            pid: 11,
            tgid: 11,
            comm: "haproxy".into(),
        };
        assert!(table.apply(&t, &comm, |_| Some(proc_("sshd"))));
        assert_eq!(table.count(&t[0]), 2);
        // Exits: a thread's does not count, the processes' do.
        assert!(!table.apply(&t, &ProcEvent::Exit { pid: 13, tgid: 10 }, none));
        assert!(table.apply(&t, &ProcEvent::Exit { pid: 10, tgid: 10 }, none));
        assert!(table.apply(&t, &ProcEvent::Exit { pid: 11, tgid: 11 }, none));
        assert_eq!(table.count(&t[0]), 0);
        // A fork of an untracked parent is nothing.
        let other = ProcEvent::Fork {
            parent_tgid: 99,
            child_pid: 100,
            child_tgid: 100,
        };
        assert!(!table.apply(&t, &other, none));
    }
}
