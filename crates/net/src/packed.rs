//! Batches of ACK'ed requests packed many to a datagram on a socket of their own. The kernel
//! handles a datagram's messages one after another inside the `send` call and queues an ACK
//! per request on the sender's socket, so 10,000 address requests cost 10,000 / PER_DATAGRAM
//! system calls each way instead of 10,000, with nothing in between but the kernel's own work
//! (rtnetlink's connection task sends and routes the answer of each request separately).

use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

use netlink_sys::{protocols::NETLINK_ROUTE, Socket};
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_REQUEST};
use rtnetlink::packet_route::RouteNetlinkMessage;
use tokio::io::unix::AsyncFd;

use crate::netlink::{set_socket_rx_buf, RxBuf};
use crate::{BatchReport, NetError, Result};

/// Requests per datagram: their ACKs (NETLINK_CAP_ACK: header and errno only) all fit in the
/// receive buffer before the first is read, even at the kernel's default size.
const PER_DATAGRAM: usize = 64;
/// The receive buffer asked for (SO_RCVBUFFORCE, else SO_RCVBUF up to net.core.rmem_max).
const RX_BUF: u32 = 1 << 20;
/// The longest wait for the kernel's answers to one datagram; beyond it the unanswered
/// requests are reported as failed (the kernel answers within its `send`, so only a lost
/// answer gets here).
const ANSWER_WAIT: Duration = Duration::from_secs(5);

/// The socket for packed batches, in the namespace of the thread that opened it.
pub(crate) struct PackedSocket {
    fd: AsyncFd<Socket>,
    seq: std::sync::atomic::AtomicU32,
}

impl PackedSocket {
    /// Opens the socket (must be called inside a tokio runtime).
    pub(crate) fn open() -> io::Result<PackedSocket> {
        let mut sock = Socket::new(NETLINK_ROUTE)?;
        sock.bind_auto()?;
        // Best effort: an ACK without the echoed request, extended ACKs off.
        let _ = sock.set_cap_ack(true);
        let force = RxBuf {
            size: RX_BUF,
            force: true,
        };
        if set_socket_rx_buf(&sock, force).is_err() {
            let _ = set_socket_rx_buf(
                &sock,
                RxBuf {
                    force: false,
                    ..force
                },
            );
        }
        sock.set_non_blocking(true)?;
        Ok(PackedSocket {
            // SAFETY: the socket is owned by the AsyncFd and closed only when it drops.
            fd: unsafe { AsyncFd::register(sock) }.map_err(|e| e.into_parts().1)?,
            seq: std::sync::atomic::AtomicU32::new(1),
        })
    }

    /// Sends every message with `flags | NLM_F_REQUEST | NLM_F_ACK`, PER_DATAGRAM to a
    /// datagram, and collects the answers: errnos in `ignore` count as "already", others fail
    /// the request at their index.
    pub(crate) async fn ack_batch(
        &self,
        op: &'static str,
        msgs: impl IntoIterator<Item = RouteNetlinkMessage>,
        flags: u16,
        ignore: &[i32],
    ) -> Result<BatchReport> {
        let mut report = BatchReport::default();
        let mut msgs = msgs.into_iter().peekable();
        let mut first_index = 0;
        let mut datagram = Vec::new();
        while msgs.peek().is_some() {
            datagram.clear();
            let first_seq = self.reserve(PER_DATAGRAM as u32);
            let mut count = 0u32;
            for msg in msgs.by_ref().take(PER_DATAGRAM) {
                let mut req = NetlinkMessage::from(msg);
                req.header.flags = flags | NLM_F_REQUEST | NLM_F_ACK;
                req.header.sequence_number = first_seq.wrapping_add(count);
                req.finalize();
                let at = datagram.len();
                datagram.resize(at + req.buffer_len(), 0);
                req.serialize(&mut datagram[at..]);
                count += 1;
            }
            self.send(&datagram).map_err(NetError::io(op))?;
            let answers = self.answers(first_seq, count as usize).await;
            for (k, answer) in answers.into_iter().enumerate() {
                let index = first_index + k;
                match answer {
                    Some(0) => report.applied += 1,
                    Some(errno) if ignore.contains(&errno) => report.already += 1,
                    Some(errno) => report.failed.push((
                        index,
                        NetError::Netlink {
                            op,
                            source: io::Error::from_raw_os_error(errno),
                        },
                    )),
                    None => report.failed.push((
                        index,
                        NetError::Netlink {
                            op,
                            source: io::Error::new(
                                io::ErrorKind::TimedOut,
                                "the kernel's answer was lost",
                            ),
                        },
                    )),
                }
            }
            first_index += count as usize;
        }
        Ok(report)
    }

