//! Sync groups and the checks keepalived makes once everything is read (duplicate VRIDs,
//! sync group membership, tracking weights of sync group members and address owners).

mod common;
use common::*;

use keepalived_conf::{ErrorClass, Loaded, Severity};

/// An error found once everything is read (keepalived names no line; we name the
/// instance, group or tracker concerned).
fn post_error(l: &Loaded, text: &str) -> bool {
    l.diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && d.location.is_some() && d.message.contains(text))
}

fn instance(name: &str, ifname: &str, vrid: u8, extra: &str, vip: &str) -> String {
    format!("vrrp_instance {name} {{\n interface {ifname}\n virtual_router_id {vrid}\n{extra}\n virtual_ipaddress {{\n  {vip}\n }}\n}}\n")
}

fn two() -> String {
    instance("VI_1", "eth0", 1, "", "10.0.0.5/24") + &instance("VI_2", "eth1", 2, "", "10.0.1.5/24")
}

#[test]
fn a_sync_group_with_its_keywords() {
    let text = two()
        + "vrrp_script chk {\n script /bin/true\n}\nvrrp_sync_group G1 {\n group {\n  VI_1\n  VI_2\n }\n track_script {\n  chk weight 10\n }\n track_interface {\n  eth2\n }\n notify_master \"/bin/echo m\"\n notify_backup /bin/echo\n notify_fault /bin/echo\n notify_stop /bin/echo\n notify /bin/echo\n smtp_alert\n notify_priority_changes\n sync_group_tracking_weight\n}\n";
    let l = load(&text);
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let g = &l.config.vrrp.sync_groups[0];
    assert_eq!(g.name, "G1");
    let members: Vec<&str> = g.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(members, ["VI_1", "VI_2"]);
    assert_eq!(g.track_scripts[0].weight, Some(10));
    assert_eq!(g.track_interfaces[0].name, "eth2");
    assert_eq!(g.notify.master.as_ref().unwrap().argv, ["/bin/echo", "m"]);
    assert!(g.notify.backup.is_some() && g.notify.fault.is_some());
    assert!(g.notify.stop.is_some() && g.notify.notify.is_some());
    assert_eq!(g.smtp_alert, Some(true));
    assert_eq!(g.notify_priority_changes, Some(true));
    assert!(g.tracking_weight);
    assert_eq!(l.config.vrrp.sync_group_of("VI_2").unwrap().name, "G1");
}

