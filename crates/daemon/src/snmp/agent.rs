//! The AgentX session with the master agent, on its own thread: connect (`snmp_socket`, by
//! default unix:/var/agentx/master), open, register the subtrees, then answer the master's
//! requests from the MIB its process's [`Source`] builds (cached for [`VIEW_TTL`]), and send
//! the queued notifications. A lost or refused connection is retried every [`RECONNECT`];
//! nothing here ever blocks the process's event loop. Shared by the VRRP process and the
//! checker process (each is its own subagent, as keepalived's).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use keepalived_agentx::{
    frame_len, CloseReason, Flags, Header, Oid, Pdu, Register, ResponseError, VarBind,
};

use super::mib::Mib;
use crate::log;

/// How long to wait before connecting again (net-snmp's subagents retry every 15 s).
const RECONNECT: Duration = Duration::from_secs(5);

/// How long a built MIB answers requests before a fresh view is asked for (a walk is one
/// request per object).
const VIEW_TTL: Duration = Duration::from_millis(200);

/// What a process serves over the session: the subtrees it registers and the MIB it answers
/// from (the VRRP process's [`super::vrrp_source::VrrpSource`], the checker process's
/// [`super::checker::CheckerSource`]).
pub(crate) trait Source: Send {
    /// The subtrees to register, with the sysORTable description keepalived gives them.
    fn subtrees(&self) -> Vec<(Oid, &'static str)>;
    /// A freshly built MIB, or [`SessionError::Stopping`] once the process is stopping.
    fn mib(&self) -> Result<Mib, SessionError>;
    /// Whether the process is stopping (the session closes).
    fn stopping(&self) -> bool;
    /// One value of a Set's TestSet, checked as keepalived's write handler checks it (its
    /// RESERVE1 and RESERVE2 passes) against `mib`: the error to answer, if any. By
    /// default nothing is writable.
    fn test_set(&self, mib: &Mib, varbind: &VarBind) -> Result<(), ResponseError> {
        let _ = (mib, varbind);
        Err(ResponseError::NotWritable)
    }
    /// Applies a Set whose values all passed [`Source::test_set`] and that the master
    /// committed (keepalived's COMMIT pass, which finds its objects again in `mib`).
    fn commit_set(&self, mib: &Mib, varbinds: Vec<VarBind>) {
        let _ = (mib, varbinds);
    }
}

/// Where a Set transaction (RFC 2741 7.2.4) stands. net-snmp's subagent, keepalived's,
/// checks the values at TestSet (RESERVE1, RESERVE2), does nothing at CommitSet (ACTION:
/// keepalived's handlers have no such pass) and changes them at the CleanupSet that
/// follows a CommitSet (COMMIT); UndoSet and a CleanupSet right after TestSet drop them.
#[derive(Default)]
enum SetTransaction {
    #[default]
    None,
    Tested(Vec<VarBind>),
    Committed(Vec<VarBind>),
}

impl SetTransaction {
    /// The master's next Set PDU; returns the values to apply now, if any.
    fn advance(&mut self, pdu: &Pdu) -> Option<Vec<VarBind>> {
        match (std::mem::take(self), pdu) {
            (SetTransaction::Tested(v), Pdu::CommitSet) => {
                *self = SetTransaction::Committed(v);
                None
            }
            (SetTransaction::Committed(v), Pdu::CleanupSet) => Some(v),
            _ => None,
        }
    }
}

/// Where the agent stands with the master.
pub(crate) enum Endpoint {
    Unix(String),
    Tcp(String),
}

/// net-snmp's agentx socket syntax: `unix:PATH`, `PATH`, `tcp:HOST:PORT`, `HOST:PORT`.
pub(crate) fn endpoint(spec: &str) -> Endpoint {
    if let Some(p) = spec.strip_prefix("unix:") {
        Endpoint::Unix(p.to_owned())
    } else if let Some(p) = spec.strip_prefix("tcp:") {
        Endpoint::Tcp(p.to_owned())
    } else if spec.starts_with('/') {
        Endpoint::Unix(spec.to_owned())
    } else {
        Endpoint::Tcp(spec.to_owned())
    }
}

trait Stream: Read + Write {
    fn set_timeout(&self, d: Option<Duration>) -> std::io::Result<()>;
}

impl Stream for UnixStream {
    fn set_timeout(&self, d: Option<Duration>) -> std::io::Result<()> {
        self.set_read_timeout(d)
    }
}

impl Stream for TcpStream {
    fn set_timeout(&self, d: Option<Duration>) -> std::io::Result<()> {
        self.set_read_timeout(d)
    }
}

fn connect(e: &Endpoint) -> std::io::Result<Box<dyn Stream>> {
    Ok(match e {
        Endpoint::Unix(p) => Box::new(UnixStream::connect(p)?),
        Endpoint::Tcp(a) => Box::new(TcpStream::connect(a.as_str())?),
    })
}

/// Why a session ended.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SessionError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("bad PDU from the master: {0}")]
    Decode(#[from] keepalived_agentx::DecodeError),
    #[error("the master refused {what}: {error:?}")]
    Refused {
        what: &'static str,
        error: ResponseError,
    },
    #[error("the master closed the session ({0:?})")]
    Closed(CloseReason),
    #[error("the process is stopping")]
    Stopping,
}

struct Session {
    stream: Box<dyn Stream>,
    buf: Vec<u8>,
    session_id: u32,
    packet_id: u32,
}

impl Session {
    fn send(&mut self, pdu: &Pdu, header: &Header) -> Result<(), SessionError> {
        self.stream.write_all(&pdu.encode(header))?;
        Ok(())
    }

