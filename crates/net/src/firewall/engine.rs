//! [`Nftables`]: keepalived's tables built lazily, VIPs added to and removed from its sets.

use std::collections::BTreeSet;

use super::expr::{NFTA_DATA_VALUE, NFTA_LIST_ELEM};
use super::model::{
    drop_router_solicit_rule, link_local_goto, link_local_rule, move_igmp_rule, nd_rule, vips_rule,
    Blocked, Family, Hook, NftConfig, RuleDecl, SetDecl, SetKind, Vmac, ND_TYPES,
};
use super::nla::{Attrs, Batch, MsgType, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL};
use super::socket::NfSocket;
use super::FirewallError;

/// What exists in the kernel (keepalived's ipv4_table_setup, ipv4_vips_setup, ... flags).
#[derive(Debug, Default, Clone, Copy)]
struct Built {
    ip_table: bool,
    ip_vips: bool,
    ip6_table: bool,
    ip6_vips: bool,
    ll_index: bool,
    ll_name: bool,
    ip_igmp: bool,
    ip6_igmp: bool,
}

/// keepalived's VRRP firewall in nf_tables. Blocking socket; every call is one transaction.
pub struct Nftables {
    sock: NfSocket,
    conf: NftConfig,
    built: Built,
    set_id: u32,
    installed: BTreeSet<Blocked>,
    vmacs: BTreeSet<Vmac>,
}

impl std::fmt::Debug for Nftables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nftables")
            .field("conf", &self.conf)
            .field("built", &self.built)
            .field("installed", &self.installed)
            .field("vmacs", &self.vmacs)
            .finish()
    }
}

/// Appends the table, chain, set, element and rule messages; knows the table name and the
/// counters setting.
pub(crate) struct Writer<'a> {
    pub(crate) batch: &'a mut Batch,
    pub(crate) conf: &'a NftConfig,
    pub(crate) set_id: &'a mut u32,
}

/// Deletes `conf`'s table in each of `families`, in one batch (the two firewalls' cleanup
/// at stop).
pub(crate) fn delete_tables(
    sock: &mut NfSocket,
    conf: &NftConfig,
    set_id: &mut u32,
    families: impl IntoIterator<Item = Family>,
) -> Result<(), FirewallError> {
    let mut batch = sock.batch();
    {
        let mut w = Writer {
            batch: &mut batch,
            conf,
            set_id,
        };
        for f in families {
            w.table(MsgType::DelTable, f);
        }
    }
    sock.commit(batch)
}

