//! keepalived's nftables ruleset, as a typed model: the tables, chains, sets and rules
//! vrrp_nftables.c creates, in the order it creates them.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::expr::{Base, Expr, MetaKey, Reg, Verdict};

/// NFPROTO_IPV4 / NFPROTO_IPV6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `table ip`.
    Ip = 2,
    /// `table ip6`.
    Ip6 = 10,
}

/// The nft datatypes keepalived tags its sets with (nftables' include/datatype.h), so that
/// `nft list ruleset` shows the elements readably.
pub(crate) mod datatype {
    pub const IPADDR: u32 = 7;
    pub const IP6ADDR: u32 = 8;
    pub const IFINDEX: u32 = 20;
    pub const ICMPV6_TYPE: u32 = 29;
    pub const IFNAME: u32 = 41;
    /// Concatenated types are packed 6 bits apart.
    pub const BITS: u32 = 6;
}

/// NFT_SET_CONSTANT.
pub(crate) const NFT_SET_CONSTANT: u32 = 0x2;
/// NFT_SET_MAP.
pub(crate) const NFT_SET_MAP: u32 = 0x8;
const IFNAMSIZ: usize = 16;

/// What the firewall settings are (global_defs `nftables`, `nftables_priority`,
/// `nftables_counters`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NftConfig {
    /// `nftables [TABLE]`: the name of the `ip` and `ip6` tables ("keepalived").
    pub table: String,
    /// `nftables_priority`: the base chains' priority (-1, i.e. just before `filter`).
    pub priority: i32,
    /// `nftables_counters`: a counter in every rule.
    pub counters: bool,
}

impl Default for NftConfig {
    fn default() -> Self {
        NftConfig {
            table: "keepalived".into(),
            priority: -1,
            counters: false,
        }
    }
}

/// One blocked address, filed in the set keepalived files it in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Blocked {
    /// `ip keepalived vips`.
    V4(Ipv4Addr),
    /// `ip6 keepalived vips` (not link-local).
    V6(Ipv6Addr),
    /// `ip6 keepalived vips_link_local`: a link-local address . the interface index.
    V6LinkLocal {
        /// The address.
        addr: Ipv6Addr,
        /// The interface it is on.
        ifindex: u32,
    },
    /// `ip6 keepalived vips_link_local_name`: a link-local address . the interface name
    /// (keepalived uses it with `dont_track_primary`, unless `nftables_ifindex`).
    V6LinkLocalName {
        /// The address.
        addr: Ipv6Addr,
        /// The interface it is on.
        ifname: String,
    },
}

/// A VMAC (`use_vmac`) keepalived lists in `vmac_map` (and, for IPv6, `vmac_set`), so that
/// IGMP / MLDv2 reports leave through the base interface and router solicitations from
/// the VMAC are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Vmac {
    /// The table family it is listed in (the instance's, and the other family when it has
    /// excluded VIPs of that family).
    pub family: Family,
    /// The VMAC's ifindex.
    pub ifindex: u32,
    /// Its base interface's ifindex.
    pub base: u32,
}

/// The sets of keepalived's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SetKind {
    Vips4,
    Vips6,
    LinkLocalIndex,
    LinkLocalName,
}

impl SetKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            SetKind::Vips4 | SetKind::Vips6 => "vips",
            SetKind::LinkLocalIndex => "vips_link_local",
            SetKind::LinkLocalName => "vips_link_local_name",
        }
    }

    pub(crate) fn family(self) -> Family {
        match self {
            SetKind::Vips4 => Family::Ip,
            _ => Family::Ip6,
        }
    }
}

impl Blocked {
    /// The set the address goes in.
    pub(crate) fn set(&self) -> SetKind {
        match self {
            Blocked::V4(_) => SetKind::Vips4,
            Blocked::V6(_) => SetKind::Vips6,
            Blocked::V6LinkLocal { .. } => SetKind::LinkLocalIndex,
            Blocked::V6LinkLocalName { .. } => SetKind::LinkLocalName,
        }
    }

