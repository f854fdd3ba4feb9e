//! `reload_time_file PATH` and `reload_repeat`: the parent watches PATH with inotify and
//! reloads at the time on its first line, as keepalived 2.2.7's reload_monitor.c: the file
//! read when the monitor starts (after the children at start, after each reload), when it
//! is written (IN_CLOSE_WRITE) and when it appears in its directory; the reload
//! rescheduled when the time changes, cancelled when the file is removed or its line is
//! refused; monitoring stops when the directory goes. When the time comes the file is
//! removed (unless `reload_repeat` and the line had no date) and the parent sends itself
//! SIGHUP: the reload is an ordinary one (reload_check_config, reload_file...). The log
//! lines are keepalived's.

use std::ffi::OsString;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use keepalived_conf::model::GlobalDefs;
use keepalived_daemon::log;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};
use tokio::io::unix::AsyncFd;

use crate::reload_time::{format_local, parse, Parsed};

/// The inotify instance, owning its descriptor for the `AsyncFd`.
struct Watch(Inotify);

impl AsRawFd for Watch {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

/// A running monitor (keepalived's inotify_thread and reload_timer_thread).
pub(crate) struct ReloadMonitor {
    fd: Option<AsyncFd<Watch>>,
    dir_wd: WatchDescriptor,
    file_wd: Option<WatchDescriptor>,
    path: PathBuf,
    name: OsString,
    repeat: bool,
    /// The reload scheduled (epoch seconds; keepalived's global_data->reload_time).
    time: Option<i64>,
    date: bool,
    due: Option<tokio::time::Instant>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl ReloadMonitor {
    /// keepalived's start_reload_monitor; `None` without `reload_time_file` or when its
    /// directory cannot be watched ("Unable to monitor reload timer file directory").
    pub(crate) fn start(g: &GlobalDefs) -> Option<ReloadMonitor> {
        let path = g.reload_time_file.clone()?;
        let text = path.to_string_lossy().into_owned();
        let (dir, name) = match text.rfind('/') {
            None => ("/".to_owned(), text.clone()),
            Some(i) => (text[..i].to_owned(), text[i + 1..].to_owned()),
        };
        let unable = || {
            log::info(format!(
                "Unable to monitor reload timer file directory {dir}- ignoring"
            ));
        };
        let Ok(ino) = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC) else {
            unable();
            return None;
        };
        let mask = AddWatchFlags::IN_CREATE
            | AddWatchFlags::IN_DELETE
            | AddWatchFlags::IN_MOVED_TO
            | AddWatchFlags::IN_MOVED_FROM
            | AddWatchFlags::IN_DELETE_SELF
            | AddWatchFlags::IN_MOVE_SELF;
        let Ok(dir_wd) = ino.add_watch(Path::new(&dir), mask) else {
            unable();
            return None;
        };
        // SAFETY: the Inotify owns its descriptor and keeps it open, unchanged, until it
        // is dropped with the AsyncFd.
        let Ok(fd) = (unsafe { AsyncFd::register(Watch(ino)) }) else {
            unable();
            return None;
        };
        let mut m = ReloadMonitor {
            fd: Some(fd),
            dir_wd,
            file_wd: None,
            path,
            name: OsString::from(name),
            repeat: g.reload_repeat,
            time: None,
            date: false,
            due: None,
        };
        m.watch_file();
        Some(m)
    }

    fn inotify(&self) -> Option<&Inotify> {
        self.fd.as_ref().map(|f| &f.get_ref().0)
    }

    /// keepalived's watch_file: IN_CLOSE_WRITE on the file (if it is there), then read it.
    fn watch_file(&mut self) {
        let wd = self
            .inotify()
            .and_then(|i| i.add_watch(&self.path, AddWatchFlags::IN_CLOSE_WRITE).ok());
        self.file_wd = wd;
        if wd.is_some() {
            self.read_file();
        }
    }

    /// keepalived's cancel_reload.
    fn cancel(&mut self, say: bool) {
        if self.due.take().is_none() {
            return;
        }
        if say {
            if let Some(t) = self.time {
                log::info(format!(
                    "Cancelling reload scheduled for {}",
                    format_local(t)
                ));
            }
        }
        self.time = None;
    }

