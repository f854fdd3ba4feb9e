//! keepalived-check: keepalived 2.2.7's health checkers and the IPVS abstraction.
//!
//! - [`run_until`] runs every checker of a configuration (TCP_CHECK, HTTP_GET, SSL_GET,
//!   SMTP_CHECK, DNS_CHECK, UDP_CHECK, PING_CHECK, MISC_CHECK, FILE_CHECK) as tasks on the
//!   caller's tokio runtime, applying verdicts through an [`Ipvs`] with keepalived's rules
//!   (retry, alpha, inhibit_on_failure, dynamic weights, quorum/hysteresis, sorry server,
//!   notify and quorum scripts) and log lines.
//! - [`Ipvs`] is what the core needs from the kernel; [`NoIpvs`] only logs.
//! - [`genhash()`] is keepalived's `-T` (genhash) mode: the MD5 of a page.
//!
//! Layout: [`pool`] is the synchronous core (states and transitions), [`probe`] the checks
//! (one attempt each), `plan` turns the configuration into both, `run` drives them.

pub mod fd_limit;
pub mod genhash;
pub mod ipvs;
pub mod log;
pub mod names;
pub mod nft_ipvs;
mod plan;
pub mod pool;
pub mod probe;
mod run;
pub mod script;
pub mod settings;
mod suspend;

pub use genhash::{genhash, GenhashError, GenhashOptions};
pub use ipvs::{
    DestEntry, Destination, Ipvs, IpvsError, IpvsStats, NetlinkIpvs, NoIpvs, Service, ServiceEntry,
    ServiceKey, ServiceStats,
};
pub use log::Logger;
pub use pool::{CheckerAlert, CheckerTrap, RealServerState, VirtualServerState};
pub use run::{
    run_until, AlertSink, BfdStates, CheckerOptions, FifoSink, PoolWatch, RunError, RunSummary,
    StartSink, TrapSink, WeightSet, WeightSets,
};
pub use suspend::LocalAddresses;
