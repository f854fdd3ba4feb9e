//! Virtual server keywords at run time: what [`super::build`] hands IPVS for them, against
//! what keepalived 2.2.7's check_parser.c / ipvswrapper.c set (`ops` IP_VS_SVC_F_ONEPACKET,
//! `flag-N` IP_VS_SVC_F_SCHEDN, `mh-port`/`mh-fallback` SCHED2/SCHED1 only with `lb_algo mh`,
//! `persistence_engine` only with a persistence timeout, the virtual server's `weight` as
//! its real servers' default, `sorry_server_lvs_method`, `ip_family` of a fwmark service).

use super::keyword_tests::clean_plan;
use crate::ipvs::nla::SvcAttr;
use crate::ipvs::ServiceKey;
use keepalived_conf::model::LbKind;

/// The kernel's IP_VS_SVC_F_* bits (include/uapi/linux/ip_vs.h).
const SVC_F_PERSISTENT: u32 = 0x0001;
const SVC_F_ONEPACKET: u32 = 0x0004;
const SVC_F_SCHED1: u32 = 0x0008;
const SVC_F_SCHED2: u32 = 0x0010;
const SVC_F_SCHED3: u32 = 0x0020;

fn pool(text: &str) -> crate::pool::Pool {
    clean_plan(text).pool
}

const RS: &str = " real_server 10.0.0.2 80 {\n }\n";

#[test]
fn service_flags_are_keepalived_s() {
    let flags = |body: &str| {
        let p = pool(&format!(
            "virtual_server 10.0.0.1 80 {{\n lb_kind NAT\n protocol UDP\n{body}\n{RS}}}\n"
        ));
        p.vss[0].services[0].ipvs_flags()
    };
    assert_eq!(flags(" lb_algo rr\n ops"), SVC_F_ONEPACKET);
    assert_eq!(
        flags(" lb_algo rr\n flag-1\n flag-2\n flag-3"),
        SVC_F_SCHED1 | SVC_F_SCHED2 | SVC_F_SCHED3
    );
    assert_eq!(flags(" lb_algo mh\n mh-port"), SVC_F_SCHED2);
    assert_eq!(flags(" lb_algo mh\n mh-fallback"), SVC_F_SCHED1);
    assert_eq!(
        flags(" lb_algo rr\n persistence_timeout 30"),
        SVC_F_PERSISTENT
    );
    let p = pool(&format!(
        "virtual_server 10.0.0.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol UDP\n{RS}}}\n"
    ));
    assert!(matches!(
        p.vss[0].services[0].key,
        ServiceKey::Addr {
            protocol: keepalived_conf::model::Protocol::Udp,
            ..
        }
    ));
}

#[test]
fn a_persistence_engine_goes_with_a_persistence_timeout_only() {
    let pe = |body: &str| {
        let p = pool(&format!(
            "virtual_server 10.0.0.1 5060 {{\n lb_algo rr\n lb_kind NAT\n protocol UDP\n persistence_engine sip\n{body}\n{RS}}}\n"
        ));
        p.vss[0].services[0]
            .attrs()
            .into_iter()
            .find_map(|a| match a {
                SvcAttr::PeName(n) => Some(n),
                _ => None,
            })
    };
    assert_eq!(pe(" persistence_timeout 60"), Some("sip".to_owned()));
    assert_eq!(pe(""), None);
}

#[test]
fn the_virtual_server_weight_and_sorry_method_reach_the_servers() {
    let p = pool(
        "virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n weight 7\n \
         sorry_server 10.0.0.9 80\n sorry_server_lvs_method TUN\n real_server 10.0.0.2 80 {\n }\n \
         real_server 10.0.0.3 80 {\n  weight 2\n }\n}\n",
    );
    let vs = &p.vss[0];
    assert_eq!(vs.rs[0].iweight, 7, "the virtual server's weight");
    assert_eq!(vs.rs[1].iweight, 2, "the real server's own");
    assert_eq!(vs.rs[0].lb_kind, LbKind::Dr);
    assert!(matches!(
        vs.sorry.as_ref().map(|s| s.lb_kind),
        Some(LbKind::Tun(_))
    ));
}

#[test]
fn ip_family_sets_the_family_of_a_fwmark_service() {
    // Tunnelled real servers may be of the other family: ip_family decides the service's.
    let key = |family: &str| {
        let p = pool(&format!(
            "virtual_server fwmark 5 {{\n lb_algo rr\n lb_kind TUN\n{family}\n real_server 10.0.0.2 0 {{\n }}\n}}\n"
        ));
        p.vss[0].services[0].key
    };
    assert_eq!(
        key(" ip_family inet6"),
        ServiceKey::Fwmark {
            mark: 5,
            ipv6: true
        }
    );
    // Without it, the real servers' family (keepalived's vs->af from its first server).
    assert_eq!(
        key(""),
        ServiceKey::Fwmark {
            mark: 5,
            ipv6: false
        }
    );
}
