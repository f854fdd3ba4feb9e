//! The sections after the topology: socket pool, sync groups, scripts, track files,
//! interfaces.

use super::fmt::{format_mac, reverse, timeval_with_date_usec_last};
use super::instance::{notify_scripts, tracked_lines};
use super::model::{InterfaceDump, ScriptDump, ScriptInitState, Snapshot, TrackedDump};
use super::Lines;

fn tracking_instances(out: &mut Lines, list: &[TrackedDump]) {
    for t in list {
        out.line(format!(
            "     {}, weight {}{}",
            t.name,
            t.weight,
            reverse(t.reverse)
        ));
    }
}

/// `------< VRRP Sockpool >------`.
pub(super) fn sockpool(out: &mut Lines, snap: &Snapshot) {
    if snap.sockets.is_empty() {
        return;
    }
    out.line("------< VRRP Sockpool >------");
    for s in &snap.sockets {
        out.line(format!(" fd_in {} fd_out = {}", s.fd_in, s.fd_out));
        // keepalived 2.2.7 and 2.3.4 dereference the missing interface of a socket without
        // one (a crash); ours says so as the instance's line does.
        if s.interface.is_empty() {
            out.line("   Interface = not configured");
        } else {
            out.line(format!("   Interface = {}", s.interface));
        }
        if let Some(vrf) = &s.vrf {
            out.line(format!("   VRF = {vrf}"));
        }
        out.line(format!(
            "   Family = {}",
            if s.ipv6 { "IPv6" } else { "IPv4" }
        ));
        out.line(format!(
            "   Protocol = {}",
            if s.ah { "AH" } else { "VRRP" }
        ));
        out.line(format!(
            "   Type = {}icast",
            if s.unicast_src.is_some() {
                "Un"
            } else {
                "Mult"
            }
        ));
        if let Some(a) = &s.unicast_src {
            out.line(format!("   Address = {a}"));
        }
        out.line(format!("   Rx buf size = {}", s.rx_buf_size));
        out.line("   VRRP instances");
        for (name, vrid) in &s.instances {
            out.line(format!("     {name} vrid {vrid}"));
        }
    }
}

/// `------< VRRP Sync groups >------`.
pub(super) fn sync_groups(out: &mut Lines, snap: &Snapshot) {
    if snap.sync_groups.is_empty() {
        return;
    }
    out.line("------< VRRP Sync groups >------");
    for g in &snap.sync_groups {
        out.line(format!(
            " VRRP Sync Group = {}, {}",
            g.name,
            g.state.as_str()
        ));
        out.line(format!(
            "   Num member fault {}, num member init {}",
            g.num_member_fault, g.num_member_init
        ));
        out.line("   VRRP member instances :");
        for m in &g.members {
            out.line(format!("     {m}"));
        }
        if g.sgroup_tracking_weight {
            out.line("   sync group tracking weight set");
        }
        out.line(format!(
            "   Using smtp notification = {}",
            if g.smtp_alert { "yes" } else { "no" }
        ));
        tracked_lines(out, "Tracked interfaces", &g.track_interfaces, false);
        tracked_lines(out, "Tracked scripts", &g.track_scripts, false);
        tracked_lines(out, "Tracked files", &g.track_files, true);
        notify_scripts(out, &g.scripts, false);
    }
}

fn script(out: &mut Lines, s: &ScriptDump) {
    out.line(format!(" VRRP Script = {}", s.name));
    out.line(format!("   Command = {}", s.cmd));
    out.line(format!("   Interval = {} sec", s.interval));
    out.line(format!("   Timeout = {} sec", s.timeout));
    out.line(format!(
        "   Weight = {}{}",
        s.weight,
        reverse(s.weight_reverse)
    ));
    out.line(format!("   Rise = {}", s.rise));
    out.line(format!("   Fall = {}", s.fall));
    out.line(format!("   Result = {}", s.result));
    out.line(format!(
        "   Insecure = {}",
        if s.insecure { "yes" } else { "no" }
    ));
    let (init, status) = match s.init_state {
        ScriptInitState::Init => ("INIT", "INIT"),
        ScriptInitState::InitFailed => ("INIT/FAILED", "INIT/FAILED"),
        ScriptInitState::InitReload => ("INIT/RELOAD", "INIT/RELOAD"),
        ScriptInitState::Done => ("unknown", if s.result >= s.rise { "GOOD" } else { "BAD" }),
    };
    out.line(format!("   Init state = {init}"));
    out.line(format!("   Status = {status}"));
    out.line(format!("   Script uid:gid = {}:{}", s.uid, s.gid));
    out.line("   VRRP instances :");
    out.line("   Tracking instances :");
    tracking_instances(out, &s.tracking);
    out.line(format!(
        "   State = {}",
        if s.running { "running" } else { "idle" }
    ));
}

