//! The checker process's SNMP subagent (keepalived 2.2.7's check_snmp.c: its checker process
//! is a subagent of its own). With `enable_snmp_checker` (or `-x`) it registers
//! KEEPALIVED-MIB's checker group (`.3`) and the global group (`.1`, which the VRRP process
//! then leaves to it), answers from the checkers' latest states ([`PoolWatch`]) and the
//! configuration, and sends realServerStateChange / virtualServerQuorumStateChange with
//! `enable_traps`. It shares the session code with the VRRP process ([`super::agent`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keepalived_agentx::{Oid, ResponseError, VarBind};
use keepalived_check::{
    CheckerTrap, NetlinkIpvs, PoolWatch, ServiceStats, TrapSink, WeightSet, WeightSets,
};
use keepalived_conf::Config;
use tokio::sync::mpsc;

use super::agent::{SessionError, Source};
use super::checker_mib::{checker, checker_oid, Counters as VsCounters};
use super::checker_set::weight_set;
use super::keepalived_mib::{global, global_oid};
use super::mib::Mib;
use crate::log;

/// What the agent thread and the checkers' loop share.
struct Shared {
    config: Mutex<Arc<Config>>,
    watch: PoolWatch,
    stopping: AtomicBool,
    /// Committed realServerWeight Sets, to the checkers' loop.
    weights: mpsc::UnboundedSender<WeightSet>,
}

/// The IPVS counters the agent thread last read, on its own netlink socket (`None`: no
/// IPVS, `--no-ipvs`, or it could not be opened: every counter reads 0): one read for the
/// virtual servers' columns, one for the real servers', each kept for its interval
/// (keepalived 2.3's snmp_vs_stats_update_interval / snmp_rs_stats_update_interval, 5 s
/// by default as 2.2.7's STATS_REFRESH).
struct Counters {
    ipvs: Option<NetlinkIpvs>,
    vs: Cached,
    rs: Cached,
}

/// One read of the counters and how long it is kept.
struct Cached {
    every: Duration,
    read: Option<(Instant, Vec<ServiceStats>)>,
}

impl Cached {
    fn new(every: Duration) -> Cached {
        Cached { every, read: None }
    }

    /// The counters, read again through `fetch` when older than the interval at `now`.
    fn get(
        &mut self,
        now: Instant,
        fetch: impl FnOnce() -> Result<Vec<ServiceStats>, String>,
    ) -> &[ServiceStats] {
        let stale = (self.read.as_ref()).map_or(true, |(at, _)| now - *at >= self.every);
        if stale {
            let d = fetch().unwrap_or_else(|e| {
                log::info(format!("SNMP: IPVS counters: {e}"));
                Vec::new()
            });
            self.read = Some((now, d));
        }
        self.read.as_ref().map_or(&[], |(_, d)| d.as_slice())
    }
}

impl Counters {
    fn new(ipvs: Option<NetlinkIpvs>, global: &keepalived_conf::model::GlobalDefs) -> Counters {
        let vs = global.snmp_vs_stats_update_interval;
        Counters {
            ipvs,
            vs: Cached::new(vs),
            rs: Cached::new(global.snmp_rs_stats_update_interval.unwrap_or(vs)),
        }
    }

    /// Each virtual server's counters (from the virtual servers' read) with its servers'
    /// (from the real servers' read).
    fn per_virtual_server(
        &mut self,
        vss: &[keepalived_check::VirtualServerState],
    ) -> Vec<(
        keepalived_check::ipvs::IpvsStats,
        Vec<keepalived_check::ipvs::IpvsStats>,
    )> {
        let Some(ipvs) = self.ipvs.as_mut() else {
            return keepalived_check::ipvs::stats::per_virtual_server(vss, &[]);
        };
        let now = Instant::now();
        let per = keepalived_check::ipvs::stats::per_virtual_server;
        let vs = per(
            vss,
            self.vs.get(now, || ipvs.stats().map_err(|e| e.to_string())),
        );
        let rs = per(
            vss,
            self.rs.get(now, || ipvs.stats().map_err(|e| e.to_string())),
        );
        vs.into_iter()
            .zip(rs)
            .map(|((v, _), (_, r))| (v, r))
            .collect()
    }
}

