//! Object identifiers.

use std::fmt;

/// An object identifier; `Ord` is SNMP's lexicographic order (a prefix sorts first).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Oid(pub Vec<u32>);

/// RFC 2741 5.1: at most 128 sub-identifiers.
pub const MAX_SUBIDS: usize = 128;

impl Oid {
    /// The OID from its sub-identifiers.
    pub fn new(subids: &[u32]) -> Oid {
        Oid(subids.to_vec())
    }

    /// The sub-identifiers.
    pub fn subids(&self) -> &[u32] {
        &self.0
    }

    /// Whether `self` is `prefix` or below it.
    pub fn starts_with(&self, prefix: &Oid) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// `self` followed by `more`.
    pub fn child(&self, more: &[u32]) -> Oid {
        let mut v = self.0.clone();
        v.extend_from_slice(more);
        Oid(v)
    }

    /// Whether this is the null OID (no sub-identifiers), as an unbounded search end.
    pub fn is_null(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Oid {
    /// Numeric form with a leading dot, as `snmpwalk -On` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.0 {
            write!(f, ".{s}")?;
        }
        Ok(())
    }
}

impl From<&[u32]> for Oid {
    fn from(s: &[u32]) -> Oid {
        Oid(s.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_lexicographic_with_prefix_first() {
        let a = Oid::new(&[1, 3, 6]);
        let b = Oid::new(&[1, 3, 6, 1]);
        let c = Oid::new(&[1, 3, 7]);
        assert!(a < b && b < c);
        assert!(b.starts_with(&a) && !c.starts_with(&a));
        assert_eq!(b.to_string(), ".1.3.6.1");
    }
}
