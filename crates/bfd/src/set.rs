//! The receive path of keepalived's BFD child over all its sessions: decode, find the
//! session, the checks that need it, then the state machine. Every discard is counted.

use std::net::IpAddr;
use std::time::Instant;

use crate::error::{DecodeError, RxCounters};
use crate::session::Session;
use crate::wire::Repr;

/// What the socket layer knows about a received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxMeta {
    /// Source address (IPv4-mapped IPv6 already turned into IPv4).
    pub src: IpAddr,
    /// Destination address (IP_PKTINFO / IPV6_PKTINFO), when known.
    pub dst: Option<IpAddr>,
    /// Received TTL / hop limit (IP_RECVTTL / IPV6_RECVHOPLIMIT), when known; keepalived
    /// skips the TTL check without one.
    pub ttl: Option<u8>,
}

/// All sessions of one BFD process.
#[derive(Debug, Clone, Default)]
pub struct SessionSet {
    sessions: Vec<Session>,
    counters: RxCounters,
}

impl SessionSet {
    /// An empty set.
    pub fn new() -> SessionSet {
        SessionSet::default()
    }

    /// Adds a session, giving it a new discriminator while its own collides with another's
    /// (keepalived's `bfd_get_random_discr`); returns its index.
    pub fn push(&mut self, mut s: Session) -> usize {
        while self
            .sessions
            .iter()
            .any(|o| o.local_discr() == s.local_discr())
        {
            s.new_discriminator();
        }
        self.sessions.push(s);
        self.sessions.len() - 1
    }

    /// Removes and returns the session named `name`.
    pub fn remove(&mut self, name: &str) -> Option<Session> {
        let i = self.index_of(name)?;
        Some(self.sessions.remove(i))
    }

    /// The index of the session named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.sessions.iter().position(|s| s.config().name == name)
    }

    /// The sessions, in the order they were added.
    pub fn sessions(&self) -> &[Session] {
        &self.sessions
    }

    /// The sessions, writable.
    pub fn sessions_mut(&mut self) -> &mut [Session] {
        &mut self.sessions
    }

    /// Discard counters of [`SessionSet::receive`].
    pub fn counters(&self) -> &RxCounters {
        &self.counters
    }

    /// Discard counters, writable (to clear them).
    pub fn counters_mut(&mut self) -> &mut RxCounters {
        &mut self.counters
    }

    /// The earliest [`Session::poll_timeout`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.sessions.iter().filter_map(Session::poll_timeout).min()
    }

    /// [`Session::handle_timeout`] on every session.
    pub fn handle_timeout(&mut self, now: Instant) {
        for s in &mut self.sessions {
            s.handle_timeout(now);
        }
    }

    /// Handles one received datagram; returns the index of the session it was for, or why
    /// it was discarded (already counted).
    pub fn receive(
        &mut self,
        now: Instant,
        bytes: &[u8],
        meta: &RxMeta,
    ) -> Result<usize, DecodeError> {
        self.receive_on(now, bytes, meta, false)
    }

    /// [`SessionSet::receive`] for a datagram that arrived on the multihop port (4784,
    /// `multihop` true) or the single-hop one: a lookup by address (Your Discriminator
    /// zero) matches only sessions of that kind (keepalived's `find_bfd_by_addr`).
    pub fn receive_on(
        &mut self,
        now: Instant,
        bytes: &[u8],
        meta: &RxMeta,
        multihop: bool,
    ) -> Result<usize, DecodeError> {
        let r = self.check(bytes, meta, multihop);
        match r {
            Ok((i, repr)) => {
                self.sessions[i].handle_packet(now, &repr);
                Ok(i)
            }
            Err(e) => {
                self.counters.record(&e);
                Err(e)
            }
        }
    }

    fn check(
        &self,
        bytes: &[u8],
        meta: &RxMeta,
        multihop: bool,
    ) -> Result<(usize, Repr), DecodeError> {
        let repr = Repr::parse_bytes(bytes)?;
        let i = if repr.your_discr != 0 {
            self.sessions
                .iter()
                .position(|s| s.local_discr() == repr.your_discr)
                .ok_or(DecodeError::NoSessionForDiscr {
                    your_discr: repr.your_discr,
                })?
        } else {
            // keepalived's find_bfd_by_addr: the neighbor, and the source_ip if configured.
            self.sessions
                .iter()
                .position(|s| {
                    let c = s.config();
                    c.peer == meta.src
                        && c.multihop == multihop
                        && match (c.local, meta.dst) {
                            (Some(l), Some(d)) => l == d,
                            _ => true,
                        }
                })
                .ok_or(DecodeError::NoSessionForAddr { src: meta.src })?
        };
        let s = &self.sessions[i];
        // RFC 5881 §5 (GTSM), after the lookup since it depends on the session's ttl.
        if let (Some(min), Some(ttl)) = (s.config().min_rx_ttl(), meta.ttl) {
            if ttl != 0 && ttl < min {
                return Err(DecodeError::TtlTooLow { ttl, min });
            }
        }
        if let Some(a) = &repr.auth {
            return Err(DecodeError::AuthNotSupported {
                auth_type: a.auth_type,
            });
        }
        if s.state() == crate::wire::State::AdminDown {
            return Err(DecodeError::AdminDown);
        }
        Ok((i, repr))
    }
}
