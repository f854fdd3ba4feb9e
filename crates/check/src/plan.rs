//! From the configuration to the core's [`Pool`] and one [`Probe`] per checker, the way
//! keepalived's check parser and `check_data` set them up (defaults, inheritance, skipped
//! checkers, virtual_server_group expansion).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use keepalived_conf::model::{
    Checker, CheckerKind, Config, HttpCheck, IpFamily, LbKind, RealServer, Scheduler,
    VirtualServer, VsAddress, VsgEntry,
};

use crate::ipvs::{Service, ServiceKey};
use crate::log::Logger;
use crate::names;
use crate::nft_ipvs::AutoFwmarks;
use crate::pool::{CheckerClass, CheckerState, Pool, RealServerState, VirtualServerState};
use crate::probe::http::{HttpSpec, UrlSpec};
use crate::probe::http_regex::RegexOptions;
use crate::probe::{dns_codec, file, smtp, tls, Probe};
use crate::script::ScriptUser;
use crate::settings::{conn_spec, timing};

/// The most addresses one virtual_server_group range expands to.
const MAX_RANGE: u128 = 65536;

/// Everything to run.
#[derive(Debug)]
pub struct Plan {
    /// The core, with the initial FILE_CHECK states applied.
    pub pool: Pool,
    /// The probe of each checker of the pool, same index.
    pub probes: Vec<Probe>,
    /// The tracked files' values read at start, per checker (FILE_CHECK only).
    pub initial_files: Vec<Option<i64>>,
}

/// Builds the plan for `config`, logging what keepalived logs about skipped parts (the
/// auto fwmarks of `nftables_ipvs` numbered afresh).
pub fn build(config: &Config, log: &Logger) -> Plan {
    build_with(config, &AutoFwmarks::assign(config, None), log)
}

