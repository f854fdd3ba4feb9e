//! `global_defs`, `linkbeat_interfaces` and the root daemon keywords (`net_namespace`,
//! `instance`, `use_pid_dir`, ...). Messages and ranges are keepalived 2.2.7's, as printed by
//! `keepalived -t`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::{parse_bool, Ctx};
use crate::diag::ErrorClass;
use crate::model::{
    Config, GarpExtraIf, GlobalDefs, LinkbeatType, LvsFlushOnStop, LvsSyncDaemon, NotifyFifo,
    ProcessSettings, RcvBufs, RxBufsPolicy, Script, SmtpServer,
};
use crate::tree::Node;

/// Handles the root keywords of this family; returns whether `node` was one of them.
pub(crate) fn top_level(node: &Node, ctx: &mut Ctx<'_>, cfg: &mut Config) -> bool {
    let g = &mut cfg.global;
    match node.keyword.as_str() {
        "global_defs" => {
            if g.loc.is_none() {
                g.loc = Some(node.loc.clone());
            }
            if let Some(block) = ctx.block(node) {
                for child in block {
                    global_keyword(child, ctx, g);
                }
            }
        }
        "net_namespace" => match node.arg(0) {
            Some(n) => g.net_namespace = Some(n.to_owned()),
            None => {
                ctx.invalid(node, "net_namespace name missing - ignoring");
            }
        },
        "net_namespace_ipvs" => g.net_namespace_ipvs = Some(node.arg(0).map(str::to_owned)),
        "namespace_with_ipsets" => g.namespace_with_ipsets = true,
        "instance" => match node.arg(0) {
            Some(n) => g.instance = Some(n.to_owned()),
            None => {
                ctx.invalid(node, "instance name missing - ignoring");
            }
        },
        "use_pid_dir" => g.use_pid_dir = true,
        "linkbeat_use_polling" => g.linkbeat_use_polling = true,
        "child_wait_time" => {
            if let Some(v) = ctx.unsigned(node, 0, 0, u32::MAX) {
                g.child_wait_time = Duration::from_secs(v.into());
            }
        }
        "linkbeat_interfaces" => linkbeat_interfaces(node, ctx, cfg),
        _ => return false,
    }
    true
}

/// Semantic checks once the whole configuration is read.
pub(crate) fn check(cfg: &Config, ctx: &mut Ctx<'_>) {
    let _ = (cfg, ctx);
}

/// `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] ... }`: one interface per line.
fn linkbeat_interfaces(node: &Node, ctx: &mut Ctx<'_>, cfg: &mut Config) {
    let Some(block) = ctx.block(node) else { return };
    for line in block {
        let name = &line.keyword;
        if let Some(extra) = line.arg(0) {
            if !matches!(extra, "MII" | "ETHTOOL" | "IOCTL") || line.args.len() > 1 {
                ctx.invalid(
                    line,
                    format!("extra characters {extra} in linkbeat interface"),
                )
                .accepted("IF [MII|ETHTOOL|IOCTL]");
            }
        }
        if !cfg.global.dynamic_interfaces && !ctx.host.interface_exists(name) {
            ctx.error(
                line,
                ErrorClass::BadInterface,
                format!("unknown interface {name} specified for linkbeat interface"),
            );
            continue;
        }
        if !cfg.linkbeat_interfaces.contains(name) {
            cfg.linkbeat_interfaces.push(name.clone());
        }
        // As keepalived's alloc_linkbeat_interface: the last line for an interface wins.
        let kind = match line.arg(0) {
            Some("MII") => Some(LinkbeatType::Mii),
            Some("ETHTOOL") => Some(LinkbeatType::Ethtool),
            Some("IOCTL") => Some(LinkbeatType::Ioctl),
            _ => None,
        };
        match kind {
            Some(k) => cfg.linkbeat_types.insert(name.clone(), k),
            None => cfg.linkbeat_types.remove(name),
        };
    }
}

/// An unsigned first argument; on a bad value keepalived's own follow-up message too.
fn unsigned_or(
    ctx: &mut Ctx<'_>,
    node: &Node,
    (min, max): (u32, u32),
    msg: impl FnOnce(&str) -> String,
) -> Option<u32> {
    let v = ctx.unsigned(node, 0, min, max);
    if v.is_none() {
        if let Some(a) = node.arg(0) {
            ctx.invalid(node, msg(a));
        }
    }
    v
}

/// A signed first argument; on a bad value keepalived's own follow-up message too.
fn int_or(
    ctx: &mut Ctx<'_>,
    node: &Node,
    (min, max): (i32, i32),
    msg: impl FnOnce(&str) -> String,
) -> Option<i32> {
    let v = ctx.int(node, 0, min, max);
    if v.is_none() {
        if let Some(a) = node.arg(0) {
            ctx.invalid(node, msg(a));
        }
    }
    v
}

/// A decimal seconds argument `i`; keepalived's strtod-based reader takes no exponent.
fn timer_or(
    ctx: &mut Ctx<'_>,
    node: &Node,
    i: usize,
    (min, max): (f64, f64),
    msg: impl FnOnce(&str) -> String,
) -> Option<Duration> {
    if let Some(a) = node.arg(i) {
        if a.contains(['e', 'E', 'n', 'N', 'i', 'I']) {
            ctx.error(
                node,
                ErrorClass::InvalidNumber,
                format!("invalid number '{a}'"),
            )
            .accepted(format!("{min}..{max}"));
            return None;
        }
    }
    let v = ctx.timer(node, i, min, max);
    if v.is_none() {
        if let Some(a) = node.arg(i) {
            ctx.invalid(node, msg(a));
        }
    }
    v
}

/// keepalived's optional `<BOOL>`: alone means true; a bad word is reported with `msg`.
fn opt_bool(ctx: &mut Ctx<'_>, node: &Node, msg: impl FnOnce(&str) -> String) -> Option<bool> {
    match node.arg(0) {
        None => Some(true),
        Some(s) => {
            let b = parse_bool(s);
            if b.is_none() {
                ctx.invalid(node, msg(s))
                    .accepted("on|off|true|false|yes|no");
            }
            b
        }
    }
}

