//! KEEPALIVED-MIB's process and BFD tables (keepalived 2.2.7's vrrp_snmp.c):
//! vrrpTrackedBfdTable (.17), vrrpBfdTable (.18), syncGroupTrackedBfdTable (.19),
//! vrrpTrackedProcessTable (.20), vrrpProcessTable (.21) and
//! syncGroupTrackedProcessTable (.22), all under vrrp (.2).

use keepalived_conf::model::{ParamMatch, TrackProcess, TrackRef};
use keepalived_vrrp::machine::TrackValue;

use keepalived_agentx::{Oid, Value};

use super::keepalived_mib::truth;
use super::mib::Mib;
use super::view::TrackedView;
use crate::tracking::TrackKey;
use crate::vrrp::Daemon;

/// One `bfd_instance` the VRRP process hears about (vrrpBfdTable).
#[derive(Debug, Clone)]
pub(crate) struct BfdView {
    pub name: String,
    pub up: bool,
    pub weight: i32,
    pub weight_reverse: bool,
}

/// One `vrrp_track_process` (vrrpProcessTable).
#[derive(Debug, Clone)]
pub(crate) struct ProcessView {
    pub name: String,
    pub path: String,
    /// The parameters joined by spaces.
    pub params: String,
    /// keepalived's PARAM_MATCH_NONE 0, EXACT 1, INITIAL 2, PARTIAL 3.
    pub param_match: i32,
    pub weight: i32,
    pub weight_reverse: bool,
    pub quorum: u32,
    /// keepalived's UINT_MAX without `quorum_max`, which its INTEGER column shows as -1.
    pub quorum_max: i32,
    pub fork_delay_us: u32,
    pub terminate_delay_us: u32,
    pub full_command: bool,
    pub current: u64,
    pub up: bool,
}

fn param_match(p: &TrackProcess) -> i32 {
    match p.param_match {
        None if p.process.len() > 1 => 1,
        None => 0,
        Some(ParamMatch::Full) => 1,
        Some(ParamMatch::Initial) => 2,
        Some(ParamMatch::Partial) => 3,
    }
}

fn micros(d: std::time::Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

impl Daemon {
    /// The bfd_instances whose events reach the VRRP process.
    pub(crate) fn bfd_views(&self) -> Vec<BfdView> {
        self.config
            .bfd
            .iter()
            .filter(|b| b.notifies_vrrp())
            .map(|b| BfdView {
                name: b.name.clone(),
                up: self.current.get(&TrackKey::Bfd(b.name.clone())) == TrackValue::Up,
                weight: b.weight,
                weight_reverse: b.weight_reverse,
            })
            .collect()
    }

    /// Every vrrp_track_process, with its current count.
    pub(crate) fn process_views(&self) -> Vec<ProcessView> {
        self.config
            .vrrp
            .track_processes
            .iter()
            .map(|p| ProcessView {
                name: p.name.clone(),
                path: p.process.first().cloned().unwrap_or_default(),
                params: p.process.get(1..).unwrap_or_default().join(" "),
                param_match: param_match(p),
                weight: p.weight,
                weight_reverse: p.weight_reverse,
                quorum: p.quorum,
                quorum_max: p
                    .quorum_max
                    .map_or(-1, |m| i32::try_from(m).unwrap_or(i32::MAX)),
                fork_delay_us: micros(p.fork_delay),
                terminate_delay_us: micros(p.terminate_delay),
                full_command: p.full_command || p.process.len() > 1,
                current: self
                    .watchers
                    .as_ref()
                    .and_then(|w| w.process_count(&p.name))
                    .unwrap_or_else(|| crate::tracking::process_count_now(p)),
                up: self.current.get(&TrackKey::Process(p.name.clone())) == TrackValue::Up,
            })
            .collect()
    }

    /// `track_bfd` entries as keepalived's tracked-BFD tables show them: with the
    /// bfd_instance's own weight and reverse (as its vrrp_snmp_trackedbfd reads them, not
    /// the entry's); `strip`: keepalived drops the entries weighted by the tracking line or
    /// the instance (a member of a sync group without tracking weights, an address owner).
    pub(crate) fn tracked_bfds(&self, refs: &[TrackRef], strip: bool) -> Vec<TrackedView> {
        refs.iter()
            .filter_map(|t| {
                let b = self.config.bfd.iter().find(|b| b.name == t.name)?;
                let weight = t.weight.unwrap_or(b.weight);
                (!strip || weight == 0).then(|| TrackedView {
                    name: t.name.clone(),
                    weight: b.weight,
                    reverse: b.weight_reverse,
                })
            })
            .collect()
    }

    /// `track_process` entries as keepalived's tracked-process tables show them: with the
    /// vrrp_track_process's own weight and reverse (keepalived 2.2.7 keeps weighted ones
    /// also where it drops weighted scripts).
    pub(crate) fn tracked_processes(&self, refs: &[TrackRef]) -> Vec<TrackedView> {
        refs.iter()
            .filter_map(|t| {
                let p = self.config.vrrp.track_process(&t.name)?;
                Some(TrackedView {
                    name: t.name.clone(),
                    weight: p.weight,
                    reverse: p.weight_reverse,
                })
            })
            .collect()
    }
}

/// vrrpBfdTable (.18) and vrrpProcessTable (.21) under `vrrp`.
pub(crate) fn rows(m: &mut Mib, vrrp: &Oid, bfds: &[BfdView], processes: &[ProcessView]) {
    for (n, b) in bfds.iter().enumerate() {
        let col = |c: u32| vrrp.child(&[18, 1, c, n as u32 + 1]);
        m.set(col(2), Value::string(&b.name));
        m.set(col(3), Value::Integer(i32::from(b.up)));
        m.set(col(4), Value::Integer(b.weight));
        m.set(col(5), truth(b.weight_reverse));
    }
    for (n, p) in processes.iter().enumerate() {
        let col = |c: u32| vrrp.child(&[21, 1, c, n as u32 + 1]);
        m.set(col(2), Value::string(&p.name));
        m.set(col(3), Value::string(&p.path));
        m.set(col(4), Value::string(&p.params));
        m.set(col(5), Value::Integer(p.param_match));
        m.set(col(6), Value::Integer(p.weight));
        m.set(col(7), truth(p.weight_reverse));
        m.set(col(8), Value::Gauge32(p.quorum));
        m.set(col(9), Value::Integer(p.quorum_max));
        m.set(col(10), Value::Gauge32(p.fork_delay_us));
        m.set(col(11), Value::Gauge32(p.terminate_delay_us));
        m.set(col(12), truth(p.full_command));
        m.set(
            col(13),
            Value::Integer(i32::try_from(p.current).unwrap_or(i32::MAX)),
        );
        m.set(col(14), truth(p.up));
    }
}
