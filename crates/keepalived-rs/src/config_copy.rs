//! `tmp_config_directory DIR`: keepalived 2.2.7's parent keeps its consolidated copy of
//! the configuration (lib/parser.c conf_copy) in a memfd, or with this keyword in an
//! anonymous O_TMPFILE file on DIR's file system (use_disk_copy_for_config), open for its
//! whole life ("DIR/#INODE (deleted)" in /proc/PID/fd); a DIR it cannot write to is
//! reported ("Cannot open config directory DIR for writing, errno N - TEXT"). Ours' parent
//! does the same at start (not under -t, and like keepalived not at a reload). keepalived's
//! children read that copy instead of the files; ours' children read the files again
//! themselves (docs/process.md), so the copy is what keepalived's would hold, held where
//! keepalived holds it, and no process reads it. Changing the keyword at a reload is
//! refused as keepalived refuses it (supervisor.rs).

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use keepalived_conf::model::GlobalDefs;
use keepalived_conf::SystemHost;
use keepalived_daemon::log;

use crate::cli::Cli;

/// The copy in DIR (`None` without `tmp_config_directory`, or when DIR cannot be written).
pub(crate) fn open(cli: &Cli, g: &GlobalDefs) -> Option<File> {
    let dir = g.tmp_config_directory.as_ref()?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE | libc::O_EXCL)
        .open(dir);
    let mut file = match file {
        Ok(f) => f,
        Err(e) => {
            log::info(format!(
                "Cannot open config directory {} for writing, errno {} - {}",
                dir.display(),
                e.raw_os_error().unwrap_or(0),
                crate::run::strerror(&e)
            ));
            return None;
        }
    };
    let opts = crate::run::read_options(cli, &SystemHost);
    let text = keepalived_conf::lexer::read_config_copy(&cli.config_file(), &opts);
    if file.write_all(text.as_bytes()).is_err() {
        log::info(format!(
            "Unable to config to new disk file on {}",
            dir.display()
        ));
        return None;
    }
    Some(file)
}