/// [`build`] with the auto fwmarks `marks` (those a reload carried over).
pub fn build_with(config: &Config, marks: &AutoFwmarks, log: &Logger) -> Plan {
    let user = ScriptUser(config.global.script_user.clone());
    // keepalived loads the SSL block only for an SSL_GET (check_data->ssl_required).
    let tls = match tls::ssl_required(config).then(|| tls::client_config(config.lvs.ssl.as_ref())) {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            log.info(e.to_string());
            None
        }
    };
    let mut vss = Vec::new();
    let mut checkers = Vec::new();
    let mut probes = Vec::new();
    let mut initial_files = Vec::new();
    for (config_index, vs) in config.lvs.virtual_servers.iter().enumerate() {
        if vs.real_servers.is_empty() {
            continue;
        }
        let fwmark = names::is_fwmark(vs, config);
        let proto = names::vs_protocol(vs, fwmark);
        let vs_name = names::vs_name(vs, proto);
        let vsi = vss.len();
        let lb = vs.lb_kind.unwrap_or(LbKind::Nat);
        let mut rss = Vec::with_capacity(vs.real_servers.len());
        for (rsi, rs) in vs.real_servers.iter().enumerate() {
            let rs_name = names::trio(rs.address, proto);
            rss.push(RealServerState {
                addr: rs.address,
                name: rs_name.clone(),
                iweight: i64::from(rs.weight),
                effective_weight: i64::from(rs.weight),
                alive: false,
                set: false,
                inhibit: rs.inhibit_on_failure.unwrap_or(vs.inhibit_on_failure),
                num_failed: 0,
                lb_kind: rs.lb_kind.unwrap_or(lb),
                u_threshold: rs.uthreshold,
                l_threshold: rs.lthreshold,
                notify_up: rs.notify_up.clone(),
                notify_down: rs.notify_down.clone(),
                smtp_alert: rs
                    .smtp_alert
                    .or(config.global.smtp_alert_checker)
                    .or(config.global.smtp_alert)
                    .unwrap_or(true),
            });
            for (source, ck) in rs.checkers.iter().enumerate() {
                for (class, probe) in
                    checker(ck, rs, vs, config, &rs_name, &vs_name, &tls, &user, log)
                {
                    let mut state =
                        CheckerState::new(vsi, rsi, class, timing(ck, rs, vs, &config.global));
                    state.source = source;
                    state.conn = probe.conn().cloned();
                    let initial = match &probe {
                        Probe::File { path } => {
                            state.timing.alpha = false;
                            Some(file::read_value(path))
                        }
                        _ => None,
                    };
                    // ha_suspend's checkers are announced once the addresses are known
                    // (suspend.rs).
                    if !vs.ha_suspend {
                        log.info(format!(
                            "Activating healthchecker for service {rs_name} for VS {vs_name}"
                        ));
                    }
                    checkers.push(state);
                    probes.push(probe);
                    initial_files.push(initial);
                }
            }
        }
        let total: i64 = rss.iter().map(|r| r.iweight.max(0)).sum();
        let mut quorum = i64::from(vs.quorum);
        if quorum > total {
            log.info(format!(
                "Warning - quorum {quorum} for {vs_name} exceeds total weight of real servers {total}, reducing quorum to {total}"
            ));
            quorum = total;
        }
        let sorry = vs.sorry_server.map(|s| RealServerState {
            addr: s,
            name: names::trio(s, proto),
            iweight: 1,
            effective_weight: 1,
            alive: false,
            set: false,
            inhibit: vs.sorry_server_inhibit,
            num_failed: 0,
            lb_kind: vs.sorry_server_lb_kind.unwrap_or(lb),
            u_threshold: 0,
            l_threshold: 0,
            notify_up: None,
            notify_down: None,
            smtp_alert: false,
        });
        vss.push(VirtualServerState {
            config_index,
            name: vs_name,
            services: services(vs, config, proto, marks),
            quorum,
            hysteresis: i64::from(vs.hysteresis),
            quorum_state_up: false,
            quorum_up: vs.quorum_up.clone(),
            quorum_down: vs.quorum_down.clone(),
            omega: vs.omega,
            smtp_alert: vs
                .smtp_alert
                .or(config.global.smtp_alert_checker)
                .or(config.global.smtp_alert)
                .unwrap_or(false),
            rs: rss,
            sorry,
        });
    }
    // Resident for the whole run: no growth slack (a third of the vector at 20,000).
    checkers.shrink_to_fit();
    let mut pool = Pool::new(vss, checkers, log.clone());
    pool.rs_init_notifies = config.global.rs_init_notifies;
    pool.no_checker_emails = config.global.no_checker_emails;
    for (ck, v) in initial_files.iter().enumerate() {
        if let Some(v) = v {
            pool.file_initial(ck, *v);
        }
    }
    Plan {
        pool,
        probes,
        initial_files,
    }
}

/// The IPVS services of a virtual server (one per address of its group).
fn services(
    vs: &VirtualServer,
    config: &Config,
    proto: Option<keepalived_conf::model::Protocol>,
    marks: &AutoFwmarks,
) -> Vec<Service> {
    let ipv6 = vs.ip_family == Some(IpFamily::V6)
        || vs.real_servers.first().is_some_and(|r| r.address.is_ipv6());
    let protocol = proto.unwrap_or(keepalived_conf::model::Protocol::Udp);
    let mut keys = Vec::new();
    match &vs.address {
        // nftables_ipvs: one fwmark service per family of the group, IPv4 first
        // (keepalived's ipvs_cmd: srule.af is AF_INET when the group has IPv4, then the
        // AF_INET6 copy when it has both).
        VsAddress::Group(g) if marks.of(vs, config).is_some() => {
            let mark = marks.of(vs, config).unwrap_or_default();
            let (v4, v6) = crate::nft_ipvs::group_families(config, g);
            for (has, ipv6) in [(v4, false), (v6, true)] {
                if has {
                    keys.push(ServiceKey::Fwmark { mark, ipv6 });
                }
            }
        }
        VsAddress::Socket(a) => keys.push(ServiceKey::Addr { protocol, addr: *a }),
        VsAddress::Fwmark(m) => keys.push(ServiceKey::Fwmark { mark: *m, ipv6 }),
        VsAddress::Group(g) => {
            let entries = config
                .lvs
                .groups
                .iter()
                .filter(|x| &x.name == g)
                .flat_map(|x| &x.entries);
            for e in entries {
                match e {
                    VsgEntry::Fwmark(m) => keys.push(ServiceKey::Fwmark { mark: *m, ipv6 }),
                    VsgEntry::Range { first, last, port } => {
                        for ip in range(*first, *last) {
                            keys.push(ServiceKey::Addr {
                                protocol,
                                addr: SocketAddr::new(ip, *port),
                            });
                        }
                    }
                }
            }
        }
    }
    keys.into_iter()
        .map(|key| Service {
            key,
            scheduler: vs.scheduler.unwrap_or(Scheduler::Wlc),
            flags: vs.sched_flags,
            persistence_timeout: vs.persistence_timeout,
            persistence_granularity: vs.persistence_granularity,
            persistence_engine: vs.persistence_engine.clone(),
            ops: vs.ops,
        })
        .collect()
}

