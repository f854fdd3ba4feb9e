//! `vrrp_instance NAME { ... }`.

use std::net::IpAddr;
use std::time::Duration;

use super::tracking::{
    notify_script, opt_bool, parse_track_interfaces, parse_track_refs, TrackKind,
};
use crate::diag::{ErrorClass, Location};
use crate::model::{
    AuthType, Authentication, Config, InitialState, IpFamily, Ipvlan, IpvlanMode, UnicastPeer,
    VrrpInstance, VRRP_PRIO_OWNER,
};
use crate::parse::net::{parse_address, parse_route, parse_rule, AddressKind};
use crate::parse::Ctx;
use crate::tree::Node;

/// What the instance parser remembers beyond the model while reading the block.
struct Pending {
    priority: Option<u8>,
    family: Option<IpFamily>,
    vmac_xmit_base: bool,
    unicast_loc: Option<Location>,
}

/// Parses a `vrrp_instance`; a second instance of the same name is skipped with an error.
pub(super) fn parse_instance(node: &Node, ctx: &mut Ctx<'_>, cfg: &Config) -> Option<VrrpInstance> {
    let Some(name) = node.arg(0) else {
        ctx.invalid(node, "vrrp_instance must have a name");
        return None;
    };
    let block = ctx.block(node)?;
    if cfg.vrrp.instance(name).is_some() {
        ctx.invalid(node, format!("vrrp instance {name} already defined"));
        return None;
    }
    let mut v = VrrpInstance::new(name.to_owned(), node.loc.clone());
    // keepalived's alloc_vrrp copies these global defaults when the instance starts.
    if let Some(n) = cfg.global.vrrp_down_timer_adverts {
        v.down_timer_adverts = u8::try_from(n).unwrap_or(3);
    }
    v.v3_checksum_as_v2 = cfg.global.v3_checksum_as_v2;
    let mut p = Pending {
        priority: None,
        family: None,
        vmac_xmit_base: false,
        unicast_loc: None,
    };
    for c in block {
        keyword(c, ctx, cfg, &mut v, &mut p);
    }
    finish(ctx, &mut v, p);
    Some(v)
}

/// Sets the instance family from an address, or reports a mismatch.
fn family_matches(p: &mut Pending, a: &IpAddr) -> bool {
    let f = IpFamily::of(a);
    match p.family {
        None => {
            p.family = Some(f);
            true
        }
        Some(g) => g == f,
    }
}

