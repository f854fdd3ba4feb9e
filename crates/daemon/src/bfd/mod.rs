//! The BFD child's loop: the configured `bfd_instance`s as `keepalived_bfd` sessions on one
//! current-thread tokio runtime, one listening socket (UDP 3784, TTL checked), one sending
//! socket per session, one precise timer (a timerfd: 10 ms intervals are not rounded to
//! tokio's millisecond wheel).

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keepalived_bfd::wire::{PORT_MULTIHOP, PORT_SINGLE_HOP, SOURCE_PORT_MAX, SOURCE_PORT_MIN};
use keepalived_bfd::{Event, RxMeta, Session, SessionConfig, SessionSet, State};
use keepalived_conf::model::{BfdInstance, Config};
use keepalived_net::bfd_socket::{BfdListener, BfdSender};

mod dump;
pub mod event;

pub use dump::{render_bfd_data, DumpEntry};
pub use event::{EventPipes, EventReader, PipeEvent};

use crate::log;
use crate::precise_timer::PreciseTimer;

/// Why the BFD loop could not run.
#[derive(Debug, thiserror::Error)]
pub enum BfdError {
    /// The runtime or the timer could not be created.
    #[error("BFD runtime: {0}")]
    Runtime(#[from] std::io::Error),
    /// The listening socket could not be opened (keepalived exits then: "Unable to open
    /// listening socket").
    #[error("Unable to open listening socket: {0}")]
    Listen(#[from] keepalived_net::NetError),
}

/// What the loop publishes about one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStatus {
    /// The instance name.
    pub name: String,
    /// bfd.SessionState.
    pub state: State,
    /// bfd.RemoteSessionState.
    pub remote_state: State,
    /// Detection time.
    pub detection_time: Duration,
    /// Negotiated transmit interval.
    pub tx_interval: Duration,
    /// Packets sent.
    pub tx_packets: u64,
    /// Valid packets received.
    pub rx_packets: u64,
    /// The last `Notify` (what keepalived sends to the VRRP and checker children).
    pub up: bool,
}

/// Shared view of the sessions, refreshed after every pass of the loop.
pub type BfdStatus = Arc<Mutex<Vec<SessionStatus>>>;

/// keepalived's `bfd_event_t`: what the BFD child writes to the VRRP and checker children's
/// pipes (the instance name and Up or Down), with the instance's `vrrp`/`checker` routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BfdNotify {
    /// The `bfd_instance` name.
    pub name: String,
    /// Up, or Down for any other state.
    pub up: bool,
    /// The VRRP child is told (`vrrp`, or neither keyword).
    pub vrrp: bool,
    /// The checker child is told (`checker`, or neither keyword).
    pub checker: bool,
    /// A Down found by the detection timer: how long the neighbour had been silent.
    pub silent_for: Option<Duration>,
}

/// How [`run_bfd_until`] runs.
#[derive(Debug, Clone)]
pub struct BfdOptions {
    /// Refreshed after every pass, when given.
    pub status: Option<BfdStatus>,
    /// Where SIGUSR1 writes the dump (keepalived: $TMPDIR, default /tmp, /keepalived_bfd.data).
    pub data_path: std::path::PathBuf,
    /// Receives every notification (at start, on Up, on a fall from Up), when given.
    pub events: Option<tokio::sync::mpsc::UnboundedSender<BfdNotify>>,
    /// The pipes to the VRRP and checker children (the BFD child's), written with every
    /// notification.
    pub pipes: Option<Arc<EventPipes>>,
}

impl Default for BfdOptions {
    fn default() -> Self {
        BfdOptions {
            status: None,
            data_path: std::path::Path::new(&crate::dump::tmp_dir()).join("keepalived_bfd.data"),
            events: None,
            pipes: None,
        }
    }
}

/// A `bfd_instance` as a session configuration.
pub fn session_config(b: &BfdInstance) -> SessionConfig {
    let mut c = SessionConfig::new(b.name.clone(), b.neighbor);
    c.local = b.source;
    c.min_rx = b.min_rx;
    c.min_tx = b.min_tx;
    c.idle_tx = b.idle_tx;
    c.multiplier = b.multiplier;
    c.passive = b.passive;
    c.multihop = b.multihop;
    c.ttl = b.effective_ttl();
    // max_hops -1 is read into keepalived's uint8_t as 255: no check.
    c.max_hops = u8::try_from(b.max_hops).unwrap_or(u8::MAX);
    c
}

