//! "The instance's setting, else global_defs' default, else keepalived's": resolved once, in
//! [`resolve`], for everything the run time reads (the machine and router configuration,
//! the dumps, SNMP, the socket pool, notify). No other daemon code looks at a
//! `global_defs` default of an instance setting.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use keepalived_conf::model::{AuthType, GlobalDefs, VrrpInstance};
use keepalived_vrrp::machine::GarpConfig;
use keepalived_vrrp::wire::Auth;
use keepalived_vrrp::Version;

/// What one `vrrp_instance` runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSettings {
    /// `version`, else `vrrp_version` (default 2); IPv6 always 3.
    pub version: Version,
    /// `strict_mode`, else `vrrp_strict` (default off).
    pub strict: bool,
    /// `advert_int` rounded as keepalived rounds it for the version (default 1 s).
    pub advert_int: Duration,
    /// `accept`/`no_accept`; strict VRRPv2 never accepts; default: accept unless strict.
    pub accept: bool,
    /// `authentication` (none under VRRPv3 or strict mode, nor without `auth_type`).
    pub auth: Auth,
    /// `auth_pass` of `auth_type AH`, zero-padded (the HMAC key).
    pub ah_key: [u8; 8],
    /// `higher_prio_send_advert`, else `vrrp_higher_prio_send_advert` (default off).
    pub higher_prio_send_advert: bool,
    /// `lower_prio_no_advert`, else `vrrp_lower_prio_no_advert` (default: strict).
    pub lower_prio_no_advert: bool,
    /// `vrrp_startup_delay` (default 0).
    pub startup_delay: Duration,
    /// `garp_*`, else `vrrp_garp_*` (with `vrrp_min_garp`).
    pub garp: GarpConfig,
    /// IPv4 multicast group adverts go to: `mcast_dst_ip`, else `vrrp_mcast_group4`; a
    /// unicast instance's is always `vrrp_mcast_group4` (the old unicast checksum's).
    pub mcast_group4: Ipv4Addr,
    /// IPv6 multicast group: `mcast_dst_ip`, else `vrrp_mcast_group6`.
    pub mcast_group6: Ipv6Addr,
    /// The group the receive socket joins: `mcast_dst_ip` of the instance's family, else
    /// the global group of its family (`ipv6`: the instance runs over IPv6).
    pub rx_group4: Ipv4Addr,
    /// `skip_check_adv_addr`, else `vrrp_skip_check_adv_addr` (default off).
    pub skip_check_adv_addr: bool,
    /// `check_unicast_src` or `vrrp_check_unicast_src` (default off).
    pub check_unicast_src: bool,
    /// `notify_priority_changes`, else `vrrp_notify_priority_changes` (default off).
    pub notify_priority_changes: bool,
}

impl InstanceSettings {
    /// The multicast group of the instance's adverts and receive socket for its family.
    pub fn mcast_group(&self, ipv6: bool) -> IpAddr {
        if ipv6 {
            IpAddr::V6(self.mcast_group6)
        } else {
            IpAddr::V4(self.rx_group4)
        }
    }
}

/// The settings `conf` runs with under `global`.
pub fn resolve(conf: &VrrpInstance, global: &GlobalDefs) -> InstanceSettings {
    let version = conf.version(global);
    let strict = conf.strict(global);
    let (auth, ah_key) = auth_of(conf, global);
    InstanceSettings {
        version,
        strict,
        advert_int: conf.advert_int(global),
        accept: conf.accept_mode(global),
        auth,
        ah_key,
        higher_prio_send_advert: conf
            .higher_prio_send_advert
            .or(global.vrrp_higher_prio_send_advert)
            .unwrap_or(false),
        lower_prio_no_advert: conf
            .lower_prio_no_advert
            .or(global.vrrp_lower_prio_no_advert)
            .unwrap_or(strict),
        startup_delay: global.vrrp_startup_delay.unwrap_or_default(),
        garp: garp_config(conf, global),
        mcast_group4: match conf.mcast_dst_ip {
            Some(IpAddr::V4(g)) if conf.unicast_peers.is_empty() => g,
            _ => global.vrrp_mcast_group4,
        },
        mcast_group6: match conf.mcast_dst_ip {
            Some(IpAddr::V6(g)) => g,
            _ => global.vrrp_mcast_group6,
        },
        rx_group4: match conf.mcast_dst_ip {
            Some(IpAddr::V4(g)) => g,
            _ => global.vrrp_mcast_group4,
        },
        skip_check_adv_addr: conf
            .skip_check_adv_addr
            .unwrap_or(global.vrrp_skip_check_adv_addr),
        check_unicast_src: conf.check_unicast_src || global.vrrp_check_unicast_src,
        notify_priority_changes: conf
            .notify_priority_changes
            .unwrap_or(global.vrrp_notify_priority_changes),
    }
}

fn auth_of(conf: &VrrpInstance, global: &GlobalDefs) -> (Auth, [u8; 8]) {
    let mut key = [0u8; 8];
    let Some(a) = conf.effective_authentication(global) else {
        return (Auth::None, key);
    };
    for (k, b) in key.iter_mut().zip(&a.password) {
        *k = *b;
    }
    match a.auth_type {
        Some(AuthType::Pass) => (Auth::Pass(key), [0; 8]),
        Some(AuthType::Ah) => (Auth::Ah, key),
        None => (Auth::None, [0; 8]),
    }
}

/// GARP settings: the instance's `garp_*`, else global_defs' `vrrp_garp_*`.
fn garp_config(conf: &VrrpInstance, global: &GlobalDefs) -> GarpConfig {
    let g = &global.garp;
    let i = &conf.garp;
    let master_delay = i.master_delay.unwrap_or(g.master_delay);
    let master_repeat = i.master_repeat.unwrap_or(g.master_repeat);
    let refresh = i
        .master_refresh
        .or(g.master_refresh)
        .filter(|d| !d.is_zero());
    GarpConfig {
        master_delay: if g.min_garp {
            Duration::ZERO
        } else {
            master_delay
        },
        master_repeat: if g.min_garp { 1 } else { master_repeat },
        master_refresh: refresh,
        master_refresh_repeat: i.master_refresh_repeat.unwrap_or(g.master_refresh_repeat),
        lower_prio_delay: i
            .lower_prio_delay
            .or(g.lower_prio_delay)
            .unwrap_or(master_delay),
        lower_prio_repeat: i
            .lower_prio_repeat
            .or(g.lower_prio_repeat)
            .unwrap_or(master_repeat),
    }
}

#[cfg(test)]
mod tests;
