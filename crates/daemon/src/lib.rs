//! keepalived-rs processes and operations: the VRRP event loop that drives the sans-IO
//! machines with real sockets and netlink, notify scripts, and the `demo`.

mod batch;
pub mod bfd;
mod debounce;
pub mod demo;
pub mod dump;
mod error;
mod fib;
mod firewall;
mod garp_pacing;
mod instance;
mod links;
pub mod log;
mod lvs_sync;
pub mod memory;
mod metrics;
mod notify;
/// The notify FIFOs, for the checker child (`notify_fifo`, `lvs_notify_fifo`).
pub use notify::Fifos;
mod precise_timer;
mod promote;
mod reload;
pub mod sd_notify;
mod settings;
pub mod smtp;
mod snapshot;
mod snmp;
mod sockpool;
mod statics;
mod tracking;
pub mod vrrp;

pub use vrrp::{run, run_until, run_with, run_with_options, DaemonError, Reloader, RunOptions};
