//! global_defs `lvs_sync_daemon IF INSTANCE ...`: the kernel's IPVS connection-sync daemon
//! follows one VRRP instance, as keepalived's VRRP process drives it: BACKUP (receiving) from
//! the start and whenever the instance is not MASTER, MASTER (sending) while it is; both
//! stopped at exit.

use keepalived_check::ipvs::{SyncDaemon, SyncState};
use keepalived_check::NetlinkIpvs;
use keepalived_conf::model::LvsSyncDaemon;
use keepalived_vrrp::machine::State;

use crate::log;

/// The sync daemon and the role it was last given.
pub struct LvsSync {
    conf: LvsSyncDaemon,
    syncid: u8,
    ipvs: NetlinkIpvs,
    role: Option<SyncState>,
}

impl LvsSync {
    /// Starts following `conf.instance` (whose VRID is the default sync id), in BACKUP. `None`
    /// (logged) when IPVS cannot be reached.
    pub fn start(conf: &LvsSyncDaemon, vrid: u8) -> Option<LvsSync> {
        let ipvs = match NetlinkIpvs::open() {
            Ok(i) => i,
            Err(e) => {
                log::info(format!(
                    "lvs_sync_daemon: IPVS unavailable ({e}); not syncing"
                ));
                return None;
            }
        };
        let mut s = LvsSync {
            syncid: conf.syncid.unwrap_or(vrid),
            conf: conf.clone(),
            ipvs,
            role: None,
        };
        s.follow(State::Backup);
        Some(s)
    }

    /// The instance `conf.instance` names.
    pub fn instance(&self) -> Option<&str> {
        self.conf.instance.as_deref()
    }

    fn daemon(&self, state: SyncState) -> SyncDaemon {
        SyncDaemon {
            state,
            interface: self.conf.interface.clone(),
            syncid: self.syncid,
            maxlen: self.conf.maxlen,
            port: self.conf.port,
            ttl: self.conf.ttl,
            group: self.conf.group,
        }
    }

    /// The followed instance is now in `state`.
    pub fn follow(&mut self, state: State) {
        let want = if state == State::Master {
            SyncState::Master
        } else {
            SyncState::Backup
        };
        if self.role == Some(want) {
            return;
        }
        if let Some(old) = self.role.take() {
            if let Err(e) = self.ipvs.stop_sync_daemon(old) {
                log::info(format!("lvs_sync_daemon: {e}"));
            }
        }
        match self.ipvs.start_sync_daemon(&self.daemon(want)) {
            Ok(()) => {
                let which = if want == SyncState::Master {
                    "master"
                } else {
                    "backup"
                };
                log::info(format!(
                    "Starting IPVS {which} sync daemon on {} (syncid {})",
                    self.conf.interface, self.syncid
                ));
                self.role = Some(want);
            }
            Err(e) => log::info(format!("lvs_sync_daemon: {e}")),
        }
    }

    /// Stops the daemon (exit).
    pub fn stop(&mut self) {
        if let Some(old) = self.role.take() {
            if let Err(e) = self.ipvs.stop_sync_daemon(old) {
                log::info(format!("lvs_sync_daemon: {e}"));
            }
        }
    }
}
