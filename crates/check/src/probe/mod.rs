//! The checks themselves: one attempt each, no state kept between attempts (that is the
//! core's, in [`crate::pool`]).

pub mod conn;
pub mod dns;
pub mod dns_codec;
pub mod file;
pub mod http;
pub mod http_regex;
pub mod http_response;
pub mod ping;
pub mod smtp;
pub mod tcp;
pub mod tls;
pub mod udp;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use keepalived_conf::model::{Script, UdpCheck};

use crate::pool::Report;
use crate::script::ScriptUser;
use crate::settings::ConnSpec;

/// What one checker does, with everything resolved.
#[derive(Debug, Clone)]
pub enum Probe {
    /// TCP_CHECK.
    Tcp {
        /// Where.
        conn: ConnSpec,
        /// The real server's name for log lines.
        chk: String,
    },
    /// HTTP_GET/SSL_GET.
    Http(Arc<http::HttpSpec>),
    /// SMTP_CHECK.
    Smtp {
        /// Where.
        conn: ConnSpec,
        /// HELO name.
        helo: String,
    },
    /// DNS_CHECK.
    Dns {
        /// Where.
        conn: ConnSpec,
        /// The name queried.
        name: String,
        /// Its type code.
        qtype: u16,
    },
    /// UDP_CHECK.
    Udp {
        /// Where.
        conn: ConnSpec,
        /// Payload and reply rules.
        cfg: UdpCheck,
        /// The real server's name for log lines.
        chk: String,
    },
    /// PING_CHECK.
    Ping {
        /// Where.
        conn: ConnSpec,
        /// The real server's name.
        chk: String,
        /// The virtual server's name.
        vs: String,
    },
    /// MISC_CHECK.
    Misc {
        /// misc_path.
        script: Script,
        /// misc_timeout (default the delay_loop).
        timeout: Duration,
        /// Default user.
        user: ScriptUser,
    },
    /// FILE_CHECK on the tracked file.
    File {
        /// The file.
        path: String,
    },
    /// BFD_CHECK: no probe of its own; the verdicts are the BFD child's events
    /// ([`crate::CheckerOptions::bfd`]).
    Bfd,
}

impl Probe {
    /// Where the probe connects (`None` for MISC_CHECK, FILE_CHECK and BFD_CHECK), for the
    /// data dump's `Connection` lines.
    pub fn conn(&self) -> Option<&ConnSpec> {
        match self {
            Probe::Tcp { conn, .. }
            | Probe::Smtp { conn, .. }
            | Probe::Dns { conn, .. }
            | Probe::Udp { conn, .. }
            | Probe::Ping { conn, .. } => Some(conn),
            Probe::Http(h) => Some(&h.conn),
            Probe::Misc { .. } | Probe::File { .. } | Probe::Bfd => None,
        }
    }
}

/// The outcome of one attempt.
#[derive(Debug)]
pub enum Attempt {
    /// A result for the core.
    Report(Report),
    /// No verdict: the socket could not be set up; keepalived logs this line and tries again
    /// after delay_loop.
    Reschedule(&'static str),
    /// Nothing new (a tracked file unchanged).
    Unchanged,
}

fn probe_report(r: Option<Result<(), String>>, resched: &'static str) -> Attempt {
    match r {
        Some(r) => Attempt::Report(Report::Probe(r)),
        None => Attempt::Reschedule(resched),
    }
}

/// An attempt in progress: boxed, see [`Probe::attempt`].
pub type AttemptFuture<'a> = Pin<Box<dyn Future<Output = Attempt> + Send + 'a>>;

impl Probe {
    /// One attempt: `url` for HTTP, `seq` for PING, `last` the tracked file's last value.
    /// Each kind's future is boxed on its own, for the time of the attempt: one future for
    /// all kinds would be as large as the largest (HTTP over TLS, ~1.8 KiB), held inline by
    /// every sleeping checker's task or, boxed whole, by every TCP check in flight (37 MiB
    /// at 20,000 real servers).
    pub fn attempt<'a>(
        &'a self,
        url: usize,
        seq: u16,
        last: &'a mut Option<i64>,
    ) -> AttemptFuture<'a> {
        match self {
            Probe::Tcp { conn, chk } => Box::pin(async move {
                probe_report(
                    tcp::check(conn, chk).await,
                    "TCP socket bind failed. Rescheduling.",
                )
            }),
            Probe::Http(spec) => Box::pin(async move {
                let Some(u) = spec.urls.get(url).or(spec.urls.first()) else {
                    return Attempt::Unchanged;
                };
                match http::check(spec, u).await {
                    Some(r) => Attempt::Report(Report::Http(r)),
                    None => Attempt::Reschedule("WEB socket bind failed. Rescheduling"),
                }
            }),
            Probe::Smtp { conn, helo } => Box::pin(async move {
                probe_report(
                    smtp::check(conn, helo, &conn::pair(conn.dst)).await,
                    "SMTP_CHECK socket bind failed. Rescheduling.",
                )
            }),
            Probe::Dns { conn, name, qtype } => Box::pin(async move {
                probe_report(
                    dns::check(conn, name, *qtype).await,
                    "UDP socket bind failed. Rescheduling.",
                )
            }),
            Probe::Udp { conn, cfg, chk } => Box::pin(async move {
                probe_report(
                    udp::check(conn, cfg, chk).await,
                    "UDP connect fail to create socket. Rescheduling.",
                )
            }),
            Probe::Ping { conn, chk, vs } => Box::pin(async move {
                probe_report(
                    ping::check(conn, chk, vs, seq).await,
                    "ICMP connect fail to create socket. Rescheduling.",
                )
            }),
            Probe::Misc {
                script,
                timeout,
                user,
            } => Box::pin(async move {
                Attempt::Report(Report::Misc(
                    crate::script::run(script, user, Some(*timeout)).await,
                ))
            }),
            Probe::Bfd => Box::pin(std::future::pending()),
            Probe::File { path } => {
                let v = file::read_value(path);
                let a = if *last == Some(v) {
                    Attempt::Unchanged
                } else {
                    *last = Some(v);
                    Attempt::Report(Report::File(v))
                };
                Box::pin(std::future::ready(a))
            }
        }
    }
}