/// keepalived's save_process_name: a name longer than the kernel's 15 characters
/// (TASK_COMM_LEN - 1) is truncated, with an error.
fn process_name(ctx: &mut Ctx<'_>, node: &Node) -> Option<String> {
    const TASK_COMM_MAX: usize = 15;
    let Some(name) = node.arg(0) else {
        ctx.invalid(node, "Process name missing");
        return None;
    };
    if name.len() <= TASK_COMM_MAX {
        return Some(name.to_owned());
    }
    ctx.invalid(
        node,
        format!("Process name {name} more than {TASK_COMM_MAX} characters, truncating"),
    )
    .accepted("at most 15 characters");
    let mut end = TASK_COMM_MAX;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    Some(name[..end].to_owned())
}

fn string_arg(ctx: &mut Ctx<'_>, node: &Node) -> Option<String> {
    ctx.arg(node, 0).map(str::to_owned)
}

/// `KEYWORD SCRIPT [username [groupname]]`: the script is one (usually quoted) word.
fn script_arg(ctx: &mut Ctx<'_>, node: &Node) -> Option<Script> {
    let first = ctx.arg(node, 0)?;
    let mut s = Script::from_words(&[first.to_owned()], &node.keyword, &node.loc)?;
    s.user = node.arg(1).map(str::to_owned);
    s.group = node.arg(2).map(str::to_owned);
    ctx.register_script(&s);
    Some(s)
}

fn user_args(node: &Node) -> Option<(String, Option<String>)> {
    node.arg(1)
        .map(|u| (u.to_owned(), node.arg(2).map(str::to_owned)))
}

