//! AgentX (RFC 2741), the protocol between an SNMP master agent (net-snmp's `snmpd`) and a
//! subagent, as a sans-IO codec: [`Header`] + [`Pdu`] to bytes and back. Nothing here opens
//! a socket; the daemon's subagent does (crates/daemon/src/snmp).
//!
//! Decoding never panics: every malformed input is a [`DecodeError`]. Both byte orders are
//! read (the header's NETWORK_BYTE_ORDER flag says which); [`Pdu::encode`] writes network
//! byte order and sets the flag, as net-snmp's subagents do.

mod codec;
mod error;
mod oid;
mod pdu;
mod value;

pub use error::DecodeError;
pub use oid::Oid;
pub use pdu::{
    frame_len, CloseReason, Flags, Header, Pdu, PduType, Register, ResponseError, SearchRange,
    HEADER_LEN,
};
pub use value::{Value, VarBind};
