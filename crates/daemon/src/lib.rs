//! keepalived-rs processes and operations: the VRRP child's event loop that drives the sans-IO
//! [`keepalived_vrrp::Router`] with real sockets and netlink, notify
//! scripts, the dumps, SNMP and /metrics.

mod batch;
pub mod bfd;
mod burst_thread;
pub mod check_addresses;
pub mod config_save;
mod dbus;
mod debounce;
pub mod dump;
mod error;
mod extra_if;
mod fib;
mod firewall;
mod garp_pacing;
mod instance;
mod linkbeat;
mod links;
pub mod log;
mod lvs_sync;
pub mod memory;
mod metrics;
mod nft_ipvs;
pub use nft_ipvs::NftIpvs;
mod notify;
/// A script as the configured user (`script_user` by default), for the parent's start-up
/// and shutdown scripts.
pub use notify::command as script_command;
mod overdue;
/// The notify FIFOs, for the checker child (`notify_fifo`, `lvs_notify_fifo`).
pub use notify::Fifos;
pub use snmp::CheckerSnmp;
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
mod vip_home;
pub mod vrrp;

pub use vrrp::{run, run_until, run_with, run_with_options, DaemonError, Reloader, RunOptions};
