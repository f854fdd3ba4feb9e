//! The VRRP process's [`Source`]: KEEPALIVED-MIB's global and VRRP groups, VRRP-MIB and
//! VRRPv3-MIB, built from a [`View`] the event loop hands over on request, and the Sets
//! keepalived takes ([`super::vrrp_set`]), handed to the loop the same way.

use std::time::SystemTime;

use keepalived_agentx::{Oid, ResponseError, VarBind};
use tokio::sync::{mpsc, oneshot};

use super::agent::{SessionError, Source};
use super::keepalived_mib::{global, global_oid, vrrp, vrrp_oid};
use super::mib::Mib;
use super::rfc::{rfc2787, rfc2787_oid, rfc6527, rfc6527_oid};
use super::view::View;
use super::vrrp_set::{vrrp_write, VrrpWrite};

/// What the agent thread asks of the event loop.
pub(crate) enum Request {
    /// A fresh view.
    View(oneshot::Sender<View>),
    /// One committed write. A Set of several sends one each, in the order of its
    /// varbinds: the loop settles each (its log lines, its adverts) before the next, as
    /// keepalived's handlers run one after the other.
    Set(VrrpWrite),
}

/// What the VRRP process serves.
#[derive(Debug, Clone)]
pub(crate) struct Serves {
    /// KEEPALIVED-MIB's global group (`enable_snmp_vrrp`, unless the checker process
    /// serves it: see [`super::Hub::start`]).
    pub global: bool,
    /// KEEPALIVED-MIB's VRRP group (`enable_snmp_vrrp`).
    pub vrrp: bool,
    /// VRRP-MIB (`enable_snmp_rfcv2`).
    pub rfcv2: bool,
    /// VRRPv3-MIB (`enable_snmp_rfcv3`).
    pub rfcv3: bool,
}

/// The VRRP process's MIBs, from views of its event loop.
pub(crate) struct VrrpSource {
    pub(crate) serves: Serves,
    pub(crate) requests: mpsc::Sender<Request>,
}

impl Source for VrrpSource {
    fn subtrees(&self) -> Vec<(Oid, &'static str)> {
        let s = &self.serves;
        let mut v = Vec::new();
        if s.global {
            v.push((global_oid(), "Keepalived"));
        }
        if s.vrrp {
            v.push((vrrp_oid(), "KEEPALIVED-VRRP"));
        }
        if s.rfcv2 {
            v.push((rfc2787_oid(), "VRRP"));
        }
        if s.rfcv3 {
            v.push((rfc6527_oid(), "VRRPV3"));
        }
        v
    }

    fn mib(&self) -> Result<Mib, SessionError> {
        let (tx, rx) = oneshot::channel();
        self.requests
            .blocking_send(Request::View(tx))
            .map_err(|_| SessionError::Stopping)?;
        let v = rx.blocking_recv().map_err(|_| SessionError::Stopping)?;
        let mut m = Mib::default();
        if self.serves.global {
            global(&mut m, &v.global, &v.router_id);
        }
        if self.serves.vrrp {
            vrrp(&mut m, &v);
        }
        if self.serves.rfcv2 {
            rfc2787(&mut m, &v);
        }
        if self.serves.rfcv3 {
            rfc6527(&mut m, &v, SystemTime::now());
        }
        Ok(m)
    }

    fn stopping(&self) -> bool {
        self.requests.is_closed()
    }

    fn test_set(&self, mib: &Mib, varbind: &VarBind) -> Result<(), ResponseError> {
        vrrp_write(mib, varbind).map(|_| ())
    }

    fn commit_set(&self, mib: &Mib, varbinds: Vec<VarBind>) {
        for w in varbinds.iter().filter_map(|vb| vrrp_write(mib, vb).ok()) {
            let _ = self.requests.blocking_send(Request::Set(w));
        }
    }
}
