//! keepalived's `nftables_ipvs` (check_nftables.c): the members of a virtual_server_group
//! (addresses and address ranges with their port) are marked by nftables, so that IPVS has
//! one firewall-mark service per group, protocol and family instead of one per address.
//!
//! Layout, per family (`table ip TABLE` and `table ip6 TABLE`, TABLE `nftables_ipvs`'s,
//! default "keepalived_ipvs"), created when the first member of that family is marked:
//!
//! ```text
//! table ip keepalived_ipvs {
//!     map tcp_map { type ipv4_addr . inet_service : mark; flags interval;
//!         elements = { 10.0.0.1-10.0.0.9 . 80 : 1000 } }
//!     chain in { type filter hook input priority -1; policy accept;
//!         meta l4proto tcp ip daddr . tcp dport map @tcp_map ... meta mark set ... return }
//! }
//! ```
//!
//! with `udp_map` and `sctp_map` likewise, each map and its rule created with the first
//! member of its protocol; the chain's priority is `nftables_ipvs_priority`; with
//! `nftables_counters` the rule and the map count. Everything is deleted at stop.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::engine::{delete_tables, fam, Writer};
use super::expr::{Base, Expr, MetaKey, Reg, Verdict, NFTA_DATA_VALUE, NFTA_LIST_ELEM};
use super::model::{datatype, Family, Hook, NftConfig, RuleDecl, NFT_SET_MAP};
use super::nla::{Attrs, MsgType, NLM_F_CREATE};
use super::socket::NfSocket;
use super::FirewallError;

/// NFT_SET_INTERVAL.
const NFT_SET_INTERVAL: u32 = 0x4;
/// NFT_SET_CONCAT.
const NFT_SET_CONCAT: u32 = 0x80;
/// nft's `mark` datatype.
const MARK_TYPE: u32 = 19;
/// nft's `inet_service` datatype.
const INET_SERVICE_TYPE: u32 = 13;

/// The transport protocol of a marked group member (the virtual server's `protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum L4 {
    /// TCP: `tcp_map`.
    Tcp,
    /// UDP: `udp_map`.
    Udp,
    /// SCTP: `sctp_map`.
    Sctp,
}

impl L4 {
    fn map(self) -> &'static str {
        match self {
            L4::Tcp => "tcp_map",
            L4::Udp => "udp_map",
            L4::Sctp => "sctp_map",
        }
    }

    fn ipproto(self) -> u8 {
        match self {
            L4::Tcp => libc::IPPROTO_TCP as u8,
            L4::Udp => libc::IPPROTO_UDP as u8,
            L4::Sctp => libc::IPPROTO_SCTP as u8,
        }
    }
}

/// One group member marked: addresses `first..=last` (one address: both the same) with
/// destination port `port` and protocol `l4` get firewall mark `mark`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MarkedRange {
    /// The protocol.
    pub l4: L4,
    /// First address.
    pub first: IpAddr,
    /// Last address (same family as `first`).
    pub last: IpAddr,
    /// Destination port.
    pub port: u16,
    /// The group's mark for this protocol.
    pub mark: u32,
}

impl MarkedRange {
    fn family(&self) -> Family {
        if self.first.is_ipv6() {
            Family::Ip6
        } else {
            Family::Ip
        }
    }

    /// The address . port key as keepalived's nft_update_ipvs_element lays it out: the
    /// address, the port in network order, zeros to a multiple of 4.
    fn key(addr: IpAddr, port: u16) -> Vec<u8> {
        let mut k = match addr {
            IpAddr::V4(a) => a.octets().to_vec(),
            IpAddr::V6(a) => a.octets().to_vec(),
        };
        k.extend_from_slice(&port.to_be_bytes());
        k.extend_from_slice(&[0, 0]);
        k
    }
}

/// Byte offsets of the destination address (struct iphdr / struct ip6_hdr) and port.
const IP_DADDR: u32 = 16;
const IP6_DADDR: u32 = 24;
const DPORT: u32 = 2;

/// `meta l4proto P ip daddr . P dport map @P_map` -> `meta mark set`, `counter`, `return`:
/// keepalived's setup_rule_set_mark. The port goes right after the address: 32-bit register
/// 9 for IPv4 (after 4 bytes of register 1), register 2 for IPv6.
fn set_mark_rule(family: Family, l4: L4, counters: bool) -> RuleDecl {
    let (daddr, len, port_reg) = match family {
        Family::Ip => (IP_DADDR, 4, Reg::R32x01),
        Family::Ip6 => (IP6_DADDR, 16, Reg::R2),
    };
    let mut exprs = vec![
        Expr::Meta {
            key: MetaKey::L4Proto,
            dreg: Reg::R1,
        },
        Expr::CmpEq {
            sreg: Reg::R1,
            data: vec![l4.ipproto()],
        },
        Expr::Payload {
            base: Base::Network,
            offset: daddr,
            len,
            dreg: Reg::R1,
        },
        Expr::Payload {
            base: Base::Transport,
            offset: DPORT,
            len: 2,
            dreg: port_reg,
        },
        Expr::Lookup {
            set: l4.map().into(),
            sreg: Reg::R1,
            dreg: Some(Reg::R1),
        },
        Expr::MetaSet {
            key: MetaKey::Mark,
            sreg: Reg::R1,
        },
    ];
    if counters {
        exprs.push(Expr::Counter);
    }
    exprs.push(Expr::Immediate(Verdict::Return));
    RuleDecl {
        family,
        chain: "in",
        exprs,
    }
}