fn keyword(c: &Node, ctx: &mut Ctx<'_>, cfg: &Config, v: &mut VrrpInstance, p: &mut Pending) {
    let name = v.name.clone();
    let name = name.as_str();
    let dynamic = cfg.global.dynamic_interfaces;
    match c.keyword.as_str() {
        "state" => match ctx.arg(c, 0) {
            Some("MASTER") => v.state = InitialState::Master,
            Some("BACKUP") if v.state == InitialState::Master => {
                ctx.invalid(
                    c,
                    format!("({name}) state previously set as MASTER - ignoring BACKUP"),
                );
            }
            Some("BACKUP") => v.state = InitialState::Backup,
            Some(s) => {
                ctx.invalid(
                    c,
                    format!("({name}) unknown state '{s}', defaulting to BACKUP"),
                )
                .accepted("MASTER|BACKUP");
                v.state = InitialState::Backup;
            }
            None => {}
        },
        "interface" => {
            let Some(i) = ctx.arg(c, 0) else { return };
            if i == "lo" {
                ctx.invalid(
                    c,
                    format!("({name}) cannot use a loopback interface ({i}) for vrrp - ignoring"),
                );
                v.interface = None;
                return;
            }
            if !dynamic && !ctx.host.interface_exists(i) {
                ctx.error(
                    c,
                    ErrorClass::BadInterface,
                    format!("WARNING - interface {i} for vrrp_instance {name} doesn't exist"),
                );
            }
            v.interface = Some(i.to_owned());
        }
        "vrf" => vrf(c, ctx, v, dynamic),
        "use_vmac" => {
            let mut vm = v.vmac.take().unwrap_or_default();
            for a in &c.args {
                if let Some(mac) = parse_mac(a) {
                    if mac.starts_with(&[0, 0, 0x5e, 0, 1]) || mac.starts_with(&[0, 0, 0x5e, 0, 2])
                    {
                        ctx.invalid(
                            c,
                            format!("VMAC MAC address not allowed to be RFC5798 address ({a}) - ignoring"),
                        );
                    } else {
                        vm.mac = Some(mac);
                    }
                } else if a.len() > 15 {
                    ctx.invalid(
                        c,
                        format!(
                            "VMAC interface name '{a}' too long or invalid characters - ignoring"
                        ),
                    )
                    .accepted("at most 15 characters");
                } else {
                    vm.ifname = Some(a.clone());
                }
            }
            v.vmac = Some(vm);
        }
        "vmac_xmit_base" => p.vmac_xmit_base = true,
        "use_vmac_addr" => v.use_vmac_addr = true,
        "use_ipvlan" => ipvlan(c, ctx, cfg, v, p),
        "native_ipv6" => {
            if p.family == Some(IpFamily::V4) {
                ctx.invalid(
                    c,
                    format!("({name}) Cannot specify native_ipv6 with IPv4 addresses"),
                );
            } else {
                p.family = Some(IpFamily::V6);
                v.native_ipv6 = true;
            }
        }
        "dont_track_primary" => v.dont_track_primary = true,
        "track_interface" => {
            let t = parse_track_interfaces(c, ctx, name, dynamic);
            v.track_interfaces.extend(t);
        }
        "track_script" => {
            let t = parse_track_refs(c, ctx, cfg, name, TrackKind::Script);
            v.track_scripts.extend(t);
        }
        "track_file" => {
            let t = parse_track_refs(c, ctx, cfg, name, TrackKind::File);
            v.track_files.extend(t);
        }
        "track_process" => {
            let t = parse_track_refs(c, ctx, cfg, name, TrackKind::Process);
            v.track_processes.extend(t);
        }
        "track_bfd" => {
            let t = parse_track_refs(c, ctx, cfg, name, TrackKind::Bfd);
            v.track_bfds.extend(t);
        }
        "mcast_src_ip" | "unicast_src_ip" => {
            v.unicast_configured |= c.keyword == "unicast_src_ip";
            let Some(s) = ctx.arg(c, 0) else { return };
            match s.parse::<IpAddr>() {
                Err(_) => {
                    ctx.invalid(
                        c,
                        format!("Configuration error: VRRP instance[{name}] malformed src address[{s}]. Skipping..."),
                    )
                    .accepted("an IPv4 or IPv6 address");
                }
                Ok(a) if family_matches(p, &a) => v.src_ip = Some(a),
                Ok(_) => {
                    ctx.invalid(
                        c,
                        format!("Configuration error: VRRP instance[{name}] and src address[{s}] MUST be of the same family !!! Skipping..."),
                    );
                }
            }
        }
        "track_src_ip" => v.track_src_ip = true,
        "mcast_dst_ip" => {
            let Some(a) = ctx.ip(c, 0) else { return };
            let ok = match a {
                IpAddr::V4(x) => x.is_multicast(),
                // IPv6 multicast must be link-local scope (ffX2::).
                IpAddr::V6(x) => x.is_multicast() && (x.segments()[0] & 0x000f) == 2,
            };
            if !ok {
                ctx.invalid(
                    c,
                    format!("({name}) mcast_dst_ip {a} not multicast. Skipping..."),
                );
            } else if family_matches(p, &a) {
                v.mcast_dst_ip = Some(a);
            } else {
                ctx.invalid(
                    c,
                    format!("({name}) mcast_dst_ip {a} family does not match instance - ignoring"),
                );
            }
        }
        "unicast_peer" => {
            v.unicast_configured = true;
            p.unicast_loc = Some(c.loc.clone());
            for line in ctx.block(c).unwrap_or(&[]) {
                if let Some(peer) = unicast_peer(line, ctx, name, p) {
                    // keepalived 2.3 rejects a repeated peer (2.2.7 would advertise to it
                    // twice); a warning keeps 2.2.7's -t verdict.
                    if v.unicast_peers.iter().any(|q| q.addr == peer.addr) {
                        ctx.warn(
                            line,
                            format!("({name}) {} - duplicate unicast_peer - ignoring", peer.addr),
                        );
                        continue;
                    }
                    if peer.min_ttl.is_some() || peer.max_ttl.is_some() {
                        v.check_unicast_src = true;
                    }
                    v.unicast_peers.push(peer);
                }
            }
        }
        "unicast_ttl" => {
            if let Some(t) = ctx.unsigned(c, 0, 0, 255) {
                v.unicast_ttl = t as u8;
            }
        }
        "unicast_fault_no_peer" => {
            v.unicast_configured = true;
            v.unicast_fault_no_peer = true;
        }
        "check_unicast_src" => {
            v.unicast_configured = true;
            v.check_unicast_src = true;
        }
        "old_unicast_checksum" => {
            v.unicast_configured = true;
            v.old_unicast_checksum = match c.arg(0) {
                None => Some(false),
                Some("never") => Some(true),
                Some(o) => {
                    ctx.invalid(
                        c,
                        format!("({name}) Unknown old_unicast_chksum mode {o} - ignoring"),
                    )
                    .accepted("never");
                    None
                }
            }
        }
        "version" => {
            if let Some(n) = ctx.unsigned(c, 0, 2, 3) {
                v.version = keepalived_vrrp::Version::from_number(n as u8);
            }
        }
        "virtual_router_id" => {
            if let Some(n) = ctx.unsigned(c, 0, 1, 255) {
                v.vrid = Some(n as u8);
            }
        }
        "priority" => {
            if let Some(n) = ctx.unsigned(c, 0, 1, 255) {
                p.priority = Some(n as u8);
            }
        }
        "advert_int" => {
            if let Some(d) = ctx.timer(c, 0, 0.01, 255.0) {
                v.advert_int_configured = d;
            }
        }
        "authentication" => authentication(c, ctx, v),
        "virtual_ipaddress" => {
            for line in ctx.block(c).unwrap_or(&[]) {
                let Some(a) = parse_address(line, ctx, AddressKind::Virtual, dynamic) else {
                    continue;
                };
                if family_matches(p, &a.prefix.addr) {
                    v.virtual_ipaddresses.push(a);
                } else {
                    ctx.invalid(
                        line,
                        format!(
                            "({name}): address family must match VRRP instance [{}] - ignoring",
                            line.keyword
                        ),
                    );
                }
            }
        }
        "virtual_ipaddress_excluded" => {
            for line in ctx.block(c).unwrap_or(&[]) {
                if let Some(a) = parse_address(line, ctx, AddressKind::Virtual, dynamic) {
                    v.excluded_ipaddresses.push(a);
                }
            }
        }
        "virtual_routes" => {
            for line in ctx.block(c).unwrap_or(&[]) {
                if let Some(r) = parse_route(line, ctx, false, dynamic) {
                    v.virtual_routes.push(r);
                }
            }
        }
        "virtual_rules" => {
            for line in ctx.block(c).unwrap_or(&[]) {
                if let Some(r) = parse_rule(line, ctx, false, dynamic) {
                    v.virtual_rules.push(r);
                }
            }
        }
        "promote_secondaries" => v.promote_secondaries = true,
        "nopreempt" => v.preempt = false,
        "preempt" => v.preempt = true,
        "preempt_delay" => {
            if let Some(d) = ctx.timer(c, 0, 0.0, 1000.0) {
                v.preempt_delay = d;
            }
        }
        "strict_mode" => {
            v.strict_mode = opt_bool(c, ctx, |s| {
                format!("({name}) invalid strict_mode {s} specified")
            });
        }
        "skip_check_adv_addr" => {
            v.skip_check_adv_addr = opt_bool(c, ctx, |s| {
                format!("({name}) invalid skip_check_adv_addr {s} specified")
            });
        }
        "accept" => v.accept = Some(true),
        "no_accept" => v.accept = Some(false),
        "garp_master_delay" => v.garp.master_delay = secs(c, ctx),
        "garp_lower_prio_delay" => v.garp.lower_prio_delay = secs(c, ctx),
        "garp_master_refresh" => match c.arg(0).map(|s| s.parse::<u32>()) {
            Some(Ok(n)) => v.garp.master_refresh = Some(Duration::from_secs(u64::from(n))),
            Some(Err(_)) => {
                let s = c.arg(0).unwrap_or_default();
                ctx.error(
                    c,
                    ErrorClass::InvalidNumber,
                    format!("({name}): Invalid garp_master_refresh '{s}' - ignoring"),
                )
                .accepted("0..4294967295");
            }
            None => {
                ctx.arg(c, 0);
            }
        },
        kw @ ("garp_master_repeat" | "garp_lower_prio_repeat" | "garp_master_refresh_repeat") => {
            let Some(n) = ctx.unsigned(c, 0, 0, u32::MAX) else {
                return;
            };
            let n = if n == 0 && kw != "garp_lower_prio_repeat" {
                ctx.invalid(
                    c,
                    format!("({name}): {kw} must be greater than 0, setting to 1"),
                )
                .accepted("1..4294967295");
                1
            } else {
                n
            };
            match kw {
                "garp_master_repeat" => v.garp.master_repeat = Some(n),
                "garp_lower_prio_repeat" => v.garp.lower_prio_repeat = Some(n),
                _ => v.garp.master_refresh_repeat = Some(n),
            }
        }
        "garp_extra_if" | "vmac_garp_intvl" => {
            if c.keyword == "vmac_garp_intvl" {
                ctx.invalid(
                    c,
                    "Keyword \"vmac_garp_intvl\" is deprecated - please use \"garp_extra_if\"",
                )
                .class(ErrorClass::Deprecated);
            }
            let all = c.arg(0) == Some("all");
            let i = usize::from(all);
            if let Some(n) = ctx.unsigned(c, i, 0, 86400) {
                v.garp.extra_if = Some((Duration::from_secs(u64::from(n)), all));
            }
        }
        "down_timer_adverts" => {
            if let Some(n) = ctx.unsigned(c, 0, 1, 100) {
                v.down_timer_adverts = n as u8;
            }
        }
        "lower_prio_no_advert" => {
            v.lower_prio_no_advert = opt_bool(c, ctx, |s| {
                format!("({name}) invalid lower_prio_no_advert {s} specified")
            });
        }
        "higher_prio_send_advert" => {
            v.higher_prio_send_advert = opt_bool(c, ctx, |s| {
                format!("({name}) invalid higher_prio_send_advert {s} specified")
            });
        }
        "kernel_rx_buf_size" => {
            v.kernel_rx_buf_size = ctx.unsigned(c, 0, 0, u32::MAX);
        }
        kw @ ("notify_master"
        | "notify_backup"
        | "notify_fault"
        | "notify_stop"
        | "notify"
        | "notify_master_rx_lower_pri") => {
            let slot = match kw {
                "notify_master" => &mut v.notify.master,
                "notify_backup" => &mut v.notify.backup,
                "notify_fault" => &mut v.notify.fault,
                "notify_stop" => &mut v.notify.stop,
                "notify" => &mut v.notify.notify,
                _ => &mut v.notify.master_rx_lower_pri,
            };
            if slot.is_some() {
                ctx.invalid(
                    c,
                    format!(
                        "({name}) {kw} script already specified - ignoring {}",
                        c.arg(0).unwrap_or_default()
                    ),
                );
                return;
            }
            *slot = notify_script(c, ctx);
        }
        "notify_deleted" => {
            let s = if c.args.is_empty() {
                None
            } else {
                notify_script(c, ctx)
            };
            v.notify.deleted = Some(s);
        }
        "notify_priority_changes" => {
            v.notify_priority_changes = opt_bool(c, ctx, |s| {
                format!("({name}) invalid notify_priority_changes {s} specified")
            });
        }
        "smtp_alert" => {
            v.smtp_alert = opt_bool(c, ctx, |s| {
                format!("({name}) invalid smtp_alert parameter {s}")
            });
        }
        "debug" => {
            if let Some(n) = ctx.unsigned(c, 0, 0, 4) {
                v.debug = n as u8;
            }
        }
        "linkbeat_use_polling" => {
            ctx.invalid(
                c,
                format!("({name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block"),
            )
            .class(ErrorClass::Deprecated);
            v.linkbeat_use_polling = true;
        }
        "lvs_sync_daemon_interface" => {
            ctx.invalid(
                c,
                format!("({name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated. Please use global lvs_sync_daemon"),
            )
            .class(ErrorClass::Deprecated);
            v.lvs_sync_daemon_interface = ctx.arg(c, 0).map(str::to_owned);
        }
        // keepalived 2.3.x options.
        "no_virtual_ipaddress" => v.no_virtual_ipaddress = true,
        "v3_checksum_as_v2" => {
            if let Some(b) = opt_bool(c, ctx, |s| {
                format!("({name}) invalid v3_checksum_as_v2 {s} specified")
            }) {
                v.v3_checksum_as_v2 = b;
            }
        }
        "owner_ignore_adverts" => {
            if let Some(b) = opt_bool(c, ctx, |s| {
                format!("({name}) invalid owner_ignore_adverts {s} specified")
            }) {
                v.owner_ignore_adverts = Some(b);
            }
        }
        "timer_expired_backup" | "thread_timer_expired" => {
            if c.keyword == "thread_timer_expired" {
                ctx.invalid(
                    c,
                    format!("({name}) thread_timer_expired - please replace with keyword 'timer_expired_backup'"),
                )
                .class(ErrorClass::Deprecated);
            }
            if c.arg(0).is_none() {
                v.highest_other_priority = Some(VRRP_PRIO_OWNER - 1);
            } else if let Some(n) = ctx.unsigned(c, 0, 1, u32::from(VRRP_PRIO_OWNER - 1)) {
                v.highest_other_priority = u8::try_from(n).ok();
            } else {
                ctx.invalid(
                    c,
                    format!("({name}) timer_expired_backup highest_other_priority not valid! must be between 1 & 254"),
                )
                .accepted("1..254");
            }
        }
        _ => ctx.unknown(c),
    }
}

