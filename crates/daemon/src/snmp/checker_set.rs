//! SNMP Sets of KEEPALIVED-MIB's realServerWeight (`.3.4.1.7`), as keepalived 2.2.7's
//! check_snmp_realserver_weight takes them: a real server's row (the sorry server's has no
//! weight, so it is not writable, like every other column), an INTEGER value (wrongType
//! otherwise), of which the first byte is the new weight.

use keepalived_agentx::{Oid, ResponseError, Value, VarBind};
use keepalived_check::WeightSet;

use super::checker_mib::checker_oid;
use super::keepalived_mib::truth;
use super::mib::Mib;
use super::vrrp_set::first_byte;

/// realServerTable's entry (`.4.1`) under the checker group.
const RS_ENTRY: [u32; 2] = [4, 1];
const COL_TYPE: u32 = 2;
const COL_WEIGHT: u32 = 7;

fn entry() -> Oid {
    checker_oid().child(&RS_ENTRY)
}

/// The weight `varbind` sets, or keepalived's answer refusing it.
pub(crate) fn weight_set(mib: &Mib, varbind: &VarBind) -> Result<WeightSet, ResponseError> {
    let e = entry();
    if !varbind.name.starts_with(&e) {
        return Err(ResponseError::NotWritable);
    }
    let [COL_WEIGHT, vs, row] = varbind.name.subids()[e.subids().len()..] else {
        return Err(ResponseError::NotWritable);
    };
    let present = |name: &Oid| !matches!(mib.get(name).value, Value::NoSuchObject);
    if !present(&varbind.name) {
        return Err(ResponseError::NotWritable);
    }
    let Value::Integer(v) = varbind.value else {
        return Err(ResponseError::WrongType);
    };
    // The table lists a virtual server's sorry server first (realServerType false).
    let sorry = mib.get(&e.child(&[COL_TYPE, vs, 1])).value == truth(false);
    let before = 1 + usize::from(sorry);
    match (vs.checked_sub(1), (row as usize).checked_sub(before)) {
        (Some(vs), Some(rs)) => Ok(WeightSet {
            vs: vs as usize,
            rs,
            weight: u32::from(first_byte(v)),
        }),
        // A weight in the sorry server's row: keepalived's noSuchName (not reached: the row
        // has no weight).
        _ => Err(ResponseError::NoSuchName),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Virtual server 1 with a sorry server and two real servers, virtual server 2 with one.
    fn mib() -> Mib {
        let mut m = Mib::default();
        let e = entry();
        m.set(e.child(&[COL_TYPE, 1, 1]), truth(false));
        for (vs, row) in [(1, 2), (1, 3), (2, 1)] {
            m.set(e.child(&[COL_TYPE, vs, row]), truth(true));
            m.set(e.child(&[COL_WEIGHT, vs, row]), Value::Integer(1));
        }
        m
    }

    fn set(col: u32, vs: u32, row: u32, value: Value) -> VarBind {
        VarBind {
            name: entry().child(&[col, vs, row]),
            value,
        }
    }

    #[test]
    fn rows_after_a_sorry_server_are_its_real_servers() {
        let m = mib();
        let w = |vs, row, v| weight_set(&m, &set(COL_WEIGHT, vs, row, Value::Integer(v)));
        assert_eq!(
            w(1, 3, 7),
            Ok(WeightSet {
                vs: 0,
                rs: 1,
                weight: 7
            })
        );
        assert_eq!(
            w(2, 1, 300),
            Ok(WeightSet {
                vs: 1,
                rs: 0,
                weight: 44
            })
        );
        assert_eq!(
            w(1, 1, 7),
            Err(ResponseError::NotWritable),
            "the sorry server"
        );
        assert_eq!(w(3, 1, 7), Err(ResponseError::NotWritable), "no such row");
        assert_eq!(
            weight_set(&m, &set(COL_TYPE, 1, 2, Value::Integer(1))),
            Err(ResponseError::NotWritable)
        );
        assert_eq!(
            weight_set(&m, &set(COL_WEIGHT, 1, 2, Value::string("x"))),
            Err(ResponseError::WrongType)
        );
    }
}
