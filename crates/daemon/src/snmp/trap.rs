//! The notifications keepalived 2.2.7 sends on transitions (vrrp_snmp.c): the varbinds after
//! sysUpTime.0 (which the master agent adds), starting with snmpTrapOID.0. Their object
//! names carry no row index, exactly as keepalived sends them.

use std::net::IpAddr;

use keepalived_agentx::{Oid, Value, VarBind};

use super::keepalived_mib::{global_oid, vrrp_oid};
use super::rfc::{rfc2787_oid, rfc6527_oid};

/// snmpTrapOID.0.
pub(super) fn trap_oid(which: Oid) -> VarBind {
    VarBind {
        name: Oid::new(&[1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0]),
        value: Value::ObjectIdentifier(which),
    }
}

pub(super) fn vb(name: Oid, value: Value) -> VarBind {
    VarBind { name, value }
}

/// What an instance's notifications say.
#[derive(Debug, Clone)]
pub(crate) struct InstanceEvent {
    pub name: String,
    /// keepalived's trap state: 0 init, 1 backup, 2 master, 3 fault, 5 stop, 6 deleted.
    pub state: i32,
    /// The configured state: 1 backup, 2 master.
    pub initial_state: i32,
    pub router_id: String,
    /// For the RFC notifications (sent on MASTER only).
    pub version: keepalived_vrrp::Version,
    pub ipv6: bool,
    pub has_vips: bool,
    pub ifindex: u32,
    pub vrid: u8,
    pub source: IpAddr,
    pub master_reason: i32,
}

/// vrrpInstanceStateChange (KEEPALIVED-MIB .2.10.0.2).
pub(crate) fn instance_state_change(e: &InstanceEvent) -> Vec<VarBind> {
    let o = vrrp_oid();
    vec![
        trap_oid(o.child(&[10, 0, 2])),
        vb(o.child(&[3, 1, 2]), Value::string(&e.name)),
        vb(o.child(&[3, 1, 4]), Value::Integer(e.state)),
        vb(o.child(&[3, 1, 5]), Value::Integer(e.initial_state)),
        vb(global_oid().child(&[2, 0]), Value::string(&e.router_id)),
    ]
}

/// vrrpSyncGroupStateChange (KEEPALIVED-MIB .2.10.0.1).
pub(crate) fn group_state_change(name: &str, state: i32, router_id: &str) -> Vec<VarBind> {
    let o = vrrp_oid();
    vec![
        trap_oid(o.child(&[10, 0, 1])),
        vb(o.child(&[1, 1, 2]), Value::string(name)),
        vb(o.child(&[1, 1, 3]), Value::Integer(state)),
        vb(global_oid().child(&[2, 0]), Value::string(router_id)),
    ]
}

/// keepalived's suitable_for_rfc2787: VRRPv2 over IPv4, with VIPs.
fn suits_rfc2787(e: &InstanceEvent) -> bool {
    e.version == keepalived_vrrp::Version::V2 && !e.ipv6 && e.has_vips
}

/// The instance's row in RFC 6527's tables: interface, VRID, address type (1 IPv4, 2 IPv6).
fn rfc6527_row(e: &InstanceEvent) -> [u32; 3] {
    [e.ifindex, u32::from(e.vrid), if e.ipv6 { 2 } else { 1 }]
}

/// vrrpTrapNewMaster (RFC 2787): for VRRPv2 IPv4 instances with VIPs.
pub(crate) fn rfc2787_new_master(e: &InstanceEvent) -> Option<Vec<VarBind>> {
    let IpAddr::V4(src) = e.source else {
        return None;
    };
    if !suits_rfc2787(e) {
        return None;
    }
    let o = rfc2787_oid();
    Some(vec![
        trap_oid(o.child(&[0, 1])),
        vb(
            o.child(&[1, 3, 1, 7, e.ifindex, u32::from(e.vrid)]),
            Value::IpAddress(src.octets()),
        ),
    ])
}

