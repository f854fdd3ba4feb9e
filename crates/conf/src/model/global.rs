//! `global_defs` and the root keywords that set daemon-wide facilities
//! (`net_namespace`, `instance`, `use_pid_dir`, ...).

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::time::Duration;

use super::common::Script;
use crate::diag::Location;

/// `global_defs`, plus the root daemon keywords. Fields other blocks' checks rely on are listed
/// first. Defaults are keepalived 2.2.7's.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalDefs {
    /// `router_id`; `None`: the local host name.
    pub router_id: Option<String>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// `script_user USERNAME [GROUPNAME]`.
    pub script_user: Option<(String, Option<String>)>,
    /// `vrrp_version` (2 or 3), default 2.
    pub vrrp_version: keepalived_vrrp::Version,
    /// `vrrp_strict`.
    pub vrrp_strict: bool,
    /// `dynamic_interfaces [allow_if_changes]`: interfaces may be missing at start.
    pub dynamic_interfaces: bool,
    /// The `allow_if_changes` option of `dynamic_interfaces`.
    pub allow_if_changes: bool,

    /// Root `net_namespace NAME`: run in that network namespace.
    pub net_namespace: Option<String>,
    /// Root `net_namespace_ipvs [NAME]`: `Some(None)` is the default namespace.
    pub net_namespace_ipvs: Option<Option<String>>,
    /// Root `namespace_with_ipsets`.
    pub namespace_with_ipsets: bool,
    /// Root `instance NAME`: part of pid file names.
    pub instance: Option<String>,
    /// Root `use_pid_dir`: pid files in /run/keepalived.
    pub use_pid_dir: bool,
    /// Root `linkbeat_use_polling`: poll carrier (MII/ethtool/ioctl) instead of netlink.
    pub linkbeat_use_polling: bool,
    /// Root `child_wait_time SECS`, default 5 s.
    pub child_wait_time: Duration,

    /// `tmp_config_directory DIR`.
    pub tmp_config_directory: Option<PathBuf>,
    /// `config_save_dir DIR`.
    pub config_save_dir: Option<PathBuf>,
    /// `process_names` / `process_name` / `vrrp_process_name` / `checker_process_name` /
    /// `bfd_process_name`.
    pub process_names: ProcessNames,
    /// `startup_script SCRIPT [user [group]]`.
    pub startup_script: Option<Script>,
    /// `startup_script_timeout` (1..1000 s), default 10 s.
    pub startup_script_timeout: Duration,
    /// `shutdown_script SCRIPT [user [group]]`.
    pub shutdown_script: Option<Script>,
    /// `shutdown_script_timeout` (1..1000 s), default 10 s.
    pub shutdown_script_timeout: Duration,

    /// `notification_email { ADDR ... }`.
    pub notification_email: Vec<String>,
    /// `notification_email_from`; `None`: keepalived@<local host name>.
    pub notification_email_from: Option<String>,
    /// `smtp_server HOST [PORT]`.
    pub smtp_server: Option<SmtpServer>,
    /// `smtp_helo_name`; `None`: the local host name.
    pub smtp_helo_name: Option<String>,
    /// `smtp_connect_timeout` (0..4294 s; 0 is taken as 1), default 30 s.
    pub smtp_connect_timeout: Duration,
    /// `smtp_alert <BOOL>`.
    pub smtp_alert: Option<bool>,
    /// `smtp_alert_vrrp <BOOL>`.
    pub smtp_alert_vrrp: Option<bool>,
    /// `smtp_alert_checker <BOOL>`.
    pub smtp_alert_checker: Option<bool>,
    /// `checker_log_all_failures <BOOL>`.
    pub checker_log_all_failures: bool,
    /// `no_email_faults`.
    pub no_email_faults: bool,

    /// `vrrp_mcast_group4`, default 224.0.0.18.
    pub vrrp_mcast_group4: Ipv4Addr,
    /// `vrrp_mcast_group6`, default ff02::12.
    pub vrrp_mcast_group6: Ipv6Addr,
    /// `default_interface`: the interface of static addresses without `dev` (default eth0).
    pub default_interface: Option<String>,
    /// GARP/NA timing defaults for every instance.
    pub garp: GarpDefaults,
    /// `vrrp_down_timer_adverts` (1..100).
    pub vrrp_down_timer_adverts: Option<u32>,
    /// `vrrp_lower_prio_no_advert [<BOOL>]`; `None`: false unless `vrrp_strict`.
    pub vrrp_lower_prio_no_advert: Option<bool>,
    /// `vrrp_higher_prio_send_advert [<BOOL>]`.
    pub vrrp_higher_prio_send_advert: Option<bool>,
    /// `vrrp_check_unicast_src`.
    pub vrrp_check_unicast_src: bool,
    /// `vrrp_skip_check_adv_addr`.
    pub vrrp_skip_check_adv_addr: bool,
    /// `vrrp_notify_priority_changes <BOOL>`.
    pub vrrp_notify_priority_changes: bool,
    /// `vrrp_startup_delay SECS`.
    pub vrrp_startup_delay: Option<Duration>,
    /// `log_unknown_vrids`.
    pub log_unknown_vrids: bool,
    /// `vmac_prefix`, default "vrrp".
    pub vmac_prefix: Option<String>,
    /// `vmac_addr_prefix`, default the VMAC prefix.
    pub vmac_addr_prefix: Option<String>,
    /// `disable_local_igmp`.
    pub disable_local_igmp: bool,

    /// `nftables [TABLE]` (table default "keepalived").
    pub nftables: Option<String>,
    /// `nftables_priority`, default -1.
    pub nftables_priority: i32,
    /// `nftables_counters`.
    pub nftables_counters: bool,
    /// `nftables_ifindex`.
    pub nftables_ifindex: bool,
    /// `nftables_ipvs [TABLE]` (table default "keepalived_ipvs").
    pub nftables_ipvs: Option<String>,
    /// `nftables_ipvs_priority`, default -1.
    pub nftables_ipvs_priority: i32,
    /// `nftables_ipvs_start_fwmark`, default 1000.
    pub nftables_ipvs_start_fwmark: u32,

    /// `lvs_sync_daemon`.
    pub lvs_sync_daemon: Option<LvsSyncDaemon>,
    /// `lvs_timeouts [tcp S] [tcpfin S] [udp S]`.
    pub lvs_timeouts: LvsTimeouts,
    /// `lvs_flush`.
    pub lvs_flush: bool,
    /// `lvs_flush_on_stop [VS]`.
    pub lvs_flush_on_stop: Option<LvsFlushOnStop>,
    /// `rs_init_notifies`.
    pub rs_init_notifies: bool,
    /// `no_checker_emails`.
    pub no_checker_emails: bool,

    /// `max_auto_priority [-1..99]` (alone: 99), default 0 (no automatic increase).
    pub max_auto_priority: i32,
    /// `min_auto_priority_delay USECS` (1..10000000), default 1 s.
    pub min_auto_priority_delay: Duration,

    /// keepalived 2.3 `v3_checksum_as_v2`: every instance's default for its own keyword.
    pub v3_checksum_as_v2: bool,
    /// keepalived 2.3 `vrrp_owner_ignore_adverts [<BOOL>]`: the default of an address
    /// owner's `owner_ignore_adverts` (outside strict mode).
    pub vrrp_owner_ignore_adverts: bool,
    /// keepalived 2.3 `state_dump_file PATH`: where SIGUSR1 writes (see
    /// [`GlobalDefs::state_dump_path`]).
    pub state_dump_file: Option<String>,
    /// keepalived 2.3 `stats_dump_file PATH`: read and shown by `-d` only (2.3.4 writes the
    /// statistics to `keepalived.stats` in the temporary directory whatever it says).
    pub stats_dump_file: Option<String>,
    /// keepalived 2.3 `json_dump_file PATH`: as `stats_dump_file`, shown only.
    pub json_dump_file: Option<String>,
    /// keepalived 2.3 `use_symlink_paths [<BOOL>]`: scripts are run by the path written,
    /// symbolic links followed at each run, instead of the path resolved at start-up.
    pub use_symlink_paths: bool,
    /// keepalived 2.3 `json_version 1|2`, default 1.
    pub json_version: u8,
    /// `vrrp_priority`, `vrrp_no_swap`, `vrrp_cpu_affinity`, `vrrp_rt_priority`,
    /// `vrrp_rlimit_rttime`.
    pub vrrp_process: ProcessSettings,
    /// The `checker_*` equivalents.
    pub checker_process: ProcessSettings,
    /// The `bfd_*` equivalents.
    pub bfd_process: ProcessSettings,

    /// `snmp_socket`.
    pub snmp_socket: Option<String>,
    /// `enable_snmp_vrrp` (`enable_snmp_keepalived` is its old name).
    pub enable_snmp_vrrp: bool,
    /// `enable_snmp_checker`.
    pub enable_snmp_checker: bool,
    /// `enable_snmp_rfcv2` (or `enable_snmp_rfc`).
    pub enable_snmp_rfcv2: bool,
    /// `enable_snmp_rfcv3` (or `enable_snmp_rfc`).
    pub enable_snmp_rfcv3: bool,
    /// `enable_traps`.
    pub enable_traps: bool,
    /// `enable_dbus`.
    pub enable_dbus: bool,
    /// `dbus_service_name`, default org.keepalived.Vrrp1.
    pub dbus_service_name: Option<String>,
    /// `dbus_no_interface_name` (keepalived 2.3): the interface part of the object path of
    /// an instance without an interface, default `none`.
    pub dbus_no_interface_name: Option<String>,

    /// `notify_fifo` / `notify_fifo_script`.
    pub notify_fifo: Option<NotifyFifo>,
    /// `vrrp_notify_fifo` / `vrrp_notify_fifo_script`.
    pub vrrp_notify_fifo: Option<NotifyFifo>,
    /// `lvs_notify_fifo` / `lvs_notify_fifo_script`.
    pub lvs_notify_fifo: Option<NotifyFifo>,
    /// `fifo_write_vrrp_states_on_reload`.
    pub fifo_write_vrrp_states_on_reload: bool,

    /// `vrrp_netlink_cmd_rcv_bufs` / `_force`.
    pub vrrp_netlink_cmd_rcv_bufs: RcvBufs,
    /// `vrrp_netlink_monitor_rcv_bufs` / `_force`.
    pub vrrp_netlink_monitor_rcv_bufs: RcvBufs,
    /// `lvs_netlink_cmd_rcv_bufs` / `_force`.
    pub lvs_netlink_cmd_rcv_bufs: RcvBufs,
    /// `lvs_netlink_monitor_rcv_bufs` / `_force`.
    pub lvs_netlink_monitor_rcv_bufs: RcvBufs,
    /// `process_monitor_rcv_bufs` / `_force`.
    pub process_monitor_rcv_bufs: RcvBufs,
    /// `vrrp_rx_bufs_policy MTU|ADVERT|SIZE`.
    pub vrrp_rx_bufs_policy: Option<RxBufsPolicy>,
    /// `vrrp_rx_bufs_multiplier`, default 3.
    pub vrrp_rx_bufs_multiplier: u32,

    /// `umask NUMBER|BITS`; `None`: IWGRP|IWOTH (0o022).
    pub umask: Option<u32>,
    /// `snmp_vs_stats_update_interval` (keepalived 2.3; default 5 s): how long the SNMP
    /// agent keeps a virtual server's IPVS counters before reading them again.
    pub snmp_vs_stats_update_interval: Duration,
    /// `snmp_rs_stats_update_interval` (keepalived 2.3; `None`: the virtual servers').
    pub snmp_rs_stats_update_interval: Option<Duration>,
    /// `random_seed`.
    pub random_seed: Option<u32>,
    /// `reload_check_config [LOG_FILE]`: `Some(None)` checks without a log file.
    pub reload_check_config: Option<Option<PathBuf>>,
    /// `include_check [OPTIONS]`.
    pub include_check: Option<Vec<String>>,
    /// `reload_time_file PATH`.
    pub reload_time_file: Option<PathBuf>,
    /// `reload_repeat`.
    pub reload_repeat: bool,
    /// `reload_file [PATH]`: `Some(None)` is keepalived's default file.
    pub reload_file: Option<Option<PathBuf>>,
    /// `data_use_instance [<BOOL>]`.
    pub data_use_instance: bool,
    /// Where `global_defs` is (the first one).
    pub loc: Option<Location>,
}

