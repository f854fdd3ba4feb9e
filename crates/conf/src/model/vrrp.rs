//! VRRP: instances, sync groups, tracking objects, static and virtual addresses/routes/rules.

use std::net::IpAddr;
use std::time::Duration;

use keepalived_vrrp::Version;

use super::common::Script;
use super::global::GlobalDefs;
use super::net::{IpAddressSpec, IpFamily, Route, Rule};
use crate::diag::Location;

/// Everything VRRP.
#[derive(Debug, Clone, Default)]
pub struct VrrpConfig {
    /// `static_ipaddress` entries.
    pub static_addresses: Vec<IpAddressSpec>,
    /// `static_routes` entries.
    pub static_routes: Vec<Route>,
    /// `static_rules` entries.
    pub static_rules: Vec<Rule>,
    /// `track_group` blocks (used by static addresses/routes/rules).
    pub track_groups: Vec<TrackGroup>,
    /// `vrrp_script` blocks (those keepalived keeps: a script without `script` is dropped).
    pub scripts: Vec<VrrpScript>,
    /// `track_file` / `vrrp_track_file` blocks.
    pub track_files: Vec<TrackFile>,
    /// `vrrp_track_process` blocks.
    pub track_processes: Vec<TrackProcess>,
    /// `garp_group` blocks.
    pub garp_groups: Vec<GarpGroup>,
    /// `vrrp_sync_group` blocks.
    pub sync_groups: Vec<SyncGroup>,
    /// `vrrp_instance` blocks, in file order.
    pub instances: Vec<VrrpInstance>,
    /// `interface_up_down_delays { IFNAME DOWN [UP] }`.
    pub interface_delays: Vec<InterfaceDelays>,
}

/// Debounce delays of one interface's up/down changes (`interface_up_down_delays`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceDelays {
    /// The interface.
    pub ifname: String,
    /// Delay before acting on the interface going down (0..=255 s).
    pub down: Duration,
    /// Delay before acting on it coming up; 0 when not given (keepalived's code; its man
    /// page says the down delay).
    pub up: Duration,
}

impl VrrpConfig {
    /// The instance of this name.
    pub fn instance(&self, name: &str) -> Option<&VrrpInstance> {
        self.instances.iter().find(|i| i.name == name)
    }

    /// The vrrp_script of this name.
    pub fn script(&self, name: &str) -> Option<&VrrpScript> {
        self.scripts.iter().find(|s| s.name == name)
    }

    /// The track_file of this name.
    pub fn track_file(&self, name: &str) -> Option<&TrackFile> {
        self.track_files.iter().find(|s| s.name == name)
    }

    /// The vrrp_track_process of this name.
    pub fn track_process(&self, name: &str) -> Option<&TrackProcess> {
        self.track_processes.iter().find(|s| s.name == name)
    }

    /// The sync groups as keepalived runs them, with their member instances: a member that
    /// is not an instance, or is already in an earlier group, is left out; a group left
    /// without members is dropped.
    pub fn effective_sync_groups(&self) -> Vec<(&SyncGroup, Vec<&VrrpInstance>)> {
        let mut taken: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for g in &self.sync_groups {
            let mut members = Vec::new();
            for m in &g.members {
                let Some(i) = self.instance(&m.name) else {
                    continue;
                };
                if taken.contains(&i.name.as_str()) {
                    continue;
                }
                taken.push(&i.name);
                members.push(i);
            }
            if !members.is_empty() {
                out.push((g, members));
            }
        }
        out
    }

    /// The sync group an instance runs in (see [`VrrpConfig::effective_sync_groups`]).
    pub fn sync_group_of(&self, instance: &str) -> Option<&SyncGroup> {
        self.effective_sync_groups()
            .into_iter()
            .find(|(_, m)| m.iter().any(|i| i.name == instance))
            .map(|(g, _)| g)
    }
}

