//! The driver: one task per checker on the caller's tokio runtime, one loop owning the core
//! and IPVS, scripts started without blocking it.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keepalived_conf::model::Config;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::ipvs::reconcile::{self, Adopt};
use crate::ipvs::Ipvs;
use crate::log::Logger;
use crate::plan;
use crate::pool::{
    CheckerAlert, CheckerState, CheckerTrap, Next, Pool, Report, VirtualServerState,
};
use crate::probe::{file, Attempt, Probe};
use crate::script::{self, ScriptUser};
use crate::settings::{Timing, BOOTSTRAP_DELAY};
use crate::suspend::Suspend;

/// How the checkers run.
#[derive(Debug, Clone)]
pub struct CheckerOptions {
    /// Where log lines go (default: stderr, `Keepalived_healthcheckers[PID]: ...`).
    pub log: Logger,
    /// notify_up/down and quorum_up/down scripts still running after this are killed
    /// (keepalived never kills them; None does the same).
    pub notify_timeout: Option<Duration>,
    /// How long shutdown notifies (with `omega`) may take, keepalived's one second.
    pub shutdown_script_timeout: Duration,
    /// The checkers' verdicts from the run before a reload (see [`RunSummary::memory`]).
    pub memory: Option<crate::pool::CheckerMemory>,
    /// Remove the services at stop (default); false is keepalived's -I
    /// (`--dont-release-ipvs`): they stay in the kernel. Read when `stop` completes, so a
    /// caller can clear it just before, e.g. to reload without taking services down.
    pub release_ipvs: Arc<AtomicBool>,
    /// Where checkers' e-mail alerts go (the checker child hands them to its mailer);
    /// `None` drops them.
    pub alerts: Option<AlertSink>,
    /// Where the checkers' `notify_fifo` lines go (the checker child's FIFOs); `None`
    /// drops them.
    pub fifo: Option<FifoSink>,
    /// BFD_CHECK: the latest state (Up = true) of every `bfd_instance` the BFD child has
    /// reported; the checkers follow it. `None`: BFD_CHECKs keep their initial state.
    pub bfd: Option<BfdStates>,
    /// Where the checkers' SNMP notifications go (the checker child's subagent); `None`
    /// drops them.
    pub traps: Option<TrapSink>,
    /// Kept up to date with the virtual and real servers' states (after start-up and after
    /// every verdict), for the checker child's SNMP subagent; `None` keeps nothing.
    pub watch: Option<PoolWatch>,
    /// `ha_suspend`: the host's addresses (the checker child's netlink monitor); the
    /// checkers of a virtual server with ha_suspend run while its address is present.
    /// `None`: they always run.
    pub addresses: Option<crate::suspend::LocalAddresses>,
    /// Called once the services are in IPVS, before the first check (keepalived's `-d`
    /// dump point in start_check); `None`: nothing.
    pub started: Option<StartSink>,
    /// SNMP Sets of realServerWeight (the checker child's subagent), applied as keepalived's
    /// check_snmp_realserver_weight applies them; `None`: none come.
    pub weights: Option<WeightSets>,
    /// `nftables_ipvs`'s auto fwmarks (those a reload carried over); `None`: numbered
    /// afresh from the configuration.
    pub fwmarks: Option<crate::nft_ipvs::AutoFwmarks>,
}

/// A new weight for real server `rs` of virtual server `vs` (indexes into the checkers'
/// virtual servers and that server's real servers, as [`PoolWatch`] lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightSet {
    /// The virtual server.
    pub vs: usize,
    /// Its real server.
    pub rs: usize,
    /// The new weight.
    pub weight: u32,
}

/// Where [`WeightSet`]s come from: one receiver, held by the running checkers' loop (and by
/// the next one after a reload).
pub type WeightSets = Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<WeightSet>>>;

/// A receiver of the virtual servers' and checkers' states at start. Called on the
/// checkers' loop: must not block.
#[derive(Clone)]
pub struct StartSink(pub Arc<StartFn>);