/// One keyword inside `global_defs`.
fn global_keyword(node: &Node, ctx: &mut Ctx<'_>, g: &mut GlobalDefs) {
    let kw = node.keyword.as_str();
    if kw != "notification_email" {
        if let Some(stray) = &node.block {
            // `router_id lb{1}`: keepalived ignores the `{` and reads what follows at this level.
            ctx.no_block(node);
            for child in stray {
                global_keyword(child, ctx, g);
            }
        }
    }
    if node.args.is_empty() {
        if let Some(msg) = own_missing_message(kw) {
            ctx.invalid(node, msg);
            return;
        }
    }
    match kw {
        "router_id" => g.router_id = string_arg(ctx, node).or(g.router_id.take()),
        "tmp_config_directory" => {
            if g.tmp_config_directory.is_some() {
                ctx.invalid(node, "tmp_config_directory already specified - ignoring");
            } else if let Some(d) = ctx.arg(node, 0) {
                g.tmp_config_directory = Some(PathBuf::from(d));
            }
        }
        "config_save_dir" => {
            if let Some(d) = ctx.arg(node, 0) {
                g.config_save_dir = Some(PathBuf::from(d));
            }
        }
        // keepalived's process_names_handler: the children's names, the parent's untouched.
        "process_names" => {
            let p = &mut g.process_names;
            p.vrrp = Some("keepalived_vrrp".into());
            p.checker = Some("keepalived_lvs".into());
            p.bfd = Some("keepalived_bfd".into());
        }
        "process_name" => g.process_names.main = process_name(ctx, node),
        "vrrp_process_name" => g.process_names.vrrp = process_name(ctx, node),
        "checker_process_name" => g.process_names.checker = process_name(ctx, node),
        "bfd_process_name" => g.process_names.bfd = process_name(ctx, node),
        "startup_script" => g.startup_script = script_arg(ctx, node),
        "shutdown_script" => g.shutdown_script = script_arg(ctx, node),
        "startup_script_timeout" | "shutdown_script_timeout" => {
            if let Some(v) = unsigned_or(ctx, node, (1, 1000), |a| {
                format!("{kw} '{a}' must be in [1, 1000] - ignoring")
            }) {
                let d = Duration::from_secs(v.into());
                if kw == "startup_script_timeout" {
                    g.startup_script_timeout = d;
                } else {
                    g.shutdown_script_timeout = d;
                }
            }
        }
        "notification_email" => {
            g.notification_email
                .extend(node.block_words().map(|(w, _)| w.to_owned()));
            match &node.block {
                None => {
                    ctx.block(node);
                }
                Some(b) if b.is_empty() => {
                    ctx.invalid(node, "Warning - empty notification_email block");
                }
                Some(_) => {}
            }
        }
        "notification_email_from" => match node.arg(0) {
            Some(a) => g.notification_email_from = Some(a.to_owned()),
            None => {
                ctx.invalid(node, "emailfrom missing - ignoring");
            }
        },
        "smtp_server" => smtp_server(node, ctx, g),
        "smtp_helo_name" => {
            if let Some(h) = node.arg(0) {
                g.smtp_helo_name = Some(h.to_owned());
            }
        }
        "smtp_connect_timeout" => {
            if let Some(v) = unsigned_or(ctx, node, (0, 4294), |a| {
                format!("smtp_connect_timeout '{a}' must be in [0, 4294] - ignoring")
            }) {
                let v = if v == 0 {
                    ctx.invalid(
                        node,
                        "smtp_conect_timeout must be greater than 0, setting to 1",
                    );
                    1
                } else {
                    v
                };
                g.smtp_connect_timeout = Duration::from_secs(v.into());
            }
        }
        "smtp_alert" | "smtp_alert_vrrp" | "smtp_alert_checker" => {
            let v = opt_bool(ctx, node, |s| {
                format!("Invalid value '{s}' for global {kw} specified")
            });
            match kw {
                "smtp_alert" => g.smtp_alert = v.or(g.smtp_alert),
                "smtp_alert_vrrp" => g.smtp_alert_vrrp = v.or(g.smtp_alert_vrrp),
                _ => g.smtp_alert_checker = v.or(g.smtp_alert_checker),
            }
        }
        "checker_log_all_failures" => {
            if let Some(v) = opt_bool(ctx, node, |_| {
                "Invalid value for checker_log_all_failures specified".into()
            }) {
                g.checker_log_all_failures = v;
            }
        }
        "no_email_faults" => g.no_email_faults = true,
        "vrrp_mcast_group4" | "vrrp_mcast_group6" => mcast_group(node, ctx, g),
        "default_interface" => g.default_interface = string_arg(ctx, node),
        "lvs_sync_daemon" => lvs_sync_daemon(node, ctx, g),
        "lvs_timeouts" => lvs_timeouts(node, ctx, g),
        "lvs_flush" => g.lvs_flush = true,
        "lvs_flush_on_stop" | "lvs_flush_onstop" => match node.arg(0) {
            None => g.lvs_flush_on_stop = Some(LvsFlushOnStop::All),
            Some("VS") => g.lvs_flush_on_stop = Some(LvsFlushOnStop::VirtualServers),
            Some(other) => {
                ctx.invalid(node, format!("Unknown lvs_flush_on_stop type {other}"))
                    .accepted("VS");
            }
        },
        "rs_init_notifies" => g.rs_init_notifies = true,
        "no_checker_emails" => g.no_checker_emails = true,

        "vrrp_garp_master_delay" | "vrrp_garp_lower_prio_delay" => {
            if let Some(v) = unsigned_or(ctx, node, (0, 4294), |a| {
                format!("{kw} '{a}' invalid - ignoring")
            }) {
                let d = Duration::from_secs(v.into());
                if kw == "vrrp_garp_master_delay" {
                    g.garp.master_delay = d;
                } else {
                    g.garp.lower_prio_delay = Some(d);
                }
            }
        }
        "vrrp_garp_master_repeat" | "vrrp_garp_master_refresh_repeat" => {
            if let Some(v) = unsigned_or(ctx, node, (0, u32::MAX), |a| {
                format!("{kw} '{a}' invalid - ignoring")
            }) {
                let v = if v == 0 {
                    ctx.invalid(node, format!("{kw} must be greater than 0, setting to 1"));
                    1
                } else {
                    v
                };
                if kw == "vrrp_garp_master_repeat" {
                    g.garp.master_repeat = v;
                } else {
                    g.garp.master_refresh_repeat = v;
                }
            }
        }
        "vrrp_garp_master_refresh" => {
            if let Some(v) = unsigned_or(ctx, node, (0, u32::MAX), |a| {
                format!("Invalid vrrp_garp_master_refresh '{a}' - ignoring")
            }) {
                g.garp.master_refresh = (v > 0).then(|| Duration::from_secs(v.into()));
            }
        }
        "vrrp_garp_lower_prio_repeat" => {
            if let Some(v) = unsigned_or(ctx, node, (0, u32::MAX), |a| {
                format!("Invalid vrrp_garp_lower_prio_repeat '{a}'")
            }) {
                g.garp.lower_prio_repeat = Some(v);
            }
        }
        "vrrp_garp_interval" | "vrrp_gna_interval" => {
            if let Some(d) = timer_or(ctx, node, 0, (0.000001, 4294.967295), |a| {
                format!("{kw} '{a}' is invalid")
            }) {
                if kw == "vrrp_garp_interval" {
                    g.garp.interval = d;
                } else {
                    g.garp.gna_interval = d;
                }
            }
        }
        "vrrp_min_garp" => {
            if let Some(v) = opt_bool(ctx, node, |_| {
                "Invalid value for vrrp_min_garp specified".into()
            }) {
                g.garp.min_garp = v;
                if v {
                    g.garp.master_repeat = 1;
                    g.garp.master_delay = Duration::ZERO;
                }
            }
        }
        "vrrp_garp_extra_if" | "vrrp_vmac_garp_intvl" => garp_extra_if(node, ctx, g),
        "vrrp_down_timer_adverts" => {
            g.vrrp_down_timer_adverts = unsigned_or(ctx, node, (1, 100), |a| {
                format!("Invalid vrrp_down_timer_adverts [1:100] '{a}'")
            })
            .or(g.vrrp_down_timer_adverts);
        }
        "vrrp_lower_prio_no_advert" | "vrrp_higher_prio_send_advert" => {
            let v = opt_bool(ctx, node, |_| format!("Invalid value for {kw} specified"));
            if kw == "vrrp_lower_prio_no_advert" {
                g.vrrp_lower_prio_no_advert = v.or(g.vrrp_lower_prio_no_advert);
            } else {
                g.vrrp_higher_prio_send_advert = v.or(g.vrrp_higher_prio_send_advert);
            }
        }
        "vrrp_version" => {
            if let Some(v) = unsigned_or(ctx, node, (2, 3), |_| {
                "VRRP Error: Version must be either 2 or 3".into()
            }) {
                g.vrrp_version = keepalived_vrrp::Version::from_number(v as u8)
                    .unwrap_or(keepalived_vrrp::Version::V2);
            }
        }
        "vrrp_iptables" => {
            ctx.invalid(
                node,
                "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option",
            )
            .accepted("nftables [TABLE]");
            // keepalived's (NFTABLES build) vrrp_iptables_handler: table `keepalived` and the
            // default priority, whatever `nftables` or `nftables_priority` said before.
            g.nftables = Some("keepalived".into());
            g.nftables_priority = -1;
        }
        "nftables" => {
            // keepalived's vrrp_nftables_handler: once only (vrrp_iptables counts), the name
            // shorter than NFT_TABLE_MAXNAMELEN (256), the priority set back to -1.
            let name = node.arg(0).unwrap_or("keepalived");
            if g.nftables.is_some() {
                ctx.invalid(node, "nftables already specified - ignoring");
            } else if name.len() >= 256 {
                ctx.invalid(node, "nftables table name too long - ignoring");
            } else {
                g.nftables = Some(name.to_owned());
                g.nftables_priority = -1;
            }
        }
        "nftables_ipvs" => {
            // keepalived's ipvs_nftables_handler: once only, the name shorter than
            // NFT_TABLE_MAXNAMELEN (256), and the priority and start mark set back to their
            // defaults (a nftables_ipvs_priority given before it is lost).
            let name = node.arg(0).unwrap_or("keepalived_ipvs");
            if g.nftables_ipvs.is_some() {
                ctx.invalid(node, "ipvs nftables already specified - ignoring");
            } else if name.len() >= 256 {
                ctx.invalid(node, "ipvs nftables table name too long - ignoring");
            } else {
                g.nftables_ipvs = Some(name.to_owned());
                g.nftables_ipvs_priority = -1;
                g.nftables_ipvs_start_fwmark = 1000;
            }
        }
        "nftables_priority" | "nftables_ipvs_priority" => {
            let what = if kw == "nftables_priority" {
                "nftables chain"
            } else {
                "ipvs nftables chain"
            };
            if let Some(v) = int_or(ctx, node, (i32::MIN, i32::MAX), |a| {
                format!("invalid {what} priority '{a}'")
            }) {
                if kw == "nftables_priority" {
                    g.nftables_priority = v;
                } else {
                    g.nftables_ipvs_priority = v;
                }
            }
        }
        "nftables_ipvs_start_fwmark" => {
            if let Some(v) = unsigned_or(ctx, node, (1, u32::MAX), |a| {
                format!("invalid ipvs nftables start_fwmark priority '{a}'")
            }) {
                g.nftables_ipvs_start_fwmark = v;
            }
        }
        "nftables_counters" => g.nftables_counters = true,
        "nftables_ifindex" => g.nftables_ifindex = true,
        "disable_local_igmp" => g.disable_local_igmp = true,
        "vrrp_check_unicast_src" => g.vrrp_check_unicast_src = true,
        "vrrp_skip_check_adv_addr" => g.vrrp_skip_check_adv_addr = true,
        "vrrp_strict" => g.vrrp_strict = true,
        "vrrp_notify_priority_changes" => {
            if let Some(v) = opt_bool(ctx, node, |s| {
                format!("Invalid value '{s}' for global vrrp_notify_priority_changes specified")
            }) {
                g.vrrp_notify_priority_changes = v;
            }
        }
        "max_auto_priority" => {
            if node.arg(0).is_none() {
                g.max_auto_priority = 99;
            } else if let Some(v) = int_or(ctx, node, (-1, 99), |a| {
                format!("max_auto_priority '{a}' must be in [0, 99] (or -1 to disable) - ignoring")
            }) {
                g.max_auto_priority = v;
            }
        }
        "min_auto_priority_delay" => {
            if let Some(v) = unsigned_or(ctx, node, (1, 10_000_000), |a| {
                format!("min_auto_priority_delay '{a}' must be in [1, 10000000] - ignoring")
            }) {
                g.min_auto_priority_delay = Duration::from_micros(v.into());
            }
        }
        "snmp_socket" => {
            if node.args.len() > 1 {
                ctx.invalid(
                    node,
                    "Too many parameters specified for snmp_socket - ignoring",
                );
            } else if g.snmp_socket.is_none() {
                g.snmp_socket = string_arg(ctx, node);
            }
        }
        "enable_snmp_vrrp" | "enable_snmp_keepalived" => g.enable_snmp_vrrp = true,
        "enable_snmp_checker" => g.enable_snmp_checker = true,
        "enable_snmp_rfc" => {
            g.enable_snmp_rfcv2 = true;
            g.enable_snmp_rfcv3 = true;
        }
        "enable_snmp_rfcv2" => g.enable_snmp_rfcv2 = true,
        "enable_snmp_rfcv3" => g.enable_snmp_rfcv3 = true,
        "enable_traps" => g.enable_traps = true,
        "enable_dbus" => g.enable_dbus = true,
        "dbus_service_name" => g.dbus_service_name = string_arg(ctx, node),
        "dbus_no_interface_name" => g.dbus_no_interface_name = string_arg(ctx, node),
        "script_user" => script_user(node, ctx, g),
        "enable_script_security" => g.enable_script_security = true,
        "notify_fifo" | "vrrp_notify_fifo" | "lvs_notify_fifo" => {
            if let Some(p) = ctx.arg(node, 0) {
                let f = fifo_slot(g, kw);
                let fifo = f.get_or_insert_with(empty_fifo);
                fifo.path = Some(PathBuf::from(p));
                fifo.user = user_args(node);
            }
        }
        "notify_fifo_script" | "vrrp_notify_fifo_script" | "lvs_notify_fifo_script" => {
            if let Some(s) = script_arg(ctx, node) {
                fifo_slot(g, kw).get_or_insert_with(empty_fifo).script = Some(s);
            }
        }
        "fifo_write_vrrp_states_on_reload" => g.fifo_write_vrrp_states_on_reload = true,
        "dynamic_interfaces" => {
            match node.arg(0) {
                None => {}
                Some("allow_if_changes") => g.allow_if_changes = true,
                Some(o) => {
                    ctx.invalid(node, format!("Unknown dynamic_interfaces option '{o}'"))
                        .accepted("allow_if_changes");
                }
            }
            g.dynamic_interfaces = true;
        }
        "vrrp_netlink_cmd_rcv_bufs"
        | "vrrp_netlink_monitor_rcv_bufs"
        | "lvs_netlink_cmd_rcv_bufs"
        | "lvs_netlink_monitor_rcv_bufs"
        | "process_monitor_rcv_bufs" => {
            if let Some(v) = unsigned_or(ctx, node, (0, u32::MAX), |a| {
                format!("{kw} size ({a}) invalid")
            }) {
                rcv_bufs_slot(g, kw).size = Some(v);
            }
        }
        "vrrp_netlink_cmd_rcv_bufs_force"
        | "vrrp_netlink_monitor_rcv_bufs_force"
        | "lvs_netlink_cmd_rcv_bufs_force"
        | "lvs_netlink_monitor_rcv_bufs_force"
        | "process_monitor_rcv_bufs_force" => {
            if let Some(v) = opt_bool(ctx, node, |s| {
                format!("Invalid value '{s}' for global {kw} specified")
            }) {
                rcv_bufs_slot(g, kw.trim_end_matches("_force")).force = v;
            }
        }
        "vrrp_rx_bufs_policy" => rx_bufs_policy(node, ctx, g),
        "vrrp_rx_bufs_multiplier" => {
            if let Some(v) = unsigned_or(ctx, node, (1, u32::MAX), |a| {
                format!("Invalid vrrp_rx_bufs_multiplier {a}")
            }) {
                g.vrrp_rx_bufs_multiplier = v;
            }
        }
        "umask" => umask(node, ctx, g),
        "vrrp_startup_delay" => {
            if let Some(d) = timer_or(ctx, node, 0, (0.001, 4294.967295), |a| {
                format!("vrrp_startup_delay '{a}' is invalid")
            }) {
                g.vrrp_startup_delay = Some(d);
            }
        }
        "log_unknown_vrids" => g.log_unknown_vrids = true,
        "vmac_prefix" => g.vmac_prefix = string_arg(ctx, node),
        "vmac_addr_prefix" => g.vmac_addr_prefix = string_arg(ctx, node),
        "random_seed" => {
            if let Some(v) = unsigned_or(ctx, node, (0, u32::MAX), |a| {
                format!("random_seed {a} invalid")
            }) {
                g.random_seed = Some(v);
            }
        }
        "reload_check_config" => {
            g.reload_check_config = Some(node.arg(0).map(PathBuf::from));
        }
        "include_check" => g.include_check = Some(node.args.clone()),
        "reload_time_file" => g.reload_time_file = ctx.arg(node, 0).map(PathBuf::from),
        "reload_repeat" => g.reload_repeat = true,
        "reload_file" => g.reload_file = Some(node.arg(0).map(PathBuf::from)),
        "data_use_instance" => {
            if let Some(v) = opt_bool(ctx, node, |s| {
                format!("Invalid value '{s}' for global data_use_instance specified")
            }) {
                g.data_use_instance = v;
            }
        }
        // Deprecated spelling (keepalived 2.2.7 still takes it).
        "lvs_process_name" => {
            ctx.warn(
                node,
                "'lvs_process_name' is deprecated - please use 'checker_process_name'",
            );
            g.process_names.checker = process_name(ctx, node);
        }
        // keepalived 2.3.x options.
        "v3_checksum_as_v2" => g.v3_checksum_as_v2 = true,
        "use_symlink_paths" => {
            if let Some(v) = opt_bool(ctx, node, |s| {
                format!("Invalid value '{s}' for global use_symlink_path specified")
            }) {
                g.use_symlink_paths = v;
            }
        }
        "vrrp_owner_ignore_adverts" => {
            if let Some(v) = opt_bool(ctx, node, |s| {
                format!("Invalid value '{kw}' for global {s} specified")
            }) {
                g.vrrp_owner_ignore_adverts = v;
            }
        }
        "json_version" => {
            if node.arg(0).is_none() {
                ctx.invalid(node, format!("{kw} requires version"));
            } else if let Some(v) =
                unsigned_or(ctx, node, (1, 2), |_| "Invalid JSON version".into())
            {
                g.json_version = u8::try_from(v).unwrap_or(1);
            }
        }
        "state_dump_file" | "stats_dump_file" | "json_dump_file" => {
            match node
                .arg(0)
                .filter(|a| !a.is_empty() && node.args.len() == 1)
            {
                None => {
                    ctx.invalid(node, format!("{kw} requires a non-empty path"));
                }
                Some(a) => {
                    let slot = match kw {
                        "state_dump_file" => &mut g.state_dump_file,
                        "stats_dump_file" => &mut g.stats_dump_file,
                        _ => &mut g.json_dump_file,
                    };
                    *slot = Some(a.to_owned());
                }
            }
        }
        // keepalived 2.3.x options.
        // keepalived 2.3: 1 ms to 30 s; both keywords' error says "vs".
        "snmp_vs_stats_update_interval" | "snmp_rs_stats_update_interval" => {
            let v = (node.arg(0).and_then(|a| a.parse::<f64>().ok()))
                .filter(|v| (0.001..=30.0).contains(v))
                .and_then(|v| Duration::try_from_secs_f64(v).ok());
            match v {
                Some(d) if kw.starts_with("snmp_vs") => g.snmp_vs_stats_update_interval = d,
                Some(d) => g.snmp_rs_stats_update_interval = Some(d),
                None => {
                    let a = node.arg(0).unwrap_or_default();
                    ctx.invalid(
                        node,
                        format!("snmp stats vs update interval '{a}' invalid - ignoring"),
                    );
                }
            }
        }
        "iproute_usr_dir" | "iproute_etc_dir" => match (node.args.len(), node.arg(0)) {
            (1, Some(dir)) if kw == "iproute_etc_dir" => ctx.rt_names.set_etc_dir(dir),
            (1, Some(dir)) => ctx.rt_names.set_usr_dir(dir),
            _ => {
                ctx.invalid(node, format!("{kw} requires path"));
            }
        },
        _ => {
            if let Some((proc_name, setting)) = process_keyword(kw) {
                process_setting(node, ctx, process_slot(g, proc_name), proc_name, setting);
            } else {
                ctx.unknown(node);
            }
        }
    }
}