/// `------< VRRP Scripts >------` and `------< VRRP Track files >------`.
pub(super) fn scripts_and_files(out: &mut Lines, snap: &Snapshot) {
    if !snap.scripts.is_empty() {
        out.line("------< VRRP Scripts >------");
        for s in &snap.scripts {
            script(out, s);
        }
    }
    if !snap.track_files.is_empty() {
        out.line("------< VRRP Track files >------");
        for f in &snap.track_files {
            out.line(format!(" Track file = {}", f.name));
            out.line(format!("   File = {}", f.path));
            out.line(format!("   Status = {}", f.status));
            out.line(format!(
                "   Weight = {}{}",
                f.weight,
                reverse(f.weight_reverse)
            ));
            out.line("   Tracking instances :");
            tracking_instances(out, &f.tracking);
        }
    }
}

/// `------< VRRP Track BFDs >------` (keepalived's dump_vrrp_tracked_bfd).
pub(super) fn track_bfds(out: &mut Lines, snap: &Snapshot) {
    if snap.bfd.is_empty() {
        return;
    }
    out.line("------< VRRP Track BFDs >------");
    for b in &snap.bfd {
        out.line(format!(" VRRP Track BFD = {}", b.name));
        out.line(format!(
            "   Weight = {}{}",
            b.weight,
            reverse(b.weight_reverse)
        ));
        out.line(format!("   Bfd is {}", if b.up { "up" } else { "down" }));
        // keepalived prints its own header, then dump_tracking_obj_list's (only for a
        // non-empty list).
        out.line("   Tracking VRRP instances :");
        if !b.tracking.is_empty() {
            out.line("   Tracking instances :");
        }
        tracking_instances(out, &b.tracking);
    }
}

fn interface(out: &mut Lines, i: &InterfaceDump) {
    out.line(format!(" Name = {}", i.name));
    out.line(format!("   index = {}", i.index));
    out.line(format!(
        "   IPv4 address = {}",
        i.ipv4.map_or("(none)".to_string(), |a| a.to_string())
    ));
    out.line(format!(
        "   IPv6 address = {}",
        i.ipv6.map_or("(none)".to_string(), |a| a.to_string())
    ));
    if let Some(mac) = &i.mac {
        out.line(format!("   MAC = {}", format_mac(mac)));
    }
    if let Some(mac) = &i.mac_broadcast {
        out.line(format!("   MAC broadcast = {}", format_mac(mac)));
    }
    out.line(format!("   State = {}", i.state));
    out.line(format!("   Seen up = {}", u8::from(i.seen_up)));
    out.line(format!(
        "   Delayed state change running = {}",
        if i.delayed_state_change {
            "true"
        } else {
            "false"
        }
    ));
    out.line(format!("   Up debounce timer = {}us", i.up_debounce_us));
    out.line(format!("   Down debounce timer = {}us", i.down_debounce_us));
    if let Some(v) = &i.vmac {
        out.line(format!(
            "   VMAC type {}, underlying interface = {}, state = {}",
            v.mode, v.underlying, v.underlying_state
        ));
    }
    if i.created_by_us {
        out.line("   I/f created by keepalived");
    }
    out.line(format!("   MTU = {}", i.mtu));
    out.line(format!("   HW Type = {}", i.hw_type));
    out.line(format!(
        "   {}",
        i.linkbeat.as_deref().unwrap_or("NIC netlink status update")
    ));
    out.line(format!(
        "   Reset ARP config counter {}",
        i.reset_arp_config
    ));
    out.line(format!("   Original arp_ignore {}", i.arp_ignore));
    out.line(format!("   Original arp_filter {}", i.arp_filter));
    if let Some(rp) = i.rp_filter {
        out.line(format!("   rp_filter {rp}"));
    }
    out.line(format!(
        "   Original promote_secondaries {}",
        i.promote_secondaries
    ));
    out.line(format!(
        "   Reset promote_secondaries counter {}",
        i.reset_promote_secondaries
    ));
    if let Some(t) = i.ipv6_forwarding_checked {
        out.line(format!(
            "   Not IPv6 forwarding. Last checked {}",
            timeval_with_date_usec_last(t)
        ));
    }
    if !i.tracking.is_empty() {
        out.line("   Tracking VRRP instances :");
        tracking_instances(out, &i.tracking);
    }
}

/// `------< Interfaces >------`.
pub(super) fn interfaces(out: &mut Lines, snap: &Snapshot) {
    if snap.interfaces.is_empty() {
        return;
    }
    out.line("------< Interfaces >------");
    for i in &snap.interfaces {
        interface(out, i);
    }
}
