//! TCP_CHECK: a connection that completes is a success.

use super::conn::{tcp_connect, ConnectError};
use crate::settings::ConnSpec;

/// One TCP_CHECK attempt; `chk` is the real server's name for the failure lines. `None`
/// when the socket could not even be set up (keepalived reschedules without a verdict).
pub async fn check(spec: &ConnSpec, chk: &str) -> Option<Result<(), String>> {
    match tcp_connect(spec).await {
        Ok(_stream) => Some(Ok(())),
        Err(ConnectError::Timeout) => Some(Err(format!("TCP connection to {chk} timeout."))),
        Err(ConnectError::Failed(_)) => Some(Err(format!("TCP connection to {chk} failed."))),
        Err(ConnectError::Setup(_)) => None,
    }
}
