//! The checker child (keepalived's Keepalived_healthcheckers): every virtual_server's
//! checkers, programming the kernel's IPVS over generic netlink (or nothing with --no-ipvs).
//! SIGHUP reloads: the new configuration is read first (refused with errors, as the VRRP
//! child does), the services it drops are removed, the others stay in IPVS while the checkers
//! restart on the new configuration. The dump signals the parent forwards to every child are
//! ignored here (the VRRP child writes keepalived's dump files).

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
    ignored: Vec<Signal>,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        let rt = libc::SIGRTMIN();
        let ignored = [libc::SIGUSR1, libc::SIGUSR2, rt + 2, rt + 29]
            .into_iter()
            .map(|n| signal(SignalKind::from_raw(n)))
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
            ignored,
        })
    }

    /// Waits for TERM/INT (stop) or HUP (reload), swallowing the dump signals.
    async fn next(&mut self) -> End {
        loop {
            let dumps = any_signal(&mut self.ignored);
            tokio::select! {
                _ = self.term.recv() => return End::Stop,
                _ = self.int.recv() => return End::Stop,
                _ = self.hup.recv() => return End::Reload,
                _ = dumps => {}
            }
        }
    }
}

/// Resolves when any of `signals` arrives.
async fn any_signal(signals: &mut [Signal]) {
    let polls = signals.iter_mut().map(|s| Box::pin(s.recv()));
    futures::future::select_all(polls).await;
}

fn open_ipvs(cli: &Cli) -> Result<Box<dyn keepalived_check::Ipvs>, ExitCode> {
    if cli.no_ipvs {
        // What --no-ipvs leaves undone is only worth a line under -D.
        let quiet = keepalived_check::NoIpvs::default();
        return Ok(Box::new(if log::detail() {
            keepalived_check::NoIpvs::logging(keepalived_check::Logger::new(|l| log::info(l)))
        } else {
            quiet
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
            Err(ExitCode::from(crate::supervisor::EXIT_FATAL as u8))
        }
    }
}

/// Runs the checker child until SIGTERM.
pub fn run(cli: &Cli, config: &Config) -> ExitCode {
    let mut ipvs = match open_ipvs(cli) {
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
            Ok(s) => s,
            Err(e) => {
                log::info(format!("signals: {e}"));
                return ExitCode::from(1);
            }
        };
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
            let fifos = Arc::new(keepalived_daemon::Fifos::open_lvs(&config.global));
            let fifo = keepalived_check::FifoSink(Arc::new(move |line: &str| fifos.write_line(line)));
            let opts = keepalived_check::CheckerOptions {
                log: keepalived_check::Logger::new(|line| log::info(line)),
                memory: memory.take(),
                alerts: Some(alerts),
                fifo: Some(fifo),
                ..Default::default()
            };
            let release = opts.release_ipvs.clone();
            release.store(!cli.dont_release_ipvs, Ordering::SeqCst);
            let mut end = End::Stop;
            let stop = async {
                end = signals.next().await;
                if end == End::Reload {
                    // The services stay while the checkers restart.
                    release.store(false, Ordering::SeqCst);
                }
            };
            match keepalived_check::run_until(&config, opts, ipvs.as_mut(), stop).await {
                Ok(summary) => memory = Some(summary.memory),
                Err(e) => {
                    log::info(format!("Stopped: {e}"));
                    return ExitCode::from(2);
                }
            }
            if end == End::Stop {
                return ExitCode::SUCCESS;
            }
            log::info("Reloading");
            match crate::run::reload(cli) {
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