impl Writer<'_> {
    pub(crate) fn table(&mut self, ty: MsgType, family: Family) {
        let name = self.conf.table.clone();
        let verb = if ty == MsgType::NewTable {
            "add"
        } else {
            "delete"
        };
        let flags = if ty == MsgType::NewTable {
            NLM_F_CREATE
        } else {
            0
        };
        self.batch.msg(
            ty,
            family as u8,
            flags,
            format!("{verb} table {} {name}", fam(family)),
            |a| {
                a.str(1, &name); // NFTA_TABLE_NAME
            },
        );
    }

    pub(crate) fn chain(&mut self, family: Family, name: &'static str, hook: Option<Hook>) {
        let table = self.conf.table.clone();
        let prio = self.conf.priority;
        self.batch.msg(
            MsgType::NewChain,
            family as u8,
            NLM_F_CREATE,
            format!("add chain {} {table} {name}", fam(family)),
            |a| {
                a.str(1, &table).str(3, name); // NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME
                if let Some(h) = hook {
                    a.nest(4, |n| {
                        // NFTA_HOOK_HOOKNUM, NFTA_HOOK_PRIORITY
                        n.be32(1, h as u32).be32(2, prio as u32);
                    });
                    a.be32(5, 1); // NFTA_CHAIN_POLICY: NF_ACCEPT
                    a.str(7, "filter"); // NFTA_CHAIN_TYPE
                }
            },
        );
    }

    fn set(&mut self, decl: &SetDecl) -> u32 {
        *self.set_id += 1;
        let id = *self.set_id;
        let table = self.conf.table.clone();
        self.batch.msg(
            MsgType::NewSet,
            decl.family as u8,
            NLM_F_CREATE,
            format!("add set {} {table} {}", fam(decl.family), decl.name),
            |a| {
                a.str(1, &table).str(2, decl.name); // NFTA_SET_TABLE, NFTA_SET_NAME
                if decl.flags != 0 {
                    a.be32(3, decl.flags); // NFTA_SET_FLAGS
                }
                a.be32(4, decl.key_type).be32(5, decl.key_len); // KEY_TYPE, KEY_LEN
                if let Some((ty, len)) = decl.data {
                    a.be32(6, ty).be32(7, len); // NFTA_SET_DATA_TYPE, NFTA_SET_DATA_LEN
                }
                a.be32(10, id); // NFTA_SET_ID
                a.bytes(13, &decl.userdata()); // NFTA_SET_USERDATA
            },
        );
        id
    }

    fn elements(
        &mut self,
        add: bool,
        family: Family,
        set: &str,
        set_id: Option<u32>,
        keys: &[(Vec<u8>, Option<Vec<u8>>)],
    ) {
        let table = self.conf.table.clone();
        let (ty, flags, verb) = if add {
            (MsgType::NewSetElem, NLM_F_CREATE | NLM_F_EXCL, "add")
        } else {
            (MsgType::DelSetElem, 0, "delete")
        };
        self.batch.msg(
            ty,
            family as u8,
            flags,
            format!("{verb} element {} {table} {set}", fam(family)),
            |a| {
                a.str(1, &table).str(2, set); // NFTA_SET_ELEM_LIST_TABLE, _SET
                if let Some(id) = set_id {
                    a.be32(4, id); // NFTA_SET_ELEM_LIST_SET_ID
                }
                a.nest(3, |list| {
                    // NFTA_SET_ELEM_LIST_ELEMENTS
                    for (k, data) in keys {
                        list.nest(NFTA_LIST_ELEM, |e| {
                            e.nest(1, |key| {
                                // NFTA_SET_ELEM_KEY
                                key.bytes(NFTA_DATA_VALUE, k);
                            });
                            if let Some(d) = data {
                                e.nest(2, |v| {
                                    // NFTA_SET_ELEM_DATA (a map's value)
                                    v.bytes(NFTA_DATA_VALUE, d);
                                });
                            }
                        });
                    }
                });
            },
        );
    }

    pub(crate) fn rule(&mut self, rule: RuleDecl) {
        let table = self.conf.table.clone();
        self.batch.msg(
            MsgType::NewRule,
            rule.family as u8,
            NLM_F_APPEND | NLM_F_CREATE,
            format!("add rule {} {table} {}", fam(rule.family), rule.chain),
            |a| {
                a.str(1, &table).str(2, rule.chain); // NFTA_RULE_TABLE, NFTA_RULE_CHAIN
                a.nest(4, |list: &mut Attrs| {
                    // NFTA_RULE_EXPRESSIONS
                    for e in &rule.exprs {
                        e.encode(list);
                    }
                });
            },
        );
    }
}

pub(crate) fn fam(f: Family) -> &'static str {
    match f {
        Family::Ip => "ip",
        Family::Ip6 => "ip6",
    }
}

