//! The plain-data [`Snapshot`] the event loop fills when a dump signal arrives.
//!
//! Every field holds a value exactly as keepalived 2.2.7 prints it (units noted on each
//! field); [`Default`] gives keepalived's value for a freshly configured instance, so a
//! caller fills what it knows and leaves the rest.

use std::net::{IpAddr, Ipv4Addr};

use super::global::GlobalDump;

/// Everything the three dump files print, taken at one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// `------< Global definitions >------`.
    pub global: GlobalDump,
    /// `------< Static Addresses >------`, each formatted like a VIP.
    pub static_addresses: Vec<VipDump>,
    /// `------< Static Routes >------`, preformatted (see [`super::format_route`]).
    pub static_routes: Vec<String>,
    /// `------< Static Rules >------`, preformatted (see [`super::format_rule`]).
    pub static_rules: Vec<String>,
    /// `------< VRRP Topology >------`, in configuration order.
    pub instances: Vec<InstanceDump>,
    /// `------< VRRP Sockpool >------`.
    pub sockets: Vec<SocketDump>,
    /// `------< VRRP Sync groups >------`.
    pub sync_groups: Vec<SyncGroupDump>,
    /// `------< VRRP Scripts >------` (only scripts some instance or group uses).
    pub scripts: Vec<ScriptDump>,
    /// `------< VRRP Track files >------`.
    pub track_files: Vec<TrackFileDump>,
    /// `------< Interfaces >------`, in the kernel's interface list order.
    pub interfaces: Vec<InterfaceDump>,
    /// keepalived 2.3's `json_version`: 2 wraps the instances in `{"vrrp":[...]}`; anything
    /// else is version 1 (a bare array).
    pub json_version: u8,
    /// `------< VRRP Track BFDs >------`: the `bfd_instance`s the VRRP child hears about,
    /// as the BFD child last reported them (also /metrics; keepalived's JSON has none).
    pub bfd: Vec<BfdTrackDump>,
}

/// One BFD session as the VRRP child sees it (its event pipe).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BfdTrackDump {
    /// The `bfd_instance` name.
    pub name: String,
    /// Its `weight`.
    pub weight: i32,
    /// `weight ... reverse`.
    pub weight_reverse: bool,
    /// Up (the last event said Up).
    pub up: bool,
    /// Up/Down changes received since the VRRP child started (ours, /metrics).
    pub transitions: u64,
    /// Instances tracking it, with the weight applied to each.
    pub tracking: Vec<TrackedDump>,
}

/// A `struct timeval`: seconds and microseconds since the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeval {
    /// Seconds since the epoch.
    pub sec: i64,
    /// Microseconds, 0..1_000_000.
    pub usec: i64,
}

impl Timeval {
    /// A timeval from a [`std::time::SystemTime`] (times before the epoch give 0).
    pub fn from_system_time(t: std::time::SystemTime) -> Self {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Timeval {
                sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                usec: i64::from(d.subsec_micros()),
            },
            Err(_) => Timeval::default(),
        }
    }
}

/// A VRRP state, numbered as keepalived's JSON prints it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum VrrpState {
    /// INIT (0).
    #[default]
    Init,
    /// BACKUP (1).
    Backup,
    /// MASTER (2).
    Master,
    /// FAULT (3).
    Fault,
}

impl VrrpState {
    /// keepalived's name for the state.
    pub fn as_str(self) -> &'static str {
        match self {
            VrrpState::Init => "INIT",
            VrrpState::Backup => "BACKUP",
            VrrpState::Master => "MASTER",
            VrrpState::Fault => "FAULT",
        }
    }

    /// keepalived's number for the state (`VRRP_STATE_*`).
    pub fn number(self) -> u8 {
        match self {
            VrrpState::Init => 0,
            VrrpState::Backup => 1,
            VrrpState::Master => 2,
            VrrpState::Fault => 3,
        }
    }
}

/// The instance's authentication (`authentication { }`); the secret is the stored
/// (possibly truncated to 8 bytes) password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AuthDump {
    /// No authentication (`auth_type` 0).
    #[default]
    None,
    /// `auth_type PASS` (1).
    Pass(String),
    /// `auth_type AH` (2).
    Ah(String),
}

/// A notify script as keepalived prints it: `cmd` is the quoted command line
/// (`'/path/notify.sh' 'arg'`, see [`super::quote_command`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyScriptDump {
    /// The quoted command line.
    pub cmd: String,
    /// The uid the script runs as.
    pub uid: u32,
    /// The gid the script runs as.
    pub gid: u32,
}

