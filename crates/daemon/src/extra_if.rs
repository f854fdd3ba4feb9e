//! The interfaces other than its own that an instance's addresses live on (a `dev` other
//! than the instance's interface, the VMACs of `use_vmac_addr` or of an address's
//! `use_vmac`), and `garp_extra_if` / `vrrp_garp_extra_if`: a MASTER's periodic gratuitous
//! ARP (unsolicited NA) on them.
//!
//! keepalived 2.2.7 (vrrp.c `vrrp_send_vmac_update`, called from `vrrp_state_master_tx`):
//! when a MASTER sends an advert and the interval has passed since it became MASTER or last
//! did this, it sends one GARP/NA per such interface, for the first address there, only on
//! the VMACs it created unless `all` is given (and on its own VMAC with `vmac_xmit_base`).
//! The interval is switched off when the instance has no address on another VMAC, nor
//! (with `all`) on another interface.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keepalived_conf::model::{GlobalDefs, VrrpInstance};

use crate::instance::Link;

/// An interface some of the instance's addresses are on, besides its own.
pub struct ExtraIf {
    /// The interface (its announcer sends the GARPs/NAs of the addresses there).
    pub link: Arc<Link>,
    /// A VMAC the daemon created for the addresses (keepalived's `is_ours`).
    pub ours: bool,
    /// The interface a VMAC sits on (its own name otherwise).
    pub base: String,
    /// Its ifindex.
    pub base_ifindex: u32,
    /// A VMAC's family (the MAC 00:00:5e:00:02:VRID for IPv6).
    pub ipv6: bool,
}

/// `garp_extra_if` as the instance runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraGarp {
    /// The period.
    pub interval: Duration,
    /// `all`: every other interface, not only the daemon's VMACs.
    pub all: bool,
    /// When the next round is due (set on becoming MASTER).
    pub next: Option<Instant>,
}

/// The instance's `garp_extra_if`, else global_defs' `vrrp_garp_extra_if`; `None` when off
/// (0, or nothing it could apply to: `ours_elsewhere` = an address on a VMAC of its own on
/// another interface, `others` = an address on another interface).
pub fn extra_garp(
    conf: &VrrpInstance,
    global: &GlobalDefs,
    ours_elsewhere: bool,
    others: bool,
) -> Option<ExtraGarp> {
    let fallback = global.garp.extra_if;
    let (interval, all) = match conf.garp.extra_if {
        Some(set) => set,
        None => fallback.map_or((Duration::ZERO, false), |g| (g.interval, g.all)),
    };
    let applies = ours_elsewhere || (others && all);
    (!interval.is_zero() && applies).then_some(ExtraGarp {
        interval,
        all,
        next: None,
    })
}

/// How early an advert may come and still carry the round due at `next`: the adverts are
/// scheduled on the router's clock, `next` on the wall clock after the previous round's
/// advert, so the advert `interval` later can run a few microseconds before it. keepalived
/// reads both from one `time_now` and needs no slack.
const SLACK: Duration = Duration::from_millis(50);

/// Whether the round due at `next` goes out with an advert sent at `now`.
pub fn is_due(now: Instant, next: Instant) -> bool {
    now + SLACK > next
}

/// The addresses of one round: for each interface in `targets` (the instance's own link
/// first when it takes part), the first of `vips` (ifindex, address) on it.
pub fn round(targets: &[u32], vips: &[(u32, IpAddr)]) -> Vec<(u32, IpAddr)> {
    targets
        .iter()
        .filter_map(|ix| vips.iter().find(|(v, _)| v == ix).copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_conf::model::GarpExtraIf;

    fn conf(extra: Option<(u64, bool)>) -> VrrpInstance {
        let mut c = VrrpInstance::new("V".into(), keepalived_conf::Location::new("t.conf", 1));
        c.garp.extra_if = extra.map(|(s, all)| (Duration::from_secs(s), all));
        c
    }

    #[test]
    fn the_instance_setting_wins_over_the_global_one_and_zero_is_off() {
        let mut g = GlobalDefs::default();
        g.garp.extra_if = Some(GarpExtraIf {
            interval: Duration::from_secs(7),
            all: true,
        });
        let e = extra_garp(&conf(None), &g, false, true).expect("global applies");
        assert_eq!((e.interval, e.all), (Duration::from_secs(7), true));
        let e = extra_garp(&conf(Some((3, false))), &g, true, false).expect("instance");
        assert_eq!((e.interval, e.all), (Duration::from_secs(3), false));
        assert_eq!(extra_garp(&conf(Some((0, true))), &g, true, true), None);
    }

    #[test]
    fn without_all_only_the_daemons_vmacs_count() {
        let g = GlobalDefs::default();
        assert_eq!(extra_garp(&conf(Some((2, false))), &g, false, true), None);
        assert!(extra_garp(&conf(Some((2, true))), &g, false, true).is_some());
        assert_eq!(extra_garp(&conf(Some((2, true))), &g, false, false), None);
    }

    #[test]
    fn a_round_takes_the_first_address_of_each_interface() {
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        let vips = [(2, a("10.0.0.1")), (3, a("10.0.1.1")), (3, a("10.0.1.2"))];
        assert_eq!(
            round(&[3, 9], &vips),
            [(3, a("10.0.1.1"))],
            "one per interface, none where no address is"
        );
    }
}