/// What a [`StartSink`] calls: the virtual servers' and the checkers' states.
pub type StartFn = dyn Fn(&[VirtualServerState], &[CheckerState]) + Send + Sync;

impl std::fmt::Debug for StartSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StartSink")
    }
}

/// A receiver of [`CheckerTrap`]s. Called on the checkers' loop: must not block.
#[derive(Clone)]
pub struct TrapSink(pub Arc<dyn Fn(CheckerTrap) + Send + Sync>);

impl std::fmt::Debug for TrapSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrapSink")
    }
}

/// The virtual servers' and checkers' states as the checkers' loop last left them (a copy,
/// updated after every change), readable from another thread: the SNMP subagent and the
/// data dump (SIGUSR1) read it.
#[derive(Debug, Clone, Default)]
pub struct PoolWatch {
    servers: Arc<Mutex<Vec<VirtualServerState>>>,
    checkers: Arc<Mutex<Vec<CheckerState>>>,
}

impl PoolWatch {
    /// The virtual servers' states now.
    pub fn get(&self) -> Vec<VirtualServerState> {
        self.servers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The checkers' states now, in keepalived's checkers_queue order.
    pub fn checkers(&self) -> Vec<CheckerState> {
        self.checkers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set(&self, pool: &Pool) {
        *self.servers.lock().unwrap_or_else(|e| e.into_inner()) = pool.vss.clone();
        *self.checkers.lock().unwrap_or_else(|e| e.into_inner()) = pool.checkers.clone();
    }

    /// After checker `ck`'s report: a report changes only that checker and its virtual
    /// server (its real servers, quorum, sorry server), so only those two are copied. Copying
    /// every virtual server and checker after each report cost O(real servers) per check:
    /// at 2,000 real servers and delay_loop 1 the checker child spent its whole core in
    /// those copies and fell far behind its checks (keepalived-bench --only checkers).
    fn set_one(&self, pool: &Pool, ck: usize) {
        let mut servers = self.servers.lock().unwrap_or_else(|e| e.into_inner());
        let mut checkers = self.checkers.lock().unwrap_or_else(|e| e.into_inner());
        let (Some(c), true, true) = (
            pool.checkers.get(ck),
            servers.len() == pool.vss.len(),
            checkers.len() == pool.checkers.len(),
        ) else {
            *servers = pool.vss.clone();
            *checkers = pool.checkers.clone();
            return;
        };
        if let (Some(dst), Some(src)) = (servers.get_mut(c.vs), pool.vss.get(c.vs)) {
            dst.clone_from(src);
        }
        checkers[ck].clone_from(c);
    }
}

/// The BFD sessions' states by `bfd_instance` name, as the BFD child last reported them.
pub type BfdStates = tokio::sync::watch::Receiver<std::collections::HashMap<String, bool>>;

/// A receiver of FIFO lines (`RS ... UP\n`). Called on the checkers' loop: must not block.
#[derive(Clone)]
pub struct FifoSink(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for FifoSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FifoSink")
    }
}

/// A receiver of [`CheckerAlert`]s. Called on the checkers' loop: it must not block.
#[derive(Clone)]
pub struct AlertSink(pub Arc<dyn Fn(CheckerAlert) + Send + Sync>);

impl std::fmt::Debug for AlertSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AlertSink")
    }
}

impl Default for CheckerOptions {
    fn default() -> Self {
        CheckerOptions {
            log: Logger::stderr(),
            notify_timeout: Some(Duration::from_secs(60)),
            shutdown_script_timeout: Duration::from_secs(1),
            memory: None,
            release_ipvs: Arc::new(AtomicBool::new(true)),
            alerts: None,
            fifo: None,
            bfd: None,
            traps: None,
            watch: None,
            addresses: None,
            started: None,
            weights: None,
            fwmarks: None,
        }
    }
}

/// Why the checkers could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Not called inside a tokio runtime.
    #[error("the health checkers need a tokio runtime")]
    NoRuntime,
}