/// A random 64-bit seed from the standard library's per-process random keys.
fn seed() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// Runs the configured BFD sessions until `stop` completes; SIGUSR1 writes the dump.
pub fn run_bfd_until<F: Future<Output = ()>>(
    config: &Config,
    stop: F,
    opts: BfdOptions,
) -> Result<(), BfdError> {
    run_bfd_child(config, None, stop, opts)
}

/// Reads the configuration again for a SIGHUP reload (`Err` keeps the running one).
pub type BfdReloader<'a> = &'a dyn Fn() -> Result<Config, Vec<String>>;

/// The BFD child: [`run_bfd_until`], and with `reload` SIGHUP re-reads the configuration:
/// sessions kept by name keep their state (a Poll Sequence when min_rx/min_tx changed),
/// removed ones stop, added ones start (keepalived's `reload_bfd_thread`).
pub fn run_bfd_child<F: Future<Output = ()>>(
    config: &Config,
    reload: Option<BfdReloader<'_>>,
    stop: F,
    opts: BfdOptions,
) -> Result<(), BfdError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(config.clone(), reload, stop, opts))
}

/// Builds the session set for `config`, taking over `old` sessions (and their sockets) by
/// name.
fn build_sessions(
    config: &Config,
    old: Option<(SessionSet, Vec<Link>)>,
    base: u64,
) -> (SessionSet, Vec<Link>) {
    let now = Instant::now();
    let (mut old_set, mut old_links) = old.unwrap_or_default();
    let mut set = SessionSet::new();
    let mut links: Vec<Link> = Vec::new();
    for (i, b) in config.bfd.iter().enumerate() {
        let cfg = session_config(b);
        let kept = old_set.index_of(&b.name).map(|k| {
            let link = old_links.remove(k);
            let s = old_set.remove(&b.name);
            (s, link)
        });
        match kept {
            Some((Some(mut s), link))
                if s.config().peer == cfg.peer
                    && s.config().local == cfg.local
                    && s.config().ttl == cfg.ttl
                    && s.config().multihop == cfg.multihop =>
            {
                s.reconfigure(cfg, now);
                set.push(s);
                links.push(link);
            }
            _ => {
                let port = SOURCE_PORT_MIN + (base.rotate_left(i as u32 * 7) % 16384) as u16;
                let sender = open_sender(&cfg, port);
                let seed = base ^ (i as u64).wrapping_mul(0x9e37_79b9);
                let mut s = Session::new(cfg, now, seed);
                if sender.is_none() {
                    s.admin_down(now);
                }
                set.push(s);
                links.push(Link {
                    sender,
                    up: false,
                    send_error: false,
                });
            }
        }
    }
    (set, links)
}

async fn run<F: Future<Output = ()>>(
    mut config: Config,
    reload: Option<BfdReloader<'_>>,
    stop: F,
    opts: BfdOptions,
) -> Result<(), BfdError> {
    use tokio::signal::unix::{signal, SignalKind};
    let status = opts.status.clone();
    let mut usr1 = signal(SignalKind::user_defined1())?;
    let mut hup = match reload {
        Some(_) => Some(signal(SignalKind::hangup())?),
        None => None,
    };
    let listener = BfdListener::bind(PORT_SINGLE_HOP)?;
    let mut multihop = open_multihop(&config, None)?;
    let timer = PreciseTimer::new()?;
    let base = seed();
    let (mut set, mut links) = build_sessions(&config, None, base);
    tokio::pin!(stop);
    let (mut buf, mut buf_mh) = ([0u8; 1500], [0u8; 1500]);
    loop {
        service(&mut set, &mut links, &config, &opts);
        if let Some(st) = &status {
            publish(st, &set, &links);
        }
        let wake = set
            .poll_timeout()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(60));
        tokio::select! {
            biased;
            _ = &mut stop => break,
            _ = usr1.recv() => {
                log::info(format!("Printing BFD data for process({}) on signal", std::process::id()));
                write_dump(&config, &opts, &listener, &set, &links);
            }
            Some(_) = async { match hup.as_mut() { Some(h) => h.recv().await, None => std::future::pending().await } } => {
                log::info("Reloading");
                crate::config_save::save(&config.global, "bfd", false, || bfd_dump_text(&config, &listener, &set, &links));
                match reload.map(|r| r()) {
                    Some(Ok(new)) => {
                        let old = (std::mem::take(&mut set), std::mem::take(&mut links));
                        config = new;
                        match open_multihop(&config, multihop.take()) {
                            Ok(m) => multihop = m,
                            Err(e) => log::info(format!("Unable to open multihop listening socket ({e})")),
                        }
                        (set, links) = build_sessions(&config, Some(old), base.rotate_left(17));
                        crate::config_save::save(&config.global, "bfd", true, || bfd_dump_text(&config, &listener, &set, &links));
                    }
                    Some(Err(problems)) => {
                        for p in problems {
                            log::info(p);
                        }
                        log::info("Reload failed: keeping the running configuration");
                    }
                    None => {}
                }
            }
            r = listener.recv(&mut buf) => received(&mut set, &buf, r, false),
            r = recv_multihop(multihop.as_ref(), &mut buf_mh) => received(&mut set, &buf_mh, r, true),
            _ = timer.sleep_until(wake) => {}
        }
    }
    Ok(())
}

