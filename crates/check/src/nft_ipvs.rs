//! global_defs `nftables_ipvs`: keepalived 2.2.7 (ipvswrapper.c ipvs_cmd, check_nftables.c)
//! gives each virtual_server_group without fwmark members, per protocol, a firewall mark
//! ("auto fwmark") from `nftables_ipvs_start_fwmark` (1000) on, in the order the virtual
//! servers are added; nftables marks the group's addresses and ranges with it and IPVS has
//! one fwmark service per family of the group (IPv4 first) instead of one per address.
//!
//! A reload keeps a kept group's mark (ipwrapper.c clear_diff_vsg copies it to the new
//! group) and new groups take the next marks: the counter never goes back.

use std::net::IpAddr;

use keepalived_conf::model::{Config, Protocol, VirtualServer, VsAddress, VsgEntry};

use crate::names;

/// The marks given to (group, protocol), and the next mark to give.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AutoFwmarks {
    /// In the order given.
    marks: Vec<((String, Protocol), u32)>,
    next: u32,
}

/// One group member nftables marks: `first..=last` port `port` of `protocol` get `mark`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkedMember {
    /// The virtual server's protocol.
    pub protocol: Protocol,
    /// First address.
    pub first: IpAddr,
    /// Last address (`first` for one address).
    pub last: IpAddr,
    /// Destination port.
    pub port: u16,
    /// The group's mark.
    pub mark: u32,
}

/// The group and protocol of `vs` when it takes an auto fwmark: `nftables_ipvs` is set, it
/// is a group's virtual server, the group exists and has no fwmark member.
fn auto_key<'a>(vs: &'a VirtualServer, config: &'a Config) -> Option<(&'a str, Protocol)> {
    config.global.nftables_ipvs.as_ref()?;
    let VsAddress::Group(g) = &vs.address else {
        return None;
    };
    let group = config.lvs.groups.iter().find(|x| &x.name == g)?;
    if group
        .entries
        .iter()
        .any(|e| matches!(e, VsgEntry::Fwmark(_)))
    {
        return None;
    }
    let proto = names::vs_protocol(vs, names::is_fwmark(vs, config))?;
    Some((g.as_str(), proto))
}

impl AutoFwmarks {
    /// The marks of `config` (nothing without `nftables_ipvs`), `previous` those of the
    /// configuration before a reload: its marks are kept, new groups numbered on from it.
    pub fn assign(config: &Config, previous: Option<&AutoFwmarks>) -> AutoFwmarks {
        let mut out = AutoFwmarks {
            marks: Vec::new(),
            next: previous.map(|p| p.next).unwrap_or(0),
        };
        for vs in &config.lvs.virtual_servers {
            if vs.real_servers.is_empty() {
                continue;
            }
            let Some((g, proto)) = auto_key(vs, config) else {
                continue;
            };
            let key = (g.to_owned(), proto);
            if out.get(&key).is_some() {
                continue;
            }
            let mark = match previous.and_then(|p| p.get(&key)) {
                Some(m) => m,
                None => {
                    // keepalived's get_next_fwmark: starts at the start mark once.
                    if out.next == 0 {
                        out.next = config.global.nftables_ipvs_start_fwmark;
                    }
                    out.next += 1;
                    out.next - 1
                }
            };
            out.marks.push((key, mark));
        }
        out
    }

    fn get(&self, key: &(String, Protocol)) -> Option<u32> {
        (self.marks.iter()).find(|(k, _)| k == key).map(|(_, m)| *m)
    }

    /// The auto fwmark of virtual server `vs`, if it has one.
    pub fn of(&self, vs: &VirtualServer, config: &Config) -> Option<u32> {
        let (g, proto) = auto_key(vs, config)?;
        self.get(&(g.to_owned(), proto))
    }

