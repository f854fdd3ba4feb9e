//! `------< Global definitions >------` as the VRRP process of keepalived 2.2.7 writes it.

use std::net::IpAddr;

/// nftables settings printed when keepalived uses nftables (VMAC, strict mode, no accept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NftablesDump {
    /// `nftables` table name.
    pub table: String,
    /// `nftables_priority`.
    pub priority: i32,
    /// `nftables_ifindex` forced.
    pub force_ifindex: bool,
}

/// The global definitions keepalived prints (values as printed; defaults are keepalived's).
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalDump {
    /// `config_save_dir` (its trailing `/` removed).
    pub config_save_dir: Option<String>,
    /// `reload_check_config` (the log file; /dev/null without one).
    pub reload_check_config: Option<String>,
    /// `reload_time_file` and `reload_repeat`.
    pub reload_time_file: Option<(String, bool)>,
    /// `reload_file`, resolved.
    pub reload_file: Option<String>,
    /// `tmp_config_directory`.
    pub config_directory: Option<String>,
    /// `net_namespace` (`None`: `(default)`).
    pub network_namespace: Option<String>,
    /// Root `net_namespace_ipvs [NAME]` (`Some(None)`: the default namespace).
    pub network_namespace_ipvs: Option<Option<String>>,
    /// Root `instance NAME`.
    pub instance_name: Option<String>,
    /// `process_name`, `vrrp_process_name`, `checker_process_name`, `bfd_process_name`
    /// (`process_names` sets the last three).
    pub process_names: keepalived_conf::model::ProcessNames,
    /// `router_id` (keepalived's default is the host name).
    pub router_id: String,
    /// `smtp_alert` (`None`: unset).
    pub smtp_alert: Option<bool>,
    /// `smtp_alert_vrrp`.
    pub smtp_alert_vrrp: Option<bool>,
    /// `smtp_alert_checker`.
    pub smtp_alert_checker: Option<bool>,
    /// `checker_log_all_failures`.
    pub checker_log_all_failures: bool,
    /// `dynamic_interfaces`.
    pub dynamic_interfaces: bool,
    /// `default_interface`.
    pub default_interface: String,
    /// `disable_local_igmp`.
    pub disable_local_igmp: bool,
    /// `lvs_flush`.
    pub lvs_flush: bool,
    /// `vrrp_notify_fifo` state write on reload.
    pub fifo_write_vrrp_states_on_reload: bool,
    /// `vrrp_notify_priority_changes`.
    pub notify_priority_changes: bool,
    /// `vrrp_mcast_group4`.
    pub mcast_group4: IpAddr,
    /// `vrrp_mcast_group6`.
    pub mcast_group6: IpAddr,
    /// `vrrp_garp_master_delay`, seconds.
    pub garp_delay: u32,
    /// `vrrp_garp_master_repeat`.
    pub garp_rep: u32,
    /// `vrrp_garp_master_refresh`, seconds.
    pub garp_refresh: u32,
    /// `vrrp_garp_master_refresh_repeat`.
    pub garp_refresh_rep: u32,
    /// `vrrp_garp_lower_prio_delay`, seconds.
    pub garp_lower_prio_delay: u32,
    /// `vrrp_garp_lower_prio_repeat`.
    pub garp_lower_prio_rep: u32,
    /// `vrrp_down_timer_adverts`.
    pub down_timer_adverts: u32,
    /// `vrrp_garp_extra_if` delay, seconds.
    pub garp_extra_if_delay: u32,
    /// `vrrp_garp_extra_if ... all` (keepalived's vrrp_vmac_garp_all_if).
    pub garp_extra_if_all: bool,
    /// `vrrp_lower_prio_no_advert`.
    pub lower_prio_no_advert: bool,
    /// `vrrp_higher_prio_send_advert`.
    pub higher_prio_send_advert: bool,
    /// `vrrp_garp_interval`, seconds.
    pub garp_interval: f64,
    /// `vrrp_gna_interval`, seconds.
    pub gna_interval: f64,
    /// `vrrp_version`.
    pub vrrp_version: keepalived_vrrp::Version,
    /// nftables in use.
    pub nftables: Option<NftablesDump>,
    /// `nftables_ipvs`: the table name, `nftables_ipvs_priority`, `nftables_ipvs_start_fwmark`.
    pub nftables_ipvs: Option<(String, i32, u32)>,
    /// `nftables_counters`.
    pub nftables_counters: bool,
    /// The libnftnl version line (`None`: not printed).
    pub libnftnl_version: Option<String>,
    /// `vrrp_check_unicast_src`.
    pub check_unicast_src: bool,
    /// `vrrp_skip_check_adv_addr`.
    pub skip_check_adv_addr: bool,
    /// `vrrp_strict`.
    pub strict: bool,
    /// `max_auto_priority`.
    pub max_auto_priority: i32,
    /// `min_auto_priority_delay`, microseconds.
    pub min_auto_priority_delay_us: u64,
    /// `vrrp_priority`.
    pub vrrp_process_priority: i32,
    /// `vrrp_no_swap`.
    pub vrrp_no_swap: bool,
    /// `vrrp_rt_priority`.
    pub vrrp_rt_priority: i32,
    /// `vrrp_rlimit_rtime`.
    pub vrrp_rlimit_rtime: u64,
    /// `checker_priority`.
    pub checker_process_priority: i32,
    /// `checker_no_swap`.
    pub checker_no_swap: bool,
    /// `checker_rt_priority`.
    pub checker_rt_priority: i32,
    /// `checker_rlimit_rtime`.
    pub checker_rlimit_rtime: u64,
    /// `bfd_priority`.
    pub bfd_process_priority: i32,
    /// `bfd_no_swap`.
    pub bfd_no_swap: bool,
    /// `bfd_rt_priority`.
    pub bfd_rt_priority: i32,
    /// `bfd_rlimit_rtime`.
    pub bfd_rlimit_rtime: u64,
    /// `enable_script_security`.
    pub script_security: bool,
    /// Default script uid.
    pub script_uid: u32,
    /// Default script gid.
    pub script_gid: u32,
    /// `umask`.
    pub umask: u32,
    /// `vmac_prefix` and `vmac_addr_prefix`, when given.
    pub vmac_prefixes: (Option<String>, Option<String>),
    /// `enable_snmp_*`, `enable_traps`, `snmp_socket`.
    pub snmp: SnmpDump,
}

