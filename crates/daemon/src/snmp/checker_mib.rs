//! KEEPALIVED-MIB's checker group (`.3`) as keepalived 2.2.7's check_snmp.c serves it:
//! virtualServerGroupTable (`.1`), virtualServerGroupMemberTable (`.2`),
//! virtualServerTable (`.3`), realServerTable (`.4`), lvsSyncDaemon (`.6`) and lvsTimeouts
//! (`.7`), with keepalived's indexes, types and gaps (a column a row has no value for is
//! skipped for that row).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use keepalived_agentx::{Oid, Value};
use keepalived_check::{IpvsStats, RealServerState, VirtualServerState};
use keepalived_conf::model::{
    CheckTiming, Config, IpFamily, LbKind, Protocol, RealServer, Scheduler, TunnelCsum, TunnelType,
    VirtualServer, VsAddress, VsgEntry,
};

use super::keepalived_mib::{addr_octets, addr_type, truth, KEEPALIVED};
use super::mib::Mib;
use super::view::command;

/// The checker group (`.3`).
pub(crate) fn checker_oid() -> Oid {
    Oid::new(&KEEPALIVED).child(&[3])
}

fn secs(d: Option<Duration>) -> Value {
    Value::Gauge32(d.map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX)))
}

fn usecs(d: Option<Duration>) -> Value {
    Value::Gauge32(d.map_or(0, |d| u32::try_from(d.as_micros()).unwrap_or(u32::MAX)))
}

