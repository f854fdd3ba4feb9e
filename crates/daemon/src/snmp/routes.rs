//! KEEPALIVED-MIB's vrrpRouteTable (`.2.7`), as keepalived 2.2.7's vrrp_snmp_route serves
//! it: static routes as instance 0, then each instance's virtual routes; a column whose
//! option the route does not set is skipped for that row. (vrrpRouteNextHopTable has no
//! rows: an instance with multipath routes does not start, see instance.rs.)

use keepalived_agentx::Value;
use keepalived_conf::model::{Route, RouteMetric, RoutePref, RouteType, Scope};

use super::keepalived_mib::{addr_octets, addr_type, truth, vrrp_oid};
use super::mib::Mib;

/// A route as the table shows it.
#[derive(Debug, Clone)]
pub(crate) struct RouteView {
    pub route: Route,
    /// Installed.
    pub set: bool,
    /// `dev`: (ifindex, name).
    pub oif: Option<(u32, String)>,
}

fn scope(s: Option<Scope>) -> Value {
    // snmp_scope of the Linux scope (keepalived's default is universe).
    Value::Integer(match s {
        None | Some(Scope::Global) => 14,
        Some(Scope::Host) => 1,
        Some(Scope::Link) => 2,
        Some(Scope::Site) => 5,
        Some(Scope::Nowhere) | Some(Scope::Other(_)) => 0,
    })
}

fn route_type(r: &Route) -> i32 {
    if !r.nexthops.is_empty() {
        return 2;
    }
    match r.route_type {
        RouteType::Blackhole => 3,
        RouteType::Anycast => 4,
        RouteType::Multicast => 5,
        RouteType::Broadcast => 6,
        RouteType::Unreachable => 7,
        RouteType::Prohibit => 8,
        RouteType::Throw => 9,
        RouteType::Nat => 10,
        _ => 1,
    }
}

fn metric(r: &Route, m: RouteMetric) -> Option<(u32, bool)> {
    r.metrics
        .iter()
        .find(|v| v.metric == m)
        .map(|v| (v.value, v.lock))
}

/// The rows of instance `owner` (0: the static routes).
pub(crate) fn rows(m: &mut Mib, owner: u32, routes: &[RouteView]) {
    let o = vrrp_oid();
    for (n, rv) in routes.iter().enumerate() {
        let idx = [owner, n as u32 + 1];
        let col = |c: u32| o.child(&[7, 1, c]).child(&idx);
        let r = &rv.route;
        let family = r
            .dst
            .map(|p| p.addr)
            .or(r.from.map(|p| p.addr))
            .or(r.src)
            .map_or(Value::Integer(1), addr_type);
        m.set(col(2), family);
        if let Some(d) = r.dst {
            m.set(col(3), addr_octets(d.addr));
            m.set(col(4), Value::Gauge32(u32::from(d.len)));
        }
        if let Some(v) = r.via {
            m.set(col(5), addr_octets(v));
        }
        if let [nh] = r.nexthops.as_slice() {
            if let Some(v) = nh.via {
                m.set(col(6), addr_octets(v));
            }
        }
        if let Some(s) = r.src {
            m.set(col(7), addr_octets(s));
        }
        m.set(col(8), Value::Gauge32(r.metric.unwrap_or(0)));
        m.set(col(9), scope(r.scope));
        m.set(col(10), Value::Integer(route_type(r)));
        if let Some((ifindex, name)) = &rv.oif {
            m.set(
                col(11),
                Value::Integer(i32::try_from(*ifindex).unwrap_or(0)),
            );
            m.set(col(12), Value::string(name));
        }
        m.set(col(13), Value::Gauge32(r.table.unwrap_or(254)));
        m.set(col(14), truth(rv.set));
        if let Some(f) = r.from {
            m.set(col(15), addr_octets(f.addr));
            m.set(col(16), Value::Gauge32(u32::from(f.len)));
        }
        if let Some(t) = r.tos {
            m.set(col(17), Value::Gauge32(u32::from(t)));
        }
        // keepalived installs its routes with protocol keepalived (18) unless told otherwise,
        // and resets a tracked route's (one with an interface) to 18.
        let tracked = rv.oif.is_some() && !r.no_track;
        let proto = if tracked {
            18
        } else {
            r.protocol.unwrap_or(18)
        };
        m.set(col(18), Value::Integer(i32::from(proto) + 1));
        m.set(col(19), truth(r.features_ecn));
        m.set(col(20), truth(metric(r, RouteMetric::Quickack).is_some()));
        if let Some(e) = r.expires {
            m.set(
                col(21),
                Value::Integer(i32::try_from(e).unwrap_or(i32::MAX)),
            );
        }
        // (column, lock column, metric); keepalived prints advmss when hoplimit is set.
        let locked = [
            (22, Some(23), RouteMetric::Mtu),
            (24, None, RouteMetric::Hoplimit),
            (27, Some(28), RouteMetric::Rtt),
            (29, Some(30), RouteMetric::RttVar),
            (31, Some(32), RouteMetric::Reordering),
            (33, None, RouteMetric::Window),
            (34, Some(35), RouteMetric::Cwnd),
            (36, Some(37), RouteMetric::Ssthresh),
            (38, Some(39), RouteMetric::RtoMin),
            (40, None, RouteMetric::Initcwnd),
            (41, None, RouteMetric::Initrwnd),
        ];
        for (c, lock, which) in locked {
            if let Some((v, l)) = metric(r, which) {
                m.set(col(c), Value::Gauge32(v));
                if let Some(lc) = lock {
                    m.set(col(lc), truth(l));
                }
            }
        }
        let advmss = metric(r, RouteMetric::Advmss);
        if metric(r, RouteMetric::Hoplimit).is_some() {
            m.set(col(25), Value::Gauge32(advmss.map_or(0, |(v, _)| v)));
        }
        if let Some((_, l)) = advmss {
            m.set(col(26), truth(l));
        }
        if let Some((name, _)) = &r.congctl {
            m.set(col(42), Value::string(name));
        }
        if let Some(p) = r.pref {
            let v = match p {
                RoutePref::Low => 1,
                RoutePref::Medium => 2,
                RoutePref::High => 3,
            };
            m.set(col(43), Value::Integer(v));
        }
        if let Some((from, to)) = r.realms {
            if from != 0 || to != 0 {
                m.set(col(44), Value::Gauge32(u32::from(to)));
            }
            if from != 0 {
                m.set(col(45), Value::Gauge32(u32::from(from)));
            }
        }
        if let Some((v, _)) = metric(r, RouteMetric::FastopenNoCookie) {
            m.set(col(55), truth(v != 0));
        }
    }
}
