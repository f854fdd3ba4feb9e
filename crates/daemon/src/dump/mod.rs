//! The dump files keepalived 2.2.7 writes on signals, in its exact layout:
//! `/tmp/keepalived.data` (SIGUSR1, [`render_data`]), `/tmp/keepalived.stats` (SIGUSR2
//! and STATS_CLEAR, [`render_stats`]) and `/tmp/keepalived.json` (the JSON signal,
//! [`render_json`]); the checker process's `/tmp/keepalived_check.data` (SIGUSR1,
//! [`render_check_data`]).
//!
//! The event loop fills a plain-data [`Snapshot`] (see its fields; `Default` gives
//! keepalived's values for anything not tracked yet), renders it with the pure functions
//! here, and writes the result with [`write_atomically`]. STATS_CLEAR in keepalived
//! writes the stats file first and then zeroes the counters.

mod check;
mod fmt;
mod global;
mod instance;
mod json;
mod model;
mod paths;
mod sections;
mod stats;

use std::io::Write as _;
use std::path::Path;

pub use check::{render_check_data, CHECK_DATA_FILE};
pub use fmt::{
    format_mac, format_route, format_rule, format_vip, quote_command, timeval_with_date_usec_last,
};
pub use global::{GlobalDump, NftablesDump, SnmpDump};
pub use json::render_json;
pub use model::{
    AuthDump, BfdTrackDump, InstanceDump, InterfaceDump, InterfaceVmacDump, IpvlanDump,
    NotifyScriptDump, NotifyScripts, ScriptDump, ScriptInitState, Snapshot, SocketDump, StatsDump,
    SyncGroupDump, Timeval, TrackFileDump, TrackedDump, TrackedScriptDump, UnicastPeerDump,
    VipDump, VmacDump, VrrpState,
};
pub use paths::{dump_file, tmp_dir, DumpPaths};
pub use stats::render_stats;

/// Where keepalived 2.2.7 writes the data dump.
pub const DATA_FILE: &str = "/tmp/keepalived.data";
/// Where keepalived 2.2.7 writes the stats dump.
pub const STATS_FILE: &str = "/tmp/keepalived.stats";
/// Where keepalived 2.2.7 writes the JSON dump.
pub const JSON_FILE: &str = "/tmp/keepalived.json";

/// A line buffer: every line ends with `\n`.
#[derive(Default)]
pub(crate) struct Lines(String);

impl Lines {
    fn line(&mut self, s: impl AsRef<str>) {
        self.0.push_str(s.as_ref());
        self.0.push('\n');
    }

    fn into_string(self) -> String {
        self.0
    }
}

/// Renders `/tmp/keepalived.data` as keepalived 2.2.7's VRRP process writes it.
pub fn render_data(snap: &Snapshot) -> String {
    let mut text = String::new();
    global::render_global(&mut text, &snap.global);
    let mut out = Lines(text);
    if !snap.static_addresses.is_empty() {
        out.line("------< Static Addresses >------");
        for a in &snap.static_addresses {
            out.line(format!("     {}", format_vip(a)));
        }
    }
    if !snap.static_routes.is_empty() {
        out.line("------< Static Routes >------");
        for r in &snap.static_routes {
            out.line(format!("     {r}"));
        }
    }
    if !snap.static_rules.is_empty() {
        out.line("------< Static Rules >------");
        for r in &snap.static_rules {
            out.line(format!("     {r}"));
        }
    }
    if !snap.instances.is_empty() {
        out.line("------< VRRP Topology >------");
        // keepalived formats addresses into one static buffer; the last one formatted
        // before the topology is the global IPv6 multicast group.
        let mut last_addr = snap.global.mcast_group6.to_string();
        for v in &snap.instances {
            instance::render_instance(&mut out, v, &mut last_addr);
        }
    }
    sections::sockpool(&mut out, snap);
    sections::sync_groups(&mut out, snap);
    sections::scripts_and_files(&mut out, snap);
    sections::track_bfds(&mut out, snap);
    sections::interfaces(&mut out, snap);
    out.into_string()
}

/// The global definitions section alone, as every keepalived process starts its dump.
pub fn render_global_text(out: &mut String, g: &keepalived_conf::model::GlobalDefs) {
    global::render_global(out, &crate::snapshot::global_dump(g));
}

/// The global definitions section as keepalived's checker and BFD processes print it: no
/// `Default interface` (the VRRP process's alone), and the lower priority GARP settings
/// unset (UINT_MAX) unless configured, since only the VRRP process resolves them from the
/// master ones (vrrp_init).
pub fn render_global_other_process(out: &mut String, g: &keepalived_conf::model::GlobalDefs) {
    let mut global = crate::snapshot::global_dump(g);
    if g.garp.lower_prio_delay.is_none() {
        global.garp_lower_prio_delay = u32::MAX;
    }
    if g.garp.lower_prio_repeat.is_none() {
        global.garp_lower_prio_rep = u32::MAX;
    }
    let mut text = String::new();
    global::render_global(&mut text, &global);
    for l in text
        .lines()
        .filter(|l| !l.starts_with(" Default interface = "))
    {
        out.push_str(l);
        out.push('\n');
    }
}

/// Writes `contents` to `path` through a temporary file in the same directory and a
/// rename, mode 0600 like keepalived's files, so a reader never sees half a file.
pub fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dump".to_string());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomically_replaces_file() {
        let dir = std::env::temp_dir().join(format!("kdump-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let p = dir.join("keepalived.stats");
        write_atomically(&p, "one\n").expect("first write");
        write_atomically(&p, "two\n").expect("second write");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "two\n");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn checker_and_bfd_processes_print_no_default_interface_and_unset_lower_prio_garp() {
        let g = keepalived_conf::model::GlobalDefs::default();
        let mut text = String::new();
        render_global_other_process(&mut text, &g);
        // keepalived 2.2.7's BFD and checker dumps (tests/check_dump/keepalived_check.data).
        assert!(!text.contains("Default interface"), "{text}");
        assert!(text.contains(" Gratuitous ARP lower priority delay = 4294967295\n"));
        assert!(text.contains(" Gratuitous ARP lower priority repeat = 4294967295\n"));
        let mut vrrp = String::new();
        render_global_text(&mut vrrp, &g);
        assert!(vrrp.contains(" Default interface = "), "{vrrp}");
    }

    #[test]
    fn empty_snapshot_json_is_an_empty_array() {
        assert_eq!(render_json(&Snapshot::default()), "[]\n");
    }

    #[test]
    fn json_version_2_wraps_the_instances_in_a_vrrp_object() {
        let snap = Snapshot {
            json_version: 2,
            ..Snapshot::default()
        };
        assert_eq!(render_json(&snap), "{\"vrrp\":[]}\n");
    }
}