/// keepalived's own message for the keywords whose handler checks for a missing value itself
/// (these are ordinary errors; the others stop `-t` with a missing parameter).
fn own_missing_message(kw: &str) -> Option<String> {
    let msg = match kw {
        "router_id" => "routerid name missing - ignoring".to_owned(),
        "notification_email_from" => "emailfrom missing - ignoring".to_owned(),
        "vrrp_priority" | "checker_priority" | "bfd_priority" => {
            format!(
                "No {} process priority specified",
                kw.trim_end_matches("_priority")
            )
        }
        "vrrp_cpu_affinity" | "checker_cpu_affinity" | "bfd_cpu_affinity" => {
            format!(
                "No {} cpu_id set specified",
                kw.trim_end_matches("_cpu_affinity")
            )
        }
        "vrrp_rt_priority" | "checker_rt_priority" | "bfd_rt_priority" => format!(
            "No {} process real-time priority specified",
            kw.trim_end_matches("_rt_priority")
        ),
        "snmp_socket" => "SNMP error : snmp socket name missing".to_owned(),
        "script_user" => "No script username specified".to_owned(),
        "notify_fifo" | "vrrp_notify_fifo" | "lvs_notify_fifo" => format!("No {kw} name specified"),
        "notify_fifo_script" | "vrrp_notify_fifo_script" | "lvs_notify_fifo_script" => {
            format!("No {kw} specified")
        }
        "startup_script" => "startup script missing".to_owned(),
        "shutdown_script" => "shutdown script missing".to_owned(),
        "startup_script_timeout" | "shutdown_script_timeout" => format!("{kw} requires value"),
        "lvs_sync_daemon" => "lvs_sync_daemon requires interface".to_owned(),
        "default_interface" => "default_interface requires interface name".to_owned(),
        "vrrp_rx_bufs_policy" => "vrrp_rx_bufs_policy missing".to_owned(),
        "dbus_service_name" => "dbus_service_name missing - ignoring".to_owned(),
        "dbus_no_interface_name" => "dbus_no_interface_name missing - ignoring".to_owned(),
        "tmp_config_directory" => "tmp_config_directory missing directory name".to_owned(),
        "reload_time_file" => "reload_time_file invalid".to_owned(),
        "min_auto_priority_delay" => "min_auto_priority_delay requires delay time".to_owned(),
        "vrrp_garp_extra_if" | "vrrp_vmac_garp_intvl" => {
            format!("{kw} specified without time - ignoring")
        }
        "vrrp_rx_bufs_multiplier" => "Invalid vrrp_rx_bufs_multiplier".to_owned(),
        "vrrp_netlink_cmd_rcv_bufs"
        | "vrrp_netlink_monitor_rcv_bufs"
        | "lvs_netlink_cmd_rcv_bufs"
        | "lvs_netlink_monitor_rcv_bufs"
        | "process_monitor_rcv_bufs" => format!("{kw} size missing"),
        "lvs_timeouts" => "lvs_timeouts requires at least one option".to_owned(),
        _ => return None,
    };
    Some(msg)
}