/// A whole number of seconds (`garp_master_delay`, `garp_lower_prio_delay`).
fn secs(c: &Node, ctx: &mut Ctx<'_>) -> Option<Duration> {
    ctx.unsigned(c, 0, 0, u32::MAX)
        .map(|n| Duration::from_secs(u64::from(n)))
}

/// `ADDR [min_ttl N] [max_ttl N]`.
fn unicast_peer(
    line: &Node,
    ctx: &mut Ctx<'_>,
    name: &str,
    p: &mut Pending,
) -> Option<UnicastPeer> {
    let s = line.keyword.as_str();
    let Ok(addr) = s.parse::<IpAddr>() else {
        ctx.invalid(
            line,
            format!("Configuration error: VRRP instance[{name}] malformed unicast peer address[{s}]. Skipping..."),
        )
        .accepted("an IPv4 or IPv6 address");
        return None;
    };
    if !family_matches(p, &addr) {
        ctx.invalid(
            line,
            format!("Configuration error: VRRP instance[{name}] and unicast peer address[{s}] MUST be of the same family !!! Skipping..."),
        );
        return None;
    }
    let mut peer = UnicastPeer {
        addr,
        min_ttl: None,
        max_ttl: None,
    };
    let mut i = 0;
    while let Some(opt) = line.arg(i) {
        match opt {
            "min_ttl" | "max_ttl" => {
                let t = ctx.unsigned(line, i + 1, 0, 255).map(|n| n as u8);
                if opt == "min_ttl" {
                    peer.min_ttl = t;
                } else {
                    peer.max_ttl = t;
                }
                i += 2;
            }
            _ => {
                let msg = match line.arg(i + 1) {
                    None => format!("({name}) {opt} is missing a value"),
                    Some(_) => format!("({name}) unknown unicast peer option {opt}"),
                };
                ctx.invalid(line, msg).accepted("min_ttl N, max_ttl N");
                i += 1;
            }
        }
    }
    if let (Some(lo), Some(hi)) = (peer.min_ttl, peer.max_ttl) {
        if lo > hi {
            ctx.invalid(
                line,
                format!("({name}) min_ttl {lo} > max_ttl {hi} - all packets will be discarded"),
            );
        }
    }
    Some(peer)
}