fn gauge(n: u64) -> Value {
    Value::Gauge32(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The 32-bit counters keepalived truncates its 64-bit IPVS counters to.
fn counter(n: u64) -> Value {
    Value::Counter32(n as u32)
}

fn forwarding(lb: LbKind) -> i32 {
    match lb {
        LbKind::Nat => 1,
        LbKind::Dr => 2,
        LbKind::Tun(_) => 3,
    }
}

/// The tunnel columns (type, gue port, checksum) of a TUN virtual or real server.
fn tunnel(m: &mut Mib, col: impl Fn(u32) -> Oid, lb: LbKind, cols: [u32; 3]) {
    let LbKind::Tun(t) = lb else {
        return;
    };
    let (kind, csum) = match t {
        TunnelType::Ipip => (1, None),
        TunnelType::Gue { port, csum } => {
            m.set(col(cols[1]), Value::Gauge32(u32::from(port)));
            (2, Some(csum))
        }
        TunnelType::Gre { csum } => (3, Some(csum)),
    };
    m.set(col(cols[0]), Value::Integer(kind));
    if let Some(c) = csum {
        let v = match c {
            TunnelCsum::NoCsum => 1,
            TunnelCsum::Csum => 2,
            TunnelCsum::RemCsum => 3,
        };
        m.set(col(cols[2]), Value::Integer(v));
    }
}

/// The IPVS statistics columns: conns, inpkts, outpkts, inbytes, outbytes, then the five
/// rates, then the 64-bit conns, inpkts, outpkts, then the rates' low and high halves.
/// keepalived's "low" columns return the wrong variable (its last Counter64's high word,
/// 0 below 2^32): copied as 0 here.
fn vs_stats(m: &mut Mib, col: impl Fn(u32) -> Oid, s: &IpvsStats, first: u32, wide: u32) {
    m.set(col(first), gauge(s.conns));
    m.set(col(first + 1), counter(s.inpkts));
    m.set(col(first + 2), counter(s.outpkts));
    m.set(col(first + 3), Value::Counter64(s.inbytes));
    m.set(col(first + 4), Value::Counter64(s.outbytes));
    for (i, r) in [s.cps, s.inpps, s.outpps, s.inbps, s.outbps]
        .iter()
        .enumerate()
    {
        m.set(col(first + 5 + i as u32), gauge(*r));
    }
    m.set(col(wide), Value::Counter64(s.conns));
    m.set(col(wide + 1), Value::Counter64(s.inpkts));
    m.set(col(wide + 2), Value::Counter64(s.outpkts));
    for (i, r) in [s.cps, s.inpps, s.outpps, s.inbps, s.outbps]
        .iter()
        .enumerate()
    {
        m.set(col(wide + 3 + 2 * i as u32), Value::Gauge32(0));
        m.set(
            col(wide + 4 + 2 * i as u32),
            Value::Gauge32((r >> 32) as u32),
        );
    }
}

fn sched_number(s: Option<Scheduler>) -> i32 {
    match s.unwrap_or(Scheduler::Wlc) {
        Scheduler::Rr => 1,
        Scheduler::Wrr => 2,
        Scheduler::Lc => 3,
        Scheduler::Wlc => 4,
        Scheduler::Lblc => 5,
        Scheduler::Lblcr => 6,
        Scheduler::Dh => 7,
        Scheduler::Sh => 8,
        Scheduler::Sed => 9,
        Scheduler::Nq => 10,
        Scheduler::Fo => 11,
        Scheduler::Ovf => 12,
        Scheduler::Mh => 13,
    }
}

/// virtualServerGroupTable and its member table: each group's fwmarks first, then its
/// addresses and ranges, numbered together (keepalived keeps them in two lists).
fn groups(m: &mut Mib, config: &Config) {
    let o = checker_oid();
    for (gi, g) in config.lvs.groups.iter().enumerate() {
        let gidx = gi as u32 + 1;
        m.set(o.child(&[1, 1, 2, gidx]), Value::string(&g.name));
        let marks = g
            .entries
            .iter()
            .filter(|e| matches!(e, VsgEntry::Fwmark(_)));
        let ranges = g
            .entries
            .iter()
            .filter(|e| matches!(e, VsgEntry::Range { .. }));
        for (n, e) in marks.chain(ranges).enumerate() {
            let col = |c: u32| o.child(&[2, 1, c, gidx, n as u32 + 1]);
            match *e {
                VsgEntry::Fwmark(mark) => {
                    m.set(col(2), Value::Integer(1));
                    m.set(col(3), Value::Gauge32(mark));
                }
                VsgEntry::Range { first, last, port } => {
                    m.set(col(2), Value::Integer(if first == last { 2 } else { 3 }));
                    m.set(col(4), addr_type(first));
                    if first == last {
                        m.set(col(5), addr_octets(first));
                    } else {
                        m.set(col(6), addr_octets(first));
                        m.set(col(7), addr_octets(last));
                    }
                    m.set(col(8), Value::Gauge32(u32::from(port)));
                }
            }
        }
    }
}

/// What keepalived knows of a virtual server's address: its family (`af`, IPv4 unless
/// the configuration says otherwise) and whether it has an address of its own (fwmark and
/// group services have none, so both granularity columns show).
fn family(vs: &VirtualServer, config: &Config) -> (bool, Option<bool>) {
    let configured = vs.ip_family.map(|f| matches!(f, IpFamily::V6));
    match &vs.address {
        VsAddress::Socket(s) => (s.is_ipv6(), Some(s.is_ipv6())),
        VsAddress::Fwmark(_) => (configured.unwrap_or(false), None),
        VsAddress::Group(name) => {
            let first = config
                .lvs
                .groups
                .iter()
                .find(|g| &g.name == name)
                .and_then(|g| {
                    g.entries.iter().find_map(|e| match e {
                        VsgEntry::Range { first, .. } => Some(first.is_ipv6()),
                        VsgEntry::Fwmark(_) => None,
                    })
                });
            (first.or(configured).unwrap_or(false), None)
        }
    }
}

/// persistence_granularity as keepalived stores it (a u32: an IPv4 mask in network order,
/// an IPv6 prefix length, 0xffffffff unset): its bytes as in memory, and its value.
fn granularity(g: Option<IpAddr>) -> ([u8; 4], u32) {
    match g {
        Some(IpAddr::V4(mask)) => (mask.octets(), u32::from_le_bytes(mask.octets())),
        Some(IpAddr::V6(mask)) => {
            let len = u128::from(mask).count_ones();
            (len.to_le_bytes(), len)
        }
        None => ([0xff; 4], u32::MAX),
    }
}

fn virtual_server(
    m: &mut Mib,
    idx: u32,
    vs: &VirtualServer,
    state: &VirtualServerState,
    stats: &IpvsStats,
    config: &Config,
) {
    let o = checker_oid();
    let col = |c: u32| o.child(&[3, 1, c, idx]);
    let fwmark = matches!(vs.address, VsAddress::Fwmark(_));
    m.set(
        col(2),
        Value::Integer(match vs.address {
            VsAddress::Group(_) => 3,
            VsAddress::Fwmark(_) => 1,
            VsAddress::Socket(_) => 2,
        }),
    );
    if let VsAddress::Group(g) = &vs.address {
        m.set(col(3), Value::string(g));
    }
    if let VsAddress::Fwmark(mark) = vs.address {
        m.set(col(4), Value::Gauge32(mark));
    }
    let (v6, own) = family(vs, config);
    m.set(col(5), Value::Integer(if v6 { 2 } else { 1 }));
    if let VsAddress::Socket(s) = vs.address {
        m.set(col(6), addr_octets(s.ip()));
        m.set(col(7), Value::Gauge32(u32::from(s.port())));
    }
    if !fwmark {
        let proto = if keepalived_check::names::is_fwmark(vs, config) {
            4
        } else {
            match vs.protocol.unwrap_or(Protocol::Udp) {
                Protocol::Tcp => 1,
                Protocol::Udp => 2,
                Protocol::Sctp => 3,
            }
        };
        m.set(col(8), Value::Integer(proto));
    }
    m.set(col(9), Value::Integer(sched_number(vs.scheduler)));
    let lb = vs.lb_kind.unwrap_or(LbKind::Nat);
    m.set(col(10), Value::Integer(forwarding(lb)));
    m.set(col(11), truth(true));
    if let Some(h) = &vs.virtualhost {
        m.set(col(12), Value::string(h));
    }
    let persist = vs.persistence_timeout.unwrap_or(0);
    m.set(col(13), truth(persist != 0));
    if persist != 0 {
        m.set(col(14), Value::Gauge32(persist));
    }
    let (gbytes, gvalue) = granularity(vs.persistence_granularity);
    if own != Some(true) {
        m.set(col(15), Value::OctetString(gbytes.to_vec()));
    }
    if own != Some(false) {
        m.set(col(51), Value::Gauge32(gvalue));
    }
    let delay_loop = vs.delay_loop();
    m.set(col(16), secs(Some(delay_loop)));
    m.set(col(17), truth(vs.ha_suspend && !config.lvs.uses_fwmark(vs)));
    m.set(col(37), truth(vs.ops));
    m.set(col(18), truth(vs.timing.alpha.unwrap_or(false)));
    m.set(col(19), truth(vs.omega));
    m.set(col(20), gauge(state.rs.len() as u64));
    m.set(
        col(21),
        gauge(state.rs.iter().filter(|r| r.alive).count() as u64),
    );
    m.set(col(22), gauge(state.quorum.max(0) as u64));
    m.set(col(23), truth(state.quorum_state_up));
    if let Some(s) = &vs.quorum_up {
        m.set(col(24), Value::string(&command(s)));
    }
    if let Some(s) = &vs.quorum_down {
        m.set(col(25), Value::string(&command(s)));
    }
    m.set(col(26), Value::Gauge32(vs.hysteresis));
    vs_stats(m, col, stats, 27, 38);
    let f = vs.sched_flags;
    m.set(col(52), truth(false));
    m.set(col(53), truth(f.flag1));
    m.set(col(54), truth(f.flag2));
    m.set(col(55), truth(f.flag3));
    m.set(col(62), truth(f.flag1));
    m.set(col(63), truth(f.flag2));
    m.set(col(56), truth(!vs.inhibit_on_failure));
    let t = &vs.timing;
    m.set(col(57), Value::Gauge32(t.retry.unwrap_or(0)));
    m.set(col(58), secs(t.delay_before_retry));
    m.set(col(59), secs(t.warmup));
    m.set(
        col(60),
        Value::Integer(i32::try_from(vs.weight).unwrap_or(i32::MAX)),
    );
    let g = &config.global;
    let smtp = vs
        .smtp_alert
        .or(g.smtp_alert_checker)
        .or(g.smtp_alert)
        .unwrap_or(false);
    m.set(col(61), truth(smtp));
    m.set(col(64), usecs(Some(delay_loop)));
    m.set(col(65), usecs(t.delay_before_retry));
    m.set(col(66), usecs(t.warmup));
    m.set(
        col(67),
        usecs(Some(t.connect_timeout.unwrap_or(Duration::from_secs(5)))),
    );
    tunnel(m, col, lb, [68, 69, 70]);
    if let Some(n) = &vs.snmp_name {
        m.set(col(71), Value::string(n));
    }
}

/// A real server's timing as keepalived resolves it: its own, else its virtual server's.
fn inherited(rs: &CheckTiming, vs: &CheckTiming) -> CheckTiming {
    CheckTiming {
        connect_timeout: rs.connect_timeout.or(vs.connect_timeout),
        retry: rs.retry.or(vs.retry),
        delay_before_retry: rs.delay_before_retry.or(vs.delay_before_retry),
        warmup: rs.warmup.or(vs.warmup),
        delay_loop: rs.delay_loop.or(vs.delay_loop),
        alpha: rs.alpha.or(vs.alpha),
    }
}

/// One row of the realServerTable: the sorry server (`conf` None) or a real server.
#[allow(clippy::too_many_arguments)]
fn real_server(
    m: &mut Mib,
    row: [u32; 2],
    addr: SocketAddr,
    state: Option<&RealServerState>,
    conf: Option<&RealServer>,
    vs: &VirtualServer,
    lb: LbKind,
    stats: &IpvsStats,
) {
    let o = checker_oid();
    let col = |c: u32| o.child(&[4, 1, c]).child(&row);
    m.set(col(2), truth(conf.is_some()));
    m.set(col(3), addr_type(addr.ip()));
    m.set(col(4), addr_octets(addr.ip()));
    m.set(col(5), Value::Gauge32(u32::from(addr.port())));
    if let (Some(c), Some(s)) = (conf, state) {
        m.set(col(6), truth(s.alive));
        m.set(
            col(7),
            Value::Integer(keepalived_check::pool::real_weight(s.effective_weight) as i32),
        );
        if c.uthreshold != 0 {
            m.set(col(8), Value::Gauge32(c.uthreshold));
        }
        if c.lthreshold != 0 {
            m.set(col(9), Value::Gauge32(c.lthreshold));
        }
        m.set(col(10), truth(!s.inhibit));
        if let Some(sc) = &c.notify_up {
            m.set(col(11), Value::string(&command(sc)));
        }
        if let Some(sc) = &c.notify_down {
            m.set(col(12), Value::string(&command(sc)));
        }
        m.set(col(13), Value::Gauge32(s.num_failed));
    }
    m.set(col(14), gauge(stats.conns));
    m.set(col(15), gauge(stats.active_conns));
    m.set(col(16), gauge(stats.inactive_conns));
    m.set(col(17), gauge(stats.persistent_conns));
    stats_rs(m, &col, stats);
    m.set(col(40), Value::Integer(forwarding(lb)));
    if let Some(h) = conf.and_then(|c| c.virtualhost.as_ref()) {
        m.set(col(41), Value::string(h));
    }
    // The sorry server has no timing of its own and inherits none.
    let t = conf.map_or_else(CheckTiming::default, |c| inherited(&c.timing, &vs.timing));
    let delay_loop = conf.map(|_| t.delay_loop.unwrap_or(vs.delay_loop()));
    let connect = conf.map(|_| t.connect_timeout.unwrap_or(Duration::from_secs(5)));
    m.set(col(42), truth(t.alpha.unwrap_or(false)));
    m.set(col(43), Value::Gauge32(t.retry.unwrap_or(0)));
    m.set(col(44), secs(t.delay_before_retry));
    m.set(col(45), secs(t.warmup));
    m.set(col(46), secs(delay_loop));
    m.set(
        col(47),
        truth(state.is_some_and(|s| s.smtp_alert) && conf.is_some()),
    );
    m.set(col(48), usecs(t.delay_before_retry));
    m.set(col(49), usecs(t.warmup));
    m.set(col(50), usecs(delay_loop));
    m.set(col(51), usecs(connect));
    tunnel(m, col, lb, [52, 53, 54]);
    if let Some(n) = conf.and_then(|c| c.snmp_name.as_ref()) {
        m.set(col(55), Value::string(n));
    }
}

/// A real server's packet and byte counters and rates (columns 18-39).
fn stats_rs(m: &mut Mib, col: &impl Fn(u32) -> Oid, s: &IpvsStats) {
    m.set(col(18), counter(s.inpkts));
    m.set(col(19), counter(s.outpkts));
    m.set(col(20), Value::Counter64(s.inbytes));
    m.set(col(21), Value::Counter64(s.outbytes));
    for (i, r) in [s.cps, s.inpps, s.outpps, s.inbps, s.outbps]
        .iter()
        .enumerate()
    {
        m.set(col(22 + i as u32), gauge(*r));
    }
    m.set(col(27), Value::Counter64(s.conns));
    m.set(col(28), Value::Counter64(s.inpkts));
    m.set(col(29), Value::Counter64(s.outpkts));
    for (i, r) in [s.cps, s.inpps, s.outpps, s.inbps, s.outbps]
        .iter()
        .enumerate()
    {
        m.set(col(30 + 2 * i as u32), Value::Gauge32(0));
        m.set(col(31 + 2 * i as u32), Value::Gauge32((r >> 32) as u32));
    }
}

/// The IPVS counters of each virtual server and of its sorry and real servers (same
/// order as the realServerTable rows); missing ones read 0.
#[derive(Debug, Clone, Default)]
pub(crate) struct Counters {
    pub vs: Vec<(IpvsStats, Vec<IpvsStats>)>,
}

/// The checker group, from the configuration and the checkers' current states.
pub(crate) fn checker(
    m: &mut Mib,
    config: &Config,
    vss: &[VirtualServerState],
    counters: &Counters,
) {
    groups(m, config);
    let none = (IpvsStats::default(), Vec::new());
    let zero = IpvsStats::default();
    for (vi, state) in vss.iter().enumerate() {
        let Some(vs) = config.lvs.virtual_servers.get(state.config_index) else {
            continue;
        };
        let idx = vi as u32 + 1;
        let (vstats, rstats) = counters.vs.get(vi).unwrap_or(&none);
        virtual_server(m, idx, vs, state, vstats, config);
        let lb = vs.lb_kind.unwrap_or(LbKind::Nat);
        let mut n = 0u32;
        if let Some(s) = &state.sorry {
            n += 1;
            let st = rstats.get(n as usize - 1).unwrap_or(&zero);
            let slb = vs.sorry_server_lb_kind.unwrap_or(lb);
            real_server(m, [idx, n], s.addr, None, None, vs, slb, st);
        }
        for (ri, r) in state.rs.iter().enumerate() {
            n += 1;
            let conf = vs.real_servers.get(ri);
            let st = rstats.get(n as usize - 1).unwrap_or(&zero);
            real_server(m, [idx, n], r.addr, Some(r), conf, vs, r.lb_kind, st);
        }
    }
    // lvsSyncDaemon (.6) and lvsTimeouts (.7).
    let o = checker_oid();
    let g = &config.global;
    m.set(o.child(&[6, 1, 0]), truth(g.lvs_sync_daemon.is_some()));
    if let Some(s) = &g.lvs_sync_daemon {
        m.set(o.child(&[6, 2, 0]), Value::string(&s.interface));
        if let Some(i) = &s.instance {
            m.set(o.child(&[6, 3, 0]), Value::string(i));
        }
        let n = |v: Option<i32>| Value::Integer(v.unwrap_or(0));
        m.set(o.child(&[6, 4, 0]), n(s.syncid.map(i32::from)));
        m.set(o.child(&[6, 5, 0]), n(s.maxlen.map(i32::from)));
        m.set(o.child(&[6, 6, 0]), n(s.port.map(i32::from)));
        m.set(o.child(&[6, 7, 0]), n(s.ttl.map(i32::from)));
        if let Some(a) = s.group {
            m.set(o.child(&[6, 8, 0]), addr_type(a));
            m.set(o.child(&[6, 9, 0]), addr_octets(a));
        }
    }
    let t = &g.lvs_timeouts;
    for (i, v) in [t.tcp, t.tcpfin, t.udp].iter().enumerate() {
        if let Some(v) = v.filter(|v| !v.is_zero()) {
            m.set(
                o.child(&[7, i as u32 + 1, 0]),
                Value::Integer(i32::try_from(v.as_secs()).unwrap_or(i32::MAX)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granularity_is_shown_as_keepalived_stores_it() {
        let v4: IpAddr = "255.255.255.0".parse().unwrap();
        assert_eq!(granularity(Some(v4)), ([255, 255, 255, 0], 0x00ff_ffff));
        let v6 = IpAddr::from(std::net::Ipv6Addr::from(u128::MAX << 64));
        assert_eq!(granularity(Some(v6)), ([64, 0, 0, 0], 64));
        assert_eq!(granularity(None), ([0xff; 4], u32::MAX));
    }

    #[test]
    fn rate_low_halves_read_zero_and_high_halves_the_top_word() {
        let mut m = Mib::default();
        let s = IpvsStats {
            cps: (3 << 32) | 5,
            ..Default::default()
        };
        vs_stats(&mut m, |c| Oid::new(&[c]), &s, 27, 38);
        assert_eq!(m.get(&Oid::new(&[32])).value, Value::Gauge32(u32::MAX));
        assert_eq!(m.get(&Oid::new(&[41])).value, Value::Gauge32(0));
        assert_eq!(m.get(&Oid::new(&[42])).value, Value::Gauge32(3));
    }
}
