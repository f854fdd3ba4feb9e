//! `linkbeat_interfaces` / `linkbeat_use_polling`: the interfaces whose link state is
//! polled every second (MII, ethtool or the flags, keepalived's init_interface_linkbeat and
//! if_linkbeat_refresh_thread) instead of taken from netlink, whose link events are then
//! ignored for them (keepalived's netlink_if_link_filter).

use std::time::Duration;

use keepalived_conf::model::LinkbeatType;
use keepalived_conf::Config;
use keepalived_net::linkbeat::{LinkbeatKind, Prober};
use keepalived_net::LinkInfo;

use crate::log;

/// keepalived's POLLING_DELAY.
pub(crate) const POLLING_DELAY: Duration = Duration::from_secs(1);

/// One polled interface.
#[derive(Debug)]
struct Polled {
    name: String,
    configured: Option<LinkbeatKind>,
    /// The probe found to work (None until the interface exists).
    kind: Option<LinkbeatKind>,
    up: bool,
}

/// The polled interfaces and the socket their ioctls go through.
#[derive(Debug)]
pub(crate) struct Linkbeat {
    prober: Prober,
    polled: Vec<Polled>,
}

fn kind_of(t: LinkbeatType) -> LinkbeatKind {
    match t {
        LinkbeatType::Mii => LinkbeatKind::Mii,
        LinkbeatType::Ethtool => LinkbeatKind::Ethtool,
        LinkbeatType::Ioctl => LinkbeatKind::Ioctl,
    }
}

/// The interfaces polling is asked for, with their configured probe: the
/// `linkbeat_interfaces` block's, then the interface of each instance with
/// `linkbeat_use_polling` (or every instance's, with the root keyword).
fn wanted(config: &Config) -> Vec<(String, Option<LinkbeatKind>)> {
    let mut out: Vec<(String, Option<LinkbeatKind>)> = (config.linkbeat_interfaces.iter())
        .map(|n| {
            (
                n.clone(),
                config.linkbeat_types.get(n).copied().map(kind_of),
            )
        })
        .collect();
    for i in &config.vrrp.instances {
        if !(i.linkbeat_use_polling || config.global.linkbeat_use_polling) {
            continue;
        }
        if let Some(n) = &i.interface {
            if !out.iter().any(|(o, _)| o == n) {
                out.push((n.clone(), None));
            }
        }
    }
    out
}

/// Whether an instance follows interface `name` (keepalived's tracking_vrrp list: the
/// instance's interface, `track_interface`, its sync group's, its addresses' `dev`).
fn tracked(config: &Config, name: &str) -> bool {
    let v = &config.vrrp;
    v.instances.iter().any(|i| {
        i.interface.as_deref() == Some(name)
            || i.track_interfaces.iter().any(|t| t.name == name)
            || (i.virtual_ipaddresses.iter())
                .chain(&i.excluded_ipaddresses)
                .any(|a| a.dev.as_deref() == Some(name))
    }) || v
        .sync_groups
        .iter()
        .any(|g| g.track_interfaces.iter().any(|t| t.name == name))
}

impl Linkbeat {
    /// Sets polling up at start (keepalived's init_interface_linkbeat), `links` the kernel's
    /// interfaces now. None when no interface is polled.
    pub(crate) fn start(config: &Config, links: &[LinkInfo]) -> Option<Linkbeat> {
        let mut polled = Vec::new();
        for (name, configured) in wanted(config) {
            if !tracked(config, &name) {
                log::info(format!(
                    "Turning off linkbeat for {name} since not used for tracking"
                ));
                continue;
            }
            let link = links.iter().find(|l| l.name == name);
            if link.is_some_and(|l| matches!(l.kind.as_deref(), Some("macvlan" | "ipvlan"))) {
                log::info(format!(
                    "Turning off linkbeat for {name} since netlink works for vmacs/ipvlans"
                ));
                continue;
            }
            polled.push(Polled {
                name,
                configured,
                kind: None,
                up: false,
            });
        }
        if polled.is_empty() {
            return None;
        }
        let prober = match Prober::new() {
            Ok(p) => p,
            Err(e) => {
                log::info(format!("open linkbeat init socket failed - {e}"));
                return None;
            }
        };
        let mut lb = Linkbeat { prober, polled };
        for idx in 0..lb.polled.len() {
            if links.iter().any(|l| l.name == lb.polled[idx].name) {
                lb.up_now(idx);
            }
        }
        log::info("Using MII-BMSR/ETHTOOL NIC polling thread(s)...");
        Some(lb)
    }

    /// Probes polled interface `idx` (finding its probe first if not known yet).
    fn up_now(&mut self, idx: usize) -> bool {
        let p = &mut self.polled[idx];
        let up = match p.kind {
            Some(k) => self.prober.poll(&p.name, k),
            None => {
                let (kind, up) = self.prober.init(&p.name, p.configured);
                if let Some(c) = p.configured.filter(|c| *c != kind) {
                    log::info(format!(
                        "({}): Configured linkbeat type {} not supported, using {}",
                        p.name,
                        c.as_str(),
                        kind.as_str()
                    ));
                }
                p.kind = Some(kind);
                up
            }
        };
        p.up = up;
        up
    }

    /// Whether `name`'s link state comes from polling (its netlink up/down is ignored).
    pub(crate) fn is_polled(&self, name: &str) -> bool {
        self.polled.iter().any(|p| p.name == name)
    }

    /// The polled interfaces' state now: (name, up).
    pub(crate) fn states(&self) -> impl Iterator<Item = (&str, bool)> {
        self.polled.iter().map(|p| (p.name.as_str(), p.up))
    }

    /// One polling round: the interfaces whose state changed, as (name, up), each logged as
    /// keepalived does. `exists` says whether an interface is there (one that is not is left
    /// down, silently).
    pub(crate) fn poll(&mut self, exists: impl Fn(&str) -> bool) -> Vec<(String, bool)> {
        let mut changed = Vec::new();
        for idx in 0..self.polled.len() {
            let was_up = self.polled[idx].up;
            if !exists(&self.polled[idx].name) {
                // Gone: its deletion was handled as netlink reported it.
                self.polled[idx].up = false;
                continue;
            }
            let up = self.up_now(idx);
            if up != was_up {
                let name = self.polled[idx].name.clone();
                let word = if up { "up" } else { "down" };
                log::info(format!("Linkbeat reports {name} {word}"));
                changed.push((name, up));
            }
        }
        changed
    }
}