/// The notify scripts of an instance or a sync group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyScripts {
    /// `notify_backup`.
    pub backup: Option<NotifyScriptDump>,
    /// `notify_master`.
    pub master: Option<NotifyScriptDump>,
    /// `notify_fault`.
    pub fault: Option<NotifyScriptDump>,
    /// `notify_stop`.
    pub stop: Option<NotifyScriptDump>,
    /// `notify_deleted` with a script (JSON only: the data dump does not print it).
    pub deleted: Option<NotifyScriptDump>,
    /// `notify`.
    pub generic: Option<NotifyScriptDump>,
    /// `notify_master_rx_lower_pri`.
    pub master_rx_lower_pri: Option<NotifyScriptDump>,
}

/// One virtual (or static, or excluded) address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VipDump {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length (not printed when it is the full length).
    pub prefix: u8,
    /// The broadcast address (IPv4 with `brd`/`broadcast`), printed as ` brd X`.
    pub brd: Option<Ipv4Addr>,
    /// Device as printed: `veth0`, or `vrrp6@veth0` for a VMAC.
    pub dev: String,
    /// Scope name (`global`, `link`, `host`, ...).
    pub scope: String,
    /// `label` when configured.
    pub label: Option<String>,
    /// Whether the address is currently installed (` set`).
    pub set: bool,
}

/// Which tracked object a [`TrackedDump`] line names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackedDump {
    /// The interface, script or track file name.
    pub name: String,
    /// The weight applied to this instance.
    pub weight: i32,
    /// `weight ... reverse`.
    pub reverse: bool,
}

/// A tracked script reference in an instance: the line plus the script's command (the
/// JSON lists commands).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackedScriptDump {
    /// Name, weight, reverse.
    pub tracked: TrackedDump,
    /// The script's quoted command (`'/usr/bin/true'`).
    pub cmd: String,
}

/// A unicast peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnicastPeerDump {
    /// The peer's address.
    pub addr: IpAddr,
    /// `min_ttl` (default 0).
    pub min_ttl: u32,
    /// `max_ttl` (default 255).
    pub max_ttl: u32,
}

/// `use_vmac` details of an instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VmacDump {
    /// The macvlan's name.
    pub ifname: String,
    /// Whether the macvlan is up.
    pub is_up: bool,
    /// `vmac_xmit_base`.
    pub xmit_base: bool,
    /// The underlying interface.
    pub base_ifname: String,
}

/// `use_ipvlan` of an instance as keepalived dumps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvlanDump {
    /// The ipvlan's name.
    pub ifname: String,
    /// Whether it is up.
    pub is_up: bool,
    /// Its configured address (keepalived's ipaddresstos: no `/32`).
    pub addr: Option<String>,
    /// `bridge`, `private` or `vepa`.
    pub mode: &'static str,
    /// The underlying interface.
    pub base_ifname: String,
}

/// The counters of `/tmp/keepalived.stats` (and the JSON's `stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsDump {
    /// Adverts received.
    pub advert_rcvd: u64,
    /// Adverts sent.
    pub advert_sent: u64,
    /// Transitions to MASTER.
    pub become_master: u64,
    /// Transitions away from MASTER.
    pub release_master: u64,
    /// Packet length errors.
    pub packet_len_err: u64,
    /// Advert interval mismatches.
    pub advert_interval_err: u64,
    /// TTL errors.
    pub ip_ttl_err: u64,
    /// Invalid VRRP type received.
    pub invalid_type_rcvd: u64,
    /// Address list mismatches.
    pub addr_list_err: u64,
    /// Unknown authentication type.
    pub invalid_authtype: u64,
    /// Authentication type mismatch.
    pub authtype_mismatch: u64,
    /// Authentication failures.
    pub auth_failure: u64,
    /// Priority 0 adverts received.
    pub pri_zero_rcvd: u64,
    /// Priority 0 adverts sent.
    pub pri_zero_sent: u64,
}

