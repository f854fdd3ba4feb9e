//! UDP_CHECK: a datagram sent; an ICMP error (port/host/net unreachable) is a failure. With
//! `require_reply` a reply is needed, of min..=max length, matching the pattern (X nibbles
//! ignored) over the shorter of the two; without it silence until connect_timeout is a
//! success.

use keepalived_conf::model::UdpCheck;

use super::conn::{udp_connect, ConnectError};
use crate::settings::ConnSpec;

/// keepalived's default `max_reply_length`.
pub const DEFAULT_MAX_REPLY: u32 = 255;

/// Whether `reply` is acceptable to `cfg` (length bounds and the masked pattern).
pub fn reply_ok(cfg: &UdpCheck, reply: &[u8]) -> bool {
    let len = reply.len() as u64;
    let min = u64::from(cfg.min_reply_length.unwrap_or(0));
    let max = u64::from(cfg.max_reply_length.unwrap_or(DEFAULT_MAX_REPLY));
    if len < min || len > max {
        return false;
    }
    match &cfg.reply_pattern {
        None => true,
        Some((bytes, mask)) => reply
            .iter()
            .zip(bytes.iter().zip(mask))
            .all(|(r, (b, m))| r & m == b & m),
    }
}

/// One UDP_CHECK attempt; `chk` names the server in the failure lines. None when the socket
/// could not be set up.
pub async fn check(spec: &ConnSpec, cfg: &UdpCheck, chk: &str) -> Option<Result<(), String>> {
    let failed = || Err(format!("UDP connection to {chk} failed."));
    let sock = match udp_connect(spec).await {
        Ok(s) => s,
        Err(ConnectError::Setup(_)) => return None,
        Err(_) => return Some(failed()),
    };
    let payload = if cfg.payload.is_empty() {
        (0..16).map(|_| rand::random::<u8>()).collect()
    } else {
        cfg.payload.clone()
    };
    if sock.send(&payload).await.is_err() {
        return Some(failed());
    }
    let mut buf = vec![0u8; 65536];
    match tokio::time::timeout(spec.timeout, sock.recv(&mut buf)).await {
        Err(_) if cfg.require_reply => Some(failed()),
        Err(_) => Some(Ok(())),
        Ok(Err(_)) => Some(failed()),
        Ok(Ok(n)) => {
            if !cfg.require_reply || reply_ok(cfg, buf.get(..n).unwrap_or_default()) {
                Some(Ok(()))
            } else {
                Some(Err(format!("UDP check to {chk} reply data mismatch.")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pattern: Option<(Vec<u8>, Vec<u8>)>, min: Option<u32>, max: Option<u32>) -> UdpCheck {
        UdpCheck {
            payload: vec![],
            require_reply: true,
            reply_pattern: pattern,
            min_reply_length: min,
            max_reply_length: max,
        }
    }

    #[test]
    fn x_nibbles_are_ignored_in_the_reply_pattern() {
        // require_reply 12X4 -> bytes 12 04, mask ff 0f.
        let c = cfg(Some((vec![0x12, 0x04], vec![0xff, 0x0f])), None, None);
        assert!(reply_ok(&c, &[0x12, 0xa4, 0x99]));
        assert!(reply_ok(&c, &[0x12, 0x04]));
        assert!(!reply_ok(&c, &[0x13, 0x04]));
        assert!(!reply_ok(&c, &[0x12, 0x05]));
        // The pattern is compared over the shorter of the two.
        assert!(reply_ok(&c, &[0x12]));
    }

    #[test]
    fn reply_length_must_lie_between_min_and_max() {
        let c = cfg(None, Some(2), Some(3));
        assert!(!reply_ok(&c, &[1]));
        assert!(reply_ok(&c, &[1, 2]));
        assert!(reply_ok(&c, &[1, 2, 3]));
        assert!(!reply_ok(&c, &[1, 2, 3, 4]));
        assert!(!reply_ok(&cfg(None, None, None), &[0; 256]));
    }
}
