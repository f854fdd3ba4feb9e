//! `track_file`: the integer in a file, re-read whenever inotify reports a change in its
//! directory (as keepalived watches them).

use std::collections::HashMap;
use std::path::Path;

use keepalived_conf::model::TrackFile;
use keepalived_vrrp::machine::TrackValue;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use tokio::io::unix::AsyncFd;
use tokio::sync::mpsc;

use super::{TrackKey, TrackUpdate};
use crate::log;

/// The file's value as keepalived reads it ([`TrackFile::read_value`]), clamped to
/// -254..=254.
pub fn read_value(path: &str) -> i64 {
    clamp(TrackFile::read_value(path))
}

fn clamp(v: i64) -> i64 {
    v.clamp(-254, 254)
}

/// `init_file [VALUE] [overwrite]`: writes the value when the file is missing (or always with
/// `overwrite`).
pub(super) fn init(f: &TrackFile) {
    if let Some(init) = f.init {
        if init.overwrite || !Path::new(&f.file).exists() {
            if let Err(e) = std::fs::write(&f.file, format!("{}\n", init.value)) {
                log::info(format!(
                    "track_file {}: cannot write {}: {e}",
                    f.name, f.file
                ));
            }
        }
    }
}

/// The inotify instance, owning its descriptor for the `AsyncFd`.
struct Watch(Inotify);

impl std::os::fd::AsRawFd for Watch {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsFd;
        self.0.as_fd().as_raw_fd()
    }
}

fn register(ino: Inotify) -> std::io::Result<AsyncFd<Watch>> {
    // SAFETY: the Inotify owns its descriptor and keeps it open, unchanged, until dropped
    // with the AsyncFd.
    unsafe { AsyncFd::register(Watch(ino)) }.map_err(|e| e.into_parts().1)
}

fn watcher(files: &[TrackFile]) -> nix::Result<Inotify> {
    let ino = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)?;
    let mask = AddWatchFlags::IN_CLOSE_WRITE
        | AddWatchFlags::IN_MODIFY
        | AddWatchFlags::IN_MOVED_TO
        | AddWatchFlags::IN_MOVED_FROM
        | AddWatchFlags::IN_CREATE
        | AddWatchFlags::IN_DELETE;
    for f in files {
        let dir = Path::new(&f.file)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Err(e) = ino.add_watch(dir, mask) {
            log::info(format!(
                "track_file {}: cannot watch {}: {e}",
                f.name,
                dir.display()
            ));
        }
    }
    Ok(ino)
}

/// Watches `files` and reports every change of value.
pub(super) fn spawn(
    files: Vec<TrackFile>,
    tx: mpsc::Sender<TrackUpdate>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last: HashMap<String, i64> = files
            .iter()
            .map(|f| (f.name.clone(), read_value(&f.file)))
            .collect();
        let fd = match watcher(&files)
            .map_err(std::io::Error::from)
            .and_then(register)
        {
            Ok(fd) => fd,
            Err(e) => {
                log::info(format!("track_file: inotify unavailable: {e}"));
                return;
            }
        };
        loop {
            let Ok(mut guard) = fd.readable().await else {
                return;
            };
            match guard.get_inner().0.read_events() {
                Ok(_) => {}
                Err(nix::Error::EAGAIN) => {
                    guard.clear_ready();
                    continue;
                }
                Err(_) => return,
            }
            for f in &files {
                let v = read_value(&f.file);
                if last.insert(f.name.clone(), v) != Some(v) {
                    let key = TrackKey::File(f.name.clone());
                    let update = TrackUpdate {
                        key,
                        value: TrackValue::Value(v),
                    };
                    if tx.send(update).await.is_err() {
                        return;
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::clamp;
    use keepalived_conf::model::TrackFile;

    #[test]
    fn values_are_clamped() {
        assert_eq!(clamp(TrackFile::parse_value("12\n")), 12);
        assert_eq!(clamp(TrackFile::parse_value("300")), 254);
        assert_eq!(clamp(TrackFile::parse_value("-300")), -254);
        assert_eq!(
            clamp(TrackFile::parse_value("99999999999999999999999")),
            254
        );
    }
}
