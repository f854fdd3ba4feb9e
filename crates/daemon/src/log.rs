//! Log lines in keepalived's words ("(VI_1) Entering MASTER STATE"), on stderr.

/// Writes one log line.
pub fn info(msg: impl AsRef<str>) {
    eprintln!("Keepalived_vrrp[{}]: {}", std::process::id(), msg.as_ref());
}
