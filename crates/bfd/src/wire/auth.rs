//! The optional authentication section (RFC 5880 §4.2-§4.4). keepalived 2.2.7 implements
//! none of it: it refuses every packet with the A bit set. We decode the section so the
//! refusal can say which type the peer uses, and so a fuzzer sees it parsed.

use crate::error::DecodeError;

/// Longest authentication data: a SHA1 hash (20 bytes); a password is at most 16.
pub const AUTH_DATA_MAX: usize = 20;

enum_with_unknown! {
    /// Auth Type (RFC 5880 §4.1).
    pub enum AuthType(u8) {
        /// Reserved.
        Reserved = 0,
        /// Simple Password.
        SimplePassword = 1,
        /// Keyed MD5.
        KeyedMd5 = 2,
        /// Meticulous Keyed MD5.
        MeticulousKeyedMd5 = 3,
        /// Keyed SHA1.
        KeyedSha1 = 4,
        /// Meticulous Keyed SHA1.
        MeticulousKeyedSha1 = 5,
    }
}

impl AuthType {
    /// The section length the type requires, or the allowed range for a password.
    fn length_range(self) -> Option<(usize, usize)> {
        match self {
            AuthType::SimplePassword => Some((4, 19)),
            AuthType::KeyedMd5 | AuthType::MeticulousKeyedMd5 => Some((24, 24)),
            AuthType::KeyedSha1 | AuthType::MeticulousKeyedSha1 => Some((28, 28)),
            AuthType::Reserved | AuthType::Unknown(_) => None,
        }
    }

    /// Whether the section has a Reserved byte and a Sequence Number (all but passwords).
    fn has_sequence(self) -> bool {
        !matches!(self, AuthType::SimplePassword)
    }
}

/// A decoded authentication section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Auth {
    /// Auth Type.
    pub auth_type: AuthType,
    /// Auth Key ID.
    pub key_id: u8,
    /// Sequence Number (the keyed MD5/SHA1 types), `None` for a simple password.
    pub sequence: Option<u32>,
    data: [u8; AUTH_DATA_MAX],
    data_len: u8,
}

impl Auth {
    /// A simple password section (1..=16 bytes).
    pub fn password(key_id: u8, password: &[u8]) -> Option<Auth> {
        if password.is_empty() || password.len() > 16 {
            return None;
        }
        let mut data = [0; AUTH_DATA_MAX];
        data[..password.len()].copy_from_slice(password);
        Some(Auth {
            auth_type: AuthType::SimplePassword,
            key_id,
            sequence: None,
            data,
            data_len: password.len() as u8,
        })
    }

    /// A keyed MD5/SHA1 section; `digest` must be 16 bytes (MD5) or 20 (SHA1).
    pub fn keyed(auth_type: AuthType, key_id: u8, sequence: u32, digest: &[u8]) -> Option<Auth> {
        let (len, _) = auth_type.length_range()?;
        if !auth_type.has_sequence() || digest.len() != len - 8 {
            return None;
        }
        let mut data = [0; AUTH_DATA_MAX];
        data[..digest.len()].copy_from_slice(digest);
        Some(Auth {
            auth_type,
            key_id,
            sequence: Some(sequence),
            data,
            data_len: digest.len() as u8,
        })
    }

    /// The password, digest or hash.
    pub fn data(&self) -> &[u8] {
        &self.data[..usize::from(self.data_len)]
    }

    /// Bytes of the section on the wire (its Auth Len).
    pub fn wire_len(&self) -> usize {
        let head = if self.auth_type.has_sequence() { 8 } else { 3 };
        head + usize::from(self.data_len)
    }

    /// Parses the section (`bytes` is everything after the mandatory header).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Auth, DecodeError> {
        let (&ty, rest) = bytes.split_first().ok_or(DecodeError::AuthMalformed {
            auth_type: AuthType::Reserved,
        })?;
        let auth_type = AuthType::from(ty);
        let bad = DecodeError::AuthMalformed { auth_type };
        let (&len, _) = rest.split_first().ok_or(bad)?;
        let len = usize::from(len);
        let (min, max) = auth_type.length_range().ok_or(bad)?;
        // RFC 5880 §6.8.6: the section must be what the Length field leaves after the header.
        if len < min || len > max || len != bytes.len() {
            return Err(bad);
        }
        let key_id = bytes[2];
        let (sequence, data) = if auth_type.has_sequence() {
            let seq = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
            (Some(seq), &bytes[8..len])
        } else {
            (None, &bytes[3..len])
        };
        let mut buf = [0; AUTH_DATA_MAX];
        buf[..data.len()].copy_from_slice(data);
        Ok(Auth {
            auth_type,
            key_id,
            sequence,
            data: buf,
            data_len: data.len() as u8,
        })
    }

    /// Writes the section into `out` (exactly [`Auth::wire_len`] bytes).
    pub(crate) fn emit(&self, out: &mut [u8]) {
        out[0] = self.auth_type.into();
        out[1] = self.wire_len() as u8;
        out[2] = self.key_id;
        let start = match self.sequence {
            Some(seq) => {
                out[3] = 0;
                out[4..8].copy_from_slice(&seq.to_be_bytes());
                8
            }
            None => 3,
        };
        out[start..start + self.data().len()].copy_from_slice(self.data());
    }
}
