//! The checker core: virtual servers, real servers and checker states, with keepalived's
//! rules for bringing real servers in and out of IPVS (ipwrapper.c): retries, alpha mode,
//! inhibit_on_failure, dynamic weights, quorum with hysteresis, the sorry server, notify
//! scripts. Synchronous: IPVS calls go through [`Ipvs`], scripts to run are queued for the
//! driver ([`Pool::take_scripts`]), log lines go to the [`Logger`].

mod epilog;
mod rs_state;
mod state_copy;

use std::net::SocketAddr;

use keepalived_conf::model::{LbKind, Script};

use crate::ipvs::Service;
use crate::log::Logger;
use crate::settings::Timing;

pub use epilog::{HttpResult, MiscResult, Next, Report};

/// The largest weight IPVS takes.
pub const IPVS_WEIGHT_MAX: i64 = 65535;
/// keepalived's `IPVS_WEIGHT_FAULT`: a tracked file weight at or below it means failure.
pub const IPVS_WEIGHT_FAULT: i64 = -254;

/// keepalived's `real_weight()`: an effective weight clamped to what IPVS takes.
pub fn real_weight(w: i64) -> u32 {
    w.clamp(0, IPVS_WEIGHT_MAX) as u32
}

/// A real server (or a sorry server) as the core tracks it. `clone_from` reuses the
/// destination's strings and skips unchanged scripts (state_copy.rs).
#[derive(Debug)]
pub struct RealServerState {
    /// Address and port.
    pub addr: SocketAddr,
    /// keepalived's `FMT_RS`.
    pub name: String,
    /// The configured weight.
    pub iweight: i64,
    /// The weight after dynamic changes (MISC_CHECK misc_dynamic, FILE_CHECK).
    pub effective_weight: i64,
    /// In the pool as far as the checkers are concerned (`ISALIVE`).
    pub alive: bool,
    /// Configured in IPVS (possibly with weight 0 when inhibited).
    pub set: bool,
    /// `inhibit_on_failure`: weight 0 instead of removal.
    pub inhibit: bool,
    /// Checkers currently failed.
    pub num_failed: u32,
    /// Forwarding method.
    pub lb_kind: LbKind,
    /// `uthreshold`.
    pub u_threshold: u32,
    /// `lthreshold`.
    pub l_threshold: u32,
    /// `notify_up`.
    pub notify_up: Option<Script>,
    /// `notify_down`.
    pub notify_down: Option<Script>,
    /// `smtp_alert` resolved (else global `smtp_alert_checker`, else `smtp_alert`, else on:
    /// keepalived's default for real servers).
    pub smtp_alert: bool,
}

/// A checker's e-mail alert, for the checker child to send: a real server's (keepalived's
/// SMTP_MSG_RS) or a virtual server's quorum (SMTP_MSG_VS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckerAlert {
    /// The real server, as keepalived's FMT_RS (`[10.0.0.2]:tcp:80`); `None` for a virtual
    /// server's quorum mail.
    pub rs: Option<String>,
    /// The virtual server, as keepalived's FMT_VS.
    pub vs: String,
    /// The real server's state after the verdict, or whether the quorum is up (the
    /// subject's `UP`/`DOWN`).
    pub up: bool,
    /// The body line (`=> TCP CHECK failed on service <=`).
    pub body: String,
}

/// Checker verdicts and virtual servers' quorum states carried across a reload, by identity
/// (see [`Pool::memory`]).
pub type CheckerMemory = std::collections::HashMap<String, bool>;

/// A checker SNMP notification (keepalived's check_snmp_rs_trap / check_snmp_quorum_trap),
/// with the state it reports as it was when it was queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckerTrap {
    /// The virtual server: its index among the configuration's virtual servers
    /// ([`VirtualServerState::config_index`]).
    pub vs: usize,
    /// realServerStateChange: the real server's address and whether it is alive;
    /// `None`: virtualServerQuorumStateChange.
    pub rs: Option<(SocketAddr, bool)>,
    /// The quorum state: 1 up, 2 down, 3 the checkers are stopping.
    pub quorum_status: u8,
    /// The virtual server's quorum.
    pub quorum: i64,
    /// Its live real servers.
    pub real_up: u32,
    /// Its real servers.
    pub real_total: u32,
}

