//! KEEPALIVED-MIB (keepalived's doc/KEEPALIVED-MIB.txt, 1.3.6.1.4.1.9586.100.5): the global
//! group (`.1`) and the VRRP group (`.2`) as keepalived 2.2.7's vrrp_snmp.c and snmp.c
//! serve them: the same indexes, types and values, and the same gaps (a column whose value
//! a row lacks skips that row).

use std::net::IpAddr;

use keepalived_agentx::{Oid, Value};
use keepalived_conf::model::{GlobalDefs, LvsFlushOnStop};

use super::mib::Mib;
use super::view::{notify_exec, AddressView, ScriptsView, TrackedView, View};
use crate::dump::VrrpState;

/// keepalived's enterprise subtree: 1.3.6.1.4.1.9586.100.5.
pub(crate) const KEEPALIVED: [u32; 9] = [1, 3, 6, 1, 4, 1, 9586, 100, 5];

/// The global group (`.1`).
pub(crate) fn global_oid() -> Oid {
    Oid::new(&KEEPALIVED).child(&[1])
}

/// The VRRP group (`.2`).
pub(crate) fn vrrp_oid() -> Oid {
    Oid::new(&KEEPALIVED).child(&[2])
}

/// The version string keepalived serves (its `version_string`): ours speaks for the
/// keepalived release it is compatible with.
pub(crate) const VERSION: &str = "Keepalived v2.2.7 (01/16,2022)";

/// SNMP_TruthValue: 1 true, 2 false.
pub(crate) fn truth(b: bool) -> Value {
    Value::Integer(if b { 1 } else { 2 })
}

fn tri(v: Option<bool>) -> Value {
    Value::Integer(match v {
        None => 3,
        Some(true) => 1,
        Some(false) => 2,
    })
}

pub(crate) fn addr_octets(a: IpAddr) -> Value {
    match a {
        IpAddr::V4(v) => Value::OctetString(v.octets().to_vec()),
        IpAddr::V6(v) => Value::OctetString(v.octets().to_vec()),
    }
}

/// SNMP_InetAddressType: 1 ipv4, 2 ipv6.
pub(crate) fn addr_type(a: IpAddr) -> Value {
    Value::Integer(if a.is_ipv4() { 1 } else { 2 })
}

/// keepalived's vrrp_snmp_state.
pub(crate) fn state(s: VrrpState) -> Value {
    Value::Integer(match s {
        VrrpState::Init => 0,
        VrrpState::Backup => 1,
        VrrpState::Master => 2,
        VrrpState::Fault => 3,
    })
}

/// snmp_scope: Linux scope -> InetScopeType.
fn scope(s: u8) -> Value {
    Value::Integer(match s {
        0 => 14,
        254 => 1,
        253 => 2,
        200 => 5,
        _ => 0,
    })
}

fn gauge(v: u64) -> Value {
    Value::Gauge32(u32::try_from(v).unwrap_or(u32::MAX))
}

