//! Starting over what the kernel already has (a previous run stopped with -I, a restarted
//! checker child): the configured services that exist are adopted and brought to the
//! configuration (scheduler, flags, persistence, destinations and weights); destinations
//! the configuration does not put there are removed. Services the configuration does not
//! name are left alone (global_defs `lvs_flush` removes everything first).

use std::collections::HashSet;
use std::net::SocketAddr;

use super::{Destination, Ipvs, IpvsError, Service, ServiceEntry, ServiceKey};
use crate::pool::Pool;

/// An [`Ipvs`] over another that turns adds of what already exists into edits, so the
/// checker core's start-up (`Pool::init`) converges on the configuration.
pub struct Adopt<'a> {
    inner: &'a mut dyn Ipvs,
    present: &'a [ServiceEntry],
}

impl<'a> Adopt<'a> {
    /// Adopts `present` (the kernel's services) while forwarding to `inner`.
    pub fn new(inner: &'a mut dyn Ipvs, present: &'a [ServiceEntry]) -> Adopt<'a> {
        Adopt { inner, present }
    }

    fn entry(&self, key: &ServiceKey) -> Option<&ServiceEntry> {
        self.present.iter().find(|e| &e.key == key)
    }
}

impl Ipvs for Adopt<'_> {
    fn add_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        if self.entry(&svc.key).is_some() {
            self.inner.edit_service(svc)
        } else {
            self.inner.add_service(svc)
        }
    }
    fn del_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.inner.del_service(svc)
    }
    fn add_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError> {
        let wire = dest.wire_addr(svc);
        let exists = self
            .entry(&svc.key)
            .is_some_and(|e| e.dests.iter().any(|d| d.addr == wire));
        if exists {
            self.inner.edit_dest(svc, dest)
        } else {
            self.inner.add_dest(svc, dest)
        }
    }
    fn edit_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError> {
        self.inner.edit_dest(svc, dest)
    }
    fn del_dest(&mut self, svc: &Service, dest: &Destination) -> Result<(), IpvsError> {
        self.inner.del_dest(svc, dest)
    }
    fn edit_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.inner.edit_service(svc)
    }
}

/// After `Pool::init` over [`Adopt`]: removes the destinations of adopted services that the
/// pool did not put there. Returns the failures (for the log).
pub fn prune(ipvs: &mut dyn Ipvs, present: &[ServiceEntry], pool: &Pool) -> Vec<IpvsError> {
    let mut errors = Vec::new();
    for v in &pool.vss {
        let set: Vec<&crate::pool::RealServerState> =
            v.rs.iter()
                .chain(v.sorry.as_ref())
                .filter(|r| r.set)
                .collect();
        for svc in &v.services {
            let Some(entry) = present.iter().find(|e| e.key == svc.key) else {
                continue;
            };
            let keep: HashSet<SocketAddr> = set
                .iter()
                .map(|r| {
                    Destination {
                        addr: r.addr,
                        weight: 0,
                        lb_kind: r.lb_kind,
                        u_threshold: 0,
                        l_threshold: 0,
                    }
                    .wire_addr(svc)
                })
                .collect();
            for d in entry.dests.iter().filter(|d| !keep.contains(&d.addr)) {
                // The kernel's own address and port: NAT keeps them as they are.
                let stale = Destination {
                    addr: d.addr,
                    weight: 0,
                    lb_kind: keepalived_conf::model::LbKind::Nat,
                    u_threshold: 0,
                    l_threshold: 0,
                };
                if let Err(e) = ipvs.del_dest(svc, &stale) {
                    errors.push(e);
                }
            }
        }
    }
    errors
}

/// The start of keepalived's checker child before the services are set: `lvs_timeouts`,
/// then `lvs_flush` (everything removed) or the kernel's current services, to adopt.
pub fn start(
    config: &keepalived_conf::model::Config,
    ipvs: &mut dyn Ipvs,
    log: &crate::log::Logger,
) -> Vec<ServiceEntry> {
    let t = &config.global.lvs_timeouts;
    let secs =
        |d: Option<std::time::Duration>| d.map(|d| d.as_secs().min(u64::from(u32::MAX)) as u32);
    if let Err(e) = ipvs.set_timeouts(secs(t.tcp), secs(t.tcpfin), secs(t.udp)) {
        log.info(e.to_string());
    }
    if config.global.lvs_flush {
        log.info("Flushing lvs in oneshot");
        if let Err(e) = ipvs.flush() {
            log.info(e.to_string());
        }
        return Vec::new();
    }
    ipvs.list().unwrap_or_else(|e| {
        log.info(e.to_string());
        Vec::new()
    })
}

/// The end: unless `release` is false (-I), every service removed (`clear_services`), or
/// the whole table flushed with `lvs_flush_on_stop` (without VS).
pub fn stop(
    config: &keepalived_conf::model::Config,
    ipvs: &mut dyn Ipvs,
    pool: &mut Pool,
    release: bool,
    log: &crate::log::Logger,
) {
    use keepalived_conf::model::LvsFlushOnStop;
    if !release {
        return;
    }
    if config.global.lvs_flush_on_stop == Some(LvsFlushOnStop::All) {
        log.info("Flushing lvs on shutdown in oneshot");
        if let Err(e) = ipvs.flush() {
            log.info(e.to_string());
        }
        return;
    }
    pool.shutdown(ipvs);
}