/// A virtual server as the core tracks it. `clone_from` copies without allocating when
/// only the run-time state changed (state_copy.rs).
#[derive(Debug)]
pub struct VirtualServerState {
    /// Its index among the configuration's virtual servers (those without real servers
    /// are not in the pool).
    pub config_index: usize,
    /// keepalived's `FMT_VS`.
    pub name: String,
    /// The IPVS services it stands for (several for a virtual_server_group).
    pub services: Vec<Service>,
    /// `quorum`.
    pub quorum: i64,
    /// `hysteresis`.
    pub hysteresis: i64,
    /// Whether the quorum is met.
    pub quorum_state_up: bool,
    /// `quorum_up`.
    pub quorum_up: Option<Script>,
    /// `quorum_down`.
    pub quorum_down: Option<Script>,
    /// `omega`: run down notifies on shutdown.
    pub omega: bool,
    /// `smtp_alert` resolved (else global `smtp_alert_checker`, else `smtp_alert`, else
    /// off): quorum mails.
    pub smtp_alert: bool,
    /// Its real servers.
    pub rs: Vec<RealServerState>,
    /// `sorry_server`.
    pub sorry: Option<RealServerState>,
}

/// What a checker is, for its epilog (keepalived has one per checker type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckerClass {
    /// TCP_CHECK.
    Tcp,
    /// UDP_CHECK.
    Udp,
    /// PING_CHECK.
    Ping,
    /// SMTP_CHECK.
    Smtp,
    /// DNS_CHECK.
    Dns,
    /// HTTP_GET / SSL_GET with the number of urls and fast_recovery.
    Http {
        /// How many urls.
        urls: usize,
        /// `fast_recovery`.
        fast_recovery: bool,
    },
    /// MISC_CHECK with misc_dynamic and the script path.
    Misc {
        /// `misc_dynamic`.
        dynamic: bool,
        /// The script (`args[0]` in keepalived's messages).
        path: String,
    },
    /// BFD_CHECK following the `bfd_instance` of this name.
    Bfd {
        /// The bfd_instance.
        name: String,
    },
    /// FILE_CHECK with its weight multiplier (weight * (reverse ? -1 : 1)).
    File {
        /// The FILE_CHECK weight (the track_file's when not given).
        weight: i64,
        /// `reverse`.
        reverse: bool,
    },
}

/// One checker's state.
#[derive(Debug, Clone)]
pub struct CheckerState {
    /// Index of its virtual server.
    pub vs: usize,
    /// Index of its real server.
    pub rs: usize,
    /// Its type.
    pub class: CheckerClass,
    /// Its timing.
    pub timing: Timing,
    /// Whether it currently sees the service up.
    pub is_up: bool,
    /// Whether it has completed a check.
    pub has_run: bool,
    /// Retries done.
    pub retry_it: u32,
    /// HTTP: the url being checked.
    pub url_it: usize,
    /// HTTP: the url that failed, if any.
    pub failed_url: Option<usize>,
    /// MISC: the last exit status acted on.
    pub last_exit: Option<u32>,
    /// FILE: the tracked file's last value read (keepalived's track file `Status`).
    pub file_value: i64,
    /// Whether it runs (false while `ha_suspend` suspends it).
    pub enabled: bool,
    /// FILE: the weight it adds to its real server.
    pub cur_weight: i64,
    /// Its index among its real server's configured checkers (several checkers share one
    /// for SMTP_CHECK's `host` blocks).
    pub source: usize,
    /// Where it connects, as its probe does (`None` for MISC, FILE and BFD checks).
    pub conn: Option<crate::settings::ConnSpec>,
    /// When its last attempt started (the driver sets it; MISC_CHECK's `Last ran`).
    pub last_ran: Option<std::time::SystemTime>,
}

