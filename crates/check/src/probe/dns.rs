//! DNS_CHECK: a query over UDP; any response with our id, QR set and RCODE 0 is a success
//! (keepalived looks no further than the header).

use super::conn::{udp_connect, ConnectError};
use super::dns_codec::{query, Header};
use crate::settings::ConnSpec;

/// One DNS_CHECK attempt for `name`/`qtype`. None when the socket could not be set up.
pub async fn check(spec: &ConnSpec, name: &str, qtype: u16) -> Option<Result<(), String>> {
    let sock = match udp_connect(spec).await {
        Ok(s) => s,
        Err(ConnectError::Setup(_)) => return None,
        Err(_) => {
            return Some(Err(format!(
                "network unreachable for {}",
                super::conn::pair(spec.dst)
            )))
        }
    };
    let id: u16 = rand::random();
    let Ok(q) = query(id, name, qtype) else {
        return Some(Err("failed to write socket.".to_owned()));
    };
    match sock.send(&q).await {
        Err(_) => return Some(Err("failed to write socket.".to_owned())),
        Ok(n) if n != q.len() => {
            return Some(Err("failed to write all of the datagram.".to_owned()))
        }
        Ok(_) => {}
    }
    let deadline = tokio::time::Instant::now() + spec.timeout;
    let mut buf = vec![0u8; 768];
    loop {
        let n = match tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await {
            Err(_) => return Some(Err("read timeout from socket".to_owned())),
            Ok(Err(e)) => {
                return Some(Err(format!(
                    "failed to read socket; errno {} ({e})",
                    e.raw_os_error().unwrap_or(0)
                )))
            }
            Ok(Ok(n)) => n,
        };
        // Short, foreign or non-response datagrams are ignored, as keepalived does.
        let Ok(h) = Header::parse(buf.get(..n).unwrap_or_default()) else {
            continue;
        };
        if h.id != id || !h.response {
            continue;
        }
        if h.rcode != 0 {
            return Some(Err(format!("read error occurred. (rcode = {})", h.rcode)));
        }
        return Some(Ok(()));
    }
}