impl GlobalDefs {
    /// The `reload_file` path (keepalived's init_global_data): without a name,
    /// keepalived.reload in the pid directory (/run/keepalived.reload,
    /// /run/keepalived/keepalived.reload with `use_pid_dir` or a network namespace,
    /// /run/keepalived/keepalived_INSTANCE.reload with `instance`).
    pub fn reload_file_path(&self) -> Option<PathBuf> {
        let named = self.reload_file.as_ref()?;
        if let Some(p) = named {
            return Some(p.clone());
        }
        let file = match (
            &self.instance,
            self.use_pid_dir || self.net_namespace.is_some(),
        ) {
            (Some(i), _) => format!("/run/keepalived/keepalived_{i}.reload"),
            (None, true) => "/run/keepalived/keepalived.reload".to_owned(),
            (None, false) => "/run/keepalived.reload".to_owned(),
        };
        Some(PathBuf::from(file))
    }
}

impl Default for GlobalDefs {
    fn default() -> Self {
        GlobalDefs {
            router_id: None,
            enable_script_security: false,
            script_user: None,
            vrrp_version: keepalived_vrrp::Version::V2,
            vrrp_strict: false,
            dynamic_interfaces: false,
            allow_if_changes: false,
            net_namespace: None,
            net_namespace_ipvs: None,
            namespace_with_ipsets: false,
            instance: None,
            use_pid_dir: false,
            linkbeat_use_polling: false,
            child_wait_time: Duration::from_secs(5),
            tmp_config_directory: None,
            config_save_dir: None,
            process_names: ProcessNames::default(),
            startup_script: None,
            startup_script_timeout: Duration::from_secs(10),
            shutdown_script: None,
            shutdown_script_timeout: Duration::from_secs(10),
            notification_email: Vec::new(),
            notification_email_from: None,
            smtp_server: None,
            smtp_helo_name: None,
            smtp_connect_timeout: Duration::from_secs(30),
            smtp_alert: None,
            smtp_alert_vrrp: None,
            smtp_alert_checker: None,
            checker_log_all_failures: false,
            no_email_faults: false,
            vrrp_mcast_group4: Ipv4Addr::new(224, 0, 0, 18),
            vrrp_mcast_group6: Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12),
            default_interface: None,
            garp: GarpDefaults::default(),
            vrrp_down_timer_adverts: None,
            vrrp_lower_prio_no_advert: None,
            vrrp_higher_prio_send_advert: None,
            vrrp_check_unicast_src: false,
            vrrp_skip_check_adv_addr: false,
            vrrp_notify_priority_changes: false,
            vrrp_startup_delay: None,
            log_unknown_vrids: false,
            vmac_prefix: None,
            vmac_addr_prefix: None,
            disable_local_igmp: false,
            nftables: None,
            nftables_priority: -1,
            nftables_counters: false,
            nftables_ifindex: false,
            nftables_ipvs: None,
            nftables_ipvs_priority: -1,
            nftables_ipvs_start_fwmark: 1000,
            lvs_sync_daemon: None,
            lvs_timeouts: LvsTimeouts::default(),
            lvs_flush: false,
            lvs_flush_on_stop: None,
            rs_init_notifies: false,
            no_checker_emails: false,
            max_auto_priority: 0,
            min_auto_priority_delay: Duration::from_secs(1),
            v3_checksum_as_v2: false,
            vrrp_owner_ignore_adverts: false,
            state_dump_file: None,
            stats_dump_file: None,
            json_dump_file: None,
            use_symlink_paths: false,
            json_version: 1,
            vrrp_process: ProcessSettings::default(),
            checker_process: ProcessSettings::default(),
            bfd_process: ProcessSettings::default(),
            snmp_socket: None,
            enable_snmp_vrrp: false,
            enable_snmp_checker: false,
            enable_snmp_rfcv2: false,
            enable_snmp_rfcv3: false,
            enable_traps: false,
            enable_dbus: false,
            dbus_service_name: None,
            dbus_no_interface_name: None,
            notify_fifo: None,
            vrrp_notify_fifo: None,
            lvs_notify_fifo: None,
            fifo_write_vrrp_states_on_reload: false,
            vrrp_netlink_cmd_rcv_bufs: RcvBufs::default(),
            vrrp_netlink_monitor_rcv_bufs: RcvBufs::default(),
            lvs_netlink_cmd_rcv_bufs: RcvBufs::default(),
            lvs_netlink_monitor_rcv_bufs: RcvBufs::default(),
            process_monitor_rcv_bufs: RcvBufs::default(),
            vrrp_rx_bufs_policy: None,
            vrrp_rx_bufs_multiplier: 3,
            umask: None,
            snmp_vs_stats_update_interval: Duration::from_secs(5),
            snmp_rs_stats_update_interval: None,
            random_seed: None,
            reload_check_config: None,
            include_check: None,
            reload_time_file: None,
            reload_repeat: false,
            reload_file: None,
            data_use_instance: false,
            loc: None,
        }
    }
}