/// `authentication { auth_type PASS|AH; auth_pass PASSWORD }`.
fn authentication(node: &Node, ctx: &mut Ctx<'_>, v: &mut VrrpInstance) {
    let Some(block) = ctx.block(node) else { return };
    let mut auth = v.authentication.take().unwrap_or(Authentication {
        auth_type: None,
        password: Vec::new(),
        loc: node.loc.clone(),
    });
    for c in block {
        match c.keyword.as_str() {
            "auth_type" => match ctx.arg(c, 0) {
                Some("PASS") => auth.auth_type = Some(AuthType::Pass),
                Some("AH") => auth.auth_type = Some(AuthType::Ah),
                Some(o) => {
                    ctx.invalid(c, format!("({}) unknown authentication type '{o}'", v.name))
                        .accepted("PASS|AH");
                }
                None => {}
            },
            "auth_pass" => {
                let Some(pw) = ctx.arg(c, 0) else { continue };
                let mut bytes = pw.as_bytes().to_vec();
                if bytes.len() > 8 {
                    ctx.invalid(c, "Truncating auth_pass to 8 characters")
                        .accepted("at most 8 characters");
                    bytes.truncate(8);
                }
                auth.password = bytes;
            }
            _ => ctx.unknown(c),
        }
    }
    v.authentication = Some(auth);
}

