//! Real servers in and out of IPVS, quorum and the sorry server: keepalived's ipwrapper.c.

use super::{real_weight, Pool, RealServerState};
use crate::ipvs::{Destination, Ipvs};

/// Which server of a virtual server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Who {
    Real(usize),
    Sorry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DestOp {
    /// Add; an inhibited server already set is edited back to its weight instead.
    Add { zero_weight: bool },
    /// Remove; an inhibited server is edited to weight 0 instead.
    Del,
    /// Remove even when inhibited (shutdown).
    ForceDel,
    /// New weight.
    Edit,
}

impl Pool {
    fn server(&self, vs: usize, who: Who) -> Option<&RealServerState> {
        let v = self.vss.get(vs)?;
        match who {
            Who::Real(i) => v.rs.get(i),
            Who::Sorry => v.sorry.as_ref(),
        }
    }

    fn server_mut(&mut self, vs: usize, who: Who) -> Option<&mut RealServerState> {
        let v = self.vss.get_mut(vs)?;
        match who {
            Who::Real(i) => v.rs.get_mut(i),
            Who::Sorry => v.sorry.as_mut(),
        }
    }

    /// keepalived's `ipvs_cmd()` for a destination; false when IPVS refused.
    pub(super) fn dest_cmd(
        &mut self,
        ipvs: &mut dyn Ipvs,
        vs: usize,
        who: Who,
        op: DestOp,
    ) -> bool {
        let Some(rs) = self.server(vs, who) else {
            return false;
        };
        let mut dest = Destination {
            addr: rs.addr,
            weight: real_weight(rs.effective_weight),
            lb_kind: rs.lb_kind,
            u_threshold: rs.u_threshold,
            l_threshold: rs.l_threshold,
        };
        #[derive(PartialEq)]
        enum Call {
            Add,
            Edit,
            Del,
        }
        let call = match op {
            DestOp::Add { .. } if rs.inhibit && rs.set => Call::Edit,
            DestOp::Add { zero_weight } => {
                if zero_weight {
                    dest.weight = 0;
                }
                Call::Add
            }
            DestOp::Del if rs.inhibit => {
                dest.weight = 0;
                Call::Edit
            }
            DestOp::Del | DestOp::ForceDel => Call::Del,
            DestOp::Edit => Call::Edit,
        };
        let services = self.vss[vs].services.clone();
        let mut ok = true;
        for svc in &services {
            let r = match call {
                Call::Add => ipvs.add_dest(svc, &dest),
                Call::Edit => ipvs.edit_dest(svc, &dest),
                Call::Del => ipvs.del_dest(svc, &dest),
            };
            if let Err(e) = r {
                self.info(e.to_string());
                ok = false;
            }
        }
        if let Some(rs) = self.server_mut(vs, who) {
            match call {
                Call::Add if ok => rs.set = true,
                Call::Del => rs.set = false,
                _ => {}
            }
        }
        ok
    }

    /// Sum of the weights of the live real servers (`weigh_live_realservers`).
    pub(super) fn weigh_live(&self, vs: usize) -> i64 {
        self.vss[vs]
            .rs
            .iter()
            .filter(|r| r.alive)
            .map(|r| i64::from(real_weight(r.effective_weight)))
            .sum()
    }

    pub(super) fn rs_notifies(&mut self, vs: usize, rs: usize) {
        let Some(r) = self.vss.get(vs).and_then(|v| v.rs.get(rs)) else {
            return;
        };
        let script = if r.alive {
            r.notify_up.clone()
        } else {
            r.notify_down.clone()
        };
        let line = format!(
            "RS {} {} {}\n",
            r.name,
            self.vss[vs].name,
            if r.alive { "UP" } else { "DOWN" }
        );
        self.fifo_lines.push(line);
        self.queue(&script);
        self.trap(vs, Some(rs), false);
    }

    /// keepalived's quorum mail (ipwrapper.c do_vs_notifies, SMTP_MSG_VS).
    fn vs_mail(&mut self, vs: usize, init: bool, threshold: i64, weight_sum: i64) {
        let v = &self.vss[vs];
        if !v.smtp_alert {
            return;
        }
        let what = match (v.quorum_state_up, init) {
            (true, true) => "Starting with quorum up",
            (true, false) => "Gained quorum",
            (false, true) => "Starting with quorum down",
            (false, false) => "Lost quorum",
        };
        let alert = super::CheckerAlert {
            rs: None,
            vs: v.name.clone(),
            up: v.quorum_state_up,
            body: format!(
                "=> {what} {}+{}={threshold} <= {weight_sum} <=",
                v.quorum, v.hysteresis
            ),
        };
        self.alerts.push(alert);
    }