    /// The set element key: the address, then the ifindex (host order) or the name
    /// (NUL-padded to IFNAMSIZ), as keepalived's nft_update_ipv6_address builds it.
    pub(crate) fn key(&self) -> Vec<u8> {
        match self {
            Blocked::V4(a) => a.octets().to_vec(),
            Blocked::V6(a) => a.octets().to_vec(),
            Blocked::V6LinkLocal { addr, ifindex } => {
                let mut k = addr.octets().to_vec();
                k.extend_from_slice(&ifindex.to_ne_bytes());
                k
            }
            Blocked::V6LinkLocalName { addr, ifname } => {
                let mut k = addr.octets().to_vec();
                let mut name = [0u8; IFNAMSIZ];
                let n = ifname.len().min(IFNAMSIZ - 1);
                name[..n].copy_from_slice(&ifname.as_bytes()[..n]);
                k.extend_from_slice(&name);
                k
            }
        }
    }
}

/// A set declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SetDecl {
    pub family: Family,
    pub name: &'static str,
    pub key_type: u32,
    pub key_len: u32,
    pub flags: u32,
    /// A map's value type and length (NFT_SET_MAP).
    pub data: Option<(u32, u32)>,
}

impl SetDecl {
    pub(crate) fn of(kind: SetKind) -> SetDecl {
        use datatype::*;
        let (key_type, key_len) = match kind {
            SetKind::Vips4 => (IPADDR, 4),
            SetKind::Vips6 => (IP6ADDR, 16),
            SetKind::LinkLocalIndex => ((IP6ADDR << BITS) | IFINDEX, 20),
            SetKind::LinkLocalName => ((IP6ADDR << BITS) | IFNAME, 16 + IFNAMSIZ as u32),
        };
        SetDecl {
            family: kind.family(),
            name: kind.name(),
            key_type,
            key_len,
            flags: 0,
            data: None,
        }
    }

    /// `map vmac_map { type iface_index : iface_index }` (VMAC -> its base interface).
    pub(crate) fn vmac_map(family: Family) -> SetDecl {
        SetDecl {
            family,
            name: "vmac_map",
            key_type: datatype::IFINDEX,
            key_len: 4,
            flags: NFT_SET_MAP,
            data: Some((datatype::IFINDEX, 4)),
        }
    }

    /// `set vmac_set { type iface_index }` (IPv6: the VMACs whose router solicitations drop).
    pub(crate) fn vmac_set() -> SetDecl {
        SetDecl {
            family: Family::Ip6,
            name: "vmac_set",
            key_type: datatype::IFINDEX,
            key_len: 4,
            flags: 0,
            data: None,
        }
    }

    /// `set neighbor-discovery { type icmpv6_type; flags constant; }`.
    pub(crate) fn neighbor_discovery() -> SetDecl {
        SetDecl {
            family: Family::Ip6,
            name: "neighbor-discovery",
            key_type: datatype::ICMPV6_TYPE,
            key_len: 1,
            flags: NFT_SET_CONSTANT,
            data: None,
        }
    }

    /// The set's user data as nft reads it: NFTNL_UDATA_SET_KEYBYTEORDER (TLV, host order
    /// u32): big-endian for addresses, host order for anything else.
    pub(crate) fn userdata(&self) -> Vec<u8> {
        let big = self.key_type == datatype::IPADDR || self.key_type == datatype::IP6ADDR;
        let order: u32 = if big { 2 } else { 1 };
        let mut u = vec![0u8, 4];
        u.extend_from_slice(&order.to_ne_bytes());
        if self.data.is_some() {
            // NFTNL_UDATA_SET_DATABYTEORDER: host order.
            u.extend_from_slice(&[1, 4]);
            u.extend_from_slice(&1u32.to_ne_bytes());
        }
        u
    }
}

/// A base chain's hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hook {
    /// NF_INET_LOCAL_IN.
    Input = 1,
    /// NF_INET_LOCAL_OUT.
    Output = 3,
}

/// ICMPv6 neighbour solicitation and advertisement: never dropped, or a no-accept
/// MASTER could not answer for its IPv6 VIPs (RFC 5798 section 6.4.3 wants it to).
pub(crate) const ND_TYPES: [u8; 2] = [135, 136];

// Header offsets (struct iphdr, struct ip6_hdr).
const IP_SADDR: u32 = 12;
const IP_DADDR: u32 = 16;
const IP6_NXT: u32 = 6;
const IP6_SADDR: u32 = 8;
const IP6_DADDR: u32 = 24;

/// A rule: its chain and expressions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleDecl {
    pub family: Family,
    pub chain: &'static str,
    pub exprs: Vec<Expr>,
}

fn tail(exprs: &mut Vec<Expr>, counters: bool, verdict: Verdict) {
    if counters {
        exprs.push(Expr::Counter);
    }
    exprs.push(Expr::Immediate(verdict));
}