    /// keepalived's read_file: the first line (at most 20 bytes, as its fgets) scheduled.
    fn read_file(&mut self) {
        let Ok(bytes) = std::fs::read(&self.path) else {
            self.cancel(true);
            return;
        };
        if bytes.is_empty() {
            self.cancel(true);
            return;
        }
        let end = bytes
            .iter()
            .take(20)
            .position(|&b| b == b'\n')
            .map_or(bytes.len().min(20), |i| i);
        let line = String::from_utf8_lossy(&bytes[..end]).into_owned();
        let (time, date) = match parse(&line, now_secs()) {
            Parsed::At { time, date } => (time, date),
            Parsed::Invalid(why) => {
                log::info(why);
                log::info(format!("Invalid reload time '{line}' specified - ignoring"));
                self.cancel(true);
                return;
            }
            Parsed::Past(why) => {
                log::info(why);
                log::info("Reload date/time is in the past - ignoring");
                self.cancel(true);
                return;
            }
        };
        self.date = date;
        if self.time == Some(time) {
            return;
        }
        // To the second boundary, as keepalived's timer (seconds less the microseconds).
        let target = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(time).unwrap_or(0));
        let wait = target
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        let due = tokio::time::Instant::now() + wait;
        match (self.due.is_some(), self.time) {
            (true, Some(old)) => log::info(format!(
                "Reload time updated from {} to {}",
                format_local(old),
                format_local(time)
            )),
            _ => log::info(format!("Scheduling reload for {}", format_local(time))),
        }
        self.due = Some(due);
        self.time = Some(time);
    }

    /// keepalived's inotify_event_thread: every event queued.
    fn handle_events(&mut self) {
        while let Some(events) = self.inotify().and_then(|i| i.read_events().ok()) {
            if events.is_empty() || !self.handle(events) {
                return;
            }
        }
    }

    /// Handles a batch of events; false once monitoring has stopped.
    fn handle(&mut self, events: Vec<nix::sys::inotify::InotifyEvent>) -> bool {
        for e in events {
            if Some(e.wd) == self.file_wd && e.mask.contains(AddWatchFlags::IN_CLOSE_WRITE) {
                self.read_file();
            }
            if e.wd != self.dir_wd {
                continue;
            }
            if e.mask
                .intersects(AddWatchFlags::IN_DELETE_SELF | AddWatchFlags::IN_MOVE_SELF)
            {
                self.cancel(true);
                self.fd = None;
                log::info("Directory of reload timer file has disappeared. Monitoring stopped.");
                return false;
            }
            if e.name.as_ref() != Some(&self.name) {
                continue;
            }
            if e.mask
                .intersects(AddWatchFlags::IN_CREATE | AddWatchFlags::IN_MOVED_TO)
            {
                self.watch_file();
            } else if e
                .mask
                .intersects(AddWatchFlags::IN_DELETE | AddWatchFlags::IN_MOVED_FROM)
            {
                if let (Some(wd), Some(i)) = (self.file_wd.take(), self.inotify()) {
                    let _ = i.rm_watch(wd);
                }
                self.cancel(true);
            }
        }
        true
    }

    /// Follows the file until the scheduled reload is due (never, when nothing is).
    pub(crate) async fn due(&mut self) {
        loop {
            let readable = async {
                match &self.fd {
                    Some(fd) => match fd.readable().await {
                        Ok(mut guard) => {
                            guard.clear_ready();
                        }
                        Err(_) => std::future::pending().await,
                    },
                    None => std::future::pending().await,
                }
            };
            let timer = async {
                match self.due {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = readable => self.handle_events(),
                () = timer => return,
            }
        }
    }

    /// keepalived's reload_timer_thread: stops watching, removes the file unless
    /// `reload_repeat` keeps a line without a date, and sends this process SIGHUP.
    pub(crate) fn fire(self) {
        let path = self.path.clone();
        let remove = !self.repeat || self.date;
        drop(self);
        if remove {
            let _ = std::fs::remove_file(&path);
        }
        let _ = nix::sys::signal::kill(nix::unistd::getpid(), nix::sys::signal::Signal::SIGHUP);
    }
}
