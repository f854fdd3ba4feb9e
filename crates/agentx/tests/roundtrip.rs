//! Property tests: every PDU this crate can build decodes back to itself, and no byte
//! string makes the decoder panic.

use keepalived_agentx::{
    frame_len, CloseReason, Flags, Header, Oid, Pdu, PduType, Register, ResponseError, SearchRange,
    Value, VarBind,
};
use proptest::prelude::*;

fn oid() -> impl Strategy<Value = Oid> {
    prop_oneof![
        prop::collection::vec(any::<u32>(), 0..12).prop_map(Oid),
        prop::collection::vec(any::<u32>(), 0..12).prop_map(|v| {
            let mut o = vec![1, 3, 6, 1, 4];
            o.extend(v);
            Oid(o)
        }),
    ]
}

fn octets() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..24)
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(Value::Integer),
        octets().prop_map(Value::OctetString),
        Just(Value::Null),
        oid().prop_map(Value::ObjectIdentifier),
        any::<[u8; 4]>().prop_map(Value::IpAddress),
        any::<u32>().prop_map(Value::Counter32),
        any::<u32>().prop_map(Value::Gauge32),
        any::<u32>().prop_map(Value::TimeTicks),
        octets().prop_map(Value::Opaque),
        any::<u64>().prop_map(Value::Counter64),
        Just(Value::NoSuchObject),
        Just(Value::NoSuchInstance),
        Just(Value::EndOfMibView),
    ]
}

fn varbinds() -> impl Strategy<Value = Vec<VarBind>> {
    prop::collection::vec(
        (oid(), value()).prop_map(|(name, value)| VarBind { name, value }),
        0..6,
    )
}

fn ranges() -> impl Strategy<Value = Vec<SearchRange>> {
    prop::collection::vec(
        (oid(), any::<bool>(), oid()).prop_map(|(start, include, end)| SearchRange {
            start,
            include,
            end,
        }),
        0..6,
    )
}

fn context() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop::option::of(octets())
}

fn register() -> impl Strategy<Value = Register> {
    (any::<u8>(), any::<u8>(), oid(), any::<u8>(), any::<u32>()).prop_map(
        |(timeout, priority, subtree, range_subid, upper_bound)| Register {
            timeout,
            priority,
            subtree,
            range_subid,
            upper_bound: if range_subid == 0 { 0 } else { upper_bound },
        },
    )
}

fn pdu() -> impl Strategy<Value = Pdu> {
    prop_oneof![
        (any::<u8>(), oid(), octets()).prop_map(|(timeout, id, descr)| Pdu::Open {
            timeout,
            id,
            descr
        }),
        any::<u8>().prop_map(|c| Pdu::Close(match c % 7 {
            1 => CloseReason::Other,
            5 => CloseReason::Shutdown,
            _ => CloseReason::Unknown(200),
        })),
        (context(), register()).prop_map(|(context, reg)| Pdu::Register { context, reg }),
        (context(), register()).prop_map(|(context, mut reg)| {
            reg.timeout = 0;
            Pdu::Unregister { context, reg }
        }),
        (context(), ranges()).prop_map(|(context, ranges)| Pdu::Get { context, ranges }),
        (context(), ranges()).prop_map(|(context, ranges)| Pdu::GetNext { context, ranges }),
        (context(), any::<u16>(), any::<u16>(), ranges()).prop_map(
            |(context, non_repeaters, max_repetitions, ranges)| Pdu::GetBulk {
                context,
                non_repeaters,
                max_repetitions,
                ranges
            }
        ),
        (context(), varbinds()).prop_map(|(context, varbinds)| Pdu::TestSet { context, varbinds }),
        Just(Pdu::CommitSet),
        Just(Pdu::UndoSet),
        Just(Pdu::CleanupSet),
        (context(), varbinds()).prop_map(|(context, varbinds)| Pdu::Notify { context, varbinds }),
        context().prop_map(|context| Pdu::Ping { context }),
        (context(), oid(), octets()).prop_map(|(context, id, descr)| Pdu::AddAgentCaps {
            context,
            id,
            descr
        }),
        (context(), oid()).prop_map(|(context, id)| Pdu::RemoveAgentCaps { context, id }),
        (any::<u32>(), any::<u16>(), varbinds()).prop_map(|(sys_up_time, e, varbinds)| {
            Pdu::Response {
                sys_up_time,
                error: match e % 3 {
                    0 => ResponseError::NoError,
                    1 => ResponseError::NotWritable,
                    _ => ResponseError::Other(1000),
                },
                index: e,
                varbinds,
            }
        }),
        prop::collection::vec(any::<[u8; 4]>(), 0..4).prop_map(|w| Pdu::Index {
            ty: PduType::IndexAllocate,
            payload: w.concat(),
        }),
    ]
}

