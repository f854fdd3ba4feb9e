//! The kernel's process connector (`NETLINK_CONNECTOR`, `CN_IDX_PROC`): the fork, exec,
//! comm and exit events keepalived's `vrrp_track_process` follows (core/track_process.c).
//!
//! [`decode`] reads one datagram (nlmsghdr, cn_msg, proc_event, none of them aligned for
//! the reader: fields are read byte-wise); [`ProcEventSocket`] subscribes
//! (`PROC_CN_MCAST_LISTEN`) and reads them on tokio. The kernel serves the connector in
//! the initial network namespace only: elsewhere subscribing fails with ECONNREFUSED
//! (keepalived's "Failed to set/clear process event listen - errno 111").

use std::io;
use std::os::fd::AsRawFd;

use netlink_sys::{protocols::NETLINK_CONNECTOR, Socket, SocketAddr};
use tokio::io::unix::AsyncFd;

use crate::netlink::{set_socket_rx_buf, RxBuf};

/// `CN_IDX_PROC` / `CN_VAL_PROC`.
const CN_IDX_PROC: u32 = 1;
const CN_VAL_PROC: u32 = 1;
/// `PROC_CN_MCAST_LISTEN` / `PROC_CN_MCAST_IGNORE`.
const MCAST_LISTEN: u32 = 1;
const MCAST_IGNORE: u32 = 2;

/// struct nlmsghdr, struct cn_msg, then struct proc_event.
const NLMSG_LEN: usize = 16;
const CN_MSG_LEN: usize = 20;
const EVENT_AT: usize = NLMSG_LEN + CN_MSG_LEN;
/// what, cpu, timestamp_ns: the proc_event header before its event data.
const EVENT_HEADER_LEN: usize = 16;
const DATA_AT: usize = EVENT_AT + EVENT_HEADER_LEN;

const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

const PROC_EVENT_NONE: u32 = 0;
const PROC_EVENT_FORK: u32 = 1;
const PROC_EVENT_EXEC: u32 = 2;
const PROC_EVENT_COMM: u32 = 0x200;
const PROC_EVENT_EXIT: u32 = 0x8000_0000;

/// What a process event says (threads are told apart by the caller: pid != tgid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcEvent {
    /// `PROC_EVENT_NONE`: the kernel acknowledged the subscription.
    Ack,
    /// A task was created: a process when `child_pid == child_tgid`, else a thread.
    Fork {
        /// The creating process.
        parent_tgid: i32,
        /// The new task.
        child_pid: i32,
        /// The new task's process.
        child_tgid: i32,
    },
    /// A task called execve.
    Exec {
        /// The task.
        pid: i32,
        /// Its process.
        tgid: i32,
    },
    /// A task's `comm` changed (prctl PR_SET_NAME, or a write to /proc/PID/comm).
    Comm {
        /// The task.
        pid: i32,
        /// Its process.
        tgid: i32,
        /// The new comm (at most 15 bytes).
        comm: String,
    },
    /// A task ended.
    Exit {
        /// The task.
        pid: i32,
        /// Its process.
        tgid: i32,
    },
    /// An event track_process has no use for (uid, gid, sid, ptrace, coredump...).
    Other(u32),
}

/// One decoded datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcMessage {
    /// `cn_msg.seq`: consecutive per CPU (a gap means lost messages).
    pub seq: u32,
    /// The CPU the event happened on.
    pub cpu: u32,
    /// The event.
    pub event: ProcEvent,
}

/// Why a datagram was not a process event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProcEventError {
    /// Shorter than its headers, or than its own length fields say.
    #[error("process event of {0} bytes is truncated")]
    Truncated(usize),
    /// A netlink error, no-op, or a message of another connector.
    #[error("not a process event")]
    NotProcEvent,
    /// An acknowledgement flag that does not go with the event (keepalived drops those).
    #[error("process event with a mismatched ack flag")]
    BadAck,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn i32_at(b: &[u8], at: usize) -> i32 {
    u32_at(b, at) as i32
}