/// `use_ipvlan [NAME] [ADDR[/LEN]] [bridge|private|vepa]` (keepalived's
/// vrrp_ipvlan_handler, with its messages).
fn ipvlan(c: &Node, ctx: &mut Ctx<'_>, cfg: &Config, v: &mut VrrpInstance, p: &mut Pending) {
    let name = v.name.clone();
    if v.ipvlan.is_some() {
        ctx.invalid(c, format!("({name}) use_ipvlan already specified"));
        return;
    }
    let mut ip = Ipvlan::default();
    let mut had_mode = false;
    for a in &c.args {
        let mode = match a.as_str() {
            "bridge" => Some(IpvlanMode::Bridge),
            "private" => Some(IpvlanMode::Private),
            "vepa" => Some(IpvlanMode::Vepa),
            _ => None,
        };
        if let Some(m) = mode {
            if had_mode {
                ctx.invalid(
                    c,
                    format!("({name}) ipvlan type already specified - ignoring '{a}'"),
                );
            } else {
                ip.mode = m;
                had_mode = true;
            }
            continue;
        }
        if crate::parse::net::words::parse_prefix_str(a).is_some() {
            let Some(addr) = crate::parse::net::words::prefix(ctx, c, a) else {
                continue;
            };
            if ip.addr.is_some() {
                ctx.invalid(
                    c,
                    format!("({name}) ipvlan address already specified - ignoring '{a}'"),
                );
                continue;
            }
            if !family_matches(p, &addr.addr) {
                ctx.invalid(
                    c,
                    format!("({name}) ipvlan address[{a}] MUST match vrrp instance family !!! Skipping..."),
                );
                continue;
            }
            ip.addr = Some(addr);
            // keepalived also takes it as the source address.
            if v.src_ip.is_none() {
                v.src_ip = Some(addr.addr);
            }
            continue;
        }
        if ip.ifname.is_some() {
            ctx.invalid(
                c,
                format!("({name}) IPVLAN interface already specified - ignoring '{a}'"),
            );
            continue;
        }
        if a.len() >= 16 {
            ctx.invalid(
                c,
                format!("({name}) IPVLAN interface name '{a}' too long - ignoring"),
            );
            continue;
        }
        let other = cfg.vrrp.instances.iter().find(|o| {
            o.ipvlan.as_ref().and_then(|i| i.ifname.as_deref()) == Some(a.as_str())
                || o.vmac.as_ref().and_then(|m| m.ifname.as_deref()) == Some(a.as_str())
        });
        if let Some(o) = other {
            ctx.invalid(
                c,
                format!(
                    "({name}) VRRP instance {} is already using {a} - ignoring name",
                    o.name
                ),
            );
            continue;
        }
        ip.ifname = Some(a.clone());
    }
    v.ipvlan = Some(ip);
}

