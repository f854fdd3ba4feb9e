//! What the SNMP subagent serves, built by the event loop on request (between two events,
//! never waiting on I/O) and handed to the agent thread, which turns it into the MIB trees.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::SystemTime;

use keepalived_conf::model::{
    AuthType, Broadcast, GlobalDefs, InitialState, IpAddressSpec, NotifyScripts, Scope, Script,
};
use keepalived_vrrp::wire::Counter;

use crate::dump::{StatsDump, VrrpState};
use crate::tracking::TrackKey;
use crate::vrrp::Daemon;

/// One address of the vrrpAddressTable (a VIP, an eVIP or a static address).
#[derive(Debug, Clone)]
pub(crate) struct AddressView {
    pub addr: IpAddr,
    pub prefix: u8,
    pub broadcast: Ipv4Addr,
    /// Linux scope number (0 global, 200 site, 253 link, 254 host, 255 nowhere).
    pub scope: u8,
    pub ifindex: u32,
    pub ifname: String,
    pub label: Option<String>,
    pub set: bool,
    pub peer: Option<IpAddr>,
}

/// A tracked object of an instance or group (name, weight, reverse).
#[derive(Debug, Clone)]
pub(crate) struct TrackedView {
    pub name: String,
    pub weight: i32,
    pub reverse: bool,
}

/// The notify scripts as keepalived's cmd_str_r prints them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScriptsView {
    pub master: Option<String>,
    pub backup: Option<String>,
    pub fault: Option<String>,
    pub stop: Option<String>,
    pub generic: Option<String>,
    pub deleted: Option<String>,
    pub master_rx_lower_pri: Option<String>,
}

impl ScriptsView {
    fn any(&self) -> bool {
        self.master.is_some()
            || self.backup.is_some()
            || self.fault.is_some()
            || self.stop.is_some()
            || self.generic.is_some()
    }
}

/// One VRRP instance.
#[derive(Debug, Clone)]
pub(crate) struct InstanceView {
    pub name: String,
    pub vrid: u8,
    pub version: keepalived_vrrp::Version,
    pub ipv6: bool,
    pub state: VrrpState,
    pub wantstate: VrrpState,
    pub initial_master: bool,
    pub base_priority: u8,
    pub effective_priority: u8,
    /// RFC 6527's new-master reason (vrrpv3StatisticsNewMasterReason).
    pub master_reason: i32,
    /// RFC 6527's vrrpv3StatisticsProtoErrReason.
    pub proto_err_reason: i32,
    pub vipset: bool,
    /// The configured interface and its index (the VMAC's parent with use_vmac).
    pub ifname: Option<String>,
    pub ifindex: u32,
    pub primary4: Option<Ipv4Addr>,
    pub link_local: Option<Ipv6Addr>,
    pub advert_int_cs: u64,
    pub preempt: bool,
    pub preempt_delay_s: u64,
    /// 0 none, 1 PASS, 2 AH (VRRPv2).
    pub auth_type: u8,
    pub lvs_sync_interface: Option<String>,
    pub sync_group: Option<String>,
    pub garp_delay_s: u32,
    pub smtp_alert: bool,
    pub scripts: ScriptsView,
    pub notify_deleted: bool,
    pub accept: bool,
    pub promote_secondaries: bool,
    pub linkbeat_polling: bool,
    pub unicast: bool,
    pub mcast_group: IpAddr,
    pub master_address: Option<IpAddr>,
    pub track_interfaces: Vec<TrackedView>,
    pub track_scripts: Vec<TrackedView>,
    pub track_files: Vec<TrackedView>,
    pub track_bfds: Vec<TrackedView>,
    pub track_processes: Vec<TrackedView>,
    pub vips: Vec<AddressView>,
    pub evips: Vec<AddressView>,
    pub routes: Vec<super::routes::RouteView>,
    pub rules: Vec<super::rules::RuleView>,
    pub stats: StatsDump,
    /// The RFC counters (checksum, version and VRID errors).
    pub chk_err: u64,
    pub vers_err: u64,
    pub vrid_err: u64,
    /// The interface whose MAC address the RFC tables show (the VMAC with use_vmac).
    pub link_name: String,
    /// Whether it is BACKUP or MASTER (keepalived's vrrpOperVirtualRouterUpTime counts
    /// from the instance's start then, and is 0 otherwise).
    pub up: bool,
}

