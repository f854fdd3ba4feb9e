//! `/tmp/keepalived.stats` (SIGUSR2, and STATS_CLEAR before the counters are zeroed).

use super::model::Snapshot;
use super::Lines;

/// Renders keepalived 2.2.7's stats file: one block per instance, configuration order.
pub fn render_stats(snap: &Snapshot) -> String {
    let mut out = Lines::default();
    for v in &snap.instances {
        let s = &v.stats;
        out.line(format!("VRRP Instance: {}", v.name));
        out.line("  Advertisements:");
        out.line(format!("    Received: {}", s.advert_rcvd));
        out.line(format!("    Sent: {}", s.advert_sent));
        out.line(format!("  Became master: {}", s.become_master));
        out.line(format!("  Released master: {}", s.release_master));
        out.line("  Packet Errors:");
        out.line(format!("    Length: {}", s.packet_len_err));
        out.line(format!("    TTL: {}", s.ip_ttl_err));
        out.line(format!("    Invalid Type: {}", s.invalid_type_rcvd));
        out.line(format!(
            "    Advertisement Interval: {}",
            s.advert_interval_err
        ));
        out.line(format!("    Address List: {}", s.addr_list_err));
        out.line("  Authentication Errors:");
        out.line(format!("    Invalid Type: {}", s.invalid_authtype));
        out.line(format!("    Type Mismatch: {}", s.authtype_mismatch));
        out.line(format!("    Failure: {}", s.auth_failure));
        out.line("  Priority Zero:");
        out.line(format!("    Received: {}", s.pri_zero_rcvd));
        out.line(format!("    Sent: {}", s.pri_zero_sent));
    }
    out.into_string()
}