/// One `vrrp_instance`.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceDump {
    /// Instance name.
    pub name: String,
    /// VRRP version (2 or 3).
    pub version: keepalived_vrrp::Version,
    /// The sync group it belongs to.
    pub sync_group: Option<String>,
    /// IPv6 instance (`Using Native IPv6`).
    pub native_ipv6: bool,
    /// Current state.
    pub state: VrrpState,
    /// The master's address last seen; `None` when none was ever seen (keepalived then
    /// prints whatever address it formatted last, which the renderer reproduces).
    pub master_address: Option<IpAddr>,
    /// The master's priority last seen.
    pub master_priority: u8,
    /// The master's advert interval in microseconds.
    pub master_adver_int_us: u64,
    /// Whether any of keepalived's instance flag bits is set (unicast, dont_track_primary,
    /// skip_check_adv_addr, promote_secondaries, ...): `Flags:` rather than `Flags: none`.
    pub flags_set: bool,
    /// The instance uses unicast (`     Using unicast`).
    pub unicast: bool,
    /// `     Unicast config option specified but using multicast`.
    pub unicast_configured_multicast: bool,
    /// `     If unicast go to fault state if no peers`.
    pub unicast_fault_no_peer: bool,
    /// The wanted state.
    pub wantstate: VrrpState,
    /// Number of config faults.
    pub num_config_faults: u32,
    /// Number of interface and track script faults.
    pub num_script_if_fault: u32,
    /// Duplicate VRID fault.
    pub duplicate_vrid: bool,
    /// Number of tracked scripts still in init.
    pub num_script_init: u32,
    /// Time of the last state transition.
    pub last_transition: Timeval,
    /// When the current timer fires; `None` prints `DISABLED`.
    pub read_timeout: Option<Timeval>,
    /// Master down interval in microseconds.
    pub master_down_timer_us: u64,
    /// `use_vmac` details.
    pub vmac: Option<VmacDump>,
    /// The interface the instance runs on (the VMAC's name when it has one); empty: none
    /// (unicast without `interface`, "not configured").
    pub interface: String,
    /// `vrf` (an instance without interface).
    pub vrf: Option<String>,
    /// `use_ipvlan`.
    pub ipvlan: Option<IpvlanDump>,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `skip_check_adv_addr`.
    pub skip_check_adv_addr: bool,
    /// `strict_mode`.
    pub strict_mode: bool,
    /// The source address in use.
    pub src_ip: Option<IpAddr>,
    /// The source address came from `unicast_src_ip`.
    pub src_ip_from_config: bool,
    /// Multicast group (printed when not unicast).
    pub mcast_group: IpAddr,
    /// Interface index printed after an IPv6 multicast group.
    pub mcast_ifindex: Option<u32>,
    /// `garp_master_delay`, seconds.
    pub garp_delay: u32,
    /// `garp_master_repeat`.
    pub garp_rep: u32,
    /// `garp_master_refresh`, seconds.
    pub garp_refresh: u32,
    /// `garp_master_refresh_repeat`.
    pub garp_refresh_rep: u32,
    /// `garp_lower_prio_delay`, seconds.
    pub garp_lower_prio_delay: u32,
    /// `garp_lower_prio_repeat`.
    pub garp_lower_prio_rep: u32,
    /// `down_timer_adverts`.
    pub down_timer_adverts: u32,
    /// `garp_extra_if` when it applies: `all`, the period (s) and when the next round is
    /// due (0 before the instance is MASTER).
    pub vmac_garp: Option<(bool, u64, Timeval)>,
    /// `use_vmac_addr` ("Use VMAC for VIPs on other interfaces").
    pub use_vmac_addr: bool,
    /// `lower_prio_no_advert`.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: bool,
    /// `virtual_router_id`.
    pub vrid: u8,
    /// Configured priority.
    pub base_priority: u8,
    /// Effective priority (after tracking weights, clamped 1..=254).
    pub effective_priority: u8,
    /// Total priority (unclamped sum).
    pub total_priority: i32,
    /// Advert interval in microseconds.
    pub adver_int_us: u64,
    /// Accept mode.
    pub accept: bool,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `preempt_delay` in microseconds.
    pub preempt_delay_us: u64,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
    /// Authentication.
    pub auth: AuthDump,
    /// `kernel_rx_buf_size` (0: not printed).
    pub kernel_rx_buf_size: usize,
    /// `debug` level (0: not printed).
    pub debug: u32,
    /// `virtual_ipaddress`.
    pub vips: Vec<VipDump>,
    /// `virtual_ipaddress_excluded`.
    pub evips: Vec<VipDump>,
    /// `unicast_ttl`.
    pub unicast_ttl: u32,
    /// `check_unicast_src`.
    pub check_unicast_src: bool,
    /// `unicast_peer`.
    pub unicast_peers: Vec<UnicastPeerDump>,
    /// Unicast checksum compatibility as printed (`no`, `never`, `config`, `auto`).
    pub unicast_chksum_compat: String,
    /// Socket pair (`fd_in`, `fd_out`); `None` prints `No sockets allocated`.
    pub sockets: Option<(i32, i32)>,
    /// `virtual_routes`, preformatted (see [`super::format_route`]).
    pub vroutes: Vec<String>,
    /// `virtual_rules`, preformatted (see [`super::format_rule`]).
    pub vrules: Vec<String>,
    /// `track_interface`.
    pub track_interfaces: Vec<TrackedDump>,
    /// `track_script`.
    pub track_scripts: Vec<TrackedScriptDump>,
    /// `track_file`.
    pub track_files: Vec<TrackedDump>,
    /// `track_bfd` (`Tracked BFDs :`).
    pub track_bfds: Vec<TrackedDump>,
    /// `smtp_alert`.
    pub smtp_alert: bool,
    /// `notify_deleted` (fault notifications are sent as "deleted" on stop).
    pub notify_deleted: bool,
    /// Notify scripts.
    pub scripts: NotifyScripts,
    /// `notify_priority_changes`.
    pub notify_priority_changes: bool,
    /// The VIPs are installed.
    pub vipset: bool,
    /// Counters.
    pub stats: StatsDump,
}

