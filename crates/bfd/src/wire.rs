//! The BFD control packet (RFC 5880 §4), smoltcp-style: [`Packet`] is a zero-copy view whose
//! accessors never panic once [`Packet::new_checked`] accepted the buffer, [`Repr`] its
//! meaning. [`Repr::parse`] runs the receive checks that need no session (RFC 5880 §6.8.6 and
//! keepalived's `bfd_check_packet`), in keepalived's order.

#[macro_use]
mod macros;
mod auth;
mod packet;

pub use auth::{Auth, AuthType, AUTH_DATA_MAX};
pub use packet::{Packet, Repr, HEADER_LEN};

/// UDP port of single-hop control packets (RFC 5881 §4).
pub const PORT_SINGLE_HOP: u16 = 3784;
/// UDP port of multihop control packets (RFC 5883 §5).
pub const PORT_MULTIHOP: u16 = 4784;
/// UDP port of echo packets (RFC 5881 §4); keepalived has no echo function.
pub const PORT_ECHO: u16 = 3785;
/// First source port allowed by RFC 5881 §4 (keepalived's `BFD_MIN_PORT`).
pub const SOURCE_PORT_MIN: u16 = 49152;
/// Last source port allowed by RFC 5881 §4.
pub const SOURCE_PORT_MAX: u16 = 65535;
/// The protocol version (RFC 5880 §4.1).
pub const VERSION: u8 = 1;

enum_with_unknown! {
    /// Session state (RFC 5880 §4.1 "Sta"); the field has two bits, so `Unknown` never
    /// comes out of a packet.
    pub enum State(u8) {
        /// AdminDown.
        AdminDown = 0,
        /// Down.
        Down = 1,
        /// Init.
        Init = 2,
        /// Up.
        Up = 3,
    }
}

impl State {
    /// keepalived's spelling (`BFD_STATE_STR`).
    pub const fn name(self) -> &'static str {
        match self {
            State::AdminDown => "AdminDown",
            State::Down => "Down",
            State::Init => "Init",
            State::Up => "Up",
            State::Unknown(_) => "Unknown",
        }
    }
}

enum_with_unknown! {
    /// Diagnostic code (RFC 5880 §4.1 "Diag").
    pub enum Diag(u8) {
        /// No Diagnostic.
        None = 0,
        /// Control Detection Time Expired.
        Expired = 1,
        /// Echo Function Failed.
        EchoFailed = 2,
        /// Neighbor Signaled Session Down.
        NeighborDown = 3,
        /// Forwarding Plane Reset.
        ForwardingReset = 4,
        /// Path Down.
        PathDown = 5,
        /// Concatenated Path Down.
        ConcatenatedPathDown = 6,
        /// Administratively Down.
        AdminDown = 7,
        /// Reverse Concatenated Path Down.
        ReverseConcatenatedPathDown = 8,
    }
}

impl Diag {
    /// keepalived's text (`BFD_DIAG_STR`).
    pub const fn name(self) -> &'static str {
        match self {
            Diag::None => "No Diagnostic",
            Diag::Expired => "Control Detection Time Expired",
            Diag::EchoFailed => "Echo Function Failed",
            Diag::NeighborDown => "Neighbor Signaled Session Down",
            Diag::ForwardingReset => "Forwarding Plane Reset",
            Diag::PathDown => "Path Down",
            Diag::ConcatenatedPathDown => "Concatenated Path Down",
            Diag::AdminDown => "Administratively Down",
            Diag::ReverseConcatenatedPathDown => "Reverse Concatenated Path Down",
            Diag::Unknown(_) => "Unknown",
        }
    }
}