    /// Sends `pdu` as ours (a new packet ID) and returns the ID.
    fn request(&mut self, pdu: &Pdu) -> Result<u32, SessionError> {
        self.packet_id = self.packet_id.wrapping_add(1);
        let h = Header {
            flags: Flags(0),
            session_id: self.session_id,
            transaction_id: 0,
            packet_id: self.packet_id,
        };
        self.send(pdu, &h)?;
        Ok(self.packet_id)
    }

    /// The next whole PDU, or `None` when the read timed out.
    fn read(&mut self) -> Result<Option<(Header, Pdu)>, SessionError> {
        loop {
            if let Some(len) = frame_len(&self.buf) {
                let len = len?;
                if self.buf.len() >= len {
                    let frame: Vec<u8> = self.buf.drain(..len).collect();
                    return Ok(Some(Pdu::decode(&frame)?));
                }
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(SessionError::Io(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "connection closed",
                    )))
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                // SIGCHLD of a notify script, for one.
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Waits for the response to our packet `id` (requests in between are not expected
    /// before the registrations are done).
    fn response(&mut self, id: u32, what: &'static str) -> Result<u32, SessionError> {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Some((h, pdu)) = self.read()? {
                match pdu {
                    Pdu::Response { error, .. } if h.packet_id == id => {
                        if error != ResponseError::NoError {
                            return Err(SessionError::Refused { what, error });
                        }
                        return Ok(h.session_id);
                    }
                    Pdu::Close(r) => return Err(SessionError::Closed(r)),
                    _ => {}
                }
            }
        }
        Err(SessionError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no response to {what}"),
        )))
    }
}

/// The agent: connects, serves, reconnects, until its process stops.
pub(crate) struct Agent {
    pub(crate) socket: String,
    pub(crate) source: Box<dyn Source>,
    pub(crate) notifications: Receiver<Vec<VarBind>>,
}

