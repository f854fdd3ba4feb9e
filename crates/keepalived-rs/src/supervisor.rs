//! The process model, as keepalived's: a parent that only supervises and children started by
//! re-executing this binary (never a fork after a runtime exists). The parent writes its pid
//! file, forwards signals, and restarts a child that dies (not with -R); each child writes its
//! own pid file.

use std::process::ExitCode;
use std::time::Duration;

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use tokio::process::{Child, Command};
use tokio::signal::unix::{signal, SignalKind};

use crate::cli::Cli;
use crate::pidfile::PidLock;
use crate::start_stop;
use keepalived_conf::model::GlobalDefs;
use keepalived_daemon::sd_notify::SystemdNotifier;

/// What the parent runs, decided before it daemonizes.
#[derive(Debug)]
pub struct Parent {
    /// The parent's own pid file, locked (written once daemonized).
    pub main_pid: PidLock,
    /// The children's pid files, held locked for the parent's life (keepalived 2.3).
    pub child_pids: Vec<PidLock>,
    /// The children to start.
    pub roles: Vec<Role>,
    /// global_defs: the start-up and shutdown scripts, script_user, child_wait_time.
    pub global: GlobalDefs,
    /// `--ignore-sigint`.
    pub ignore_sigint: bool,
}

/// The environment variable that tells a re-executed binary which child it is.
pub const ROLE_VAR: &str = "KEEPALIVED_RS_CHILD";

/// A child process kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The VRRP child (keepalived's Keepalived_vrrp).
    Vrrp,
    /// The health-checker child (keepalived's Keepalived_healthcheckers).
    Checker,
    /// The BFD child (keepalived's Keepalived_bfd).
    Bfd,
}

impl Role {
    /// The role of this process, from the environment.
    pub fn of_this_process() -> Option<Role> {
        match std::env::var(ROLE_VAR).as_deref() {
            Ok("vrrp") => Some(Role::Vrrp),
            Ok("healthcheckers") => Some(Role::Checker),
            Ok("bfd") => Some(Role::Bfd),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Role::Vrrp => "vrrp",
            Role::Checker => "healthcheckers",
            Role::Bfd => "bfd",
        }
    }

    /// keepalived's short name in "vrrp process failed to die".
    fn short(self) -> &'static str {
        match self {
            Role::Vrrp => "vrrp",
            Role::Checker => "checker",
            Role::Bfd => "bfd",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Role::Vrrp => "VRRP",
            Role::Checker => "Healthcheck",
            Role::Bfd => "BFD",
        }
    }
}

/// The environment variable naming, in the VRRP and checker children, the read end of their
/// BFD event pipe.
pub const BFD_READ_VAR: &str = "KEEPALIVED_RS_BFD_FD";
/// The environment variable naming, in the BFD child, the write ends (`VRRP,CHECKER`).
pub const BFD_WRITE_VAR: &str = "KEEPALIVED_RS_BFD_FDS";

/// keepalived's `open_bfd_pipes`: one pipe to the VRRP child, one to the checker child,
/// opened by the parent before any child starts and kept across child restarts (so a
/// restarted child reads on where the last one stopped). Close-on-exec: a child gets only
/// the ends its role uses.
pub struct BfdPipes {
    vrrp: (OwnedFd, OwnedFd),
    checker: (OwnedFd, OwnedFd),
}

impl BfdPipes {
    /// Opens both pipes (non-blocking: the BFD child never waits on a slow reader).
    pub fn open() -> nix::Result<BfdPipes> {
        let flags = nix::fcntl::OFlag::O_CLOEXEC | nix::fcntl::OFlag::O_NONBLOCK;
        Ok(BfdPipes {
            vrrp: nix::unistd::pipe2(flags)?,
            checker: nix::unistd::pipe2(flags)?,
        })
    }

    /// The descriptors `role` inherits.
    fn for_role(&self, role: Role) -> Vec<RawFd> {
        match role {
            Role::Vrrp => vec![self.vrrp.0.as_raw_fd()],
            Role::Checker => vec![self.checker.0.as_raw_fd()],
            Role::Bfd => vec![self.vrrp.1.as_raw_fd(), self.checker.1.as_raw_fd()],
        }
    }
}

