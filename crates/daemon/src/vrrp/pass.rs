//! One pass of the event loop over the router's output: sync groups for the touched
//! instances, the actions, adverts and drop logs the router queued, then one netlink batch
//! for the VIPs of the instances that changed.

use std::time::Instant;

use keepalived_vrrp::router::{DropLog, Dropped, Notice, MAX_ADVERT_LEN};

use super::{group_changed, Daemon};
use crate::batch::NetBatch;
use crate::log;

impl Daemon {
    /// Sync group rules for the groups of touched instances, then what the router has to
    /// carry out (actions, adverts, drop logs), then one netlink batch for the touched
    /// instances' VIPs.
    pub(super) async fn settle(&mut self, now: Instant) {
        let decided = self.metrics.decided_at(now);
        let mut touched = self.router.take_touched();
        for g in &mut self.groups {
            if !g.members.iter().any(|m| touched.contains(m)) {
                continue;
            }
            if let Some(state) = self.router.reconcile(now, &mut g.sync, &g.members) {
                group_changed(g, state, &self.global, &self.fifos);
            }
            touched.extend(g.members.iter().copied());
        }
        touched.extend(self.router.take_touched());
        self.drive_router().await;
        let mut dirty: Vec<usize> = touched
            .iter()
            .filter_map(|id| self.by_id.get(id).copied())
            .collect();
        dirty.sort_unstable();
        dirty.dedup();
        let mut batch = NetBatch::default();
        for i in dirty {
            if let Some(inst) = self.instances.get_mut(i) {
                batch.collect(i, inst);
                if let (Some(sync), Some(m)) =
                    (self.lvs_sync.as_mut(), self.router.machine(inst.id))
                {
                    if sync.instance() == Some(inst.conf.name.as_str()) {
                        sync.follow(m.state());
                    }
                }
            }
        }
        if !batch.is_empty() {
            let started = Instant::now();
            self.firewall
                .before_install(&self.instances, &self.global, &self.names);
            batch.execute(&self.netlink).await;
            self.firewall
                .sync(&self.instances, &self.global, &self.names);
            let rec = &self.metrics.recorder;
            rec.vips_installed(decided, started, batch.installs());
            batch.announce(&self.instances);
        }
    }

    /// Carries out what the router queued: the machines' actions (notify, VIP changes and
    /// GARPs for the batch), the adverts it wrote, the drops it logs.
    pub(super) async fn drive_router(&mut self) {
        while let Some((id, action)) = self.router.poll_action() {
            if let Some(inst) = self.by_id.get(&id).and_then(|&i| self.instances.get_mut(i)) {
                inst.execute(action, &self.router);
            }
        }
        let mut buf = [0u8; MAX_ADVERT_LEN];
        while let Some(t) = self.router.poll_transmit(&mut buf) {
            let Some(&i) = self.by_id.get(&t.instance) else {
                continue;
            };
            if let Some(inst) = self.instances.get_mut(i) {
                inst.send(&t, buf.get(..t.len).unwrap_or_default()).await;
                // keepalived's vrrp_state_master_tx: garp_extra_if rides on the adverts.
                inst.after_advert(Instant::now(), &self.router);
            }
        }
        while let Some(drop) = self.router.poll_log() {
            self.log_drop(drop);
        }
        while let Some((id, notice)) = self.router.poll_notice() {
            let Some(inst) = self.by_id.get(&id).and_then(|&i| self.instances.get(i)) else {
                continue;
            };
            match notice {
                Notice::OldUnicastChecksum => log::info(format!(
                    "({}) Setting unicast VRRPv3 checksum to old version",
                    inst.conf.name
                )),
                Notice::ProtoError(reason) => inst.notify_proto_error(&self.router, reason),
                Notice::AuthError { kind, src } => {
                    inst.notify_auth_failure(&self.router, src, kind);
                }
            }
        }
    }

    /// A dropped advert, as the daemon has always logged it (drops before the VRID lookup
    /// are not logged here; `log_unknown_vrids` logs unknown VRIDs as keepalived, vrrp.rs).
    fn log_drop(&self, drop: DropLog) {
        let Some(inst) = drop
            .instance
            .and_then(|id| self.by_id.get(&id))
            .and_then(|&i| self.instances.get(i))
        else {
            return;
        };
        let name = &inst.conf.name;
        match drop.error {
            Dropped::Received(error) => {
                let more = match drop.suppressed {
                    0 => String::new(),
                    n => format!(" ({n} more of this kind not logged)"),
                };
                log::info(format!("({name}) advert dropped: {error}{more}"));
            }
            Dropped::Sent(e) => log::info(format!("({name}) advert not built: {e}")),
        }
    }

    /// Carries out what the router queued, then the VIP changes and GARPs of `which`
    /// (indices) at once, outside the loop's batches (stop, instances removed by a reload).
    pub(super) async fn flush_alone(&mut self, which: std::ops::Range<usize>) {
        self.drive_router().await;
        let mut batch = NetBatch::default();
        for i in which {
            if let Some(inst) = self.instances.get_mut(i) {
                batch.collect(i, inst);
            }
        }
        batch.execute(&self.netlink).await;
        batch.announce(&self.instances);
    }
}