impl Default for InstanceDump {
    fn default() -> Self {
        InstanceDump {
            name: String::new(),
            version: keepalived_vrrp::Version::V2,
            sync_group: None,
            native_ipv6: false,
            state: VrrpState::Init,
            master_address: None,
            master_priority: 0,
            master_adver_int_us: 1_000_000,
            flags_set: false,
            unicast: false,
            unicast_configured_multicast: false,
            unicast_fault_no_peer: false,
            wantstate: VrrpState::Backup,
            num_config_faults: 0,
            num_script_if_fault: 0,
            duplicate_vrid: false,
            num_script_init: 0,
            last_transition: Timeval::default(),
            read_timeout: None,
            master_down_timer_us: 0,
            vmac: None,
            interface: String::new(),
            vrf: None,
            ipvlan: None,
            dont_track_primary: false,
            skip_check_adv_addr: false,
            strict_mode: false,
            src_ip: None,
            src_ip_from_config: false,
            mcast_group: IpAddr::V4(std::net::Ipv4Addr::new(224, 0, 0, 18)),
            mcast_ifindex: None,
            garp_delay: 5,
            garp_rep: 5,
            garp_refresh: 0,
            garp_refresh_rep: 1,
            garp_lower_prio_delay: 5,
            garp_lower_prio_rep: 5,
            down_timer_adverts: 3,
            vmac_garp: None,
            use_vmac_addr: false,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            vrid: 0,
            base_priority: 100,
            effective_priority: 100,
            total_priority: 100,
            adver_int_us: 1_000_000,
            accept: true,
            nopreempt: false,
            preempt_delay_us: 0,
            promote_secondaries: false,
            auth: AuthDump::None,
            kernel_rx_buf_size: 0,
            debug: 0,
            vips: Vec::new(),
            evips: Vec::new(),
            unicast_ttl: 255,
            check_unicast_src: false,
            unicast_peers: Vec::new(),
            unicast_chksum_compat: "no".to_string(),
            sockets: None,
            vroutes: Vec::new(),
            vrules: Vec::new(),
            track_interfaces: Vec::new(),
            track_scripts: Vec::new(),
            track_files: Vec::new(),
            track_bfds: Vec::new(),
            smtp_alert: false,
            notify_deleted: false,
            scripts: NotifyScripts::default(),
            notify_priority_changes: false,
            vipset: false,
            stats: StatsDump::default(),
        }
    }
}

/// One socket of the socket pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketDump {
    /// Receive fd.
    pub fd_in: i32,
    /// Send fd.
    pub fd_out: i32,
    /// Interface name; empty: bound to none (an instance without interface).
    pub interface: String,
    /// The VRF an instance without interface binds it to.
    pub vrf: Option<String>,
    /// IPv6 socket.
    pub ipv6: bool,
    /// IPPROTO_AH rather than IPPROTO_VRRP.
    pub ah: bool,
    /// Unicast socket: the bound source address.
    pub unicast_src: Option<IpAddr>,
    /// Receive buffer size.
    pub rx_buf_size: i32,
    /// Instances on the socket: (name, vrid), by vrid.
    pub instances: Vec<(String, u8)>,
}

