//! `static_ipaddress`, `static_routes`, `static_rules`: installed when the VRRP process starts,
//! whatever the instances' states, and removed when it stops.

use keepalived_conf::Config;
use keepalived_net::{Netlink, RouteEntry, RuleSpec};

use crate::fib::{self, Ifindexes};
use crate::log;

fn default_if(config: &Config, names: &Ifindexes) -> Option<u32> {
    let name = config
        .global
        .default_interface
        .clone()
        .unwrap_or_else(|| "eth0".to_owned());
    names.get(&name).copied()
}

/// Adds the static addresses, routes and rules.
pub async fn install(netlink: &Netlink, config: &Config, names: &Ifindexes) {
    apply(netlink, config, names, true).await;
}

/// Removes them again.
pub async fn remove(netlink: &Netlink, config: &Config, names: &Ifindexes) {
    apply(netlink, config, names, false).await;
}

/// keepalived's `reinstate_static_address`: a static address (not `no_track`) removed from
/// `ifindex` by someone else is added again.
pub async fn reinstate_address(
    netlink: &Netlink,
    config: &Config,
    names: &Ifindexes,
    ifindex: u32,
    addr: std::net::IpAddr,
) {
    let dflt = default_if(config, names).unwrap_or(0);
    for a in &config.vrrp.static_addresses {
        if a.no_track || a.prefix.addr != addr {
            continue;
        }
        let Ok(spec) = fib::address(a, names, dflt) else {
            continue;
        };
        if spec.ifindex != ifindex {
            continue;
        }
        log::info(format!("Reinstating static address {addr}"));
        if let Err(e) = netlink.add_address(&spec).await {
            log::info(format!("adding static address {addr} failed: {e}"));
        }
    }
}

/// keepalived's `reinstate_static_route`: a tracked static route (with a `dev`, not
/// `no_track`) deleted by someone else is added again ("Restoring deleted static route").
pub async fn reinstate_route(
    netlink: &Netlink,
    config: &Config,
    names: &Ifindexes,
    removed: &RouteEntry,
) {
    for r in &config.vrrp.static_routes {
        let Ok(spec) = fib::route(r, names) else {
            continue;
        };
        if !spec.matches(removed, false) {
            continue;
        }
        if !fib::route_tracked(r) {
            return;
        }
        log::info(format!(
            "Restoring deleted static route {}/{}",
            spec.dest, spec.dest_prefix
        ));
        if let Err(e) = netlink.add_route(&spec).await {
            log::info(format!("adding static route failed: {e}"));
        }
        return;
    }
}

/// keepalived's `reinstate_static_rule`: a static rule (not `no_track`) deleted by someone
/// else is added again ("Restoring deleted static rule").
pub async fn reinstate_rule(netlink: &Netlink, config: &Config, removed: &RuleSpec) {
    for r in config.vrrp.static_rules.iter().filter(|r| !r.no_track) {
        let Ok(spec) = fib::rule(r) else {
            continue;
        };
        if !spec.matches(removed) {
            continue;
        }
        log::info(format!(
            "Restoring deleted static rule priority {}",
            spec.priority.unwrap_or(0)
        ));
        if let Err(e) = netlink.add_rule(&spec).await {
            log::info(format!("adding static rule failed: {e}"));
        }
        return;
    }
}

async fn apply(netlink: &Netlink, config: &Config, names: &Ifindexes, add: bool) {
    let v = &config.vrrp;
    let dflt = default_if(config, names).unwrap_or(0);
    let verb = if add { "adding" } else { "removing" };
    for a in &v.static_addresses {
        let spec = match fib::address(a, names, dflt) {
            Ok(s) if s.ifindex != 0 => s,
            Ok(_) => {
                log::info(format!("static address {}: no interface", a.prefix.addr));
                continue;
            }
            Err(e) => {
                log::info(format!("static address {}: {e}", a.prefix.addr));
                continue;
            }
        };
        let r = if add {
            netlink.add_address(&spec).await
        } else {
            netlink.remove_address(&spec).await
        };
        if let Err(e) = r {
            log::info(format!(
                "{verb} static address {} failed: {e}",
                a.prefix.addr
            ));
        }
    }
    for route in &v.static_routes {
        match fib::route(route, names) {
            Ok(spec) => {
                let r = if add {
                    netlink.add_route(&spec).await
                } else {
                    netlink.remove_route(&spec).await
                };
                if let Err(e) = r {
                    log::info(format!("{verb} static route failed: {e}"));
                }
            }
            Err(e) => log::info(format!("static route: {e}")),
        }
    }
    for rule in &v.static_rules {
        match fib::rule(rule) {
            Ok(spec) => {
                let r = if add {
                    netlink.add_rule(&spec).await
                } else {
                    netlink.remove_rule(&spec).await
                };
                if let Err(e) = r {
                    log::info(format!("{verb} static rule failed: {e}"));
                }
            }
            Err(e) => log::info(format!("static rule: {e}")),
        }
    }
}
