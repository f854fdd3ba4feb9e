//! Receive failures: every check of RFC 5880 §6.8.6 that keepalived makes, plus its extras,
//! each one a [`Check`] with its own counter in [`RxCounters`].

use std::net::IpAddr;

use crate::wire::{AuthType, State};

/// Why a received control packet was discarded. The order of the variants is the order the
/// checks run in (keepalived's `bfd_check_packet`, then `bfd_handle_packet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Shorter than the 24-byte mandatory section ("Packet is too small").
    #[error("Packet is too small: {len} bytes")]
    TooShort {
        /// Datagram size.
        len: usize,
    },
    /// The Length field is not the datagram size ("Packet size mismatch").
    #[error("Packet size mismatch: length field: {field} bytes, buffer size: {len} bytes")]
    LengthMismatch {
        /// The Length field.
        field: usize,
        /// Datagram size.
        len: usize,
    },
    /// Vers is not 1.
    #[error("Packet is of unsupported version: {0}")]
    BadVersion(u8),
    /// Detect Mult is zero.
    #[error("Packet 'detection multiplier' field is zero")]
    ZeroDetectMult,
    /// The M bit is set.
    #[error("Packet has 'multipoint' flag")]
    Multipoint,
    /// My Discriminator is zero.
    #[error("Packet 'my discriminator' field is zero")]
    ZeroMyDiscr,
    /// Your Discriminator is zero while Sta is neither Down nor AdminDown.
    #[error("Packet 'your discriminator' field is zero and 'state' field is not Down or AdminDown (it is {})", .0.name())]
    ZeroYourDiscr(State),
    /// P and F both set (keepalived's extra check).
    #[error("Packet has both poll and final flags set")]
    PollAndFinal,
    /// Diag above 8 (keepalived's extra check).
    #[error("Packet has invalid 'diag' field: {0}")]
    BadDiag(u8),
    /// A is set but the authentication section does not fit its type or the Length.
    #[error("Packet has a malformed authentication section (type {auth_type:?})")]
    AuthMalformed {
        /// The Auth Type byte.
        auth_type: AuthType,
    },
    /// Your Discriminator names no session.
    #[error("session is not found - your discriminator field is {your_discr:#010x}")]
    NoSessionForDiscr {
        /// Your Discriminator.
        your_discr: u32,
    },
    /// Your Discriminator is zero and no session has this neighbor (and local) address.
    #[error("session is not found for neighbor {src}")]
    NoSessionForAddr {
        /// The packet's source address.
        src: IpAddr,
    },
    /// The received TTL/hop limit is below `ttl - max_hops` (RFC 5881 §5 GTSM, extended by
    /// keepalived's `max_hops`).
    #[error("Packet ttl({ttl}) < {min} - discarding")]
    TtlTooLow {
        /// Received TTL/hop limit.
        ttl: u8,
        /// The lowest accepted.
        min: u8,
    },
    /// A is set: keepalived supports no authentication (RFC 5880 §6.8.6: "If the A bit is
    /// set and no authentication is in use, the packet MUST be discarded").
    #[error("auth bit is set, but no authentication is in use (type {auth_type:?})")]
    AuthNotSupported {
        /// The peer's Auth Type.
        auth_type: AuthType,
    },
    /// The session is AdminDown: every packet is discarded (RFC 5880 §6.8.6).
    #[error("session is in AdminDown state")]
    AdminDown,
}

/// The receive checks, one counter each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Check {
    /// [`DecodeError::TooShort`].
    TooShort,
    /// [`DecodeError::LengthMismatch`].
    LengthMismatch,
    /// [`DecodeError::BadVersion`].
    BadVersion,
    /// [`DecodeError::ZeroDetectMult`].
    ZeroDetectMult,
    /// [`DecodeError::Multipoint`].
    Multipoint,
    /// [`DecodeError::ZeroMyDiscr`].
    ZeroMyDiscr,
    /// [`DecodeError::ZeroYourDiscr`].
    ZeroYourDiscr,
    /// [`DecodeError::PollAndFinal`].
    PollAndFinal,
    /// [`DecodeError::BadDiag`].
    BadDiag,
    /// [`DecodeError::AuthMalformed`].
    AuthMalformed,
    /// [`DecodeError::NoSessionForDiscr`].
    NoSessionForDiscr,
    /// [`DecodeError::NoSessionForAddr`].
    NoSessionForAddr,
    /// [`DecodeError::TtlTooLow`].
    TtlTooLow,
    /// [`DecodeError::AuthNotSupported`].
    AuthNotSupported,
    /// [`DecodeError::AdminDown`].
    AdminDown,
}

