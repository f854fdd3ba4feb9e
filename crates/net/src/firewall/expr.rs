//! The nf_tables expressions keepalived's rules use, as typed values that encode
//! themselves into NFTA_RULE_EXPRESSIONS.

use super::nla::Attrs;

/// NFTA_LIST_ELEM.
pub(crate) const NFTA_LIST_ELEM: u16 = 1;
/// NFTA_DATA_VALUE.
pub(crate) const NFTA_DATA_VALUE: u16 = 1;
const NFTA_DATA_VERDICT: u16 = 2;
const NFTA_EXPR_NAME: u16 = 1;
const NFTA_EXPR_DATA: u16 = 2;

/// nf_tables registers (the 16-byte ones keepalived uses; a 20- or 32-byte lookup key
/// runs on from register 1 into register 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// NFT_REG_VERDICT.
    Verdict = 0,
    /// NFT_REG_1.
    R1 = 1,
    /// NFT_REG_2.
    R2 = 2,
    /// NFT_REG32_01: the 4 bytes after the first 4 of NFT_REG_1 (keepalived puts an IPv4
    /// mark-map key's port there, right after the address).
    R32x01 = 9,
}

/// enum nft_payload_bases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// NFT_PAYLOAD_NETWORK_HEADER.
    Network = 1,
    /// NFT_PAYLOAD_TRANSPORT_HEADER.
    Transport = 2,
}

/// The meta keys used (enum nft_meta_keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaKey {
    /// NFT_META_IIF: input interface index.
    Iif = 4,
    /// NFT_META_OIF: output interface index.
    Oif = 5,
    /// NFT_META_IIFNAME.
    IifName = 6,
    /// NFT_META_OIFNAME.
    OifName = 7,
    /// NFT_META_MARK: the packet mark.
    Mark = 3,
    /// NFT_META_L4PROTO: the transport protocol (after IPv6 extension headers).
    L4Proto = 16,
    /// NFT_META_OIFKIND: the output interface's kind ("macvlan").
    OifKind = 27,
}

/// A verdict (netfilter's and nf_tables' shared numbering).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// NF_DROP.
    Drop,
    /// NF_ACCEPT.
    Accept,
    /// NFT_GOTO a chain.
    Goto(String),
    /// NFT_RETURN: back to the calling chain (the base chain's policy).
    Return,
}

/// One expression of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// Load `len` bytes at `offset` of a header into a register.
    Payload {
        /// Header.
        base: Base,
        /// Offset in the header.
        offset: u32,
        /// Length.
        len: u32,
        /// Destination.
        dreg: Reg,
    },
    /// Load interface information into a register.
    Meta {
        /// What.
        key: MetaKey,
        /// Destination.
        dreg: Reg,
    },
    /// Set a packet's meta key (the mark) from a register.
    MetaSet {
        /// What.
        key: MetaKey,
        /// Source.
        sreg: Reg,
    },
    /// Compare a register with data (equality).
    CmpEq {
        /// Source.
        sreg: Reg,
        /// Value.
        data: Vec<u8>,
    },
    /// reg = (reg & mask) ^ xor.
    Bitwise {
        /// Source and destination.
        reg: Reg,
        /// Mask.
        mask: Vec<u8>,
        /// Xor.
        xor: Vec<u8>,
    },
    /// Set membership of the key starting in `sreg`; for a map, the value into `dreg`.
    Lookup {
        /// Set name.
        set: String,
        /// Source.
        sreg: Reg,
        /// Destination of a map's value.
        dreg: Option<Reg>,
    },
    /// Duplicate the packet to the address in `addr` through the interface in `dev`.
    Dup {
        /// Register holding the address.
        addr: Reg,
        /// Register holding the ifindex.
        dev: Reg,
    },
    /// Packet and byte counter (`nftables_counters`).
    Counter,
    /// The rule's verdict.
    Immediate(Verdict),
}

fn data_value(a: &mut Attrs, ty: u16, data: &[u8]) {
    a.nest(ty, |n| {
        n.bytes(NFTA_DATA_VALUE, data);
    });
}

