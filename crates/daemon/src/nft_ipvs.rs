//! The checker child's `nftables_ipvs` (keepalived's check_nftables.c): the auto-fwmarked
//! virtual_server_group members in nftables, following the configuration across reloads
//! and deleted at stop. The marks themselves and the IPVS fwmark services are
//! keepalived_check's ([`AutoFwmarks`]); this is the kernel side.

use keepalived_check::nft_ipvs::{AutoFwmarks, MarkedMember};
use keepalived_conf::model::{Config, Protocol};
use keepalived_net::firewall::{IpvsNftables, MarkedRange, NftConfig, L4};

use crate::log;

/// The nftables side of `nftables_ipvs`: nothing is opened until a configuration marks a
/// member (the socket is opened then, as keepalived opens it on the first mark).
#[derive(Debug, Default)]
pub struct NftIpvs {
    nft: Option<IpvsNftables>,
}

fn range(m: &MarkedMember) -> MarkedRange {
    MarkedRange {
        l4: match m.protocol {
            Protocol::Tcp => L4::Tcp,
            Protocol::Udp => L4::Udp,
            Protocol::Sctp => L4::Sctp,
        },
        first: m.first,
        last: m.last,
        port: m.port,
        mark: m.mark,
    }
}

impl NftIpvs {
    /// Makes the marked members those of `config` with `marks`: the ones a reload dropped
    /// deleted, the new ones added (tables, chain, maps and rules created when first
    /// needed). Failures are logged; the checkers run all the same.
    pub fn sync(&mut self, config: &Config, marks: &AutoFwmarks) {
        let wanted: Vec<MarkedRange> = marks.members(config).iter().map(range).collect();
        if self.nft.is_none() {
            let Some(table) = &config.global.nftables_ipvs else {
                return;
            };
            if wanted.is_empty() {
                return;
            }
            let conf = NftConfig {
                table: table.clone(),
                priority: config.global.nftables_ipvs_priority,
                counters: config.global.nftables_counters,
            };
            match IpvsNftables::open(conf) {
                Ok(n) => self.nft = Some(n),
                Err(e) => {
                    log::info(format!("nftables_ipvs: {e}"));
                    return;
                }
            }
        }
        if let Some(n) = &mut self.nft {
            if let Err(e) = n.sync(&wanted) {
                log::info(format!("nftables_ipvs: {e}"));
            }
        }
    }

    /// Deletes the tables (keepalived's nft_ipvs_end in clear_services, at a stop that
    /// releases IPVS).
    pub fn stop(&mut self) {
        if let Some(n) = &mut self.nft {
            if let Err(e) = n.cleanup() {
                log::info(format!("nftables_ipvs: {e}"));
            }
        }
        self.nft = None;
    }
}