    fn vs_notifies(&mut self, vs: usize) {
        let v = &self.vss[vs];
        let script = if v.quorum_state_up {
            v.quorum_up.clone()
        } else {
            v.quorum_down.clone()
        };
        let line = format!(
            "VS {} {}\n",
            v.name,
            if v.quorum_state_up { "UP" } else { "DOWN" }
        );
        self.trap(vs, None, false);
        self.fifo_lines.push(line);
        self.queue(&script);
    }

    /// `perform_quorum_state`: alive real servers into (or out of) the pool.
    fn perform_quorum_state(&mut self, ipvs: &mut dyn Ipvs, vs: usize, add: bool) {
        self.info(format!(
            "{} the pool for VS {}",
            if add {
                "Adding alive servers to"
            } else {
                "Removing alive servers from"
            },
            self.vss[vs].name
        ));
        for i in 0..self.vss[vs].rs.len() {
            if !self.vss[vs].rs[i].alive {
                continue;
            }
            let op = if add {
                DestOp::Add { zero_weight: false }
            } else {
                DestOp::Del
            };
            self.dest_cmd(ipvs, vs, Who::Real(i), op);
        }
    }

    /// `update_quorum_state`: quorum gained or lost, the sorry server swapped in or out.
    pub(super) fn update_quorum_state(&mut self, ipvs: &mut dyn Ipvs, vs: usize, init: bool) {
        let weight_sum = self.weigh_live(vs);
        let v = &self.vss[vs];
        let up = v.quorum_state_up;
        let threshold = v.quorum + if up { -v.hysteresis } else { v.hysteresis };
        let sorry_alive = v.sorry.as_ref().map(|s| s.alive);
        if !up && weight_sum >= threshold {
            self.vss[vs].quorum_state_up = true;
            let v = &self.vss[vs];
            self.info(format!(
                "Gained quorum {}+{}={threshold} <= {weight_sum} for VS {}",
                v.quorum, v.hysteresis, v.name
            ));
            if sorry_alive == Some(true) {
                let (inhibit, name) = match &v.sorry {
                    Some(s) => (s.inhibit, s.name.clone()),
                    None => (false, String::new()),
                };
                self.info(format!(
                    "{} sorry server {name} from VS {}",
                    if inhibit { "Disabling" } else { "Removing" },
                    v.name
                ));
                self.dest_cmd(ipvs, vs, Who::Sorry, DestOp::Del);
                if let Some(s) = self.vss[vs].sorry.as_mut() {
                    s.alive = false;
                }
                self.perform_quorum_state(ipvs, vs, true);
            }
            self.vs_notifies(vs);
            self.vs_mail(vs, init, threshold, weight_sum);
        } else if (up && (weight_sum == 0 || weight_sum < threshold))
            || (init && !up && sorry_alive == Some(false))
        {
            self.vss[vs].quorum_state_up = false;
            let v = &self.vss[vs];
            self.info(format!(
                "{} {}-{}={threshold} > {weight_sum} for VS {}",
                if init {
                    "Starting with quorum down"
                } else {
                    "Lost quorum"
                },
                v.quorum,
                v.hysteresis,
                v.name
            ));
            if sorry_alive == Some(false) {
                let (inhibit, name) = match &v.sorry {
                    Some(s) => (s.inhibit, s.name.clone()),
                    None => (false, String::new()),
                };
                self.info(format!(
                    "{} sorry server {name} to VS {}",
                    if inhibit { "Enabling" } else { "Adding" },
                    v.name
                ));
                self.perform_quorum_state(ipvs, vs, false);
                self.dest_cmd(ipvs, vs, Who::Sorry, DestOp::Add { zero_weight: false });
                if let Some(s) = self.vss[vs].sorry.as_mut() {
                    s.alive = true;
                }
            }
            self.vs_notifies(vs);
            self.vs_mail(vs, init, threshold, weight_sum);
        }
    }

    /// `perform_svr_state`: a real server goes into or out of the pool.
    pub(super) fn perform_svr_state(
        &mut self,
        ipvs: &mut dyn Ipvs,
        vs: usize,
        rs: usize,
        alive: bool,
    ) -> bool {
        let Some(r) = self.real_server(vs, rs) else {
            return false;
        };
        if r.alive == alive {
            return true;
        }
        let v = &self.vss[vs];
        let verb = match (alive, r.inhibit) {
            (true, true) => "Enabl",
            (true, false) => "Add",
            (false, true) => "Disabl",
            (false, false) => "Remov",
        };
        let prep = if r.inhibit {
            "of"
        } else if alive {
            "to"
        } else {
            "from"
        };
        self.info(format!("{verb}ing service {} {prep} VS {}", r.name, v.name));
        let sorry_alive = v.sorry.as_ref().is_some_and(|s| s.alive);
        if v.quorum_state_up || !sorry_alive {
            let op = if alive {
                DestOp::Add { zero_weight: false }
            } else {
                DestOp::Del
            };
            if !self.dest_cmd(ipvs, vs, Who::Real(rs), op) {
                return false;
            }
        }
        self.vss[vs].rs[rs].alive = alive;
        self.rs_notifies(vs, rs);
        self.update_quorum_state(ipvs, vs, false);
        true
    }