fn empty_fifo() -> NotifyFifo {
    NotifyFifo {
        path: None,
        user: None,
        script: None,
    }
}

fn fifo_slot<'g>(g: &'g mut GlobalDefs, kw: &str) -> &'g mut Option<NotifyFifo> {
    if kw.starts_with("vrrp_") {
        &mut g.vrrp_notify_fifo
    } else if kw.starts_with("lvs_") {
        &mut g.lvs_notify_fifo
    } else {
        &mut g.notify_fifo
    }
}

fn rcv_bufs_slot<'g>(g: &'g mut GlobalDefs, kw: &str) -> &'g mut RcvBufs {
    match kw {
        "vrrp_netlink_cmd_rcv_bufs" => &mut g.vrrp_netlink_cmd_rcv_bufs,
        "vrrp_netlink_monitor_rcv_bufs" => &mut g.vrrp_netlink_monitor_rcv_bufs,
        "lvs_netlink_cmd_rcv_bufs" => &mut g.lvs_netlink_cmd_rcv_bufs,
        "lvs_netlink_monitor_rcv_bufs" => &mut g.lvs_netlink_monitor_rcv_bufs,
        _ => &mut g.process_monitor_rcv_bufs,
    }
}

/// `{vrrp,checker,bfd}_{priority,no_swap,cpu_affinity,rt_priority,rlimit_rttime}`.
fn process_keyword(kw: &str) -> Option<(&'static str, &str)> {
    let (proc_name, rest) = ["vrrp", "checker", "bfd"].into_iter().find_map(|p| {
        kw.strip_prefix(p)
            .and_then(|r| r.strip_prefix('_'))
            .map(|r| (p, r))
    })?;
    matches!(
        rest,
        "priority" | "no_swap" | "cpu_affinity" | "rt_priority" | "rlimit_rttime" | "rlimit_rtime"
    )
    // keepalived takes `rlimit_rtime` as a synonym.
    .then_some((
        proc_name,
        if rest == "rlimit_rtime" {
            "rlimit_rttime"
        } else {
            rest
        },
    ))
}

