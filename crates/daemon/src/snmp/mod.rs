//! SNMP: an AgentX (RFC 2741) subagent of net-snmp's `snmpd`, serving what keepalived
//! 2.2.7's VRRP process serves: KEEPALIVED-MIB's global (`.1`) and VRRP (`.2`) groups
//! (`enable_snmp_vrrp`), VRRP-MIB (RFC 2787, `enable_snmp_rfcv2`) and VRRPv3-MIB (RFC 6527,
//! `enable_snmp_rfcv3`), and their notifications on transitions (`enable_traps`). `-x`
//! enables all of them, `-A`/`snmp_socket` names the master's socket.
//!
//! The session runs on its own thread ([`agent`]). The event loop only answers view
//! requests in its `select!` ([`Hub`]) and queues notifications with `try_send`
//! ([`notify_instance`], [`notify_group`]): a slow or absent master delays no VRRP event.
//! The codec is crates/agentx; docs/snmp.md lists what is served and what is not.

mod agent;
mod answer;
mod checker;
pub use checker::CheckerSnmp;
mod checker_mib;
mod checker_set;
mod checker_trap;
mod keepalived_mib;
mod mib;
mod process_bfd;
mod rfc;
mod routes;
mod rules;
mod trap;
mod view;
mod vrrp_set;
mod vrrp_source;

use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Mutex;
use std::time::SystemTime;

use keepalived_agentx::VarBind;
use keepalived_conf::model::GlobalDefs;
use keepalived_vrrp::machine::NotifyState;
use tokio::sync::mpsc;

pub(crate) use trap::InstanceEvent;
pub(crate) use vrrp_source::Request;

use crate::log;

/// Notifications waiting for the agent thread; more are dropped.
const QUEUE: usize = 256;

/// Where the loop queues notifications, and which ones the configuration wants (one per
/// process: the VRRP process's or the checker process's).
struct Sink {
    tx: SyncSender<Vec<VarBind>>,
    traps: bool,
    vrrp: bool,
    rfcv2: bool,
    rfcv3: bool,
    checker: bool,
}

fn sink() -> &'static Mutex<Option<Sink>> {
    static SINK: Mutex<Option<Sink>> = Mutex::new(None);
    &SINK
}

fn queue(varbinds: Vec<VarBind>) {
    let guard = sink().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = guard.as_ref() {
        if let Err(TrySendError::Full(_)) = s.tx.try_send(varbinds) {
            log::info("SNMP notification queue full: notification dropped");
        }
    }
}

fn wants(f: impl Fn(&Sink) -> bool) -> bool {
    let guard = sink().lock().unwrap_or_else(|e| e.into_inner());
    guard.as_ref().is_some_and(|s| s.traps && f(s))
}

/// keepalived's trap state for a notify state.
fn trap_state(s: NotifyState) -> i32 {
    match s {
        NotifyState::Backup => 1,
        NotifyState::Master => 2,
        NotifyState::Fault => 3,
        NotifyState::Stop => 5,
    }
}

/// An instance notified `state`: vrrpInstanceStateChange, and on MASTER the RFC
/// new-master notifications (keepalived's send_instance_notifies).
pub(crate) fn notify_instance(e: &InstanceEvent, state: NotifyState) {
    notify_instance_as(e, trap_state(state), state == NotifyState::Master);
}

/// An instance removed by a reload: keepalived's DELETED (6) when `notify_deleted` is set,
/// else FAULT (3).
pub(crate) fn notify_instance_deleted(e: &InstanceEvent, notify_deleted: bool) {
    notify_instance_as(e, if notify_deleted { 6 } else { 3 }, false);
}

fn notify_instance_as(e: &InstanceEvent, state: i32, master: bool) {
    let mut e = e.clone();
    e.state = state;
    if wants(|s| s.vrrp) {
        log::info(format!("({}) Sending SNMP notification", e.name));
        queue(trap::instance_state_change(&e));
    }
    if master {
        if wants(|s| s.rfcv2) {
            if let Some(v) = trap::rfc2787_new_master(&e) {
                queue(v);
            }
        }
        if wants(|s| s.rfcv3) {
            if let Some(v) = trap::rfc6527_new_master(&e) {
                log::info(format!(
                    "({}) Sending SNMP notification vrrpv3NotifyNewMaster, reason {}",
                    e.name, e.master_reason
                ));
                queue(v);
            }
        }
    }
}

/// An advert failed a check RFC 6527 names: vrrpv3ProtoError. The instance's `event` is
/// built only when the notification is wanted (this runs for every bad advert).
pub(crate) fn notify_proto_error(event: impl FnOnce() -> InstanceEvent, reason: u8) {
    if wants(|s| s.rfcv3) {
        if let Some(v) = trap::rfc6527_proto_error(&event(), reason) {
            queue(v);
        }
    }
}

