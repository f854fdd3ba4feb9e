//! The rtnetlink session and the request helpers shared by every netlink module.

use std::io;

use futures::stream::BoxStream;
use futures::StreamExt;
use rtnetlink::packet_core::{
    NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST,
};
use rtnetlink::packet_route::RouteNetlinkMessage;
use tokio::task::JoinHandle;

use crate::packed::PackedSocket;
use crate::{NetError, Result};

/// Requests in flight at once in a batch: bounded so the kernel's answers (an
/// ACK each, or an error echoing the request) never overflow the socket's
/// receive buffer, which would lose answers.
const BATCH_WINDOW: usize = 256;

/// A netlink (NETLINK_ROUTE) session bound to the network namespace of the thread
/// that created it. Must be created inside a tokio runtime (it spawns the
/// connection task, which is aborted on drop).
pub struct Netlink {
    pub(crate) handle: rtnetlink::Handle,
    task: JoinHandle<()>,
    /// Batches go here, packed many requests to a datagram; None if it could not be opened
    /// (then batches go through `handle`, one request at a time).
    packed: Option<PackedSocket>,
}

/// Outcome of a pipelined batch ([`Netlink::add_addresses`] and friends).
#[derive(Debug, Default)]
pub struct BatchReport {
    /// Requests the kernel applied.
    pub applied: usize,
    /// Requests that were already in effect (EEXIST on add, "not found" on delete).
    pub already: usize,
    /// Requests that failed, with their index in the input slice.
    pub failed: Vec<(usize, NetError)>,
}

impl BatchReport {
    /// Turns the report into an error if any request failed (the first failure).
    pub fn into_result(self) -> Result<BatchReport> {
        if self.failed.is_empty() {
            Ok(self)
        } else {
            let mut failed = self.failed;
            let (_, first) = failed.swap_remove(0);
            Err(first)
        }
    }
}

/// A netlink socket's receive buffer, as keepalived's `vrrp_netlink_*_rcv_bufs` and
/// `..._rcv_bufs_force` set it: `SO_RCVBUF` (capped by net.core.rmem_max), or
/// `SO_RCVBUFFORCE` (CAP_NET_ADMIN, beyond rmem_max). The kernel doubles the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxBuf {
    /// Bytes asked for.
    pub size: u32,
    /// `SO_RCVBUFFORCE` rather than `SO_RCVBUF`.
    pub force: bool,
}

/// Sets `buf` on `sock`; a refusal is logged as keepalived logs it (netlink_set_rx_buf_size)
/// and the socket keeps its size.
pub(crate) fn set_rx_buf(sock: &rtnetlink::sys::Socket, buf: RxBuf) {
    let what = if buf.force {
        "cant set SO_RCVBUFFORCE IP option"
    } else {
        "Cannot set SO_RCVBUF IP option"
    };
    if let Err(e) = set_socket_rx_buf(sock, buf) {
        let errno = e.raw_os_error().unwrap_or(0);
        crate::log::info(&format!("{what}. errno={errno} ({e})"));
    }
}

