//! Linkbeat probes on a veth (no MII registers, ETHTOOL_GLINK = carrier), against what the
//! kernel says of the same interface.

mod common;

use common::{have_root, Netns};
use keepalived_net::linkbeat::{LinkbeatKind, Prober};

#[test]
fn veth_answers_ethtool_not_mii_and_follows_its_carrier() {
    if !have_root("veth_answers_ethtool_not_mii_and_follows_its_carrier") {
        return;
    }
    let ns = Netns::with_prefix("kvl", "probe", "a");
    ns.local_link("lb0", true);
    let probe = |ns: &Netns| {
        ns.run(|| async {
            let p = Prober::new().expect("socket");
            (
                p.mii("lb0"),
                p.ethtool("lb0"),
                p.flags_up("lb0"),
                p.init("lb0", None),
                p.init("lb0", Some(LinkbeatKind::Mii)),
                p.init("lb0", Some(LinkbeatKind::Ioctl)),
                p.poll("lb0", LinkbeatKind::Ethtool),
                p.flags_up("nosuch0"),
            )
        })
    };
    let up = probe(&ns);
    assert_eq!(up.0, None, "a veth has no MII registers");
    assert_eq!(up.1, Some(true));
    assert!(up.2);
    assert_eq!(up.3, (LinkbeatKind::Ethtool, true));
    assert_eq!(
        up.4,
        (LinkbeatKind::Ethtool, true),
        "MII falls back to ETHTOOL"
    );
    assert_eq!(up.5, (LinkbeatKind::Ioctl, true));
    assert!(up.6);
    assert!(!up.7, "no such device is down");
    // The peer down: no carrier, the interface still administratively up.
    ns.ip(&["link", "set", "lb0p", "down"]);
    let down = probe(&ns);
    assert_eq!(down.1, Some(false));
    assert!(!down.2, "not RUNNING");
    assert_eq!(down.3, (LinkbeatKind::Ethtool, false));
    assert_eq!(down.5, (LinkbeatKind::Ioctl, false));
    assert!(!down.6);
}
