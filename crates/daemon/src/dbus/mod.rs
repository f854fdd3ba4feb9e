//! DBus (`enable_dbus`): keepalived 2.2.7's `org.keepalived.Vrrp1` service on the system bus
//! (`DBUS_SYSTEM_BUS_ADDRESS` names another bus, as for keepalived's GDBus): the object
//! `/org/keepalived/Vrrp1/Vrrp` (PrintData, PrintStats, PrintStatsClear, ReloadConfig;
//! VrrpStarted, VrrpReloaded, VrrpStopped) and one `…/Instance/<if>/<vrid>/<IPv4|IPv6>` per
//! instance (SendGarp; properties Name and State; VrrpStatusChange). Debian's keepalived is
//! built without `--enable-dbus-create-instance`, so CreateInstance/DestroyInstance do not
//! exist here either.
//!
//! The service runs on its own thread and runtime ([`service`]). The loop answers its
//! requests in a `select!` arm ([`Hub::requests`], answered by `Daemon::dbus_answer`) and
//! queues signals with `try_send` ([`status_change`]): a slow bus delays no VRRP event.

mod answer;
mod path;
mod service;

use std::sync::Mutex;

use keepalived_conf::model::GlobalDefs;
use tokio::sync::{mpsc, oneshot};

use crate::log;
pub(crate) use path::Key;
use path::Paths;

/// Signals and object changes waiting for the DBus thread; more are dropped (and logged).
const QUEUE: usize = 256;

/// What the DBus thread asks the loop.
#[derive(Debug)]
pub(crate) enum Ask {
    /// Write /tmp/keepalived.data.
    PrintData,
    /// Write /tmp/keepalived.stats.
    PrintStats,
    /// Write /tmp/keepalived.stats, then clear the counters.
    PrintStatsClear,
    /// Send one gratuitous ARP / NA round for this instance.
    SendGarp(Key),
    /// The name and state of this instance.
    Get(Key),
}

/// The loop's answer.
#[derive(Debug)]
pub(crate) enum Answer {
    /// Done.
    Done,
    /// No instance has this key.
    NotFound,
    /// The instance's name and keepalived's state number.
    Instance {
        /// `vrrp_instance` name.
        name: String,
        /// keepalived's state number (path::state_number).
        state: u32,
    },
}

/// A question and where its answer goes.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) ask: Ask,
    pub(crate) reply: oneshot::Sender<Answer>,
}

/// An instance that has an object.
#[derive(Debug, Clone)]
pub(crate) struct Object {
    pub(crate) name: String,
    pub(crate) key: Key,
    pub(crate) state: u32,
}

/// What the loop tells the DBus thread.
#[derive(Debug)]
pub(crate) enum Event {
    /// An instance notified a state: VrrpStatusChange.
    Status { key: Key, state: u32 },
    /// A reload: these instances now exist (objects added and removed), then VrrpReloaded.
    Reloaded(Vec<Object>),
    /// The loop stops: VrrpStopped, leave the bus.
    Stop,
}

fn sink() -> &'static Mutex<Option<mpsc::Sender<Event>>> {
    static SINK: Mutex<Option<mpsc::Sender<Event>>> = Mutex::new(None);
    &SINK
}

fn queue(ev: Event) {
    let guard = sink().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(tx) = guard.as_ref() {
        if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(ev) {
            log::info("DBus signal queue full: signal dropped");
        }
    }
}

/// An instance notified `state` (keepalived's state number): VrrpStatusChange.
pub(crate) fn status_change(key: Key, state: u32) {
    queue(Event::Status { key, state });
}

pub(crate) use path::STATE_DELETED;

/// keepalived's state number for a notified state.
pub(crate) fn notify_number(s: keepalived_vrrp::machine::NotifyState) -> u32 {
    use keepalived_vrrp::machine::{NotifyState, State};
    path::state_number(match s {
        NotifyState::Master => State::Master,
        NotifyState::Backup => State::Backup,
        NotifyState::Fault => State::Fault,
        NotifyState::Stop => State::Stop,
    })
}

/// The loop's side: requests from the DBus thread (never ready while DBus is off).
pub(crate) struct Hub {
    pub(crate) requests: mpsc::Receiver<Request>,
    tx: mpsc::Sender<Request>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Default for Hub {
    fn default() -> Self {
        let (tx, requests) = mpsc::channel(8);
        Hub {
            requests,
            tx,
            thread: None,
        }
    }
}

impl Hub {
    /// With `enable_dbus`: starts the DBus thread serving `objects`.
    pub(crate) fn start(&mut self, g: &GlobalDefs, objects: Vec<Object>) {
        if !g.enable_dbus || self.thread.is_some() {
            return;
        }
        let (etx, erx) = mpsc::channel(QUEUE);
        *sink().lock().unwrap_or_else(|e| e.into_inner()) = Some(etx);
        let service = g
            .dbus_service_name
            .clone()
            .unwrap_or_else(|| path::SERVICE_NAME.to_owned());
        let paths = Paths::new(g.net_namespace.as_deref(), g.instance.as_deref());
        let tx = self.tx.clone();
        let spawned = std::thread::Builder::new()
            .name("dbus".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(service::run(service, paths, objects, tx, erx)),
                    Err(e) => log::info(format!("Failed to initialise DBus: {e}")),
                }
            });
        match spawned {
            Ok(t) => self.thread = Some(t),
            Err(e) => log::info(format!("Failed to initialise DBus: {e}")),
        }
    }

    /// A reload: `objects` now exist. keepalived starts DBus when a reload turns
    /// `enable_dbus` on and stops it when it turns it off.
    pub(crate) fn reload(&mut self, g: &GlobalDefs, objects: Vec<Object>) {
        match (g.enable_dbus, self.thread.is_some()) {
            (true, true) => queue(Event::Reloaded(objects)),
            (true, false) => self.start(g, objects),
            (false, true) => self.stop(),
            (false, false) => {}
        }
    }

    /// The loop is stopping: the queued signals go out, then VrrpStopped, and the thread
    /// leaves the bus (waited for at most a second, as keepalived's dbus_stop).
    pub(crate) fn stop(&mut self) {
        queue(Event::Stop);
        *sink().lock().unwrap_or_else(|e| e.into_inner()) = None;
        if let Some(t) = self.thread.take() {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
            while !t.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            if !t.is_finished() {
                log::info("DBus thread termination timed out");
            }
        }
    }
}