/// Process names (`process_names` sets the children's: keepalived_vrrp, keepalived_lvs,
/// keepalived_bfd).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessNames {
    /// The parent process.
    pub main: Option<String>,
    /// The VRRP child.
    pub vrrp: Option<String>,
    /// The checker child.
    pub checker: Option<String>,
    /// The BFD child.
    pub bfd: Option<String>,
}

/// `smtp_server HOST [PORT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpServer {
    /// An IP address or a domain name.
    pub host: String,
    /// Default 25.
    pub port: u16,
}

/// The global GARP/NA defaults (`vrrp_garp_*`, `vrrp_gna_interval`, `vrrp_min_garp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GarpDefaults {
    /// `vrrp_garp_master_delay` (s), default 5 s; 0: no second burst.
    pub master_delay: Duration,
    /// `vrrp_garp_master_repeat`, default 5 (at least 1).
    pub master_repeat: u32,
    /// `vrrp_garp_lower_prio_delay`; `None`: `master_delay`.
    pub lower_prio_delay: Option<Duration>,
    /// `vrrp_garp_lower_prio_repeat`; `None`: `master_repeat`.
    pub lower_prio_repeat: Option<u32>,
    /// `vrrp_garp_master_refresh` (s); `None`/0: no refresh.
    pub master_refresh: Option<Duration>,
    /// `vrrp_garp_master_refresh_repeat`, default 1.
    pub master_refresh_repeat: u32,
    /// `vrrp_garp_interval`: delay between GARPs on an interface, default 0.
    pub interval: Duration,
    /// `vrrp_gna_interval`: delay between unsolicited NAs on an interface, default 0.
    pub gna_interval: Duration,
    /// `vrrp_min_garp`: one GARP, no second burst.
    pub min_garp: bool,
    /// `vrrp_garp_extra_if [all] SECS` (1..86400).
    pub extra_if: Option<GarpExtraIf>,
}

