//! The checker child (keepalived's Keepalived_healthcheckers), beside the VRRP child's loop
//! (vrrp.rs): every virtual_server's checkers, programming the kernel's IPVS over generic
//! netlink (or nothing with --no-ipvs). SIGHUP reloads: the new configuration is read first
//! (refused with errors, as the VRRP child does), the services it drops are removed, the
//! others stay in IPVS while the checkers restart on the new configuration. The dump signals
//! the parent forwards to every child are ignored here (the VRRP child writes keepalived's
//! dump files).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use keepalived_check::{IpvsError, RunError};
use keepalived_conf::Config;
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::error::setup;
use crate::vrrp::{DaemonError, Reloader};
use crate::{log, smtp};

/// What the checker child runs with besides its configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckerRunOptions {
    /// `--no-ipvs`: run the checkers and their notify scripts, leave IPVS alone.
    pub no_ipvs: bool,
    /// `-a` / `--dont-release-ipvs`: leave the IPVS services in place at stop.
    pub dont_release_ipvs: bool,
}

/// Why the checker child stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckerError {
    /// IPVS could not be opened (no ip_vs in the kernel, or no permission): keepalived's
    /// fatal exit, so that the parent does not restart the child.
    #[error("IPVS: {0}")]
    Ipvs(IpvsError),
    /// The runtime or the signals could not be set up.
    #[error(transparent)]
    Setup(#[from] DaemonError),
    /// The checkers stopped on an error.
    #[error(transparent)]
    Run(#[from] RunError),
}

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
    /// SIGUSR1, SIGUSR2 and the JSON and STATS_CLEAR real-time signals: swallowed.
    dumps: [Signal; 4],
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        let rt = libc::SIGRTMIN();
        let s = |n: i32| signal(SignalKind::from_raw(n));
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
            dumps: [
                s(libc::SIGUSR1)?,
                s(libc::SIGUSR2)?,
                s(rt + 2)?,
                s(rt + 29)?,
            ],
        })
    }

    /// Waits for TERM/INT (stop) or HUP (reload), swallowing the dump signals.
    async fn next(&mut self) -> End {
        let [a, b, c, d] = &mut self.dumps;
        loop {
            tokio::select! {
                _ = self.term.recv() => return End::Stop,
                _ = self.int.recv() => return End::Stop,
                _ = self.hup.recv() => return End::Reload,
                _ = a.recv() => {}
                _ = b.recv() => {}
                _ = c.recv() => {}
                _ = d.recv() => {}
            }
        }
    }
}

fn open_ipvs(options: &CheckerRunOptions) -> Result<Box<dyn keepalived_check::Ipvs>, IpvsError> {
    if options.no_ipvs {
        // What --no-ipvs leaves undone is only worth a line under -D.
        return Ok(Box::new(if log::detail() {
            keepalived_check::NoIpvs::logging(keepalived_check::Logger::new(|l| log::info(l)))
        } else {
            keepalived_check::NoIpvs::default()
        }));
    }
    match keepalived_check::NetlinkIpvs::open() {
        Ok(n) => Ok(Box::new(n)),
        Err(e) => {
            if e.is_no_ipvs() {
                log::info("IPVS: the kernel has no IPVS (module ip_vs): not balancing. Run with --no-ipvs to run the health checkers and their notify scripts alone");
            } else {
                log::info(format!("IPVS: Can't initialize ipvs: {e}. Run with --no-ipvs to run the health checkers and their notify scripts alone"));
            }
            Err(e)
        }
    }
}

/// Runs the checker child until SIGTERM or SIGINT; SIGHUP reloads through `reload`
/// (without one, SIGHUP keeps the running configuration).
pub fn run_checker(
    config: &Config,
    reload: Option<Reloader<'_>>,
    options: &CheckerRunOptions,
) -> Result<(), CheckerError> {
    let mut ipvs = open_ipvs(options).map_err(CheckerError::Ipvs)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(setup("runtime"))?;
    rt.block_on(async {
        let mut signals = Signals::new().map_err(setup("signals"))?;
        let mut config = config.clone();
        let mut memory = None;
        loop {
            // Checker mails go to the same mailer thread as the VRRP child's (queued, never
            // waited for).
            let global = Arc::new(config.global.clone());
            let alerts = keepalived_check::AlertSink(Arc::new(move |a: keepalived_check::CheckerAlert| {
                let mail = smtp::message::real_server(&global, &a.rs, &a.vs, a.up, &a.body);
                smtp::queue_mail(&global, mail);
            }));
            // RS/VS lines into notify_fifo and lvs_notify_fifo, as keepalived's checker.
            let fifos = Arc::new(crate::Fifos::open_lvs(&config.global));
            let fifo = keepalived_check::FifoSink(Arc::new(move |line: &str| fifos.write_line(line)));
            let opts = keepalived_check::CheckerOptions {
                log: keepalived_check::Logger::new(|line| log::info(line)),
                memory: memory.take(),
                alerts: Some(alerts),
                fifo: Some(fifo),
                ..Default::default()
            };
            let release = opts.release_ipvs.clone();
            release.store(!options.dont_release_ipvs, Ordering::SeqCst);
            let mut end = End::Stop;
            let stop = async {
                end = signals.next().await;
                if end == End::Reload {
                    // The services stay while the checkers restart.
                    release.store(false, Ordering::SeqCst);
                }
            };
            let summary = keepalived_check::run_until(&config, opts, ipvs.as_mut(), stop).await?;
            memory = Some(summary.memory);
            if end == End::Stop {
                return Ok(());
            }
            log::info("Reloading");
            let Some(read) = reload else {
                log::info("Reload (SIGHUP) needs the configuration file; keeping the running configuration");
                continue;
            };
            match read() {
                Ok(new) => {
                    let quiet = keepalived_check::Logger::new(|line| log::info(line));
                    keepalived_check::ipvs::remove_dropped(&config, &new, ipvs.as_mut(), &quiet);
                    config = new;
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
