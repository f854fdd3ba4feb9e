//! `Clone` for the pool's server states with a `clone_from` that does not allocate when the
//! destination already holds the same configuration: the watch (run.rs `PoolWatch`) copies a
//! virtual server's state after every check, and a derived `clone_from` (`*self =
//! src.clone()`) allocated every real server's name and scripts each time (~100 allocations
//! per check at 100 real servers per virtual server). The fields are destructured so that a
//! new field cannot be forgotten.

use super::{RealServerState, VirtualServerState};

/// `dst.clone_from(src)` only when they differ: for configuration (scripts, services) that
/// the run time never changes, so the comparison is almost always equal and allocation-free.
fn copy_if_changed<T: Clone + PartialEq>(dst: &mut T, src: &T) {
    if dst != src {
        dst.clone_from(src);
    }
}

impl Clone for RealServerState {
    fn clone(&self) -> Self {
        let RealServerState {
            addr,
            name,
            iweight,
            effective_weight,
            alive,
            set,
            inhibit,
            num_failed,
            lb_kind,
            u_threshold,
            l_threshold,
            notify_up,
            notify_down,
            smtp_alert,
        } = self;
        RealServerState {
            addr: *addr,
            name: name.clone(),
            iweight: *iweight,
            effective_weight: *effective_weight,
            alive: *alive,
            set: *set,
            inhibit: *inhibit,
            num_failed: *num_failed,
            lb_kind: *lb_kind,
            u_threshold: *u_threshold,
            l_threshold: *l_threshold,
            notify_up: notify_up.clone(),
            notify_down: notify_down.clone(),
            smtp_alert: *smtp_alert,
        }
    }

    fn clone_from(&mut self, src: &Self) {
        let RealServerState {
            addr,
            name,
            iweight,
            effective_weight,
            alive,
            set,
            inhibit,
            num_failed,
            lb_kind,
            u_threshold,
            l_threshold,
            notify_up,
            notify_down,
            smtp_alert,
        } = src;
        self.addr = *addr;
        self.name.clone_from(name);
        self.iweight = *iweight;
        self.effective_weight = *effective_weight;
        self.alive = *alive;
        self.set = *set;
        self.inhibit = *inhibit;
        self.num_failed = *num_failed;
        self.lb_kind = *lb_kind;
        self.u_threshold = *u_threshold;
        self.l_threshold = *l_threshold;
        copy_if_changed(&mut self.notify_up, notify_up);
        copy_if_changed(&mut self.notify_down, notify_down);
        self.smtp_alert = *smtp_alert;
    }
}

impl Clone for VirtualServerState {
    fn clone(&self) -> Self {
        let VirtualServerState {
            config_index,
            name,
            services,
            quorum,
            hysteresis,
            quorum_state_up,
            quorum_up,
            quorum_down,
            omega,
            smtp_alert,
            rs,
            sorry,
        } = self;
        VirtualServerState {
            config_index: *config_index,
            name: name.clone(),
            services: services.clone(),
            quorum: *quorum,
            hysteresis: *hysteresis,
            quorum_state_up: *quorum_state_up,
            quorum_up: quorum_up.clone(),
            quorum_down: quorum_down.clone(),
            omega: *omega,
            smtp_alert: *smtp_alert,
            rs: rs.clone(),
            sorry: sorry.clone(),
        }
    }

    fn clone_from(&mut self, src: &Self) {
        let VirtualServerState {
            config_index,
            name,
            services,
            quorum,
            hysteresis,
            quorum_state_up,
            quorum_up,
            quorum_down,
            omega,
            smtp_alert,
            rs,
            sorry,
        } = src;
        self.config_index = *config_index;
        self.name.clone_from(name);
        copy_if_changed(&mut self.services, services);
        self.quorum = *quorum;
        self.hysteresis = *hysteresis;
        self.quorum_state_up = *quorum_state_up;
        copy_if_changed(&mut self.quorum_up, quorum_up);
        copy_if_changed(&mut self.quorum_down, quorum_down);
        self.omega = *omega;
        self.smtp_alert = *smtp_alert;
        // Vec::clone_from calls clone_from on the common prefix.
        self.rs.clone_from(rs);
        match (&mut self.sorry, sorry) {
            (Some(d), Some(s)) => d.clone_from(s),
            (d, s) => *d = s.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_conf::model::{LbKind, Script};
    use keepalived_conf::Location;

    fn rs(name: &str, alive: bool, script: Option<&str>) -> RealServerState {
        RealServerState {
            addr: "10.0.0.2:80".parse().unwrap(),
            name: name.into(),
            iweight: 1,
            effective_weight: 3,
            alive,
            set: alive,
            inhibit: false,
            num_failed: u32::from(!alive),
            lb_kind: LbKind::Nat,
            u_threshold: 0,
            l_threshold: 0,
            notify_up: script.map(|s| Script {
                argv: vec![s.into()],
                user: None,
                group: None,
                keyword: "notify_up".into(),
                loc: Location::new("t.conf", 1),
            }),
            notify_down: None,
            smtp_alert: true,
        }
    }

    fn vs(rss: Vec<RealServerState>, sorry: Option<RealServerState>) -> VirtualServerState {
        VirtualServerState {
            config_index: 0,
            name: "[10.0.0.1]:tcp:80".into(),
            services: Vec::new(),
            quorum: 1,
            hysteresis: 0,
            quorum_state_up: true,
            quorum_up: None,
            quorum_down: None,
            omega: false,
            smtp_alert: false,
            rs: rss,
            sorry,
        }
    }

    /// clone_from gives what clone gives, whatever the destination held before (more or
    /// fewer real servers, other scripts, a sorry server or none).
    #[test]
    fn clone_from_equals_clone() {
        let a = vs(
            vec![rs("a", true, Some("/bin/up")), rs("b", false, None)],
            None,
        );
        let b = vs(
            vec![rs("a", false, None)],
            Some(rs("sorry", true, Some("/bin/s"))),
        );
        let c = vs(Vec::new(), Some(rs("other", false, None)));
        for (dst, src) in [(&a, &b), (&b, &a), (&a, &c), (&c, &b), (&b, &c), (&a, &a)] {
            let mut d = dst.clone();
            d.clone_from(src);
            assert_eq!(format!("{d:?}"), format!("{src:?}"));
            assert_eq!(format!("{:?}", src.clone()), format!("{src:?}"));
        }
    }
}