/// Decodes one datagram of the process connector.
pub fn decode(b: &[u8]) -> Result<ProcMessage, ProcEventError> {
    if b.len() < DATA_AT {
        return Err(ProcEventError::Truncated(b.len()));
    }
    let nl_len = u32_at(b, 0) as usize;
    let nl_type = u16_at(b, 4);
    if nl_len > b.len() || nl_len < DATA_AT {
        return Err(ProcEventError::Truncated(b.len()));
    }
    if nl_type == NLMSG_ERROR || nl_type == NLMSG_NOOP {
        return Err(ProcEventError::NotProcEvent);
    }
    let (idx, val) = (u32_at(b, NLMSG_LEN), u32_at(b, NLMSG_LEN + 4));
    if idx != CN_IDX_PROC || val != CN_VAL_PROC {
        return Err(ProcEventError::NotProcEvent);
    }
    let seq = u32_at(b, NLMSG_LEN + 8);
    let ack = u32_at(b, NLMSG_LEN + 12);
    let data_len = usize::from(u16_at(b, NLMSG_LEN + 16));
    if NLMSG_LEN + CN_MSG_LEN + data_len > nl_len || data_len < EVENT_HEADER_LEN {
        return Err(ProcEventError::Truncated(b.len()));
    }
    let what = u32_at(b, EVENT_AT);
    let cpu = u32_at(b, EVENT_AT + 4);
    if (what == PROC_EVENT_NONE) != (ack != 0) {
        return Err(ProcEventError::BadAck);
    }
    let end = EVENT_AT + data_len;
    let need = |n: usize| {
        if DATA_AT + n <= end {
            Ok(())
        } else {
            Err(ProcEventError::Truncated(b.len()))
        }
    };
    let d = DATA_AT;
    let event = match what {
        PROC_EVENT_NONE => ProcEvent::Ack,
        PROC_EVENT_FORK => {
            need(16)?;
            ProcEvent::Fork {
                parent_tgid: i32_at(b, d + 4),
                child_pid: i32_at(b, d + 8),
                child_tgid: i32_at(b, d + 12),
            }
        }
        PROC_EVENT_EXEC => {
            need(8)?;
            ProcEvent::Exec {
                pid: i32_at(b, d),
                tgid: i32_at(b, d + 4),
            }
        }
        PROC_EVENT_COMM => {
            need(8 + 16)?;
            let raw = &b[d + 8..d + 24];
            let n = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
            ProcEvent::Comm {
                pid: i32_at(b, d),
                tgid: i32_at(b, d + 4),
                comm: String::from_utf8_lossy(&raw[..n]).into_owned(),
            }
        }
        PROC_EVENT_EXIT => {
            need(8)?;
            ProcEvent::Exit {
                pid: i32_at(b, d),
                tgid: i32_at(b, d + 4),
            }
        }
        other => ProcEvent::Other(other),
    };
    Ok(ProcMessage { seq, cpu, event })
}

/// The subscription message: nlmsghdr (NLMSG_DONE), cn_msg, and the multicast op.
fn listen_message(listen: bool) -> [u8; NLMSG_LEN + CN_MSG_LEN + 4] {
    let mut m = [0u8; NLMSG_LEN + CN_MSG_LEN + 4];
    let len = m.len() as u32;
    m[0..4].copy_from_slice(&len.to_ne_bytes());
    m[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
    m[16..20].copy_from_slice(&CN_IDX_PROC.to_ne_bytes());
    m[20..24].copy_from_slice(&CN_VAL_PROC.to_ne_bytes());
    m[32..34].copy_from_slice(&4u16.to_ne_bytes());
    let op = if listen { MCAST_LISTEN } else { MCAST_IGNORE };
    m[36..40].copy_from_slice(&op.to_ne_bytes());
    m
}

/// A subscribed process-connector socket.
pub struct ProcEventSocket {
    fd: AsyncFd<Socket>,
}

impl std::fmt::Debug for ProcEventSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProcEventSocket({})", self.fd.get_ref().as_raw_fd())
    }
}

/// Which step of opening the socket failed (keepalived logs each differently).
#[derive(Debug, thiserror::Error)]
pub enum ProcSocketError {
    /// socket(): EPROTONOSUPPORT means a kernel without CONFIG_PROC_EVENTS.
    #[error("Failed to open process monitoring socket - errno {errno} - {text}", errno = .0.raw_os_error().unwrap_or(0), text = crate::log::strerror(.0))]
    Open(io::Error),
    /// bind() to the CN_IDX_PROC group.
    #[error("Failed to bind to process monitoring socket - errno {errno} - {text}", errno = .0.raw_os_error().unwrap_or(0), text = crate::log::strerror(.0))]
    Bind(io::Error),
    /// Sending PROC_CN_MCAST_LISTEN (ECONNREFUSED outside the initial network namespace).
    #[error("Failed to set/clear process event listen - errno {errno} - {text}", errno = .0.raw_os_error().unwrap_or(0), text = crate::log::strerror(.0))]
    Listen(io::Error),
}