impl Shared {
    fn config(&self) -> Arc<Config> {
        self.config
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The checker process's MIBs.
struct CheckerSource(Arc<Shared>, Mutex<Counters>);

impl Source for CheckerSource {
    fn subtrees(&self) -> Vec<(Oid, &'static str)> {
        vec![
            (global_oid(), "Keepalived"),
            (checker_oid(), "Healthchecker"),
        ]
    }

    fn mib(&self) -> Result<Mib, SessionError> {
        if self.stopping() {
            return Err(SessionError::Stopping);
        }
        let config = self.0.config();
        let vss = self.0.watch.get();
        let counters = {
            let mut c = self.1.lock().unwrap_or_else(|e| e.into_inner());
            VsCounters {
                vs: c.per_virtual_server(&vss),
            }
        };
        let mut m = Mib::default();
        global(
            &mut m,
            &config.global,
            &crate::snapshot::router_id(&config.global),
        );
        checker(&mut m, &config, &vss, &counters);
        Ok(m)
    }

    fn stopping(&self) -> bool {
        self.0.stopping.load(Ordering::SeqCst)
    }

    fn test_set(&self, mib: &Mib, varbind: &VarBind) -> Result<(), ResponseError> {
        weight_set(mib, varbind).map(|_| ())
    }

    fn commit_set(&self, mib: &Mib, varbinds: Vec<VarBind>) {
        for w in varbinds.iter().filter_map(|vb| weight_set(mib, vb).ok()) {
            let _ = self.0.weights.send(w);
        }
    }
}

/// The checker process's subagent, running on its own thread from [`CheckerSnmp::start`]
/// to [`CheckerSnmp::stop`].
pub struct CheckerSnmp {
    shared: Arc<Shared>,
    weights: WeightSets,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CheckerSnmp {
    /// Starts the subagent when the configuration has `enable_snmp_checker` (`-x` sets it);
    /// `None` otherwise. With `ipvs` (not `--no-ipvs`) the counters columns show IPVS's
    /// counters, read on the agent's own netlink socket at most every
    /// snmp_vs/rs_stats_update_interval (5 s).
    pub fn start(config: &Config, ipvs: bool) -> Option<CheckerSnmp> {
        if !config.global.enable_snmp_checker {
            return None;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            config: Mutex::new(Arc::new(config.clone())),
            watch: PoolWatch::default(),
            stopping: AtomicBool::new(false),
            weights: tx,
        });
        let ipvs = if ipvs {
            NetlinkIpvs::open()
                .map_err(|e| log::info(format!("SNMP: IPVS counters unavailable: {e}")))
                .ok()
        } else {
            None
        };
        let counters = Counters::new(ipvs, &config.global);
        let source = CheckerSource(shared.clone(), Mutex::new(counters));
        let thread = super::start_agent(&config.global, Box::new(source));
        Some(CheckerSnmp {
            shared,
            weights: Arc::new(tokio::sync::Mutex::new(rx)),
            thread,
        })
    }

    /// The realServerWeight Sets for the checkers' loop (`CheckerOptions::weights`).
    pub fn weights(&self) -> WeightSets {
        self.weights.clone()
    }

    /// The watch the checkers' loop keeps up to date (`CheckerOptions::watch`).
    pub fn watch(&self) -> PoolWatch {
        self.shared.watch.clone()
    }

    /// Where the checkers' loop sends its notifications (`CheckerOptions::traps`): queued
    /// for the agent thread, never waited for; only with `enable_traps`.
    pub fn traps(&self) -> TrapSink {
        let shared = self.shared.clone();
        TrapSink(Arc::new(move |t: CheckerTrap| {
            if !super::wants(|s| s.checker) {
                return;
            }
            let config = shared.config();
            let Some(vs) = config.lvs.virtual_servers.get(t.vs) else {
                return;
            };
            let router_id = crate::snapshot::router_id(&config.global);
            super::queue(super::checker_trap::checker_trap(&t, vs, &router_id));
        }))
    }

    /// A reload: the tables follow the new configuration, and which notifications are sent
    /// follows its `enable_traps`/`enable_snmp_checker`; the registrations and the socket
    /// stay those of the start, as keepalived's.
    pub fn reload(&self, config: &Config) {
        *self.shared.config.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(config.clone());
        super::reload_sink(&config.global);
    }

    /// The checkers stopped: the queued notifications go out, the session closes.
    pub fn stop(mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        super::stop_agent(self.thread.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// snmp_vs_stats_update_interval / snmp_rs_stats_update_interval (keepalived 2.3): a
    /// read is kept for its interval, then read again; the real servers' interval is the
    /// virtual servers' unless given.
    #[test]
    fn stats_update_intervals_keep_each_read_for_its_interval() {
        let text = "global_defs {\n snmp_vs_stats_update_interval 2\n \
                    snmp_rs_stats_update_interval 0.5\n}\n";
        let l = keepalived_conf::load_str(
            text,
            "t.conf".as_ref(),
            &keepalived_conf::ReadOptions::default(),
            &keepalived_conf::FixedHost::lab(),
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let c = Counters::new(None, &l.config.global);
        assert_eq!(
            (c.vs.every, c.rs.every),
            (Duration::from_secs(2), Duration::from_millis(500))
        );
        let c = Counters::new(None, &keepalived_conf::model::GlobalDefs::default());
        assert_eq!(
            (c.vs.every, c.rs.every),
            (Duration::from_secs(5), Duration::from_secs(5))
        );
        let mut cache = Cached::new(Duration::from_millis(500));
        let t0 = Instant::now();
        let reads = std::cell::Cell::new(0);
        let fetch = || {
            reads.set(reads.get() + 1);
            Ok(Vec::new())
        };
        cache.get(t0, fetch);
        cache.get(t0 + Duration::from_millis(499), fetch);
        assert_eq!(reads.get(), 1, "kept within the interval");
        cache.get(t0 + Duration::from_millis(500), fetch);
        assert_eq!(reads.get(), 2, "read again after it");
        let bad = keepalived_conf::load_str(
            "global_defs {\n snmp_rs_stats_update_interval 31\n}\n",
            "t.conf".as_ref(),
            &keepalived_conf::ReadOptions::default(),
            &keepalived_conf::FixedHost::lab(),
        );
        assert!(bad.diagnostics.iter().any(|d| d
            .message
            .contains("snmp stats vs update interval '31' invalid - ignoring")));
    }
}