fn process_slot<'g>(g: &'g mut GlobalDefs, proc_name: &str) -> &'g mut ProcessSettings {
    match proc_name {
        "vrrp" => &mut g.vrrp_process,
        "checker" => &mut g.checker_process,
        _ => &mut g.bfd_process,
    }
}

fn process_setting(
    node: &Node,
    ctx: &mut Ctx<'_>,
    p: &mut ProcessSettings,
    proc_name: &str,
    setting: &str,
) {
    match setting {
        "priority" => {
            if let Some(v) = int_or(ctx, node, (-20, 19), |_| {
                format!("Invalid {proc_name} process priority specified")
            }) {
                p.priority = v;
            }
        }
        "no_swap" => p.no_swap = true,
        "cpu_affinity" => {
            if node.args.is_empty() {
                ctx.arg(node, 0);
            }
            let mut cpus = Vec::new();
            for i in 0..node.args.len() {
                // keepalived's limit is the number of configured CPUs; CPU_SETSIZE here
                // keeps the parse independent of the machine.
                match ctx.unsigned(node, i, 0, 1023) {
                    Some(c) => cpus.push(c),
                    None => {
                        let a = node.arg(i).unwrap_or_default();
                        ctx.invalid(
                            node,
                            format!("Invalid cpu_id:{a} specified for {proc_name} process"),
                        );
                    }
                }
            }
            p.cpu_affinity = cpus;
        }
        "rt_priority" => {
            if let Some(v) = ctx.int(node, 0, i32::MIN, i32::MAX) {
                let v = if v < 1 {
                    ctx.invalid(node, format!("{proc_name} process real-time priority {v} less than minimum 1 - setting to minimum"));
                    1
                } else if v > 99 {
                    ctx.invalid(node, format!("{proc_name} process real-time priority {v} greater than maximum 99 - setting to maximum"));
                    99
                } else {
                    v
                };
                p.rt_priority = Some(v as u32);
            }
        }
        _ => {
            if let Some(v) = unsigned_or(ctx, node, (1, u32::MAX), |a| {
                format!("Invalid {proc_name} real-time limit - {a}")
            }) {
                p.rlimit_rttime = Some(v);
            }
        }
    }
}

