//! The VRRP firewall policy (keepalived's vrrp_handle_accept_mode): which VIPs a MASTER
//! without accept mode blocks, and [`Firewall`], which keeps keepalived's nftables sets
//! (net::firewall) equal to that after every pass of the event loop.
//!
//! keepalived adds an instance's VIPs (and excluded VIPs) to the drop sets when it installs
//! them as MASTER, unless it is the address owner (priority 255) or in accept mode
//! (`accept`; `no_accept` or `vrrp_strict` without `accept` turn it off; strict VRRPv2 is
//! never in accept mode), and removes them when it releases them. A BACKUP holds no VIP,
//! so it blocks nothing; traffic to a VIP it does not hold is not for it anyway.

use std::collections::BTreeSet;
use std::net::IpAddr;

use keepalived_conf::model::{GlobalDefs, VrrpInstance};
use keepalived_net::firewall::{Blocked, Family, NftConfig, Nftables, Vmac};
use keepalived_net::{ipv6_is_link_local, AddressSpec};

use crate::fib::Ifindexes;
use crate::instance::Instance;
use crate::log;

/// What the policy needs to know of one running instance.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    /// Its configuration.
    pub conf: &'a VrrpInstance,
    /// Whether it holds its VIPs now (MASTER).
    pub holds_vips: bool,
    /// Its VIPs then excluded VIPs, in configuration order, as installed.
    pub specs: &'a [AddressSpec],
    /// The interface it runs on (its VMAC with `use_vmac`).
    pub ifindex: u32,
    /// The interface it receives on (the VMAC's base interface).
    pub base_ifindex: u32,
    /// Whether it runs VRRP over IPv6.
    pub ipv6: bool,
}

impl<'a> View<'a> {
    fn of(i: &'a Instance) -> View<'a> {
        View {
            conf: &i.conf,
            holds_vips: i.holds_vips,
            specs: i.vip_specs(),
            ifindex: i.link.ifindex,
            base_ifindex: i.base_ifindex,
            ipv6: i.is_ipv6(),
        }
    }
}

/// Whether `conf`'s VIPs are blocked while it is MASTER.
pub(crate) fn blocks(conf: &VrrpInstance, global: &GlobalDefs) -> bool {
    !conf.is_address_owner() && !conf.accept_mode(global)
}

/// Whether keepalived 2.2.7 (nftables build) turns nftables on for `config`: `nftables`
/// (or `vrrp_iptables`) given, or an instance with accept mode off or `use_vmac`
/// (vrrp_complete_instance: "use_vmac or no_accept/strict specified, but no firewall
/// configured - using nftables"). Its dumps then print the nftables settings.
pub(crate) fn nftables_in_use(config: &keepalived_conf::Config) -> bool {
    let g = &config.global;
    g.nftables.is_some()
        || config.vrrp.instances.iter().any(|i| {
            // keepalived's default: accept for the address owner, else unless strict; an
            // explicit `accept` of a strict VRRPv2 non-owner is reset.
            let accept = if i.is_address_owner() {
                i.accept.unwrap_or(true)
            } else {
                i.accept_mode(g)
            };
            !accept || i.vmac.is_some()
        })
}

/// The nftables settings (global_defs `nftables`, `nftables_priority`,
/// `nftables_counters`; `vrrp_iptables` means nftables too, as in Debian's keepalived,
/// which is built without iptables).
pub(crate) fn nft_config(global: &GlobalDefs) -> NftConfig {
    NftConfig {
        table: global
            .nftables
            .clone()
            .unwrap_or_else(|| "keepalived".into()),
        priority: global.nftables_priority,
        counters: global.nftables_counters,
    }
}

/// Every address the firewall must block now, filed as keepalived files it (a link-local
/// IPv6 VIP goes with its interface: by name under `dont_track_primary` when it is on the
/// instance's interface or `no_track`, unless `nftables_ifindex`; else by index).
pub(crate) fn wanted<'a>(
    views: impl IntoIterator<Item = View<'a>>,
    global: &GlobalDefs,
    names: &Ifindexes,
) -> BTreeSet<Blocked> {
    let mut out = BTreeSet::new();
    for v in views {
        if !v.holds_vips || !blocks(v.conf, global) {
            continue;
        }
        let confs = v
            .conf
            .virtual_ipaddresses
            .iter()
            .chain(&v.conf.excluded_ipaddresses);
        for (c, spec) in confs.zip(v.specs) {
            let b = match spec.addr {
                IpAddr::V4(a) => Blocked::V4(a),
                IpAddr::V6(a) if !ipv6_is_link_local(&a) => Blocked::V6(a),
                IpAddr::V6(addr) => {
                    let by_name = !global.nftables_ifindex
                        && v.conf.dont_track_primary
                        && (spec.ifindex == v.ifindex || c.no_track);
                    let name = names
                        .iter()
                        .find(|(_, i)| **i == spec.ifindex)
                        .map(|(n, _)| n.clone());
                    match name.filter(|_| by_name) {
                        Some(ifname) => Blocked::V6LinkLocalName { addr, ifname },
                        None => Blocked::V6LinkLocal {
                            addr,
                            ifindex: spec.ifindex,
                        },
                    }
                }
            };
            out.insert(b);
        }
    }
    out
}