    /// The first of `n` consecutive sequence numbers.
    fn reserve(&self, n: u32) -> u32 {
        self.seq.fetch_add(n, std::sync::atomic::Ordering::Relaxed)
    }

    fn send(&self, datagram: &[u8]) -> io::Result<()> {
        let sock = self.fd.get_ref();
        loop {
            match sock.send(datagram, 0) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The errno (0: applied) of each of the `n` requests from sequence number `first`, None
    /// where no answer came.
    async fn answers(&self, first: u32, n: usize) -> Vec<Option<i32>> {
        let mut out = vec![None; n];
        let mut missing = n;
        let mut buf = vec![0u8; 64 * 1024];
        let deadline = tokio::time::Instant::now() + ANSWER_WAIT;
        while missing > 0 {
            let read = tokio::time::timeout_at(deadline, self.fd.readable()).await;
            let Ok(Ok(mut guard)) = read else {
                break;
            };
            let got = guard.try_io(|fd| {
                // SAFETY: recv(2) into a buffer of the given length on an open socket.
                let r =
                    unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
                if r < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(r as usize)
                }
            });
            let len = match got {
                Ok(Ok(len)) => len,
                Ok(Err(e)) if e.raw_os_error() == Some(libc::ENOBUFS) => continue,
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(Err(_)) => break,
                Err(_would_block) => continue,
            };
            for (seq, errno) in acks(buf.get(..len).unwrap_or_default()) {
                let k = seq.wrapping_sub(first) as usize;
                if let Some(slot) = out.get_mut(k) {
                    if slot.is_none() {
                        missing -= 1;
                    }
                    *slot = Some(errno);
                }
            }
        }
        out
    }
}

/// The (sequence number, errno) of each ACK or error in one datagram of answers.
fn acks(mut b: &[u8]) -> Vec<(u32, i32)> {
    let mut out = Vec::new();
    while b.len() >= 16 {
        let len = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize;
        if len < 16 || len > b.len() {
            break;
        }
        let seq = u32::from_ne_bytes([b[8], b[9], b[10], b[11]]);
        if let Ok(msg) = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&b[..len]) {
            if let NetlinkPayload::Error(e) = msg.payload {
                out.push((seq, e.code.map_or(0, |c| -c.get())));
            }
        }
        b = &b[((len + 3) & !3).min(b.len())..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An NLMSG_ERROR answer for `seq` with errno `errno` (0: ACK), NETLINK_CAP_ACK style.
    fn answer(seq: u32, errno: i32) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend(36u32.to_ne_bytes());
        m.extend(2u16.to_ne_bytes());
        m.extend(0x100u16.to_ne_bytes());
        m.extend(seq.to_ne_bytes());
        m.extend(0u32.to_ne_bytes());
        m.extend((-errno).to_ne_bytes());
        m.extend(16u32.to_ne_bytes());
        m.extend(20u16.to_ne_bytes());
        m.extend([0u8; 10]);
        m
    }

    #[test]
    fn answers_are_read_by_sequence_number() {
        let mut d = answer(7, 0);
        d.extend(answer(8, libc::EEXIST));
        d.extend([1, 2, 3]);
        assert_eq!(acks(&d), vec![(7, 0), (8, libc::EEXIST)]);
        assert!(acks(&[0u8; 10]).is_empty());
    }
}
