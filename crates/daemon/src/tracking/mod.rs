//! Tracked objects: `vrrp_script`, `track_file`, `vrrp_track_process` and `track_interface`,
//! turned into [`TrackedObject`]s of the instances' machines and kept up to date by watcher
//! tasks that send [`TrackUpdate`]s to the event loop.

mod file;
mod process;
mod script;

use std::collections::HashMap;

use keepalived_conf::model::{SyncGroup, TrackRef, VrrpConfig, VrrpInstance};
use keepalived_vrrp::machine::{TrackId, TrackValue, TrackedObject};
use tokio::sync::mpsc;

/// What a tracked object is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrackKey {
    /// A `vrrp_script` by name.
    Script(String),
    /// A `track_file` by name.
    File(String),
    /// A `vrrp_track_process` by name.
    Process(String),
    /// An interface by name.
    Interface(String),
}

/// A tracked object's new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackUpdate {
    /// Which object.
    pub key: TrackKey,
    /// Its new value.
    pub value: TrackValue,
}

/// One tracked object of one instance.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// The object.
    pub key: TrackKey,
    /// Its entry in the instance's machine config.
    pub object: TrackedObject,
    /// `weight 0 reverse`: the instance fails while the object is up.
    pub invert: bool,
}

impl Subscription {
    /// The event value for the machine: `value` with `reverse` applied.
    pub fn value(&self, value: TrackValue) -> TrackValue {
        match (self.invert, value) {
            (true, TrackValue::Up) => TrackValue::Down,
            (true, TrackValue::Down) => TrackValue::Up,
            (_, v) => v,
        }
    }
}

/// The current value of every tracked object, read once at start-up so that instances start
/// with the right effective priority.
#[derive(Debug, Default, Clone)]
pub struct Current {
    values: HashMap<TrackKey, TrackValue>,
}

impl Current {
    /// Reads files and scans processes now; interfaces come from `links_up`. At start
    /// (`previous` None) a script has no result yet (down with `init_fail`), as keepalived's
    /// SCRIPT_INIT_STATE_INIT; on a reload it keeps the value it had, and a new one counts as
    /// up until it runs (keepalived's SCRIPT_INIT_STATE_INIT_RELOAD).
    pub fn read(
        vrrp: &VrrpConfig,
        links_up: &HashMap<String, bool>,
        previous: Option<&Current>,
    ) -> Current {
        let mut values = HashMap::new();
        for s in &vrrp.scripts {
            let key = TrackKey::Script(s.name.clone());
            let v = match previous.and_then(|p| p.values.get(&key)) {
                Some(v) => *v,
                None if s.init_fail => TrackValue::Down,
                None if previous.is_some() => TrackValue::Up,
                None => TrackValue::Init,
            };
            values.insert(key, v);
        }
        for f in &vrrp.track_files {
            file::init(f);
            let v = TrackValue::Value(file::read_value(&f.file));
            values.insert(TrackKey::File(f.name.clone()), v);
        }
        let procs = process::scan();
        for p in &vrrp.track_processes {
            values.insert(
                TrackKey::Process(p.name.clone()),
                process::status(p, &procs),
            );
        }
        for (name, up) in links_up {
            let v = if *up {
                TrackValue::Up
            } else {
                TrackValue::Down
            };
            values.insert(TrackKey::Interface(name.clone()), v);
        }
        Current { values }
    }

    /// Records a new value.
    pub fn set(&mut self, key: TrackKey, value: TrackValue) {
        self.values.insert(key, value);
    }

    /// The value of `key` (a missing interface is down).
    pub fn get(&self, key: &TrackKey) -> TrackValue {
        self.values.get(key).copied().unwrap_or(TrackValue::Down)
    }
}