    /// `set_checker_state`.
    pub(super) fn set_checker_state(&mut self, ck: usize, up: bool) {
        let c = &mut self.checkers[ck];
        if c.is_up == up {
            return;
        }
        c.is_up = up;
        let (vs, rs) = (c.vs, c.rs);
        let r = &mut self.vss[vs].rs[rs];
        if !up {
            r.num_failed += 1;
        } else {
            r.num_failed = r.num_failed.saturating_sub(1);
        }
    }

    /// `update_svr_checker_state`: a checker's verdict applied to its real server.
    pub(super) fn update_svr_checker_state(&mut self, ipvs: &mut dyn Ipvs, ck: usize, alive: bool) {
        let c = &self.checkers[ck];
        let (vs, rs) = (c.vs, c.rs);
        if c.is_up == alive {
            if !c.has_run {
                if c.timing.alpha || !alive {
                    self.rs_notifies(vs, rs);
                }
                self.checkers[ck].has_run = true;
            }
            return;
        }
        self.checkers[ck].has_run = true;
        let failed = self.vss[vs].rs[rs].num_failed;
        if alive {
            if failed <= 1 && !self.perform_svr_state(ipvs, vs, rs, true) {
                return;
            }
        } else if failed == 0 && !self.perform_svr_state(ipvs, vs, rs, false) {
            return;
        }
        self.set_checker_state(ck, alive);
    }

    /// keepalived's check_snmp_realserver_weight: an SNMP Set of real server `rs`'s weight
    /// (`update_svr_wgt` with the quorum updated); a server the pool does not have is left
    /// alone.
    pub fn set_weight(&mut self, ipvs: &mut dyn Ipvs, vs: usize, rs: usize, weight: i64) {
        if self.vss.get(vs).is_some_and(|v| rs < v.rs.len()) {
            self.update_svr_wgt(ipvs, vs, rs, weight);
        }
    }

    /// `update_svr_wgt`: a new effective weight for a real server.
    pub(super) fn update_svr_wgt(
        &mut self,
        ipvs: &mut dyn Ipvs,
        vs: usize,
        rs: usize,
        weight: i64,
    ) {
        let r = &self.vss[vs].rs[rs];
        let (old, new) = (real_weight(r.effective_weight), real_weight(weight));
        self.vss[vs].rs[rs].effective_weight = weight;
        if old == new {
            return;
        }
        let r = &self.vss[vs].rs[rs];
        let v = &self.vss[vs];
        self.info(format!(
            "Changing weight from {old} to {new} for {}active service {} of VS {}",
            if r.alive { "" } else { "in" },
            r.name,
            v.name
        ));
        let sorry_alive = v.sorry.as_ref().is_some_and(|s| s.alive);
        if r.set && r.alive && (v.quorum_state_up || !sorry_alive) {
            self.dest_cmd(ipvs, vs, Who::Real(rs), DestOp::Edit);
        }
        self.update_quorum_state(ipvs, vs, false);
    }

    /// `init_services`: the virtual services and their initially healthy real servers
    /// into IPVS. Alpha checkers (and failed FILE_CHECKs) start failed.
    pub fn init(&mut self, ipvs: &mut dyn Ipvs) {
        self.init_with(ipvs, None);
    }

