//! One SMTP conversation, as keepalived 2.2.7 holds it (keepalived/core/smtp.c): greeting
//! 220, `HELO` 250, `MAIL FROM` 250, one `RCPT TO` 250 per address, `DATA` 354, the text
//! 250, `QUIT` 221. Blocking, on the mailer thread; every connect, read and write bounded
//! by `smtp_connect_timeout`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};

use super::message::{Envelope, Mail};

/// Why a mail was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// Name resolution, connect, read or write failed (or timed out).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// `smtp_server` resolved to no address.
    #[error("no address for the SMTP server")]
    NoAddress,
    /// The server answered a stage with another code than keepalived expects.
    #[error("{stage} got \"{reply}\", expected {want}")]
    Refused {
        /// The command (or `greeting`).
        stage: &'static str,
        /// The server's last reply line.
        reply: String,
        /// The code keepalived waits for.
        want: u16,
    },
    /// The server closed the connection.
    #[error("connection closed during {0}")]
    Closed(&'static str),
}

/// The longest reply line read (keepalived's buffer is 512 bytes).
const MAX_LINE: usize = 1024;

/// Reads one (possibly multi-line) reply and checks its code.
fn expect<R: BufRead>(r: &mut R, stage: &'static str, want: u16) -> Result<(), SmtpError> {
    loop {
        let mut line = String::new();
        let n = <&mut R as std::io::Read>::take(&mut *r, MAX_LINE as u64).read_line(&mut line)?;
        if n == 0 {
            return Err(SmtpError::Closed(stage));
        }
        let line = line.trim_end().to_owned();
        // `250-...` continues a multi-line reply; `250 ...` (or a bare code) ends it.
        if line.as_bytes().get(3) == Some(&b'-') {
            continue;
        }
        let code: Option<u16> = line.get(..3).and_then(|c| c.parse().ok());
        return if code == Some(want) {
            Ok(())
        } else {
            Err(SmtpError::Refused {
                stage,
                reply: line,
                want,
            })
        };
    }
}

/// Delivers `mail` to the envelope's server.
pub fn send(env: &Envelope, mail: &Mail, date: &str) -> Result<(), SmtpError> {
    let addr = (env.server.0.as_str(), env.server.1)
        .to_socket_addrs()?
        .next()
        .ok_or(SmtpError::NoAddress)?;
    let stream = TcpStream::connect_timeout(&addr, env.timeout)?;
    stream.set_read_timeout(Some(env.timeout))?;
    stream.set_write_timeout(Some(env.timeout))?;
    let mut w = stream.try_clone()?;
    let mut r = BufReader::new(stream);
    expect(&mut r, "greeting", 220)?;
    w.write_all(format!("HELO {}\r\n", env.helo).as_bytes())?;
    expect(&mut r, "HELO", 250)?;
    w.write_all(format!("MAIL FROM:<{}>\r\n", env.from).as_bytes())?;
    expect(&mut r, "MAIL", 250)?;
    for to in &env.to {
        w.write_all(format!("RCPT TO:<{to}>\r\n").as_bytes())?;
        expect(&mut r, "RCPT", 250)?;
    }
    w.write_all(b"DATA\r\n")?;
    expect(&mut r, "DATA", 354)?;
    w.write_all(env.data(mail, date).as_bytes())?;
    expect(&mut r, "BODY", 250)?;
    w.write_all(b"QUIT\r\n")?;
    expect(&mut r, "QUIT", 221)
}