impl ProcSocketError {
    /// The kernel has no process connector (keepalived: "track_process not available").
    pub fn unsupported(&self) -> bool {
        matches!(self, ProcSocketError::Open(e) if e.raw_os_error() == Some(libc::EPROTONOSUPPORT))
    }
}

impl ProcEventSocket {
    /// Opens, sizes (`rx_buf`: `process_monitor_rcv_bufs[_force]`) and subscribes.
    /// Needs CAP_NET_ADMIN and a tokio runtime.
    pub fn open(rx_buf: Option<RxBuf>) -> Result<ProcEventSocket, ProcSocketError> {
        let mut s = Socket::new(NETLINK_CONNECTOR).map_err(ProcSocketError::Open)?;
        s.bind(&SocketAddr::new(0, CN_IDX_PROC))
            .map_err(ProcSocketError::Bind)?;
        if let Some(buf) = rx_buf {
            if let Err(e) = set_socket_rx_buf(&s, buf) {
                crate::log::info(&format!(
                    "Cannot set process monitor SO_RCVBUF{} option. errno={} ({})",
                    if buf.force { "FORCE" } else { "" },
                    e.raw_os_error().unwrap_or(0),
                    crate::log::strerror(&e)
                ));
            }
        }
        s.send(&listen_message(true), 0)
            .map_err(ProcSocketError::Listen)?;
        s.set_non_blocking(true).map_err(ProcSocketError::Open)?;
        // SAFETY: the socket is owned by the AsyncFd from here on and closed only when it
        // is dropped, after its deregistration.
        let fd =
            unsafe { AsyncFd::register(s) }.map_err(|e| ProcSocketError::Open(e.into_parts().1))?;
        Ok(ProcEventSocket { fd })
    }

    /// The next datagram from the kernel (others' are skipped) into `buf`: its length.
    /// ENOBUFS (events were lost) is returned as an error of that errno.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut guard = self.fd.readable().await?;
            let r = guard.try_io(|s| {
                let mut b = &mut buf[..];
                s.get_ref().recv_from(&mut b, 0)
            });
            match r {
                Ok(Ok((n, from))) if from.port_number() == 0 => return Ok(n),
                Ok(Ok(_)) => continue,
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
    }