impl Nftables {
    /// Opens the nfnetlink socket (in the caller's network namespace). Nothing is created
    /// until an address is blocked.
    pub fn open(conf: NftConfig) -> Result<Nftables, FirewallError> {
        Ok(Nftables {
            sock: NfSocket::open()?,
            conf,
            built: Built::default(),
            set_id: 0,
            installed: BTreeSet::new(),
            vmacs: BTreeSet::new(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &NftConfig {
        &self.conf
    }

    /// The addresses blocked now.
    pub fn installed(&self) -> &BTreeSet<Blocked> {
        &self.installed
    }

    /// Makes the blocked addresses exactly `wanted`: removals and additions in one
    /// transaction (tables, chains and sets created as keepalived does when first needed).
    pub fn sync(&mut self, wanted: &BTreeSet<Blocked>) -> Result<(), FirewallError> {
        let del: Vec<Blocked> = self.installed.difference(wanted).cloned().collect();
        let add: Vec<Blocked> = wanted.difference(&self.installed).cloned().collect();
        self.change(&add, &del)
    }

    /// Blocks `addrs` (those not blocked yet).
    pub fn add(&mut self, addrs: &[Blocked]) -> Result<(), FirewallError> {
        let add: Vec<Blocked> = addrs
            .iter()
            .filter(|a| !self.installed.contains(a))
            .cloned()
            .collect();
        self.change(&add, &[])
    }

    /// Unblocks `addrs` (those blocked).
    pub fn remove(&mut self, addrs: &[Blocked]) -> Result<(), FirewallError> {
        let del: Vec<Blocked> = addrs
            .iter()
            .filter(|a| self.installed.contains(a))
            .cloned()
            .collect();
        self.change(&[], &del)
    }

    fn change(&mut self, add: &[Blocked], del: &[Blocked]) -> Result<(), FirewallError> {
        let mut add = add.to_vec();
        let mut del = del.to_vec();
        add.dedup();
        del.dedup();
        if add.is_empty() && del.is_empty() {
            return Ok(());
        }
        // keepalived deletes a leftover table before it first creates its own.
        let fresh = !self.built.ip_table && !self.built.ip6_table && !add.is_empty();
        let mut stale = Vec::new();
        if fresh {
            for f in [Family::Ip, Family::Ip6] {
                if self.sock.table_exists(f as u8, &self.conf.table)? {
                    stale.push(f);
                }
            }
        }
        let mut batch = self.sock.batch();
        let mut built = self.built;
        let mut set_id = self.set_id;
        {
            let mut w = Writer {
                batch: &mut batch,
                conf: &self.conf,
                set_id: &mut set_id,
            };
            for f in &stale {
                w.table(MsgType::DelTable, *f);
            }
            for a in &add {
                setup_for(&mut w, &mut built, a.set());
            }
            for (adding, list) in [(false, &del), (true, &add)] {
                for kind in [
                    SetKind::Vips4,
                    SetKind::Vips6,
                    SetKind::LinkLocalIndex,
                    SetKind::LinkLocalName,
                ] {
                    let keys: Vec<_> = list
                        .iter()
                        .filter(|b| b.set() == kind)
                        .map(|b| (b.key(), None))
                        .collect();
                    if !keys.is_empty() {
                        w.elements(adding, kind.family(), kind.name(), None, &keys);
                    }
                }
            }
        }
        self.sock.commit(batch)?;
        self.built = built;
        self.set_id = set_id;
        for d in &del {
            self.installed.remove(d);
        }
        self.installed.extend(add);
        Ok(())
    }

    /// Deletes keepalived's tables (at stop): `nft delete table ip TABLE`, `... ip6 TABLE`.
    pub fn cleanup(&mut self) -> Result<(), FirewallError> {
        let families = [
            (self.built.ip_table, Family::Ip),
            (self.built.ip6_table, Family::Ip6),
        ];
        delete_tables(
            &mut self.sock,
            &self.conf,
            &mut self.set_id,
            families.into_iter().filter_map(|(b, f)| b.then_some(f)),
        )?;
        self.built = Built::default();
        self.installed.clear();
        self.vmacs.clear();
        Ok(())
    }

    /// The VMACs listed now.
    pub fn vmacs(&self) -> &BTreeSet<Vmac> {
        &self.vmacs
    }

    /// Makes the listed VMACs exactly `wanted` (keepalived's nft_add_vmac and
    /// nft_remove_vmac), with the `vmac_map` and IGMP/MLD rules created when first needed.
    pub fn sync_vmacs(&mut self, wanted: &BTreeSet<Vmac>) -> Result<(), FirewallError> {
        let del: Vec<Vmac> = self.vmacs.difference(wanted).copied().collect();
        let add: Vec<Vmac> = wanted.difference(&self.vmacs).copied().collect();
        if add.is_empty() && del.is_empty() {
            return Ok(());
        }
        let fresh = !self.built.ip_table && !self.built.ip6_table && !add.is_empty();
        let mut stale = Vec::new();
        if fresh {
            for f in [Family::Ip, Family::Ip6] {
                if self.sock.table_exists(f as u8, &self.conf.table)? {
                    stale.push(f);
                }
            }
        }
        let mut batch = self.sock.batch();
        let mut built = self.built;
        let mut set_id = self.set_id;
        {
            let mut w = Writer {
                batch: &mut batch,
                conf: &self.conf,
                set_id: &mut set_id,
            };
            for f in &stale {
                w.table(MsgType::DelTable, *f);
            }
            for v in &add {
                setup_igmp(&mut w, &mut built, v.family);
            }
            for (adding, list) in [(false, &del), (true, &add)] {
                for v in list.iter() {
                    let key = v.ifindex.to_ne_bytes().to_vec();
                    let base = v.base.to_ne_bytes().to_vec();
                    w.elements(
                        adding,
                        v.family,
                        "vmac_map",
                        None,
                        &[(key.clone(), Some(base))],
                    );
                    if v.family == Family::Ip6 {
                        w.elements(adding, v.family, "vmac_set", None, &[(key, None)]);
                    }
                }
            }
        }
        self.sock.commit(batch)?;
        self.built = built;
        self.set_id = set_id;
        for d in &del {
            self.vmacs.remove(d);
        }
        self.vmacs.extend(add);
        Ok(())
    }
}

/// The table and base chain of `family`, as keepalived's nft_setup_ipv4 / nft_setup_ipv6.
fn setup_table(w: &mut Writer<'_>, b: &mut Built, family: Family) {
    let done = match family {
        Family::Ip => &mut b.ip_table,
        Family::Ip6 => &mut b.ip6_table,
    };
    if !*done {
        w.table(MsgType::NewTable, family);
        w.chain(family, "out", Some(Hook::Output));
        *done = true;
    }
}

/// keepalived's nft_setup_igmp: `vmac_map` (ip6: and `vmac_set`) and the rules using them.
fn setup_igmp(w: &mut Writer<'_>, b: &mut Built, family: Family) {
    setup_table(w, b, family);
    let done = match family {
        Family::Ip => &mut b.ip_igmp,
        Family::Ip6 => &mut b.ip6_igmp,
    };
    if *done {
        return;
    }
    let counters = w.conf.counters;
    w.set(&SetDecl::vmac_map(family));
    if family == Family::Ip6 {
        w.set(&SetDecl::vmac_set());
    }
    w.rule(move_igmp_rule(family, counters));
    if family == Family::Ip6 {
        w.rule(drop_router_solicit_rule(counters));
    }
    *done = true;
}

/// Everything `kind` needs that does not exist yet, in keepalived's order
/// (nft_setup_ipv4, nft_setup_ipv4_vips, nft_setup_ipv6, nft_setup_ipv6_vips,
/// setup_link_local_checks).
fn setup_for(w: &mut Writer<'_>, b: &mut Built, kind: SetKind) {
    let counters = w.conf.counters;
    match kind.family() {
        Family::Ip => {
            setup_table(w, b, Family::Ip);
            if !b.ip_vips {
                w.chain(Family::Ip, "in", Some(Hook::Input));
                w.set(&SetDecl::of(SetKind::Vips4));
                w.rule(vips_rule(Family::Ip, "in", counters));
                w.rule(vips_rule(Family::Ip, "out", counters));
                b.ip_vips = true;
            }
        }
        Family::Ip6 => {
            setup_table(w, b, Family::Ip6);
            if !b.ip6_vips {
                w.chain(Family::Ip6, "in", Some(Hook::Input));
                w.chain(Family::Ip6, "in_link_local", None);
                w.chain(Family::Ip6, "out_link_local", None);
                w.set(&SetDecl::of(SetKind::Vips6));
                let nd = SetDecl::neighbor_discovery();
                let id = w.set(&nd);
                let types: Vec<_> = ND_TYPES.iter().map(|t| (vec![*t], None)).collect();
                w.elements(true, Family::Ip6, nd.name, Some(id), &types);
                w.rule(nd_rule("in", counters));
                w.rule(link_local_goto("in", counters));
                w.rule(nd_rule("out", counters));
                w.rule(link_local_goto("out", counters));
                w.rule(vips_rule(Family::Ip6, "in", counters));
                w.rule(vips_rule(Family::Ip6, "out", counters));
                b.ip6_vips = true;
            }
            let (done, which) = match kind {
                SetKind::LinkLocalIndex => (&mut b.ll_index, kind),
                SetKind::LinkLocalName => (&mut b.ll_name, kind),
                _ => return,
            };
            if !*done {
                w.set(&SetDecl::of(which));
                w.rule(link_local_rule(which, false, counters));
                w.rule(link_local_rule(which, true, counters));
                *done = true;
            }
        }
    }
}