/// `map P_map { type ADDR . inet_service : mark; flags interval; }` (keepalived's flags:
/// map, concatenation, interval; the fields 4 or 16 and 2 bytes long; a counter per element
/// with `nftables_counters`).
fn add_map(w: &mut Writer<'_>, family: Family, l4: L4) -> u32 {
    *w.set_id += 1;
    let id = *w.set_id;
    let (addr_type, addr_len) = match family {
        Family::Ip => (datatype::IPADDR, 4u32),
        Family::Ip6 => (datatype::IP6ADDR, 16u32),
    };
    let table = w.conf.table.clone();
    let counters = w.conf.counters;
    w.batch.msg(
        MsgType::NewSet,
        family as u8,
        NLM_F_CREATE,
        format!("add map {} {table} {}", fam(family), l4.map()),
        |a| {
            a.str(1, &table).str(2, l4.map()); // NFTA_SET_TABLE, NFTA_SET_NAME
            a.be32(3, NFT_SET_MAP | NFT_SET_CONCAT | NFT_SET_INTERVAL); // NFTA_SET_FLAGS
            a.be32(4, (addr_type << datatype::BITS) | INET_SERVICE_TYPE); // KEY_TYPE
            a.be32(5, addr_len + 4); // NFTA_SET_KEY_LEN: address + port padded to 4
            a.be32(6, MARK_TYPE).be32(7, 4); // NFTA_SET_DATA_TYPE, NFTA_SET_DATA_LEN
            a.be32(10, id); // NFTA_SET_ID
            a.nest(9, |desc| {
                // NFTA_SET_DESC { NFTA_SET_DESC_CONCAT { field lengths } }
                desc.nest(2, |concat| {
                    for field in [addr_len, 2] {
                        concat.nest(NFTA_LIST_ELEM, |f| {
                            f.be32(1, field); // NFTA_SET_FIELD_LEN
                        });
                    }
                });
            });
            // NFTNL_UDATA_SET_KEYBYTEORDER and _DATABYTEORDER: host order (a concatenation).
            let mut u = vec![0u8, 4];
            u.extend_from_slice(&1u32.to_ne_bytes());
            u.extend_from_slice(&[1, 4]);
            u.extend_from_slice(&1u32.to_ne_bytes());
            a.bytes(13, &u); // NFTA_SET_USERDATA
            if counters {
                a.nest(17, |e| {
                    // NFTA_SET_EXPR: { NFTA_EXPR_NAME "counter", NFTA_EXPR_DATA {} }
                    e.str(1, "counter");
                    e.nest(2, |_| {});
                });
            }
        },
    );
    id
}

fn element(w: &mut Writer<'_>, add: bool, r: &MarkedRange, set_id: Option<u32>) {
    let table = w.conf.table.clone();
    let family = r.family();
    let (ty, flags, verb) = if add {
        (MsgType::NewSetElem, NLM_F_CREATE, "add")
    } else {
        (MsgType::DelSetElem, 0, "delete")
    };
    let what = format!(
        "{verb} element {} {table} {} {{ {}-{} . {} : {} }}",
        fam(family),
        r.l4.map(),
        r.first,
        r.last,
        r.port,
        r.mark
    );
    w.batch.msg(ty, family as u8, flags, what, |a| {
        a.str(1, &table).str(2, r.l4.map()); // NFTA_SET_ELEM_LIST_TABLE, _SET
        if let Some(id) = set_id {
            a.be32(4, id); // NFTA_SET_ELEM_LIST_SET_ID
        }
        a.nest(3, |list: &mut Attrs| {
            list.nest(NFTA_LIST_ELEM, |e| {
                e.nest(1, |k| {
                    // NFTA_SET_ELEM_KEY
                    k.bytes(NFTA_DATA_VALUE, &MarkedRange::key(r.first, r.port));
                });
                e.nest(10, |k| {
                    // NFTA_SET_ELEM_KEY_END
                    k.bytes(NFTA_DATA_VALUE, &MarkedRange::key(r.last, r.port));
                });
                e.nest(2, |d| {
                    // NFTA_SET_ELEM_DATA: the mark, host order
                    d.bytes(NFTA_DATA_VALUE, &r.mark.to_ne_bytes());
                });
            });
        });
    });
}

