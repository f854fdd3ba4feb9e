//! The checker process's SNMP subagent (keepalived 2.2.7's check_snmp.c: its checker process
//! is a subagent of its own). With `enable_snmp_checker` (or `-x`) it registers
//! KEEPALIVED-MIB's checker group (`.3`) and the global group (`.1`, which the VRRP process
//! then leaves to it), answers from the checkers' latest states ([`PoolWatch`]) and the
//! configuration, and sends realServerStateChange / virtualServerQuorumStateChange with
//! `enable_traps`. It shares the session code with the VRRP process ([`super::agent`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keepalived_agentx::Oid;
use keepalived_check::{CheckerTrap, NetlinkIpvs, PoolWatch, ServiceStats, TrapSink};
use keepalived_conf::Config;

use super::agent::{SessionError, Source};
use super::checker_mib::{checker, checker_oid, Counters as VsCounters};
use super::keepalived_mib::{global, global_oid};
use super::mib::Mib;
use crate::log;

/// How long IPVS counters are kept before they are read again (keepalived 2.2.7's
/// STATS_REFRESH).
const STATS_REFRESH: Duration = Duration::from_secs(5);

/// What the agent thread and the checkers' loop share.
struct Shared {
    config: Mutex<Arc<Config>>,
    watch: PoolWatch,
    stopping: AtomicBool,
}

/// The IPVS counters the agent thread last read, on its own netlink socket (`None`: no
/// IPVS, `--no-ipvs`, or it could not be opened: every counter reads 0).
struct Counters {
    ipvs: Option<NetlinkIpvs>,
    read: Option<(Instant, Vec<ServiceStats>)>,
}

impl Counters {
    fn get(&mut self) -> &[ServiceStats] {
        let Some(ipvs) = self.ipvs.as_mut() else {
            return &[];
        };
        let stale = self
            .read
            .as_ref()
            .map_or(true, |(at, _)| at.elapsed() >= STATS_REFRESH);
        if stale {
            match ipvs.stats() {
                Ok(d) => self.read = Some((Instant::now(), d)),
                Err(e) => {
                    log::info(format!("SNMP: IPVS counters: {e}"));
                    self.read = Some((Instant::now(), Vec::new()));
                }
            }
        }
        self.read.as_ref().map_or(&[], |(_, d)| d.as_slice())
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
                vs: keepalived_check::ipvs::stats::per_virtual_server(&vss, c.get()),
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
}

/// The checker process's subagent, running on its own thread from [`CheckerSnmp::start`]
/// to [`CheckerSnmp::stop`].
pub struct CheckerSnmp {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CheckerSnmp {
    /// Starts the subagent when the configuration has `enable_snmp_checker` (`-x` sets it);
    /// `None` otherwise. With `ipvs` (not `--no-ipvs`) the counters columns show IPVS's
    /// counters, read on the agent's own netlink socket at most every 5 s.
    pub fn start(config: &Config, ipvs: bool) -> Option<CheckerSnmp> {
        if !config.global.enable_snmp_checker {
            return None;
        }
        let shared = Arc::new(Shared {
            config: Mutex::new(Arc::new(config.clone())),
            watch: PoolWatch::default(),
            stopping: AtomicBool::new(false),
        });
        let counters = Counters {
            ipvs: if ipvs {
                NetlinkIpvs::open()
                    .map_err(|e| log::info(format!("SNMP: IPVS counters unavailable: {e}")))
                    .ok()
            } else {
                None
            },
            read: None,
        };
        let source = CheckerSource(shared.clone(), Mutex::new(counters));
        let thread = super::start_agent(&config.global, Box::new(source));
        Some(CheckerSnmp { shared, thread })
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
