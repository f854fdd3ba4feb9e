//! A checker's effective settings: its own, else its real server's, else its virtual
//! server's, else keepalived's per-checker defaults.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use keepalived_conf::model::{
    CheckTiming, Checker, CheckerConn, CheckerKind, GlobalDefs, RealServer, VirtualServer,
};

/// keepalived's `BOOTSTRAP_DELAY`: the first check waits this long plus a random warmup.
pub const BOOTSTRAP_DELAY: Duration = Duration::from_secs(1);

/// Where and how a checker connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnSpec {
    /// `connect_ip`/`connect_port`, else the real server.
    pub dst: SocketAddr,
    /// `bindto` with `bind_port` (port 0 when `bind_port` is absent; the unspecified address when only `bind_port` is given).
    pub bind: Option<SocketAddr>,
    /// `bind_if`.
    pub bind_if: Option<String>,
    /// `fwmark` put on the packets (SO_MARK).
    pub fwmark: Option<u32>,
    /// `connect_timeout` (default 5s; 0 means 1s as in keepalived).
    pub timeout: Duration,
}

/// The timing of one checker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// `delay_loop`.
    pub delay_loop: Duration,
    /// `delay_before_retry`.
    pub delay_before_retry: Duration,
    /// `retry`.
    pub retry: u32,
    /// `warmup` (the first check starts after a random part of it).
    pub warmup: Duration,
    /// `alpha`: start down, a success is needed to come up.
    pub alpha: bool,
    /// `log_all_failures` (or global `checker_log_all_failures`).
    pub log_all_failures: bool,
}

fn pick<T: Copy>(f: impl Fn(&CheckTiming) -> Option<T>, levels: [&CheckTiming; 3]) -> Option<T> {
    levels.iter().find_map(|t| f(t))
}

/// The effective timing of `ck` on `rs` of `vs`, with keepalived's defaults: retry 1 (3
/// for DNS_CHECK, 0 for MISC_CHECK), delay_before_retry 1s (3s for HTTP_GET/SSL_GET, the
/// delay_loop for DNS_CHECK), warmup = delay_loop.
pub fn timing(ck: &Checker, rs: &RealServer, vs: &VirtualServer, global: &GlobalDefs) -> Timing {
    let levels = [&ck.timing, &rs.timing, &vs.timing];
    let delay_loop = pick(|t| t.delay_loop, levels).unwrap_or(Duration::from_secs(60));
    let default_retry = match ck.kind {
        CheckerKind::Dns(_) => 3,
        CheckerKind::Misc(_) => 0,
        _ => 1,
    };
    let default_dbr = match ck.kind {
        CheckerKind::Http(_) | CheckerKind::Ssl(_) => Duration::from_secs(3),
        CheckerKind::Dns(_) => delay_loop,
        _ => Duration::from_secs(1),
    };
    Timing {
        delay_loop,
        delay_before_retry: pick(|t| t.delay_before_retry, levels).unwrap_or(default_dbr),
        retry: pick(|t| t.retry, levels).unwrap_or(default_retry),
        warmup: pick(|t| t.warmup, levels).unwrap_or(delay_loop),
        alpha: pick(|t| t.alpha, levels).unwrap_or(false),
        log_all_failures: ck.log_all_failures.unwrap_or(false) || global.checker_log_all_failures,
    }
}

/// The connection settings of `conn` for a checker of `rs`.
pub fn conn_spec(
    conn: &CheckerConn,
    ck: &Checker,
    rs: &RealServer,
    vs: &VirtualServer,
) -> ConnSpec {
    let ip = conn.connect_ip.unwrap_or(rs.address.ip());
    let port = conn.connect_port.unwrap_or(rs.address.port());
    let levels = [&ck.timing, &rs.timing, &vs.timing];
    let timeout = (conn.connect_timeout)
        .or_else(|| pick(|t| t.connect_timeout, levels))
        .unwrap_or(Duration::from_secs(5));
    let bind = match (conn.bindto, conn.bind_port) {
        (Some(a), p) => Some(SocketAddr::new(a, p.unwrap_or(0))),
        (None, Some(p)) => Some(SocketAddr::new(unspecified(ip), p)),
        (None, None) => None,
    };
    ConnSpec {
        dst: SocketAddr::new(ip, port),
        bind,
        bind_if: conn.bind_if.clone(),
        fwmark: conn.fwmark,
        timeout: if timeout.is_zero() {
            Duration::from_secs(1)
        } else {
            timeout
        },
    }
}

fn unspecified(like: IpAddr) -> IpAddr {
    match like {
        IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
    }
}
