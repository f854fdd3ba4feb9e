//! The checker process's notifications (keepalived 2.2.7's check_snmp_rs_trap and
//! check_snmp_quorum_trap): realServerStateChange (`.3.5.0.1`) and
//! virtualServerQuorumStateChange (`.3.5.0.2`), the varbinds without row indexes as
//! keepalived sends them.

use keepalived_agentx::{Value, VarBind};
use keepalived_check::CheckerTrap;
use keepalived_conf::model::{Protocol, VirtualServer, VsAddress};

use super::checker_mib::checker_oid;
use super::keepalived_mib::{addr_octets, addr_type, global_oid, truth};
use super::trap::{trap_oid, vb};

/// The varbinds of `t` about virtual server `vs`.
pub(crate) fn checker_trap(t: &CheckerTrap, vs: &VirtualServer, router_id: &str) -> Vec<VarBind> {
    let o = checker_oid();
    let mut v = vec![trap_oid(o.child(&[
        5,
        0,
        if t.rs.is_some() { 1 } else { 2 },
    ]))];
    if let Some((addr, alive)) = t.rs {
        v.push(vb(o.child(&[4, 1, 3]), addr_type(addr.ip())));
        v.push(vb(o.child(&[4, 1, 4]), addr_octets(addr.ip())));
        v.push(vb(
            o.child(&[4, 1, 5]),
            Value::Gauge32(u32::from(addr.port())),
        ));
        v.push(vb(o.child(&[4, 1, 6]), truth(alive)));
    }
    let kind = match vs.address {
        VsAddress::Group(_) => 3,
        VsAddress::Fwmark(_) => 1,
        VsAddress::Socket(_) => 2,
    };
    v.push(vb(o.child(&[3, 1, 2]), Value::Integer(kind)));
    match &vs.address {
        VsAddress::Group(g) => v.push(vb(o.child(&[3, 1, 3]), Value::string(g))),
        VsAddress::Fwmark(m) => v.push(vb(o.child(&[3, 1, 4]), Value::Gauge32(*m))),
        VsAddress::Socket(s) => {
            v.push(vb(o.child(&[3, 1, 5]), addr_type(s.ip())));
            v.push(vb(o.child(&[3, 1, 6]), addr_octets(s.ip())));
            v.push(vb(o.child(&[3, 1, 7]), Value::Gauge32(u32::from(s.port()))));
        }
    }
    // keepalived sends TruthValue(protocol == TCP) here: 1 TCP, 2 anything else.
    let tcp = !matches!(vs.address, VsAddress::Fwmark(_))
        && vs.protocol.unwrap_or(Protocol::Udp) == Protocol::Tcp;
    v.push(vb(o.child(&[3, 1, 8]), truth(tcp)));
    if t.rs.is_none() {
        v.push(vb(
            o.child(&[3, 1, 23]),
            Value::Integer(i32::from(t.quorum_status)),
        ));
        v.push(vb(
            o.child(&[3, 1, 22]),
            Value::Gauge32(u32::try_from(t.quorum.max(0)).unwrap_or(u32::MAX)),
        ));
    }
    v.push(vb(o.child(&[3, 1, 21]), Value::Gauge32(t.real_up)));
    v.push(vb(o.child(&[3, 1, 20]), Value::Gauge32(t.real_total)));
    v.push(vb(global_oid().child(&[2, 0]), Value::string(router_id)));
    v
}
