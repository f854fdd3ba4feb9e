//! Feeds arbitrary bytes to the process-connector decoder (what vrrp_track_process reads
//! from the kernel): nothing may panic, and a decoded Comm name is at most 15 bytes of the
//! input's 16.
#![no_main]

use keepalived_net::proc_events::{decode, ProcEvent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = decode(data) {
        if let ProcEvent::Comm { comm, .. } = m.event {
            assert!(comm.len() <= 16 * 3, "lossy UTF-8 of 16 bytes");
        }
    }
});