/// One `vrrp_sync_group`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncGroupDump {
    /// Group name.
    pub name: String,
    /// Group state.
    pub state: VrrpState,
    /// Members in FAULT.
    pub num_member_fault: u32,
    /// Members in INIT.
    pub num_member_init: u32,
    /// Member instance names.
    pub members: Vec<String>,
    /// `track_interface`/`track_script`/`track_file` weights apply to the group.
    pub sgroup_tracking_weight: bool,
    /// `smtp_alert`.
    pub smtp_alert: bool,
    /// Group tracked interfaces.
    pub track_interfaces: Vec<TrackedDump>,
    /// Group tracked scripts.
    pub track_scripts: Vec<TrackedDump>,
    /// Group tracked files.
    pub track_files: Vec<TrackedDump>,
    /// Notify scripts.
    pub scripts: NotifyScripts,
}

/// The result of a `vrrp_script` as keepalived prints it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ScriptInitState {
    /// Not run yet (`INIT`).
    Init,
    /// First run failed (`INIT/FAILED`).
    InitFailed,
    /// Reloaded (`INIT/RELOAD`).
    InitReload,
    /// Running normally (`unknown` as `Init state`; status from the result).
    #[default]
    Done,
}

/// One `vrrp_script`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptDump {
    /// Script name.
    pub name: String,
    /// Quoted command (`'/usr/bin/true'`: keepalived prints the resolved path).
    pub cmd: String,
    /// Interval, seconds.
    pub interval: u64,
    /// Timeout, seconds.
    pub timeout: u64,
    /// Script weight.
    pub weight: i32,
    /// `weight ... reverse`.
    pub weight_reverse: bool,
    /// `rise`.
    pub rise: i32,
    /// `fall`.
    pub fall: i32,
    /// Current result counter (good when `>= rise`).
    pub result: i32,
    /// Insecure script.
    pub insecure: bool,
    /// Init state.
    pub init_state: ScriptInitState,
    /// uid.
    pub uid: u32,
    /// gid.
    pub gid: u32,
    /// Instances tracking it (name, weight, reverse).
    pub tracking: Vec<TrackedDump>,
    /// Running now (`running`) or idle (`idle`).
    pub running: bool,
}

/// One `track_file`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackFileDump {
    /// Track file name.
    pub name: String,
    /// File path.
    pub path: String,
    /// Last value read.
    pub status: i32,
    /// Weight.
    pub weight: i32,
    /// `weight ... reverse`.
    pub weight_reverse: bool,
    /// Instances tracking it.
    pub tracking: Vec<TrackedDump>,
}

/// A VMAC interface's details in the interface list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterfaceVmacDump {
    /// macvlan mode (`private`, `bridge`, ...).
    pub mode: String,
    /// Underlying interface.
    pub underlying: String,
    /// State string of the underlying interface (`UP, RUNNING`).
    pub underlying_state: String,
}

/// One interface of `------< Interfaces >------`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterfaceDump {
    /// Name.
    pub name: String,
    /// ifindex.
    pub index: u32,
    /// Primary IPv4 address.
    pub ipv4: Option<std::net::Ipv4Addr>,
    /// Primary IPv6 (link local) address.
    pub ipv6: Option<std::net::Ipv6Addr>,
    /// Hardware address (absent on loopback).
    pub mac: Option<Vec<u8>>,
    /// Hardware broadcast address.
    pub mac_broadcast: Option<Vec<u8>>,
    /// State flags as keepalived prints them (`UP, RUNNING`).
    pub state: String,
    /// Seen up.
    pub seen_up: bool,
    /// Delayed state change running.
    pub delayed_state_change: bool,
    /// Up debounce timer, microseconds.
    pub up_debounce_us: u64,
    /// Down debounce timer, microseconds.
    pub down_debounce_us: u64,
    /// VMAC details.
    pub vmac: Option<InterfaceVmacDump>,
    /// Created by keepalived.
    pub created_by_us: bool,
    /// MTU.
    pub mtu: u32,
    /// Hardware type (`ETHERNET`, `LOOPBACK`, ...).
    pub hw_type: String,
    /// How its link state is read: None from netlink, else the linkbeat probe's line
    /// (`NIC support ETHTOOL GLINK interface`, ...).
    pub linkbeat: Option<String>,
    /// Reset ARP config counter.
    pub reset_arp_config: u32,
    /// Original arp_ignore.
    pub arp_ignore: u32,
    /// Original arp_filter.
    pub arp_filter: u32,
    /// rp_filter, printed when keepalived changed it.
    pub rp_filter: Option<u32>,
    /// Original promote_secondaries.
    pub promote_secondaries: u32,
    /// Reset promote_secondaries counter.
    pub reset_promote_secondaries: u32,
    /// Time IPv6 forwarding was last checked (printed as not forwarding).
    pub ipv6_forwarding_checked: Option<Timeval>,
    /// Instances tracking this interface.
    pub tracking: Vec<TrackedDump>,
}
