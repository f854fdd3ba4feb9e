//! Where each VIP and eVIP of an instance lives, as keepalived 2.2.7 decides it
//! (vrrp.c `vrrp_complete_instance`): on the instance's interface (its VMAC with `use_vmac`),
//! on the interface its `dev` names, or on a VMAC of its own on that interface
//! (`use_vmac_addr`, or the VIP's `use_vmac` option). Pure: the daemon creates the VMACs.

use keepalived_conf::model::{IpAddressSpec, VrrpInstance};

/// The home of one address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VipHome {
    /// keepalived's `vrrp->ifp`: the instance's interface, or its VMAC with `use_vmac`.
    Instance,
    /// Another interface, as it is (`dev NAME`).
    Interface(String),
    /// A VMAC of this VRID and family on interface `base`, created (or reused) for the
    /// address: keepalived names it from `vmac_addr_prefix` (default `vmac_prefix`, then
    /// "vrrp") and removes it at stop.
    Vmac {
        /// The interface the macvlan sits on.
        base: String,
        /// IPv6 (MAC 00:00:5e:00:02:VRID) rather than IPv4 (00:00:5e:00:01:VRID).
        ipv6: bool,
    },
}

/// Where `v` goes for instance `conf` of family `instance_ipv6`.
///
/// keepalived's rules: an address without `dev` (or with the instance's interface) of the
/// instance's family is on `vrrp->ifp`; of the other family it is on the base interface,
/// or on a VMAC there with `use_vmac_addr` or the address's `use_vmac`. An address on another
/// interface is there, or on a VMAC there with `use_vmac_addr` or its `use_vmac`. The
/// address's `use_vmac` is dropped (with a configuration error in keepalived) when the
/// instance's own VMAC already carries it.
pub fn vip_home(conf: &VrrpInstance, v: &IpAddressSpec, instance_ipv6: bool) -> VipHome {
    let base = conf.interface.as_deref();
    let on_base = v.dev.is_none() || v.dev.as_deref() == base;
    let same_family = v.prefix.addr.is_ipv6() == instance_ipv6;
    let ipv6 = v.prefix.addr.is_ipv6();
    let vmac_for_vip = v.use_vmac && !(on_base && conf.vmac.is_some() && same_family);
    // use_ipvlan: keepalived moves only a VMAC's family onto it (VRRP_VMAC_BIT); every
    // address of the base stays on the base interface.
    if let (true, Some(base), Some(_)) = (on_base, base, &conf.ipvlan) {
        if !(vmac_for_vip || (conf.use_vmac_addr && !same_family)) {
            return VipHome::Interface(base.to_owned());
        }
    }
    if on_base {
        if same_family {
            return VipHome::Instance;
        }
        let Some(base) = base else {
            return VipHome::Instance;
        };
        if vmac_for_vip || conf.use_vmac_addr {
            return VipHome::Vmac {
                base: base.to_owned(),
                ipv6,
            };
        }
        return if conf.vmac.is_some() {
            VipHome::Interface(base.to_owned())
        } else {
            VipHome::Instance
        };
    }
    let dev = v.dev.clone().unwrap_or_default();
    if vmac_for_vip || conf.use_vmac_addr {
        VipHome::Vmac { base: dev, ipv6 }
    } else {
        VipHome::Interface(dev)
    }
}

/// The homes of `conf`'s VIPs then eVIPs, in order (the order of the instance's address
/// specs).
pub fn vip_homes(conf: &VrrpInstance, instance_ipv6: bool) -> Vec<VipHome> {
    conf.virtual_ipaddresses
        .iter()
        .chain(&conf.excluded_ipaddresses)
        .map(|v| vip_home(conf, v, instance_ipv6))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_conf::{FixedHost, ReadOptions};
    use std::path::Path;

    fn homes(body: &str) -> Vec<VipHome> {
        let text =
            format!("vrrp_instance V {{\n interface eth0\n virtual_router_id 5\n{body}\n}}\n");
        let config = keepalived_conf::load_str(
            &text,
            Path::new("t.conf"),
            &ReadOptions::default(),
            &FixedHost::lab(),
        )
        .config;
        let i = &config.vrrp.instances[0];
        vip_homes(i, false)
    }

    fn vmac(base: &str, ipv6: bool) -> VipHome {
        VipHome::Vmac {
            base: base.to_owned(),
            ipv6,
        }
    }

    #[test]
    fn use_vmac_addr_puts_addresses_on_other_interfaces_on_a_vmac_there() {
        let h = homes(
            " use_vmac_addr\n virtual_ipaddress {\n  10.0.0.1/24\n  10.0.1.1/24 dev eth1\n }\n \
             virtual_ipaddress_excluded {\n  fd00::1/64\n }",
        );
        assert_eq!(
            h,
            [VipHome::Instance, vmac("eth1", false), vmac("eth0", true)]
        );
    }

    #[test]
    fn without_use_vmac_addr_addresses_stay_on_their_interface() {
        let h = homes(" virtual_ipaddress {\n  10.0.0.1/24\n  10.0.1.1/24 dev eth1\n }");
        assert_eq!(h, [VipHome::Instance, VipHome::Interface("eth1".into())]);
    }

    #[test]
    fn the_address_use_vmac_option_makes_a_vmac_for_that_address_only() {
        let h = homes(
            " virtual_ipaddress {\n  10.0.1.1/24 dev eth1 use_vmac\n  10.0.2.1/24 dev eth1\n }",
        );
        assert_eq!(h, [vmac("eth1", false), VipHome::Interface("eth1".into())]);
    }

    #[test]
    fn with_use_ipvlan_the_addresses_stay_on_the_base_interface() {
        let h = homes(
            " use_ipvlan 10.0.0.11/24\n virtual_ipaddress {\n  10.0.0.1/24\n  10.0.1.1/24 dev eth1\n }\n \
             virtual_ipaddress_excluded {\n  fd00::1/64\n }",
        );
        let eth = |n: &str| VipHome::Interface(n.into());
        assert_eq!(h, [eth("eth0"), eth("eth1"), eth("eth0")]);
    }

    #[test]
    fn with_use_vmac_the_instance_vmac_carries_its_family_and_dev_of_the_base() {
        let h = homes(
            " use_vmac\n virtual_ipaddress {\n  10.0.0.1/24 dev eth0 use_vmac\n }\n \
             virtual_ipaddress_excluded {\n  fd00::1/64\n }",
        );
        assert_eq!(h, [VipHome::Instance, VipHome::Interface("eth0".into())]);
    }
}