impl CheckerState {
    /// A checker of real server `rs` of virtual server `vs`.
    pub fn new(vs: usize, rs: usize, class: CheckerClass, timing: Timing) -> CheckerState {
        CheckerState {
            vs,
            rs,
            class,
            timing,
            is_up: true,
            has_run: false,
            retry_it: 0,
            url_it: 0,
            failed_url: None,
            last_exit: None,
            file_value: 0,
            enabled: true,
            cur_weight: 0,
            source: 0,
            conn: None,
            last_ran: None,
        }
    }
}

/// All virtual servers, real servers and checkers.
#[derive(Debug)]
pub struct Pool {
    /// The virtual servers.
    pub vss: Vec<VirtualServerState>,
    /// The checkers.
    pub checkers: Vec<CheckerState>,
    /// global_defs `rs_init_notifies`.
    pub rs_init_notifies: bool,
    /// global_defs `no_checker_emails`: mail only when the real server's state changes.
    pub no_checker_emails: bool,
    alerts: Vec<CheckerAlert>,
    fifo_lines: Vec<String>,
    traps: Vec<CheckerTrap>,
    log: Logger,
    scripts: Vec<Script>,
}

impl Pool {
    /// A pool of `vss` checked by `checkers`, logging to `log`.
    pub fn new(vss: Vec<VirtualServerState>, checkers: Vec<CheckerState>, log: Logger) -> Pool {
        Pool {
            vss,
            checkers,
            rs_init_notifies: false,
            no_checker_emails: false,
            alerts: Vec::new(),
            fifo_lines: Vec::new(),
            traps: Vec::new(),
            log,
            scripts: Vec::new(),
        }
    }

    /// The scripts to run now (notify_up/down, quorum_up/down), oldest first.
    pub fn take_scripts(&mut self) -> Vec<Script> {
        std::mem::take(&mut self.scripts)
    }

    /// The e-mail alerts to send now, oldest first.
    pub fn take_alerts(&mut self) -> Vec<CheckerAlert> {
        std::mem::take(&mut self.alerts)
    }

    /// The `notify_fifo`/`lvs_notify_fifo` lines to write now (keepalived's ipwrapper.c
    /// notify_fifo_rs/notify_fifo_vs: `RS [rs] [vs] UP`, `VS [vs] DOWN`), oldest first.
    pub fn take_fifo_lines(&mut self) -> Vec<String> {
        std::mem::take(&mut self.fifo_lines)
    }

    /// The SNMP notifications to send now, oldest first.
    pub fn take_traps(&mut self) -> Vec<CheckerTrap> {
        std::mem::take(&mut self.traps)
    }

    /// Queues the SNMP notification of real server `rs` (or, `None`, of the quorum) of
    /// virtual server `vs`, as things stand now.
    fn trap(&mut self, vs: usize, rs: Option<usize>, stopping: bool) {
        let Some(v) = self.vss.get(vs) else {
            return;
        };
        let trap = CheckerTrap {
            vs: v.config_index,
            rs: rs.and_then(|i| v.rs.get(i)).map(|r| (r.addr, r.alive)),
            quorum_status: if stopping {
                3
            } else if v.quorum_state_up {
                1
            } else {
                2
            },
            quorum: v.quorum,
            real_up: v.rs.iter().filter(|r| r.alive).count() as u32,
            real_total: v.rs.len() as u32,
        };
        self.traps.push(trap);
    }

    /// The real server `rs` of virtual server `vs`.
    pub fn real_server(&self, vs: usize, rs: usize) -> Option<&RealServerState> {
        self.vss.get(vs).and_then(|v| v.rs.get(rs))
    }

    fn info(&self, line: String) {
        self.log.info(line);
    }

    fn queue(&mut self, script: &Option<Script>) {
        if let Some(s) = script {
            self.scripts.push(s.clone());
        }
    }
}

#[cfg(test)]
mod tests;
