//! The checker child (keepalived's Keepalived_healthcheckers): every virtual_server's
//! checkers, programming the kernel's IPVS over generic netlink (or nothing with --no-ipvs).
//! SIGHUP reloads: the new configuration is read first (refused with errors, as the VRRP
//! child does), the services it drops are removed, the others stay in IPVS while the checkers
//! restart on the new configuration. SIGUSR1 writes keepalived's checker data dump
//! (/tmp/keepalived_check.data, `keepalived_daemon::dump::render_check_data`); the other dump
//! signals are ignored here (the VRRP child writes those files).

use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use keepalived_conf::Config;
use keepalived_daemon::{log, smtp};
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::cli::Cli;

/// Why a run of the checkers ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Stop,
    Reload,
}

struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
    usr1: Signal,
    ignored: Vec<Signal>,
    /// `--ignore-sigint`.
    ignore_int: bool,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        let rt = libc::SIGRTMIN();
        let ignored = [libc::SIGUSR2, rt + 2, rt + 29]
            .into_iter()
            .map(|n| signal(SignalKind::from_raw(n)))
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
            usr1: signal(SignalKind::user_defined1())?,
            ignored,
            ignore_int: false,
        })
    }

    /// Waits for TERM/INT (stop) or HUP (reload); SIGUSR1 calls `dump`, the other dump
    /// signals are swallowed.
    async fn next(&mut self, dump: &dyn Fn()) -> End {
        loop {
            let dumps = any_signal(&mut self.ignored);
            tokio::select! {
                _ = self.term.recv() => return End::Stop,
                _ = self.int.recv() => if !self.ignore_int { return End::Stop },
                _ = self.hup.recv() => return End::Reload,
                _ = self.usr1.recv() => dump(),
                _ = dumps => {}
            }
        }
    }
}

/// BFD_CHECK: the BFD child's events (keepalived's `bfd_check_thread`) as the latest state of
/// each session, for the checkers across reloads. `None` without a BFD child.
fn spawn_bfd_reader() -> Option<keepalived_check::BfdStates> {
    let fd = crate::supervisor::inherited_fds(crate::supervisor::BFD_READ_VAR)
        .into_iter()
        .next()?;
    let mut reader = match keepalived_daemon::bfd::EventReader::new(fd) {
        Ok(r) => r,
        Err(e) => {
            log::info(format!("BFD event pipe: {e}"));
            return None;
        }
    };
    let (tx, rx) = tokio::sync::watch::channel(std::collections::HashMap::new());
    tokio::spawn(async move {
        while let Ok(events) = reader.next().await {
            for e in &events {
                if log::detail() {
                    log::info(format!(
                        "Received BFD event: instance {} is in state {} (delivered in {} usec)",
                        e.name,
                        if e.up { "Up" } else { "Down" },
                        keepalived_daemon::bfd::event::delivery_time(e.sent).as_micros()
                    ));
                }
            }
            tx.send_modify(|m| {
                for e in events {
                    m.insert(e.name, e.up);
                }
            });
        }
    });
    Some(rx)
}

/// keepalived's `sigusr1_check` -> `check_print_data`: the checker data dump, written whole.
fn write_check_data(config: &Config, watch: &keepalived_check::PoolWatch) {
    log::info(format!(
        "Printing checker data for process({}) on signal",
        std::process::id()
    ));
    let text = keepalived_daemon::dump::render_check_data(config, &watch.get(), &watch.checkers());
    let path = keepalived_daemon::dump::dump_file(
        &config.global,
        &keepalived_daemon::dump::tmp_dir(),
        "keepalived_check.data",
    );
    if let Err(e) = keepalived_daemon::dump::write_atomically(&path, &text) {
        log::info(format!("Can't open {}: {e}", path.display()));
    }
}

/// The scripts, FIFO lines and mails of a reload's removals (keepalived runs the scripts
/// and writes the lines with the running configuration's settings, mails with the new one's).
fn announce_removals(old: &Config, new: &Config, removed: keepalived_check::ipvs::Removals) {
    let user = keepalived_check::script::ScriptUser(old.global.script_user.clone());
    // The checkers' own notify timeout (CheckerOptions' default).
    let timeout = keepalived_check::CheckerOptions::default().notify_timeout;
    for s in &removed.scripts {
        if !keepalived_check::script::spawn(s, &user, timeout) {
            log::info(format!("Failed to exec notify script {}", s.command_line()));
        }
    }
    if !removed.fifo_lines.is_empty() {
        let fifos = keepalived_daemon::Fifos::open_lvs(&old.global);
        for line in &removed.fifo_lines {
            fifos.write_line(line);
        }
    }
    for a in removed.alerts {
        let mail = match &a.rs {
            Some(rs) => smtp::message::real_server(&new.global, rs, &a.vs, a.up, &a.body),
            None => smtp::message::virtual_server(&new.global, &a.vs, a.up, &a.body),
        };
        smtp::queue_mail(&new.global, mail);
    }
}