/// What happened, for the caller's summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Checkers run.
    pub checkers: usize,
    /// Verdicts applied.
    pub reports: u64,
    /// Every checker's verdict when the run ended, to start the next one from (a reload).
    pub memory: crate::pool::CheckerMemory,
}

/// A checker's verdict, when its attempt started (wall clock) and where the answer goes.
type Message = (usize, Report, std::time::SystemTime, oneshot::Sender<Next>);

/// Runs every health checker of `config` until `stop` completes: virtual services and
/// healthy real servers are put into IPVS through `ipvs`, checker verdicts move real servers
/// in and out (keepalived's rules, log lines and notify scripts), and on stop every service
/// is removed again (with `omega`, down notifies run) unless `opts.release_ipvs` is false.
/// Configured services the kernel already has are adopted and brought to the configuration
/// (`ipvs::reconcile`); `lvs_flush` empties the table first. Must be awaited inside a tokio
/// runtime (a current-thread one is enough); checker tasks are spawned on it.
pub async fn run_until(
    config: &Config,
    opts: CheckerOptions,
    ipvs: &mut dyn Ipvs,
    stop: impl Future<Output = ()>,
) -> Result<RunSummary, RunError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(RunError::NoRuntime);
    }
    let log = opts.log.clone();
    let user = ScriptUser(config.global.script_user.clone());
    let marks = (opts.fwmarks.clone())
        .unwrap_or_else(|| crate::nft_ipvs::AutoFwmarks::assign(config, None));
    let plan = plan::build_with(config, &marks, &log);
    let sockets = plan.probes.iter().filter(|p| p.conn().is_some()).count();
    crate::fd_limit::ensure(
        crate::fd_limit::required(sockets, smtp_alerts(config)),
        &log,
    );
    let mut pool = plan.pool;
    let suspend = Suspend::new(config, &pool);
    let mut addresses = opts.addresses.clone().filter(|_| suspend.used());
    let present = addresses.as_mut().map(|a| a.borrow_and_update().clone());
    suspend.apply(&mut pool, present.as_ref(), true, &log);
    // Unbounded, yet bounded by construction: a checker waits for the answer to its report
    // before its next attempt, so at most one message per checker is queued. (A bounded
    // channel's send future made every sleeping checker's task ~0.3 KiB larger.)
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    let mut tasks = JoinSet::new();
    for (ck, probe) in plan.probes.into_iter().enumerate() {
        let timing = pool.checkers[ck].timing;
        let last = plan.initial_files.get(ck).copied().flatten();
        tasks.spawn(checker_task(
            ck,
            probe,
            timing,
            last,
            suspend.flag(ck),
            tx.clone(),
            log.clone(),
        ));
    }
    drop(tx);
    let mut summary = RunSummary {
        checkers: tasks.len(),
        reports: 0,
        memory: Default::default(),
    };
    let present = reconcile::start(config, ipvs, &log);
    pool.init_with(&mut Adopt::new(ipvs, &present), opts.memory.as_ref());
    for e in reconcile::prune(ipvs, &present, &pool) {
        log.info(e.to_string());
    }
    let mut bfd = opts.bfd.clone();
    if let Some(b) = bfd.as_mut() {
        let states = b.borrow_and_update().clone();
        summary.reports += bfd_reports(&mut pool, ipvs, &states);
    }
    if let Some(sink) = &opts.started {
        (sink.0)(&pool.vss, &pool.checkers);
    }
    run_scripts(&mut pool, &user, opts.notify_timeout, &log);
    events(&mut pool, &opts);
    tokio::pin!(stop);
    let mut probes_open = true;
    let mut weights = match &opts.weights {
        Some(w) => Some(w.clone().lock_owned().await),
        None => None,
    };
    loop {
        tokio::select! {
            _ = &mut stop => break,
            Some(set) = weight_set(&mut weights) => {
                pool.set_weight(ipvs, set.vs, set.rs, i64::from(set.weight));
                run_scripts(&mut pool, &user, opts.notify_timeout, &log);
                events(&mut pool, &opts);
            }
            changed = addresses_changed(&mut addresses) => match changed {
                Some(present) => {
                    suspend.apply(&mut pool, Some(&present), false, &log);
                    events(&mut pool, &opts);
                }
                None => addresses = None,
            },
            changed = bfd_changed(&mut bfd) => {
                match changed {
                    Some(states) => summary.reports += bfd_reports(&mut pool, ipvs, &states),
                    None => bfd = None,
                }
                run_scripts(&mut pool, &user, opts.notify_timeout, &log);
                events(&mut pool, &opts);
            }
            msg = rx.recv(), if probes_open => match msg {
                Some((ck, report, started, reply)) => {
                    pool.checkers[ck].last_ran = Some(started);
                    let next = pool.report(ipvs, ck, report);
                    summary.reports += 1;
                    let _ = reply.send(next);
                    run_scripts(&mut pool, &user, opts.notify_timeout, &log);
                    events_after(&mut pool, &opts, Some(ck));
                }
                None => probes_open = false,
            },
        }
    }
    tasks.shutdown().await;
    summary.memory = pool.memory();
    let release = opts.release_ipvs.load(Ordering::SeqCst);
    reconcile::stop(config, ipvs, &mut pool, release, &log);
    events(&mut pool, &opts);
    let mut last = JoinSet::new();
    for s in pool.take_scripts() {
        let user = user.clone();
        let t = opts.shutdown_script_timeout;
        last.spawn(async move { script::run(&s, &user, Some(t)).await });
    }
    while last.join_next().await.is_some() {}
    Ok(summary)
}