impl Default for GarpDefaults {
    fn default() -> Self {
        GarpDefaults {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            lower_prio_delay: None,
            lower_prio_repeat: None,
            master_refresh: None,
            master_refresh_repeat: 1,
            interval: Duration::ZERO,
            gna_interval: Duration::ZERO,
            min_garp: false,
            extra_if: None,
        }
    }
}

/// `vrrp_garp_extra_if [all] SECS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GarpExtraIf {
    /// The refresh period.
    pub interval: Duration,
    /// `all`: every interface of the instance, not only VMACs.
    pub all: bool,
}

/// `lvs_sync_daemon IF [[inst] VRRP_INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group IP]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LvsSyncDaemon {
    /// The interface.
    pub interface: String,
    /// The VRRP instance whose state the daemon follows.
    pub instance: Option<String>,
    /// `id` (0..255), default the instance's VRID.
    pub syncid: Option<u8>,
    /// `maxlen` (1..65507).
    pub maxlen: Option<u16>,
    /// `port` (1..65535), default 8848.
    pub port: Option<u16>,
    /// `ttl` (1..255).
    pub ttl: Option<u8>,
    /// `group`, default 224.0.0.81.
    pub group: Option<std::net::IpAddr>,
}

/// `lvs_timeouts`: unset values are left as they were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LvsTimeouts {
    /// `tcp SECS`.
    pub tcp: Option<Duration>,
    /// `tcpfin SECS`.
    pub tcpfin: Option<Duration>,
    /// `udp SECS`.
    pub udp: Option<Duration>,
}

