//! The running daemon as a [`Snapshot`] for keepalived's dump files (SIGUSR1 data, SIGUSR2
//! stats, JSON), and the signals that write them.

use keepalived_conf::model::{GlobalDefs, IpAddressSpec, Script};
use keepalived_net::AddressSpec;
use keepalived_vrrp::machine::{Machine, State, TrackValue};
use keepalived_vrrp::wire::{Auth, Counter};
use keepalived_vrrp::Stats;

use crate::dump::{
    self, AuthDump, GlobalDump, InstanceDump, NotifyScriptDump, NotifyScripts, ScriptDump,
    Snapshot, StatsDump, SyncGroupDump, Timeval, TrackFileDump, TrackedDump, VipDump, VrrpState,
};
use crate::instance::Instance;
use crate::log;
use crate::tracking::{Current, TrackKey};
use crate::vrrp::Daemon;

fn state(s: State) -> VrrpState {
    match s {
        State::Init | State::Stop => VrrpState::Init,
        State::Backup => VrrpState::Backup,
        State::Master => VrrpState::Master,
        State::Fault => VrrpState::Fault,
    }
}

fn host_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_default()
}

/// `router_id`, or the host name as keepalived defaults it.
pub(crate) fn router_id(g: &GlobalDefs) -> String {
    g.router_id.clone().unwrap_or_else(host_name)
}

pub(crate) fn global_dump(g: &GlobalDefs) -> GlobalDump {
    let secs = |d: std::time::Duration| u32::try_from(d.as_secs()).unwrap_or(u32::MAX);
    GlobalDump {
        config_save_dir: crate::config_save::dir(g),
        reload_check_config: g.reload_check_config.as_ref().map(|f| {
            f.as_ref()
                .map_or_else(|| "/dev/null".to_owned(), |p| p.display().to_string())
        }),
        reload_time_file: (g.reload_time_file.as_ref())
            .map(|f| (f.display().to_string(), g.reload_repeat)),
        reload_file: g.reload_file_path().map(|p| p.display().to_string()),
        config_directory: (g.tmp_config_directory.as_ref()).map(|d| d.display().to_string()),
        network_namespace: g.net_namespace.clone(),
        network_namespace_ipvs: g.net_namespace_ipvs.clone(),
        instance_name: g.instance.clone(),
        process_names: g.process_names.clone(),
        router_id: router_id(g),
        default_interface: g
            .default_interface
            .clone()
            .unwrap_or_else(|| "eth0".to_owned()),
        notify_priority_changes: g.vrrp_notify_priority_changes,
        garp_delay: secs(g.garp.master_delay),
        garp_rep: g.garp.master_repeat,
        garp_refresh: g.garp.master_refresh.map_or(0, secs),
        garp_refresh_rep: g.garp.master_refresh_repeat,
        garp_lower_prio_delay: secs(g.garp.lower_prio_delay.unwrap_or(g.garp.master_delay)),
        garp_lower_prio_rep: g.garp.lower_prio_repeat.unwrap_or(g.garp.master_repeat),
        garp_extra_if_delay: g.garp.extra_if.map_or(0, |e| secs(e.interval)),
        garp_extra_if_all: g.garp.extra_if.is_some_and(|e| e.all),
        lower_prio_no_advert: g.vrrp_lower_prio_no_advert.unwrap_or(g.vrrp_strict),
        higher_prio_send_advert: g.vrrp_higher_prio_send_advert.unwrap_or(false),
        garp_interval: g.garp.interval.as_secs_f64(),
        gna_interval: g.garp.gna_interval.as_secs_f64(),
        vrrp_version: g.vrrp_version,
        fifo_write_vrrp_states_on_reload: g.fifo_write_vrrp_states_on_reload,
        snmp: crate::dump::SnmpDump {
            vrrp: g.enable_snmp_vrrp,
            checker: g.enable_snmp_checker,
            rfcv2: g.enable_snmp_rfcv2,
            rfcv3: g.enable_snmp_rfcv3,
            traps: g.enable_traps,
            socket: g.snmp_socket.clone(),
        },
        vmac_prefixes: (g.vmac_prefix.clone(), g.vmac_addr_prefix.clone()),
        nftables_ipvs: g.nftables_ipvs.as_ref().map(|t| {
            (
                t.clone(),
                g.nftables_ipvs_priority,
                g.nftables_ipvs_start_fwmark,
            )
        }),
        ..GlobalDump::default()
    }
}