/// Addresses `first..=last` (at most [`MAX_RANGE`]).
pub fn range(first: IpAddr, last: IpAddr) -> Vec<IpAddr> {
    let (a, b) = match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b))),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b)),
        _ => return vec![first],
    };
    if b < a {
        return vec![first];
    }
    let end = b.min(a.saturating_add(MAX_RANGE - 1));
    (a..=end)
        .map(|n| match first {
            IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::from(n as u32)),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::from(n)),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn checker(
    ck: &Checker,
    rs: &RealServer,
    vs: &VirtualServer,
    config: &Config,
    chk: &str,
    vs_name: &str,
    tls: &Option<Arc<rustls::ClientConfig>>,
    user: &ScriptUser,
    log: &Logger,
) -> Vec<(CheckerClass, Probe)> {
    let conn = conn_spec(&ck.conn, ck, rs, vs);
    match &ck.kind {
        CheckerKind::Tcp => vec![(
            CheckerClass::Tcp,
            Probe::Tcp {
                conn,
                chk: chk.to_owned(),
            },
        )],
        CheckerKind::Http(h) => http(h, None, conn, rs, vs, log),
        CheckerKind::Ssl(h) => match tls {
            Some(t) => http(h, Some(t.clone()), conn, rs, vs, log),
            None => vec![],
        },
        CheckerKind::Smtp { helo_name, hosts } => {
            let helo = helo_name
                .clone()
                .or_else(|| config.global.smtp_helo_name.clone())
                .unwrap_or_else(|| smtp::DEFAULT_HELO.to_owned());
            let mut out = vec![(
                CheckerClass::Smtp,
                Probe::Smtp {
                    conn,
                    helo: helo.clone(),
                },
            )];
            for h in hosts {
                let conn = conn_spec(h, ck, rs, vs);
                out.push((
                    CheckerClass::Smtp,
                    Probe::Smtp {
                        conn,
                        helo: helo.clone(),
                    },
                ));
            }
            out
        }
        CheckerKind::Dns(d) => vec![(
            CheckerClass::Dns,
            Probe::Dns {
                conn,
                name: d.name.clone(),
                qtype: dns_codec::type_code(d.qtype),
            },
        )],
        CheckerKind::Udp(u) => vec![(
            CheckerClass::Udp,
            Probe::Udp {
                conn,
                cfg: u.clone(),
                chk: chk.to_owned(),
            },
        )],
        CheckerKind::Ping => vec![(
            CheckerClass::Ping,
            Probe::Ping {
                conn,
                chk: chk.to_owned(),
                vs: vs_name.to_owned(),
            },
        )],
        CheckerKind::Misc(m) => {
            let Some(script) = &m.script else {
                log.info("No script path has been specified for MISC_CHECKER - skipping");
                return vec![];
            };
            let t = timing(ck, rs, vs, &config.global);
            vec![(
                CheckerClass::Misc {
                    dynamic: m.dynamic,
                    path: script.path().to_owned(),
                },
                Probe::Misc {
                    script: script.clone(),
                    timeout: m.timeout.unwrap_or(t.delay_loop),
                    user: user.clone(),
                },
            )]
        }
        CheckerKind::File(f) => {
            let Some(tf) = f
                .track_file
                .as_deref()
                .and_then(|n| config.vrrp.track_file(n))
            else {
                log.info("FILE_CHECK has no track_file specified - ignoring");
                return vec![];
            };
            let (weight, reverse) = if f.weight_given {
                (f.weight, f.reverse)
            } else {
                (tf.weight, tf.weight_reverse)
            };
            vec![(
                CheckerClass::File {
                    weight: i64::from(weight),
                    reverse,
                },
                Probe::File {
                    path: tf.file.clone(),
                },
            )]
        }
        // The parser has already refused a BFD_CHECK without a configured bfd_instance.
        CheckerKind::Bfd { name, .. } => match name {
            Some(name) => vec![(CheckerClass::Bfd { name: name.clone() }, Probe::Bfd)],
            None => vec![],
        },
    }
}

