//! The BFD child's event pipes, as keepalived's: the parent opens one pipe for the VRRP child
//! and one for the checker child before starting any child (keepalived's `open_bfd_pipes`);
//! the BFD child writes a fixed-size record (keepalived's `bfd_event_t`: instance name, Up or
//! Down, the time it was sent) on each, non-blocking, and the readers apply them in order.
//! A record is smaller than PIPE_BUF, so writes are atomic and never interleave.
//! Ours also uses four of the record's padding bytes (after the state): for a Down found by
//! the detection timer, how long the neighbour had been silent (for
//! `keepalived_rs_bfd_detection_seconds`); both ends of the pipe are ours.

use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::unix::AsyncFd;

use super::BfdNotify;

/// keepalived's BFD_INAME_MAX: names are at most 31 bytes (the parser refuses longer ones).
pub const NAME_MAX: usize = 32;

/// The size of one record: name, state, padding, seconds and microseconds of the send time
/// (keepalived's `bfd_event_t` layout on x86_64).
pub const EVENT_LEN: usize = NAME_MAX + 8 + 16;

const STATE_AT: usize = NAME_MAX;
/// Microseconds of silence before a detected Down (0: not detected by the timer).
const SILENCE_AT: usize = NAME_MAX + 4;
const TIME_AT: usize = NAME_MAX + 8;

/// keepalived's BFD_STATE_DOWN and BFD_STATE_UP (RFC 5880 state numbers).
const STATE_DOWN: u8 = 1;
const STATE_UP: u8 = 3;

/// One event read from a pipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipeEvent {
    /// The `bfd_instance` name.
    pub name: String,
    /// Up (anything else is Down).
    pub up: bool,
    /// When the BFD child sent it (wall clock, as keepalived's `sent_time`).
    pub sent: SystemTime,
    /// For a Down the detection timer found: how long the neighbour had been silent.
    pub silent_for: Option<Duration>,
}

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not [`EVENT_LEN`] bytes.
    #[error("BFD event of {0} bytes (expected {EVENT_LEN})")]
    Length(usize),
    /// The name is not NUL-terminated UTF-8.
    #[error("BFD event with a bad instance name")]
    Name,
}

/// Encodes `n` sent at `sent` (a longer name is cut to 31 bytes).
pub fn encode(n: &BfdNotify, sent: SystemTime) -> [u8; EVENT_LEN] {
    let mut b = [0u8; EVENT_LEN];
    let len = n.name.len().min(NAME_MAX - 1);
    b[..len].copy_from_slice(&n.name.as_bytes()[..len]);
    b[STATE_AT] = if n.up { STATE_UP } else { STATE_DOWN };
    let silence = n.silent_for.map_or(0, |d| {
        u32::try_from(d.as_micros()).unwrap_or(u32::MAX).max(1)
    });
    b[SILENCE_AT..TIME_AT].copy_from_slice(&silence.to_ne_bytes());
    let d = sent.duration_since(UNIX_EPOCH).unwrap_or_default();
    b[TIME_AT..TIME_AT + 8].copy_from_slice(&(d.as_secs() as i64).to_ne_bytes());
    b[TIME_AT + 8..].copy_from_slice(&i64::from(d.subsec_micros()).to_ne_bytes());
    b
}

/// Decodes one record.
pub fn decode(b: &[u8]) -> Result<PipeEvent, EventError> {
    if b.len() != EVENT_LEN {
        return Err(EventError::Length(b.len()));
    }
    let end = b[..NAME_MAX]
        .iter()
        .position(|&c| c == 0)
        .ok_or(EventError::Name)?;
    let name = std::str::from_utf8(&b[..end]).map_err(|_| EventError::Name)?;
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[at..at + 8]);
        i64::from_ne_bytes(w)
    };
    let secs = u64::try_from(word(TIME_AT)).unwrap_or(0);
    let micros = u64::try_from(word(TIME_AT + 8)).unwrap_or(0).min(999_999);
    let mut silence = [0u8; 4];
    silence.copy_from_slice(&b[SILENCE_AT..TIME_AT]);
    let silence = u32::from_ne_bytes(silence);
    Ok(PipeEvent {
        name: name.to_owned(),
        up: b[STATE_AT] == STATE_UP,
        sent: UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros),
        silent_for: (silence != 0).then(|| Duration::from_micros(u64::from(silence))),
    })
}

/// The BFD child's write ends: the VRRP child's pipe and the checker child's pipe.
#[derive(Debug, Default)]
pub struct EventPipes {
    /// To the VRRP child.
    pub vrrp: Option<OwnedFd>,
    /// To the checker child.
    pub checker: Option<OwnedFd>,
}