/// The VMACs keepalived lists in `vmac_map` (nft_add_vmac): every `use_vmac` instance's,
/// in its family's table, and also in the other family's when it has excluded VIPs of that
/// family. Whatever the state: keepalived adds them when it creates the VMAC.
pub(crate) fn wanted_vmacs<'a>(views: impl IntoIterator<Item = View<'a>>) -> BTreeSet<Vmac> {
    let mut out = BTreeSet::new();
    for v in views {
        if v.conf.vmac.is_none() {
            continue;
        }
        let (mine, other) = if v.ipv6 {
            (Family::Ip6, Family::Ip)
        } else {
            (Family::Ip, Family::Ip6)
        };
        let vmac = |family| Vmac {
            family,
            ifindex: v.ifindex,
            base: v.base_ifindex,
        };
        out.insert(vmac(mine));
        let other_family = v
            .conf
            .excluded_ipaddresses
            .iter()
            .any(|a| a.prefix.addr.is_ipv6() != v.ipv6);
        if other_family {
            out.insert(vmac(other));
        }
    }
    out
}

/// The firewall of the VRRP process. The nfnetlink socket opens when the first address
/// must be blocked, so a configuration that never blocks anything leaves nftables alone,
/// as keepalived does.
pub(crate) struct Firewall {
    conf: NftConfig,
    nft: Option<Nftables>,
    failed_open: bool,
    /// The last error logged: a kernel that keeps refusing is reported once, not per pass.
    last_error: Option<String>,
    /// keepalived uses nftables ([`nftables_in_use`]): the VMACs of use_vmac_addr are listed
    /// in `vmac_map` too (firewall_add_vmac does nothing otherwise).
    lists_address_vmacs: bool,
}

fn report(last: &mut Option<String>, e: keepalived_net::firewall::FirewallError) {
    let text = format!("nftables: {e}");
    if last.as_deref() != Some(text.as_str()) {
        log::info(text.clone());
        *last = Some(text);
    }
}

impl Firewall {
    /// The firewall for `global`'s settings; nothing is touched yet.
    pub(crate) fn new(global: &GlobalDefs) -> Firewall {
        Firewall {
            conf: nft_config(global),
            nft: None,
            failed_open: false,
            last_error: None,
            lists_address_vmacs: false,
        }
    }

    /// Whether keepalived would run nftables for the configuration ([`nftables_in_use`]).
    pub(crate) fn set_in_use(&mut self, in_use: bool) {
        self.lists_address_vmacs = in_use;
    }

    /// Opens the socket on first use.
    fn open(&mut self) {
        if self.nft.is_none() && !self.failed_open {
            match Nftables::open(self.conf.clone()) {
                Ok(n) => self.nft = Some(n),
                Err(e) => {
                    // Logged once; the VIPs are then not protected (keepalived logs too).
                    log::info(format!("nftables: {e}"));
                    self.failed_open = true;
                }
            }
        }
    }

    /// Before a batch installs VIPs: blocks the newly held ones first, so that a no-accept
    /// MASTER never answers for them (keepalived sets the drop rule before the address).
    pub(crate) fn before_install(
        &mut self,
        instances: &[Instance],
        global: &GlobalDefs,
        names: &Ifindexes,
    ) {
        let want = wanted(instances.iter().map(View::of), global, names);
        let installed = self.nft.as_ref().map(|n| n.installed());
        let add: Vec<Blocked> = want
            .iter()
            .filter(|b| !installed.is_some_and(|i| i.contains(*b)))
            .cloned()
            .collect();
        if add.is_empty() {
            return;
        }
        self.open();
        if let Some(nft) = self.nft.as_mut() {
            if let Err(e) = nft.add(&add) {
                report(&mut self.last_error, e);
            }
        }
    }