fn script_dump(s: &Option<Script>) -> Option<NotifyScriptDump> {
    s.as_ref().map(|s| NotifyScriptDump {
        cmd: dump::quote_command(&s.argv),
        uid: 0,
        gid: 0,
    })
}

fn notify_dump(n: &keepalived_conf::model::NotifyScripts) -> NotifyScripts {
    NotifyScripts {
        backup: script_dump(&n.backup),
        master: script_dump(&n.master),
        fault: script_dump(&n.fault),
        stop: script_dump(&n.stop),
        deleted: n.deleted.as_ref().and_then(script_dump),
        generic: script_dump(&n.notify),
        master_rx_lower_pri: script_dump(&n.master_rx_lower_pri),
    }
}

/// The VMAC (or ipvlan) interface `ifindex` names, as keepalived's `format_ipaddress()`
/// prints an address's device when it is not its own base (`vrrp.55@eth0`): one of
/// use_vmac_addr's, or the instance's own with use_vmac / use_ipvlan once it exists
/// (keepalived-exporter takes this word as the `intf` label of `keepalived_vrrp_state`).
fn on_vmac(i: &Instance, ifindex: u32) -> Option<String> {
    let own = (i.conf.vmac.is_some() || i.conf.ipvlan.is_some())
        && i.sockets_ready
        && ifindex == i.link.ifindex;
    i.vmac_label(ifindex).or_else(|| {
        own.then(|| {
            let base = i.conf.interface.as_deref().unwrap_or_default();
            format!("{}@{base}", i.link.name)
        })
    })
}

/// `dev`: the VMAC the address is on (keepalived: `kx.7@eth1`), else its `dev` or
/// `default_dev`; the broadcast address as installed (`s`).
fn vip_dump(
    v: &IpAddressSpec,
    s: &AddressSpec,
    dev: &Option<String>,
    default_dev: &str,
    set: bool,
) -> VipDump {
    VipDump {
        addr: v.prefix.addr,
        prefix: v.prefix.len,
        brd: s.broadcast,
        dev: dev
            .clone()
            .or_else(|| v.dev.clone())
            .unwrap_or_else(|| default_dev.to_owned()),
        scope: match v.scope {
            Some(s) => format!("{s:?}").to_lowercase(),
            None => "global".to_owned(),
        },
        label: v.label.clone(),
        set,
    }
}

/// The dumps' and /metrics' view of one [`Stats`].
fn stats(s: &Stats) -> StatsDump {
    StatsDump {
        advert_rcvd: s[Counter::AdvertRcvd],
        advert_sent: s[Counter::AdvertSent],
        become_master: s[Counter::BecomeMaster],
        release_master: s[Counter::ReleaseMaster],
        packet_len_err: s[Counter::PacketLenErr],
        advert_interval_err: s[Counter::AdvertIntervalErr],
        ip_ttl_err: s[Counter::IpTtlErr],
        invalid_type_rcvd: s[Counter::InvalidTypeRcvd],
        addr_list_err: s[Counter::AddrListErr],
        invalid_authtype: s[Counter::InvalidAuthtype],
        authtype_mismatch: s[Counter::AuthtypeMismatch],
        auth_failure: s[Counter::AuthFailure],
        pri_zero_rcvd: s[Counter::PriZeroRcvd],
        pri_zero_sent: s[Counter::PriZeroSent],
    }
}

/// The weight `i` applies for `bfd_instance` `name`, as keepalived prints it (before
/// `reverse`), when it tracks it.
fn bfd_weight(i: &Instance, name: &str) -> Option<TrackedDump> {
    let key = TrackKey::Bfd(name.to_owned());
    i.subscriptions()
        .iter()
        .find(|s| s.key == key)
        .map(|s| TrackedDump {
            name: name.to_owned(),
            weight: if s.invert {
                -s.object.weight
            } else {
                s.object.weight
            },
            reverse: s.invert,
        })
}

/// `auth_pass` as configured (the key without its zero padding).
fn password(key: &[u8; 8]) -> String {
    let len = key.iter().position(|b| *b == 0).unwrap_or(key.len());
    String::from_utf8_lossy(key.get(..len).unwrap_or_default()).into_owned()
}

