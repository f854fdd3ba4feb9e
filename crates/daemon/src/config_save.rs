//! `config_save_dir DIR`: each child's data dump before and after each reload, as
//! keepalived 2.2.7's save_config (core/config_notify.c): DIR/keepalived_PROCESS.PID.N.pre
//! and .post, PROCESS `vrrp`, `check` or `bfd`, PID the child's, N its reload count from 1;
//! the contents are the process's SIGUSR1 dump (keepalived.data, keepalived_check.data,
//! keepalived_bfd.data). The parent's consolidated configuration copies are the binary's.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use keepalived_conf::model::GlobalDefs;

use crate::log;

/// keepalived's static reload_num (one per process).
static RELOADS: AtomicU32 = AtomicU32::new(0);

/// The directory as keepalived's set_dir keeps it (one trailing `/` removed).
pub fn dir(g: &GlobalDefs) -> Option<String> {
    let d = g.config_save_dir.as_ref()?.to_string_lossy().into_owned();
    Some(d.strip_suffix('/').map(str::to_owned).unwrap_or(d))
}

/// Saves `render()` as this process's `.pre` (`post` false: a reload starts, counted) or
/// `.post` dump, when `g` has a `config_save_dir`.
pub fn save(g: &GlobalDefs, process: &str, post: bool, render: impl FnOnce() -> String) {
    let Some(dir) = dir(g) else {
        return;
    };
    let n = if post {
        RELOADS.load(Ordering::Relaxed)
    } else {
        RELOADS.fetch_add(1, Ordering::Relaxed) + 1
    };
    let name = format!(
        "{dir}/keepalived_{process}.{}.{n}.{}",
        std::process::id(),
        if post { "post" } else { "pre" }
    );
    // Written whole, as the dumps are.
    if crate::dump::write_atomically(Path::new(&name), &render()).is_err() {
        log::info(format!("Failed to open config_save file {name}"));
    }
}