/// The SNMP settings the dump lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnmpDump {
    /// `enable_snmp_vrrp`.
    pub vrrp: bool,
    /// `enable_snmp_checker`.
    pub checker: bool,
    /// `enable_snmp_rfcv2`.
    pub rfcv2: bool,
    /// `enable_snmp_rfcv3`.
    pub rfcv3: bool,
    /// `enable_traps`.
    pub traps: bool,
    /// `snmp_socket` (`None`: the default).
    pub socket: Option<String>,
}

impl Default for GlobalDump {
    fn default() -> Self {
        GlobalDump {
            config_save_dir: None,
            reload_check_config: None,
            reload_time_file: None,
            reload_file: None,
            config_directory: None,
            network_namespace: None,
            network_namespace_ipvs: None,
            instance_name: None,
            process_names: keepalived_conf::model::ProcessNames::default(),
            router_id: String::new(),
            smtp_alert: None,
            smtp_alert_vrrp: None,
            smtp_alert_checker: None,
            checker_log_all_failures: false,
            dynamic_interfaces: false,
            default_interface: "eth0".to_string(),
            disable_local_igmp: false,
            lvs_flush: false,
            fifo_write_vrrp_states_on_reload: false,
            notify_priority_changes: false,
            mcast_group4: IpAddr::V4(std::net::Ipv4Addr::new(224, 0, 0, 18)),
            mcast_group6: IpAddr::V6(std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12)),
            garp_delay: 5,
            garp_rep: 5,
            garp_refresh: 0,
            garp_refresh_rep: 1,
            garp_lower_prio_delay: 5,
            garp_lower_prio_rep: 5,
            down_timer_adverts: 3,
            garp_extra_if_delay: 0,
            garp_extra_if_all: false,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            garp_interval: 0.0,
            gna_interval: 0.0,
            vrrp_version: keepalived_vrrp::Version::V2,
            nftables: None,
            nftables_ipvs: None,
            nftables_counters: false,
            libnftnl_version: Some("1.2.3".to_string()),
            check_unicast_src: false,
            skip_check_adv_addr: false,
            strict: false,
            max_auto_priority: 0,
            min_auto_priority_delay_us: 1_000_000,
            vrrp_process_priority: 0,
            vrrp_no_swap: false,
            vrrp_rt_priority: 0,
            vrrp_rlimit_rtime: 10_000,
            checker_process_priority: 0,
            checker_no_swap: false,
            checker_rt_priority: 0,
            checker_rlimit_rtime: 10_000,
            bfd_process_priority: 0,
            bfd_no_swap: false,
            bfd_rt_priority: 0,
            bfd_rlimit_rtime: 10_000,
            script_security: false,
            script_uid: 0,
            script_gid: 0,
            umask: 0o177,
            vmac_prefixes: (None, None),
            snmp: SnmpDump::default(),
        }
    }
}

