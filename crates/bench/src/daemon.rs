//! One daemon (ours or keepalived) run in a lab router's namespace with keepalived's flags
//! `-n -l -P -f CONF -p PIDFILE -r VRRP_PIDFILE -c CHECKERS_PIDFILE -b BFD_PIDFILE`. Its
//! console log is read through a pipe and every line is stamped on arrival, so that log
//! events can be set against address changes. Stopping sends SIGTERM to the parent, waits
//! for the whole process tree (keepalived's VRRP child is not waited for by `ip netns exec`)
//! and SIGKILLs whatever is left.

use std::io::BufRead;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{cleanup, lab::Lab, procfs};

/// A log line and when it was read.
pub type LogLine = (Instant, String);

/// A running daemon.
pub struct Daemon {
    child: Child,
    pid: i32,
    pidfiles: [PathBuf; 3],
    log: Arc<Mutex<Vec<LogLine>>>,
    /// When the process was spawned.
    pub started: Instant,
}

/// A pipe whose ends are closed on exec (the child gets dup2'ed copies only).
fn pipe() -> Result<(OwnedFd, OwnedFd), String> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two new descriptors that are owned right away.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("pipe: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: both descriptors are fresh and owned by nothing else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

impl Daemon {
    /// Writes `conf` to `NAME.conf` in the lab directory and starts `binary` on it in router
    /// `router`'s namespace.
    pub fn start(
        lab: &Lab,
        router: &str,
        name: &str,
        binary: &str,
        conf: &str,
    ) -> Result<Daemon, String> {
        Daemon::start_with(lab, router, name, binary, conf, &[])
    }

    /// [`Daemon::start`] with `extra` arguments after keepalived's flags (e.g. ours'
    /// `--metrics-address`).
    pub fn start_with(
        lab: &Lab,
        router: &str,
        name: &str,
        binary: &str,
        conf: &str,
        extra: &[&str],
    ) -> Result<Daemon, String> {
        Daemon::start_in(lab.dir(), &lab.ns(router), name, binary, conf, "-P", extra)
    }

    /// Writes `conf` to `NAME.conf` in `dir` and starts `binary` on it in namespace `ns`,
    /// with `only` as the subsystem flag (`-P`: VRRP only, `-C`: checkers only) and
    /// `extra` arguments after keepalived's flags.
    pub fn start_in(
        dir: &std::path::Path,
        ns: &str,
        name: &str,
        binary: &str,
        conf: &str,
        only: &str,
        extra: &[&str],
    ) -> Result<Daemon, String> {
        let path = dir.join(format!("{name}.conf"));
        std::fs::write(&path, conf).map_err(|e| format!("{}: {e}", path.display()))?;
        let pidfiles = [
            dir.join(format!("{name}.main.pid")),
            dir.join(format!("{name}.vrrp.pid")),
            dir.join(format!("{name}.checkers.pid")),
        ];
        for p in &pidfiles {
            let _ = std::fs::remove_file(p);
        }
        let (read, write) = pipe()?;
        let write2 = write.try_clone().map_err(|e| format!("pipe: {e}"))?;
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns, binary, "-n", "-l", only, "-f"])
            .arg(&path)
            .arg("-p")
            .arg(&pidfiles[0])
            .arg("-r")
            .arg(&pidfiles[1])
            // The other children's pid files too: keepalived refuses to start ("daemon is
            // already running") while another daemon's default /run/bfd.pid names a live process.
            .arg("-c")
            .arg(&pidfiles[2])
            .arg("-b")
            .arg(dir.join(format!("{name}.bfd.pid")))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::from(write))
            .stderr(Stdio::from(write2))
            .process_group(0);
        cleanup::unblock_signals_in_child(&mut cmd);
        let started = Instant::now();
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {binary} (via ip netns exec): {e}"))?;
        drop(cmd);
        let pid = child.id() as i32;
        cleanup::add_daemon(pid);
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            let reader = std::io::BufReader::new(std::fs::File::from(read));
            for line in reader.split(b'\n').map_while(Result::ok) {
                let text = String::from_utf8_lossy(&line).into_owned();
                let mut g = sink.lock().unwrap_or_else(|e| e.into_inner());
                g.push((Instant::now(), text));
            }
        });
        Ok(Daemon {
            child,
            pid,
            pidfiles,
            log,
            started,
        })
    }

    /// Whether the parent still runs (not exited, not a zombie).
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Every live process of the daemon: the parent's tree plus the pid files' processes
    /// and their trees (in case one was re-parented).
    pub fn tree(&self) -> Vec<i32> {
        let mut pids = procfs::tree(self.pid);
        for f in &self.pidfiles {
            if let Some(p) = std::fs::read_to_string(f)
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok())
            {
                for q in procfs::tree(p) {
                    if !pids.contains(&q) {
                        pids.push(q);
                    }
                }
            }
        }
        pids
    }

    /// The VRRP child's pid, from its pid file (None while it is not written or the child
    /// is gone).
    pub fn vrrp_pid(&self) -> Option<i32> {
        std::fs::read_to_string(&self.pidfiles[1])
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
            .filter(|p| procfs::alive(*p))
    }

    /// The checker child's pid (from its pid file), if it runs.
    pub fn checker_pid(&self) -> Option<i32> {
        std::fs::read_to_string(&self.pidfiles[2])
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
            .filter(|p| procfs::alive(*p))
    }

    /// The log lines read at or after `since`.
    pub fn log_since(&self, since: Instant) -> Vec<LogLine> {
        let g = self.log.lock().unwrap_or_else(|e| e.into_inner());
        g.iter().filter(|(t, _)| *t >= since).cloned().collect()
    }

    /// The last `n` log lines, for error messages.
    pub fn log_tail(&self, n: usize) -> String {
        let g = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let start = g.len().saturating_sub(n);
        g[start..]
            .iter()
            .map(|(_, l)| format!("  | {l}\n"))
            .collect()
    }

    /// SIGTERM to the parent, up to `grace` for the whole tree to exit, then SIGKILL to the
    /// rest. Returns whether it exited by itself.
    pub fn stop(&mut self, grace: Duration) -> bool {
        let pids = self.tree();
        procfs::signal_all(&pids[..pids.len().min(1)], libc::SIGTERM);
        let deadline = Instant::now() + grace;
        let mut clean = false;
        while Instant::now() < deadline {
            let _ = self.child.try_wait();
            if pids.iter().all(|p| !procfs::alive(*p)) {
                clean = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if !clean {
            procfs::signal_all(&self.tree(), libc::SIGKILL);
            procfs::signal_all(&pids, libc::SIGKILL);
        }
        let _ = self.child.wait();
        // The children, re-parented to init (or to us as a subreaper), are gone by now.
        let wait_gone = Instant::now() + Duration::from_secs(5);
        while pids.iter().any(|p| procfs::alive(*p)) && Instant::now() < wait_gone {
            std::thread::sleep(Duration::from_millis(20));
        }
        cleanup::remove_daemon(self.pid);
        clean
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.running() || self.tree().len() > 1 {
            self.stop(Duration::from_secs(5));
        }
    }
}
