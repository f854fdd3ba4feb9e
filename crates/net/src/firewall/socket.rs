//! The NETLINK_NETFILTER socket: one batch sent, every acknowledgement read back.

use std::collections::BTreeMap;
use std::time::Duration;

use netlink_sys::{Socket, SocketAddr};

use super::nla::{self, Batch, MsgType};
use super::FirewallError;

/// NETLINK_NETFILTER.
const NETLINK_NETFILTER: isize = 12;
const NLMSG_ERROR: u16 = 2;
const NLMSG_HDRLEN: usize = 16;
/// How long the kernel may take to answer a batch.
const REPLY_TIMEOUT: Duration = Duration::from_secs(2);

/// A blocking nfnetlink socket (the answers come at once: the kernel handles a batch in the
/// sendmsg call).
pub(crate) struct NfSocket {
    sock: Socket,
    seq: u32,
    buf: Vec<u8>,
}

fn io(op: &'static str) -> impl FnOnce(std::io::Error) -> FirewallError {
    move |source| FirewallError::Io { op, source }
}

/// One message of a datagram: (type, seq, error for NLMSG_ERROR).
fn messages(mut data: &[u8]) -> Vec<(u16, u32, Option<i32>)> {
    let mut out = Vec::new();
    while data.len() >= NLMSG_HDRLEN {
        let len = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]) as usize;
        if len < NLMSG_HDRLEN || len > data.len() {
            break;
        }
        let ty = u16::from_ne_bytes([data[4], data[5]]);
        let seq = u32::from_ne_bytes([data[8], data[9], data[10], data[11]]);
        let err = (ty == NLMSG_ERROR && len >= NLMSG_HDRLEN + 4)
            .then(|| i32::from_ne_bytes([data[16], data[17], data[18], data[19]]));
        out.push((ty, seq, err));
        let step = (len + 3) & !3;
        data = &data[step.min(data.len())..];
    }
    out
}

impl NfSocket {
    /// Opens the socket in the caller's network namespace.
    pub(crate) fn open() -> Result<NfSocket, FirewallError> {
        let mut sock = Socket::new(NETLINK_NETFILTER).map_err(io("nfnetlink socket"))?;
        sock.bind_auto().map_err(io("nfnetlink bind"))?;
        sock.connect(&SocketAddr::new(0, 0))
            .map_err(io("nfnetlink connect"))?;
        let tv = nix::sys::time::TimeVal::new(REPLY_TIMEOUT.as_secs() as _, 0);
        nix::sys::socket::setsockopt(&sock, nix::sys::socket::sockopt::ReceiveTimeout, &tv)
            .map_err(|e| FirewallError::Io {
                op: "nfnetlink timeout",
                source: e.into(),
            })?;
        // keepalived starts its sequence at the time of day; any start works.
        let seq = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as u32)
            .unwrap_or(1);
        Ok(NfSocket {
            sock,
            seq,
            buf: Vec::with_capacity(64 * 1024),
        })
    }

    /// A new batch numbered from this socket's sequence.
    pub(crate) fn batch(&self) -> Batch {
        Batch::new(self.seq)
    }

    fn recv(&mut self) -> Result<Vec<(u16, u32, Option<i32>)>, FirewallError> {
        self.buf.clear();
        self.sock
            .recv(&mut self.buf, 0)
            .map_err(io("nfnetlink receive"))?;
        Ok(messages(&self.buf))
    }

    /// Whether table `name` of `family` exists (NFT_MSG_GETTABLE).
    pub(crate) fn table_exists(&mut self, family: u8, name: &str) -> Result<bool, FirewallError> {
        let seq = self.seq;
        self.seq = seq.wrapping_add(1);
        let msg = nla::single(MsgType::GetTable, family, seq, |a| {
            a.str(1, name);
        });
        self.sock.send(&msg, 0).map_err(io("nfnetlink send"))?;
        let mut found = false;
        loop {
            for (ty, s, err) in self.recv()? {
                if s != seq {
                    continue;
                }
                match err {
                    Some(0) => return Ok(found),
                    Some(e) if -e == libc::ENOENT => return Ok(false),
                    Some(e) => {
                        return Err(FirewallError::Kernel {
                            what: format!("get table {name}"),
                            source: std::io::Error::from_raw_os_error(-e),
                        })
                    }
                    None if ty & 0xff == MsgType::NewTable as u16 => found = true,
                    None => {}
                }
            }
        }
    }

    /// Sends `batch` and waits for every acknowledgement. The kernel applies the batch as a
    /// whole: on any error nothing changed, and the first error is returned.
    pub(crate) fn commit(&mut self, batch: Batch) -> Result<(), FirewallError> {
        if batch.is_empty() {
            return Ok(());
        }
        let (bytes, sent, next) = batch.end();
        self.seq = next;
        self.sock.send(&bytes, 0).map_err(io("nfnetlink send"))?;
        let mut pending: BTreeMap<u32, String> =
            sent.into_iter().map(|s| (s.seq, s.what)).collect();
        let mut first_error: Option<FirewallError> = None;
        while !pending.is_empty() {
            let msgs = match self.recv() {
                Ok(m) => m,
                Err(e) => return Err(first_error.unwrap_or(e)),
            };
            for (_, seq, err) in msgs {
                let Some(e) = err else { continue };
                let what = pending.remove(&seq).unwrap_or_else(|| "batch".into());
                if e != 0 && first_error.is_none() {
                    first_error = Some(FirewallError::Kernel {
                        what,
                        source: std::io::Error::from_raw_os_error(-e),
                    });
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