/// `lvs_flush_on_stop [VS]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LvsFlushOnStop {
    /// Flush the whole IPVS table.
    All,
    /// Remove only keepalived's virtual servers.
    VirtualServers,
}

/// Scheduling settings of a child process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessSettings {
    /// `*_priority` (nice, -20..19), default 0.
    pub priority: i32,
    /// `*_no_swap`.
    pub no_swap: bool,
    /// `*_cpu_affinity CPU...`.
    pub cpu_affinity: Vec<u32>,
    /// `*_rt_priority` (1..99): realtime scheduling.
    pub rt_priority: Option<u32>,
    /// `*_rlimit_rttime` (µs), default 10000 when realtime.
    pub rlimit_rttime: Option<u32>,
}

/// A notify FIFO and the optional script keepalived runs to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyFifo {
    /// `*_fifo NAME`; `None` when only the script was given.
    pub path: Option<PathBuf>,
    /// The FIFO's `[username [groupname]]`.
    pub user: Option<(String, Option<String>)>,
    /// `*_fifo_script`.
    pub script: Option<Script>,
}

/// A netlink/process-monitor socket receive buffer setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RcvBufs {
    /// The size in bytes; `None`: the system default.
    pub size: Option<u32>,
    /// `_force`: use SO_RCVBUFFORCE (may exceed rmem_max).
    pub force: bool,
}

/// `vrrp_rx_bufs_policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxBufsPolicy {
    /// Interface MTU times the multiplier per instance.
    Mtu,
    /// Advert size times the multiplier per instance.
    Advert,
    /// A fixed size in bytes.
    Size(u32),
}