/// `-d`: keepalived's dump_data_check logged line by line once the services are set up
/// (at every start, reloads included, as keepalived's start_check).
fn dump_conf_sink(config: &Config) -> keepalived_check::StartSink {
    let config = Arc::new(config.clone());
    keepalived_check::StartSink(Arc::new(move |vss, checkers| {
        let text = keepalived_daemon::dump::render_check_data(&config, vss, checkers);
        for line in text.lines() {
            log::info(line);
        }
    }))
}

/// Called once the checkers are set up (every start, reloads included): `-d`'s dump, then
/// the memory that parsing and planning used and freed goes back to the kernel (at 2,000
/// real servers the parse tree and the plan's temporaries left ~3 MiB of free heap
/// resident).
fn started_sink(dump: Option<keepalived_check::StartSink>) -> keepalived_check::StartSink {
    keepalived_check::StartSink(Arc::new(move |vss, checkers| {
        if let Some(d) = &dump {
            (d.0)(vss, checkers);
        }
        keepalived_daemon::memory::release_startup_memory();
    }))
}

/// Resolves when any of `signals` arrives.
async fn any_signal(signals: &mut [Signal]) {
    let polls = signals.iter_mut().map(|s| Box::pin(s.recv()));
    futures::future::select_all(polls).await;
}

fn open_ipvs(cli: &Cli, config: &Config) -> Result<Box<dyn keepalived_check::Ipvs>, ExitCode> {
    if cli.no_ipvs {
        // What --no-ipvs leaves undone is only worth a line under -D.
        return Ok(Box::new(if log::detail() {
            keepalived_check::NoIpvs::logging(keepalived_check::Logger::new(|l| log::info(l)))
        } else {
            keepalived_check::NoIpvs::default()
        }));
    }
    // net_namespace_ipvs: the IPVS socket is opened in that namespace (its name, or the
    // default namespace without one).
    let opened = match &config.global.net_namespace_ipvs {
        None => keepalived_check::NetlinkIpvs::open(),
        Some(ns) => {
            match crate::namespace::with_ipvs_namespace(
                ns.as_deref(),
                keepalived_check::NetlinkIpvs::open,
            ) {
                Ok(r) => r,
                Err(line) => {
                    log::info(line);
                    return Err(ExitCode::from(crate::supervisor::EXIT_FATAL as u8));
                }
            }
        }
    };
    match opened {
        Ok(n) => Ok(Box::new(n)),
        Err(e) => {
            if e.is_no_ipvs() {
                log::info("IPVS: the kernel has no IPVS (module ip_vs): not balancing. Run with --no-ipvs to run the health checkers and their notify scripts alone");
            } else {
                log::info(format!("IPVS: Can't initialize ipvs: {e}. Run with --no-ipvs to run the health checkers and their notify scripts alone"));
            }
            Err(ExitCode::from(crate::supervisor::EXIT_FATAL as u8))
        }
    }
}