fn smtp_server(node: &Node, ctx: &mut Ctx<'_>, g: &mut GlobalDefs) {
    let Some(host) = ctx.arg(node, 0) else { return };
    let port = match node.arg(1) {
        None => Some(25),
        Some(p) => {
            let v = ctx.unsigned(node, 1, 1, 65535);
            if v.is_none() {
                ctx.invalid(node, format!("Invalid smtp server {host} {p}"));
            }
            v
        }
    };
    if let Some(port) = port {
        g.smtp_server = Some(SmtpServer {
            host: host.to_owned(),
            port: port as u16,
        });
    }
}

fn mcast_group(node: &Node, ctx: &mut Ctx<'_>, g: &mut GlobalDefs) {
    let kw = node.keyword.as_str();
    let Some(a) = ctx.arg(node, 0) else { return };
    match (a.parse::<IpAddr>(), kw == "vrrp_mcast_group4") {
        (Err(_), _) => {
            ctx.invalid(node, format!("Can't parse {kw} [{a}]. Skipping"))
                .accepted("a multicast address");
        }
        (Ok(IpAddr::V4(v4)), true) if v4.is_multicast() => g.vrrp_mcast_group4 = v4,
        (Ok(IpAddr::V6(v6)), false) if v6.is_multicast() => g.vrrp_mcast_group6 = v6,
        (Ok(IpAddr::V4(_)), false) => {
            ctx.invalid(node, format!("{kw} [{a}] is not IPv6. Skipping"));
        }
        (Ok(IpAddr::V6(_)), true) => {
            ctx.invalid(node, format!("{kw} [{a}] is not IPv4. Skipping"));
        }
        (Ok(_), _) => {
            ctx.invalid(node, format!("{kw} [{a}] is not multicast. Skipping"));
        }
    }
}

fn garp_extra_if(node: &Node, ctx: &mut Ctx<'_>, g: &mut GlobalDefs) {
    // keepalived's vrrp_vmac_garp_extra_if_handler reads every word: `all` sets the global
    // flag at once (it stays set, also when the line is then ignored, and a later line
    // without `all` does not clear it), any other word is the time.
    let kw = node.keyword.as_str();
    if kw == "vrrp_vmac_garp_intvl" {
        ctx.invalid(
            node,
            "Keyword \"vrrp_vmac_garp_intvl\" is deprecated - please use \"vrrp_garp_extra_if\"",
        )
        .class(ErrorClass::Deprecated);
    }
    let prev = g.garp.extra_if;
    let mut all = prev.is_some_and(|p| p.all);
    let mut interval = None;
    let mut ignored = false;
    for (i, w) in node.args.iter().enumerate() {
        if w == "all" {
            all = true;
            continue;
        }
        match ctx.unsigned(node, i, 1, 86400) {
            Some(v) => interval = Some(Duration::from_secs(v.into())),
            None => {
                ctx.invalid(node, format!("{kw} '{w}' invalid - ignoring"));
                ignored = true;
                break;
            }
        }
    }
    let interval = match interval {
        Some(v) if !ignored => v,
        _ => {
            if !ignored {
                ctx.invalid(node, format!("{kw} specified without time - ignoring"));
            }
            // The time stays what it was (none: 0, off); only the flag is taken.
            if all {
                g.garp.extra_if = Some(GarpExtraIf {
                    interval: prev.map_or(Duration::ZERO, |p| p.interval),
                    all,
                });
            }
            return;
        }
    };
    g.garp.extra_if = Some(GarpExtraIf { interval, all });
}

