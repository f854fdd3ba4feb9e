//! KEEPALIVED-MIB's vrrpRuleTable (`.2.8`), as keepalived 2.2.7's vrrp_snmp_rule serves it:
//! static rules as instance 0, then each instance's virtual rules; a column whose option the
//! rule does not set is skipped for that row.

use keepalived_agentx::Value;
use keepalived_conf::model::{Rule, RuleAction};

use super::keepalived_mib::{addr_octets, addr_type, truth, vrrp_oid};
use super::mib::Mib;

/// A rule as the table shows it.
#[derive(Debug, Clone)]
pub(crate) struct RuleView {
    pub rule: Rule,
    /// Installed.
    pub set: bool,
}

/// keepalived's priority for a rule without one.
const DEFAULT_PRIORITY: u32 = 16384;

/// The FR_ACT_* number and the table (FR_ACT_TO_TBL only).
fn action(r: &Rule) -> (u32, Option<u32>) {
    match r.action {
        Some(RuleAction::Table(t)) => (1, Some(t)),
        Some(RuleAction::L3mdev) => (1, Some(0)),
        Some(RuleAction::Goto(_)) => (2, None),
        Some(RuleAction::Nop) => (3, None),
        Some(RuleAction::Blackhole) => (6, None),
        Some(RuleAction::Unreachable) => (7, None),
        Some(RuleAction::Prohibit) => (8, None),
        None => (0, None),
    }
}

/// The rows of instance `owner` (0: the static rules).
pub(crate) fn rows(m: &mut Mib, owner: u32, rules: &[RuleView]) {
    let o = vrrp_oid();
    for (n, rv) in rules.iter().enumerate() {
        let idx = [owner, n as u32 + 1];
        let col = |c: u32| o.child(&[8, 1, c]).child(&idx);
        let r = &rv.rule;
        let direction = match (r.to.is_some(), r.from.is_some()) {
            (true, true) => "both",
            (true, false) => "to",
            (false, true) => "from",
            (false, false) => "",
        };
        m.set(col(2), Value::string(direction));
        if let Some(a) = r.to.or(r.from) {
            m.set(col(3), addr_type(a.addr));
            m.set(col(4), addr_octets(a.addr));
            m.set(col(5), Value::Gauge32(u32::from(a.len)));
        }
        let (act, table) = action(r);
        if let Some(t) = table {
            m.set(col(6), Value::Gauge32(t));
        }
        m.set(col(7), truth(rv.set));
        m.set(col(8), truth(r.invert));
        for (base, a) in [(9, r.to), (12, r.from)] {
            if let Some(a) = a {
                m.set(col(base), addr_type(a.addr));
                m.set(col(base + 1), addr_octets(a.addr));
                m.set(col(base + 2), Value::Gauge32(u32::from(a.len)));
            }
        }
        m.set(col(15), Value::Gauge32(u32::from(r.tos.unwrap_or(0))));
        if let Some((mark, mask)) = r.fwmark {
            m.set(col(16), Value::Gauge32(mark));
            if let Some(mask) = mask {
                m.set(col(17), Value::Gauge32(mask));
            }
        }
        if let Some((from, to)) = r.realms {
            if from != 0 || to != 0 {
                m.set(col(18), Value::Gauge32(u32::from(to)));
            }
            if from != 0 {
                m.set(col(19), Value::Gauge32(u32::from(from)));
            }
        }
        if let Some(i) = &r.iif {
            m.set(col(20), Value::string(i));
        }
        if let Some(i) = &r.oif {
            m.set(col(21), Value::string(i));
        }
        if let Some(RuleAction::Goto(t)) = r.action {
            m.set(col(22), Value::Gauge32(t));
        }
        m.set(col(23), Value::Integer(act as i32));
        if let Some(t) = table {
            m.set(col(24), Value::Gauge32(t));
        }
        m.set(
            col(25),
            Value::Gauge32(r.priority.unwrap_or(DEFAULT_PRIORITY)),
        );
        if let Some(p) = r.suppress_prefixlen {
            m.set(col(26), Value::Gauge32(p));
        }
        if let Some(g) = r.suppress_ifgroup {
            m.set(col(27), Value::string(&g.to_string()));
        }
        if let Some(u) = r.uidrange {
            m.set(col(30), Value::Gauge32(u.start));
            m.set(col(31), Value::Gauge32(u.end));
        }
        if r.action == Some(RuleAction::L3mdev) {
            m.set(col(32), Value::Integer(1));
        }
    }
}
