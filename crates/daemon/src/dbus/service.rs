//! The DBus side, on its own thread and runtime: the `org.keepalived.Vrrp1.Vrrp` object and
//! one `org.keepalived.Vrrp1.Instance` object per instance (keepalived's introspection XML,
//! keepalived/dbus/), answered by asking the VRRP loop ([`Request`]) and never by touching
//! its state.

use std::collections::BTreeMap;

use tokio::sync::{mpsc, oneshot};
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{Signature, Type, Value};
use zbus::{fdo, interface, Connection};

use super::path::{state_word, Key, Paths};
use super::{Answer, Ask, Event, Object, Request};
use crate::log;

/// Asks the loop and waits for its answer (`None`: the loop is gone).
async fn ask(tx: &mpsc::Sender<Request>, ask: Ask) -> Option<Answer> {
    let (reply, rx) = oneshot::channel();
    tx.send(Request { ask, reply }).await.ok()?;
    rx.await.ok()
}

/// The VRRP object: dumps and reload.
struct Vrrp {
    tx: mpsc::Sender<Request>,
}

#[interface(name = "org.keepalived.Vrrp1.Vrrp")]
impl Vrrp {
    /// Writes /tmp/keepalived.data (as SIGUSR1).
    async fn print_data(&self) {
        ask(&self.tx, Ask::PrintData).await;
    }

    /// Writes /tmp/keepalived.stats (as SIGUSR2).
    async fn print_stats(&self) {
        ask(&self.tx, Ask::PrintStats).await;
    }

    /// Writes /tmp/keepalived.stats, then clears the counters.
    async fn print_stats_clear(&self) {
        ask(&self.tx, Ask::PrintStatsClear).await;
    }

