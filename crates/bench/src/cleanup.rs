//! Everything the suite creates outside itself (network namespaces, daemon process trees,
//! scratch directories) is registered here, so that Ctrl-C or SIGTERM can remove it all.
//! Normal exits and panics clean up through `Drop` (`Lab`, `Daemon`); the signal thread is the
//! last resort for the cases where no destructor runs.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use crate::procfs;

/// What exists right now and must not outlive the suite.
#[derive(Default)]
struct Registry {
    namespaces: Vec<String>,
    daemons: Vec<i32>,
    dirs: Vec<PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    namespaces: Vec::new(),
    daemons: Vec::new(),
    dirs: Vec::new(),
});

fn with<T>(f: impl FnOnce(&mut Registry) -> T) -> T {
    let mut guard = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    f(&mut guard)
}

/// Records a network namespace the suite created.
pub fn add_namespace(name: &str) {
    with(|r| r.namespaces.push(name.to_owned()));
}

/// Forgets a namespace that was deleted.
pub fn remove_namespace(name: &str) {
    with(|r| r.namespaces.retain(|n| n != name));
}

/// Records the root pid of a daemon's process tree.
pub fn add_daemon(pid: i32) {
    with(|r| r.daemons.push(pid));
}

/// Forgets a daemon that was stopped.
pub fn remove_daemon(pid: i32) {
    with(|r| r.daemons.retain(|p| *p != pid));
}

/// Records a scratch directory.
pub fn add_dir(dir: PathBuf) {
    with(|r| r.dirs.push(dir));
}

/// Forgets a scratch directory that was removed.
pub fn remove_dir(dir: &std::path::Path) {
    with(|r| r.dirs.retain(|d| d != dir));
}

/// Kills every registered daemon tree, deletes every registered namespace and directory.
fn remove_everything() {
    let (daemons, namespaces, dirs) = with(|r| {
        (
            std::mem::take(&mut r.daemons),
            std::mem::take(&mut r.namespaces),
            std::mem::take(&mut r.dirs),
        )
    });
    for pid in daemons {
        for p in procfs::tree(pid) {
            // SAFETY: kill(2) with a pid from /proc and a valid signal number.
            unsafe { libc::kill(p, libc::SIGKILL) };
        }
    }
    for ns in namespaces {
        let _ = Command::new("ip").args(["netns", "del", &ns]).status();
    }
    for dir in dirs {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Blocks SIGINT, SIGTERM and SIGHUP in every thread (call before starting any thread) and
/// starts the thread that waits for them, cleans up and exits with 128 + the signal.
pub fn install_signal_thread() {
    // SAFETY: a zeroed sigset_t is filled by sigemptyset before use; pthread_sigmask only
    // changes this thread's mask, which the threads started later inherit.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        // An ignored signal is discarded even while blocked (a shell without job control
        // starts background jobs with SIGINT ignored): restore the default so that sigwait
        // sees it. SIGHUP keeps its disposition (nohup).
        for s in [libc::SIGINT, libc::SIGTERM] {
            libc::signal(s, libc::SIG_DFL);
        }
        set
    };
    std::thread::spawn(move || {
        let mut sig: libc::c_int = 0;
        // SAFETY: `set` is an initialised signal set blocked in every thread.
        if unsafe { libc::sigwait(&set, &mut sig) } == 0 {
            eprintln!("\nkeepalived-bench: signal {sig}, cleaning up");
            remove_everything();
            std::process::exit(128 + sig);
        }
    });
}

/// Makes `cmd`'s process start with the signals unblocked that `install_signal_thread`
/// blocked here (a blocked mask survives fork and exec: a daemon would ignore SIGTERM).
pub fn unblock_signals_in_child(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only async-signal-safe calls (sigemptyset, sigaddset, pthread_sigmask) run
    // between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for s in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                libc::sigaddset(&mut set, s);
            }
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            Ok(())
        });
    }
}
