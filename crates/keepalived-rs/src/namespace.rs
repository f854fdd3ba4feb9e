//! `net_namespace NAME` and `-s/--namespace NAME`, as keepalived's core/namespaces.c: the
//! parent, before it opens anything or starts a thread, enters /run/netns/NAME (setns), then
//! gives itself a private mount namespace (every mount made a slave, as systemd shares them)
//! in which /run/keepalived/NAME is bind-mounted on /run/keepalived: the pid files it and its
//! children write as /run/keepalived/*.pid are /run/keepalived/NAME/*.pid to everyone else.
//! The children, started afterwards, inherit both namespaces.

use std::ffi::CString;
use std::os::fd::AsRawFd;
use std::os::unix::fs::DirBuilderExt;

use keepalived_daemon::log;

use crate::pidfile::{with_umask, PID_DIR};

/// The last OS error as keepalived prints it: errno and strerror's text.
fn last_error() -> (i32, String) {
    let e = std::io::Error::last_os_error();
    (e.raw_os_error().unwrap_or(0), crate::run::strerror(&e))
}

/// keepalived's directory of named network namespaces (`ip netns`).
const NETNS_DIR: &str = "/run/netns/";

/// The namespace entered and its bind mount, undone by [`Entered::leave`].
#[derive(Debug)]
pub struct Entered {
    mount_dir: Option<String>,
}

/// Enters network namespace `name` as keepalived's set_namespaces. `None` (after
/// keepalived's log line) when it cannot: keepalived then exits.
pub fn enter(name: &str) -> Option<Entered> {
    if let Err(line) = enter_net(name) {
        log::info(line);
        return None;
    }
    Some(Entered {
        mount_dir: run_mount(name),
    })
}

/// The setns part alone (all `-t` does); `Err` with keepalived's line.
pub fn enter_net(name: &str) -> Result<(), String> {
    let path = format!("{NETNS_DIR}{name}");
    let Ok(file) = std::fs::File::open(&path) else {
        return Err(format!("Failed to open {path}"));
    };
    // SAFETY: setns on a namespace fd we hold open, from the only thread there is.
    if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(format!("setns() failed with error {}", last_error().0));
    }
    Ok(())
}

/// keepalived's set_run_mount: /run/keepalived/NAME mounted on /run/keepalived in a mount
/// namespace of our own. Failures are logged and the daemon carries on.
fn run_mount(name: &str) -> Option<String> {
    let dir = format!("{PID_DIR}/{name}");
    let made = with_umask(0o755, || {
        std::fs::DirBuilder::new()
            .mode(0o755)
            .create(&dir)
            .or_else(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => Ok(()),
                _ => Err(e),
            })
    });
    if made.is_err() {
        log::info(format!("Unable to create directory {dir}"));
        return None;
    }
    // SAFETY: unshare of the mount namespace from the only thread there is.
    if unsafe { libc::unshare(libc::CLONE_NEWNS) } != 0 {
        let (errno, text) = last_error();
        log::info(format!("mount unshare failed ({errno}) '{text}'"));
        return None;
    }
    let (Ok(empty), Ok(root), Ok(src), Ok(target)) = (
        CString::new(""),
        CString::new("/"),
        CString::new(dir.clone()),
        CString::new(PID_DIR),
    ) else {
        return None;
    };
    // SAFETY: mount(2) with NUL-terminated strings that outlive the calls.
    unsafe {
        if libc::mount(
            empty.as_ptr(),
            root.as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_SLAVE,
            std::ptr::null(),
        ) != 0
        {
            let (errno, text) = last_error();
            log::info(format!("Mount slave failed, error ({errno}) '{text}'"));
        }
        if libc::mount(
            src.as_ptr(),
            target.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND,
            std::ptr::null(),
        ) != 0
        {
            let (errno, text) = last_error();
            log::info(format!("Mount failed, error ({errno}) '{text}'"));
        }
    }
    Some(dir)
}

impl Entered {
    /// keepalived's clear_namespaces: unmount /run/keepalived and remove
    /// /run/keepalived/NAME when it is empty.
    pub fn leave(self) {
        let Some(dir) = self.mount_dir else {
            return;
        };
        let Ok(target) = CString::new(PID_DIR) else {
            return;
        };
        // SAFETY: umount(2) with a NUL-terminated path.
        if unsafe { libc::umount(target.as_ptr()) } != 0 {
            log::info(format!(
                "unmount of {PID_DIR}/ failed - errno {}",
                last_error().0
            ));
        }
        if let Err(e) = std::fs::remove_dir(&dir) {
            if !matches!(e.raw_os_error(), Some(libc::ENOTEMPTY | libc::EBUSY)) {
                log::info(format!(
                    "unlink of {dir} failed - error ({}) '{}'",
                    e.raw_os_error().unwrap_or(0),
                    crate::run::strerror(&e)
                ));
            }
        }
    }
}

/// Runs `f` with the calling thread in the network namespace `net_namespace_ipvs` names
/// (`None`: the default namespace, /proc/1/ns/net; `Some(NAME)`: /run/netns/NAME), then
/// back in its own, as keepalived's set_netns_name / restore_net_namespace around the
/// IPVS socket: the socket stays in the namespace it was made in. `Err` with keepalived's
/// line when a namespace cannot be opened or entered.
pub fn with_ipvs_namespace<T>(name: Option<&str>, f: impl FnOnce() -> T) -> Result<T, String> {
    let target = match name {
        Some(n) => format!("/var/run/netns/{n}"),
        None => "/proc/1/ns/net".to_owned(),
    };
    let (Ok(ours), Ok(theirs)) = (
        std::fs::File::open("/proc/self/ns/net"),
        std::fs::File::open(&target),
    ) else {
        let (errno, text) = last_error();
        return Err(format!(
            "Failed to open namespace fds, errno {errno} ({text})"
        ));
    };
    // SAFETY: setns with namespace fds we hold open; the checker child is single-threaded
    // when it opens its IPVS socket.
    if unsafe { libc::setns(theirs.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        let (errno, text) = last_error();
        return Err(format!(
            "Open socket - unable to set namespace, errno {errno} ({text})"
        ));
    }
    let out = f();
    // SAFETY: as above, back to the namespace we came from.
    if unsafe { libc::setns(ours.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        let (errno, text) = last_error();
        log::info(format!(
            "Open socket - unable to restore default namespace, errno {errno} ({text})"
        ));
    }
    Ok(out)
}