/// `ip daddr @vips drop` (input) or `ip saddr @vips drop` (output), and the ip6 forms.
pub(crate) fn vips_rule(family: Family, chain: &'static str, counters: bool) -> RuleDecl {
    let out = chain == "out";
    let (offset, len) = match (family, out) {
        (Family::Ip, true) => (IP_SADDR, 4),
        (Family::Ip, false) => (IP_DADDR, 4),
        (Family::Ip6, true) => (IP6_SADDR, 16),
        (Family::Ip6, false) => (IP6_DADDR, 16),
    };
    let mut exprs = vec![
        Expr::Payload {
            base: Base::Network,
            offset,
            len,
            dreg: Reg::R1,
        },
        Expr::Lookup {
            set: "vips".into(),
            sreg: Reg::R1,
            dreg: None,
        },
    ];
    tail(&mut exprs, counters, Verdict::Drop);
    RuleDecl {
        family,
        chain,
        exprs,
    }
}

/// `icmpv6 type @neighbor-discovery accept`.
pub(crate) fn nd_rule(chain: &'static str, counters: bool) -> RuleDecl {
    let mut exprs = vec![
        Expr::Payload {
            base: Base::Network,
            offset: IP6_NXT,
            len: 1,
            dreg: Reg::R1,
        },
        Expr::CmpEq {
            sreg: Reg::R1,
            data: vec![libc::IPPROTO_ICMPV6 as u8],
        },
        Expr::Payload {
            base: Base::Transport,
            offset: 0,
            len: 1,
            dreg: Reg::R1,
        },
        Expr::Lookup {
            set: "neighbor-discovery".into(),
            sreg: Reg::R1,
            dreg: None,
        },
    ];
    tail(&mut exprs, counters, Verdict::Accept);
    RuleDecl {
        family: Family::Ip6,
        chain,
        exprs,
    }
}

/// `ip6 daddr fe80::/10 goto in_link_local` (or saddr ... out_link_local).
pub(crate) fn link_local_goto(chain: &'static str, counters: bool) -> RuleDecl {
    let out = chain == "out";
    let mut mask = vec![0u8; 16];
    mask[0] = 0xff;
    mask[1] = 0xc0;
    let mut fe80 = vec![0u8; 16];
    fe80[0] = 0xfe;
    fe80[1] = 0x80;
    let mut exprs = vec![
        Expr::Payload {
            base: Base::Network,
            offset: if out { IP6_SADDR } else { IP6_DADDR },
            len: 16,
            dreg: Reg::R1,
        },
        Expr::Bitwise {
            reg: Reg::R1,
            mask,
            xor: vec![0u8; 16],
        },
        Expr::CmpEq {
            sreg: Reg::R1,
            data: fe80,
        },
    ];
    let dest = if out {
        "out_link_local"
    } else {
        "in_link_local"
    };
    tail(&mut exprs, counters, Verdict::Goto(dest.into()));
    RuleDecl {
        family: Family::Ip6,
        chain,
        exprs,
    }
}

/// `ip6 daddr . iif @vips_link_local drop` in in_link_local (`iifname` for the name set;
/// saddr and oif in out_link_local).
pub(crate) fn link_local_rule(kind: SetKind, out: bool, counters: bool) -> RuleDecl {
    let by_name = kind == SetKind::LinkLocalName;
    let key = match (out, by_name) {
        (false, false) => MetaKey::Iif,
        (false, true) => MetaKey::IifName,
        (true, false) => MetaKey::Oif,
        (true, true) => MetaKey::OifName,
    };
    let mut exprs = vec![
        Expr::Payload {
            base: Base::Network,
            offset: if out { IP6_SADDR } else { IP6_DADDR },
            len: 16,
            dreg: Reg::R1,
        },
        Expr::Meta { key, dreg: Reg::R2 },
        Expr::Lookup {
            set: kind.name().into(),
            sreg: Reg::R1,
            dreg: None,
        },
    ];
    tail(&mut exprs, counters, Verdict::Drop);
    RuleDecl {
        family: Family::Ip6,
        chain: if out {
            "out_link_local"
        } else {
            "in_link_local"
        },
        exprs,
    }
}

const IP_PROTOCOL: u32 = 9;
const IPPROTO_IGMP: u8 = 2;
const ICMPV6_MLD2_REPORT: u8 = 143;
const ICMPV6_ROUTER_SOLICIT: u8 = 133;