fn lvs_sync_daemon(node: &Node, ctx: &mut Ctx<'_>, g: &mut GlobalDefs) {
    let Some(interface) = ctx.arg(node, 0) else {
        return;
    };
    let mut d = LvsSyncDaemon {
        interface: interface.to_owned(),
        instance: None,
        syncid: None,
        maxlen: None,
        port: None,
        ttl: None,
        group: None,
    };
    let mut i = 1;
    while let Some(w) = node.arg(i) {
        let value = node.arg(i + 1);
        match (w, value) {
            ("inst", Some(v)) => d.instance = Some(v.to_owned()),
            ("id", Some(_)) => match ctx.unsigned(node, i + 1, 0, 255) {
                Some(v) => d.syncid = Some(v as u8),
                None => {
                    let v = value.unwrap_or_default();
                    ctx.invalid(node, format!("Invalid syncid ({v}) - defaulting to vrid"));
                }
            },
            ("maxlen", Some(_)) => d.maxlen = ctx.unsigned(node, i + 1, 1, 65507).map(|v| v as u16),
            ("port", Some(_)) => d.port = ctx.unsigned(node, i + 1, 1, 65535).map(|v| v as u16),
            ("ttl", Some(_)) => d.ttl = ctx.unsigned(node, i + 1, 1, 255).map(|v| v as u8),
            ("group", Some(_)) => d.group = ctx.ip(node, i + 1),
            ("inst" | "id" | "maxlen" | "port" | "ttl" | "group", None) => {
                ctx.error(
                    node,
                    ErrorClass::MissingParameter,
                    format!(
                        "missing a parameter after keyword `{w}` at word position {}",
                        i + 3
                    ),
                );
            }
            (name, _) if i == 1 => {
                // The instance name may be given without `inst` (old syntax).
                d.instance = Some(name.to_owned());
                i += 1;
                continue;
            }
            (other, _) => {
                ctx.invalid(
                    node,
                    format!("Unknown option {other} specified for lvs_sync_daemon"),
                )
                .accepted("inst NAME|id N|maxlen N|port N|ttl N|group IP");
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    if g.lvs_sync_daemon.is_some() {
        ctx.warn(
            node,
            "lvs_sync_daemon has already been specified - ignoring",
        );
        return;
    }
    g.lvs_sync_daemon = Some(d);
}

fn lvs_timeouts(node: &Node, ctx: &mut Ctx<'_>, g: &mut GlobalDefs) {
    if node.args.is_empty() {
        ctx.invalid(node, "lvs_timeouts requires at least one option")
            .accepted("[tcp SECS] [tcpfin SECS] [udp SECS]");
        return;
    }
    let mut i = 0;
    while let Some(w) = node.arg(i) {
        if !matches!(w, "tcp" | "tcpfin" | "udp") {
            ctx.invalid(
                node,
                format!("Unknown option {w} specified for lvs_timeouts"),
            )
            .accepted("tcp|tcpfin|udp");
            i += 1;
            continue;
        }
        if node.arg(i + 1).is_none() {
            ctx.invalid(
                node,
                format!("No value specified for lvs_timeout {w} - ignoring"),
            );
            break;
        }
        match ctx.unsigned(node, i + 1, 0, 2_678_400) {
            Some(v) => {
                let d = Some(Duration::from_secs(v.into()));
                match w {
                    "tcp" => g.lvs_timeouts.tcp = d,
                    "tcpfin" => g.lvs_timeouts.tcpfin = d,
                    _ => g.lvs_timeouts.udp = d,
                }
            }
            None => {
                let v = node.arg(i + 1).unwrap_or_default();
                ctx.invalid(node, format!("Invalid lvs_timeout {w} ({v}) - ignoring"));
            }
        }
        i += 2;
    }
}

fn rx_bufs_policy(node: &Node, ctx: &mut Ctx<'_>, g: &mut GlobalDefs) {
    if ctx.arg(node, 0).is_none() {
        return;
    }
    for (i, a) in node.args.iter().enumerate() {
        let new = match a.as_str() {
            "MTU" => RxBufsPolicy::Mtu,
            "ADVERT" => RxBufsPolicy::Advert,
            _ => match ctx.unsigned(node, i, 0, u32::MAX) {
                Some(v) => RxBufsPolicy::Size(v),
                None => {
                    ctx.invalid(node, format!("Invalid vrrp_rx_bufs_policy {a}"))
                        .accepted("MTU|ADVERT|SIZE");
                    continue;
                }
            },
        };
        // keepalived keeps a size over a policy, and the first of MTU/ADVERT.
        let kept = match (g.vrrp_rx_bufs_policy, new) {
            (None, n) => n,
            (Some(RxBufsPolicy::Size(_)), RxBufsPolicy::Size(n)) => RxBufsPolicy::Size(n),
            (Some(RxBufsPolicy::Size(v)), _) | (Some(_), RxBufsPolicy::Size(v)) => {
                ctx.invalid(
                    node,
                    "Cannot set vrrp_rx_bufs_policy size and policy, ignoring policy",
                );
                RxBufsPolicy::Size(v)
            }
            (Some(old), n) if old == n => n,
            (Some(old), n) => {
                let name = |p| {
                    if p == RxBufsPolicy::Mtu {
                        "MTU"
                    } else {
                        "ADVERT"
                    }
                };
                ctx.invalid(
                    node,
                    format!(
                        "Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring {}",
                        name(n)
                    ),
                );
                old
            }
        };
        g.vrrp_rx_bufs_policy = Some(kept);
    }
}

fn umask(node: &Node, ctx: &mut Ctx<'_>, g: &mut GlobalDefs) {
    let Some(first) = ctx.arg(node, 0) else {
        return;
    };
    if first.starts_with(|c: char| c.is_ascii_digit()) {
        if node.args.len() > 1 {
            ctx.invalid(node, "Extra parameter(s) to umask option");
            return;
        }
        let parsed = if let Some(h) = first.strip_prefix("0x").or(first.strip_prefix("0X")) {
            u32::from_str_radix(h, 16).ok()
        } else if first.len() > 1 && first.starts_with('0') {
            u32::from_str_radix(&first[1..], 8).ok()
        } else {
            first.parse::<u32>().ok()
        };
        match parsed {
            Some(v) if v <= 0o777 => g.umask = Some(v),
            _ => {
                ctx.invalid(node, format!("invalid umask value {first}"))
                    .accepted(
                        "a number (0x.., 0.. or decimal) up to 0777, or I{R|W|X}{USR|GRP|OTH}|...",
                    );
            }
        }
        return;
    }
    let text = node.args.join("");
    if text.starts_with('|') {
        ctx.invalid(node, format!("Unknown umask bit {text}"))
            .accepted("I{R|W|X}{USR|GRP|OTH} separated by '|'");
        return;
    }
    if text.split('|').any(str::is_empty) {
        ctx.invalid(node, "umask missing bit value")
            .accepted("I{R|W|X}{USR|GRP|OTH} separated by '|'");
        return;
    }
    let mut mask = 0;
    for bit in text.split('|') {
        let v = match bit {
            "IRUSR" => 0o400,
            "IWUSR" => 0o200,
            "IXUSR" => 0o100,
            "IRGRP" => 0o40,
            "IWGRP" => 0o20,
            "IXGRP" => 0o10,
            "IROTH" => 0o4,
            "IWOTH" => 0o2,
            "IXOTH" => 0o1,
            other => {
                ctx.invalid(node, format!("Unknown umask bit {other}"))
                    .accepted("I{R|W|X}{USR|GRP|OTH} separated by '|'");
                return;
            }
        };
        mask |= v;
    }
    g.umask = Some(mask);
}

fn script_user(node: &Node, ctx: &mut Ctx<'_>, g: &mut GlobalDefs) {
    let Some(user) = ctx.arg(node, 0) else { return };
    let group = node.arg(1);
    let ok = ctx.host.user(user).is_some()
        && match group {
            None => true,
            Some(gr) => ctx.host.group(gr).is_some(),
        };
    if !ok {
        ctx.invalid(node, "Error setting global script uid/gid")
            .accepted("an existing user [and group]");
        return;
    }
    g.script_user = Some((user.to_owned(), group.map(str::to_owned)));
}