    /// Reloads the configuration: keepalived answers, then sends SIGHUP to its parent (which
    /// reloads every child). A VRRP process run without the parent reloads itself.
    async fn reload_config(&self) {
        let target = if std::env::var_os("KEEPALIVED_RS_CHILD").is_some() {
            nix::unistd::getppid()
        } else {
            nix::unistd::getpid()
        };
        // After the answer has gone out, as keepalived.
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            let _ = nix::sys::signal::kill(target, nix::sys::signal::Signal::SIGHUP);
        });
    }

    /// Emitted once the objects are on the bus.
    #[zbus(signal)]
    async fn vrrp_started(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    /// Emitted after a reload.
    #[zbus(signal)]
    async fn vrrp_reloaded(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    /// Emitted when the VRRP process stops, before it leaves the bus.
    #[zbus(signal)]
    async fn vrrp_stopped(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

/// keepalived's `Name` value: its introspection declares `s`, but it answers the tuple
/// `(s)` (g_variant_new("(s)", iname)); `busctl get-property` prints `(s) "VI_1"` for it.
/// Clients written against keepalived read that, so ours answers the same.
struct TupleName(String);

impl Type for TupleName {
    const SIGNATURE: &'static Signature = &Signature::Str;
}

impl From<TupleName> for Value<'static> {
    fn from(n: TupleName) -> Self {
        Value::from((n.0,))
    }
}

/// One instance's object.
struct Instance {
    key: Key,
    tx: mpsc::Sender<Request>,
}

impl Instance {
    fn not_found(&self) -> fdo::Error {
        fdo::Error::InvalidArgs(format!("Instance '{}' not found", self.key.describe()))
    }

    async fn get(&self) -> fdo::Result<(String, u32)> {
        match ask(&self.tx, Ask::Get(self.key.clone())).await {
            Some(Answer::Instance { name, state }) => Ok((name, state)),
            _ => Err(self.not_found()),
        }
    }
}

#[interface(name = "org.keepalived.Vrrp1.Instance")]
impl Instance {
    /// One gratuitous ARP / NA round for the instance's VIPs, if it holds them.
    async fn send_garp(&self) -> fdo::Result<()> {
        match ask(&self.tx, Ask::SendGarp(self.key.clone())).await {
            Some(Answer::Done) => Ok(()),
            _ => Err(self.not_found()),
        }
    }

    /// Emitted on every state the instance notifies.
    #[zbus(signal)]
    async fn vrrp_status_change(emitter: &SignalEmitter<'_>, status: u32) -> zbus::Result<()>;

    /// The instance's name.
    #[zbus(property)]
    async fn name(&self) -> fdo::Result<TupleName> {
        self.get().await.map(|(name, _)| TupleName(name))
    }

    /// The state: keepalived's number and word, `(2, "Master")`.
    #[zbus(property)]
    async fn state(&self) -> fdo::Result<(u32, String)> {
        self.get()
            .await
            .map(|(_, state)| (state, state_word(state).to_owned()))
    }
}

/// Runs the service until the loop sends [`Event::Stop`] (or goes away).
pub(crate) async fn run(
    service: String,
    paths: Paths,
    objects: Vec<Object>,
    tx: mpsc::Sender<Request>,
    mut events: mpsc::Receiver<Event>,
) {
    let conn = match connect(&paths, &tx).await {
        Ok(c) => c,
        Err(e) => {
            log::info(format!("Failed to initialise DBus: {e}"));
            return;
        }
    };
    log::info(format!("Acquired DBus bus {service}"));
    let mut registered = BTreeMap::new();
    sync_objects(&conn, &paths, &tx, &mut registered, objects).await;
    match conn.request_name(service.as_str()).await {
        Ok(_) => log::info(format!("Acquired the name {service} on the session bus")),
        Err(e) => log::info(format!("Lost the name {service} on the session bus ({e})")),
    }
    let vrrp_path = paths.vrrp();
    emit(&conn, &vrrp_path, |e| async move {
        Vrrp::vrrp_started(&e).await
    })
    .await;
    // An instance still in INIT announces its first state itself, as soon as it enters it
    // (keepalived's instances have all left INIT when its bus comes up).
    for (path, state) in registered.clone().into_iter().filter(|(_, s)| *s != 0) {
        emit(&conn, &path, |e| async move {
            Instance::vrrp_status_change(&e, state).await
        })
        .await;
    }
    while let Some(ev) = events.recv().await {
        match ev {
            Event::Status { key, state } => {
                let path = paths.instance(&key);
                if let Some(s) = registered.get_mut(&path) {
                    *s = state;
                }
                emit(&conn, &path, |e| async move {
                    Instance::vrrp_status_change(&e, state).await
                })
                .await;
            }
            Event::Reloaded(objects) => {
                sync_objects(&conn, &paths, &tx, &mut registered, objects).await;
                emit(&conn, &vrrp_path, |e| async move {
                    Vrrp::vrrp_reloaded(&e).await
                })
                .await;
            }
            Event::Stop => break,
        }
    }
    for path in registered.keys() {
        let _ = conn
            .object_server()
            .remove::<Instance, _>(path.as_str())
            .await;
    }
    emit(&conn, &vrrp_path, |e| async move {
        Vrrp::vrrp_stopped(&e).await
    })
    .await;
    let _ = conn.release_name(service.as_str()).await;
    log::info("Released DBus");
}

async fn connect(paths: &Paths, tx: &mpsc::Sender<Request>) -> zbus::Result<Connection> {
    zbus::connection::Builder::system()?
        .serve_at(paths.vrrp(), Vrrp { tx: tx.clone() })?
        .build()
        .await
}

/// Registers the objects of instances that have none, removes those of instances gone
/// (keepalived's dbus_create_object / dbus_remove_object / dbus_reload).
async fn sync_objects(
    conn: &Connection,
    paths: &Paths,
    tx: &mpsc::Sender<Request>,
    registered: &mut BTreeMap<String, u32>,
    objects: Vec<Object>,
) {
    let wanted: BTreeMap<String, Object> = objects
        .into_iter()
        .map(|o| (paths.instance(&o.key), o))
        .collect();
    let gone: Vec<String> = registered
        .keys()
        .filter(|p| !wanted.contains_key(*p))
        .cloned()
        .collect();
    for path in gone {
        registered.remove(&path);
        let _ = conn
            .object_server()
            .remove::<Instance, _>(path.as_str())
            .await;
    }
    for (path, o) in wanted {
        if registered.contains_key(&path) {
            continue;
        }
        let iface = Instance {
            key: o.key,
            tx: tx.clone(),
        };
        match conn.object_server().at(path.as_str(), iface).await {
            Ok(_) => {
                registered.insert(path, o.state);
            }
            Err(e) => log::info(format!(
                "Registering DBus object on {path} failed: {e} ({})",
                o.name
            )),
        }
    }
}

/// Emits a signal from `path`, logging a failure as keepalived does.
async fn emit<F, Fut>(conn: &Connection, path: &str, send: F)
where
    F: FnOnce(SignalEmitter<'static>) -> Fut,
    Fut: std::future::Future<Output = zbus::Result<()>>,
{
    let emitter = match SignalEmitter::new(conn, path.to_owned()) {
        Ok(e) => e.into_owned(),
        Err(e) => {
            log::info(format!("Emitting DBus signal on {path} failed: {e}"));
            return;
        }
    };
    if let Err(e) = send(emitter).await {
        log::info(format!("Emitting DBus signal on {path} failed: {e}"));
    }
}