/// keepalived's `nftables_ipvs` tables over nf_tables netlink; each change is one
/// transaction. Blocking socket.
pub struct IpvsNftables {
    sock: NfSocket,
    conf: NftConfig,
    set_id: u32,
    tables: BTreeSet<Family>,
    maps: BTreeSet<(Family, L4)>,
    installed: Vec<MarkedRange>,
}

impl std::fmt::Debug for IpvsNftables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IpvsNftables")
            .field("conf", &self.conf)
            .field("maps", &self.maps)
            .field("installed", &self.installed)
            .finish()
    }
}

impl IpvsNftables {
    /// Opens the nfnetlink socket in the caller's network namespace; nothing is created
    /// until a member is marked. `conf.table` is `nftables_ipvs`'s table, `conf.priority`
    /// `nftables_ipvs_priority`, `conf.counters` `nftables_counters`.
    pub fn open(conf: NftConfig) -> Result<IpvsNftables, FirewallError> {
        Ok(IpvsNftables {
            sock: NfSocket::open()?,
            conf,
            set_id: 0,
            tables: BTreeSet::new(),
            maps: BTreeSet::new(),
            installed: Vec::new(),
        })
    }

    /// The members marked now, in the order they were added.
    pub fn installed(&self) -> &[MarkedRange] {
        &self.installed
    }

    /// Makes the marked members exactly `wanted` (keepalived's order: the members a reload
    /// dropped are deleted, then the new ones added, each table, chain, map and rule created
    /// with the first member that needs it), in one transaction.
    pub fn sync(&mut self, wanted: &[MarkedRange]) -> Result<(), FirewallError> {
        let del: Vec<MarkedRange> = (self.installed.iter())
            .filter(|r| !wanted.contains(r))
            .copied()
            .collect();
        let mut add: Vec<MarkedRange> = Vec::new();
        for r in wanted {
            if !self.installed.contains(r) && !add.contains(r) {
                add.push(*r);
            }
        }
        if add.is_empty() && del.is_empty() {
            return Ok(());
        }
        let mut batch = self.sock.batch();
        let mut set_id = self.set_id;
        let mut tables = self.tables.clone();
        let mut maps = self.maps.clone();
        {
            let mut w = Writer {
                batch: &mut batch,
                conf: &self.conf,
                set_id: &mut set_id,
            };
            for r in &del {
                element(&mut w, false, r, None);
            }
            let mut new_maps = std::collections::BTreeMap::new();
            for r in &add {
                let family = r.family();
                if tables.insert(family) {
                    w.table(MsgType::NewTable, family);
                    w.chain(family, "in", Some(Hook::Input));
                }
                if maps.insert((family, r.l4)) {
                    let id = add_map(&mut w, family, r.l4);
                    w.rule(set_mark_rule(family, r.l4, w.conf.counters));
                    new_maps.insert((family, r.l4), id);
                }
                element(&mut w, true, r, new_maps.get(&(family, r.l4)).copied());
            }
        }
        self.sock.commit(batch)?;
        self.set_id = set_id;
        self.tables = tables;
        self.maps = maps;
        self.installed.retain(|r| !del.contains(r));
        self.installed.extend(add);
        Ok(())
    }

    /// Deletes the tables (at stop, keepalived's nft_ipvs_end).
    pub fn cleanup(&mut self) -> Result<(), FirewallError> {
        delete_tables(
            &mut self.sock,
            &self.conf,
            &mut self.set_id,
            self.tables.iter().copied(),
        )?;
        self.tables.clear();
        self.maps.clear();
        self.installed.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_address_port_and_padding() {
        let k = MarkedRange::key("10.0.0.1".parse().unwrap(), 80);
        assert_eq!(k, vec![10, 0, 0, 1, 0, 80, 0, 0]);
        let k = MarkedRange::key("fd00::1".parse().unwrap(), 8080);
        assert_eq!(k.len(), 20);
        assert_eq!(&k[16..], &[0x1f, 0x90, 0, 0]);
    }

    #[test]
    fn the_port_follows_the_address_in_the_registers() {
        let r = set_mark_rule(Family::Ip, L4::Tcp, false);
        assert_eq!(
            r.exprs[3],
            Expr::Payload {
                base: Base::Transport,
                offset: 2,
                len: 2,
                dreg: Reg::R32x01
            }
        );
        assert_eq!(r.exprs.last(), Some(&Expr::Immediate(Verdict::Return)));
        let r = set_mark_rule(Family::Ip6, L4::Udp, true);
        assert_eq!(
            r.exprs[1],
            Expr::CmpEq {
                sreg: Reg::R1,
                data: vec![17]
            }
        );
        assert!(matches!(r.exprs[3], Expr::Payload { dreg: Reg::R2, .. }));
        assert_eq!(r.exprs[6], Expr::Counter);
    }
}