    /// A datagram already queued, without waiting (`None`: the queue is empty).
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        loop {
            let mut b = &mut buf[..];
            match self.fd.get_ref().recv_from(&mut b, 0) {
                Ok((n, from)) if from.port_number() == 0 => return Ok(Some(n)),
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }

    /// keepalived's answer to lost events: the receive buffer doubled (its SO_RCVBUF, as
    /// the kernel reports it, times two). Returns the size asked for.
    pub fn double_rx_buf(&self, force: bool) -> io::Result<u32> {
        let now = self.fd.get_ref().get_rx_buf_sz()?;
        let size = u32::try_from(now.saturating_mul(2)).unwrap_or(u32::MAX);
        set_socket_rx_buf(self.fd.get_ref(), RxBuf { size, force })?;
        Ok(size)
    }
}

impl Drop for ProcEventSocket {
    fn drop(&mut self) {
        let _ = self.fd.get_ref().send(&listen_message(false), 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A datagram as the kernel builds it: `what`, then `data`.
    fn message(what: u32, ack: u32, data: &[u8]) -> Vec<u8> {
        let data_len = EVENT_HEADER_LEN + data.len();
        let total = NLMSG_LEN + CN_MSG_LEN + data_len;
        let mut m = vec![0u8; total];
        m[0..4].copy_from_slice(&(total as u32).to_ne_bytes());
        m[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
        m[16..20].copy_from_slice(&CN_IDX_PROC.to_ne_bytes());
        m[20..24].copy_from_slice(&CN_VAL_PROC.to_ne_bytes());
        m[24..28].copy_from_slice(&7u32.to_ne_bytes());
        m[28..32].copy_from_slice(&ack.to_ne_bytes());
        m[32..34].copy_from_slice(&(data_len as u16).to_ne_bytes());
        m[36..40].copy_from_slice(&what.to_ne_bytes());
        m[40..44].copy_from_slice(&1u32.to_ne_bytes());
        m[DATA_AT..].copy_from_slice(data);
        m
    }

    fn words(w: &[i32]) -> Vec<u8> {
        w.iter().flat_map(|x| x.to_ne_bytes()).collect()
    }

    #[test]
    fn the_events_track_process_uses_decode() {
        let fork = message(PROC_EVENT_FORK, 0, &words(&[10, 10, 11, 11]));
        assert_eq!(
            decode(&fork).unwrap(),
            ProcMessage {
                seq: 7,
                cpu: 1,
                event: ProcEvent::Fork {
                    parent_tgid: 10,
                    child_pid: 11,
                    child_tgid: 11
                }
            }
        );
        let exit = message(PROC_EVENT_EXIT, 0, &words(&[12, 11, 0, 9, 10, 10]));
        assert_eq!(
            decode(&exit).unwrap().event,
            ProcEvent::Exit { pid: 12, tgid: 11 }
        );
        let exec = message(PROC_EVENT_EXEC, 0, &words(&[11, 11]));
        assert_eq!(
            decode(&exec).unwrap().event,
            ProcEvent::Exec { pid: 11, tgid: 11 }
        );
        let mut comm = words(&[11, 11]);
        comm.extend_from_slice(b"haproxy\0\0\0\0\0\0\0\0\0");
        assert_eq!(
            decode(&message(PROC_EVENT_COMM, 0, &comm)).unwrap().event,
            ProcEvent::Comm {
                pid: 11,
                tgid: 11,
                comm: "haproxy".into()
            }
        );
        assert_eq!(
            decode(&message(PROC_EVENT_NONE, 1, &[0; 8])).unwrap().event,
            ProcEvent::Ack
        );
        assert_eq!(
            decode(&message(4, 0, &[0; 16])).unwrap().event,
            ProcEvent::Other(4)
        );
    }

    #[test]
    fn malformed_datagrams_are_refused() {
        assert_eq!(decode(&[0; 10]), Err(ProcEventError::Truncated(10)));
        let short = message(PROC_EVENT_FORK, 0, &words(&[1, 2]));
        assert!(matches!(decode(&short), Err(ProcEventError::Truncated(_))));
        assert_eq!(
            decode(&message(PROC_EVENT_EXEC, 1, &words(&[1, 1]))),
            Err(ProcEventError::BadAck)
        );
        let mut other = message(PROC_EVENT_EXEC, 0, &words(&[1, 1]));
        other[16] = 9;
        assert_eq!(decode(&other), Err(ProcEventError::NotProcEvent));
        let mut lying = message(PROC_EVENT_EXEC, 0, &words(&[1, 1]));
        lying[0..4].copy_from_slice(&4096u32.to_ne_bytes());
        assert!(matches!(decode(&lying), Err(ProcEventError::Truncated(_))));
    }

    proptest::proptest! {
        /// Whatever the bytes, decoding returns (the fuzz target fuzz/fuzz_targets/
        /// proc_event_decode.rs does the same with coverage guidance).
        #[test]
        fn any_bytes_decode_or_are_refused(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..128)) {
            let _ = decode(&bytes);
        }

        /// A well-formed exit of any pid decodes to that pid.
        #[test]
        fn an_exit_of_any_pid_decodes(pid in proptest::num::i32::ANY, tgid in proptest::num::i32::ANY) {
            let m = message(PROC_EVENT_EXIT, 0, &words(&[pid, tgid, 0, 0, 0, 0]));
            proptest::prop_assert_eq!(decode(&m).map(|m| m.event), Ok(ProcEvent::Exit { pid, tgid }));
        }
    }

    #[test]
    fn the_listen_message_is_keepalived_s() {
        let m = listen_message(true);
        assert_eq!(m.len(), 40);
        assert_eq!(u32_at(&m, 0), 40);
        assert_eq!(u16_at(&m, 4), NLMSG_DONE);
        assert_eq!(u32_at(&m, 36), MCAST_LISTEN);
        assert_eq!(u32_at(&listen_message(false), 36), MCAST_IGNORE);
    }
}