/// `SO_RCVBUF` or `SO_RCVBUFFORCE` (`buf.force`) of `sock` set to `buf.size`.
pub(crate) fn set_socket_rx_buf(sock: &impl std::os::fd::AsRawFd, buf: RxBuf) -> io::Result<()> {
    let opt = if buf.force {
        libc::SO_RCVBUFFORCE
    } else {
        libc::SO_RCVBUF
    };
    let size = libc::c_int::try_from(buf.size).unwrap_or(libc::c_int::MAX);
    // SAFETY: setsockopt on an open socket with a correctly sized int.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            opt,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

impl Netlink {
    /// Opens a netlink session in the current network namespace.
    pub fn new() -> Result<Netlink> {
        Netlink::with_rx_buf(None)
    }

    /// [`Netlink::new`] with the receive buffer `buf` (None: the kernel's default).
    pub fn with_rx_buf(buf: Option<RxBuf>) -> Result<Netlink> {
        use rtnetlink::sys::AsyncSocket;
        let (mut conn, handle, _unsolicited) =
            rtnetlink::new_connection().map_err(NetError::io("netlink socket"))?;
        if let Some(buf) = buf {
            set_rx_buf(conn.socket_mut().socket_ref(), buf);
        }
        let task = tokio::spawn(conn);
        let packed = match PackedSocket::open() {
            Ok(p) => Some(p),
            Err(e) => {
                crate::log::info(&format!("netlink batch socket: {e}; sending one by one"));
                None
            }
        };
        Ok(Netlink {
            handle,
            task,
            packed,
        })
    }

    /// Sends one request that expects an ACK. `ignore` lists errnos that mean
    /// "already done" (returned as `Ok(false)`); `Ok(true)` means applied.
    pub(crate) async fn ack(
        &self,
        op: &'static str,
        msg: RouteNetlinkMessage,
        flags: u16,
        ignore: &[i32],
    ) -> Result<bool> {
        let mut stream = self.send(msg, flags | NLM_F_REQUEST | NLM_F_ACK)?;
        drain_ack(op, &mut stream, ignore).await
    }

    /// Sends many ACK'ed requests without waiting for each answer: all requests are
    /// queued to the socket first, then the answers are collected in order.
    pub(crate) async fn ack_batch(
        &self,
        op: &'static str,
        msgs: impl IntoIterator<Item = RouteNetlinkMessage>,
        flags: u16,
        ignore: &[i32],
    ) -> Result<BatchReport> {
        if let Some(packed) = &self.packed {
            return packed.ack_batch(op, msgs, flags, ignore).await;
        }
        let mut report = BatchReport::default();
        let mut msgs = msgs.into_iter().peekable();
        let mut index = 0;
        let mut pending = Vec::with_capacity(BATCH_WINDOW);
        while msgs.peek().is_some() {
            for msg in msgs.by_ref().take(BATCH_WINDOW) {
                pending.push(self.send(msg, flags | NLM_F_REQUEST | NLM_F_ACK)?);
            }
            for mut stream in pending.drain(..) {
                match drain_ack(op, &mut stream, ignore).await {
                    Ok(true) => report.applied += 1,
                    Ok(false) => report.already += 1,
                    Err(e) => report.failed.push((index, e)),
                }
                index += 1;
            }
        }
        Ok(report)
    }

    /// Sends a dump request and collects every answer.
    pub(crate) async fn dump(
        &self,
        op: &'static str,
        msg: RouteNetlinkMessage,
    ) -> Result<Vec<RouteNetlinkMessage>> {
        let mut stream = self.send(msg, NLM_F_REQUEST | NLM_F_DUMP)?;
        let mut out = Vec::new();
        while let Some(reply) = stream.next().await {
            match reply.payload {
                NetlinkPayload::InnerMessage(m) => out.push(m),
                NetlinkPayload::Error(e) if e.code.is_some() => {
                    return Err(NetError::Netlink {
                        op,
                        source: e.to_io(),
                    })
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Sends a request expecting one answer message (e.g. RTM_GETLINK by index).
    /// Returns `None` when the kernel answers with one of `not_found` errnos.
    pub(crate) async fn get_one(
        &self,
        op: &'static str,
        msg: RouteNetlinkMessage,
        not_found: &[i32],
    ) -> Result<Option<RouteNetlinkMessage>> {
        let mut stream = self.send(msg, NLM_F_REQUEST)?;
        let mut found = None;
        while let Some(reply) = stream.next().await {
            match reply.payload {
                NetlinkPayload::InnerMessage(m) => found = found.or(Some(m)),
                NetlinkPayload::Error(e) if e.code.is_some() => {
                    let source = e.to_io();
                    if source
                        .raw_os_error()
                        .is_some_and(|c| not_found.contains(&c))
                    {
                        return Ok(None);
                    }
                    return Err(NetError::Netlink { op, source });
                }
                _ => {}
            }
        }
        Ok(found)
    }

    fn send(
        &self,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<BoxStream<'static, NetlinkMessage<RouteNetlinkMessage>>> {
        let mut req = NetlinkMessage::from(msg);
        req.header.flags = flags;
        let mut handle = self.handle.clone();
        handle
            .request(req)
            .map(StreamExt::boxed)
            .map_err(|e| NetError::Connection(e.to_string()))
    }
}

impl Drop for Netlink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn drain_ack(
    op: &'static str,
    stream: &mut BoxStream<'static, NetlinkMessage<RouteNetlinkMessage>>,
    ignore: &[i32],
) -> Result<bool> {
    let mut applied = true;
    while let Some(reply) = stream.next().await {
        if let NetlinkPayload::Error(e) = reply.payload {
            if e.code.is_none() {
                continue;
            }
            let source: io::Error = e.to_io();
            if source.raw_os_error().is_some_and(|c| ignore.contains(&c)) {
                applied = false;
            } else {
                return Err(NetError::Netlink { op, source });
            }
        }
    }
    Ok(applied)
}