/// Runs the checker child until SIGTERM. Takes the configuration: it is the one copy the
/// child keeps (replaced by each reload's).
pub fn run(cli: &Cli, mut config: Config) -> ExitCode {
    let mut ipvs = match open_ipvs(cli, &config) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log::info(format!("runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    rt.block_on(async {
        let mut signals = match Signals::new() {
            Ok(s) => Signals {
                ignore_int: cli.ignore_sigint,
                ..s
            },
            Err(e) => {
                log::info(format!("signals: {e}"));
                return ExitCode::from(1);
            }
        };
        let mut memory = None;
        let bfd = spawn_bfd_reader();
        // keepalived's checker process is an SNMP subagent of its own (check_snmp.c).
        let snmp = keepalived_daemon::CheckerSnmp::start(&config, !cli.no_ipvs);
        // The states the SNMP subagent and the data dump read.
        let watch = snmp.as_ref().map(|s| s.watch()).unwrap_or_default();
        let mut addresses = None;
        // nftables_ipvs: the groups' auto fwmarks (kept across reloads) and their nftables.
        let mut marks = keepalived_check::nft_ipvs::AutoFwmarks::assign(&config, None);
        let mut nft = keepalived_daemon::NftIpvs::default();
        loop {
            // keepalived's start_check (at start and at each reload): an SSL_GET whose TLS
            // setup fails stops the checker process.
            if let Err(lines) = keepalived_check::probe::tls::startup_check(&config) {
                for line in lines {
                    log::info(line);
                }
                if let Some(s) = snmp {
                    s.stop();
                }
                return ExitCode::from(crate::supervisor::EXIT_FATAL as u8);
            }
            if !cli.no_ipvs {
                nft.sync(&config, &marks);
            }
            // keepalived's checker opens its netlink sockets when a virtual server uses
            // ha_suspend or with -a (also on a reload that brings the first ha_suspend).
            let wanted = cli.address_monitoring
                || (config.lvs.virtual_servers.iter())
                    .any(|v| v.ha_suspend && !config.lvs.uses_fwmark(v));
            if addresses.is_none() && wanted {
                match keepalived_daemon::check_addresses::watch_local_addresses(
                    &config.global,
                    cli.address_monitoring,
                )
                .await
                {
                    Ok(rx) => addresses = Some(rx),
                    Err(e) => log::info(format!("netlink: {e}; ha_suspend checkers always run")),
                }
            }
            // Checker mails go to the same mailer thread as the VRRP child's (queued, never
            // waited for).
            let global = Arc::new(config.global.clone());
            let alerts = keepalived_check::AlertSink(Arc::new(move |a: keepalived_check::CheckerAlert| {
                let mail = match &a.rs {
                    Some(rs) => smtp::message::real_server(&global, rs, &a.vs, a.up, &a.body),
                    None => smtp::message::virtual_server(&global, &a.vs, a.up, &a.body),
                };
                smtp::queue_mail(&global, mail);
            }));
            // RS/VS lines into notify_fifo and lvs_notify_fifo, as keepalived's checker.
            let fifos = Arc::new(keepalived_daemon::Fifos::open_lvs(&config.global));
            let fifo = keepalived_check::FifoSink(Arc::new(move |line: &str| fifos.write_line(line)));
            let opts = keepalived_check::CheckerOptions {
                log: keepalived_check::Logger::new(|line| log::info(line)),
                memory: memory.take(),
                alerts: Some(alerts),
                fifo: Some(fifo),
                bfd: bfd.clone(),
                traps: snmp.as_ref().map(|s| s.traps()),
                watch: Some(watch.clone()),
                addresses: addresses.clone(),
                started: Some(started_sink(cli.dump_conf.then(|| dump_conf_sink(&config)))),
                weights: snmp.as_ref().map(|s| s.weights()),
                fwmarks: Some(marks.clone()),
                ..Default::default()
            };
            let release = opts.release_ipvs.clone();
            release.store(!cli.dont_release_ipvs, Ordering::SeqCst);
            let mut end = End::Stop;
            let stop = async {
                let dump = || write_check_data(&config, &watch);
                end = signals.next(&dump).await;
                if end == End::Reload {
                    // The services stay while the checkers restart.
                    release.store(false, Ordering::SeqCst);
                }
            };
            match keepalived_check::run_until(&config, opts, ipvs.as_mut(), stop).await {
                Ok(summary) => memory = Some(summary.memory),
                Err(e) => {
                    log::info(format!("Stopped: {e}"));
                    if let Some(s) = snmp {
                        s.stop();
                    }
                    return ExitCode::from(crate::supervisor::EXIT_FATAL as u8);
                }
            }
            if end == End::Stop {
                // keepalived's clear_services ends with nft_ipvs_end; -I skips both.
                if release.load(Ordering::SeqCst) {
                    nft.stop();
                }
                // The stop's notifications go out before the session closes.
                if let Some(s) = snmp {
                    s.stop();
                }
                return ExitCode::SUCCESS;
            }
            log::info("Reloading");
            let dump = |c: &Config| {
                keepalived_daemon::dump::render_check_data(c, &watch.get(), &watch.checkers())
            };
            keepalived_daemon::config_save::save(&config.global, "check", false, || dump(&config));
            match crate::run::reload(cli) {
                Ok(new) => {
                    let quiet = keepalived_check::Logger::new(|line| log::info(line));
                    // keepalived's clear_diff_services: what a reload drops is logged, its
                    // live real servers notified down, a dropped virtual server's quorum lost.
                    let removed = keepalived_check::ipvs::reload_removals(&watch.get(), &new);
                    for line in &removed.log {
                        log::info(line);
                    }
                    let new_marks =
                        keepalived_check::nft_ipvs::AutoFwmarks::assign(&new, Some(&marks));
                    keepalived_check::ipvs::remove_dropped_with(
                        (&config, &marks),
                        (&new, &new_marks),
                        ipvs.as_mut(),
                        &quiet,
                    );
                    marks = new_marks;
                    announce_removals(&config, &new, removed);
                    if let Some(s) = &snmp {
                        s.reload(&new);
                    }
                    config = new;
                    // Before the checkers restart on it: the states are the last run's.
                    keepalived_daemon::config_save::save(&config.global, "check", true, || {
                        dump(&config)
                    });
                }
                Err(problems) => {
                    for p in problems {
                        log::info(p);
                    }
                    log::info("Reload failed: the configuration has errors; keeping the running configuration");
                }
            }
        }
    })
}
