//! Rule lines (`static_rules`, `virtual_rules`).

mod common;
use common::*;

use keepalived_conf::model::{IpFamily, Range, Rule, RuleAction, RTPROT_KEEPALIVED};
use keepalived_conf::Loaded;

/// `static_rules` with one rule per line; `lines[i]` is on line i+2.
fn rules(lines: &[&str]) -> Loaded {
    load(&format!("static_rules {{\n{}\n}}\n", lines.join("\n")))
}

fn only(l: &Loaded) -> &Rule {
    assert_eq!(l.config.vrrp.static_rules.len(), 1, "{:?}", l.diagnostics);
    &l.config.vrrp.static_rules[0]
}

#[test]
fn a_simple_rule() {
    let l = rules(&["from 192.168.2.0/24 table 1 priority 100"]);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let r = only(&l);
    assert_eq!(r.family, IpFamily::V4);
    assert_eq!(r.from.unwrap().to_string(), "192.168.2.0/24");
    assert_eq!(r.action, Some(RuleAction::Table(1)));
    assert_eq!(r.priority, Some(100));
    assert!(!r.invert);
}

#[test]
fn the_options_of_ip_rule_add() {
    let l = rules(&["not from 10.3.0.0/16 to 10.4.0.0/16 iif eth0 oif eth1 tos 22 fwmark 0x18/12 preference 39 realms 30/20 table 40 suppress_prefixlength 8 suppress_ifgroup 3 no_track"]);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let r = only(&l);
    assert!(r.invert && r.no_track);
    assert_eq!(r.to.unwrap().len, 16);
    assert_eq!(r.iif.as_deref(), Some("eth0"));
    assert_eq!(r.oif.as_deref(), Some("eth1"));
    assert_eq!(r.tos, Some(22));
    assert_eq!(r.fwmark, Some((0x18, Some(12))));
    assert_eq!(r.priority, Some(39));
    assert_eq!(r.realms, Some((30, 20)));
    assert_eq!(r.action, Some(RuleAction::Table(40)));
    assert_eq!(r.suppress_prefixlen, Some(8));
    assert_eq!(r.suppress_ifgroup, Some(3));
}

#[test]
fn ipv6_rules_with_ranges() {
    let l = rules(&["to 1:2:3:4:5:6:7:0/112 from 7:6:5:4:3:2::/96 table 6908 priority 5 uidrange 10000-19999 ipproto UDP sport 10-20 dport 20-20"]);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let r = only(&l);
    assert_eq!(r.family, IpFamily::V6);
    assert_eq!(
        r.uidrange,
        Some(Range {
            start: 10000,
            end: 19999
        })
    );
    assert_eq!(r.ipproto, Some(17));
    assert_eq!(r.sport, Some(Range { start: 10, end: 20 }));
    assert_eq!(r.dport, Some(Range { start: 20, end: 20 }));
}

#[test]
fn from_all_and_inet6() {
    let l = rules(&[
        "from all lookup main priority 10 inet6",
        "from all fwmark 0x10 table 5 preference 103",
        "dev eth0 order 5 nop",
    ]);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let r = &l.config.vrrp.static_rules;
    assert_eq!(r[0].family, IpFamily::V6);
    assert_eq!(r[0].from.unwrap().to_string(), "::/0");
    assert_eq!(r[0].action, Some(RuleAction::Table(254)));
    assert_eq!(r[1].from.unwrap().to_string(), "0.0.0.0/0");
    assert_eq!(r[2].iif.as_deref(), Some("eth0"));
    assert_eq!(r[2].priority, Some(5));
    assert_eq!(r[2].action, Some(RuleAction::Nop));
}

#[test]
fn inet6_swallows_the_next_word() {
    // keepalived 2.2.7 quirk: `inet6 from all ...` reads `all` as an option.
    let l = rules(&["inet6 from all table 5 priority 10"]);
    assert!(error_at(&l, 2, "Unknown rule option all"));
    assert!(l.config.vrrp.static_rules.is_empty());
}

#[test]
fn rules_need_an_action_and_table_for_suppressors() {
    let l = rules(&[
        "from 10.0.0.0/8 priority 28",
        "from 10.0.0.0/8 priority 22 goto 40 realms 3",
        "from 10.0.0.0/8 table 5 priority 29 sport 80",
        "from 10.0.0.0/8 table 5 priority 32 uidrange 5",
        "iifname eth0 table 5 priority 16",
        "from 10.0.0.0/8 ip_proto udp table 5 priority 15",
    ]);
    assert!(error_at(&l, 2, "No action specified for rule - ignoring"));
    let msg = "suppressor/realm specified for non table action - skipping";
    assert!(error_at(&l, 3, msg));
    assert!(error_at(&l, 4, "invalid sport range 80"));
    assert!(error_at(&l, 5, "Invalid uidrange uidrange specified"));
    assert!(error_at(&l, 6, "Unknown rule option iifname"));
    assert!(error_at(&l, 7, "Unknown rule option ip_proto"));
    assert!(l.config.vrrp.static_rules.is_empty());
}

#[test]
fn a_rule_without_preference_is_reported() {
    let l = rules(&["from 10.7.0.0/16 table 9"]);
    assert!(error_at(
        &l,
        2,
        "Rule has no preference specified - setting to 16384. This is probably not what you want."
    ));
    assert_eq!(only(&l).priority, None);
}

#[test]
fn goto_must_jump_forward() {
    let l = rules(&["from 10.3.0.0/16 preference 102 goto 40"]);
    assert!(error_at(
        &l,
        2,
        "Invalid rule - preference 102 >= goto target 40"
    ));
}

#[test]
fn l3mdev_excludes_other_actions() {
    let l = rules(&["from 10.5.0.0/16 table 7 priority 105 l3mdev"]);
    assert!(error_at(&l, 2, "Cannot specify l3mdev with other action"));
    assert_eq!(only(&l).action, Some(RuleAction::Table(7)));
}

#[test]
fn a_foreign_protocol_cannot_be_tracked() {
    let l = rules(&["iif eth0 table 10 priority 7 protocol 12"]);
    assert!(error_at(
        &l,
        2,
        "Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol"
    ));
    assert_eq!(only(&l).protocol, Some(RTPROT_KEEPALIVED));
}

#[test]
fn unknown_options_drop_the_rule() {
    let l = rules(&[
        "to 10.2.0.0/16 table main pref 101",
        "from 10.6.0.0/16 table 8 priority 106 suppress_prefixlen 0",
        "from 10.9.0.0/16 table 10 priority 4294967296",
    ]);
    assert!(error_at(&l, 2, "Unknown rule option pref"));
    assert!(error_at(&l, 3, "Unknown rule option suppress_prefixlen"));
    assert!(error_at(&l, 4, "Invalid rule preference 4294967296"));
    assert_eq!(l.diagnostics.len(), 3, "{:?}", l.diagnostics);
    assert!(l.config.vrrp.static_rules.is_empty());
}

#[test]
fn virtual_rules_belong_to_the_instance() {
    let l = load("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n  10.0.0.5/24\n }\n virtual_rules {\n  from 10.0.0.0/24 table 100 priority 10\n  to 10.0.0.0/24 table 100 priority 11 no_track\n }\n}\n");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let v = &l.config.vrrp.instances[0];
    assert_eq!(v.virtual_rules.len(), 2);
    assert!(v.virtual_rules[1].no_track);
}