/// keepalived's `num_smtp_alert`: the `smtp_alert` keywords of virtual and real servers.
fn smtp_alerts(config: &Config) -> usize {
    let vs = config.lvs.virtual_servers.iter();
    vs.map(|v| {
        usize::from(v.smtp_alert.is_some())
            + (v.real_servers.iter())
                .filter(|r| r.smtp_alert.is_some())
                .count()
    })
    .sum()
}

/// The next SNMP weight Set; `None` (and no more) once the subagent is gone.
async fn weight_set(
    weights: &mut Option<tokio::sync::OwnedMutexGuard<mpsc::UnboundedReceiver<WeightSet>>>,
) -> Option<WeightSet> {
    match weights {
        Some(rx) => {
            let set = rx.recv().await;
            if set.is_none() {
                *weights = None;
            }
            set
        }
        None => std::future::pending().await,
    }
}

/// The BFD states once they change again; `None` when no one will report any more.
async fn bfd_changed(
    bfd: &mut Option<BfdStates>,
) -> Option<std::collections::HashMap<String, bool>> {
    match bfd {
        Some(b) => match b.changed().await {
            Ok(()) => Some(b.borrow_and_update().clone()),
            Err(_) => None,
        },
        None => std::future::pending().await,
    }
}

/// The host's addresses once they change again; `None` when the monitor has ended.
async fn addresses_changed(
    addresses: &mut Option<crate::suspend::LocalAddresses>,
) -> Option<std::collections::HashSet<(u32, std::net::IpAddr)>> {
    match addresses {
        Some(a) => match a.changed().await {
            Ok(()) => Some(a.borrow_and_update().clone()),
            Err(_) => None,
        },
        None => std::future::pending().await,
    }
}

/// Every BFD_CHECK whose session is in `states` gets its verdict (unchanged ones are
/// no-ops); returns how many were handed to the pool.
fn bfd_reports(
    pool: &mut Pool,
    ipvs: &mut dyn Ipvs,
    states: &std::collections::HashMap<String, bool>,
) -> u64 {
    let mut n = 0;
    for ck in 0..pool.checkers.len() {
        if let crate::pool::CheckerClass::Bfd { name } = &pool.checkers[ck].class {
            if let Some(&up) = states.get(name) {
                let _ = pool.report(ipvs, ck, Report::Bfd(up));
                n += 1;
            }
        }
    }
    n
}