fn http(
    h: &HttpCheck,
    tls: Option<Arc<rustls::ClientConfig>>,
    conn: crate::settings::ConnSpec,
    rs: &RealServer,
    vs: &VirtualServer,
    log: &Logger,
) -> Vec<(CheckerClass, Probe)> {
    let mut urls = Vec::new();
    for u in &h.urls {
        let Some(path) = &u.path else {
            log.info("HTTP/SSL_GET checker url has no path - ignoring");
            continue;
        };
        let options = RegexOptions::from_words(u.regex_options.iter().map(String::as_str), |w| {
            log.info(format!(
                "regex_options {w}: a PCRE2 option keepalived-rs cannot apply (the regex crate) - ignoring"
            ))
        });
        let regex = u.regex.as_deref().and_then(|r| match options.compile(r) {
            Ok(re) => Some(re),
            Err(e) => {
                log.info(format!("Invalid regex: '{r}' at offset 0: {e}"));
                None
            }
        });
        let (mut min, mut max) = (
            u.regex_min_offset.unwrap_or(0) as usize,
            u.regex_max_offset.map(|m| m as usize),
        );
        if max.is_some_and(|m| min > m) {
            log.info(format!(
                "regex min offset {min} > regex_max_offset {} - ignoring",
                max.unwrap_or(0)
            ));
            (min, max) = (0, None);
        }
        urls.push(UrlSpec {
            path: path.clone(),
            digest: u.digest,
            status_codes: u.status_codes.clone(),
            virtualhost: u
                .virtualhost
                .clone()
                .or_else(|| h.virtualhost.clone())
                .or_else(|| rs.virtualhost.clone())
                .or_else(|| vs.virtualhost.clone()),
            regex,
            regex_no_match: u.regex_no_match,
            close_notify: h.tls_compliant || u.tls_compliant,
            regex_min_offset: min,
            regex_max_offset: max,
            regex_firstline: options.firstline,
        });
    }
    if urls.is_empty() {
        log.info("HTTP/SSL_GET checker has no urls specified - ignoring");
        return vec![];
    }
    let class = CheckerClass::Http {
        urls: urls.len(),
        fast_recovery: h.fast_recovery,
    };
    let spec = HttpSpec {
        conn,
        urls,
        protocol: h.http_protocol,
        sni: h.enable_sni && tls.is_some(),
        tls,
    };
    vec![(class, Probe::Http(Arc::new(spec)))]
}

#[cfg(test)]
mod keyword_tests;
#[cfg(test)]
mod service_tests;

#[cfg(test)]
mod tests {
    use super::range;

    #[test]
    fn a_group_range_expands_to_every_address() {
        let r = range("10.0.0.1".parse().unwrap(), "10.0.0.3".parse().unwrap());
        assert_eq!(r.len(), 3);
        assert_eq!(r[2], "10.0.0.3".parse::<std::net::IpAddr>().unwrap());
        let one = range("fd00::1".parse().unwrap(), "fd00::1".parse().unwrap());
        assert_eq!(one.len(), 1);
    }
}
#[cfg(test)]
mod ssl_tests;