    /// After a pass (or a reload): the blocked addresses become exactly what the instances
    /// want (released VIPs are unblocked after their removal).
    pub(crate) fn sync(&mut self, instances: &[Instance], global: &GlobalDefs, names: &Ifindexes) {
        let want = wanted(instances.iter().map(View::of), global, names);
        let mut vmacs = wanted_vmacs(instances.iter().map(View::of));
        if self.lists_address_vmacs {
            let address_vmacs = instances.iter().flat_map(Instance::address_vmacs);
            vmacs.extend(address_vmacs.map(|(ifindex, base, ipv6)| Vmac {
                family: if ipv6 { Family::Ip6 } else { Family::Ip },
                ifindex,
                base,
            }));
        }
        if want.is_empty() && vmacs.is_empty() && self.nft.is_none() {
            return;
        }
        self.open();
        if let Some(nft) = self.nft.as_mut() {
            if nft.vmacs() != &vmacs {
                if let Err(e) = nft.sync_vmacs(&vmacs) {
                    report(&mut self.last_error, e);
                }
            }
            if nft.installed() != &want {
                if let Err(e) = nft.sync(&want) {
                    report(&mut self.last_error, e);
                }
            }
        }
    }

    /// At stop: keepalived's tables are deleted (also with `-V`, as keepalived's nft_end).
    pub(crate) fn stop(&mut self) {
        if let Some(nft) = self.nft.as_mut() {
            if let Err(e) = nft.cleanup() {
                report(&mut self.last_error, e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_conf::{FixedHost, ReadOptions};
    use std::collections::HashMap;
    use std::path::Path;

    fn config(text: &str) -> keepalived_conf::Config {
        keepalived_conf::load_str(
            text,
            Path::new("t.conf"),
            &ReadOptions::default(),
            &FixedHost::lab(),
        )
        .config
    }

    fn specs(conf: &VrrpInstance, ifindex: u32) -> Vec<AddressSpec> {
        conf.virtual_ipaddresses
            .iter()
            .chain(&conf.excluded_ipaddresses)
            .map(|a| {
                let index = if a.dev.as_deref() == Some("eth1") {
                    3
                } else {
                    ifindex
                };
                AddressSpec::new(index, a.prefix.addr, a.prefix.len)
            })
            .collect()
    }

    fn names() -> Ifindexes {
        HashMap::from([("eth0".to_owned(), 2), ("eth1".to_owned(), 3)])
    }

    fn blocked(text: &str, holds: bool) -> BTreeSet<Blocked> {
        let c = config(text);
        let specs: Vec<_> = c.vrrp.instances.iter().map(|i| specs(i, 2)).collect();
        let views = c.vrrp.instances.iter().zip(&specs).map(|(conf, s)| View {
            conf,
            holds_vips: holds,
            specs: s,
            ifindex: 2,
            base_ifindex: 2,
            ipv6: false,
        });
        wanted(views, &c.global, &names())
    }

    fn inst(global: &str, body: &str) -> String {
        format!(
            "global_defs {{\n{global}\n}}\nvrrp_instance VI {{\n interface eth0\n virtual_router_id 5\n{body}\n}}\n"
        )
    }

    const V4: &str = " priority 100\n virtual_ipaddress {\n  10.72.1.100/24\n }\n virtual_ipaddress_excluded {\n  10.72.2.100\n }";

    #[test]
    fn strict_master_blocks_vips_and_excluded() {
        let b = blocked(&inst("vrrp_strict", V4), true);
        let want: BTreeSet<_> = [
            Blocked::V4("10.72.1.100".parse().unwrap()),
            Blocked::V4("10.72.2.100".parse().unwrap()),
        ]
        .into();
        assert_eq!(b, want);
    }

    #[test]
    fn backup_blocks_nothing() {
        assert!(blocked(&inst("vrrp_strict", V4), false).is_empty());
    }

    #[test]
    fn accept_is_the_default_without_strict() {
        assert!(blocked(&inst("", V4), true).is_empty());
        assert_eq!(
            blocked(&inst("", &format!("{V4}\n no_accept")), true).len(),
            2
        );
    }

    #[test]
    fn strict_v3_honours_accept_but_strict_v2_does_not() {
        let v3 = inst("vrrp_strict\n vrrp_version 3", &format!("{V4}\n accept"));
        assert!(blocked(&v3, true).is_empty());
        let v2 = inst("vrrp_strict", &format!("{V4}\n accept"));
        assert_eq!(blocked(&v2, true).len(), 2);
    }

    #[test]
    fn address_owner_is_never_blocked() {
        let owner = V4.replace("priority 100", "priority 255");
        assert!(blocked(&inst("vrrp_strict", &format!("{owner}\n no_accept")), true).is_empty());
    }

    #[test]
    fn link_local_vips_go_with_their_interface() {
        let v6 = " priority 100\n virtual_ipaddress {\n  fe80::72:100/64\n  fd72::100/64\n  fe80::72:101/64 dev eth1\n }";
        let b = blocked(&inst("vrrp_strict", v6), true);
        let ll = |a: &str, i| Blocked::V6LinkLocal {
            addr: a.parse().unwrap(),
            ifindex: i,
        };
        let want: BTreeSet<_> = [
            ll("fe80::72:100", 2),
            Blocked::V6("fd72::100".parse().unwrap()),
            ll("fe80::72:101", 3),
        ]
        .into();
        assert_eq!(b, want);
        // dont_track_primary: by name when on the instance's interface.
        let b = blocked(
            &inst("vrrp_strict", &format!("{v6}\n dont_track_primary")),
            true,
        );
        assert!(b.contains(&Blocked::V6LinkLocalName {
            addr: "fe80::72:100".parse().unwrap(),
            ifname: "eth0".into()
        }));
        assert!(b.contains(&ll("fe80::72:101", 3)));
        // nftables_ifindex: always by index.
        let g = "vrrp_strict\n nftables\n nftables_ifindex";
        let b = blocked(&inst(g, &format!("{v6}\n dont_track_primary")), true);
        assert!(b.contains(&ll("fe80::72:100", 2)));
    }

    #[test]
    fn nftables_in_use_as_keepalived_decides() {
        assert!(!nftables_in_use(&config(&inst("", V4))));
        assert!(nftables_in_use(&config(&inst("vrrp_strict", V4))));
        assert!(nftables_in_use(&config(&inst(
            "",
            &format!("{V4}\n no_accept")
        ))));
        assert!(nftables_in_use(&config(&inst("nftables", V4))));
        let owner = V4.replace("priority 100", "priority 255");
        assert!(!nftables_in_use(&config(&inst("vrrp_strict", &owner))));
        assert!(nftables_in_use(&config(&inst(
            "",
            &format!("{V4}\n use_vmac")
        ))));
    }

    #[test]
    fn vmacs_are_listed_whatever_the_state() {
        let text = inst("", &format!("{V4}\n use_vmac"));
        let c = config(&text);
        let conf = &c.vrrp.instances[0];
        let view = |ipv6| View {
            conf,
            holds_vips: false,
            specs: &[],
            ifindex: 9,
            base_ifindex: 2,
            ipv6,
        };
        let v4 = Vmac {
            family: Family::Ip,
            ifindex: 9,
            base: 2,
        };
        assert_eq!(wanted_vmacs([view(false)]), [v4].into());
        // An excluded VIP of the other family lists the VMAC in both tables.
        let v6 = Vmac {
            family: Family::Ip6,
            ..v4
        };
        assert_eq!(wanted_vmacs([view(true)]), [v4, v6].into());
        let plain = config(&inst("", V4));
        let mut v = view(false);
        v.conf = &plain.vrrp.instances[0];
        assert!(wanted_vmacs([v]).is_empty());
    }

    #[test]
    fn nft_settings_follow_global_defs() {
        let c =
            config("global_defs {\n nftables kamy\n nftables_priority -5\n nftables_counters\n}\n");
        assert_eq!(
            nft_config(&c.global),
            NftConfig {
                table: "kamy".into(),
                priority: -5,
                counters: true
            }
        );
        let c = config("global_defs {\n vrrp_iptables\n}\n");
        assert_eq!(nft_config(&c.global).table, "keepalived");
    }
}