/// vrrpv3NotifyNewMaster (RFC 6527): for instances with VIPs (VRRPv2 ones too).
pub(crate) fn rfc6527_new_master(e: &InstanceEvent) -> Option<Vec<VarBind>> {
    if !e.has_vips {
        return None;
    }
    let o = rfc6527_oid();
    let row = rfc6527_row(e);
    let src = match e.source {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    Some(vec![
        trap_oid(o.child(&[0, 1])),
        vb(
            o.child(&[1, 1, 1, 1, 3]).child(&row),
            Value::OctetString(src),
        ),
        vb(
            o.child(&[1, 2, 5, 1, 2]).child(&row),
            Value::Integer(e.master_reason),
        ),
    ])
}

/// vrrpTrapAuthFailure (RFC 2787), keepalived's vrrp_rfcv2_snmp_auth_err_trap: for VRRPv2
/// IPv4 instances with VIPs; the packet's source and the error type.
pub(crate) fn rfc2787_auth_failure(
    e: &InstanceEvent,
    src: IpAddr,
    kind: u8,
) -> Option<Vec<VarBind>> {
    let IpAddr::V4(src) = src else {
        return None;
    };
    if !suits_rfc2787(e) {
        return None;
    }
    let o = rfc2787_oid();
    let row = [e.ifindex, u32::from(e.vrid)];
    Some(vec![
        trap_oid(o.child(&[0, 2])),
        vb(o.child(&[1, 5]).child(&row), Value::IpAddress(src.octets())),
        vb(
            o.child(&[1, 6]).child(&row),
            Value::Integer(i32::from(kind)),
        ),
    ])
}

/// vrrpv3ProtoError (RFC 6527), keepalived's vrrp_rfcv3_snmp_proto_err_notify: for
/// instances with VIPs (VRRPv2 ones too, as Debian's build answers v3 for v2); the reason.
pub(crate) fn rfc6527_proto_error(e: &InstanceEvent, reason: u8) -> Option<Vec<VarBind>> {
    if !e.has_vips {
        return None;
    }
    let o = rfc6527_oid();
    let row = rfc6527_row(e);
    Some(vec![
        trap_oid(o.child(&[0, 2])),
        vb(
            o.child(&[1, 2, 5, 1, 6]).child(&row),
            Value::Integer(i32::from(reason)),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn event(version: keepalived_vrrp::Version, has_vips: bool) -> InstanceEvent {
        InstanceEvent {
            name: "VI_1".into(),
            state: 2,
            initial_state: 1,
            router_id: "r".into(),
            version,
            ipv6: false,
            has_vips,
            ifindex: 7,
            vrid: 51,
            source: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            master_reason: 3,
        }
    }

    #[test]
    fn auth_failure_and_proto_error_carry_keepalived_varbinds() {
        use keepalived_vrrp::Version::{V2, V3};
        let src = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9));
        let v2 = rfc2787_oid();
        assert_eq!(
            rfc2787_auth_failure(&event(V2, true), src, 3),
            Some(vec![
                trap_oid(v2.child(&[0, 2])),
                vb(v2.child(&[1, 5, 7, 51]), Value::IpAddress([10, 0, 0, 9])),
                vb(v2.child(&[1, 6, 7, 51]), Value::Integer(3)),
            ])
        );
        // RFC 2787 knows VRRPv2 over IPv4 with VIPs only.
        assert!(rfc2787_auth_failure(&event(V3, true), src, 3).is_none());
        assert!(rfc2787_auth_failure(&event(V2, false), src, 3).is_none());
        let v3 = rfc6527_oid();
        assert_eq!(
            rfc6527_proto_error(&event(V2, true), 2),
            Some(vec![
                trap_oid(v3.child(&[0, 2])),
                vb(v3.child(&[1, 2, 5, 1, 6, 7, 51, 1]), Value::Integer(2)),
            ])
        );
        assert!(rfc6527_proto_error(&event(V3, false), 2).is_none());
    }
}