/// Hands the pool's mails, FIFO lines and SNMP notifications to their sinks, and its state
/// to the watch.
fn events(pool: &mut Pool, opts: &CheckerOptions) {
    events_after(pool, opts, None);
}

/// [`events`] after checker `ck`'s report (`Some`): only what it changed goes to the watch.
fn events_after(pool: &mut Pool, opts: &CheckerOptions, ck: Option<usize>) {
    for trap in pool.take_traps() {
        if let Some(sink) = &opts.traps {
            (sink.0)(trap);
        }
    }
    if let Some(w) = &opts.watch {
        match ck {
            Some(ck) => w.set_one(pool, ck),
            None => w.set(pool),
        }
    }
    for alert in pool.take_alerts() {
        if let Some(sink) = &opts.alerts {
            (sink.0)(alert);
        }
    }
    for line in pool.take_fifo_lines() {
        if let Some(sink) = &opts.fifo {
            (sink.0)(&line);
        }
    }
}

fn run_scripts(pool: &mut Pool, user: &ScriptUser, timeout: Option<Duration>, log: &Logger) {
    for s in pool.take_scripts() {
        if !script::spawn(&s, user, timeout) {
            log.info(format!("Failed to exec notify script {}", s.command_line()));
        }
    }
}

/// The first check waits BOOTSTRAP_DELAY plus a random part of the warmup.
fn first_delay(t: &Timing) -> Duration {
    let spread = t.warmup.mul_f64(rand::random::<f64>());
    BOOTSTRAP_DELAY + spread
}

