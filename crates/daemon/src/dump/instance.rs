//! One ` VRRP Instance = ...` block of `------< VRRP Topology >------`.

use std::net::IpAddr;

use super::fmt::{c_g, format_vip, reverse, timeval_with_date};
use super::model::{AuthDump, InstanceDump, NotifyScripts, TrackedDump, VrrpState};
use super::Lines;
use keepalived_vrrp::Version;

fn on_off(b: bool) -> &'static str {
    if b {
        "enabled"
    } else {
        "disabled"
    }
}

fn tf(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// Appends `   <Kind> state transition script = ...` lines in keepalived's order.
pub(super) fn notify_scripts(out: &mut Lines, s: &NotifyScripts, with_rx_lower: bool) {
    let mut list = vec![
        ("Backup", &s.backup),
        ("Master", &s.master),
        ("Fault", &s.fault),
        ("Stop", &s.stop),
        ("Generic", &s.generic),
    ];
    if with_rx_lower {
        list.push(("Master rx lower pri", &s.master_rx_lower_pri));
    }
    for (kind, script) in list {
        if let Some(sc) = script {
            out.line(format!(
                "   {kind} state transition script = {}, uid:gid {}:{}",
                sc.cmd, sc.uid, sc.gid
            ));
        }
    }
}

/// `     name weight N` (interfaces, scripts) or `     name, weight N` (files).
pub(super) fn tracked_lines(out: &mut Lines, header: &str, list: &[TrackedDump], comma: bool) {
    if list.is_empty() {
        return;
    }
    out.line(format!("   {header} :"));
    for t in list {
        out.line(format!(
            "     {}{} weight {}{}",
            t.name,
            if comma { "," } else { "" },
            t.weight,
            reverse(t.reverse)
        ));
    }
}

/// Formats `a` through keepalived's static buffer.
fn remember(last_addr: &mut String, a: &IpAddr) -> String {
    *last_addr = a.to_string();
    last_addr.clone()
}

/// Appends one instance. `last_addr` is keepalived's static `inet_sockaddrtos()` buffer:
/// an instance that never saw a master prints whatever address was formatted last.
pub(super) fn render_instance(out: &mut Lines, v: &InstanceDump, last_addr: &mut String) {
    out.line(format!(" VRRP Instance = {}", v.name));
    out.line(format!("   VRRP Version = {}", v.version.number()));
    if let Some(g) = &v.sync_group {
        out.line(format!("   Sync group = {g}"));
    }
    if v.native_ipv6 {
        out.line("   Using Native IPv6");
    }
    out.line(format!("   State = {}", v.state.as_str()));
    let backup = v.state == VrrpState::Backup;
    if backup {
        let master = match &v.master_address {
            Some(a) => remember(last_addr, a),
            None => last_addr.clone(),
        };
        out.line(format!("   Master router = {master}"));
        out.line(format!("   Master priority = {}", v.master_priority));
        if v.version == Version::V3 {
            out.line(format!(
                "   Master advert int = {:.2} sec",
                v.master_adver_int_us as f64 / 1_000_000.0
            ));
        }
    }
    if v.flags_set || v.unicast || v.unicast_configured_multicast || v.unicast_fault_no_peer {
        out.line("   Flags:");
        if v.unicast {
            out.line("     Using unicast");
        }
        if v.unicast_configured_multicast {
            out.line("     Unicast config option specified but using multicast");
        }
        if v.unicast_fault_no_peer {
            out.line("     If unicast go to fault state if no peers");
        }
    } else {
        out.line("   Flags: none");
    }
    out.line(format!("   Wantstate = {}", v.wantstate.as_str()));
    out.line(format!(
        "   Number of config faults = {}",
        v.num_config_faults
    ));
    out.line(format!(
        "   Number of interface and track script faults = {}",
        v.num_script_if_fault
    ));
    if v.duplicate_vrid {
        out.line("   Duplicate VRID");
    }
    out.line(format!(
        "   Number of track scripts init = {}",
        v.num_script_init
    ));
    out.line(format!(
        "   Last transition = {}",
        timeval_with_date(v.last_transition)
    ));
    match v.read_timeout {
        Some(t) => out.line(format!("   Read timeout = {}", timeval_with_date(t))),
        None => out.line("   Read timeout = DISABLED"),
    }
    out.line(format!(
        "   Master down timer = {} usecs",
        v.master_down_timer_us
    ));
    match &v.vmac {
        Some(m) => {
            out.line(format!(
                "   Use VMAC, i/f name {}, is_up = {}, xmit_base = {}",
                m.ifname,
                tf(m.is_up),
                tf(m.xmit_base)
            ));
            if v.use_vmac_addr {
                out.line("   Use VMAC for VIPs on other interfaces");
            }
            out.line(format!(
                "   Interface = {}, vmac on {}{}",
                v.interface,
                m.base_ifname,
                if m.xmit_base { ", xmit base i/f" } else { "" }
            ));
        }
        None => {
            if v.use_vmac_addr {
                out.line("   Use VMAC for VIPs on other interfaces");
            } else if let Some(i) = &v.ipvlan {
                out.line(format!(
                    "   Use IPVLAN, i/f {}, is_up = {}{}{}, type {}",
                    i.ifname,
                    tf(i.is_up),
                    if i.addr.is_some() {
                        ", i/f address = "
                    } else {
                        ""
                    },
                    i.addr.as_deref().unwrap_or(""),
                    i.mode
                ));
            }
            if let Some(i) = &v.ipvlan {
                out.line(format!(
                    "   Interface = {}, ipvlan on {}",
                    v.interface, i.base_ifname
                ));
            } else if v.interface.is_empty() {
                out.line("   Interface = not configured");
            } else {
                out.line(format!("   Interface = {}", v.interface));
            }
        }
    }
    if let Some(vrf) = &v.vrf {
        out.line(format!("   VRF = {vrf}"));
    }
    if v.dont_track_primary {
        out.line("   VRRP interface tracking disabled");
    }
    if v.skip_check_adv_addr {
        out.line("   Skip checking advert IP addresses");
    }
    if v.strict_mode {
        out.line("   Enforcing strict VRRP compliance");
    }
    let src = match &v.src_ip {
        Some(a) => remember(last_addr, a),
        None => "(none)".to_string(),
    };
    out.line(format!(
        "   Using src_ip = {src}{}",
        if v.src_ip_from_config {
            " (from configuration)"
        } else {
            ""
        }
    ));
    if !v.unicast {
        let group = remember(last_addr, &v.mcast_group);
        match v.mcast_ifindex {
            Some(i) => out.line(format!("   Multicast address {group}, ifindex {i}")),
            None => out.line(format!("   Multicast address {group}")),
        }
    }
    out.line(format!("   Gratuitous ARP delay = {}", v.garp_delay));
    out.line(format!("   Gratuitous ARP repeat = {}", v.garp_rep));
    out.line(format!("   Gratuitous ARP refresh = {}", v.garp_refresh));
    out.line(format!(
        "   Gratuitous ARP refresh repeat = {}",
        v.garp_refresh_rep
    ));
    out.line(format!(
        "   Gratuitous ARP lower priority delay = {}",
        v.garp_lower_prio_delay
    ));
    out.line(format!(
        "   Gratuitous ARP lower priority repeat = {}",
        v.garp_lower_prio_rep
    ));
    out.line(format!("   Down timer adverts = {}", v.down_timer_adverts));
    if let Some((all, secs, next)) = v.vmac_garp {
        let what = if all { "i/f" } else { "VMAC" };
        out.line(format!(
            "   Gratuitous ARP for each secondary {what} = {secs}"
        ));
        out.line(format!(
            "   Next gratuitous ARP for such secondary = {}",
            super::fmt::timeval_with_date_usec_last(next)
        ));
    }
    out.line(format!(
        "   Send advert after receive lower priority advert = {}",
        tf(!v.lower_prio_no_advert)
    ));
    out.line(format!(
        "   Send advert after receive higher priority advert = {}",
        tf(v.higher_prio_send_advert)
    ));
    out.line(format!("   Virtual Router ID = {}", v.vrid));
    out.line(format!("   Priority = {}", v.base_priority));
    out.line(format!("   Effective priority = {}", v.effective_priority));
    out.line(format!("   Total priority = {}", v.total_priority));
    if v.version == Version::V2 {
        out.line(format!(
            "   Advert interval = {} sec",
            v.adver_int_us / 1_000_000
        ));
    } else {
        out.line(format!(
            "   Advert interval = {} milli-sec",
            v.adver_int_us / 1000
        ));
    }
    if backup && v.version == Version::V3 {
        out.line(format!(
            "   Master advert interval = {} milli-sec",
            v.master_adver_int_us / 1000
        ));
    }
    out.line(format!("   Accept = {}", on_off(v.accept)));
    out.line(format!("   Preempt = {}", on_off(!v.nopreempt)));
    if v.preempt_delay_us != 0 {
        out.line(format!(
            "   Preempt delay = {} secs",
            c_g(v.preempt_delay_us as f64 / 1_000_000.0)
        ));
    }
    out.line(format!(
        "   Promote_secondaries = {}",
        on_off(v.promote_secondaries)
    ));
    match &v.auth {
        AuthDump::Pass(p) => {
            out.line("   Authentication type = SIMPLE_PASSWORD");
            out.line(format!("   Password = {p}"));
        }
        AuthDump::Ah(_) => out.line("   Authentication type = IPSEC_AH"),
        AuthDump::None if v.version == Version::V2 => out.line("   Authentication type = none"),
        AuthDump::None => {}
    }
    if v.kernel_rx_buf_size != 0 {
        out.line(format!(
            "   Kernel rx buffer size = {}",
            v.kernel_rx_buf_size
        ));
    }
    if v.debug != 0 {
        out.line(format!("   Debug level = {}", v.debug));
    }
    if !v.vips.is_empty() {
        out.line(format!("   Virtual IP ({}):", v.vips.len()));
        for vip in &v.vips {
            out.line(format!("     {}", format_vip(vip)));
        }
    }
    if !v.evips.is_empty() {
        out.line("   Virtual IP Excluded :");
        for vip in &v.evips {
            out.line(format!("     {}", format_vip(vip)));
        }
    }
    if !v.unicast_peers.is_empty() {
        out.line(format!("   Unicast TTL = {}", v.unicast_ttl));
        out.line(format!(
            "   Check unicast src : {}",
            if v.check_unicast_src { "yes" } else { "no" }
        ));
        out.line("   Unicast Peer :");
        for p in &v.unicast_peers {
            let a = remember(last_addr, &p.addr);
            out.line(format!(
                "     {a} min_ttl {} max_ttl {}",
                p.min_ttl, p.max_ttl
            ));
        }
        out.line(format!(
            "   Unicast checksum compatibility = {}",
            v.unicast_chksum_compat
        ));
    }
    match v.sockets {
        Some((i, o)) => out.line(format!("   fd_in {i}, fd_out {o}")),
        None => out.line("   No sockets allocated"),
    }
    if !v.vroutes.is_empty() {
        out.line("   Virtual Routes :");
        for r in &v.vroutes {
            out.line(format!("     {r}"));
        }
    }
    if !v.vrules.is_empty() {
        out.line("   Virtual Rules :");
        for r in &v.vrules {
            out.line(format!("     {r}"));
        }
    }
    tracked_lines(out, "Tracked interfaces", &v.track_interfaces, false);
    let scripts: Vec<TrackedDump> = v.track_scripts.iter().map(|s| s.tracked.clone()).collect();
    tracked_lines(out, "Tracked scripts", &scripts, false);
    tracked_lines(out, "Tracked files", &v.track_files, true);
    if !v.track_bfds.is_empty() {
        out.line("   Tracked BFDs :");
        for t in &v.track_bfds {
            out.line(format!(
                "     {}: weight {}{}",
                t.name,
                t.weight,
                reverse(t.reverse)
            ));
        }
    }
    out.line(format!(
        "   Using smtp notification = {}",
        if v.smtp_alert { "yes" } else { "no" }
    ));
    out.line(format!(
        "   Notify deleted = {}",
        if v.notify_deleted { "Deleted" } else { "Fault" }
    ));
    notify_scripts(out, &v.scripts, true);
    out.line(format!(
        "   Notify priority changes = {}",
        tf(v.notify_priority_changes)
    ));
}
