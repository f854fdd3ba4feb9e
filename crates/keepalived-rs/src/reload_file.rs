//! `reload_file [PATH]`, as keepalived 2.2.7 really handles it (core/main.c
//! create_reload_file / remove_reload_file): the parent, never `-t` and never a child,
//!
//! - at start, removes the file once it has read the configuration (a file left by a
//!   daemon that died while reading);
//! - at a SIGHUP with `reload_check_config`, creates it (truncated, rw-r--r-- whatever the
//!   umask) before it runs the `--config-test` child and removes it when that child exits;
//! - at a SIGHUP without `reload_check_config`, removes it once it has read the new
//!   configuration, before the children are signalled. keepalived's manual says it is
//!   created then too, but 2.2.7 (and 2.3.4) look the name up in the configuration not yet
//!   read and create nothing; the file a configuration updater touched before its SIGHUP
//!   is removed all the same (docs/process.md).
//!
//! Without a path the file is keepalived.reload in the pid directory: /run/keepalived.reload,
//! /run/keepalived/keepalived.reload with `use_pid_dir` or a network namespace,
//! /run/keepalived/keepalived_INSTANCE.reload with `instance`.

use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use keepalived_conf::model::GlobalDefs;
use keepalived_daemon::log;

/// The reload file `g` names, if any (keepalived's init_global_data).
pub(crate) fn path(g: &GlobalDefs) -> Option<PathBuf> {
    g.reload_file_path()
}

/// keepalived's create_reload_file: creat(2) rw-r--r-- (the group and other read bits
/// taken out of the umask for it), truncating a file that is there.
pub(crate) fn create(path: &Path) {
    let made = crate::pidfile::with_umask(0o044, || {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(path)
    });
    if let Err(e) = made {
        log::info(format!(
            "Failed to create reload file ({}) {} - {}",
            path.display(),
            e.raw_os_error().unwrap_or(0),
            crate::run::strerror(&e)
        ));
    }
}

/// keepalived's remove_reload_file: unlink(2), whatever it says.
pub(crate) fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_is_in_the_pid_directory() {
        let mut g = GlobalDefs::default();
        assert_eq!(path(&g), None);
        g.reload_file = Some(None);
        assert_eq!(path(&g), Some("/run/keepalived.reload".into()));
        g.use_pid_dir = true;
        assert_eq!(path(&g), Some("/run/keepalived/keepalived.reload".into()));
        g.instance = Some("i1".into());
        assert_eq!(
            path(&g),
            Some("/run/keepalived/keepalived_i1.reload".into())
        );
        g.reload_file = Some(Some("/tmp/r".into()));
        assert_eq!(path(&g), Some("/tmp/r".into()));
    }

    #[test]
    fn created_readable_by_all_and_truncated() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("kvr-reload-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("r");
        create(&f);
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        std::fs::write(&f, "waiting").unwrap();
        create(&f);
        let len = std::fs::metadata(&f).unwrap().len();
        remove(&f);
        let gone = !f.exists();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(mode & 0o644, 0o644);
        assert_eq!(len, 0);
        assert!(gone);
    }
}