impl Check {
    /// Every check, in the order they run.
    pub const ALL: [Check; 15] = [
        Check::TooShort,
        Check::LengthMismatch,
        Check::BadVersion,
        Check::ZeroDetectMult,
        Check::Multipoint,
        Check::ZeroMyDiscr,
        Check::ZeroYourDiscr,
        Check::PollAndFinal,
        Check::BadDiag,
        Check::AuthMalformed,
        Check::NoSessionForDiscr,
        Check::NoSessionForAddr,
        Check::TtlTooLow,
        Check::AuthNotSupported,
        Check::AdminDown,
    ];

    /// A stable snake_case name (JSON dump, /metrics label).
    pub const fn name(self) -> &'static str {
        match self {
            Check::TooShort => "too_short",
            Check::LengthMismatch => "length_mismatch",
            Check::BadVersion => "bad_version",
            Check::ZeroDetectMult => "zero_detect_mult",
            Check::Multipoint => "multipoint",
            Check::ZeroMyDiscr => "zero_my_discr",
            Check::ZeroYourDiscr => "zero_your_discr",
            Check::PollAndFinal => "poll_and_final",
            Check::BadDiag => "bad_diag",
            Check::AuthMalformed => "auth_malformed",
            Check::NoSessionForDiscr => "no_session_for_discr",
            Check::NoSessionForAddr => "no_session_for_addr",
            Check::TtlTooLow => "ttl_too_low",
            Check::AuthNotSupported => "auth_not_supported",
            Check::AdminDown => "admin_down",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

impl DecodeError {
    /// The check that failed.
    pub const fn check(&self) -> Check {
        match self {
            DecodeError::TooShort { .. } => Check::TooShort,
            DecodeError::LengthMismatch { .. } => Check::LengthMismatch,
            DecodeError::BadVersion(_) => Check::BadVersion,
            DecodeError::ZeroDetectMult => Check::ZeroDetectMult,
            DecodeError::Multipoint => Check::Multipoint,
            DecodeError::ZeroMyDiscr => Check::ZeroMyDiscr,
            DecodeError::ZeroYourDiscr(_) => Check::ZeroYourDiscr,
            DecodeError::PollAndFinal => Check::PollAndFinal,
            DecodeError::BadDiag(_) => Check::BadDiag,
            DecodeError::AuthMalformed { .. } => Check::AuthMalformed,
            DecodeError::NoSessionForDiscr { .. } => Check::NoSessionForDiscr,
            DecodeError::NoSessionForAddr { .. } => Check::NoSessionForAddr,
            DecodeError::TtlTooLow { .. } => Check::TtlTooLow,
            DecodeError::AuthNotSupported { .. } => Check::AuthNotSupported,
            DecodeError::AdminDown => Check::AdminDown,
        }
    }
}

/// How many packets each check discarded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RxCounters {
    counts: [u64; Check::ALL.len()],
}

impl RxCounters {
    /// Counts one discarded packet.
    pub fn record(&mut self, e: &DecodeError) {
        let c = &mut self.counts[e.check().index()];
        *c = c.saturating_add(1);
    }

    /// Packets discarded by `check`.
    pub fn get(&self, check: Check) -> u64 {
        self.counts[check.index()]
    }

    /// Packets discarded by any check.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// `(check, count)` for every check, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Check, u64)> + '_ {
        Check::ALL.iter().map(|c| (*c, self.get(*c)))
    }

    /// Sets every counter to zero.
    pub fn clear(&mut self) {
        self.counts = Default::default();
    }
}