/// The state an instance starts in (`state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InitialState {
    /// `BACKUP` (default; also what an unknown word gives).
    #[default]
    Backup,
    /// `MASTER`.
    Master,
}

/// VRRP authentication type (`auth_type`, VRRPv2 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthType {
    /// `PASS`: simple text password.
    Pass,
    /// `AH`: IPsec AH.
    Ah,
}

/// `authentication { auth_type ...; auth_pass ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    /// `auth_type`; `None` if only a password was given (keepalived then does not
    /// authenticate).
    pub auth_type: Option<AuthType>,
    /// `auth_pass`, truncated to 8 bytes as keepalived does.
    pub password: Vec<u8>,
    /// Where the block is.
    pub loc: Location,
}

/// A tracked interface (`track_interface { NAME [weight W [reverse|noreverse]] }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedInterface {
    /// The interface name.
    pub name: String,
    /// `weight` (-253..=253); 0, the default, means down = FAULT.
    pub weight: i32,
    /// `reverse`.
    pub reverse: bool,
    /// Where the line is.
    pub loc: Location,
}

/// A reference from an instance or sync group to a named tracking object (`track_script`,
/// `track_file`, `track_process`, `track_bfd`): `NAME [weight W] [reverse|noreverse]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackRef {
    /// The object's name.
    pub name: String,
    /// `weight`; `None` means the object's own weight.
    pub weight: Option<i32>,
    /// `reverse` (`Some(true)`), `noreverse`/`no_reverse` (`Some(false)`), or the object's own.
    pub reverse: Option<bool>,
    /// Where the line is.
    pub loc: Location,
}

/// A `unicast_peer` entry: `ADDR [min_ttl N] [max_ttl N]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnicastPeer {
    /// The peer address.
    pub addr: IpAddr,
    /// `min_ttl` (0..=255): adverts with a lower TTL/hop limit are dropped.
    pub min_ttl: Option<u8>,
    /// `max_ttl` (0..=255): adverts with a higher TTL/hop limit are dropped.
    pub max_ttl: Option<u8>,
}

/// `use_vmac [NAME] [MAC]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vmac {
    /// The macvlan's name; `None` means keepalived's `vrrp.<VRID>`, or the next free one.
    pub ifname: Option<String>,
    /// A MAC address to use instead of `00:00:5e:00:01|02:<VRID>` (5 octets: the VRID is added).
    pub mac: Option<Vec<u8>>,
    /// `vmac_xmit_base`: send and receive adverts on the base interface.
    pub xmit_base: bool,
}

/// `use_ipvlan [NAME] [ADDR[/LEN]] [bridge|private|vepa]`: an L2 ipvlan on the instance's
/// interface that adverts leave from and arrive on (keepalived's netlink_link_add_ipvlan).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ipvlan {
    /// Its name; `None`: keepalived's `vrrp.VRID` (from `vmac_prefix`), or the next free one.
    pub ifname: Option<String>,
    /// The address put on it (also the advert source unless one is configured); IPv4 needs
    /// one.
    pub addr: Option<super::net::IpPrefix>,
    /// IFLA_IPVLAN_FLAGS.
    pub mode: IpvlanMode,
}

/// The ipvlan's flags (`bridge` 0, the default; `private`; `vepa`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpvlanMode {
    /// `bridge` (no flag).
    #[default]
    Bridge,
    /// `private` (IPVLAN_F_PRIVATE).
    Private,
    /// `vepa` (IPVLAN_F_VEPA).
    Vepa,
}

impl IpvlanMode {
    /// The word keepalived's dump prints.
    pub fn as_str(self) -> &'static str {
        match self {
            IpvlanMode::Bridge => "bridge",
            IpvlanMode::Private => "private",
            IpvlanMode::Vepa => "vepa",
        }
    }
}

