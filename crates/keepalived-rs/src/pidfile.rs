//! Pid files as keepalived writes them: /run/keepalived/ when `instance`, `net_namespace`
//! or `use_pid_dir` asks for it (created rwxr-xr-x, removed at exit), files rw-r--r--
//! opened with O_NOFOLLOW, and keepalived 2.3's locking: the parent holds an open file
//! description lock (F_OFD_SETLK) on its own and on each child's pid file for its whole life,
//! so a second daemon with the same files refuses to start ("Another process has pid file
//! ... locked", "daemon is already running") while a file left by a dead daemon is taken over,
//! whatever pid it names (that pid may belong to another process by now).

use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use keepalived_daemon::log;

/// keepalived's pid directory (KEEPALIVED_PID_DIR).
pub const PID_DIR: &str = "/run/keepalived";

/// Creates /run/keepalived (rwxr-xr-x whatever the umask); true when it is there.
pub fn create_pid_dir() -> bool {
    let ok = with_umask(0o755, || {
        std::fs::DirBuilder::new()
            .mode(0o755)
            .create(PID_DIR)
            .or_else(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Ok(())
                } else {
                    Err(e)
                }
            })
    })
    .is_ok();
    if !ok {
        log::info(format!("Unable to create directory {PID_DIR}/"));
    }
    ok
}

/// Removes /run/keepalived unless something else is in it (keepalived's remove_pid_dir).
pub fn remove_pid_dir() {
    if let Err(e) = std::fs::remove_dir(PID_DIR) {
        let busy = matches!(e.raw_os_error(), Some(libc::ENOTEMPTY | libc::EBUSY));
        if !busy {
            log::info(format!(
                "unlink of {PID_DIR}/ failed - error ({}) '{}'",
                e.raw_os_error().unwrap_or(0),
                crate::run::strerror(&e)
            ));
        }
    }
}

/// Runs `f` with the umask narrowed by `clear` (bits removed), then restores it.
pub fn with_umask<T>(clear: u32, f: impl FnOnce() -> T) -> T {
    use nix::sys::stat::{umask, Mode};
    let old = umask(Mode::empty());
    umask(Mode::from_bits_truncate(old.bits() & !clear));
    let out = f();
    umask(old);
    out
}

/// A pid file the parent holds locked until it is dropped.
#[derive(Debug)]
pub struct PidLock {
    path: PathBuf,
    file: File,
}

impl PidLock {
    /// The locked file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `pid` into the locked file (truncated first).
    pub fn write_pid(&mut self, pid: u32) -> std::io::Result<()> {
        self.file.set_len(0)?;
        let mut f = &self.file;
        std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(0))?;
        f.write_all(format!("{pid}\n").as_bytes())
    }
}

/// Opens and locks `path` as keepalived 2.3's create_pidfile; `None` (after keepalived's
/// log line) when another process holds it, or when a live process other than us is named
/// in it.
pub fn lock(path: &Path) -> Option<PidLock> {
    loop {
        let file = match with_umask(0o644, || {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o644)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(path)
        }) {
            Ok(f) => f,
            Err(e) => {
                log::info(format!(
                    "pidfile_write : Cannot open {} pidfile ({})",
                    path.display(),
                    crate::run::strerror(&e)
                ));
                return None;
            }
        };
        let mut fl = libc::flock {
            l_type: libc::F_WRLCK as i16,
            l_whence: libc::SEEK_SET as i16,
            l_start: 0,
            l_len: 0,
            l_pid: 0,
        };
        // SAFETY: fcntl on an fd we own with a valid, initialised struct flock.
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &mut fl) };
        if rc != 0 {
            let e = std::io::Error::last_os_error();
            if matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EACCES)) {
                log::info(format!(
                    "Another process has pid file {} locked",
                    path.display()
                ));
            } else {
                log::info(format!(
                    "Locking pid file {} error {} - {}",
                    path.display(),
                    e.raw_os_error().unwrap_or(0),
                    crate::run::strerror(&e)
                ));
            }
            return None;
        }
        // The file may have been removed or replaced between open and lock: lock the one
        // that is there.
        use std::os::unix::fs::MetadataExt;
        let (Ok(on_disk), Ok(ours)) = (std::fs::metadata(path), file.metadata()) else {
            continue;
        };
        if on_disk.dev() != ours.dev() || on_disk.ino() != ours.ino() {
            continue;
        }
        let _ = file.set_len(0);
        return Some(PidLock {
            path: path.to_path_buf(),
            file,
        });
    }
}

/// Writes our pid to `path` as keepalived's pidfile_write (a child's own file).
pub fn write(path: &Path) {
    let written = with_umask(0o644, || {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .and_then(|mut f| f.write_all(format!("{}\n", std::process::id()).as_bytes()))
    });
    if written.is_err() {
        log::info(format!(
            "pidfile_write : Cannot open {} pidfile",
            path.display()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_pid_file_is_refused_and_a_stale_one_taken_over() {
        let dir = std::env::temp_dir().join(format!("k13p-pid-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("keepalived.pid");
        // A stale file (no such process) is taken over.
        std::fs::write(&path, "999999999\n").unwrap();
        let mut held = lock(&path).expect("a stale pid file is taken over");
        held.write_pid(std::process::id()).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{}\n", std::process::id())
        );
        // Our own pid is not "another process"; the lock is: a second open file
        // description cannot take it.
        assert!(lock(&path).is_none());
        drop(held);
        assert!(lock(&path).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
