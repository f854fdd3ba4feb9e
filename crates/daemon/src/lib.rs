//! keepalived-rs processes and operations: the VRRP event loop that drives the sans-IO
//! machines with real sockets and netlink, notify scripts, and the `demo`.

pub mod demo;
mod instance;
mod log;
mod notify;
pub mod vrrp;

pub use vrrp::{run, run_until, DaemonError};