impl EventPipes {
    /// Writes `n` to the pipes it is routed to (keepalived's `bfd_event_send`). A full pipe
    /// (no reader for a while) loses the event, as keepalived's non-blocking write does.
    pub fn send(&self, n: &BfdNotify) {
        let rec = encode(n, SystemTime::now());
        let targets = [(n.vrrp, &self.vrrp), (n.checker, &self.checker)];
        for fd in targets
            .into_iter()
            .filter_map(|(on, fd)| if on { fd.as_ref() } else { None })
        {
            if let Err(e) = nix::unistd::write(fd.as_fd(), &rec) {
                if crate::log::detail() {
                    crate::log::info(format!("({}) pipe write() error {e}", n.name));
                }
            }
        }
    }
}

/// The read end of an event pipe, for a child's loop.
pub struct EventReader {
    fd: AsyncFd<OwnedFd>,
    partial: Vec<u8>,
}

impl EventReader {
    /// Takes over `fd` (made non-blocking); needs a tokio runtime.
    pub fn new(fd: OwnedFd) -> std::io::Result<EventReader> {
        let flags = nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_GETFL)?;
        let flags = nix::fcntl::OFlag::from_bits_truncate(flags) | nix::fcntl::OFlag::O_NONBLOCK;
        nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_SETFL(flags))?;
        Ok(EventReader {
            // SAFETY: the OwnedFd keeps its descriptor open, unchanged, until dropped with the
            // AsyncFd.
            fd: unsafe { AsyncFd::register(fd) }.map_err(|e| e.into_parts().1)?,
            partial: Vec::new(),
        })
    }

    /// The next events (at least one); `Err` when the pipe is closed or fails.
    pub async fn next(&mut self) -> std::io::Result<Vec<PipeEvent>> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut buf = [0u8; EVENT_LEN * 32];
            match guard.try_io(|fd| {
                nix::unistd::read(fd.get_ref(), &mut buf).map_err(std::io::Error::from)
            }) {
                Ok(Ok(0)) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(Ok(n)) => {
                    self.partial.extend_from_slice(&buf[..n]);
                    let whole = self.partial.len() / EVENT_LEN * EVENT_LEN;
                    let out: Vec<PipeEvent> = self.partial[..whole]
                        .chunks(EVENT_LEN)
                        .filter_map(|c| decode(c).ok())
                        .collect();
                    self.partial.drain(..whole);
                    if !out.is_empty() {
                        return Ok(out);
                    }
                }
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
    }
}

/// How long ago `sent` was (keepalived's "delivered in N usec"), zero if in the future.
pub fn delivery_time(sent: SystemTime) -> Duration {
    SystemTime::now().duration_since(sent).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notify(name: &str, up: bool) -> BfdNotify {
        BfdNotify {
            name: name.into(),
            up,
            vrrp: true,
            checker: true,
            silent_for: None,
        }
    }

    #[test]
    fn a_record_round_trips() {
        let t = UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
        let b = encode(&notify("B4", true), t);
        let e = decode(&b).unwrap();
        assert_eq!(
            e,
            PipeEvent {
                name: "B4".into(),
                up: true,
                sent: t,
                silent_for: None,
            }
        );
        let down = BfdNotify {
            silent_for: Some(Duration::from_micros(30_512)),
            ..notify("B4", false)
        };
        let e = decode(&encode(&down, t)).unwrap();
        assert!(!e.up);
        assert_eq!(e.silent_for, Some(Duration::from_micros(30_512)));
        assert_eq!(e.sent, t, "the silence does not overlap the send time");
    }

    #[test]
    fn bad_records_are_refused() {
        assert_eq!(decode(&[0u8; 10]), Err(EventError::Length(10)));
        assert_eq!(decode(&[b'a'; EVENT_LEN]), Err(EventError::Name));
        let long = "x".repeat(40);
        assert_eq!(
            decode(&encode(&notify(&long, true), UNIX_EPOCH))
                .unwrap()
                .name
                .len(),
            31
        );
    }

    #[tokio::test]
    async fn events_cross_a_pipe_in_order() {
        let (r, w) = nix::unistd::pipe().unwrap();
        let pipes = EventPipes {
            vrrp: Some(w),
            checker: None,
        };
        pipes.send(&notify("B1", false));
        pipes.send(&notify("B1", true));
        let mut rd = EventReader::new(r).unwrap();
        let mut got = Vec::new();
        while got.len() < 2 {
            got.extend(rd.next().await.unwrap());
        }
        let seen: Vec<_> = got.iter().map(|e| (e.name.as_str(), e.up)).collect();
        assert_eq!(seen, [("B1", false), ("B1", true)]);
    }
}