/// `vrf NAME` (keepalived's vrrp_vrf_handler): refused after `interface`, a second time,
/// on a loopback, and (warned about) when no such interface exists.
fn vrf(c: &Node, ctx: &mut Ctx<'_>, v: &mut VrrpInstance, dynamic: bool) {
    let Some(n) = ctx.arg(c, 0).map(str::to_owned) else {
        return;
    };
    let name = v.name.clone();
    if n.len() >= 16 {
        ctx.invalid(
            c,
            format!("({name}) VRF interface name '{n}' too long - ignoring"),
        );
    } else if v.interface.is_some() {
        ctx.invalid(
            c,
            format!("({name}) Cannot specify VRF interface and interface - ignoring"),
        );
    } else if let Some(old) = &v.vrf {
        ctx.invalid(
            c,
            format!("({name}) VRF interface already specified as '{old}' - ignoring"),
        );
    } else if n == "lo" {
        ctx.invalid(
            c,
            format!("({name}) cannot use a loopback interface ({n}) for VRF - ignoring"),
        );
    } else if !dynamic && !ctx.host.interface_exists(&n) {
        // keepalived keeps no VRF it cannot find (if_get_by_ifname without
        // dynamic_interfaces): the instance runs unbound.
        ctx.error(
            c,
            ErrorClass::BadInterface,
            format!("({name}) WARNING - VRF interface {n} doesn't exist"),
        );
    } else {
        v.vrf = Some(n);
    }
}