/// One sync group.
#[derive(Debug, Clone)]
pub(crate) struct GroupView {
    pub name: String,
    pub state: VrrpState,
    pub members: Vec<String>,
    pub smtp_alert: bool,
    pub scripts: ScriptsView,
    pub tracking_weight: bool,
    pub track_interfaces: Vec<TrackedView>,
    pub track_scripts: Vec<TrackedView>,
    pub track_files: Vec<TrackedView>,
    pub track_bfds: Vec<TrackedView>,
    pub track_processes: Vec<TrackedView>,
}

/// A vrrp_script.
#[derive(Debug, Clone)]
pub(crate) struct ScriptView {
    pub name: String,
    pub command: String,
    pub interval_s: u64,
    pub weight: i32,
    pub weight_reverse: bool,
    /// keepalived's vrrpScriptResult: 1 init, 2 bad, 3 good.
    pub result: i32,
    pub rise: i32,
    pub fall: i32,
}

/// A track_file.
#[derive(Debug, Clone)]
pub(crate) struct FileView {
    pub name: String,
    pub path: String,
    pub status: i32,
    pub weight: i32,
    pub weight_reverse: bool,
}

/// Everything the VRRP process serves over SNMP.
#[derive(Debug, Clone)]
pub(crate) struct View {
    pub global: Arc<GlobalDefs>,
    pub router_id: String,
    pub static_addresses: Vec<AddressView>,
    pub static_routes: Vec<super::routes::RouteView>,
    pub static_rules: Vec<super::rules::RuleView>,
    pub instances: Vec<InstanceView>,
    pub groups: Vec<GroupView>,
    pub scripts: Vec<ScriptView>,
    pub files: Vec<FileView>,
    pub bfds: Vec<super::process_bfd::BfdView>,
    pub processes: Vec<super::process_bfd::ProcessView>,
    /// When the VRRP process started (keepalived's snmp_vrrp_start_time).
    pub started: SystemTime,
}

/// keepalived's cmd_str_r: each word in single quotes (the program's path is the one the
/// script security check resolved when the configuration was read).
pub(crate) fn command(s: &Script) -> String {
    crate::dump::quote_command(&s.argv)
}

fn scripts(n: &NotifyScripts) -> ScriptsView {
    ScriptsView {
        master: n.master.as_ref().map(command),
        backup: n.backup.as_ref().map(command),
        fault: n.fault.as_ref().map(command),
        stop: n.stop.as_ref().map(command),
        generic: n.notify.as_ref().map(command),
        deleted: n.deleted.as_ref().and_then(|d| d.as_ref()).map(command),
        master_rx_lower_pri: n.master_rx_lower_pri.as_ref().map(command),
    }
}

fn linux_scope(s: Option<Scope>) -> u8 {
    match s {
        None | Some(Scope::Global) => 0,
        Some(Scope::Site) => 200,
        Some(Scope::Link) => 253,
        Some(Scope::Host) => 254,
        Some(Scope::Nowhere) => 255,
        Some(Scope::Other(n)) => n,
    }
}