fn instance_dump(
    (i, m, counters): (&Instance, &Machine, Stats),
    group: Option<&str>,
) -> InstanceDump {
    let c = &i.conf;
    let mc = m.config();
    let ifname = c.interface.clone().unwrap_or_default();
    let us = |d: std::time::Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    let secs = |d: std::time::Duration| u32::try_from(d.as_secs()).unwrap_or(u32::MAX);
    let track = |key: &TrackKey| {
        i.subscriptions()
            .iter()
            .filter(|s| &s.key == key)
            .map(|s| s.object.weight)
            .next()
            .unwrap_or(0)
    };
    InstanceDump {
        name: c.name.clone(),
        version: i.settings.version,
        sync_group: group.map(str::to_owned),
        state: state(m.state()),
        wantstate: if m.wants_master() {
            VrrpState::Master
        } else {
            state(m.state())
        },
        master_address: m.master_address(),
        master_adver_int_us: us(m.master_adver_interval()),
        last_transition: Timeval::from_system_time(i.last_transition),
        // keepalived's vrrp->ifp: the VMAC with use_vmac ("Interface = vrrp.5, vmac on eth0").
        interface: if (c.vmac.is_some() || c.ipvlan.is_some()) && i.sockets_ready {
            i.link.name.clone()
        } else {
            ifname.clone()
        },
        vrf: c.vrf.clone(),
        ipvlan: c.ipvlan.as_ref().map(|ip| dump::IpvlanDump {
            ifname: if i.sockets_ready {
                i.link.name.clone()
            } else {
                ip.ifname.clone().unwrap_or_default()
            },
            is_up: i.link_usable && i.sockets_ready,
            addr: ip.addr.map(|a| {
                if a.len == if a.addr.is_ipv4() { 32 } else { 128 } {
                    a.addr.to_string()
                } else {
                    a.to_string()
                }
            }),
            mode: ip.mode.as_str(),
            base_ifname: ifname.clone(),
        }),
        // keepalived prints "Flags:" when any flag bit is set; this one is a bit too.
        flags_set: c.dont_track_primary || c.use_vmac_addr,
        unicast: c.is_unicast(),
        src_ip: Some(i.source()),
        src_ip_from_config: c.src_ip.is_some(),
        mcast_group: i.mcast_group(),
        garp_delay: secs(mc.garp.master_delay),
        garp_rep: mc.garp.master_repeat,
        garp_refresh: mc.garp.master_refresh.map_or(0, secs),
        garp_refresh_rep: mc.garp.master_refresh_repeat,
        garp_lower_prio_delay: secs(mc.garp.lower_prio_delay),
        garp_lower_prio_rep: mc.garp.lower_prio_repeat,
        down_timer_adverts: mc.down_timer_adverts,
        use_vmac_addr: c.use_vmac_addr,
        vmac_garp: i.extra_garp().map(|e| {
            let next = e.next.map_or(Timeval::default(), |t| {
                let ahead = t.saturating_duration_since(std::time::Instant::now());
                Timeval::from_system_time(std::time::SystemTime::now() + ahead)
            });
            (e.all, e.interval.as_secs(), next)
        }),
        lower_prio_no_advert: mc.lower_prio_no_advert,
        higher_prio_send_advert: mc.higher_prio_send_advert,
        vrid: c.vrid.unwrap_or(0),
        base_priority: mc.priority,
        effective_priority: m.effective_priority(),
        total_priority: i32::from(m.effective_priority()),
        adver_int_us: us(mc.advert_interval),
        accept: mc.accept,
        nopreempt: !mc.preempt,
        preempt_delay_us: us(mc.preempt_delay),
        master_down_timer_us: us(keepalived_vrrp::machine::master_down_interval(
            mc.version,
            m.effective_priority(),
            m.master_adver_interval(),
            mc.down_timer_adverts,
        )),
        auth: match (i.settings.auth, i.settings.ah_key) {
            (Auth::Pass(key), _) => AuthDump::Pass(password(&key)),
            (Auth::Ah, key) => AuthDump::Ah(password(&key)),
            (Auth::None, _) => AuthDump::None,
        },
        vips: c
            .virtual_ipaddresses
            .iter()
            .zip(i.vip_specs())
            .map(|(v, s)| vip_dump(v, s, &on_vmac(i, s.ifindex), &ifname, i.holds_vips))
            .collect(),
        evips: c
            .excluded_ipaddresses
            .iter()
            .zip(i.vip_specs().iter().skip(c.virtual_ipaddresses.len()))
            .map(|(v, s)| vip_dump(v, s, &on_vmac(i, s.ifindex), &ifname, i.holds_vips))
            .collect(),
        unicast_peers: c
            .unicast_peers
            .iter()
            .map(|p| dump::UnicastPeerDump {
                addr: p.addr,
                min_ttl: u32::from(p.min_ttl.unwrap_or(0)),
                max_ttl: u32::from(p.max_ttl.unwrap_or(255)),
            })
            .collect(),
        unicast_ttl: u32::from(c.unicast_ttl),
        track_interfaces: c
            .track_interfaces
            .iter()
            .map(|t| TrackedDump {
                name: t.name.clone(),
                weight: track(&TrackKey::Interface(t.name.clone())),
                reverse: t.reverse,
            })
            .collect(),
        track_scripts: c
            .track_scripts
            .iter()
            .map(|t| dump::TrackedScriptDump {
                tracked: TrackedDump {
                    name: t.name.clone(),
                    weight: track(&TrackKey::Script(t.name.clone())),
                    reverse: t.reverse.unwrap_or(false),
                },
                cmd: String::new(),
            })
            .collect(),
        track_files: c
            .track_files
            .iter()
            .map(|t| TrackedDump {
                name: t.name.clone(),
                weight: track(&TrackKey::File(t.name.clone())),
                reverse: t.reverse.unwrap_or(false),
            })
            .collect(),
        track_bfds: c
            .track_bfds
            .iter()
            .filter_map(|t| bfd_weight(i, &t.name))
            .collect(),
        notify_deleted: c.notify.deleted.is_some(),
        scripts: notify_dump(&c.notify),
        notify_priority_changes: i.settings.notify_priority_changes,
        vipset: i.holds_vips,
        stats: stats(&counters),
        vmac: c.vmac.as_ref().map(|vm| dump::VmacDump {
            ifname: i.link.name.clone(),
            is_up: i.link_usable && i.sockets_ready,
            xmit_base: vm.xmit_base,
            base_ifname: ifname.clone(),
        }),
        dont_track_primary: c.dont_track_primary,
        num_config_faults: u32::from(c.config_fault()),
        unicast_fault_no_peer: c.unicast_fault_no_peer,
        unicast_configured_multicast: c.unicast_configured && !c.is_unicast(),
        promote_secondaries: c.promote_secondaries,
        kernel_rx_buf_size: c.kernel_rx_buf_size.map_or(0, |n| n as usize),
        ..InstanceDump::default()
    }
}