    /// [`Pool::init`] after a reload: the checkers `memory` knows (same virtual server, real
    /// server and position) start in the state they had, so kept real servers neither leave
    /// IPVS nor run their notify scripts again; new checkers start as configured (`alpha`).
    pub fn init_with(&mut self, ipvs: &mut dyn Ipvs, memory: Option<&super::CheckerMemory>) {
        let keys = memory.map(|_| self.checker_keys());
        for ck in 0..self.checkers.len() {
            let known = memory
                .zip(keys.as_ref())
                .and_then(|(m, k)| m.get(k.get(ck)?).copied());
            match known {
                Some(up) => {
                    // It has run before: its first report is no news (no notify).
                    self.set_checker_state(ck, up);
                    self.checkers[ck].has_run = true;
                }
                None => {
                    if self.checkers[ck].timing.alpha {
                        self.set_checker_state(ck, false);
                    }
                    // keepalived at start (not on a reload): "for non alpha mode, one
                    // failure is enough initially; for alpha mode, log failure after one
                    // failure" (retry_it = retry).
                    if memory.is_none() {
                        self.checkers[ck].retry_it = self.checkers[ck].timing.retry;
                    }
                }
            }
        }
        for vs in 0..self.vss.len() {
            for svc in self.vss[vs].services.clone() {
                if let Err(e) = ipvs.add_service(&svc) {
                    self.info(e.to_string());
                }
            }
            for rs in 0..self.vss[vs].rs.len() {
                let r = &self.vss[vs].rs[rs];
                let failed = r.num_failed > 0;
                if (!failed && !r.alive) || (r.inhibit && !r.set) {
                    self.dest_cmd(
                        ipvs,
                        vs,
                        Who::Real(rs),
                        DestOp::Add {
                            zero_weight: failed,
                        },
                    );
                    if !failed {
                        self.vss[vs].rs[rs].alive = true;
                        if self.rs_init_notifies {
                            self.rs_notifies(vs, rs);
                        }
                    }
                }
            }
            // A reload keeps the quorum state (keepalived carries vs->quorum_state_up over):
            // only a change is news.
            let kept = memory.and_then(|m| m.get(&Self::quorum_key(&self.vss[vs].name)));
            if let Some(&up) = kept {
                self.vss[vs].quorum_state_up = up;
            }
            self.update_quorum_state(ipvs, vs, kept.is_none());
            let sorry = self.vss[vs].sorry.as_ref().map(|s| (s.inhibit, s.set));
            if sorry == Some((true, false)) {
                self.dest_cmd(ipvs, vs, Who::Sorry, DestOp::Add { zero_weight: true });
            }
        }
    }

    /// Each checker's current verdict, for [`Pool::init_with`] after a reload.
    pub fn memory(&self) -> super::CheckerMemory {
        let quorums = self
            .vss
            .iter()
            .map(|v| (Self::quorum_key(&v.name), v.quorum_state_up));
        self.checker_keys()
            .into_iter()
            .zip(self.checkers.iter().map(|c| c.is_up))
            .chain(quorums)
            .collect()
    }

    /// A virtual server's quorum state's key in [`Pool::memory`] (checker keys have `|`).
    fn quorum_key(vs: &str) -> String {
        format!("quorum {vs}")
    }

    /// A checker's identity across configurations: its virtual server, its real server and
    /// its position among that real server's checkers.
    /// Every checker's key, in checker order, in one pass (counting each real server's
    /// checkers as they come): asking for one key at a time scanned every earlier checker,
    /// O(checkers²) per reload, 17 % of the checker child's CPU during a reload of 20,000
    /// real servers.
    pub(super) fn checker_keys(&self) -> Vec<String> {
        let mut seen: std::collections::HashMap<(usize, usize), usize> =
            std::collections::HashMap::new();
        self.checkers
            .iter()
            .map(|c| {
                let n = seen.entry((c.vs, c.rs)).or_insert(0);
                let nth = *n;
                *n += 1;
                let vs = &self.vss[c.vs];
                let rs = vs.rs.get(c.rs).map_or("", |r| r.name.as_str());
                format!("{}|{}|{}", vs.name, rs, nth)
            })
            .collect()
    }

    /// `clear_services` on shutdown: every destination and service removed; with `omega`
    /// the down notifies run.
    pub fn shutdown(&mut self, ipvs: &mut dyn Ipvs) {
        for vs in 0..self.vss.len() {
            if self.vss[vs].sorry.as_ref().is_some_and(|s| s.set) {
                self.dest_cmd(ipvs, vs, Who::Sorry, DestOp::ForceDel);
                if let Some(s) = self.vss[vs].sorry.as_mut() {
                    s.alive = false;
                }
            }
            let omega = self.vss[vs].omega;
            for rs in 0..self.vss[vs].rs.len() {
                let r = &self.vss[vs].rs[rs];
                self.info(format!(
                    "Shutting down {}service {} from VS {}",
                    if r.inhibit && !r.alive {
                        "(inhibited) "
                    } else {
                        ""
                    },
                    r.name,
                    self.vss[vs].name
                ));
                if !r.set {
                    continue;
                }
                self.dest_cmd(ipvs, vs, Who::Real(rs), DestOp::ForceDel);
                if !self.vss[vs].rs[rs].alive {
                    continue;
                }
                self.vss[vs].rs[rs].alive = false;
                if omega {
                    self.rs_notifies(vs, rs);
                    // rs_notifies queued it as a running one: it says stopping.
                    self.traps.pop();
                }
                // keepalived sends the SNMP notification at stop with or without omega.
                self.trap(vs, Some(rs), true);
            }
            self.vss[vs].quorum_state_up = false;
            // keepalived's update_vs_notifies(stopping): the quorum notification (state 3)
            // whatever omega says; the other notifies with omega only.
            if omega {
                self.vs_notifies(vs);
                self.traps.pop();
            }
            self.trap(vs, None, true);
            for svc in self.vss[vs].services.clone() {
                if let Err(e) = ipvs.del_service(&svc) {
                    self.info(e.to_string());
                }
            }
        }
    }
}
