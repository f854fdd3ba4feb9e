//! `interface_up_down_delays` as keepalived applies them: per interface, VMACs taking their
//! parent's, each cut below (down_timer_adverts - 1) advert intervals of the instances on it
//! (vrrp.c check_debounce_timers: a longer delay would outlast Master_Down_Interval).

use std::time::Duration;

use keepalived_net::debounce::Delays;

use crate::log;
use crate::vrrp::Daemon;

/// The delays the link monitor applies (keepalived_net::debounce).
pub(crate) fn delays(d: &Daemon) -> Delays {
    let mut out: Delays = d
        .config
        .vrrp
        .interface_delays
        .iter()
        .map(|x| (x.ifname.clone(), (x.down, x.up)))
        .collect();
    for i in &d.instances {
        let Some(base) = i.conf.interface.as_deref() else {
            continue;
        };
        let Some(&(mut down, mut up)) = out.get(base) else {
            continue;
        };
        let Some(mc) = d.router.machine(i.id).map(|m| m.config()) else {
            continue;
        };
        let advert = mc.advert_interval;
        let limit = advert * mc.down_timer_adverts.saturating_sub(1);
        if down >= limit || up >= limit {
            log::info(format!(
                "{}: interface {base} debounce timer(s) not less that {} * advert_int - resetting",
                i.conf.name,
                mc.down_timer_adverts.saturating_sub(1)
            ));
            let cut = limit.saturating_sub(advert / 256);
            down = down.min(cut);
            up = up.min(cut);
        }
        out.insert(base.to_owned(), (down, up));
        if i.conf.vmac.is_some() && i.link.name != base {
            out.insert(i.link.name.clone(), (down, up));
        }
    }
    out.retain(|_, (down, up)| *down > Duration::ZERO || *up > Duration::ZERO);
    out
}