/// In a child: takes over the descriptors the parent named in `var` (comma-separated).
pub fn inherited_fds(var: &str) -> Vec<OwnedFd> {
    let Ok(text) = std::env::var(var) else {
        return Vec::new();
    };
    text.split(',')
        .filter_map(|n| n.parse::<RawFd>().ok())
        // Only descriptors that are open (fcntl F_GETFD succeeds) are taken.
        // SAFETY: F_GETFD only reads the descriptor's flags; a closed number fails (EBADF).
        // F_SETFD then marks it close-on-exec again, so that notify scripts and checkers
        // started by this child do not inherit it.
        .filter(|&fd| unsafe {
            libc::fcntl(fd, libc::F_GETFD) != -1
                && libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) != -1
        })
        // SAFETY: the parent passed this descriptor to this process alone (it is open, see
        // above), and nothing else in the process owns it.
        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
        .collect()
}

fn spawn_child(role: Role, pipes: Option<&BfdPipes>) -> std::io::Result<Child> {
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    let fds = pipes.map(|p| p.for_role(role)).unwrap_or_default();
    let list: Vec<String> = fds.iter().map(|fd| fd.to_string()).collect();
    cmd.env_remove(BFD_READ_VAR).env_remove(BFD_WRITE_VAR);
    if !fds.is_empty() {
        let var = if role == Role::Bfd {
            BFD_WRITE_VAR
        } else {
            BFD_READ_VAR
        };
        cmd.env(var, list.join(","));
    }
    cmd.args(std::env::args_os().skip(1))
        .env(ROLE_VAR, role.name())
        // Only the parent talks to systemd.
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("WATCHDOG_PID")
        .kill_on_drop(false);
    // SAFETY: prctl is async-signal-safe; the child dies with the parent's (main) thread,
    // which is the thread that spawns it.
    // The BFD pipe ends of this role survive the exec (fcntl is async-signal-safe too).
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            for &fd in &fds {
                libc::fcntl(fd, libc::F_SETFD, 0);
            }
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    if let Some(pid) = child.id() {
        keepalived_daemon::log::info(keepalived_rs::lifecycle::child_started(role.title(), pid));
    }
    Ok(child)
}

/// Signals the parent passes on to its children.
fn forwarded() -> Vec<(SignalKind, i32)> {
    let rt = libc::SIGRTMIN();
    [
        libc::SIGHUP,
        libc::SIGUSR1,
        libc::SIGUSR2,
        rt + 2,  // JSON
        rt + 29, // STATS_CLEAR
    ]
    .into_iter()
    .map(|s| (SignalKind::from_raw(s), s))
    .collect()
}

/// The parent: starts the children, supervises them until SIGTERM/SIGINT, then stops them.
pub fn run_parent(cli: &Cli, mut parent: Parent) -> ExitCode {
    if !cli.dont_fork {
        // Before any runtime or thread exists: detach like keepalived.
        if let Err(e) = nix::unistd::daemon(false, cli.log_console) {
            eprintln!("Unable to daemonize: {e}");
            return ExitCode::from(1);
        }
    }
    if parent.main_pid.write_pid(std::process::id()).is_err() {
        keepalived_daemon::log::info(format!(
            "pidfile_write : Cannot open {} pidfile",
            parent.main_pid.path().display()
        ));
        return ExitCode::from(1);
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("keepalived-rs: runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = rt.block_on(async {
        if let Some(s) = &parent.global.startup_script {
            let t = parent.global.startup_script_timeout;
            start_stop::run(start_stop::Kind::Startup, s, &parent.global, t).await;
        }
        let code = supervise(cli, &parent).await;
        if let Some(s) = &parent.global.shutdown_script {
            let t = parent.global.shutdown_script_timeout;
            start_stop::run(start_stop::Kind::Shutdown, s, &parent.global, t).await;
        }
        code
    });
    let _ = std::fs::remove_file(parent.main_pid.path());
    parent.child_pids.clear();
    keepalived_daemon::log::info(keepalived_rs::lifecycle::stopped_line());
    code
}

