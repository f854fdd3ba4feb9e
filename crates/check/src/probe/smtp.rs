//! SMTP_CHECK: the greeting must be 220, the answer to `HELO name` 250, then QUIT.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::conn::{tcp_connect, ConnectError};
use crate::settings::ConnSpec;

/// keepalived's HELO name when `helo_name` is not given.
pub const DEFAULT_HELO: &str = "smtpchecker.keepalived.org";
/// The longest reply taken (keepalived's SMTP_BUFF_MAX is smaller still).
const MAX_REPLY: usize = 4096;

/// The code of a complete SMTP reply in `buf` (the last line is `NNN ` or just `NNN`);
/// None while it is incomplete.
pub fn reply_code(buf: &str) -> Option<u16> {
    let last = buf.lines().last()?;
    let b = last.as_bytes();
    if b.len() < 3 || !b.iter().take(3).all(u8::is_ascii_digit) || b.get(3) == Some(&b'-') {
        return None;
    }
    last.get(..3)?.parse().ok()
}

async fn read_reply(r: &mut BufReader<TcpStream>, t: Duration) -> Result<u16, &'static str> {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        match tokio::time::timeout(t, r.read_line(&mut line)).await {
            Err(_) => return Err("Read timeout from server"),
            Ok(Err(_)) | Ok(Ok(0)) => return Err("Read failure from server"),
            Ok(Ok(_)) => {}
        }
        all.push_str(&line);
        if all.len() > MAX_REPLY {
            return Err("Read failure from server");
        }
        if line.ends_with('\n') {
            if let Some(code) = reply_code(&all) {
                return Ok(code);
            }
        }
    }
}

async fn send(r: &mut BufReader<TcpStream>, t: Duration, what: &str) -> Result<(), &'static str> {
    match tokio::time::timeout(t, r.get_mut().write_all(what.as_bytes())).await {
        Err(_) => Err("Write timeout to server"),
        Ok(Err(_)) => Err("Write failure to server"),
        Ok(Ok(())) => Ok(()),
    }
}

/// One SMTP_CHECK attempt; `dst` names the server in the failure reason. None when the
/// socket could not be set up.
pub async fn check(spec: &ConnSpec, helo: &str, dst: &str) -> Option<Result<(), String>> {
    let t = spec.timeout;
    let stream = match tcp_connect(spec).await {
        Ok(s) => s,
        Err(ConnectError::Setup(_)) => return None,
        Err(ConnectError::Timeout) => {
            return Some(Err(format!("Connection timeout to server {dst}")))
        }
        Err(ConnectError::Failed(_)) => {
            return Some(Err(format!("Could not connect to server {dst}")))
        }
    };
    let mut r = BufReader::new(stream);
    let result = async {
        if read_reply(&mut r, t).await? != 220 {
            return Err("Bad greeting banner from server");
        }
        send(&mut r, t, &format!("HELO {helo}\r\n")).await?;
        if read_reply(&mut r, t).await? != 250 {
            return Err("Bad HELO response from server");
        }
        // The verdict is made; QUIT is a courtesy.
        let _ = send(&mut r, t, "QUIT\r\n").await;
        Ok(())
    }
    .await;
    Some(result.map_err(|m| format!("{m} {dst}")))
}

#[cfg(test)]
mod tests {
    use super::reply_code;

    #[test]
    fn multi_line_replies_end_at_the_line_without_a_dash() {
        assert_eq!(reply_code("220-hello\r\n"), None);
        assert_eq!(reply_code("220-hello\r\n220 ready\r\n"), Some(220));
        assert_eq!(reply_code("250\r\n"), Some(250));
        assert_eq!(reply_code("xx\r\n"), None);
        assert_eq!(reply_code(""), None);
    }
}
