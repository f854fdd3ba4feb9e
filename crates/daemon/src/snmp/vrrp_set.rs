//! SNMP Sets of KEEPALIVED-MIB's vrrpInstanceTable, as keepalived 2.2.7's write handlers
//! take them (vrrp_snmp_instance_priority, vrrp_snmp_instance_preempt,
//! vrrp_snmp_instance_accept): vrrpInstanceBasePriority and vrrpInstancePreempt change the
//! running instance until a reload; vrrpInstanceAccept answers noAccess (keepalived is
//! built without ALLOW_SNMP_SET_ACCEPT) on a VRRPv3 instance; every other object is not
//! writable. keepalived reads the first byte of the value only (`*var_val`, the low byte of
//! the integer on this little-endian host), and so does this.

use keepalived_agentx::{Oid, ResponseError, Value, VarBind};

use super::keepalived_mib::vrrp_oid;
use super::mib::Mib;

/// vrrpInstanceTable's entry (`.2.3.1`) under the VRRP group.
const INSTANCE_ENTRY: [u32; 2] = [3, 1];
const COL_BASE_PRIORITY: u32 = 7;
const COL_PREEMPT: u32 = 13;
const COL_ACCEPT: u32 = 27;
const COL_VERSION: u32 = 30;

/// One change a Set makes to an instance (`instance`: its index in the table, from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VrrpWrite {
    /// vrrpInstanceBasePriority.
    BasePriority { instance: u32, priority: u8 },
    /// vrrpInstancePreempt: `true` is enabled (1), `false` disabled (2).
    Preempt { instance: u32, on: bool },
}

/// The column and row a varbind names in vrrpInstanceTable, if it names a cell of it.
fn cell(name: &Oid) -> Option<(u32, u32)> {
    let entry = vrrp_oid().child(&INSTANCE_ENTRY);
    if !name.starts_with(&entry) {
        return None;
    }
    match &name.subids()[entry.subids().len()..] {
        [col, row] => Some((*col, *row)),
        _ => None,
    }
}

/// The byte keepalived's handlers read from an INTEGER value (`*var_val`).
pub(super) fn first_byte(v: i32) -> u8 {
    v.to_le_bytes()[0]
}

/// The write `varbind` asks for, with keepalived's answer where it refuses it: an object
/// with no write handler (or no such instance in `mib`) is notWritable, then a value that
/// is not an INTEGER is wrongType, then the handler's own checks (a base priority of 0, a
/// preemption other than 1 or 2: wrongValue).
pub(crate) fn vrrp_write(mib: &Mib, varbind: &VarBind) -> Result<VrrpWrite, ResponseError> {
    let (col, row) = cell(&varbind.name).ok_or(ResponseError::NotWritable)?;
    let exists = |c: u32| {
        let name = vrrp_oid().child(&INSTANCE_ENTRY).child(&[c, row]);
        let v = mib.get(&name).value;
        (!matches!(v, Value::NoSuchObject | Value::NoSuchInstance)).then_some(v)
    };
    exists(col).ok_or(ResponseError::NotWritable)?;
    let writable = match col {
        COL_BASE_PRIORITY | COL_PREEMPT => true,
        // keepalived sets the accept handler for a VRRPv3 instance only.
        COL_ACCEPT => exists(COL_VERSION) == Some(Value::Integer(3)),
        _ => false,
    };
    if !writable {
        return Err(ResponseError::NotWritable);
    }
    let Value::Integer(v) = varbind.value else {
        return Err(ResponseError::WrongType);
    };
    let byte = first_byte(v);
    match col {
        COL_BASE_PRIORITY if byte == 0 => Err(ResponseError::WrongValue),
        COL_BASE_PRIORITY => Ok(VrrpWrite::BasePriority {
            instance: row,
            priority: byte,
        }),
        COL_PREEMPT => match byte {
            1 | 2 => Ok(VrrpWrite::Preempt {
                instance: row,
                on: byte == 1,
            }),
            _ => Err(ResponseError::WrongValue),
        },
        _ => Err(ResponseError::NoAccess),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mib(version: i32) -> Mib {
        let mut m = Mib::default();
        let entry = vrrp_oid().child(&INSTANCE_ENTRY);
        for col in [2, COL_BASE_PRIORITY, COL_PREEMPT, COL_ACCEPT, 28] {
            m.set(entry.child(&[col, 1]), Value::Integer(1));
        }
        m.set(entry.child(&[COL_VERSION, 1]), Value::Integer(version));
        m
    }

    fn set(col: u32, row: u32, value: Value) -> VarBind {
        VarBind {
            name: vrrp_oid().child(&INSTANCE_ENTRY).child(&[col, row]),
            value,
        }
    }

    #[test]
    fn base_priority_takes_the_first_byte_and_refuses_zero() {
        let m = mib(2);
        let w = |v| vrrp_write(&m, &set(COL_BASE_PRIORITY, 1, Value::Integer(v)));
        assert_eq!(
            w(150),
            Ok(VrrpWrite::BasePriority {
                instance: 1,
                priority: 150
            })
        );
        assert_eq!(
            w(300),
            Ok(VrrpWrite::BasePriority {
                instance: 1,
                priority: 44
            })
        );
        assert_eq!(w(0), Err(ResponseError::WrongValue));
        assert_eq!(w(256), Err(ResponseError::WrongValue));
        assert_eq!(
            vrrp_write(&m, &set(COL_BASE_PRIORITY, 1, Value::string("1"))),
            Err(ResponseError::WrongType)
        );
    }

    #[test]
    fn preempt_is_one_or_two() {
        let m = mib(2);
        let w = |v| vrrp_write(&m, &set(COL_PREEMPT, 1, Value::Integer(v)));
        assert_eq!(
            w(2),
            Ok(VrrpWrite::Preempt {
                instance: 1,
                on: false
            })
        );
        assert_eq!(
            w(257),
            Ok(VrrpWrite::Preempt {
                instance: 1,
                on: true
            })
        );
        assert_eq!(w(3), Err(ResponseError::WrongValue));
    }

    #[test]
    fn accept_is_no_access_on_v3_and_the_rest_is_not_writable() {
        let one = Value::Integer(1);
        assert_eq!(
            vrrp_write(&mib(3), &set(COL_ACCEPT, 1, one.clone())),
            Err(ResponseError::NoAccess)
        );
        assert_eq!(
            vrrp_write(&mib(2), &set(COL_ACCEPT, 1, one.clone())),
            Err(ResponseError::NotWritable)
        );
        assert_eq!(
            vrrp_write(&mib(2), &set(28, 1, one.clone())),
            Err(ResponseError::NotWritable)
        );
        assert_eq!(
            vrrp_write(&mib(2), &set(COL_BASE_PRIORITY, 2, one)),
            Err(ResponseError::NotWritable)
        );
    }
}