async fn supervise(cli: &Cli, parent: &Parent) -> ExitCode {
    let roles = &parent.roles;
    let child_wait = parent.global.child_wait_time;
    let mut sd = Systemd {
        notifier: SystemdNotifier::from_env(),
        reloading: false,
    };
    // WATCHDOG=1 at half the interval systemd asks for (a day when it asks for none).
    let watchdog_on = sd.notifier.watchdog_interval().is_some();
    let period = sd
        .notifier
        .watchdog_interval()
        .map_or(Duration::from_secs(86_400), |w| w / 2);
    let mut watchdog = tokio::time::interval(period.max(Duration::from_millis(100)));
    let mut ready = false;
    let mut children: Vec<(Role, Option<Child>)> = Vec::new();
    // keepalived's open_bfd_pipes: before any child, whether or not a BFD child starts now,
    // so the VRRP and checker children can hear one started by a later reload.
    let pipes = if !cli.no_bfd {
        match BfdPipes::open() {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("Unable to create BFD event pipes: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        None
    };
    for r in roles {
        match spawn_child(*r, pipes.as_ref()) {
            Ok(c) => children.push((*r, Some(c))),
            Err(e) => {
                eprintln!("Unable to start the {} child process: {e}", r.title());
                return ExitCode::from(1);
            }
        }
    }
    let mut reload_check = crate::reload_check::log_file(&parent.global.reload_check_config);
    let mut reload_file = crate::reload_file::path(&parent.global);
    // keepalived's start_reload_monitor, once the children are started.
    let mut timed = (
        parent.global.reload_time_file.clone(),
        parent.global.reload_repeat,
    );
    let mut monitor = crate::reload_monitor::ReloadMonitor::start(&parent.global);
    let config_directory = parent.global.tmp_config_directory.clone();
    // The start-up pages are released once the loop and the signal tasks have run (what
    // they touch first stays resident; released earlier, it was faulted back in at once).
    let release_after = tokio::time::sleep(Duration::from_secs(1));
    tokio::pin!(release_after);
    let mut release_pending = true;
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return ExitCode::from(1);
    };
    let mut forward: Vec<_> = forwarded()
        .into_iter()
        .filter_map(|(k, n)| signal(k).ok().map(|s| (s, n)))
        .collect();
    let (sig_tx, mut sig_rx) = tokio::sync::mpsc::unbounded_channel::<i32>();
    for (mut s, n) in forward.drain(..) {
        let tx = sig_tx.clone();
        tokio::spawn(async move {
            while s.recv().await.is_some() {
                if tx.send(n).is_err() {
                    return;
                }
            }
        });
    }
    let Ok(mut sigchld) = signal(SignalKind::child()) else {
        return ExitCode::from(1);
    };
    loop {
        // A child that died (before SIGCHLD was set up, or since the last wake-up).
        let exited = children.iter_mut().enumerate().find_map(|(i, (_, c))| {
            c.as_mut().and_then(|c| {
                let pid = c.id().unwrap_or(0);
                c.try_wait().ok().flatten().map(|status| (i, pid, status))
            })
        });
        if let Some((i, pid, status)) = exited {
            let role = children[i].0;
            if let Some((code, what)) = status.code().and_then(|c| Some((c, permanent_error(c)?))) {
                // keepalived's report_child_status: not restarted, everything stops.
                keepalived_daemon::log::info(format!(
                    "pid {pid} exited with permanent error {what}. Terminating"
                ));
                stop_children(&mut children, child_wait).await;
                sd.stopping();
                return ExitCode::from(u8::try_from(code).unwrap_or(1));
            }
            eprintln!("Keepalived_{} exited with {status}", role.name());
            if cli.dont_respawn {
                eprintln!("-R: not restarting it; stopping");
                stop_children(&mut children, child_wait).await;
                sd.stopping();
                return ExitCode::from(1);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            eprintln!("Restarting {} child process", role.title());
            match spawn_child(role, pipes.as_ref()) {
                Ok(c) => children[i].1 = Some(c),
                Err(e) => {
                    eprintln!("Unable to restart the {} child: {e}", role.title());
                    children[i].1 = None;
                }
            }
            continue;
        }
        tokio::select! {
            _ = sigchld.recv() => {}
            Some(n) = sig_rx.recv() => {
                // keepalived's reload_config: the parent reads the new configuration (the
                // reload file removed once it has), then signals the children.
                let mut reloaded = None;
                if n == libc::SIGHUP {
                    if let Some(log) = &reload_check {
                        if let Some(f) = &reload_file {
                            crate::reload_file::create(f);
                        }
                        let valid = crate::reload_check::validates(log).await;
                        if let Some(f) = &reload_file {
                            crate::reload_file::remove(f);
                        }
                        if !valid {
                            continue;
                        }
                    }
                    // keepalived's reload_config: stop_reload_monitor, read (the copy saved,
                    // the reload file removed), check, start the monitor again.
                    drop(monitor.take());
                    let read = crate::run::reload(cli).ok();
                    if let (None, Some(new)) = (&reload_check, &read) {
                        crate::config_save::after_read(cli, &new.global);
                        if let Some(f) = crate::reload_file::path(&new.global) {
                            crate::reload_file::remove(&f);
                        }
                    }
                    // A changed tmp_config_directory refuses the whole reload: the running
                    // configuration stays, the children are not signalled.
                    let refused = read.as_ref().is_some_and(|new| {
                        new.global.tmp_config_directory != config_directory
                    });
                    if refused {
                        keepalived_daemon::log::info(
                            "Cannot change config_directory at a reload - please restart keepalived",
                        );
                    } else {
                        reloaded = read;
                    }
                    if let Some(new) = &reloaded {
                        timed = (new.global.reload_time_file.clone(), new.global.reload_repeat);
                    }
                    let mut g = GlobalDefs::default();
                    (g.reload_time_file, g.reload_repeat) = timed.clone();
                    monitor = crate::reload_monitor::ReloadMonitor::start(&g);
                    if refused {
                        continue;
                    }
                    sd.reloading();
                }
                for (role, c) in &children {
                    if !receives(*role, n) {
                        continue;
                    }
                    if let Some(pid) = c.as_ref().and_then(Child::id) {
                        // nix's Signal has no real-time signals (JSON, STATS_CLEAR).
                        // SAFETY: kill(2) with a child's pid and a valid signal number.
                        unsafe { libc::kill(pid as i32, n) };
                    }
                }
                if let Some(new) = reloaded {
                    start_new_children(cli, &new, &mut children, pipes.as_ref());
                    reload_check = crate::reload_check::log_file(&new.global.reload_check_config);
                    reload_file = crate::reload_file::path(&new.global);
                }
                if n == libc::SIGHUP {
                    // The parser ran: give its pages back.
                    keepalived_daemon::memory::release_startup_memory();
                }
            }
            () = async { monitor.as_mut().expect("guarded").due().await }, if monitor.is_some() => {
                if let Some(m) = monitor.take() {
                    m.fire();
                }
            }
            _ = &mut release_after, if release_pending => {
                release_pending = false;
                keepalived_daemon::memory::release_startup_memory();
            }
            _ = term.recv() => break,
            _ = int.recv() => if !parent.ignore_sigint { break },
            _ = watchdog.tick() => {
                if watchdog_on {
                    sd.watchdog();
                }
            }
        }
        if !ready {
            ready = true;
            sd.ready(&children);
        } else if sd.reloading {
            sd.ready(&children);
        }
    }
    keepalived_daemon::log::info("Stopping");
    sd.stopping();
    stop_children(&mut children, child_wait).await;
    ExitCode::SUCCESS
}

/// keepalived's propagate_signal on SIGHUP: a child the reloaded configuration `config`
/// needs (`running_vrrp`, `running_checker`, `running_bfd`) and that is not running is
/// started, e.g. the BFD child for a first bfd_instance. A child whose work the
/// configuration drops keeps running (keepalived's BFD child stays with no instance). A
/// configuration that could not be read (the caller has none) starts nothing.
fn start_new_children(
    cli: &Cli,
    config: &keepalived_conf::Config,
    children: &mut Vec<(Role, Option<Child>)>,
    pipes: Option<&BfdPipes>,
) {
    for role in crate::run::children(cli, config) {
        let slot = children.iter().position(|(r, _)| *r == role);
        if slot.is_some_and(|i| children[i].1.is_some()) {
            continue;
        }
        match spawn_child(role, pipes) {
            Ok(c) => {
                eprintln!(
                    "Starting {} child process, pid={}",
                    role.title(),
                    c.id().unwrap_or(0)
                );
                match slot {
                    Some(i) => children[i].1 = Some(c),
                    None => children.push((role, Some(c))),
                }
            }
            Err(e) => eprintln!("Unable to start the {} child process: {e}", role.title()),
        }
    }
}

/// keepalived's propagate_signal: only the VRRP child consumes SIGUSR2, JSON and
/// STATS_CLEAR; HUP and USR1 go to every child.
fn receives(role: Role, signal: i32) -> bool {
    role == Role::Vrrp || signal == libc::SIGHUP || signal == libc::SIGUSR1
}

/// keepalived's KEEPALIVED_EXIT_FATAL (lib/scheduler.h): the child cannot run (no IPVS, a
/// runtime it cannot build); it is not restarted and keepalived stops with this code.
pub const EXIT_FATAL: i32 = 1;
/// keepalived's KEEPALIVED_EXIT_CONFIG: the child cannot run this configuration (an
/// instance `vrrp_complete_instance` refuses); not restarted either.
pub const EXIT_CONFIG: i32 = 2;
/// keepalived's KEEPALIVED_EXIT_MISSING_PERMISSION, the third permanent error.
const EXIT_MISSING_PERMISSION: i32 = 4;

/// The exit codes after which keepalived does not restart a child but terminates, with
/// the word its "exited with permanent error" line uses.
fn permanent_error(code: i32) -> Option<&'static str> {
    match code {
        EXIT_FATAL => Some("FATAL"),
        EXIT_CONFIG => Some("CONFIG"),
        EXIT_MISSING_PERMISSION => Some("missing permission"),
        _ => None,
    }
}

/// The parent's messages to systemd (nothing without NOTIFY_SOCKET).
struct Systemd {
    notifier: SystemdNotifier,
    reloading: bool,
}

impl Systemd {
    fn ready(&mut self, children: &[(Role, Option<Child>)]) {
        keepalived_daemon::log::info(keepalived_rs::lifecycle::complete(self.reloading));
        self.reloading = false;
        let running: Vec<String> = children
            .iter()
            .filter(|(_, c)| c.is_some())
            .map(|(r, _)| r.title().to_owned())
            .collect();
        let _ = self.notifier.ready();
        let _ = self
            .notifier
            .status(&format!("running: {}", running.join(", ")));
    }

    fn reloading(&mut self) {
        self.reloading = true;
        let _ = self.notifier.reloading();
    }

    fn stopping(&self) {
        let _ = self.notifier.stopping();
    }

    fn watchdog(&self) {
        let _ = self.notifier.watchdog();
    }
}

/// SIGTERM to every child, then up to `child_wait` (child_wait_time) for them to exit; one
/// still there is killed as keepalived does ("vrrp process failed to die - forcing
/// termination").
async fn stop_children(children: &mut [(Role, Option<Child>)], child_wait: Duration) {
    for (_, c) in children.iter() {
        if let Some(pid) = c.as_ref().and_then(Child::id) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
    }
    let deadline = tokio::time::Instant::now() + child_wait;
    for (role, c) in children.iter_mut() {
        if let Some(c) = c {
            if tokio::time::timeout_at(deadline, c.wait()).await.is_err() {
                keepalived_daemon::log::info(format!(
                    "{} process failed to die - forcing termination",
                    role.short()
                ));
                let _ = c.kill().await;
            }
        }
    }
}
