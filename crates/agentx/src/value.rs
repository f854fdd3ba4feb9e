//! Varbind values (RFC 2741 5.4).

/// A value as a varbind carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// INTEGER (Integer32, enumerations, TruthValue).
    Integer(i32),
    /// OCTET STRING (DisplayString, InetAddress, MacAddress).
    OctetString(Vec<u8>),
    /// NULL (the values of a Get request).
    Null,
    /// OBJECT IDENTIFIER.
    ObjectIdentifier(crate::Oid),
    /// IpAddress.
    IpAddress([u8; 4]),
    /// Counter32.
    Counter32(u32),
    /// Gauge32 / Unsigned32.
    Gauge32(u32),
    /// TimeTicks (hundredths of a second).
    TimeTicks(u32),
    /// Opaque.
    Opaque(Vec<u8>),
    /// Counter64.
    Counter64(u64),
    /// noSuchObject.
    NoSuchObject,
    /// noSuchInstance.
    NoSuchInstance,
    /// endOfMibView.
    EndOfMibView,
}

impl Value {
    /// The varbind type code.
    pub fn type_code(&self) -> u16 {
        match self {
            Value::Integer(_) => 2,
            Value::OctetString(_) => 4,
            Value::Null => 5,
            Value::ObjectIdentifier(_) => 6,
            Value::IpAddress(_) => 64,
            Value::Counter32(_) => 65,
            Value::Gauge32(_) => 66,
            Value::TimeTicks(_) => 67,
            Value::Opaque(_) => 68,
            Value::Counter64(_) => 70,
            Value::NoSuchObject => 128,
            Value::NoSuchInstance => 129,
            Value::EndOfMibView => 130,
        }
    }

    /// An OCTET STRING from text.
    pub fn string(s: &str) -> Value {
        Value::OctetString(s.as_bytes().to_vec())
    }
}

/// A name and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarBind {
    /// The object instance.
    pub name: crate::Oid,
    /// Its value.
    pub value: Value,
}