impl Expr {
    fn name(&self) -> &'static str {
        match self {
            Expr::Payload { .. } => "payload",
            Expr::Meta { .. } | Expr::MetaSet { .. } => "meta",
            Expr::CmpEq { .. } => "cmp",
            Expr::Bitwise { .. } => "bitwise",
            Expr::Lookup { .. } => "lookup",
            Expr::Dup { .. } => "dup",
            Expr::Counter => "counter",
            Expr::Immediate(_) => "immediate",
        }
    }

    fn data(&self, a: &mut Attrs) {
        match self {
            Expr::Payload {
                base,
                offset,
                len,
                dreg,
            } => {
                // NFTA_PAYLOAD_DREG, _BASE, _OFFSET, _LEN.
                a.be32(1, *dreg as u32)
                    .be32(2, *base as u32)
                    .be32(3, *offset)
                    .be32(4, *len);
            }
            Expr::Meta { key, dreg } => {
                // NFTA_META_DREG, NFTA_META_KEY.
                a.be32(1, *dreg as u32).be32(2, *key as u32);
            }
            Expr::MetaSet { key, sreg } => {
                // NFTA_META_KEY, NFTA_META_SREG.
                a.be32(2, *key as u32).be32(3, *sreg as u32);
            }
            Expr::CmpEq { sreg, data } => {
                // NFTA_CMP_SREG, NFTA_CMP_OP (NFT_CMP_EQ), NFTA_CMP_DATA.
                a.be32(1, *sreg as u32).be32(2, 0);
                data_value(a, 3, data);
            }
            Expr::Bitwise { reg, mask, xor } => {
                // NFTA_BITWISE_SREG, _DREG, _LEN, _MASK, _XOR.
                a.be32(1, *reg as u32)
                    .be32(2, *reg as u32)
                    .be32(3, mask.len() as u32);
                data_value(a, 4, mask);
                data_value(a, 5, xor);
            }
            Expr::Lookup { set, sreg, dreg } => {
                // NFTA_LOOKUP_SET, NFTA_LOOKUP_SREG, NFTA_LOOKUP_DREG.
                a.str(1, set).be32(2, *sreg as u32);
                if let Some(d) = dreg {
                    a.be32(3, *d as u32);
                }
            }
            Expr::Dup { addr, dev } => {
                // NFTA_DUP_SREG_ADDR, NFTA_DUP_SREG_DEV.
                a.be32(1, *addr as u32).be32(2, *dev as u32);
            }
            Expr::Counter => {}
            Expr::Immediate(v) => {
                // NFTA_IMMEDIATE_DREG, NFTA_IMMEDIATE_DATA.
                a.be32(1, Reg::Verdict as u32);
                a.nest(2, |d| {
                    d.nest(NFTA_DATA_VERDICT, |v2| {
                        let code: u32 = match v {
                            Verdict::Drop => 0,
                            Verdict::Accept => 1,
                            Verdict::Goto(_) => (-4i32) as u32,
                            Verdict::Return => (-5i32) as u32,
                        };
                        // NFTA_VERDICT_CODE, NFTA_VERDICT_CHAIN.
                        v2.be32(1, code);
                        if let Verdict::Goto(chain) = v {
                            v2.str(2, chain);
                        }
                    });
                });
            }
        }
    }

    /// Appends this expression as one NFTA_LIST_ELEM.
    pub(crate) fn encode(&self, a: &mut Attrs) {
        a.nest(NFTA_LIST_ELEM, |e| {
            e.str(NFTA_EXPR_NAME, self.name());
            e.nest(NFTA_EXPR_DATA, |d| self.data(d));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_verdict_matches_keepalived_layout() {
        // keepalived's vrrp_nftables.c shows immediate = 48 bytes: name (14) + data (28).
        let mut a = Attrs::default();
        Expr::Immediate(Verdict::Drop).encode(&mut a);
        assert_eq!(a.buf.len(), 48);
        let mut p = Attrs::default();
        Expr::Payload {
            base: Base::Network,
            offset: 16,
            len: 4,
            dreg: Reg::R1,
        }
        .encode(&mut p);
        assert_eq!(p.buf.len(), 52);
    }
}