impl Daemon {
    fn address_view(&self, v: &IpAddressSpec, default_dev: &str, set: bool) -> AddressView {
        let ifname = v.dev.clone().unwrap_or_else(|| default_dev.to_owned());
        let broadcast = match (v.broadcast, v.prefix.addr) {
            (Some(Broadcast::Addr(b)), _) => b,
            (Some(Broadcast::HostBitsSet), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shr(u32::from(v.prefix.len)).unwrap_or(0);
                Ipv4Addr::from(u32::from(a) | mask)
            }
            (Some(Broadcast::HostBitsCleared), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shr(u32::from(v.prefix.len)).unwrap_or(0);
                Ipv4Addr::from(u32::from(a) & !mask)
            }
            _ => Ipv4Addr::UNSPECIFIED,
        };
        AddressView {
            addr: v.prefix.addr,
            prefix: v.prefix.len,
            broadcast,
            scope: linux_scope(v.scope),
            ifindex: self.ifindex_of(&ifname).unwrap_or(0),
            ifname,
            label: v.label.clone(),
            set,
            peer: v.peer.map(|p| p.addr),
        }
    }

    /// A sync group's own tracked interfaces, scripts (the tracking weight) and files (the
    /// file's weight), as keepalived's syncGroupTracked*Table show them.
    fn group_tracking(
        &self,
        c: &keepalived_conf::model::SyncGroup,
    ) -> (Vec<TrackedView>, Vec<TrackedView>, Vec<TrackedView>) {
        let v = &self.config.vrrp;
        let interfaces = c
            .track_interfaces
            .iter()
            .map(|t| TrackedView {
                name: t.name.clone(),
                weight: t.weight,
                reverse: t.reverse,
            })
            .collect();
        let scripts = c
            .track_scripts
            .iter()
            .filter_map(|t| {
                let s = v.scripts.iter().find(|s| s.name == t.name)?;
                Some(TrackedView {
                    name: t.name.clone(),
                    weight: t.weight.unwrap_or(s.weight),
                    reverse: t.reverse.unwrap_or(s.weight_reverse),
                })
            })
            .collect();
        let files = c
            .track_files
            .iter()
            .filter_map(|t| {
                let f = v.track_files.iter().find(|f| f.name == t.name)?;
                Some(TrackedView {
                    name: t.name.clone(),
                    weight: f.weight,
                    reverse: f.weight_reverse,
                })
            })
            .collect();
        (interfaces, scripts, files)
    }

    fn route_view(&self, r: &keepalived_conf::model::Route, set: bool) -> super::routes::RouteView {
        let iface = |d: &Option<String>| {
            d.as_ref()
                .map(|n| (self.ifindex_of(n).unwrap_or(0), n.clone()))
        };
        super::routes::RouteView {
            route: r.clone(),
            set,
            oif: iface(&r.dev),
        }
    }

