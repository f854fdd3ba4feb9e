//! The interfaces an instance's addresses live on besides its own (crate::vip_home): the
//! VMACs of `use_vmac_addr` (or an address's `use_vmac`), created here and removed at stop,
//! and the other interfaces of `dev` options, whose announcers send those addresses' GARPs.

use std::sync::Arc;

use keepalived_conf::model::VrrpInstance;

use super::Daemon;
use crate::extra_if::ExtraIf;
use crate::instance::Link;
use crate::links::{open_extra_vmac, taken_vmac_names};
use crate::log;
use crate::vip_home::{vip_homes, VipHome};

impl Daemon {
    /// For each VIP then eVIP of `conf`, the ifindex it goes on when a VMAC of its own
    /// carries it, and the other interfaces of its addresses. `own` is the instance's link
    /// (its VMAC with use_vmac); `ready`: its interface is usable (VMACs are made then).
    pub(super) async fn extra_interfaces(
        &mut self,
        conf: &VrrpInstance,
        own: u32,
        ready: bool,
    ) -> (Vec<Option<u32>>, Vec<ExtraIf>) {
        let homes = vip_homes(conf, crate::instance::is_ipv6(conf));
        let mut placed = Vec::with_capacity(homes.len());
        let mut extra: Vec<ExtraIf> = Vec::new();
        let mut made: Vec<((u32, bool), Arc<Link>)> = Vec::new();
        let mut names = Vec::new();
        for home in homes {
            let ix = match home {
                VipHome::Instance => None,
                // Its ifindex too: an address without `dev` can live elsewhere than on the
                // instance's link (the base interface with use_ipvlan).
                VipHome::Interface(name) => match self.link(&conf.name, &name).await {
                    Some(l) => {
                        let ix = l.ifindex;
                        add(&mut extra, own, l, None);
                        Some(ix)
                    }
                    None => None,
                },
                VipHome::Vmac { base, ipv6 } if ready => self
                    .address_vmac(conf, &base, ipv6, &mut made, &mut names)
                    .await
                    .map(|(l, base_ifindex)| {
                        let ix = l.ifindex;
                        add(&mut extra, own, l, Some((&base, base_ifindex, ipv6)));
                        ix
                    }),
                VipHome::Vmac { .. } => None,
            };
            placed.push(ix);
        }
        if names.is_empty() {
            self.extra_vmacs.remove(&conf.name);
        } else {
            self.extra_vmacs.insert(conf.name.clone(), names);
        }
        (placed, extra)
    }

    /// The VMAC of family `ipv6` on `base` for an address of `conf` (one per interface and
    /// family, shared by the instance's addresses there).
    async fn address_vmac(
        &mut self,
        conf: &VrrpInstance,
        base: &str,
        ipv6: bool,
        made: &mut Vec<((u32, bool), Arc<Link>)>,
        names: &mut Vec<(u32, String)>,
    ) -> Option<(Arc<Link>, u32)> {
        let base_link = self.link(&conf.name, base).await?;
        if let Some((_, l)) = made.iter().find(|(k, _)| *k == (base_link.ifindex, ipv6)) {
            return Some((l.clone(), base_link.ifindex));
        }
        let mut taken = taken_vmac_names(&self.config, conf, &self.vmacs);
        if let Some((_, own)) = self.vmacs.get(&conf.name) {
            taken.insert(own.clone());
        }
        let others = self.extra_vmacs.iter().filter(|(i, _)| **i != conf.name);
        taken.extend(others.flat_map(|(_, v)| v.iter().map(|(_, n)| n.clone())));
        taken.extend(names.iter().map(|(_, n)| n.clone()));
        let vrid = conf.vrid.unwrap_or(0);
        let opened = open_extra_vmac(
            &self.netlink,
            &self.config,
            (&conf.name, vrid),
            &base_link,
            ipv6,
            &taken,
        )
        .await;
        match opened {
            Ok(l) => {
                self.link_up.insert(l.ifindex, l.up);
                names.push((l.ifindex, l.name.clone()));
                made.push(((base_link.ifindex, ipv6), l.clone()));
                Some((l, base_link.ifindex))
            }
            Err(e) => {
                log::info(format!("({}) {e}", conf.name));
                None
            }
        }
    }

    /// Removes the address VMACs of instance `name` (it stops, or a reload removed it).
    pub(super) async fn remove_extra_vmacs(&mut self, name: &str) {
        for (index, _) in self.extra_vmacs.remove(name).unwrap_or_default() {
            let _ = self.netlink.delete_link(index).await;
        }
    }
}

/// Adds `link` to `extra` unless it is the instance's own or already there; `vmac_on`: it
/// is a VMAC the daemon made on that interface (name, ifindex) for that family.
fn add(extra: &mut Vec<ExtraIf>, own: u32, link: Arc<Link>, vmac_on: Option<(&str, u32, bool)>) {
    if link.ifindex != own && !extra.iter().any(|x| x.link.ifindex == link.ifindex) {
        let (base, base_ifindex, ipv6) = vmac_on.unwrap_or((&link.name, link.ifindex, false));
        extra.push(ExtraIf {
            ours: vmac_on.is_some(),
            base: base.to_owned(),
            base_ifindex,
            ipv6,
            link,
        });
    }
}
