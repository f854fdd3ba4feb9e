//! `config_save_dir DIR`, the parent's side (keepalived 2.2.7's config_save_dir_handler in
//! core/global_parser.c and init_data in lib/parser.c): the directory is created rwx------
//! when missing (its parents must exist), and after every read of the configuration at
//! start and at each reload (not the reloads that reload_check_config tests, where
//! keepalived's parent reads the test's copy) the consolidated copy of the configuration
//! is saved as DIR/keepalived.conf.PID.N (N from 0). The children's data dumps around
//! each reload are keepalived_daemon::config_save.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use keepalived_conf::model::GlobalDefs;
use keepalived_conf::SystemHost;
use keepalived_daemon::log;

use crate::cli::Cli;

/// keepalived's static conf_num.
static COPIES: AtomicU32 = AtomicU32::new(0);

/// The save directory of `g`, made if it is missing; `None` (after keepalived's error
/// line) when it cannot be used.
fn prepare(g: &GlobalDefs) -> Option<String> {
    let dir = g.config_save_dir.as_ref()?;
    let shown = dir.display();
    let err = |e: &std::io::Error| (e.raw_os_error().unwrap_or(0), crate::run::strerror(e));
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            log::info(format!(
                "config_save_dir {shown} exists and is not a directory"
            ));
            return None;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Err(e) = std::fs::DirBuilder::new().mode(0o700).create(dir) {
                let (n, text) = err(&e);
                log::info(format!(
                    "Unable to create config_save_dir {shown} (error {n} - {text})"
                ));
                return None;
            }
        }
        Err(e) => {
            let (n, text) = err(&e);
            log::info(format!("config_save_dir {shown} error {n} - {text}"));
            return None;
        }
    }
    keepalived_daemon::config_save::dir(g)
}

/// After the parent has read the configuration `g` came from: the copy saved.
pub(crate) fn after_read(cli: &Cli, g: &GlobalDefs) {
    let Some(dir) = prepare(g) else {
        return;
    };
    let opts = crate::run::read_options(cli, &SystemHost);
    let text = keepalived_conf::lexer::read_config_copy(&cli.config_file(), &opts);
    let n = COPIES.fetch_add(1, Ordering::Relaxed);
    let name = format!("{dir}/keepalived.conf.{}.{n}", std::process::id());
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(Path::new(&name))
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
    if let Err(e) = written {
        log::info(format!("Unable to save the configuration to {name} ({e})"));
    }
}