    /// Whether no group has a mark.
    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// Every member nftables marks, in keepalived's order (virtual servers, then their
    /// group's members; a group shared by two virtual servers of one protocol once).
    pub fn members(&self, config: &Config) -> Vec<MarkedMember> {
        let mut out: Vec<MarkedMember> = Vec::new();
        for vs in &config.lvs.virtual_servers {
            let (Some(mark), Some((g, protocol))) = (self.of(vs, config), auto_key(vs, config))
            else {
                continue;
            };
            let entries = (config.lvs.groups.iter())
                .filter(|x| x.name == g)
                .flat_map(|x| &x.entries);
            for e in entries {
                if let VsgEntry::Range { first, last, port } = e {
                    let m = MarkedMember {
                        protocol,
                        first: *first,
                        last: *last,
                        port: *port,
                        mark,
                    };
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
            }
        }
        out
    }
}

/// The families of a group's address members: (IPv4, IPv6), keepalived's have_ipv4/6.
pub(crate) fn group_families(config: &Config, group: &str) -> (bool, bool) {
    let mut v4 = false;
    let mut v6 = false;
    for g in config.lvs.groups.iter().filter(|x| x.name == group) {
        for e in &g.entries {
            if let VsgEntry::Range { first, .. } = e {
                if first.is_ipv6() {
                    v6 = true;
                } else {
                    v4 = true;
                }
            }
        }
    }
    (v4, v6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        use keepalived_conf::{load_str, FixedHost, ReadOptions};
        let opts = ReadOptions::default();
        load_str(text, "t.conf".as_ref(), &opts, &FixedHost::lab()).config
    }

    const CONF: &str = "global_defs {\n nftables_ipvs\n nftables_ipvs_start_fwmark 3000\n}\n\
        virtual_server_group A {\n 10.0.0.1 80\n 10.0.0.10-19 8080\n}\n\
        virtual_server_group B {\n fd00::1 53\n}\n\
        virtual_server group A {\n protocol TCP\n real_server 10.1.0.1 80 {\n }\n}\n\
        virtual_server group B {\n protocol UDP\n real_server fd00::2 53 {\n }\n}\n\
        virtual_server group A {\n protocol UDP\n real_server 10.1.0.1 80 {\n }\n}\n";

    #[test]
    fn each_group_and_protocol_takes_the_next_mark_from_the_start_mark() {
        let c = config(CONF);
        let m = AutoFwmarks::assign(&c, None);
        let vss = &c.lvs.virtual_servers;
        assert_eq!(m.of(&vss[0], &c), Some(3000));
        assert_eq!(m.of(&vss[1], &c), Some(3001));
        assert_eq!(m.of(&vss[2], &c), Some(3002));
        let members = m.members(&c);
        // Group A's members once for TCP and once for UDP.
        assert_eq!(members.len(), 5);
        assert_eq!(
            (members[4].protocol, members[4].mark),
            (Protocol::Udp, 3002)
        );
        assert_eq!(members[1].last, "10.0.0.19".parse::<IpAddr>().unwrap());
        assert_eq!(members[1].port, 8080);
        assert_eq!(group_families(&c, "A"), (true, false));
    }

    #[test]
    fn a_reload_keeps_the_marks_and_numbers_new_groups_on() {
        let c = config(CONF);
        let old = AutoFwmarks::assign(&c, None);
        let reloaded = CONF.replace("group B {\n protocol UDP", "group B {\n protocol SCTP");
        let n = config(&reloaded);
        let m = AutoFwmarks::assign(&n, Some(&old));
        let vss = &n.lvs.virtual_servers;
        assert_eq!(m.of(&vss[0], &n), Some(3000));
        assert_eq!(m.of(&vss[1], &n), Some(3003));
        assert_eq!(m.of(&vss[2], &n), Some(3002));
    }

    #[test]
    fn no_marks_without_nftables_ipvs_or_with_a_fwmark_member() {
        let c = config(&CONF.replace(" nftables_ipvs\n", ""));
        assert!(AutoFwmarks::assign(&c, None).is_empty());
        let c = config(&CONF.replace(" 10.0.0.1 80\n", " fwmark 7\n"));
        let m = AutoFwmarks::assign(&c, None);
        assert_eq!(m.of(&c.lvs.virtual_servers[0], &c), None);
        assert_eq!(m.of(&c.lvs.virtual_servers[1], &c), Some(3000));
    }

    #[test]
    fn a_marked_group_is_one_fwmark_service_per_family() {
        let both = CONF.replace(" 10.0.0.1 80\n", " 10.0.0.1 80\n fd00::9 80\n");
        let c = config(&both);
        let plan = crate::plan::build(&c, &crate::Logger::new(|_| {}));
        let keys: Vec<_> = plan.pool.vss[0].services.iter().map(|s| s.key).collect();
        use crate::ipvs::ServiceKey::Fwmark;
        let v4 = Fwmark {
            mark: 3000,
            ipv6: false,
        };
        let v6 = Fwmark {
            mark: 3000,
            ipv6: true,
        };
        assert_eq!(keys, [v4, v6]);
        let plain = config(&both.replace(" nftables_ipvs\n", ""));
        let plan = crate::plan::build(&plain, &crate::Logger::new(|_| {}));
        assert_eq!(plan.pool.vss[0].services.len(), 12);
    }
}