/// Notify scripts of an instance or sync group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NotifyScripts {
    /// `notify_master`.
    pub master: Option<Script>,
    /// `notify_backup`.
    pub backup: Option<Script>,
    /// `notify_fault`.
    pub fault: Option<Script>,
    /// `notify_stop`.
    pub stop: Option<Script>,
    /// `notify_deleted [SCRIPT]` (instances only): `Some(None)` sends DELETED without a script.
    pub deleted: Option<Option<Script>>,
    /// `notify`: called after the specific one with `INSTANCE|GROUP NAME STATE PRIORITY`.
    pub notify: Option<Script>,
    /// `notify_master_rx_lower_pri` (instances only).
    pub master_rx_lower_pri: Option<Script>,
}

/// Per-instance gratuitous ARP / unsolicited NA settings; `None` means global_defs' value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GarpSettings {
    /// `garp_master_delay` (seconds): delay of the second burst after becoming MASTER.
    pub master_delay: Option<Duration>,
    /// `garp_master_repeat` (>= 1).
    pub master_repeat: Option<u32>,
    /// `garp_lower_prio_delay`.
    pub lower_prio_delay: Option<Duration>,
    /// `garp_lower_prio_repeat`.
    pub lower_prio_repeat: Option<u32>,
    /// `garp_master_refresh` (0 = off).
    pub master_refresh: Option<Duration>,
    /// `garp_master_refresh_repeat` (>= 1).
    pub master_refresh_repeat: Option<u32>,
    /// `garp_extra_if [all] DELAY` as (delay, all); delay 0 disables.
    pub extra_if: Option<(Duration, bool)>,
}

