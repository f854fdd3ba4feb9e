//! BFD (RFC 5880, single hop RFC 5881) as keepalived 2.2.7's BFD child runs it, sans-IO.
//!
//! * [`wire`]: the control packet, a smoltcp-style [`wire::Packet`] view plus [`wire::Repr`],
//!   with the stateless receive checks of RFC 5880 §6.8.6 (and keepalived's extra ones).
//! * [`Session`]: one session's state machine (RFC 5880 §6.8): `now` in, packets and
//!   [`Event`]s out, no clock, no socket, no global RNG (jitter and discriminators come from a
//!   caller-seeded generator).
//! * [`SessionSet`]: the demultiplexer keepalived's receive path is: decode, find the session
//!   by Your Discriminator or by addresses, the TTL and authentication checks, every drop
//!   counted by [`Check`].

mod error;
mod rng;
mod session;
mod set;
pub mod wire;

pub use error::{Check, DecodeError, RxCounters};
pub use rng::Rng;
pub use session::{Event, Session, SessionConfig, SessionStats, Snapshot};
pub use set::{RxMeta, SessionSet};
pub use wire::{Diag, State};
