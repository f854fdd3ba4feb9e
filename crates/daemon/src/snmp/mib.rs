//! A MIB tree as an ordered map from instance OIDs to values, answering AgentX Get, GetNext
//! and GetBulk the way net-snmp's agent does for keepalived's handlers.

use std::collections::BTreeMap;
use std::ops::Bound;

use keepalived_agentx::{Oid, SearchRange, Value, VarBind};

/// An instance's value, and whether a Get may return it (keepalived's RFC 2787 tables only
/// show their first row to GetNext, and never answer a Get: see rfc.rs).
#[derive(Debug, Clone)]
struct Entry {
    value: Value,
    gettable: bool,
}

/// The objects a subagent serves.
#[derive(Debug, Default, Clone)]
pub(crate) struct Mib {
    entries: BTreeMap<Oid, Entry>,
}

impl Mib {
    /// Adds `oid` = `value`.
    pub(crate) fn set(&mut self, oid: Oid, value: Value) {
        self.entries.insert(
            oid,
            Entry {
                value,
                gettable: true,
            },
        );
    }

    /// Adds `oid` = `value`, seen by GetNext only.
    pub(crate) fn set_walk_only(&mut self, oid: Oid, value: Value) {
        self.entries.insert(
            oid,
            Entry {
                value,
                gettable: false,
            },
        );
    }

    /// Get: the value of `oid`, or noSuchObject.
    pub(crate) fn get(&self, oid: &Oid) -> VarBind {
        let value = match self.entries.get(oid) {
            Some(e) if e.gettable => e.value.clone(),
            _ => Value::NoSuchObject,
        };
        VarBind {
            name: oid.clone(),
            value,
        }
    }

    /// GetNext over one search range: the first instance from `start` (itself only when
    /// `include`) and before `end` (none: unbounded), or endOfMibView named `start`.
    pub(crate) fn next(&self, r: &SearchRange) -> VarBind {
        let lower = if r.include {
            Bound::Included(&r.start)
        } else {
            Bound::Excluded(&r.start)
        };
        let found = self
            .entries
            .range::<Oid, _>((lower, Bound::Unbounded))
            .next()
            .filter(|(o, _)| r.end.is_null() || *o < &r.end);
        match found {
            Some((o, e)) => VarBind {
                name: o.clone(),
                value: e.value.clone(),
            },
            None => VarBind {
                name: r.start.clone(),
                value: Value::EndOfMibView,
            },
        }
    }

    /// GetBulk (RFC 2741 7.2.3.3): the first `non_repeaters` ranges once, then up to
    /// `max_repetitions` rounds over the others, each from the previous round's names.
    pub(crate) fn bulk(
        &self,
        non_repeaters: u16,
        max_repetitions: u16,
        ranges: &[SearchRange],
    ) -> Vec<VarBind> {
        let n = usize::from(non_repeaters).min(ranges.len());
        let mut out: Vec<VarBind> = ranges[..n].iter().map(|r| self.next(r)).collect();
        let mut current: Vec<SearchRange> = ranges[n..].to_vec();
        // Keep a response within what snmpd accepts in one PDU.
        let reps = usize::from(max_repetitions)
            .min(1024 / current.len().max(1))
            .max(1);
        for _ in 0..reps {
            if current.is_empty() {
                break;
            }
            let mut all_end = true;
            for r in current.iter_mut() {
                let vb = self.next(r);
                if vb.value != Value::EndOfMibView {
                    all_end = false;
                    r.start = vb.name.clone();
                    r.include = false;
                }
                out.push(vb);
            }
            if all_end {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: &[u32], include: bool, end: &[u32]) -> SearchRange {
        SearchRange {
            start: Oid::new(start),
            include,
            end: Oid::new(end),
        }
    }

    fn mib() -> Mib {
        let mut m = Mib::default();
        m.set(Oid::new(&[1, 1, 0]), Value::Integer(1));
        m.set(Oid::new(&[1, 2, 1]), Value::Integer(2));
        m.set_walk_only(Oid::new(&[1, 3, 1]), Value::Integer(3));
        m
    }

    #[test]
    fn getnext_honours_include_and_end() {
        let m = mib();
        assert_eq!(
            m.next(&range(&[1, 1, 0], true, &[])).value,
            Value::Integer(1)
        );
        assert_eq!(
            m.next(&range(&[1, 1, 0], false, &[])).value,
            Value::Integer(2)
        );
        assert_eq!(m.next(&range(&[1], false, &[])).name, Oid::new(&[1, 1, 0]));
        let end = m.next(&range(&[1, 1, 0], false, &[1, 2]));
        assert_eq!(end.value, Value::EndOfMibView);
        assert_eq!(end.name, Oid::new(&[1, 1, 0]));
    }

    #[test]
    fn walk_only_entries_are_not_gettable() {
        let m = mib();
        assert_eq!(m.get(&Oid::new(&[1, 3, 1])).value, Value::NoSuchObject);
        assert_eq!(m.next(&range(&[1, 3], false, &[])).value, Value::Integer(3));
        assert_eq!(m.get(&Oid::new(&[1, 2, 1])).value, Value::Integer(2));
    }

    #[test]
    fn bulk_repeats_until_the_end() {
        let m = mib();
        let out = m.bulk(0, 10, &[range(&[1], false, &[])]);
        let values: Vec<_> = out.iter().map(|v| v.value.clone()).collect();
        assert_eq!(
            values,
            [
                Value::Integer(1),
                Value::Integer(2),
                Value::Integer(3),
                Value::EndOfMibView
            ]
        );
    }
}