fn tf(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn tristate(v: Option<bool>) -> &'static str {
    match v {
        None => "unset",
        Some(true) => "true",
        Some(false) => "false",
    }
}

/// Appends the global definitions section.
pub fn render_global(out: &mut String, g: &GlobalDump) {
    let mut w = |line: String| {
        out.push_str(&line);
        out.push('\n');
    };
    w("------< Global definitions >------".into());
    if let Some(d) = &g.config_save_dir {
        w(format!(" Config save dir = {d}"));
    }
    w(format!(
        " Network namespace = {}",
        g.network_namespace.as_deref().unwrap_or("(default)")
    ));
    w(format!(
        " Network namespace ipvs = {}",
        match &g.network_namespace_ipvs {
            None => "(main namespace)",
            Some(None) => "(default)",
            Some(Some(n)) => n.as_str(),
        }
    ));
    let names = &g.process_names;
    for (label, value) in [
        ("Instance name", &g.instance_name),
        ("Parent process name", &names.main),
        ("VRRP process name", &names.vrrp),
        ("LVS process name", &names.checker),
        ("BFD process name", &names.bfd),
    ] {
        if let Some(v) = value {
            w(format!(" {label} = {v}"));
        }
    }
    w(format!(" Router ID = {}", g.router_id));
    w(format!(" Default smtp_alert = {}", tristate(g.smtp_alert)));
    w(format!(
        " Default smtp_alert_vrrp = {}",
        tristate(g.smtp_alert_vrrp)
    ));
    w(format!(
        " Default smtp_alert_checker = {}",
        tristate(g.smtp_alert_checker)
    ));
    w(format!(
        " Checkers log all failures = {}",
        tf(g.checker_log_all_failures)
    ));
    match &g.reload_check_config {
        Some(log) => w(format!(" Test config before reload, log to {log}")),
        None => w(" No test config before reload".into()),
    }
    if let Some((file, repeat)) = &g.reload_time_file {
        let repeat = if *repeat { " (repeat)" } else { "" };
        w(format!(" Reload time file = {file}{repeat}"));
        // Only keepalived's parent schedules: a child's dump has no time.
        w(" No reload scheduled".into());
    }
    if let Some(f) = &g.reload_file {
        w(format!(" Reload_file = {f}"));
    }
    if let Some(d) = &g.config_directory {
        w(format!(" config save directory = {d}"));
    }
    w(format!(
        " Dynamic interfaces = {}",
        tf(g.dynamic_interfaces)
    ));
    w(format!(" Default interface = {}", g.default_interface));
    w(format!(
        " Disable local IGMP = {}",
        if g.disable_local_igmp { "yes" } else { "no" }
    ));
    w(format!(" LVS flush = {}", tf(g.lvs_flush)));
    w(" LVS flush on stop = disabled".into());
    w(format!(
        " FIFO write vrrp states on reload = {}",
        tf(g.fifo_write_vrrp_states_on_reload)
    ));
    w(format!(
        " VRRP notify priority changes = {}",
        tf(g.notify_priority_changes)
    ));
    w(format!(" VRRP IPv4 mcast group = {}", g.mcast_group4));
    w(format!(" VRRP IPv6 mcast group = {}", g.mcast_group6));
    w(format!(" Gratuitous ARP delay = {}", g.garp_delay));
    w(format!(" Gratuitous ARP repeat = {}", g.garp_rep));
    w(format!(
        " Gratuitous ARP refresh timer = {}",
        g.garp_refresh
    ));
    w(format!(
        " Gratuitous ARP refresh repeat = {}",
        g.garp_refresh_rep
    ));
    w(format!(
        " Gratuitous ARP lower priority delay = {}",
        g.garp_lower_prio_delay
    ));
    w(format!(
        " Gratuitous ARP lower priority repeat = {}",
        g.garp_lower_prio_rep
    ));
    w(format!(
        " Num adverts before down = {}",
        g.down_timer_adverts
    ));
    w(format!(
        " Gratuitous ARP for each secondary {} = {}s",
        if g.garp_extra_if_all { "i/f" } else { "VMAC" },
        g.garp_extra_if_delay
    ));
    w(format!(
        " Send advert after receive lower priority advert = {}",
        tf(!g.lower_prio_no_advert)
    ));
    w(format!(
        " Send advert after receive higher priority advert = {}",
        tf(g.higher_prio_send_advert)
    ));
    w(format!(" Gratuitous ARP interval = {:.6}", g.garp_interval));
    w(format!(" Gratuitous NA interval = {:.6}", g.gna_interval));
    w(format!(
        " VRRP default protocol version = {}",
        g.vrrp_version.number()
    ));
    if let Some(nft) = &g.nftables {
        w(format!(" nftables table name = {}", nft.table));
        w(format!(" nftables base chain priority = {}", nft.priority));
        w(format!(
            " nftables {}force use ifindex for link local IPv6",
            if nft.force_ifindex { "" } else { "don't " }
        ));
    }
    // keepalived's dump_global_data (_WITH_LVS_), in every process's dump.
    if let Some((table, priority, fwmark)) = &g.nftables_ipvs {
        w(format!(" ipvs nftables table name = {table}"));
        w(format!(" ipvs nftables base chain priority = {priority}"));
        w(format!(" ipvs nftables start fwmark = {fwmark}"));
    }
    w(format!(
        " nftables {}counters",
        if g.nftables_counters {
            "with "
        } else {
            "without "
        }
    ));
    if let Some(v) = &g.libnftnl_version {
        w(format!(" libnftnl version {v}"));
    }
    w(format!(
        " VRRP check unicast_src = {}",
        tf(g.check_unicast_src)
    ));
    w(format!(
        " VRRP skip check advert addresses = {}",
        tf(g.skip_check_adv_addr)
    ));
    w(format!(" VRRP strict mode = {}", tf(g.strict)));
    w(format!(" Max auto priority = {}", g.max_auto_priority));
    w(format!(
        " Min auto priority delay = {} usecs",
        g.min_auto_priority_delay_us
    ));
    for (name, prio, no_swap, rt, rlimit) in [
        (
            "VRRP",
            g.vrrp_process_priority,
            g.vrrp_no_swap,
            g.vrrp_rt_priority,
            g.vrrp_rlimit_rtime,
        ),
        (
            "Checker",
            g.checker_process_priority,
            g.checker_no_swap,
            g.checker_rt_priority,
            g.checker_rlimit_rtime,
        ),
        (
            "BFD",
            g.bfd_process_priority,
            g.bfd_no_swap,
            g.bfd_rt_priority,
            g.bfd_rlimit_rtime,
        ),
    ] {
        w(format!(" {name} process priority = {prio}"));
        w(format!(" {name} don't swap = {}", tf(no_swap)));
        w(format!(" {name} realtime priority = {rt}"));
        w(format!(" {name} realtime limit = {rlimit}"));
    }
    let able = |b: bool| if b { "enabled" } else { "disabled" };
    let snmp = &g.snmp;
    w(format!(" SNMP vrrp {}", able(snmp.vrrp)));
    w(format!(" SNMP checker {}", able(snmp.checker)));
    w(format!(" SNMP RFCv2 {}", able(snmp.rfcv2)));
    w(format!(" SNMP RFCv3 {}", able(snmp.rfcv3)));
    w(format!(" SNMP traps {}", able(snmp.traps)));
    w(format!(
        " SNMP socket = {}",
        snmp.socket
            .as_deref()
            .unwrap_or("default (unix:/var/agentx/master)")
    ));
    for l in [" DBus disabled", " DBus service name = "] {
        w(l.to_string());
    }
    w(format!(
        " Script security {}",
        if g.script_security {
            "enabled"
        } else {
            "disabled"
        }
    ));
    w(format!(
        " Default script uid:gid {}:{}",
        g.script_uid, g.script_gid
    ));
    for name in [
        "vrrp_netlink_cmd",
        "vrrp_netlink_monitor",
        "process_monitor",
    ] {
        w(format!(" {name}_rcv_bufs = 0"));
        w(format!(" {name}_rcv_bufs_force = 0"));
    }
    for name in ["lvs_netlink_cmd", "lvs_netlink_monitor"] {
        w(format!(" {name}_rcv_bufs = 0"));
        w(format!(" {name}_rcv_bufs_force = 0"));
    }
    w(" rs_init_notifies = 0".into());
    w(" no_checker_emails = 0".into());
    w(" rx_bufs_multiples = 3".into());
    w(format!(" umask = {:04o}", g.umask));
    if let Some(p) = &g.vmac_prefixes.0 {
        w(format!(" VMAC prefix = {p}"));
    }
    if let Some(p) = &g.vmac_prefixes.1 {
        w(format!(" VMAC address prefix = {p}"));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn nftables_ipvs_settings_come_before_the_counters_line() {
        let g = keepalived_conf::model::GlobalDefs {
            nftables_ipvs: Some("kaipvs".into()),
            nftables_ipvs_priority: -50,
            nftables_ipvs_start_fwmark: 3000,
            ..Default::default()
        };
        let mut out = String::new();
        super::render_global(&mut out, &crate::snapshot::global_dump(&g));
        let want = " ipvs nftables table name = kaipvs\n ipvs nftables base chain priority = -50\n ipvs nftables start fwmark = 3000\n nftables without counters\n";
        assert!(out.contains(want), "{out}");
        let mut out = String::new();
        let plain = keepalived_conf::model::GlobalDefs::default();
        super::render_global(&mut out, &crate::snapshot::global_dump(&plain));
        assert!(!out.contains("ipvs nftables"), "{out}");
    }

    /// keepalived 2.2.7's `-d` with `vrrp_garp_extra_if 3 all` prints " Gratuitous ARP for
    /// each secondary i/f = 3s" (ours printed "VMAC = 0s" whatever the configuration).
    #[test]
    fn vrrp_garp_extra_if_is_dumped_with_its_all_flag() {
        use keepalived_conf::model::{GarpExtraIf, GlobalDefs};
        let render = |extra: Option<(u64, bool)>| {
            let mut g = GlobalDefs::default();
            g.garp.extra_if = extra.map(|(s, all)| GarpExtraIf {
                interval: std::time::Duration::from_secs(s),
                all,
            });
            let mut out = String::new();
            super::render_global(&mut out, &crate::snapshot::global_dump(&g));
            out
        };
        let line = " Gratuitous ARP for each secondary";
        assert!(render(Some((3, true))).contains(&format!("{line} i/f = 3s\n")));
        assert!(render(Some((2, false))).contains(&format!("{line} VMAC = 2s\n")));
        assert!(render(None).contains(&format!("{line} VMAC = 0s\n")));
    }
}