fn macvlan() -> Vec<u8> {
    let mut k = vec![0u8; IFNAMSIZ];
    k[..7].copy_from_slice(b"macvlan");
    k
}

fn icmpv6_type(t: u8) -> Vec<Expr> {
    vec![
        Expr::Meta {
            key: MetaKey::L4Proto,
            dreg: Reg::R1,
        },
        Expr::CmpEq {
            sreg: Reg::R1,
            data: vec![libc::IPPROTO_ICMPV6 as u8],
        },
        Expr::Payload {
            base: Base::Transport,
            offset: 0,
            len: 1,
            dreg: Reg::R1,
        },
        Expr::CmpEq {
            sreg: Reg::R1,
            data: vec![t],
        },
    ]
}

fn oif_macvlan() -> Vec<Expr> {
    vec![
        Expr::Meta {
            key: MetaKey::OifKind,
            dreg: Reg::R2,
        },
        Expr::CmpEq {
            sreg: Reg::R2,
            data: macvlan(),
        },
        Expr::Meta {
            key: MetaKey::Oif,
            dreg: Reg::R2,
        },
    ]
}

/// `ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map drop`
/// (ip6: `icmpv6 type mld2-listener-report ...`), keepalived's setup_rule_move_igmp.
pub(crate) fn move_igmp_rule(family: Family, counters: bool) -> RuleDecl {
    let mut exprs = match family {
        Family::Ip => vec![
            Expr::Payload {
                base: Base::Network,
                offset: IP_PROTOCOL,
                len: 1,
                dreg: Reg::R1,
            },
            Expr::CmpEq {
                sreg: Reg::R1,
                data: vec![IPPROTO_IGMP],
            },
            Expr::Payload {
                base: Base::Network,
                offset: IP_DADDR,
                len: 4,
                dreg: Reg::R1,
            },
        ],
        Family::Ip6 => {
            let mut e = icmpv6_type(ICMPV6_MLD2_REPORT);
            e.push(Expr::Payload {
                base: Base::Network,
                offset: IP6_DADDR,
                len: 16,
                dreg: Reg::R1,
            });
            e
        }
    };
    exprs.extend(oif_macvlan());
    exprs.push(Expr::Lookup {
        set: "vmac_map".into(),
        sreg: Reg::R2,
        dreg: Some(Reg::R2),
    });
    exprs.push(Expr::Dup {
        addr: Reg::R1,
        dev: Reg::R2,
    });
    tail(&mut exprs, counters, Verdict::Drop);
    RuleDecl {
        family,
        chain: "out",
        exprs,
    }
}

/// `icmpv6 type nd-router-solicit meta oifkind "macvlan" oif @vmac_set drop`.
pub(crate) fn drop_router_solicit_rule(counters: bool) -> RuleDecl {
    let mut exprs = icmpv6_type(ICMPV6_ROUTER_SOLICIT);
    exprs.extend(oif_macvlan());
    exprs.push(Expr::Lookup {
        set: "vmac_set".into(),
        sreg: Reg::R2,
        dreg: None,
    });
    tail(&mut exprs, counters, Verdict::Drop);
    RuleDecl {
        family: Family::Ip6,
        chain: "out",
        exprs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_laid_out_as_keepalived_does() {
        let ll: Ipv6Addr = "fe80::72:100".parse().unwrap();
        let k = Blocked::V6LinkLocalName {
            addr: ll,
            ifname: "eth0".into(),
        }
        .key();
        assert_eq!(k.len(), 32);
        assert_eq!(&k[16..20], b"eth0");
        assert!(k[20..].iter().all(|b| *b == 0));
        let k = Blocked::V6LinkLocal {
            addr: ll,
            ifindex: 7,
        }
        .key();
        assert_eq!(k.len(), 20);
        assert_eq!(SetDecl::of(SetKind::LinkLocalIndex).key_len, 20);
        assert_eq!(SetDecl::of(SetKind::LinkLocalName).key_type, (8 << 6) | 41);
    }

    #[test]
    fn counters_only_when_asked() {
        let r = vips_rule(Family::Ip, "in", false);
        assert_eq!(r.exprs.len(), 3);
        let r = vips_rule(Family::Ip, "in", true);
        assert_eq!(r.exprs[2], Expr::Counter);
        assert_eq!(
            r.exprs[0],
            Expr::Payload {
                base: Base::Network,
                offset: 16,
                len: 4,
                dreg: Reg::R1
            }
        );
    }
}