/// keepalived 2.2.8+: the multihop listener (UDP 4784) while some session is `multihop`
/// (`current` kept when still needed, closed when not).
fn open_multihop(
    config: &Config,
    current: Option<BfdListener>,
) -> Result<Option<BfdListener>, BfdError> {
    if !config.bfd.iter().any(|b| b.multihop) {
        return Ok(None);
    }
    match current {
        Some(l) => Ok(Some(l)),
        None => Ok(Some(BfdListener::bind(PORT_MULTIHOP)?)),
    }
}

/// A datagram from the multihop listener, or never without one.
async fn recv_multihop(
    l: Option<&BfdListener>,
    buf: &mut [u8],
) -> std::io::Result<keepalived_net::bfd_socket::BfdReceived> {
    match l {
        Some(l) => l.recv(buf).await,
        None => std::future::pending().await,
    }
}

/// One received datagram to the sessions (`multihop`: it came on 4784).
fn received(
    set: &mut SessionSet,
    buf: &[u8],
    r: std::io::Result<keepalived_net::bfd_socket::BfdReceived>,
    multihop: bool,
) {
    match r {
        Ok(rx) => {
            let meta = RxMeta {
                src: rx.src.ip(),
                dst: rx.dst,
                ttl: rx.ttl,
            };
            if let Err(e) = set.receive_on(Instant::now(), &buf[..rx.len], &meta, multihop) {
                if log::detail() {
                    log::info(format!("Discarding packet from {} ({e})", rx.src));
                }
            }
        }
        Err(e) => log::info(format!("recvmsg() error ({e})")),
    }
}

fn write_dump(
    config: &Config,
    opts: &BfdOptions,
    listener: &BfdListener,
    set: &SessionSet,
    links: &[Link],
) {
    let text = bfd_dump_text(config, listener, set, links);
    if let Err(e) = crate::dump::write_atomically(&opts.data_path, &text) {
        log::info(format!(
            "Unable to write {} ({e})",
            opts.data_path.display()
        ));
    }
}

/// keepalived_bfd.data's text (SIGUSR1, config_save_dir).
fn bfd_dump_text(
    config: &Config,
    listener: &BfdListener,
    set: &SessionSet,
    links: &[Link],
) -> String {
    let entries: Vec<_> = config
        .bfd
        .iter()
        .zip(set.sessions())
        .zip(links)
        .map(|((conf, session), l)| DumpEntry {
            conf,
            session,
            fd_out: l.sender.as_ref().map_or(-1, BfdSender::raw_fd),
            send_error: l.send_error,
        })
        .collect();
    render_bfd_data(
        &config.global,
        listener.raw_fd(),
        &entries,
        Instant::now(),
        std::time::SystemTime::now(),
    )
}