/// A `vrrp_instance`.
///
/// Fields hold what the file says once the instance's own block is settled (family,
/// default priority, state MASTER cleared by AH, nopreempt/preempt_delay cleared by owner
/// priority or state MASTER, vmac_xmit_base forced by unicast). What depends on
/// `global_defs` is given by methods: [`version`](Self::version),
/// [`advert_int`](Self::advert_int), [`strict`](Self::strict),
/// [`accept_mode`](Self::accept_mode), [`effective_authentication`](Self::effective_authentication).
/// The checks report, and the daemon must apply, what keepalived then ignores: in strict
/// mode `garp_lower_prio_delay`, `down_timer_adverts` other than 3, `vmac_xmit_base` and a
/// VMAC MAC address; `mcast_dst_ip` with unicast peers; tracking weights of sync group
/// members (unless the group has `sync_group_tracking_weight`) and weighted trackers of the
/// address owner (priority 255). A [`TrackRef`] without weight uses the object's weight.
#[derive(Debug, Clone, PartialEq)]
pub struct VrrpInstance {
    /// The instance name.
    pub name: String,
    /// Where `vrrp_instance` stands.
    pub loc: Location,
    /// `state`, default BACKUP.
    pub state: InitialState,
    /// `interface`; `None` if missing or refused (loopback).
    pub interface: Option<String>,
    /// `vrf` (unicast without an interface).
    pub vrf: Option<String>,
    /// `use_vmac` (+ `vmac_xmit_base`).
    pub vmac: Option<Vmac>,
    /// `use_vmac_addr`.
    pub use_vmac_addr: bool,
    /// `use_ipvlan [NAME] [ADDR[/LEN]] [bridge|private|vepa]`.
    pub ipvlan: Option<Ipvlan>,
    /// The address family: from the first of `mcast_src_ip`/`unicast_src_ip`, a unicast peer,
    /// a VIP, or `native_ipv6`; IPv4 when none says.
    pub family: IpFamily,
    /// `native_ipv6`.
    pub native_ipv6: bool,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `track_interface`.
    pub track_interfaces: Vec<TrackedInterface>,
    /// `track_script`.
    pub track_scripts: Vec<TrackRef>,
    /// `track_file`.
    pub track_files: Vec<TrackRef>,
    /// `track_process`.
    pub track_processes: Vec<TrackRef>,
    /// `track_bfd`.
    pub track_bfds: Vec<TrackRef>,
    /// `mcast_src_ip` / `unicast_src_ip` (same setting in keepalived).
    pub src_ip: Option<IpAddr>,
    /// `track_src_ip`.
    pub track_src_ip: bool,
    /// `mcast_dst_ip`.
    pub mcast_dst_ip: Option<IpAddr>,
    /// `unicast_peer { ... }`: non-empty means unicast mode.
    pub unicast_peers: Vec<UnicastPeer>,
    /// `unicast_ttl` (0..=255); default 255.
    pub unicast_ttl: u8,
    /// `unicast_fault_no_peer`.
    pub unicast_fault_no_peer: bool,
    /// A unicast keyword was given (`unicast_src_ip`, `unicast_peer`, `unicast_fault_no_peer`,
    /// `check_unicast_src`, `old_unicast_checksum`): keepalived's VRRP_FLAG_UNICAST_CONFIGURED.
    pub unicast_configured: bool,
    /// `check_unicast_src` (also set by a peer's min_ttl/max_ttl).
    pub check_unicast_src: bool,
    /// `old_unicast_checksum [never]`: `Some(true)` for never.
    pub old_unicast_checksum: Option<bool>,
    /// `version` as written; see [`VrrpInstance::version`].
    pub version: Option<Version>,
    /// `virtual_router_id` (1..=255); `None` if missing or invalid (an error).
    pub vrid: Option<u8>,
    /// `priority` (1..=255); when not given, 255 for `state MASTER`, else 100.
    pub priority: u8,
    /// `advert_int` as written (default 1s); see [`VrrpInstance::advert_int`].
    pub advert_int_configured: Duration,
    /// `authentication` (VRRPv2, not strict).
    pub authentication: Option<Authentication>,
    /// `virtual_ipaddress` (of the instance's family).
    pub virtual_ipaddresses: Vec<IpAddressSpec>,
    /// `virtual_ipaddress_excluded`.
    pub excluded_ipaddresses: Vec<IpAddressSpec>,
    /// `virtual_routes`.
    pub virtual_routes: Vec<Route>,
    /// `virtual_rules`.
    pub virtual_rules: Vec<Rule>,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
    /// Preempt lower-priority masters; `nopreempt` clears it (default true).
    pub preempt: bool,
    /// `preempt_delay` (0..=1000 s), default 0.
    pub preempt_delay: Duration,
    /// `strict_mode`; `None` means global `vrrp_strict`.
    pub strict_mode: Option<bool>,
    /// `accept` (`Some(true)`) / `no_accept` (`Some(false)`); `None`: accept unless strict.
    pub accept: Option<bool>,
    /// `skip_check_adv_addr`; `None` means the global default.
    pub skip_check_adv_addr: Option<bool>,
    /// Gratuitous ARP / NA settings.
    pub garp: GarpSettings,
    /// `down_timer_adverts` (1..=100), default 3.
    pub down_timer_adverts: u8,
    /// `lower_prio_no_advert`; `None` means global `vrrp_lower_prio_no_advert`.
    pub lower_prio_no_advert: Option<bool>,
    /// `higher_prio_send_advert`; `None` means global `vrrp_higher_prio_send_advert`.
    pub higher_prio_send_advert: Option<bool>,
    /// `kernel_rx_buf_size`.
    pub kernel_rx_buf_size: Option<u32>,
    /// Notify scripts.
    pub notify: NotifyScripts,
    /// `notify_priority_changes`.
    pub notify_priority_changes: Option<bool>,
    /// `smtp_alert`; `None` means the global setting.
    pub smtp_alert: Option<bool>,
    /// `debug` (0..=4).
    pub debug: u8,
    /// `linkbeat_use_polling` (deprecated).
    pub linkbeat_use_polling: bool,
    /// `lvs_sync_daemon_interface` (deprecated).
    pub lvs_sync_daemon_interface: Option<String>,
    /// keepalived 2.3's `no_virtual_ipaddress`: no VIPs on purpose (no "No VIP" report).
    pub no_virtual_ipaddress: bool,
    /// keepalived 2.3's `v3_checksum_as_v2 [<BOOL>]` (default global `v3_checksum_as_v2`):
    /// VRRPv3 over IPv4 checksums the message alone and received checksums are not checked.
    pub v3_checksum_as_v2: bool,
    /// keepalived 2.3's `owner_ignore_adverts [<BOOL>]`; `None`: see
    /// [`VrrpInstance::owner_ignores_adverts`].
    pub owner_ignore_adverts: Option<bool>,
    /// keepalived 2.3's `timer_expired_backup [PRIORITY]` (`thread_timer_expired`): the
    /// highest priority of the other routers (1..254, alone 254); a MASTER whose process was
    /// stalled long enough for one of them to take over goes to BACKUP. Needs `nopreempt`.
    pub highest_other_priority: Option<u8>,
}