async fn checker_task(
    ck: usize,
    probe: Probe,
    timing: Timing,
    mut last_file: Option<i64>,
    enabled: Arc<AtomicBool>,
    tx: mpsc::UnboundedSender<Message>,
    log: Logger,
) {
    let is_file = matches!(probe, Probe::File { .. });
    let mut delay = if is_file {
        file::POLL
    } else {
        first_delay(&timing)
    };
    let mut url = 0;
    let mut seq: u16 = 0;
    loop {
        tokio::time::sleep(delay).await;
        if !is_file && !enabled.load(Ordering::SeqCst) {
            // ha_suspend: keepalived's suspended checker only comes back after delay_loop.
            delay = timing.delay_loop;
            continue;
        }
        let started = Instant::now();
        let started_wall = std::time::SystemTime::now();
        seq = seq.wrapping_add(1);
        // A boxed future, as large as this probe's kind needs: kept inline, the largest
        // kind's (HTTP over TLS) made every sleeping checker's task 3.7 KiB.
        let report = match probe.attempt(url, seq, &mut last_file).await {
            Attempt::Report(r) => r,
            Attempt::Reschedule(line) => {
                log.info(line);
                delay = timing.delay_loop;
                continue;
            }
            Attempt::Unchanged => {
                delay = if is_file {
                    file::POLL
                } else {
                    timing.delay_loop
                };
                continue;
            }
        };
        let (rtx, rrx) = oneshot::channel();
        if tx.send((ck, report, started_wall, rtx)).is_err() {
            return;
        }
        let Ok(next) = rrx.await else {
            return;
        };
        url = next.url;
        delay = if is_file {
            file::POLL
        } else if next.from_start {
            next.delay
                .saturating_sub(started.elapsed())
                .max(Duration::from_micros(1))
        } else {
            next.delay
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The timings of every checker of a virtual server with `vs_body`.
    fn timings(vs_body: &str) -> Vec<Timing> {
        let text = format!(
            "virtual_server 10.0.0.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n \
             delay_loop 10\n{vs_body}\n}}\n"
        );
        let l = keepalived_conf::load_str(
            &text,
            "t.conf".as_ref(),
            &keepalived_conf::ReadOptions::default(),
            &keepalived_conf::FixedHost::lab(),
        );
        let plan = crate::plan::build(&l.config, &Logger::new(|_| {}));
        plan.pool.checkers.iter().map(|c| c.timing).collect()
    }

    /// `warmup` (the checker's, else the real server's, else the virtual server's; default
    /// the delay_loop): a checker's first attempt waits BOOTSTRAP_DELAY plus a random part
    /// of it, so that checkers started together spread out; `warmup 0` starts them all
    /// after BOOTSTRAP_DELAY.
    #[test]
    fn warmup_spreads_the_first_check() {
        let t = timings(
            " warmup 0\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n \
             real_server 10.0.0.3 80 {\n  warmup 4\n  TCP_CHECK {\n  }\n }\n \
             real_server 10.0.0.4 80 {\n  TCP_CHECK {\n   warmup 2\n  }\n }",
        );
        assert_eq!(first_delay(&t[0]), BOOTSTRAP_DELAY, "warmup 0");
        for (timing, warmup) in [(&t[1], 4), (&t[2], 2)] {
            let delays: Vec<Duration> = (0..50).map(|_| first_delay(timing)).collect();
            let top = BOOTSTRAP_DELAY + Duration::from_secs(warmup);
            assert!(delays.iter().all(|d| (BOOTSTRAP_DELAY..=top).contains(d)));
            assert!(delays.iter().any(|d| *d != delays[0]), "spread: {delays:?}");
        }
        // Without warmup: the delay_loop.
        let default = timings(" real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }");
        assert_eq!(default[0].warmup, Duration::from_secs(10));
    }

    /// After a report the watch copies only that checker and its virtual server: what it
    /// then holds equals a full copy of the pool (two virtual servers, reports on both).
    #[test]
    fn the_watch_after_a_report_equals_a_full_copy() {
        let rs = |a: u8| format!(" real_server 10.0.0.{a} 80 {{\n  TCP_CHECK {{\n  }}\n }}\n");
        let text = format!(
            "virtual_server 10.0.0.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n{}{}}}\n\
             virtual_server 10.0.1.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n{}{}}}\n",
            rs(2),
            rs(3),
            rs(4),
            rs(5)
        );
        let l = keepalived_conf::load_str(
            &text,
            "t.conf".as_ref(),
            &keepalived_conf::ReadOptions::default(),
            &keepalived_conf::FixedHost::lab(),
        );
        let mut pool = crate::plan::build(&l.config, &Logger::new(|_| {})).pool;
        assert_eq!((pool.vss.len(), pool.checkers.len()), (2, 4));
        let mut ipvs = crate::NoIpvs::default();
        pool.init(&mut ipvs);
        let watch = PoolWatch::default();
        watch.set(&pool);
        let failed = || crate::pool::Report::Probe(Err("refused".into()));
        for (ck, report) in [
            (0, failed()),
            (3, failed()),
            (3, failed()),
            (0, crate::pool::Report::Probe(Ok(()))),
        ] {
            pool.report(&mut ipvs, ck, report);
            watch.set_one(&pool, ck);
            let full = PoolWatch::default();
            full.set(&pool);
            assert_eq!(format!("{:?}", watch.get()), format!("{:?}", full.get()));
            assert_eq!(
                format!("{:?}", watch.checkers()),
                format!("{:?}", full.checkers())
            );
        }
    }

    /// HTTP_GET/SSL_GET `nb_get_retry` (keepalived's old name) sets the checker's retries,
    /// as `retry` does (their effect: pool/tests.rs
    /// `a_failure_is_retried_then_the_server_removed_and_notify_down_run`).
    #[test]
    fn nb_get_retry_is_the_http_checker_s_retry() {
        let t = timings(
            " real_server 10.0.0.2 80 {\n  HTTP_GET {\n   nb_get_retry 4\n   url {\n    \
             path /\n   }\n  }\n }\n real_server 10.0.0.3 80 {\n  HTTP_GET {\n   \
             url {\n    path /\n   }\n  }\n }",
        );
        assert_eq!((t[0].retry, t[1].retry), (4, 1));
    }
}
