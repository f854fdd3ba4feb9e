//! use_vmac: macvlan with the VRRP MAC, plus keepalived's sysctl tweaks.

mod common;

use common::{have_root, Netns};
use keepalived_net::{sysctl, vmac_mac, Netlink, VmacSpec};

#[test]
fn vmac_created_with_vrrp_mac_and_sysctls() {
    if !have_root("vmac_created_with_vrrp_mac_and_sysctls") {
        return;
    }
    let ns = Netns::new("vmac", "a");
    ns.local_link("p0", true);
    let parent = ns.ifindex("p0");
    ns.exec(&["sh", "-c", "echo 0 > /proc/sys/net/ipv4/conf/p0/arp_ignore"]);

    let (v4, v6, reused, saved) = ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        let v4 = nl
            .create_vmac(&VmacSpec::new(parent, 51, false))
            .await
            .expect("vmac v4");
        let mut spec6 = VmacSpec::new(parent, 51, true);
        spec6.name = "vrrp6.51".into();
        let v6 = nl.create_vmac(&spec6).await.expect("vmac v6");
        let reused = nl
            .create_vmac(&VmacSpec::new(parent, 51, false))
            .await
            .expect("reuse");
        let saved = sysctl::apply_vmac_sysctls("vrrp.51", "p0").expect("sysctls");
        (v4, v6, reused, saved)
    });
    assert_eq!(v4.mac, Some([0, 0, 0x5e, 0, 1, 51]));
    assert_eq!(v4.mac, Some(vmac_mac(51, false)));
    assert_eq!(v6.mac, Some([0, 0, 0x5e, 0, 2, 51]));
    assert_eq!(reused.index, v4.index);
    assert!(v4.admin_up && v4.is_up(), "{v4:?}");
    assert_eq!(v4.parent, Some(parent));
    assert_eq!(saved.arp_ignore, 0);

    let shown = ns.ip(&["-d", "link", "show", "vrrp.51"]);
    assert!(shown.contains("vrrp.51@p0"), "{shown}");
    assert!(shown.contains("link/ether 00:00:5e:00:01:33"), "{shown}");
    assert!(shown.contains("macvlan mode private"), "{shown}");
    assert!(shown.contains(",UP,"), "{shown}");
    let read = |path: &str| ns.exec(&["cat", path]).trim().to_string();
    assert_eq!(read("/proc/sys/net/ipv4/conf/vrrp.51/arp_ignore"), "1");
    assert_eq!(read("/proc/sys/net/ipv4/conf/vrrp.51/accept_local"), "1");
    assert_eq!(read("/proc/sys/net/ipv4/conf/vrrp.51/rp_filter"), "0");
    assert_eq!(read("/proc/sys/net/ipv4/conf/p0/arp_ignore"), "1");
    assert_eq!(read("/proc/sys/net/ipv4/conf/p0/arp_filter"), "1");

    let (i4, i6) = (v4.index, v6.index);
    let clash = ns.run(move || async move {
        let nl = Netlink::new().expect("netlink");
        sysctl::restore_parent_sysctls("p0", saved).expect("restore");
        nl.delete_link(i4).await.expect("delete");
        nl.delete_link(i4).await.expect("delete twice is fine");
        nl.delete_link(i6).await.expect("delete v6");
        // A name taken by something that is not our VMAC is refused.
        let mut spec = VmacSpec::new(parent, 52, false);
        spec.name = "p0p".into();
        nl.create_vmac(&spec).await.is_err()
    });
    assert!(clash, "creating a VMAC over a foreign interface must fail");
    assert_eq!(read("/proc/sys/net/ipv4/conf/p0/arp_ignore"), "0");
    let links = ns.ip(&["link", "show"]);
    assert!(!links.contains("vrrp"), "{links}");
}
