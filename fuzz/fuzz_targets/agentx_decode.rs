//! Feeds arbitrary bytes to the AgentX decoder (what snmpd, or anything on the AgentX socket,
//! sends the subagent): nothing may panic, and whatever decodes re-encodes to bytes that
//! decode to the same PDU.
#![no_main]

use keepalived_agentx::{frame_len, Pdu};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = frame_len(data);
    if let Ok((header, pdu)) = Pdu::decode(data) {
        let again = pdu.encode(&header);
        assert_eq!(Pdu::decode(&again).map(|(_, p)| p), Ok(pdu));
    }
});