fn open_sender(cfg: &SessionConfig, port: u16) -> Option<BfdSender> {
    let port = port.clamp(SOURCE_PORT_MIN, SOURCE_PORT_MAX);
    let dst = if cfg.multihop {
        PORT_MULTIHOP
    } else {
        PORT_SINGLE_HOP
    };
    match BfdSender::open(cfg.peer, dst, cfg.local, cfg.ttl, port) {
        Ok(s) => Some(s),
        Err(e) => {
            log::info(format!(
                "({}) Unable to open output socket, disabling instance ({e})",
                cfg.name
            ));
            None
        }
    }
}

/// The loop's side of one session: its socket and what it last told the other children.
struct Link {
    sender: Option<BfdSender>,
    up: bool,
    send_error: bool,
}

/// Timers, transmissions and events of every session, keepalived's log lines for them.
fn service(set: &mut SessionSet, links: &mut [Link], config: &Config, opts: &BfdOptions) {
    let now = Instant::now();
    set.handle_timeout(now);
    let mut out = [0u8; 64];
    for (i, s) in set.sessions_mut().iter_mut().enumerate() {
        while let Some(n) = s.poll_transmit(now, &mut out) {
            let Some(tx) = links[i].sender.as_ref() else {
                continue;
            };
            match tx.send(&out[..n]) {
                // keepalived logs a send error once, until a send succeeds again.
                Err(e) if !links[i].send_error => {
                    log::info(format!("sendto() error ({e})"));
                    log::info(format!("({}) Error sending packet", s.config().name));
                    links[i].send_error = true;
                }
                Err(_) => {}
                Ok(_) => links[i].send_error = false,
            }
        }
        let name = s.config().name.clone();
        let mut silent_for = None;
        while let Some(e) = s.poll_event() {
            log_event(&name, &e);
            if let Event::Expired { after, .. } = e {
                silent_for = Some(after);
            }
            if let Event::Notify { up } = e {
                links[i].up = up;
                if let Some(b) = config.bfd.get(i) {
                    let n = BfdNotify {
                        name: name.clone(),
                        up,
                        vrrp: b.notifies_vrrp(),
                        checker: b.notifies_checker(),
                        silent_for: if up { None } else { silent_for.take() },
                    };
                    if let Some(p) = &opts.pipes {
                        p.send(&n);
                    }
                    if let Some(tx) = &opts.events {
                        let _ = tx.send(n);
                    }
                }
            }
        }
    }
}

fn log_event(name: &str, e: &Event) {
    match *e {
        Event::StateChanged {
            from,
            to: State::Down,
            local_diag,
            remote_diag,
        } if from == State::Up || log::detail() => log::info(format!(
            "({name}) Entering Down state (Local diagnostic - {}, Remote diagnostic - {})",
            local_diag.name(),
            remote_diag.name()
        )),
        Event::StateChanged { to, .. } if to == State::Up || to == State::AdminDown => {
            log::info(format!("({name}) Entering {} state", to.name()))
        }
        Event::StateChanged { to, .. } if log::detail() => {
            log::info(format!("({name}) Entering {} state", to.name()))
        }
        Event::DetectionTimeChanged { detect_time, was } => log::info(format!(
            "{:width$} Detection time is {} us (was {} us)",
            "",
            detect_time.as_micros(),
            was.as_micros(),
            width = name.len() + 2
        )),
        Event::Expired {
            after,
            overdue,
            was_up,
        } if was_up || log::detail() => log::info(format!(
            "({name}) Expired after {} ms ({} usec overdue)",
            after.as_millis(),
            overdue.as_micros()
        )),
        _ => {}
    }
}

fn publish(st: &BfdStatus, set: &SessionSet, links: &[Link]) {
    let v = set
        .sessions()
        .iter()
        .zip(links)
        .map(|(s, l)| SessionStatus {
            name: s.config().name.clone(),
            state: s.state(),
            remote_state: s.remote_state(),
            detection_time: s.detection_time(),
            tx_interval: s.tx_interval(),
            tx_packets: s.stats().tx_packets,
            rx_packets: s.stats().rx_packets,
            up: l.up,
        })
        .collect();
    if let Ok(mut g) = st.lock() {
        *g = v;
    }
}

/// Whether `addr` is the neighbor of some configured instance (for callers routing events).
pub fn has_neighbor(config: &Config, addr: IpAddr) -> bool {
    config.bfd.iter().any(|b| b.neighbor == addr)
}
