//! The checker process's SNMP subagent (keepalived 2.2.7's check_snmp.c: its checker process
//! is a subagent of its own). With `enable_snmp_checker` (or `-x`) it registers
//! KEEPALIVED-MIB's checker group (`.3`) and the global group (`.1`, which the VRRP process
//! then leaves to it), answers from the checkers' latest states ([`PoolWatch`]) and the
//! configuration, and sends realServerStateChange / virtualServerQuorumStateChange with
//! `enable_traps`. It shares the session code with the VRRP process ([`super::agent`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use keepalived_agentx::Oid;
use keepalived_check::{CheckerTrap, PoolWatch, TrapSink};
use keepalived_conf::Config;

use super::agent::{SessionError, Source};
use super::checker_mib::{checker, checker_oid, Counters};
use super::keepalived_mib::{global, global_oid};
use super::mib::Mib;

/// What the agent thread and the checkers' loop share.
struct Shared {
    config: Mutex<Arc<Config>>,
    watch: PoolWatch,
    stopping: AtomicBool,
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
struct CheckerSource(Arc<Shared>);

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
        let mut m = Mib::default();
        global(
            &mut m,
            &config.global,
            &crate::snapshot::router_id(&config.global),
        );
        checker(&mut m, &config, &vss, &Counters::default());
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
    /// `None` otherwise.
    pub fn start(config: &Config) -> Option<CheckerSnmp> {
        if !config.global.enable_snmp_checker {
            return None;
        }
        let shared = Arc::new(Shared {
            config: Mutex::new(Arc::new(config.clone())),
            watch: PoolWatch::default(),
            stopping: AtomicBool::new(false),
        });
        let thread = super::start_agent(&config.global, Box::new(CheckerSource(shared.clone())));
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
