//! VRRP-MIB (RFC 2787, mib-2.68, `enable_snmp_rfcv2`) and VRRPv3-MIB (RFC 6527, mib-2.207,
//! `enable_snmp_rfcv3`) as keepalived 2.2.7 serves them (vrrp_snmp.c).
//!
//! Two keepalived quirks are copied on purpose, since tools polling keepalived see them:
//! - RFC 2787's vrrpOperTable and vrrpRouterStatsTable answer only their first row: its
//!   row iterator tests `ifp ? IF_BASE_INDEX(ifp) : 0 < target[0]` (C precedence makes that
//!   "skip every instance with an interface" once an index is given), so a walk shows the
//!   lowest (ifIndex, VRID) row of each column and a Get of any row fails.
//! - keepalived is built with `_SNMP_REPLY_V3_FOR_V2_` (Debian's is): RFC 6527's tables list
//!   VRRPv2 instances too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::SystemTime;

use keepalived_agentx::{Oid, Value};

use super::keepalived_mib::{addr_octets, truth};
use super::mib::Mib;
use super::view::{InstanceView, View};
use crate::dump::VrrpState;

/// mib-2.68.
pub(crate) fn rfc2787_oid() -> Oid {
    Oid::new(&[1, 3, 6, 1, 2, 1, 68])
}

/// mib-2.207.
pub(crate) fn rfc6527_oid() -> Oid {
    Oid::new(&[1, 3, 6, 1, 2, 1, 207])
}

/// RFC 2787's instances: VRRPv2 over IPv4 with at least one VIP.
pub(crate) fn suitable_rfc2787(i: &InstanceView) -> bool {
    i.version == keepalived_vrrp::Version::V2 && !i.ipv6 && !i.vips.is_empty()
}

/// RFC 6527's instances: any with at least one VIP.
pub(crate) fn suitable_rfc6527(i: &InstanceView) -> bool {
    !i.vips.is_empty()
}

/// vrrp_snmp_rfc_state: initialize(1), backup(2), master(3); FAULT shows as initialize.
fn rfc_state(s: VrrpState) -> Value {
    Value::Integer(match s {
        VrrpState::Backup => 2,
        VrrpState::Master => 3,
        VrrpState::Init | VrrpState::Fault => 1,
    })
}

/// An interface's MAC address, as the RFC tables show it (empty when unknown).
pub(crate) fn mac_of(ifname: &str) -> Vec<u8> {
    std::fs::read_to_string(format!("/sys/class/net/{ifname}/address"))
        .ok()
        .map(|s| {
            s.trim()
                .split(':')
                .filter_map(|b| u8::from_str_radix(b, 16).ok())
                .collect()
        })
        .unwrap_or_default()
}

fn centis(d: std::time::Duration) -> Value {
    Value::TimeTicks(u32::try_from(d.as_millis() / 10).unwrap_or(u32::MAX))
}

fn c32(v: u64) -> Value {
    Value::Counter32(v as u32)
}

/// VRRP-MIB.
pub(crate) fn rfc2787(m: &mut Mib, v: &View) {
    let o = rfc2787_oid();
    m.set(o.child(&[1, 1, 0]), Value::Integer(2));
    m.set(o.child(&[1, 2, 0]), truth(v.global.enable_traps));
    let suitable: Vec<&InstanceView> = v.instances.iter().filter(|i| suitable_rfc2787(i)).collect();
    if let Some(i) = suitable.iter().min_by_key(|i| (i.ifindex, i.vrid)) {
        let row = [i.ifindex, u32::from(i.vrid)];
        let col = |c: u32| o.child(&[1, 3, 1, c]).child(&row);
        m.set_walk_only(col(2), Value::OctetString(mac_of(&i.link_name)));
        m.set_walk_only(col(3), rfc_state(i.state));
        m.set_walk_only(col(4), Value::Integer(1));
        m.set_walk_only(col(5), Value::Integer(i32::from(i.base_priority)));
        m.set_walk_only(col(6), Value::Integer(i.vips.len() as i32));
        let master = match i.master_address {
            Some(IpAddr::V4(a)) => a,
            _ => Ipv4Addr::UNSPECIFIED,
        };
        m.set_walk_only(col(7), Value::IpAddress(master.octets()));
        m.set_walk_only(
            col(8),
            Value::IpAddress(i.primary4.unwrap_or(Ipv4Addr::UNSPECIFIED).octets()),
        );
        m.set_walk_only(col(9), Value::Integer(i32::from(i.auth_type) + 1));
        m.set_walk_only(col(11), Value::Integer((i.advert_int_cs / 100) as i32));
        m.set_walk_only(col(12), truth(i.preempt));
        // keepalived: the instance's start (stats->uptime, set when it leaves INIT at
        // start-up) less the VRRP process's start, so about 0.
        m.set_walk_only(col(13), Value::TimeTicks(0));
        m.set_walk_only(col(14), Value::Integer(1));
        m.set_walk_only(col(15), Value::Integer(1));
        let s = &i.stats;
        let scol = |c: u32| o.child(&[2, 4, 1, c]).child(&row);
        for (c, val) in [
            (1, s.become_master),
            (2, s.advert_rcvd),
            (3, s.advert_interval_err),
            (4, s.auth_failure),
            (5, s.ip_ttl_err),
            (6, s.pri_zero_rcvd),
            (7, s.pri_zero_sent),
            (8, s.invalid_type_rcvd),
            (9, s.addr_list_err),
            (10, s.invalid_authtype),
            (11, s.authtype_mismatch),
            (12, s.packet_len_err),
        ] {
            m.set_walk_only(scol(c), c32(val));
        }
    }
    for i in &suitable {
        for vip in &i.vips {
            if let IpAddr::V4(a) = vip.addr {
                let mut name = vec![1, 4, 1, 2, i.ifindex, u32::from(i.vrid)];
                name.extend(a.octets().iter().map(|b| u32::from(*b)));
                m.set(o.child(&name), Value::Integer(1));
            }
        }
    }
    let sum = |f: fn(&InstanceView) -> u64| suitable.iter().map(|i| f(i)).sum::<u64>();
    m.set(o.child(&[2, 1, 0]), c32(sum(|i| i.chk_err)));
    m.set(o.child(&[2, 2, 0]), c32(sum(|i| i.vers_err)));
    m.set(o.child(&[2, 3, 0]), c32(sum(|i| i.vrid_err)));
}