impl VrrpInstance {
    /// An instance with keepalived's defaults.
    pub fn new(name: String, loc: Location) -> VrrpInstance {
        VrrpInstance {
            name,
            loc,
            state: InitialState::Backup,
            interface: None,
            vrf: None,
            vmac: None,
            use_vmac_addr: false,
            ipvlan: None,
            family: IpFamily::V4,
            native_ipv6: false,
            dont_track_primary: false,
            track_interfaces: Vec::new(),
            track_scripts: Vec::new(),
            track_files: Vec::new(),
            track_processes: Vec::new(),
            track_bfds: Vec::new(),
            src_ip: None,
            track_src_ip: false,
            mcast_dst_ip: None,
            unicast_peers: Vec::new(),
            unicast_ttl: 255,
            unicast_fault_no_peer: false,
            unicast_configured: false,
            check_unicast_src: false,
            old_unicast_checksum: None,
            version: None,
            vrid: None,
            priority: VRRP_PRIO_DEFAULT,
            advert_int_configured: Duration::from_secs(1),
            authentication: None,
            virtual_ipaddresses: Vec::new(),
            excluded_ipaddresses: Vec::new(),
            virtual_routes: Vec::new(),
            virtual_rules: Vec::new(),
            promote_secondaries: false,
            preempt: true,
            preempt_delay: Duration::ZERO,
            strict_mode: None,
            accept: None,
            skip_check_adv_addr: None,
            garp: GarpSettings::default(),
            down_timer_adverts: 3,
            lower_prio_no_advert: None,
            higher_prio_send_advert: None,
            kernel_rx_buf_size: None,
            notify: NotifyScripts::default(),
            notify_priority_changes: None,
            smtp_alert: None,
            debug: 0,
            linkbeat_use_polling: false,
            lvs_sync_daemon_interface: None,
            no_virtual_ipaddress: false,
            v3_checksum_as_v2: false,
            owner_ignore_adverts: None,
            highest_other_priority: None,
        }
    }

    /// Whether received adverts are dropped while the instance is the address owner
    /// (keepalived 2.3.4's `vrrp_complete_instance`): only with priority 255; unset, true in
    /// strict mode and else global `vrrp_owner_ignore_adverts`.
    pub fn owner_ignores_adverts(&self, global: &GlobalDefs) -> bool {
        if self.priority != VRRP_PRIO_OWNER {
            return false;
        }
        let strict = self.strict(global);
        match self.owner_ignore_adverts {
            None => strict || global.vrrp_owner_ignore_adverts,
            Some(set) => set || strict,
        }
    }

    /// `timer_expired_backup`'s priority, unless keepalived drops it (it requires
    /// `nopreempt`).
    pub fn timer_expired_backup(&self) -> Option<u8> {
        self.highest_other_priority.filter(|_| !self.preempt)
    }

    /// The VRRP version run: 3 for IPv6, else `version` or global `vrrp_version`.
    pub fn version(&self, global: &GlobalDefs) -> Version {
        if self.family == IpFamily::V6 {
            Version::V3
        } else {
            self.version.unwrap_or(global.vrrp_version)
        }
    }