    /// The SNMP view of the running daemon, now.
    pub(crate) fn snmp_view(&self, started: SystemTime) -> View {
        let g = &self.config.global;
        let snap = self.snapshot(&self.current);
        let lvs = g
            .lvs_sync_daemon
            .as_ref()
            .and_then(|l| l.instance.clone().map(|i| (i, l.interface.clone())));
        let mut used_scripts: Vec<String> = Vec::new();
        let mut used_files: Vec<String> = Vec::new();
        let mut instances = Vec::with_capacity(self.instances.len());
        for ((i, _), d) in self.running().zip(&snap.instances) {
            let c = &i.conf;
            let counters = self.router.stats(i.id);
            let group = self.config.vrrp.sync_group_of(&c.name);
            // keepalived drops weighted script/file tracking of a sync group member unless
            // sync_group_tracking_weight, and tracking of the instance's own interface.
            // keepalived's rules for a member of a group without tracking weights and for an
            // address owner (see tracking::subscriptions): weighted scripts and files other
            // than weight 1 are dropped from the instance's tables.
            let strip = group.is_some_and(|grp| !grp.tracking_weight) || c.priority == 255;
            let weight = |key: &TrackKey| {
                i.subscriptions()
                    .iter()
                    .find(|s| &s.key == key)
                    .map(|s| s.object.weight)
            };
            let ifname = c.interface.clone();
            let track_interfaces = c
                .track_interfaces
                .iter()
                .filter(|t| Some(&t.name) != ifname.as_ref())
                .filter(|t| !(c.priority == 255 && t.weight != 0))
                .map(|t| TrackedView {
                    name: t.name.clone(),
                    weight: weight(&TrackKey::Interface(t.name.clone())).unwrap_or(0),
                    reverse: t.reverse,
                })
                .collect();
            let script_weight =
                |t: &keepalived_conf::model::TrackRef, default: i32| t.weight.unwrap_or(default);
            let track_scripts: Vec<TrackedView> = c
                .track_scripts
                .iter()
                .filter_map(|t| {
                    let s = self.config.vrrp.scripts.iter().find(|s| s.name == t.name)?;
                    let w = script_weight(t, s.weight);
                    (!strip || w == 0).then(|| TrackedView {
                        name: t.name.clone(),
                        weight: w,
                        reverse: t.reverse.unwrap_or(s.weight_reverse),
                    })
                })
                .collect();
            let track_files: Vec<TrackedView> = c
                .track_files
                .iter()
                .filter_map(|t| {
                    let f = self
                        .config
                        .vrrp
                        .track_files
                        .iter()
                        .find(|f| f.name == t.name)?;
                    let w = script_weight(t, f.weight);
                    // keepalived's table shows the file's own weight and reverse.
                    (!strip || w == 0 || w == 1).then(|| TrackedView {
                        name: t.name.clone(),
                        weight: f.weight,
                        reverse: f.weight_reverse,
                    })
                })
                .collect();
            used_scripts.extend(track_scripts.iter().map(|t: &TrackedView| t.name.clone()));
            used_files.extend(track_files.iter().map(|t: &TrackedView| t.name.clone()));
            let dev = ifname.clone().unwrap_or_default();
            let auth_type = match c.effective_authentication(g) {
                Some(a) if d.version == keepalived_vrrp::Version::V2 => match a.auth_type {
                    Some(AuthType::Pass) => 1,
                    Some(AuthType::Ah) => 2,
                    None => 0,
                },
                _ => 0,
            };
            instances.push(InstanceView {
                name: c.name.clone(),
                vrid: d.vrid,
                version: d.version,
                ipv6: i.is_ipv6(),
                state: d.state,
                wantstate: d.wantstate,
                initial_master: c.state == InitialState::Master,
                base_priority: d.base_priority,
                effective_priority: d.effective_priority,
                master_reason: self
                    .router
                    .machine(i.id)
                    .map_or(0, |m| m.master_reason() as i32),
                proto_err_reason: i32::from(self.router.proto_err_reason(i.id)),
                vipset: d.vipset,
                ifname: ifname.clone(),
                ifindex: i.base_ifindex,
                primary4: Some(i.link.primary).filter(|a| !a.is_unspecified()),
                link_local: i.link.link_local,
                advert_int_cs: d.adver_int_us / 10_000,
                preempt: !d.nopreempt,
                preempt_delay_s: d.preempt_delay_us / 1_000_000,
                auth_type,
                lvs_sync_interface: lvs
                    .as_ref()
                    .filter(|(n, _)| n == &c.name)
                    .map(|(_, ifn)| ifn.clone()),
                sync_group: d.sync_group.clone(),
                garp_delay_s: d.garp_delay,
                smtp_alert: c.smtp_alert.unwrap_or(false),
                scripts: scripts(&c.notify),
                notify_deleted: d.notify_deleted,
                accept: d.accept,
                promote_secondaries: c.promote_secondaries,
                linkbeat_polling: c.linkbeat_use_polling,
                unicast: d.unicast,
                mcast_group: d.mcast_group,
                master_address: d.master_address,
                track_interfaces,
                track_scripts,
                track_files,
                track_bfds: self.tracked_bfds(&c.track_bfds, strip),
                track_processes: self.tracked_processes(&c.track_processes),
                vips: c
                    .virtual_ipaddresses
                    .iter()
                    .map(|v| self.address_view(v, &dev, d.vipset))
                    .collect(),
                evips: c
                    .excluded_ipaddresses
                    .iter()
                    .map(|v| self.address_view(v, &dev, d.vipset))
                    .collect(),
                routes: c
                    .virtual_routes
                    .iter()
                    .map(|r| self.route_view(r, d.vipset))
                    .collect(),
                rules: c
                    .virtual_rules
                    .iter()
                    .map(|r| super::rules::RuleView {
                        rule: r.clone(),
                        set: d.vipset,
                    })
                    .collect(),
                stats: d.stats,
                chk_err: counters[Counter::ChkErr],
                vers_err: counters[Counter::VersErr],
                vrid_err: counters[Counter::VridErr],
                link_name: i.link.name.clone(),
                up: matches!(d.state, VrrpState::Backup | VrrpState::Master),
            });
        }
        // The snapshot's groups (name, state, members) in the loop's order.
        let groups = self
            .groups
            .iter()
            .zip(&snap.sync_groups)
            .map(|(grp, d)| {
                let conf = self
                    .config
                    .vrrp
                    .sync_groups
                    .iter()
                    .find(|s| s.name == d.name);
                let (track_interfaces, track_scripts, track_files) =
                    conf.map_or_else(Default::default, |c| self.group_tracking(c));
                used_scripts.extend(track_scripts.iter().map(|t| t.name.clone()));
                used_files.extend(track_files.iter().map(|t| t.name.clone()));
                GroupView {
                    name: d.name.clone(),
                    state: d.state,
                    members: d.members.clone(),
                    smtp_alert: conf.and_then(|c| c.smtp_alert).unwrap_or(false),
                    scripts: scripts(&grp.notify),
                    tracking_weight: conf.is_some_and(|c| c.tracking_weight),
                    track_interfaces,
                    track_scripts,
                    track_files,
                    track_bfds: conf
                        .map_or_else(Vec::new, |c| self.tracked_bfds(&c.track_bfds, false)),
                    track_processes: conf
                        .map_or_else(Vec::new, |c| self.tracked_processes(&c.track_processes)),
                }
            })
            .collect();
        let scripts = snap
            .scripts
            .iter()
            .filter(|s| used_scripts.contains(&s.name))
            .filter_map(|s| {
                let conf = self.config.vrrp.scripts.iter().find(|c| c.name == s.name)?;
                Some(ScriptView {
                    name: s.name.clone(),
                    command: command(&conf.script),
                    interval_s: s.interval,
                    weight: s.weight,
                    weight_reverse: s.weight_reverse,
                    result: if s.result >= s.rise { 3 } else { 2 },
                    rise: s.rise,
                    fall: s.fall,
                })
            })
            .collect();
        let files = snap
            .track_files
            .iter()
            .filter(|f| used_files.contains(&f.name))
            .map(|f| FileView {
                name: f.name.clone(),
                path: f.path.clone(),
                status: f.status,
                weight: f.weight,
                weight_reverse: f.weight_reverse,
            })
            .collect();
        let default_dev = g.default_interface.clone().unwrap_or_else(|| "eth0".into());
        View {
            global: Arc::new(g.clone()),
            router_id: snap.global.router_id.clone(),
            static_addresses: self
                .config
                .vrrp
                .static_addresses
                .iter()
                .map(|a| self.address_view(a, &default_dev, true))
                .collect(),
            static_routes: self
                .config
                .vrrp
                .static_routes
                .iter()
                .map(|r| self.route_view(r, true))
                .collect(),
            static_rules: self
                .config
                .vrrp
                .static_rules
                .iter()
                .map(|r| super::rules::RuleView {
                    rule: r.clone(),
                    set: true,
                })
                .collect(),
            instances,
            groups,
            scripts,
            files,
            bfds: self.bfd_views(),
            processes: self.process_views(),
            started,
        }
    }
}

/// Whether notify scripts exist (keepalived's notify_exec).
pub(crate) fn notify_exec(s: &ScriptsView) -> bool {
    s.any()
}