/// keepalived's address checks of an instance without `interface` (vrrp_complete_instance):
/// a VIP or eVIP without `dev` has nowhere to go and is removed.
fn no_interface_addresses(ctx: &mut Ctx<'_>, v: &mut VrrpInstance) {
    let name = v.name.clone();
    for (list, e) in [
        (&mut v.virtual_ipaddresses, ""),
        (&mut v.excluded_ipaddresses, "e"),
    ] {
        list.retain(|a| {
            if a.dev.is_some() {
                return true;
            }
            let full = if a.prefix.addr.is_ipv4() { 32 } else { 128 };
            let shown = if a.prefix.len == full {
                a.prefix.addr.to_string()
            } else {
                a.prefix.to_string()
            };
            ctx.error_at(
                Some(&a.loc),
                None,
                ErrorClass::General,
                format!("({name}): no interface for {e}vip {shown} - removing"),
            );
            false
        });
    }
}

/// A MAC address of 5 or 6 octets `xx:xx:xx:xx:xx[:xx]`.
fn parse_mac(s: &str) -> Option<Vec<u8>> {
    let parts: Vec<&str> = s.split(':').collect();
    if !(5..=6).contains(&parts.len()) {
        return None;
    }
    parts
        .iter()
        .map(|p| {
            if p.is_empty() || p.len() > 2 {
                None
            } else {
                u8::from_str_radix(p, 16).ok()
            }
        })
        .collect()
}

