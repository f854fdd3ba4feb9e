//! Tracked objects: `vrrp_script`, `track_file`, `vrrp_track_process`, `track_interface` and
//! `track_bfd`, turned into [`TrackedObject`]s of the instances' machines and kept up to date
//! by watcher tasks that send [`TrackUpdate`]s to the event loop (BFD: the BFD child's pipe,
//! bfd_pipe.rs).

mod bfd_pipe;

mod file;
mod process;
mod process_delay;
mod process_watch;
mod script;

pub(crate) use bfd_pipe::spawn_bfd_reader;

use std::collections::HashMap;

use keepalived_conf::model::{BfdInstance, SyncGroup, TrackRef, VrrpConfig, VrrpInstance};
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
    /// A `bfd_instance` by name (`track_bfd`).
    Bfd(String),
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
    /// `reverse`: the object's state is inverted before the machine sees it (with weight 0
    /// the instance fails while the object is up; with a weight, the weight (negated) applies
    /// in the opposite state, keepalived's `weight_multiplier` -1).
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
        // BFD sessions keep the state the BFD child last reported (keepalived's
        // clear_diff_bfd); until a first event they are down.
        for (k, v) in previous.iter().flat_map(|p| p.values.iter()) {
            if matches!(k, TrackKey::Bfd(_)) {
                values.insert(k.clone(), *v);
            }
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

/// The tracked objects of `inst` (its own and its sync group's), numbered from 1, with
/// keepalived 2.2.7's rules (vrrp_complete_init, sync_group_tracking_init) for a member of a
/// sync group without `sync_group_tracking_weight`, and for an address owner (priority 255):
/// its own weighted interfaces get weight 0 (an owner stops tracking them), its own weighted
/// scripts are not tracked, its own files keep being tracked with weight 0 when their weight
/// is the default 1 and are not tracked with any other weight; its processes keep their
/// weights. The group's own tracked objects keep their weights, unless a member of the group
/// is an address owner.
pub fn subscriptions(
    vrrp: &VrrpConfig,
    bfds: &[BfdInstance],
    inst: &VrrpInstance,
    group: Option<&SyncGroup>,
    current: &Current,
) -> Vec<Subscription> {
    let no_group_weights = group.is_some_and(|g| !g.tracking_weight);
    let owner = inst.priority == 255;
    let strip_own = no_group_weights || owner;
    let group_has_owner = group.is_some_and(|g| {
        g.members.iter().any(|m| {
            vrrp.instances
                .iter()
                .any(|i| i.name == m.name && i.priority == 255)
        })
    });
    let mut out: Vec<Subscription> = Vec::new();
    let mut add = |key: TrackKey, weight: i32, reverse: bool| {
        // keepalived: a weight w with `reverse` adds -w in the state where w would have
        // applied (the man page: "the priority is decreased when up and increased when
        // down"): the machine gets -w and the inverted state.
        let weight = if reverse { -weight } else { weight };
        let mut sub = Subscription {
            object: TrackedObject {
                id: TrackId(out.len() as u32 + 1),
                weight,
                initial: TrackValue::Down,
            },
            invert: reverse,
            key,
        };
        sub.object.initial = sub.value(current.get(&sub.key));
        out.push(sub);
    };
    let group_weight = |w: i32| if group_has_owner { 0 } else { w };
    for t in &inst.track_interfaces {
        match (strip_own && t.weight != 0, no_group_weights) {
            (false, _) => add(TrackKey::Interface(t.name.clone()), t.weight, t.reverse),
            (true, true) => add(TrackKey::Interface(t.name.clone()), 0, t.reverse),
            (true, false) => {} // an address owner stops tracking it
        }
    }
    for t in group.into_iter().flat_map(|g| g.track_interfaces.iter()) {
        add(
            TrackKey::Interface(t.name.clone()),
            group_weight(t.weight),
            t.reverse,
        );
    }
    let script = |r: &TrackRef| {
        vrrp.script(&r.name).map(|s| {
            (
                r.weight.unwrap_or(s.weight),
                r.reverse.unwrap_or(s.weight_reverse),
            )
        })
    };
    for r in &inst.track_scripts {
        if let Some((weight, reverse)) = script(r) {
            if !(strip_own && weight != 0) {
                add(TrackKey::Script(r.name.clone()), weight, reverse);
            }
        }
    }
    for r in group.into_iter().flat_map(|g| g.track_scripts.iter()) {
        if let Some((weight, reverse)) = script(r) {
            add(
                TrackKey::Script(r.name.clone()),
                group_weight(weight),
                reverse,
            );
        }
    }
    let file = |r: &TrackRef| {
        vrrp.track_file(&r.name).map(|f| {
            (
                r.weight.unwrap_or(f.weight),
                r.reverse.unwrap_or(f.weight_reverse),
            )
        })
    };
    for r in &inst.track_files {
        if let Some((weight, reverse)) = file(r) {
            match (strip_own, weight) {
                (false, w) => add(TrackKey::File(r.name.clone()), w, reverse),
                (true, 0 | 1) => add(TrackKey::File(r.name.clone()), 0, reverse),
                (true, _) => {}
            }
        }
    }
    for r in group.into_iter().flat_map(|g| g.track_files.iter()) {
        if let Some((weight, reverse)) = file(r) {
            add(
                TrackKey::File(r.name.clone()),
                group_weight(weight),
                reverse,
            );
        }
    }
    let own = inst.track_processes.iter().map(|r| (r, false));
    let group_procs = group
        .into_iter()
        .flat_map(|g| g.track_processes.iter().map(|r| (r, true)));
    for (r, of_group) in own.chain(group_procs) {
        if let Some(p) = vrrp.track_process(&r.name) {
            let weight = r.weight.unwrap_or(p.weight);
            let weight = if of_group {
                group_weight(weight)
            } else {
                weight
            };
            let reverse = r.reverse.unwrap_or(p.weight_reverse);
            add(TrackKey::Process(r.name.clone()), weight, reverse);
        }
    }
    // keepalived's alloc_track_bfd: the bfd_instance's weight and reverse unless the line
    // gives them; vrrp_complete_init drops an own weighted one for a group member without
    // sync_group_tracking_weight or an address owner; a group's gets weight 0 when a member
    // owns the address.
    let bfd = |r: &TrackRef| {
        bfds.iter().find(|b| b.name == r.name).map(|b| {
            (
                r.weight.unwrap_or(b.weight),
                r.reverse.unwrap_or(b.weight_reverse),
            )
        })
    };
    for r in &inst.track_bfds {
        if let Some((weight, reverse)) = bfd(r) {
            if !(strip_own && weight != 0) {
                add(TrackKey::Bfd(r.name.clone()), weight, reverse);
            }
        }
    }
    for r in group.into_iter().flat_map(|g| g.track_bfds.iter()) {
        if let Some((weight, reverse)) = bfd(r) {
            add(TrackKey::Bfd(r.name.clone()), group_weight(weight), reverse);
        }
    }
    out
}

/// Watcher tasks for the scripts, files and processes some instance tracks; they stop when
/// the handle is dropped (on reload a new set replaces them).
pub struct Watchers {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    process_counts: ProcessCounts,
    scripts_running: HashMap<String, std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

/// How many processes match `p` now (a scan of /proc), for a process no watcher follows.
pub fn process_count_now(p: &keepalived_conf::model::TrackProcess) -> u64 {
    process::count(p, &process::scan())
}

/// How many processes each `vrrp_track_process` counts now (keepalived's num_cur_proc, for
/// vrrpProcessCurrentProcesses), kept by the process watcher.
pub type ProcessCounts = std::sync::Arc<std::sync::Mutex<HashMap<String, u64>>>;

impl Watchers {
    /// The current count of `vrrp_track_process` `name` (`None`: not watched).
    pub fn process_count(&self, name: &str) -> Option<u64> {
        self.process_counts.lock().ok()?.get(name).copied()
    }

    /// Whether `vrrp_script` `name` is running now (false when it is not watched).
    pub fn script_running(&self, name: &str) -> bool {
        self.scripts_running
            .get(name)
            .is_some_and(|r| r.load(std::sync::atomic::Ordering::Relaxed))
    }
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
    let process_counts = ProcessCounts::default();
    let mut scripts_running = HashMap::new();
    for s in &vrrp.scripts {
        let key = TrackKey::Script(s.name.clone());
        if used.contains(&key) {
            let start = current.get(&key);
            let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            scripts_running.insert(s.name.clone(), running.clone());
            tasks.push(script::spawn(
                s.clone(),
                global.clone(),
                start,
                tx.clone(),
                running,
            ));
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
        tasks.push(process_watch::spawn(
            procs,
            current,
            tx,
            global.process_monitor_rcv_bufs,
            process_counts.clone(),
        ));
    }
    Watchers {
        tasks,
        process_counts,
        scripts_running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The weights `subscriptions` gives `instance`, by tracked object.
    fn weights(conf: &str, instance: &str) -> Vec<(TrackKey, i32)> {
        let l = keepalived_conf::load_str(
            conf,
            Path::new("k.conf"),
            &keepalived_conf::ReadOptions::default(),
            &keepalived_conf::FixedHost::lab(),
        );
        let v = &l.config.vrrp;
        let inst = v.instances.iter().find(|i| i.name == instance).unwrap();
        subscriptions(
            v,
            &l.config.bfd,
            inst,
            v.sync_group_of(instance),
            &Current::default(),
        )
        .into_iter()
        .map(|s| (s.key, s.object.weight))
        .collect()
    }

    const DEFS: &str = "vrrp_script s0 {\n script /bin/true\n}\n\
        vrrp_script s5 {\n script /bin/true\n weight 5\n}\n\
        track_file f1 {\n file /tmp/f1\n}\n\
        track_file f7 {\n file /tmp/f7\n weight 7\n}\n";

    fn instance(name: &str, vrid: u8, priority: u8) -> String {
        format!(
            "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n \
             priority {priority}\n track_interface {{\n  eth1 weight 3\n }}\n \
             track_script {{\n  s0\n  s5\n }}\n track_file {{\n  f1\n  f7\n }}\n \
             virtual_ipaddress {{\n  10.0.0.{vrid}/24\n }}\n}}\n"
        )
    }

    #[test]
    fn a_sync_group_member_drops_its_own_weights_but_gets_the_groups() {
        let conf = format!(
            "{DEFS}vrrp_sync_group G {{\n group {{\n  VI_1\n  VI_2\n }}\n \
             track_interface {{\n  eth2 weight 4\n }}\n track_script {{\n  s5\n }}\n}}\n{}{}",
            instance("VI_1", 1, 100),
            instance("VI_2", 2, 100)
        );
        let i = |n: &str| TrackKey::Interface(n.into());
        let s = |n: &str| TrackKey::Script(n.into());
        let f = |n: &str| TrackKey::File(n.into());
        // Own: eth1 kept with weight 0, s5 dropped, f1 (weight 1) kept with 0, f7 dropped;
        // the group's eth2 and s5 keep their weights (keepalived 2.2.7's rules).
        assert_eq!(
            weights(&conf, "VI_1"),
            [
                (i("eth1"), 0),
                (i("eth2"), 4),
                (s("s0"), 0),
                (s("s5"), 5),
                (f("f1"), 0)
            ]
        );
    }

    /// A sync group's own track_process and track_bfd reach every member with their weights
    /// (keepalived 2.2.7's sync_group_tracking_init); a member's own weighted track_bfd is
    /// dropped (vrrp_complete_instance) while its own track_process keeps its weight; with a
    /// member owning its address the group's weights become 0.
    #[test]
    fn a_sync_group_s_track_process_and_track_bfd_reach_its_members() {
        let defs = "vrrp_track_process p9 {\n process sleep\n weight 9\n}\n\
            vrrp_track_process p4 {\n process cat\n weight 4\n}\n\
            bfd_instance B1 {\n neighbor_ip 10.0.0.9\n weight -30\n}\n\
            bfd_instance B2 {\n neighbor_ip 10.0.0.8\n weight 20\n}\n";
        let member = |name: &str, vrid: u8, priority: u8| {
            format!(
                "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n \
                 priority {priority}\n track_process {{\n  p4\n }}\n \
                 track_bfd {{\n  B2\n }}\n virtual_ipaddress {{\n  10.0.0.{vrid}/24\n }}\n}}\n"
            )
        };
        let group = "vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n \
            track_process {\n  p9\n }\n track_bfd {\n  B1\n }\n}\n";
        let p = |n: &str| TrackKey::Process(n.into());
        let b = |n: &str| TrackKey::Bfd(n.into());
        let conf = format!(
            "{defs}{group}{}{}",
            member("VI_1", 1, 100),
            member("VI_2", 2, 90)
        );
        for vi in ["VI_1", "VI_2"] {
            assert_eq!(
                weights(&conf, vi),
                [(p("p4"), 4), (p("p9"), 9), (b("B1"), -30)],
                "{vi}"
            );
        }
        // sync_group_tracking_weight (global_tracking): the member's own B2 counts too.
        let tracking = group.replace("\n}\n", "\n global_tracking\n}\n");
        let conf = format!(
            "{defs}{tracking}{}{}",
            member("VI_1", 1, 100),
            member("VI_2", 2, 90)
        );
        assert_eq!(
            weights(&conf, "VI_1"),
            [(p("p4"), 4), (p("p9"), 9), (b("B2"), 20), (b("B1"), -30)]
        );
        // An address owner in the group: the group's objects are tracked with weight 0.
        let conf = format!(
            "{defs}{group}{}{}",
            member("VI_1", 1, 100),
            member("VI_2", 2, 255)
        );
        assert_eq!(
            weights(&conf, "VI_1"),
            [(p("p4"), 4), (p("p9"), 0), (b("B1"), 0)]
        );
    }

    #[test]
    fn outside_a_group_every_weight_counts() {
        let conf = format!("{DEFS}{}", instance("VI_1", 1, 100));
        let w: Vec<i32> = weights(&conf, "VI_1").into_iter().map(|(_, w)| w).collect();
        assert_eq!(w, [3, 0, 5, 1, 7]);
    }

    #[test]
    fn track_bfd_takes_the_instances_weight_unless_the_line_gives_one() {
        let conf = "bfd_instance B1 {\n neighbor_ip 10.0.0.9\n weight -30\n}\n\
            bfd_instance B2 {\n neighbor_ip 10.0.0.8\n}\n\
            vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n \
            track_bfd {\n  B1\n  B2 weight 20 reverse\n }\n \
            virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n";
        let b = |n: &str| TrackKey::Bfd(n.into());
        // reverse negates the weight (the machine then sees the state inverted).
        assert_eq!(weights(conf, "VI_1"), [(b("B1"), -30), (b("B2"), -20)]);
    }

    #[test]
    fn reverse_applies_the_negated_weight_in_the_opposite_state() {
        // keepalived: `weight 20 reverse` lowers the priority by 20 while the object is up.
        let t = |weight: i32, reverse: bool| {
            let s = Subscription {
                key: TrackKey::Bfd("B".into()),
                object: TrackedObject {
                    id: TrackId(1),
                    weight: if reverse { -weight } else { weight },
                    initial: TrackValue::Down,
                },
                invert: reverse,
            };
            (
                s.value(TrackValue::Up),
                s.value(TrackValue::Down),
                s.object.weight,
            )
        };
        // +20 reverse: weight -20 applied while the machine sees Down = the object is Up.
        assert_eq!(t(20, true), (TrackValue::Down, TrackValue::Up, -20));
        // -20 reverse: +20 applied while the machine sees Up = the object is Down.
        assert_eq!(t(-20, true).2, 20);
        assert_eq!(t(20, false), (TrackValue::Up, TrackValue::Down, 20));
    }

    #[test]
    fn an_address_owner_ignores_its_weights() {
        let conf = format!("{DEFS}{}", instance("VI_1", 1, 255));
        let keys: Vec<(TrackKey, i32)> = weights(&conf, "VI_1");
        assert_eq!(
            keys,
            [
                (TrackKey::Script("s0".into()), 0),
                (TrackKey::File("f1".into()), 0)
            ]
        );
    }

    /// `init_fail`: a tracked script starts failed (down: a weight-0 tracker holds its
    /// instance in FAULT until the script has succeeded `rise` times); without it the script
    /// has no result until its first run (keepalived's SCRIPT_INIT_STATE_INIT). keepalived
    /// 2.2.7 and 2.3.4 reset the state to INIT when an instance tracks the script
    /// (vrrp_track.c, alloc_track_script), so there `init_fail` has no effect: a deliberate
    /// difference (docs/notes/real-hosts.md).
    #[test]
    fn init_fail_starts_a_tracked_script_down() {
        let conf = "vrrp_script s {\n script /bin/true\n init_fail\n}\n\
            vrrp_script t {\n script /bin/true\n}\n";
        let l = keepalived_conf::load_str(
            conf,
            Path::new("k.conf"),
            &keepalived_conf::ReadOptions::default(),
            &keepalived_conf::FixedHost::lab(),
        );
        let now = Current::read(&l.config.vrrp, &HashMap::new(), None);
        assert_eq!(now.get(&TrackKey::Script("s".into())), TrackValue::Down);
        assert_eq!(now.get(&TrackKey::Script("t".into())), TrackValue::Init);
        // On a reload a script keeps its value (init_fail applies at start only).
        let mut running = now.clone();
        running.set(TrackKey::Script("s".into()), TrackValue::Up);
        let reloaded = Current::read(&l.config.vrrp, &HashMap::new(), Some(&running));
        assert_eq!(reloaded.get(&TrackKey::Script("s".into())), TrackValue::Up);
    }

    /// track_file `init_file [VALUE] [overwrite]`: at start the file is created with VALUE
    /// when missing (or always with `overwrite`), and the instance starts with that value.
    #[test]
    fn init_file_creates_the_tracked_file_at_start() {
        let dir = std::env::temp_dir().join(format!("k13t-initfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("kept"), "5\n").unwrap();
        std::fs::write(dir.join("over"), "9\n").unwrap();
        let _ = std::fs::remove_file(dir.join("new"));
        let d = dir.display();
        let conf = format!(
            "track_file new {{\n file {d}/new\n init_file 7\n}}\n\
             track_file kept {{\n file {d}/kept\n init_file 3\n}}\n\
             track_file over {{\n file {d}/over\n init_file 4 overwrite\n}}\n"
        );
        let l = keepalived_conf::load_str(
            &conf,
            Path::new("k.conf"),
            &keepalived_conf::ReadOptions::default(),
            &keepalived_conf::FixedHost::lab(),
        );
        let now = Current::read(&l.config.vrrp, &HashMap::new(), None);
        let value = |n: &str| now.get(&TrackKey::File(n.into()));
        let on_disk = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap_or_default();
        let seen = (
            [value("new"), value("kept"), value("over")],
            [on_disk("new"), on_disk("kept"), on_disk("over")],
        );
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            seen,
            (
                [
                    TrackValue::Value(7),
                    TrackValue::Value(5),
                    TrackValue::Value(4)
                ],
                ["7\n".to_owned(), "5\n".to_owned(), "4\n".to_owned()]
            )
        );
    }
}