#[test]
fn group_names_may_share_a_line() {
    let l = load(&(two() + "vrrp_sync_group G1 {\n group { VI_1 VI_2 }\n}\n"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert_eq!(l.config.vrrp.sync_groups[0].members.len(), 2);
}

#[test]
fn an_unknown_member_is_ignored_and_an_empty_group_removed() {
    let l = load(&(two() + "vrrp_sync_group G {\n group {\n  VI_X\n }\n}\n"));
    assert!(post_error(
        &l,
        "Virtual router VI_X specified in sync group G doesn't exist - ignoring"
    ));
    assert!(post_error(
        &l,
        "Sync group G, no matching virtual router found in group declaration - removing"
    ));
    assert!(l.config.vrrp.effective_sync_groups().is_empty());
}

#[test]
fn a_group_of_one_is_reported() {
    let l = load(&(two() + "vrrp_sync_group G {\n group {\n  VI_1\n }\n}\n"));
    assert!(post_error(
        &l,
        "Sync group G has only 1 virtual router(s) - this probably isn't what you want"
    ));
    assert_eq!(l.config.vrrp.effective_sync_groups().len(), 1);
}

#[test]
fn an_instance_belongs_to_one_sync_group_only() {
    let text = two()
        + "vrrp_sync_group G1 {\n group {\n  VI_1\n  VI_2\n }\n}\nvrrp_sync_group G2 {\n group {\n  VI_1\n  VI_2\n }\n}\n";
    let l = load(&text);
    assert!(post_error(
        &l,
        "Virtual router VI_1 cannot exist in more than one sync group; ignoring G2"
    ));
    assert!(post_error(
        &l,
        "Virtual router VI_2 cannot exist in more than one sync group; ignoring G2"
    ));
    assert!(post_error(
        &l,
        "Sync group G2, no matching virtual router found in group declaration - removing"
    ));
    let eff = l.config.vrrp.effective_sync_groups();
    assert_eq!(eff.len(), 1);
    assert_eq!(eff[0].0.name, "G1");
    assert_eq!(l.config.vrrp.sync_group_of("VI_1").unwrap().name, "G1");
}

#[test]
fn sync_group_errors_at_parse_time() {
    let text = two()
        + "vrrp_sync_group G1 {\n group {\n  VI_1\n  VI_2\n }\n track_script {\n  nochk\n }\n track_interface {\n  eth9\n }\n notify_deleted\n smtp_alert maybe\n global_tracking\n}\nvrrp_sync_group G1 {\n group {\n  VI_1\n }\n}\n";
    let l = load(&text);
    let line = |n: &str| text.lines().position(|l| l.contains(n)).unwrap() as u32 + 1;
    let at = |n: &str, msg: &str| {
        l.diagnostics.iter().any(|d| {
            d.location.as_ref().map(|x| x.line) == Some(line(n)) && d.message.contains(msg)
        })
    };
    assert!(at(
        "nochk",
        "(G1) track script nochk not found, ignoring..."
    ));
    assert!(at("eth9", "(G1) tracked interface eth9 doesn't exist"));
    assert!(at("notify_deleted", "Unknown keyword 'notify_deleted'"));
    assert!(at("maybe", "Invalid vrrp_group smtp_alert parameter maybe"));
    assert!(at("global_tracking", "(G1) global_tracking is deprecated"));
    assert_eq!(
        l.config.vrrp.sync_groups.len(),
        1,
        "the second G1 is skipped"
    );
    assert!(l.config.vrrp.sync_groups[0].tracking_weight);
}

#[test]
fn weighted_trackers_of_sync_group_members_are_reported() {
    let text = "vrrp_script chk {\n script /bin/true\n weight 10\n}\n".to_owned()
        + &instance(
            "VI_1",
            "eth0",
            1,
            " track_script {\n  chk\n }\n track_interface {\n  eth2 weight 5\n }",
            "10.0.0.5/24",
        )
        + &instance("VI_2", "eth1", 2, "", "10.0.1.5/24")
        + "vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n";
    let l = load(&text);
    assert!(post_error(
        &l,
        "(VI_1) ignoring tracked script chk with weights due to SYNC group"
    ));
    assert!(post_error(
        &l,
        "(VI_1) ignoring tracked interface eth2 with weights due to SYNC group"
    ));
    // sync_group_tracking_weight keeps them.
    let text = text.replacen(
        "vrrp_sync_group G {\n",
        "vrrp_sync_group G {\n sync_group_tracking_weight\n",
        1,
    );
    let l = load(&text);
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
}

#[test]
fn weighted_trackers_of_the_address_owner_are_reported() {
    let text = "vrrp_script chk {\n script /bin/true\n weight 3\n}\ntrack_file tf {\n file /tmp/x\n}\n".to_owned()
        + &instance("VI_1", "eth0", 1, " priority 255\n track_script {\n  chk\n }\n track_file {\n  tf weight 5\n }\n track_interface {\n  eth1 weight 10\n  eth2\n }", "10.0.0.5/24");
    let l = load(&text);
    assert!(post_error(
        &l,
        "(VI_1) ignoring tracked script chk with weights due to address_owner"
    ));
    assert!(post_error(
        &l,
        "(VI_1) ignoring tracked file tf with weight 5 due to address_owner"
    ));
    assert!(post_error(
        &l,
        "(VI_1) ignoring eth1 tracked interface due to address owner"
    ));
    assert!(!post_error(&l, "eth2"));
}

#[test]
fn duplicate_vrid_on_one_interface_and_family() {
    let text = instance("VI_1", "eth0", 10, "", "10.0.0.5/24")
        + &instance("VI_2", "eth0", 10, "", "10.0.0.6/24");
    let l = load(&text);
    assert!(post_error(
        &l,
        "VI_1 and VI_2 both use VRID 10 with IPv4 on interface eth0"
    ));
    let text = instance("VI_1", "eth0", 10, "", "fd00::5/64")
        + &instance("VI_2", "eth0", 10, "", "fd00::6/64");
    assert!(post_error(
        &load(&text),
        "VI_1 and VI_2 both use VRID 10 with IPv6 on interface eth0"
    ));
}

#[test]
fn the_same_vrid_is_fine_on_other_interfaces_families_peers_or_groups() {
    let cases = [
        instance("VI_1", "eth0", 10, "", "10.0.0.5/24")
            + &instance("VI_2", "eth1", 10, "", "10.0.1.5/24"),
        instance("VI_1", "eth0", 10, "", "10.0.0.5/24")
            + &instance("VI_2", "eth0", 10, "", "fd00::5/64"),
        instance(
            "VI_1",
            "eth0",
            10,
            " unicast_peer {\n  10.0.0.2\n }",
            "10.0.0.5/24",
        ) + &instance(
            "VI_2",
            "eth0",
            10,
            " unicast_peer {\n  10.0.0.3\n }",
            "10.0.0.6/24",
        ),
        instance("VI_1", "eth0", 10, "", "10.0.0.5/24")
            + &instance(
                "VI_2",
                "eth0",
                10,
                " mcast_dst_ip 224.0.0.19",
                "10.0.0.6/24",
            ),
    ];
    for text in cases {
        let l = load(&text);
        assert!(problems(&l).is_empty(), "{text}\n{:?}", problems(&l));
    }
}

#[test]
fn a_group_without_group_list_is_removed() {
    // The upstream sample writes the names directly in the block: they are unknown keywords.
    let l = load(&(two() + "vrrp_sync_group VG1 {\n  VI_1\n  VI_2\n}\n"));
    assert!(post_error(
        &l,
        "Sync group VG1 has no virtual router(s). removing"
    ));
    let unknown = l
        .diagnostics
        .iter()
        .filter(|d| d.class == ErrorClass::UnknownKeyword)
        .count();
    assert_eq!(unknown, 2);
    assert!(l.config.vrrp.effective_sync_groups().is_empty());
}

/// keepalived's vrrp_complete_instance: a member without its own `notify_priority_changes`
/// takes its sync group's, before the global `vrrp_notify_priority_changes`.
#[test]
fn a_sync_group_s_notify_priority_changes_is_its_members_default() {
    let text = instance("VI_1", "eth0", 1, "", "10.0.0.5/24")
        + &instance(
            "VI_2",
            "eth1",
            2,
            " notify_priority_changes false",
            "10.0.1.5/24",
        )
        + &instance("VI_3", "eth2", 3, "", "10.0.2.5/24")
        + "vrrp_sync_group G1 {\n group {\n  VI_1\n  VI_2\n }\n notify_priority_changes\n}\n";
    let l = load(&text);
    let v: Vec<Option<bool>> = l
        .config
        .vrrp
        .instances
        .iter()
        .map(|v| v.notify_priority_changes)
        .collect();
    assert_eq!(v, [Some(true), Some(false), None]);
}