/// The global group (`.1`), served by the VRRP process unless the checker process serves it
/// (keepalived's vrrp_handles_global_oid).
pub(crate) fn global(m: &mut Mib, g: &GlobalDefs, router_id: &str) {
    let o = global_oid();
    m.set(o.child(&[1, 0]), Value::string(VERSION));
    m.set(o.child(&[2, 0]), Value::string(router_id));
    let smtp: Option<IpAddr> = g.smtp_server.as_ref().and_then(|s| s.host.parse().ok());
    // keepalived's unset smtp_server has family 0: "ipv6" with four zero octets.
    m.set(
        o.child(&[3, 1, 0]),
        Value::Integer(if matches!(smtp, Some(IpAddr::V4(_))) {
            1
        } else {
            2
        }),
    );
    m.set(
        o.child(&[3, 2, 0]),
        match smtp {
            Some(a) => addr_octets(a),
            None => Value::OctetString(vec![0; 4]),
        },
    );
    // keepalived defaults the timeout (30 s) and the sender (user@host) only when there is
    // an smtp_server; without one an unset timeout reads 0 and the sender is absent.
    let default_timeout = std::time::Duration::from_secs(30);
    let timeout = if g.smtp_server.is_some() || g.smtp_connect_timeout != default_timeout {
        g.smtp_connect_timeout.as_secs()
    } else {
        0
    };
    m.set(o.child(&[3, 3, 0]), gauge(timeout));
    let from = g.notification_email_from.clone().or_else(|| {
        g.smtp_server.as_ref().map(|_| {
            format!(
                "{}@{}",
                crate::smtp::message::user_name(),
                crate::smtp::message::local_name()
            )
        })
    });
    if let Some(from) = from {
        m.set(o.child(&[3, 4, 0]), Value::string(&from));
    }
    for (n, e) in g.notification_email.iter().enumerate() {
        m.set(o.child(&[3, 5, 1, 2, n as u32 + 1]), Value::string(e));
    }
    let port = match (&g.smtp_server, smtp) {
        (Some(s), Some(_)) => s.port,
        _ => 0,
    };
    m.set(o.child(&[3, 6, 0]), Value::Gauge32(u32::from(port)));
    m.set(o.child(&[3, 7, 0]), truth(!g.no_email_faults));
    m.set(o.child(&[3, 8, 0]), tri(g.smtp_alert));
    m.set(o.child(&[3, 9, 0]), tri(g.smtp_alert_vrrp));
    m.set(o.child(&[3, 10, 0]), tri(g.smtp_alert_checker));
    m.set(o.child(&[4, 0]), truth(g.enable_traps));
    m.set(
        o.child(&[5, 0]),
        Value::Integer(if g.linkbeat_use_polling { 2 } else { 1 }),
    );
    m.set(o.child(&[6, 0]), truth(g.lvs_flush));
    m.set(o.child(&[7, 0]), Value::Integer(1));
    m.set(
        o.child(&[8, 0]),
        Value::string(g.net_namespace.as_deref().unwrap_or("")),
    );
    m.set(o.child(&[9, 0]), truth(g.enable_dbus));
    m.set(o.child(&[10, 0]), truth(g.dynamic_interfaces));
    m.set(
        o.child(&[11, 0]),
        Value::Integer(match g.lvs_flush_on_stop {
            Some(LvsFlushOnStop::All) => 1,
            Some(LvsFlushOnStop::VirtualServers) => 3,
            None => 2,
        }),
    );
}

fn scripts_columns(m: &mut Mib, col: impl Fn(u32) -> Oid, s: &ScriptsView, cols: [u32; 5]) {
    let [master, backup, fault, stop, generic] = cols;
    for (c, v) in [
        (master, &s.master),
        (backup, &s.backup),
        (fault, &s.fault),
        (stop, &s.stop),
        (generic, &s.generic),
    ] {
        if let Some(cmd) = v {
            m.set(col(c), Value::string(cmd));
        }
    }
}

/// A tracked-object table whose columns 2, 3, 4 are name, weight, reverse, indexed by
/// (owner, position).
fn tracked_rows(m: &mut Mib, entry: Oid, owner: u32, list: &[TrackedView]) {
    for (ti, t) in list.iter().enumerate() {
        let row = [owner, ti as u32 + 1];
        m.set(entry.child(&[2]).child(&row), Value::string(&t.name));
        m.set(entry.child(&[3]).child(&row), Value::Integer(t.weight));
        m.set(entry.child(&[4]).child(&row), truth(t.reverse));
    }
}

fn address_row(m: &mut Mib, row: &[u32], a: &AddressView, advertised: bool) {
    let base = vrrp_oid().child(&[6, 1]);
    let col = |c: u32| base.child(&[c]).child(row);
    m.set(col(2), addr_type(a.addr));
    m.set(col(3), addr_octets(a.addr));
    if a.addr.is_ipv4() {
        m.set(col(4), Value::OctetString(a.broadcast.octets().to_vec()));
    }
    m.set(col(5), Value::Gauge32(u32::from(a.prefix)));
    m.set(col(6), scope(a.scope));
    m.set(
        col(7),
        Value::Integer(i32::try_from(a.ifindex).unwrap_or(0)),
    );
    m.set(col(8), Value::string(&a.ifname));
    if let Some(l) = &a.label {
        m.set(col(9), Value::string(l));
    }
    m.set(col(10), truth(a.set));
    m.set(col(11), truth(advertised));
    if let Some(p) = a.peer {
        m.set(col(12), addr_octets(p));
    }
}