/// What keepalived settles at the end of the instance (`vrrp_complete_instance`), where the
/// answer does not depend on global_defs. keepalived's messages name no line; ours point
/// at the instance.
fn finish(ctx: &mut Ctx<'_>, v: &mut VrrpInstance, p: Pending) {
    let name = v.name.clone();
    v.family = p.family.unwrap_or(IpFamily::V4);
    v.priority = p.priority.unwrap_or(if v.state == InitialState::Master {
        VRRP_PRIO_OWNER
    } else {
        crate::model::VRRP_PRIO_DEFAULT
    });
    if p.vmac_xmit_base {
        if let Some(vm) = &mut v.vmac {
            vm.xmit_base = true;
        }
    }
    if v.unicast_configured && v.interface.is_none() && (v.vmac.is_some() || v.ipvlan.is_some()) {
        ctx.error_at(
            Some(&v.loc),
            None,
            ErrorClass::General,
            format!("({name}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac"),
        );
        v.vmac = None;
        v.ipvlan = None;
    }
    if v.interface.is_none() && v.unicast_configured {
        no_interface_addresses(ctx, v);
    }
    if v.ipvlan.as_ref().is_some_and(|i| i.addr.is_none()) && v.family == IpFamily::V4 {
        ctx.error_at(
            Some(&v.loc),
            None,
            ErrorClass::General,
            format!("({name}) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state"),
        );
    }
    if v.vrf.is_some() && (v.interface.is_some() || !v.is_unicast()) {
        let why = if v.interface.is_some() {
            "out interface"
        } else {
            " unicast"
        };
        ctx.error_at(
            Some(&v.loc),
            None,
            ErrorClass::General,
            format!("({name}) vrf can only be specified with{why} - clearing"),
        );
        v.vrf = None;
    }
    if let Some(vm) = &mut v.vmac {
        if !v.unicast_peers.is_empty() && !vm.xmit_base {
            ctx.error_at(
                p.unicast_loc.as_ref(),
                Some("unicast_peer"),
                ErrorClass::General,
                format!("({name}) unicast with use_vmac requires vmac_xmit_base - setting"),
            );
            vm.xmit_base = true;
        }
    }
    let loc = v.loc.clone();
    let post = |ctx: &mut Ctx<'_>, msg: String| {
        ctx.error_at(Some(&loc), None, ErrorClass::General, msg);
    };
    let ah = v
        .authentication
        .as_ref()
        .is_some_and(|a| a.auth_type == Some(AuthType::Ah));
    if v.state == InitialState::Master && ah {
        post(
            ctx,
            format!(
                "({name}) Initial state master is incompatible with AH authentication - clearing"
            ),
        );
        v.state = InitialState::Backup;
    }
    if !v.preempt {
        if v.priority == VRRP_PRIO_OWNER {
            post(
                ctx,
                format!(
                    "({name}) nopreempt is incompatible with priority 255. resetting nopreempt"
                ),
            );
            v.preempt = true;
        } else if v.state == InitialState::Master {
            post(ctx, format!("({name}) Warning - nopreempt will not work with initial state MASTER - clearing"));
            v.preempt = true;
        }
    }
    if !v.preempt_delay.is_zero() && v.state == InitialState::Master {
        post(ctx, format!("({name}) Warning - preempt delay will not work with initial state MASTER - clearing"));
        v.preempt_delay = Duration::ZERO;
    }
}

#[cfg(test)]
mod tests {
    use super::parse_mac;

    #[test]
    fn macs_of_five_or_six_octets_parse() {
        assert_eq!(parse_mac("02:00:00:00:00:01"), Some(vec![2, 0, 0, 0, 0, 1]));
        assert_eq!(parse_mac("02:00:00:00:01"), Some(vec![2, 0, 0, 0, 1]));
        assert_eq!(parse_mac("vrrp.5"), None);
        assert_eq!(parse_mac("02:00:00:00:00:00:00"), None);
    }
}