proptest! {
    #[test]
    fn encode_then_decode_gives_the_pdu_back(p in pdu(), s in any::<u32>(), t in any::<u32>(), id in any::<u32>()) {
        let h = Header { flags: Flags(0), session_id: s, transaction_id: t, packet_id: id };
        let bytes = p.encode(&h);
        prop_assert_eq!(frame_len(&bytes), Some(Ok(bytes.len())));
        let (h2, p2) = Pdu::decode(&bytes).expect("own bytes decode");
        prop_assert_eq!((h2.session_id, h2.transaction_id, h2.packet_id), (s, t, id));
        prop_assert!(h2.flags.has(Flags::NETWORK_BYTE_ORDER));
        prop_assert_eq!(p2, p);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = frame_len(&bytes);
        if let Ok((h, p)) = Pdu::decode(&bytes) {
            // Whatever decodes re-encodes to bytes that decode to the same PDU.
            let again = p.encode(&h);
            prop_assert_eq!(Pdu::decode(&again).map(|(_, p)| p), Ok(p));
        }
    }
}

/// A GetNext as a little-endian master would send it (NETWORK_BYTE_ORDER clear).
#[test]
fn little_endian_getnext_decodes() {
    let mut b = vec![1, 6, 0, 0];
    b.extend_from_slice(&7u32.to_le_bytes()); // session
    b.extend_from_slice(&8u32.to_le_bytes()); // transaction
    b.extend_from_slice(&9u32.to_le_bytes()); // packet
    b.extend_from_slice(&24u32.to_le_bytes()); // payload
                                               // start: 1.3.6.1.4.1.9586 as prefix 4, subids [1, 9586], include 1
    b.extend_from_slice(&[2, 4, 1, 0]);
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&9586u32.to_le_bytes());
    // end: 1.3.6.1.4.1.9587
    b.extend_from_slice(&[2, 4, 0, 0]);
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&9587u32.to_le_bytes());
    let (h, p) = Pdu::decode(&b).unwrap();
    assert_eq!((h.session_id, h.transaction_id, h.packet_id), (7, 8, 9));
    assert_eq!(
        p,
        Pdu::GetNext {
            context: None,
            ranges: vec![SearchRange {
                start: Oid::new(&[1, 3, 6, 1, 4, 1, 9586]),
                include: true,
                end: Oid::new(&[1, 3, 6, 1, 4, 1, 9587]),
            }],
        }
    );
}

/// An Open as net-snmp's subagents send it: the prefix form for 1.3.6.1.4.
#[test]
fn open_uses_the_internet_prefix() {
    let p = Pdu::Open {
        timeout: 1,
        id: Oid::new(&[1, 3, 6, 1, 4, 1, 9586, 100, 5]),
        descr: b"Keepalived".to_vec(),
    };
    let b = p.encode(&Header::default());
    assert_eq!(&b[..4], &[1, 1, 0x10, 0]);
    assert_eq!(&b[20..28], &[1, 0, 0, 0, 4, 4, 0, 0]);
    assert_eq!(&b[28..32], &1u32.to_be_bytes());
    // header, timeout+reserved, OID header, 4 sub-ids, length, "Keepalived" padded
    assert_eq!(b.len(), 20 + 4 + 4 + 16 + 4 + 12);
}

#[test]
fn bad_lengths_and_versions_are_errors() {
    use keepalived_agentx::DecodeError;
    let mut b = Pdu::Ping { context: None }.encode(&Header::default());
    assert_eq!(Pdu::decode(&b[..10]), Err(DecodeError::Truncated("header")));
    b[0] = 2;
    assert_eq!(Pdu::decode(&b), Err(DecodeError::Version(2)));
    b[0] = 1;
    b[19] = 3;
    assert_eq!(Pdu::decode(&b), Err(DecodeError::PayloadLength(3)));
}

/// PDUs net-snmp 5.9.3's snmpd sent a subagent (fuzz/seeds/agentx_decode, captured in a
/// lab): each decodes to a Get or GetNext, and re-encodes to the same bytes (snmpd writes
/// network byte order and the internet prefix, as we do).
#[test]
fn snmpd_requests_decode() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/agentx_decode");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("seeds") {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let (h, p) = Pdu::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // snmpd forwards a GetBulk over one region as GetNext requests.
        assert!(
            matches!(p.pdu_type(), PduType::Get | PduType::GetNext),
            "{name}: {p:?}"
        );
        assert_eq!(p.encode(&h), bytes, "{name}");
        seen += 1;
    }
    assert!(seen >= 3);
}