    /// Whether strict RFC mode applies (`strict_mode`, else global `vrrp_strict`).
    pub fn strict(&self, global: &GlobalDefs) -> bool {
        self.strict_mode.unwrap_or(global.vrrp_strict)
    }

    /// The advert interval keepalived runs with: VRRPv2 rounds to whole seconds (at least 1,
    /// at most 255); VRRPv3 rounds to centiseconds (at least 0.01 s, at most 40.95 s).
    pub fn advert_int(&self, global: &GlobalDefs) -> Duration {
        effective_advert_int(self.advert_int_configured, self.version(global))
    }

    /// The authentication keepalived applies: none under VRRPv3 or strict mode (it reports
    /// and ignores the block), nor without an `auth_type`.
    pub fn effective_authentication(&self, global: &GlobalDefs) -> Option<&Authentication> {
        if self.version(global) == Version::V3 || self.strict(global) {
            return None;
        }
        self.authentication
            .as_ref()
            .filter(|a| a.auth_type.is_some())
    }

    /// Whether the instance uses unicast.
    pub fn is_unicast(&self) -> bool {
        !self.unicast_peers.is_empty()
    }

    /// keepalived's permanent configuration fault (`num_config_faults`): `unicast_fault_no_peer`
    /// with no unicast peer ("Cannot use unicast without any peers - going to fault state"),
    /// an IPv4 ipvlan without address.
    pub fn config_fault(&self) -> bool {
        self.no_peers_fault() || self.ipvlan_fault()
    }

    /// `unicast_fault_no_peer` without a peer: FAULT.
    pub fn no_peers_fault(&self) -> bool {
        self.unicast_configured && self.unicast_fault_no_peer && self.unicast_peers.is_empty()
    }

    /// An IPv4 `use_ipvlan` without an address ("IPv4 ipvlan requires a source ip address to be
    /// configured. setting instance to fault state").
    pub fn ipvlan_fault(&self) -> bool {
        self.family == super::net::IpFamily::V4
            && self.ipvlan.as_ref().is_some_and(|i| i.addr.is_none())
    }

    /// Why keepalived's VRRP process would not start with this instance (it exits with a
    /// configuration error): no VRID; no `interface` without a unicast keyword
    /// (keepalived 2.2.8+'s chk_min_cfg); without `interface`, no configured source address
    /// or a link-local one (vrrp_complete_instance); no VIP where one is required (VRRPv3 or
    /// strict mode, unless 2.3's `no_virtual_ipaddress` says none is meant). `None`: it runs.
    pub fn unstartable(&self, global: &GlobalDefs) -> Option<String> {
        let name = &self.name;
        if self.vrid.is_none() {
            return Some(format!("({name}) the virtual router id must be set"));
        }
        if self.no_vip_required(global) {
            return Some(format!(
                "({name}) No VIP specified; at least one is required"
            ));
        }
        if self.interface.is_some() {
            return None;
        }
        if !self.unicast_configured {
            return Some(format!("({name}) Unknown interface!"));
        }
        match self.src_ip {
            None => Some(format!(
                "({name}): Unicast instances must have unicast_src_ip or interface"
            )),
            Some(a) if is_link_local(&a) => Some(format!(
                "({name}) Non link-local address required if interface omitted"
            )),
            Some(_) => None,
        }
    }

    /// Whether the instance has no VIP where keepalived requires one (VRRPv3 or strict mode;
    /// 2.3's `no_virtual_ipaddress` outside strict mode means none is wanted).
    pub fn no_vip_required(&self, global: &GlobalDefs) -> bool {
        let strict = self.strict(global);
        self.virtual_ipaddresses.is_empty()
            && (strict || !self.no_virtual_ipaddress)
            && (self.version(global) == Version::V3 || strict)
    }

    /// Whether the instance is the address owner (priority 255).
    pub fn is_address_owner(&self) -> bool {
        self.priority == VRRP_PRIO_OWNER
    }

