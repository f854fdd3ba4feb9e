//! The VRRP protocol core, sans-IO: the wire codec ([`wire`]), the state machine
//! ([`machine`]) and the [`Router`] that owns the machines and turns bytes into events and
//! actions into bytes. Nothing here reads a clock, opens a socket or spawns a process: time
//! comes in as `now` arguments, packets as byte slices, and everything the outside world must
//! do leaves as actions and transmits.

pub mod machine;
pub mod router;
mod stats;
pub mod sync_group;
pub mod wire;

pub use machine::Version;
pub use router::{InstanceId, Router};
pub use stats::Stats;
pub use wire::Family;
