//! What can be wrong with received AgentX bytes.

use thiserror::Error;

/// Why bytes are not an AgentX PDU.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// Fewer bytes than the header or a field needs.
    #[error("truncated: {0} needs more bytes")]
    Truncated(&'static str),
    /// The header's version is not 1.
    #[error("AgentX version {0} (only 1 exists)")]
    Version(u8),
    /// An unknown PDU type.
    #[error("unknown PDU type {0}")]
    PduType(u8),
    /// payload_length is not a multiple of 4 or does not match the bytes.
    #[error("payload length {0} is not valid")]
    PayloadLength(u32),
    /// An object identifier with more than 128 sub-identifiers.
    #[error("object identifier with {0} sub-identifiers (at most 128)")]
    OidTooLong(u8),
    /// An unknown varbind type.
    #[error("unknown varbind type {0}")]
    ValueType(u16),
    /// An IpAddress value that is not 4 octets.
    #[error("IpAddress of {0} octets")]
    IpAddressLength(usize),
    /// Bytes left after the PDU's last field.
    #[error("{0} bytes after the last field")]
    Trailing(usize),
}