    /// Whether accept mode applies: `accept`/`no_accept`, else off in strict mode; strict
    /// mode also refuses accept for VRRPv2 (RFC 3768 has no accept mode).
    pub fn accept_mode(&self, global: &GlobalDefs) -> bool {
        let strict = self.strict(global);
        if strict && self.version(global) == Version::V2 {
            return false;
        }
        self.accept.unwrap_or(!strict)
    }
}

/// An IPv6 link-local address (fe80::/10); never an IPv4 one.
pub fn is_link_local(a: &IpAddr) -> bool {
    match a {
        IpAddr::V6(a) => a.segments()[0] & 0xffc0 == 0xfe80,
        IpAddr::V4(_) => false,
    }
}

/// Rounds an advert interval the way keepalived's `vrrp_complete_instance` does.
pub fn effective_advert_int(configured: Duration, version: Version) -> Duration {
    let us = configured.as_micros();
    if version == Version::V2 {
        let secs = ((us + 500_000) / 1_000_000).clamp(1, 255);
        Duration::from_secs(secs as u64)
    } else {
        let cs = ((us + 5_000) / 10_000).clamp(1, 4095);
        Duration::from_millis(cs as u64 * 10)
    }
}

/// keepalived's default priority.
pub const VRRP_PRIO_DEFAULT: u8 = 100;
/// The address owner's priority.
pub const VRRP_PRIO_OWNER: u8 = 255;

/// A `vrrp_script`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrrpScript {
    /// The name tracked by `track_script`.
    pub name: String,
    /// Where the block is.
    pub loc: Location,
    /// `script` with its arguments, and `user` applied.
    pub script: Script,
    /// `interval` (1..=4294 s), default 1 s.
    pub interval: Duration,
    /// `timeout`; `None` means the interval.
    pub timeout: Option<Duration>,
    /// `weight` (-253..=253), default 0 (failure = FAULT).
    pub weight: i32,
    /// `weight W reverse`.
    pub weight_reverse: bool,
    /// `rise`, default 1.
    pub rise: u32,
    /// `fall`, default 1.
    pub fall: u32,
    /// `init_fail`: starts in the failed state.
    pub init_fail: bool,
}

/// `init_file [VALUE] [overwrite]` of a track file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackFileInit {
    /// The value written, default 0.
    pub value: i64,
    /// `overwrite`: write even when the file exists.
    pub overwrite: bool,
}

/// A `track_file` (or deprecated `vrrp_track_file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackFile {
    /// The name tracked by `track_file`.
    pub name: String,
    /// Where the block is.
    pub loc: Location,
    /// `file`.
    pub file: String,
    /// `weight` (-254..=254), default 1.
    pub weight: i32,
    /// `weight W reverse`.
    pub weight_reverse: bool,
    /// `init_file`.
    pub init: Option<TrackFileInit>,
}