/// The tracked objects of `inst` (its own and its sync group's), numbered from 1. Inside a
/// sync group the weights are ignored (keepalived sets them to 0) unless the group has
/// `sync_group_tracking_weight`.
pub fn subscriptions(
    vrrp: &VrrpConfig,
    inst: &VrrpInstance,
    group: Option<&SyncGroup>,
    current: &Current,
) -> Vec<Subscription> {
    let keep_weights = group.map_or(true, |g| g.tracking_weight);
    let mut out: Vec<Subscription> = Vec::new();
    let mut add = |key: TrackKey, weight: i32, reverse: bool| {
        let weight = if keep_weights { weight } else { 0 };
        let weight = if reverse { -weight } else { weight };
        let mut sub = Subscription {
            object: TrackedObject {
                id: TrackId(out.len() as u32 + 1),
                weight,
                initial: TrackValue::Down,
            },
            invert: reverse && weight == 0,
            key,
        };
        sub.object.initial = sub.value(current.get(&sub.key));
        out.push(sub);
    };
    let interfaces = inst
        .track_interfaces
        .iter()
        .chain(group.into_iter().flat_map(|g| g.track_interfaces.iter()));
    for t in interfaces {
        add(TrackKey::Interface(t.name.clone()), t.weight, t.reverse);
    }
    for r in with_group(&inst.track_scripts, group.map(|g| &g.track_scripts)) {
        if let Some(s) = vrrp.script(&r.name) {
            let weight = r.weight.unwrap_or(s.weight);
            let reverse = r.reverse.unwrap_or(s.weight_reverse);
            add(TrackKey::Script(r.name.clone()), weight, reverse);
        }
    }
    for r in with_group(&inst.track_files, group.map(|g| &g.track_files)) {
        if let Some(f) = vrrp.track_file(&r.name) {
            let weight = r.weight.unwrap_or(f.weight);
            let reverse = r.reverse.unwrap_or(f.weight_reverse);
            add(TrackKey::File(r.name.clone()), weight, reverse);
        }
    }
    for r in with_group(&inst.track_processes, group.map(|g| &g.track_processes)) {
        if let Some(p) = vrrp.track_process(&r.name) {
            let weight = r.weight.unwrap_or(p.weight);
            let reverse = r.reverse.unwrap_or(p.weight_reverse);
            add(TrackKey::Process(r.name.clone()), weight, reverse);
        }
    }
    out
}

/// An instance's own references followed by its sync group's.
fn with_group<'a>(
    own: &'a [TrackRef],
    group: Option<&'a Vec<TrackRef>>,
) -> impl Iterator<Item = &'a TrackRef> {
    own.iter().chain(group.into_iter().flatten())
}

/// Watcher tasks for the scripts, files and processes some instance tracks; they stop when
/// the handle is dropped (on reload a new set replaces them).
pub struct Watchers {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Watchers {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts the watchers for every object in `used` (interfaces are watched by the event loop's
/// netlink monitor).
pub fn spawn_watchers(
    vrrp: &VrrpConfig,
    global: &keepalived_conf::model::GlobalDefs,
    used: &[TrackKey],
    current: &Current,
    tx: mpsc::Sender<TrackUpdate>,
) -> Watchers {
    let mut tasks = Vec::new();
    for s in &vrrp.scripts {
        let key = TrackKey::Script(s.name.clone());
        if used.contains(&key) {
            let start = current.get(&key);
            tasks.push(script::spawn(s.clone(), global.clone(), start, tx.clone()));
        }
    }
    let files: Vec<_> = vrrp
        .track_files
        .iter()
        .filter(|f| used.contains(&TrackKey::File(f.name.clone())))
        .cloned()
        .collect();
    if !files.is_empty() {
        tasks.push(file::spawn(files, tx.clone()));
    }
    let procs: Vec<_> = vrrp
        .track_processes
        .iter()
        .filter(|p| used.contains(&TrackKey::Process(p.name.clone())))
        .cloned()
        .collect();
    if !procs.is_empty() {
        tasks.push(process::spawn(procs, current, tx));
    }
    Watchers { tasks }
}