/// The VRRP group (`.2`).
pub(crate) fn vrrp(m: &mut Mib, v: &View) {
    let o = vrrp_oid();
    // vrrpSyncGroupTable (.1) and vrrpSyncGroupMemberTable (.2).
    for (gi, g) in v.groups.iter().enumerate() {
        let gidx = gi as u32 + 1;
        let col = |c: u32| o.child(&[1, 1, c, gidx]);
        m.set(col(2), Value::string(&g.name));
        m.set(col(3), state(g.state));
        m.set(col(4), truth(g.smtp_alert));
        m.set(col(5), truth(notify_exec(&g.scripts)));
        scripts_columns(m, col, &g.scripts, [6, 7, 8, 11, 9]);
        m.set(col(10), truth(g.tracking_weight));
        // syncGroupTrackedInterfaceTable (.14), ...ScriptTable (.15), ...FileTable (.16).
        for (ti, t) in g.track_interfaces.iter().enumerate() {
            let row = [gidx, ti as u32 + 1];
            m.set(o.child(&[14, 1, 1]).child(&row), Value::string(&t.name));
            m.set(o.child(&[14, 1, 2]).child(&row), Value::Integer(t.weight));
            m.set(o.child(&[14, 1, 3]).child(&row), truth(t.reverse));
        }
        // ...BfdTable (.19), ...ProcessTable (.22).
        for (table, list) in [
            (15, &g.track_scripts),
            (16, &g.track_files),
            (19, &g.track_bfds),
            (22, &g.track_processes),
        ] {
            tracked_rows(m, o.child(&[table, 1]), gidx, list);
        }
        for (mi, name) in g.members.iter().enumerate() {
            m.set(
                o.child(&[2, 1, 2, gidx, mi as u32 + 1]),
                Value::string(name),
            );
        }
    }
    // vrrpInstanceTable (.3) and its per-instance tables.
    for (ii, i) in v.instances.iter().enumerate() {
        let idx = ii as u32 + 1;
        let col = |c: u32| o.child(&[3, 1, c, idx]);
        m.set(col(2), Value::string(&i.name));
        m.set(col(3), Value::Gauge32(u32::from(i.vrid)));
        m.set(col(4), state(i.state));
        m.set(col(5), Value::Integer(if i.initial_master { 2 } else { 1 }));
        m.set(col(6), state(i.wantstate));
        m.set(col(7), Value::Integer(i32::from(i.base_priority)));
        m.set(col(8), Value::Integer(i32::from(i.effective_priority)));
        m.set(col(9), truth(i.vipset));
        if let Some(ifname) = &i.ifname {
            m.set(col(10), Value::string(ifname));
        }
        m.set(col(11), truth(!i.track_interfaces.is_empty()));
        m.set(
            col(12),
            gauge(if i.version == keepalived_vrrp::Version::V2 {
                i.advert_int_cs / 100
            } else {
                i.advert_int_cs
            }),
        );
        m.set(col(13), truth(i.preempt));
        m.set(col(14), gauge(i.preempt_delay_s));
        m.set(col(15), Value::Integer(i32::from(i.auth_type)));
        m.set(col(16), truth(i.lvs_sync_interface.is_some()));
        if let Some(l) = &i.lvs_sync_interface {
            m.set(col(17), Value::string(l));
        }
        if let Some(sg) = &i.sync_group {
            m.set(col(18), Value::string(sg));
        }
        m.set(col(19), Value::Gauge32(i.garp_delay_s));
        m.set(col(20), truth(i.smtp_alert));
        m.set(col(21), truth(notify_exec(&i.scripts)));
        scripts_columns(m, col, &i.scripts, [22, 23, 24, 25, 26]);
        m.set(
            col(27),
            Value::Integer(if i.version == keepalived_vrrp::Version::V3 {
                if i.accept {
                    1
                } else {
                    2
                }
            } else {
                0
            }),
        );
        m.set(col(28), truth(i.promote_secondaries));
        m.set(col(29), truth(i.linkbeat_polling));
        m.set(col(30), Value::Integer(i32::from(i.version.number())));
        if let Some(s) = &i.scripts.master_rx_lower_pri {
            m.set(col(31), Value::string(s));
        }
        if let Some(s) = &i.scripts.deleted {
            m.set(col(32), Value::string(s));
        }
        m.set(col(33), truth(i.notify_deleted));
        if !i.unicast {
            m.set(col(34), addr_type(i.mcast_group));
            m.set(col(35), addr_octets(i.mcast_group));
        }
        // vrrpTrackedInterfaceTable (.4), vrrpTrackedScriptTable (.5),
        // vrrpTrackedFileTable (.12): indexed by instance and position.
        for (ti, t) in i.track_interfaces.iter().enumerate() {
            let row = [idx, ti as u32 + 1];
            m.set(o.child(&[4, 1, 1]).child(&row), Value::string(&t.name));
            m.set(o.child(&[4, 1, 2]).child(&row), Value::Integer(t.weight));
            m.set(o.child(&[4, 1, 3]).child(&row), truth(t.reverse));
        }
        // vrrpTrackedBfdTable (.17), vrrpTrackedProcessTable (.20).
        for (table, list) in [
            (5, &i.track_scripts),
            (12, &i.track_files),
            (17, &i.track_bfds),
            (20, &i.track_processes),
        ] {
            tracked_rows(m, o.child(&[table, 1]), idx, list);
        }
    }
    // vrrpAddressTable (.6): static addresses (instance 0), then each instance's VIPs and
    // eVIPs numbered together. keepalived's iterator sets "advertised" for the first
    // instance's VIPs only (it never sets it again after that instance's eVIPs): copied.
    for (n, a) in v.static_addresses.iter().enumerate() {
        address_row(m, &[0, n as u32 + 1], a, false);
    }
    for (ii, i) in v.instances.iter().enumerate() {
        let idx = ii as u32 + 1;
        for (n, a) in i.vips.iter().chain(&i.evips).enumerate() {
            let advertised = ii == 0 && n < i.vips.len();
            address_row(m, &[idx, n as u32 + 1], a, advertised);
        }
    }
    // vrrpRouteTable (.7) and vrrpRouteNextHopTable (.11): static routes as instance 0.
    super::routes::rows(m, 0, &v.static_routes);
    for (ii, i) in v.instances.iter().enumerate() {
        super::routes::rows(m, ii as u32 + 1, &i.routes);
    }
    // vrrpRuleTable (.8): static rules as instance 0.
    super::rules::rows(m, 0, &v.static_rules);
    for (ii, i) in v.instances.iter().enumerate() {
        super::rules::rows(m, ii as u32 + 1, &i.rules);
    }
    // vrrpScriptTable (.9) and vrrpFileTable (.13).
    for (n, s) in v.scripts.iter().enumerate() {
        let col = |c: u32| o.child(&[9, 1, c, n as u32 + 1]);
        m.set(col(2), Value::string(&s.name));
        m.set(col(3), Value::string(&s.command));
        m.set(
            col(4),
            Value::Integer(i32::try_from(s.interval_s).unwrap_or(i32::MAX)),
        );
        m.set(col(5), Value::Integer(s.weight));
        m.set(col(6), Value::Integer(s.result));
        m.set(col(7), Value::Gauge32(u32::try_from(s.rise).unwrap_or(0)));
        m.set(col(8), Value::Gauge32(u32::try_from(s.fall).unwrap_or(0)));
        m.set(col(9), truth(s.weight_reverse));
    }
    super::process_bfd::rows(m, &o, &v.bfds, &v.processes);
    for (n, f) in v.files.iter().enumerate() {
        let col = |c: u32| o.child(&[13, 1, c, n as u32 + 1]);
        m.set(col(2), Value::string(&f.name));
        m.set(col(3), Value::string(&f.path));
        m.set(col(4), Value::Integer(f.status));
        m.set(col(5), Value::Integer(f.weight));
        m.set(col(6), truth(f.weight_reverse));
    }
}