impl TrackFile {
    /// The number a tracked file holds, read as keepalived's `fscanf("%d")` does: blanks,
    /// an optional sign, decimal digits; nothing readable is 0, too large saturates. Used by
    /// `track_file` (VRRP) and `FILE_CHECK` (checkers) alike.
    pub fn parse_value(text: &str) -> i64 {
        let t = text.trim_start();
        let (neg, t) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let digits = t.get(..end).unwrap_or_default();
        let v = digits.bytes().fold(0i64, |acc, d| {
            acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
        if neg {
            -v
        } else {
            v
        }
    }

    /// The value of the file at `path`: [`TrackFile::parse_value`] of its text, 0 when it is
    /// missing or unreadable.
    pub fn read_value(path: &str) -> i64 {
        std::fs::read_to_string(path).map_or(0, |t| Self::parse_value(&t))
    }
}

#[cfg(test)]
mod track_file_tests {
    use super::TrackFile;

    #[test]
    fn a_tracked_file_holds_a_leading_decimal_integer() {
        assert_eq!(TrackFile::parse_value("5\n"), 5);
        assert_eq!(TrackFile::parse_value("  -12 trailing"), -12);
        assert_eq!(TrackFile::parse_value("+7"), 7);
        assert_eq!(TrackFile::parse_value("0x10"), 0);
        assert_eq!(TrackFile::parse_value(""), 0);
        assert_eq!(TrackFile::parse_value("abc"), 0);
        assert_eq!(TrackFile::parse_value("99999999999999999999999"), i64::MAX);
    }
}

/// How `param_match` compares a process's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParamMatch {
    /// All parameters exactly (default when parameters are given).
    #[default]
    Full,
    /// `partial`: the configured parameters are the first ones.
    Partial,
    /// `initial`: like partial, and the last may be a prefix.
    Initial,
}

/// A `vrrp_track_process`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackProcess {
    /// The name tracked by `track_process`.
    pub name: String,
    /// Where the block is.
    pub loc: Location,
    /// `process NAME [PARAM...]`: the name first.
    pub process: Vec<String>,
    /// `param_match`; `None` when not given.
    pub param_match: Option<ParamMatch>,
    /// `weight` (-254..=254), default 1.
    pub weight: i32,
    /// `weight W reverse`.
    pub weight_reverse: bool,
    /// `quorum` (1..=65535), default 1.
    pub quorum: u32,
    /// `quorum_max`; `None` means no maximum.
    pub quorum_max: Option<u32>,
    /// `fork_delay` (or `delay`).
    pub fork_delay: Duration,
    /// `terminate_delay` (or `delay`).
    pub terminate_delay: Duration,
    /// `full_command`: match /proc/PID/cmdline.
    pub full_command: bool,
}

/// A `garp_group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GarpGroup {
    /// Where the block is.
    pub loc: Location,
    /// `garp_interval`.
    pub garp_interval: Option<Duration>,
    /// `gna_interval`.
    pub gna_interval: Option<Duration>,
    /// `interface` and `interfaces { }` names.
    pub interfaces: Vec<String>,
}

/// A `track_group NAME { group { INSTANCE... } }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackGroup {
    /// The group name.
    pub name: String,
    /// Where the block is.
    pub loc: Location,
    /// The instances.
    pub members: Vec<String>,
}

/// A member of a sync group's `group { }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncMember {
    /// The instance name.
    pub name: String,
    /// Where it is listed.
    pub loc: Location,
}

/// A `vrrp_sync_group`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncGroup {
    /// The group name.
    pub name: String,
    /// Where the block is.
    pub loc: Location,
    /// `group { }`: the member instances (the checks drop unknown ones and ones already in
    /// an earlier group).
    pub members: Vec<SyncMember>,
    /// `track_interface`.
    pub track_interfaces: Vec<TrackedInterface>,
    /// `track_script`.
    pub track_scripts: Vec<TrackRef>,
    /// `track_file`.
    pub track_files: Vec<TrackRef>,
    /// `track_process`.
    pub track_processes: Vec<TrackRef>,
    /// `track_bfd`.
    pub track_bfds: Vec<TrackRef>,
    /// Notify scripts (no `deleted`/`master_rx_lower_pri`).
    pub notify: NotifyScripts,
    /// `notify_priority_changes`.
    pub notify_priority_changes: Option<bool>,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `sync_group_tracking_weight` (or deprecated `global_tracking`): members keep their
    /// tracking weights.
    pub tracking_weight: bool,
}

impl SyncGroup {
    /// An empty group.
    pub fn new(name: String, loc: Location) -> SyncGroup {
        SyncGroup {
            name,
            loc,
            members: Vec::new(),
            track_interfaces: Vec::new(),
            track_scripts: Vec::new(),
            track_files: Vec::new(),
            track_processes: Vec::new(),
            track_bfds: Vec::new(),
            notify: NotifyScripts::default(),
            notify_priority_changes: None,
            smtp_alert: None,
            tracking_weight: false,
        }
    }
}