fn family(i: &InstanceView) -> u32 {
    if i.ipv6 {
        2
    } else {
        1
    }
}

fn primary(i: &InstanceView) -> Value {
    if i.ipv6 {
        Value::OctetString(
            i.link_local
                .unwrap_or(Ipv6Addr::UNSPECIFIED)
                .octets()
                .to_vec(),
        )
    } else {
        Value::OctetString(
            i.primary4
                .unwrap_or(Ipv4Addr::UNSPECIFIED)
                .octets()
                .to_vec(),
        )
    }
}

/// VRRPv3-MIB.
pub(crate) fn rfc6527(m: &mut Mib, v: &View, now: SystemTime) {
    let o = rfc6527_oid();
    let suitable: Vec<&InstanceView> = v.instances.iter().filter(|i| suitable_rfc6527(i)).collect();
    for i in &suitable {
        let row = [i.ifindex, u32::from(i.vrid), family(i)];
        let col = |c: u32| o.child(&[1, 1, 1, 1, c]).child(&row);
        let master = if i.state == VrrpState::Master {
            primary(i)
        } else {
            match (i.master_address, i.ipv6) {
                (Some(a), _) => addr_octets(a),
                (None, false) => Value::OctetString(vec![0; 4]),
                (None, true) => Value::OctetString(vec![0; 16]),
            }
        };
        m.set(col(3), master);
        m.set(col(4), primary(i));
        m.set(col(5), Value::OctetString(mac_of(&i.link_name)));
        m.set(col(6), rfc_state(i.state));
        m.set(col(7), Value::Gauge32(u32::from(i.base_priority)));
        m.set(col(8), Value::Integer(i.vips.len() as i32));
        m.set(col(9), Value::Integer(i.advert_int_cs as i32));
        m.set(col(10), truth(i.preempt));
        m.set(col(11), truth(i.accept));
        // Since the instance started (keepalived's stats->uptime), while BACKUP or MASTER.
        let up = if i.up {
            now.duration_since(v.started)
                .map_or(Value::TimeTicks(0), centis)
        } else {
            Value::TimeTicks(0)
        };
        m.set(col(12), up);
        m.set(col(13), Value::Integer(1));
        for vip in &i.vips {
            let mut name = vec![1, 1, 2, 1, 2];
            name.extend_from_slice(&row);
            match vip.addr {
                IpAddr::V4(a) => name.extend(a.octets().iter().map(|b| u32::from(*b))),
                IpAddr::V6(a) => name.extend(a.octets().iter().map(|b| u32::from(*b))),
            }
            m.set(o.child(&name), Value::Integer(1));
        }
        let s = &i.stats;
        let scol = |c: u32| o.child(&[1, 2, 5, 1, c]).child(&row);
        m.set(scol(1), c32(s.become_master));
        m.set(scol(2), Value::Integer(i.master_reason));
        m.set(scol(3), Value::Counter64(s.advert_rcvd));
        m.set(scol(4), Value::Counter64(s.advert_interval_err));
        m.set(scol(5), Value::Counter64(s.ip_ttl_err));
        m.set(scol(6), Value::Integer(i.proto_err_reason));
        m.set(scol(7), Value::Counter64(s.pri_zero_rcvd));
        m.set(scol(8), Value::Counter64(s.pri_zero_sent));
        m.set(scol(9), Value::Counter64(s.invalid_type_rcvd));
        m.set(scol(10), Value::Counter64(s.addr_list_err));
        m.set(scol(11), Value::Counter64(s.packet_len_err));
        m.set(scol(12), Value::TimeTicks(0));
        m.set(
            scol(13),
            Value::Gauge32(u32::try_from(i.advert_int_cs * 10).unwrap_or(u32::MAX)),
        );
    }
    let sum = |f: fn(&InstanceView) -> u64| suitable.iter().map(|i| f(i)).sum::<u64>();
    m.set(o.child(&[1, 2, 1, 0]), Value::Counter64(sum(|i| i.chk_err)));
    m.set(
        o.child(&[1, 2, 2, 0]),
        Value::Counter64(sum(|i| i.vers_err)),
    );
    m.set(
        o.child(&[1, 2, 3, 0]),
        Value::Counter64(sum(|i| i.vrid_err)),
    );
    m.set(o.child(&[1, 2, 4, 0]), Value::TimeTicks(0));
}