/// keepalived's "Unicast checksum compatibility" word: no (NONE), never, config, auto (an
/// old-style checksum was seen and is used since).
fn checksum_compat(i: &Instance, now: Option<keepalived_vrrp::wire::V3Checksum>) -> String {
    use keepalived_vrrp::wire::V3Checksum;
    let word = match (i.conf.old_unicast_checksum, now) {
        (Some(true), _) => "never",
        (Some(false), _) => "config",
        (None, Some(V3Checksum::OldUnicast)) => "auto",
        (None, _) => "no",
    };
    word.to_owned()
}

impl Daemon {
    /// The instances with their machines, in the configuration's order.
    pub(crate) fn running(&self) -> impl Iterator<Item = (&Instance, &Machine)> {
        (self.instances.iter()).filter_map(|i| self.router.machine(i.id).map(|m| (i, m)))
    }

    /// Everything the dump files show, now.
    pub(crate) fn snapshot(&self, current: &Current) -> Snapshot {
        let g = &self.config.global;
        let group_of = |name: &str| {
            self.config
                .vrrp
                .sync_group_of(name)
                .map(|sg| sg.name.clone())
        };
        let sockets = self.sockpool_dump();
        let instances = self
            .running()
            .map(|(i, m)| {
                let run = (i, m, self.router.stats(i.id));
                let mut d = instance_dump(run, group_of(&i.conf.name).as_deref());
                d.sockets = sockets
                    .iter()
                    .find(|s| s.instances.iter().any(|(n, _)| *n == i.conf.name))
                    .map(|s| (s.fd_in, s.fd_out));
                d.unicast_chksum_compat = checksum_compat(i, self.router.v3_checksum(i.id));
                d
            })
            .collect();
        let sync_groups = self
            .groups
            .iter()
            .map(|grp| SyncGroupDump {
                name: grp.sync.name().to_owned(),
                state: state(grp.sync.state()),
                members: grp
                    .members
                    .iter()
                    .filter_map(|m| self.router.config(*m).map(|c| c.machine.name.clone()))
                    .collect(),
                scripts: notify_dump(&grp.notify),
                ..SyncGroupDump::default()
            })
            .collect();
        let scripts = self
            .config
            .vrrp
            .scripts
            .iter()
            .map(|s| {
                let value = current.get(&TrackKey::Script(s.name.clone()));
                let up = value == TrackValue::Up;
                ScriptDump {
                    name: s.name.clone(),
                    cmd: dump::quote_command(&s.script.argv),
                    interval: s.interval.as_secs(),
                    timeout: s.timeout.unwrap_or(s.interval).as_secs(),
                    weight: s.weight,
                    weight_reverse: s.weight_reverse,
                    rise: i32::try_from(s.rise).unwrap_or(i32::MAX),
                    fall: i32::try_from(s.fall).unwrap_or(i32::MAX),
                    result: if up {
                        i32::try_from(s.rise + s.fall - 1).unwrap_or(0)
                    } else if value == TrackValue::Init {
                        // keepalived's vrrp_init_script: "one success is enough".
                        i32::try_from(s.rise.saturating_sub(1)).unwrap_or(0)
                    } else {
                        0
                    },
                    running: self
                        .watchers
                        .as_ref()
                        .is_some_and(|w| w.script_running(&s.name)),
                    ..ScriptDump::default()
                }
            })
            .collect();
        let track_files = self
            .config
            .vrrp
            .track_files
            .iter()
            .map(|f| TrackFileDump {
                name: f.name.clone(),
                path: f.file.clone(),
                status: match current.get(&TrackKey::File(f.name.clone())) {
                    TrackValue::Value(v) => i32::try_from(v).unwrap_or(0),
                    _ => 0,
                },
                weight: f.weight,
                weight_reverse: f.weight_reverse,
                ..TrackFileDump::default()
            })
            .collect();
        let mut global = global_dump(g);
        if crate::firewall::nftables_in_use(&self.config) {
            global.nftables = Some(crate::dump::NftablesDump {
                table: crate::firewall::nft_config(g).table,
                priority: g.nftables_priority,
                force_ifindex: g.nftables_ifindex,
            });
        }
        global.nftables_counters = g.nftables_counters;
        let bfd = self
            .config
            .bfd
            .iter()
            .filter(|b| b.notifies_vrrp())
            .map(|b| {
                let key = TrackKey::Bfd(b.name.clone());
                crate::dump::BfdTrackDump {
                    name: b.name.clone(),
                    weight: b.weight,
                    weight_reverse: b.weight_reverse,
                    up: current.get(&key) == keepalived_vrrp::machine::TrackValue::Up,
                    transitions: self.bfd_transitions.get(&b.name).copied().unwrap_or(0),
                    tracking: self
                        .instances
                        .iter()
                        .filter_map(|i| {
                            bfd_weight(i, &b.name).map(|t| TrackedDump {
                                name: i.conf.name.clone(),
                                ..t
                            })
                        })
                        .collect(),
                }
            })
            .collect();
        Snapshot {
            global,
            instances,
            sync_groups,
            scripts,
            track_files,
            sockets,
            bfd,
            json_version: g.json_version,
            ..Snapshot::default()
        }
    }
}

/// Which dump a signal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DumpRequest {
    /// SIGUSR1: /tmp/keepalived.data.
    Data,
    /// SIGUSR2: /tmp/keepalived.stats.
    Stats,
    /// The JSON signal: /tmp/keepalived.json.
    Json,
    /// STATS_CLEAR: write the stats, then zero them (as keepalived 2.2.7 does).
    StatsClear,
}

/// Writes the file `req` asks for where `global` puts it ([`dump::DumpPaths`]).
pub(crate) fn write(snapshot: &Snapshot, req: DumpRequest, global: &GlobalDefs) {
    let paths = dump::DumpPaths::new(global, &dump::tmp_dir());
    let (path, text) = match req {
        DumpRequest::Data => (paths.data, dump::render_data(snapshot)),
        DumpRequest::Stats | DumpRequest::StatsClear => (paths.stats, dump::render_stats(snapshot)),
        DumpRequest::Json => (paths.json, dump::render_json(snapshot)),
    };
    if let Err(e) = dump::write_atomically(&path, &text) {
        log::info(format!("Unable to write {}: {e}", path.display()));
    }
}