impl Agent {
    /// Runs the agent (on its own thread) until its process stops.
    pub(crate) fn run(mut self) {
        let endpoint = endpoint(&self.socket);
        let mut warned = false;
        loop {
            let result = connect(&endpoint)
                .map_err(SessionError::from)
                .and_then(|s| self.session(s));
            match result {
                Err(SessionError::Stopping) => return,
                Err(e) if !warned => {
                    log::info(format!(
                        "Warning: Failed to connect to the agentx master agent ({}): {e}",
                        self.socket
                    ));
                    warned = true;
                }
                Err(_) => {}
                Ok(()) => {}
            }
            if self.source.stopping() {
                return;
            }
            // Notifications while disconnected are lost, as with keepalived.
            let until = Instant::now() + RECONNECT;
            while Instant::now() < until {
                while self.notifications.try_recv().is_ok() {}
                if self.source.stopping() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    fn session(&mut self, stream: Box<dyn Stream>) -> Result<(), SessionError> {
        stream.set_timeout(Some(Duration::from_millis(100)))?;
        let mut s = Session {
            stream,
            buf: Vec::new(),
            session_id: 0,
            packet_id: 0,
        };
        let id = s.request(&Pdu::Open {
            timeout: 1,
            id: Oid::new(&super::keepalived_mib::KEEPALIVED),
            descr: b"Keepalived".to_vec(),
        })?;
        s.session_id = s.response(id, "the session")?;
        for (subtree, name) in self.source.subtrees() {
            let id = s.request(&Pdu::Register {
                context: None,
                reg: Register {
                    timeout: 0,
                    priority: 127,
                    subtree: subtree.clone(),
                    range_subid: 0,
                    upper_bound: 0,
                },
            })?;
            if let Err(e) = s.response(id, "a registration") {
                log::info(format!("Unable to register {name} MIB: {e}"));
                continue;
            }
            let id = s.request(&Pdu::AddAgentCaps {
                context: None,
                id: subtree,
                descr: format!("The MIB module for {name}").into_bytes(),
            })?;
            let _ = s.response(id, "agent capabilities");
        }
        log::info(format!("AgentX subagent connected to {}", self.socket));
        let mut cache: Option<(Instant, Mib)> = None;
        let mut set = SetTransaction::None;
        loop {
            while let Ok(varbinds) = self.notifications.try_recv() {
                s.request(&Pdu::Notify {
                    context: None,
                    varbinds,
                })?;
            }
            let Some((h, pdu)) = s.read()? else {
                if self.source.stopping() {
                    // The process stops: what it queued last (the STOP notifications)
                    // goes out before the session closes.
                    while let Ok(varbinds) = self.notifications.try_recv() {
                        s.request(&Pdu::Notify {
                            context: None,
                            varbinds,
                        })?;
                    }
                    let _ = s.request(&Pdu::Close(CloseReason::Shutdown));
                    return Err(SessionError::Stopping);
                }
                continue;
            };
            let mut mib = |agent: &Agent| -> Result<Mib, SessionError> {
                match &cache {
                    Some((at, m)) if at.elapsed() < VIEW_TTL => Ok(m.clone()),
                    _ => {
                        let m = agent.source.mib()?;
                        cache = Some((Instant::now(), m.clone()));
                        Ok(m)
                    }
                }
            };
            let reply = |varbinds: Vec<VarBind>, error: ResponseError, index: u16| Pdu::Response {
                sys_up_time: 0,
                error,
                index,
                varbinds,
            };
            let answer = match pdu {
                Pdu::Get { ranges, .. } => {
                    let m = mib(self)?;
                    Some(reply(
                        ranges.iter().map(|r| m.get(&r.start)).collect(),
                        ResponseError::NoError,
                        0,
                    ))
                }
                Pdu::GetNext { ranges, .. } => {
                    let m = mib(self)?;
                    Some(reply(
                        ranges.iter().map(|r| m.next(r)).collect(),
                        ResponseError::NoError,
                        0,
                    ))
                }
                Pdu::GetBulk {
                    non_repeaters,
                    max_repetitions,
                    ranges,
                    ..
                } => {
                    let m = mib(self)?;
                    Some(reply(
                        m.bulk(non_repeaters, max_repetitions, &ranges),
                        ResponseError::NoError,
                        0,
                    ))
                }
                Pdu::TestSet { varbinds, .. } => {
                    let m = mib(self)?;
                    let failed = varbinds
                        .iter()
                        .enumerate()
                        .find_map(|(n, vb)| self.source.test_set(&m, vb).err().map(|e| (n, e)));
                    Some(match failed {
                        Some((n, error)) => {
                            set = SetTransaction::None;
                            reply(Vec::new(), error, u16::try_from(n + 1).unwrap_or(u16::MAX))
                        }
                        None => {
                            set = SetTransaction::Tested(varbinds);
                            reply(Vec::new(), ResponseError::NoError, 0)
                        }
                    })
                }
                Pdu::CommitSet | Pdu::UndoSet | Pdu::CleanupSet => {
                    if let Some(values) = set.advance(&pdu) {
                        let m = mib(self)?;
                        self.source.commit_set(&m, values);
                        // The next Get sees the change.
                        cache = None;
                    }
                    Some(reply(Vec::new(), ResponseError::NoError, 0))
                }
                Pdu::Ping { .. } => Some(reply(Vec::new(), ResponseError::NoError, 0)),
                Pdu::Close(r) => return Err(SessionError::Closed(r)),
                // Responses to our notifications, and what a master never sends.
                _ => None,
            };
            if let Some(a) = answer {
                s.send(&a, &h)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tested() -> SetTransaction {
        SetTransaction::Tested(vec![VarBind {
            name: Oid::new(&[1, 3]),
            value: keepalived_agentx::Value::Integer(1),
        }])
    }

    /// Values are applied at the CleanupSet after a CommitSet only (net-snmp's COMMIT
    /// pass); a CleanupSet right after TestSet or an UndoSet drops them.
    #[test]
    fn a_set_is_applied_at_the_cleanup_after_its_commit() {
        let mut t = tested();
        assert!(t.advance(&Pdu::CommitSet).is_none());
        assert_eq!(t.advance(&Pdu::CleanupSet).map(|v| v.len()), Some(1));
        assert!(t.advance(&Pdu::CleanupSet).is_none(), "once");
        let mut t = tested();
        assert!(t.advance(&Pdu::CleanupSet).is_none());
        assert!(t.advance(&Pdu::CommitSet).is_none());
        assert!(
            t.advance(&Pdu::CleanupSet).is_none(),
            "dropped without a commit"
        );
        let mut t = tested();
        assert!(t.advance(&Pdu::CommitSet).is_none());
        assert!(t.advance(&Pdu::UndoSet).is_none());
        assert!(t.advance(&Pdu::CleanupSet).is_none(), "undone");
    }
}