/// A reload: removes from IPVS the virtual services `old` configured and `new` no longer
/// does (the services both configure stay, adopted by the next run without a gap).
/// The auto fwmarks of `nftables_ipvs` are numbered afresh for both (see
/// [`remove_dropped_with`]).
pub fn remove_dropped(
    old: &keepalived_conf::model::Config,
    new: &keepalived_conf::model::Config,
    ipvs: &mut dyn Ipvs,
    log: &crate::log::Logger,
) {
    use crate::nft_ipvs::AutoFwmarks;
    let old_marks = AutoFwmarks::assign(old, None);
    let new_marks = AutoFwmarks::assign(new, Some(&old_marks));
    remove_dropped_with((old, &old_marks), (new, &new_marks), ipvs, log);
}

/// [`remove_dropped`] with each configuration's auto fwmarks (`nftables_ipvs`).
pub fn remove_dropped_with(
    old: (
        &keepalived_conf::model::Config,
        &crate::nft_ipvs::AutoFwmarks,
    ),
    new: (
        &keepalived_conf::model::Config,
        &crate::nft_ipvs::AutoFwmarks,
    ),
    ipvs: &mut dyn Ipvs,
    log: &crate::log::Logger,
) {
    let quiet = crate::log::Logger::new(|_| {});
    let services = |(c, m)| {
        crate::plan::build_with(c, m, &quiet)
            .pool
            .vss
            .into_iter()
            .flat_map(|v| v.services)
            .collect::<Vec<_>>()
    };
    let kept: Vec<_> = services(new).into_iter().map(|s| s.key).collect();
    for svc in services(old) {
        if !kept.contains(&svc.key) {
            if let Err(e) = ipvs.del_service(&svc) {
                log.info(e.to_string());
            }
        }
    }
}

/// What keepalived's `clear_diff_services` does besides the IPVS commands when a reload
/// drops real servers or whole virtual servers (ipwrapper.c clear_service_vs,
/// clear_service_rs, update_vs_notifies), in its order: the log lines, the notify scripts,
/// the FIFO lines and the mails.
#[derive(Debug, Default)]
pub struct Removals {
    /// "Removing Virtual Server ...", "Removing service ... from VS ...".
    pub log: Vec<String>,
    /// The dropped live real servers' `notify_down`, a dropped virtual server's
    /// `quorum_down` when its quorum was up.
    pub scripts: Vec<keepalived_conf::model::Script>,
    /// `RS ... DOWN` and `VS ... DOWN` for notify_fifo / lvs_notify_fifo.
    pub fifo_lines: Vec<String>,
    /// `=> Removing <=` for each live real server with `smtp_alert`, `=> Lost quorum ...`
    /// for a virtual server with `smtp_alert` whose quorum was up.
    pub alerts: Vec<crate::pool::CheckerAlert>,
}

/// The [`Removals`] of a reload from the checkers' last states `old` to `new`. keepalived
/// 2.2.7 sends these whatever `omega` says; the `=> Shutting down <=` mails of a stop it
/// queues but never delivers (its loop ends first), so ours has none.
pub fn reload_removals(
    old: &[crate::pool::VirtualServerState],
    new: &keepalived_conf::model::Config,
) -> Removals {
    let quiet = crate::log::Logger::new(|_| {});
    let kept = crate::plan::build(new, &quiet).pool.vss;
    let mut out = Removals::default();
    for v in old {
        let still = kept.iter().find(|k| k.name == v.name);
        if still.is_none() {
            out.log.push(format!("Removing Virtual Server {}", v.name));
        }
        for r in &v.rs {
            let dropped = !still.is_some_and(|k| k.rs.iter().any(|n| n.addr == r.addr));
            if !dropped || !r.set {
                continue;
            }
            let inhibited = if r.inhibit && !r.alive {
                "(inhibited) "
            } else {
                ""
            };
            out.log.push(format!(
                "Removing {inhibited}service {} from VS {}",
                r.name, v.name
            ));
            if !r.alive {
                continue;
            }
            out.scripts.extend(r.notify_down.clone());
            out.fifo_lines
                .push(format!("RS {} {} DOWN\n", r.name, v.name));
            if r.smtp_alert {
                out.alerts.push(crate::pool::CheckerAlert {
                    rs: Some(r.name.clone()),
                    vs: v.name.clone(),
                    up: false,
                    body: "=> Removing <=".to_owned(),
                });
            }
        }
        // update_vs_notifies: with every real server gone the quorum is lost.
        if still.is_none() && v.quorum_state_up {
            out.scripts.extend(v.quorum_down.clone());
            out.fifo_lines.push(format!("VS {} DOWN\n", v.name));
            if v.smtp_alert {
                let threshold = v.quorum - v.hysteresis;
                out.alerts.push(crate::pool::CheckerAlert {
                    rs: None,
                    vs: v.name.clone(),
                    up: false,
                    body: format!(
                        "=> Lost quorum {}+{}={threshold} <= 0 <=",
                        v.quorum, v.hysteresis
                    ),
                });
            }
        }
    }
    out
}
