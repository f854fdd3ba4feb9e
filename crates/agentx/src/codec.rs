//! RFC 2741 section 5: the encodings of integers, object identifiers, octet strings and
//! varbinds, in either byte order. A [`Reader`] never reads past its slice.

use crate::error::DecodeError;
use crate::oid::{Oid, MAX_SUBIDS};
use crate::value::{Value, VarBind};

/// The `internet` prefix (1.3.6.1) an OID's `prefix` field abbreviates (RFC 2741 5.1).
const INTERNET: [u32; 4] = [1, 3, 6, 1];

/// A cursor over received bytes in the PDU's byte order.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    big_endian: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], big_endian: bool) -> Reader<'a> {
        Reader { bytes, big_endian }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.bytes.len() < n {
            return Err(DecodeError::Truncated(what));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        let b: [u8; 2] = self.take(2, what)?.try_into().expect("2 bytes");
        Ok(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let b: [u8; 4] = self.take(4, what)?.try_into().expect("4 bytes");
        Ok(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        let b: [u8; 8] = self.take(8, what)?.try_into().expect("8 bytes");
        Ok(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }

    /// An object identifier and its `include` byte (5.1).
    pub(crate) fn oid(&mut self) -> Result<(Oid, bool), DecodeError> {
        let n = self.u8("object identifier")?;
        let prefix = self.u8("object identifier")?;
        let include = self.u8("object identifier")? != 0;
        self.u8("object identifier")?;
        if usize::from(n) > MAX_SUBIDS {
            return Err(DecodeError::OidTooLong(n));
        }
        let mut subids = Vec::with_capacity(usize::from(n) + 5);
        if prefix != 0 {
            subids.extend_from_slice(&INTERNET);
            subids.push(u32::from(prefix));
        }
        for _ in 0..n {
            subids.push(self.u32("sub-identifier")?);
        }
        Ok((Oid(subids), include))
    }

    /// An octet string (5.3): a length, the octets, padding to a multiple of 4.
    pub(crate) fn octets(&mut self) -> Result<Vec<u8>, DecodeError> {
        let len = self.u32("octet string length")? as usize;
        let padded = len
            .checked_add(3)
            .ok_or(DecodeError::Truncated("octet string"))?
            & !3;
        let b = self.take(padded, "octet string")?;
        Ok(b[..len].to_vec())
    }

    /// A varbind (5.4).
    pub(crate) fn varbind(&mut self) -> Result<VarBind, DecodeError> {
        let ty = self.u16("varbind type")?;
        self.u16("varbind")?;
        let (name, _) = self.oid()?;
        let value = match ty {
            2 => Value::Integer(self.u32("Integer")? as i32),
            4 => Value::OctetString(self.octets()?),
            5 => Value::Null,
            6 => Value::ObjectIdentifier(self.oid()?.0),
            64 => {
                let o = self.octets()?;
                let a: [u8; 4] = o
                    .as_slice()
                    .try_into()
                    .map_err(|_| DecodeError::IpAddressLength(o.len()))?;
                Value::IpAddress(a)
            }
            65 => Value::Counter32(self.u32("Counter32")?),
            66 => Value::Gauge32(self.u32("Gauge32")?),
            67 => Value::TimeTicks(self.u32("TimeTicks")?),
            68 => Value::Opaque(self.octets()?),
            70 => Value::Counter64(self.u64("Counter64")?),
            128 => Value::NoSuchObject,
            129 => Value::NoSuchInstance,
            130 => Value::EndOfMibView,
            t => return Err(DecodeError::ValueType(t)),
        };
        Ok(VarBind { name, value })
    }
}

/// Writes in network byte order.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// An OID, using the `internet` prefix form where it applies (as net-snmp does). At
    /// most [`MAX_SUBIDS`] sub-identifiers are written.
    pub(crate) fn oid(&mut self, oid: &Oid, include: bool) {
        let (prefix, rest) = match &oid.0[..] {
            [1, 3, 6, 1, p @ 1..=255, rest @ ..] => (*p as u8, rest),
            s => (0, s),
        };
        let rest = &rest[..rest.len().min(MAX_SUBIDS)];
        self.u8(rest.len() as u8);
        self.u8(prefix);
        self.u8(u8::from(include));
        self.u8(0);
        for v in rest {
            self.u32(*v);
        }
    }

    pub(crate) fn octets(&mut self, o: &[u8]) {
        self.u32(o.len() as u32);
        self.buf.extend_from_slice(o);
        while self.buf.len() % 4 != 0 {
            self.buf.push(0);
        }
    }

    pub(crate) fn varbind(&mut self, vb: &VarBind) {
        self.u16(vb.value.type_code());
        self.u16(0);
        self.oid(&vb.name, false);
        match &vb.value {
            Value::Integer(i) => self.u32(*i as u32),
            Value::OctetString(o) | Value::Opaque(o) => self.octets(o),
            Value::IpAddress(a) => self.octets(a),
            Value::ObjectIdentifier(o) => self.oid(o, false),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => self.u32(*v),
            Value::Counter64(v) => self.u64(*v),
            Value::Null | Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => {}
        }
    }
}