/// An advert failed an authentication check: vrrpTrapAuthFailure (`event` as above).
pub(crate) fn notify_auth_failure(
    event: impl FnOnce() -> InstanceEvent,
    src: std::net::IpAddr,
    kind: u8,
) {
    if wants(|s| s.rfcv2) {
        if let Some(v) = trap::rfc2787_auth_failure(&event(), src, kind) {
            queue(v);
        }
    }
}

/// A sync group notified `state`: vrrpSyncGroupStateChange.
pub(crate) fn notify_group(name: &str, state: NotifyState, router_id: &str) {
    if wants(|s| s.vrrp) {
        log::info(format!("VRRP_Group({name}): Sending SNMP notification"));
        queue(trap::group_state_change(name, trap_state(state), router_id));
    }
}

/// The event loop's side: view requests and Sets from the agent thread (never ready when no agent
/// runs) and when the process started.
pub(crate) struct Hub {
    pub(crate) requests: mpsc::Receiver<Request>,
    tx: mpsc::Sender<Request>,
    pub(crate) started: SystemTime,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Default for Hub {
    fn default() -> Self {
        let (tx, requests) = mpsc::channel(4);
        Hub {
            requests,
            tx,
            started: SystemTime::now(),
            thread: None,
        }
    }
}

/// Whether the configuration (or `-x`) wants the VRRP process to be a subagent.
pub(crate) fn wanted(g: &GlobalDefs) -> bool {
    g.enable_snmp_vrrp || g.enable_snmp_rfcv2 || g.enable_snmp_rfcv3
}

/// Installs this process's notification sink and starts its agent thread on `source`.
fn start_agent(
    g: &GlobalDefs,
    source: Box<dyn agent::Source>,
) -> Option<std::thread::JoinHandle<()>> {
    log::info("Starting SNMP subagent");
    let (ntx, nrx) = sync_channel(QUEUE);
    *sink().lock().unwrap_or_else(|e| e.into_inner()) = Some(Sink {
        tx: ntx,
        traps: g.enable_traps,
        vrrp: g.enable_snmp_vrrp,
        rfcv2: g.enable_snmp_rfcv2,
        rfcv3: g.enable_snmp_rfcv3,
        checker: g.enable_snmp_checker,
    });
    let agent = agent::Agent {
        socket: g
            .snmp_socket
            .clone()
            .unwrap_or_else(|| "unix:/var/agentx/master".to_owned()),
        source,
        notifications: nrx,
    };
    match std::thread::Builder::new()
        .name("snmp".into())
        .spawn(move || agent.run())
    {
        Ok(t) => Some(t),
        Err(e) => {
            log::info(format!("Unable to start the SNMP subagent: {e}"));
            None
        }
    }
}

/// This process's sink follows a reloaded configuration.
fn reload_sink(g: &GlobalDefs) {
    let mut guard = sink().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = guard.as_mut() {
        s.traps = g.enable_traps;
        s.vrrp = g.enable_snmp_vrrp;
        s.rfcv2 = g.enable_snmp_rfcv2;
        s.rfcv3 = g.enable_snmp_rfcv3;
        s.checker = g.enable_snmp_checker;
    }
}

/// No more notifications; waits (at most a second) for the agent thread to send the queued
/// ones and close the session once its source reports the process stopping.
fn stop_agent(thread: Option<std::thread::JoinHandle<()>>) {
    *sink().lock().unwrap_or_else(|e| e.into_inner()) = None;
    if let Some(t) = thread {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        while !t.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

impl Hub {
    /// Starts the subagent thread when the configuration asks for it. The VRRP process
    /// serves KEEPALIVED-MIB's global group with `enable_snmp_vrrp`, unless the checker
    /// process runs with `enable_snmp_checker` (it serves it then), as keepalived's
    /// vrrp_handles_global_oid.
    pub(crate) fn start(&mut self, g: &GlobalDefs, checker_running: bool) {
        if !wanted(g) {
            return;
        }
        let source = vrrp_source::VrrpSource {
            serves: vrrp_source::Serves {
                global: g.enable_snmp_vrrp && !(checker_running && g.enable_snmp_checker),
                vrrp: g.enable_snmp_vrrp,
                rfcv2: g.enable_snmp_rfcv2,
                rfcv3: g.enable_snmp_rfcv3,
            },
            requests: self.tx.clone(),
        };
        self.thread = start_agent(g, Box::new(source));
    }

    /// A reload: which notifications are sent follows the new configuration (keepalived
    /// reads `enable_traps` and `enable_snmp_*` when it sends one); the registered MIBs and
    /// the socket stay those of the start, as keepalived's.
    pub(crate) fn reload(&mut self, g: &GlobalDefs) {
        reload_sink(g);
    }

    /// The loop is stopping: no more notifications; the agent thread sends the queued ones,
    /// closes the session and ends (waited for at most a second).
    pub(crate) fn stop(&mut self) {
        self.requests.close();
        stop_agent(self.thread.take());
    }
}
