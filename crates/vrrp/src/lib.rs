//! The VRRP protocol core, sans-IO: the wire codec ([`wire`]) and the state machine
//! ([`machine`]). Nothing here reads a clock, opens a socket or spawns a process: time comes in
//! as `now` arguments, packets as byte slices, and everything the outside world must do leaves
//! as actions.

pub mod machine;
pub mod sync_group;
pub mod wire;
