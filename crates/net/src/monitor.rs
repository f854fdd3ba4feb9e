//! Link and address monitor (rtnetlink groups RTNLGRP_LINK, IPV4_IFADDR, IPV6_IFADDR), and
//! on request ([`NetMonitor::fib_membership`]) the route and rule groups on the same socket,
//! as keepalived's kernel netlink reflector: deletions of routes and rules of protocol
//! `keepalived` arrive in order with the link and address events.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;

use futures::channel::mpsc::UnboundedReceiver;
use futures::StreamExt;
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::sys::SocketAddr;
use rtnetlink::MulticastGroup;
use tokio::task::JoinHandle;

use crate::addr::address_entry;
use crate::netlink::{set_rx_buf, RxBuf};
use crate::AddressEntry;
use crate::{FibMembership, LinkInfo, NetError, Netlink, Result, RouteEntry, RuleSpec};

/// A change reported by the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEvent {
    /// The interface became up (IFF_UP and IFF_RUNNING), or was first seen up.
    LinkUp {
        /// ifindex.
        ifindex: u32,
        /// Name at the time of the event.
        name: String,
    },
    /// The interface went down (lost IFF_UP or IFF_RUNNING), or was first seen down.
    LinkDown {
        /// ifindex.
        ifindex: u32,
        /// Name at the time of the event.
        name: String,
    },
    /// The interface was deleted.
    LinkDeleted {
        /// ifindex.
        ifindex: u32,
    },
    /// An address appeared.
    AddressAdded {
        /// ifindex.
        ifindex: u32,
        /// Address.
        addr: IpAddr,
        /// Prefix length.
        prefix_len: u8,
    },
    /// An address was removed.
    AddressRemoved {
        /// ifindex.
        ifindex: u32,
        /// Address.
        addr: IpAddr,
        /// Prefix length.
        prefix_len: u8,
    },
    /// A route of protocol `keepalived` was deleted.
    RouteRemoved(RouteEntry),
    /// A rule (of protocol `keepalived`, or without one) was deleted.
    RuleRemoved(RuleSpec),
}

type Messages = UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>;

/// An address as the monitor tracks it: (ifindex, address, prefix length).
type AddrKey = (u32, IpAddr, u8);

/// Subscription to link/address changes of the current network namespace.
/// Link events are only emitted when the up/down state of an ifindex changes
/// (the first message about an ifindex always yields one).
///
/// When the kernel drops notifications because the socket's receive buffer is full
/// (ENOBUFS, an overrun), the monitor logs it as keepalived does and resynchronises:
/// it re-reads every link and address (on a second, unsubscribed socket, which the
/// flood of notifications cannot overrun) and emits the differences from what it had
/// reported, so a change lost in the overrun still reaches the caller.
pub struct NetMonitor {
    messages: Messages,
    link_up: HashMap<u32, bool>,
    fib: Option<FibMembership>,
    /// The addresses there at the subscription plus those reported since.
    addrs: HashSet<AddrKey>,
    /// The dump of the addresses there at the subscription, until it is taken in.
    seed: Option<JoinHandle<Result<Vec<AddressEntry>>>>,
    /// Events of a resync not handed out yet.
    pending: VecDeque<NetEvent>,
    /// For the dumps of a resync.
    dumper: Arc<Netlink>,
    overruns: u64,
    /// An overrun seen by [`NetMonitor::try_recv`], for the next `recv` to resynchronise.
    overrun_seen: bool,
    /// Where the overrun lines go (the daemon's log; the crate's sink, crate::log, by default).
    log: fn(&str),
    task: JoinHandle<()>,
}

fn trace_log(line: &str) {
    crate::log::info(line);
}

impl NetMonitor {
    /// Subscribes (inside a tokio runtime).
    pub fn new() -> Result<NetMonitor> {
        NetMonitor::with_rx_buf(None)
    }

    /// [`NetMonitor::new`] with the subscribed socket's receive buffer set to `buf`
    /// (`vrrp_netlink_monitor_rcv_bufs[_force]`; None: the kernel's default).
    pub fn with_rx_buf(buf: Option<RxBuf>) -> Result<NetMonitor> {
        use rtnetlink::sys::AsyncSocket;
        let groups = [
            MulticastGroup::Link,
            MulticastGroup::Ipv4Ifaddr,
            MulticastGroup::Ipv6Ifaddr,
        ];
        let (mut conn, _handle, messages) = rtnetlink::new_multicast_connection(&groups)
            .map_err(NetError::io("netlink monitor socket"))?;
        if let Some(buf) = buf {
            set_rx_buf(conn.socket_mut().socket_ref(), buf);
        }
        let dumper = Arc::new(Netlink::new()?);
        let fd = {
            use netlink_sys::AsyncSocket;
            std::os::fd::AsRawFd::as_raw_fd(conn.socket_mut().socket_ref())
        };
        let fib = FibMembership::new(fd).ok();
        let task = tokio::spawn(conn);
        let d = dumper.clone();
        let seed = tokio::spawn(async move { d.all_addresses().await });
        Ok(NetMonitor {
            messages,
            link_up: HashMap::new(),
            fib,
            addrs: HashSet::new(),
            seed: Some(seed),
            pending: VecDeque::new(),
            dumper,
            overruns: 0,
            overrun_seen: false,
            log: trace_log,
            task,
        })
    }

    /// The handle that joins or leaves the route and rule groups of this monitor's socket
    /// (taken once; `None` afterwards or if the descriptor could not be duplicated).
    pub fn fib_membership(&mut self) -> Option<FibMembership> {
        self.fib.take()
    }

    /// Sends the overrun and resync lines to `log` (keepalived's words) instead of the
    /// crate's sink (crate::log).
    pub fn set_log(&mut self, log: fn(&str)) {
        self.log = log;
    }

    /// Overruns (ENOBUFS on the subscribed socket) seen so far, each followed by a resync.
    pub fn overruns(&self) -> u64 {
        self.overruns
    }

    /// Waits until the monitor knows the addresses there at the subscription (a dump
    /// started by `new`, so that a resync reports only changes); `recv` does it first.
    pub async fn seeded(&mut self) {
        if let Some(seed) = self.seed.take() {
            // No message is translated before this, so nothing reported is overwritten.
            if let Ok(Ok(all)) = seed.await {
                self.addrs = all
                    .iter()
                    .map(|e| (e.ifindex, e.addr, e.prefix_len))
                    .collect();
            }
        }
    }

    /// Waits for the next event; `None` if the netlink connection ended.
    pub async fn recv(&mut self) -> Option<NetEvent> {
        self.seeded().await;
        loop {
            if let Some(ev) = self.pending.pop_front() {
                return Some(ev);
            }
            if std::mem::take(&mut self.overrun_seen) {
                self.overrun().await;
                continue;
            }
            let (msg, _) = self.messages.next().await?;
            match msg.payload {
                NetlinkPayload::InnerMessage(m) => {
                    if let Some(ev) = self.translate(m) {
                        return Some(ev);
                    }
                }
                NetlinkPayload::Overrun(_) => self.overrun().await,
                _ => {}
            }
        }
    }

    /// The next event already read from the socket, without waiting; `None` when there is
    /// none (or an overrun is to be handled: the next [`NetMonitor::recv`] does). A caller
    /// that handles one event per wake-up drains a burst of notifications with this in one
    /// pass, as keepalived parses a whole netlink read at once.
    pub fn try_recv(&mut self) -> Option<NetEvent> {
        if self.seed.is_some() || self.overrun_seen {
            return None;
        }
        loop {
            if let Some(ev) = self.pending.pop_front() {
                return Some(ev);
            }
            let (msg, _) = self.messages.try_recv().ok()?;
            match msg.payload {
                NetlinkPayload::InnerMessage(m) => {
                    if let Some(ev) = self.translate(m) {
                        return Some(ev);
                    }
                }
                NetlinkPayload::Overrun(_) => {
                    self.overrun_seen = true;
                    return None;
                }
                _ => {}
            }
        }
    }

    /// An overrun (ENOBUFS): keepalived's two log lines, then the resync.
    async fn overrun(&mut self) {
        self.overruns += 1;
        (self.log)(
            "Netlink: Receive buffer overrun on monitor socket - (No buffer space available)",
        );
        (self.log)("  - increase the relevant netlink_rcv_bufs global parameter and/or set force");
        // The kernel reports the overrun before the notifications still queued from before
        // the gap: hand those out first (the connection task read them in the same pass), or
        // they would land after the dump and undo it.
        tokio::task::yield_now().await;
        while let Ok((m, _)) = self.messages.try_recv() {
            if let NetlinkPayload::InnerMessage(m) = m.payload {
                if let Some(ev) = self.translate(m) {
                    self.pending.push_back(ev);
                }
            }
        }
        let queued = self.pending.len();
        match self.resync().await {
            Ok(()) => (self.log)(&format!(
                "Netlink: monitor resynchronised after the overrun: {} change(s)",
                self.pending.len() - queued
            )),
            Err(e) => (self.log)(&format!("Netlink: monitor resync failed: {e}")),
        }
    }

    /// The events as a `futures::Stream` (ends when the connection ends).
    pub fn into_stream(self) -> impl futures::Stream<Item = NetEvent> {
        futures::stream::unfold(self, |mut mon| async move {
            let ev = mon.recv().await?;
            Some((ev, mon))
        })
    }

    /// Re-reads links and addresses and queues the differences from what was reported:
    /// deleted links, removed addresses, link state changes, then added addresses.
    async fn resync(&mut self) -> Result<()> {
        let links = self.dumper.links().await?;
        let addrs: HashSet<AddrKey> = self
            .dumper
            .all_addresses()
            .await?
            .iter()
            .map(|e| (e.ifindex, e.addr, e.prefix_len))
            .collect();
        let present: HashSet<u32> = links.iter().map(|l| l.index).collect();
        let mut gone: Vec<u32> = self
            .link_up
            .keys()
            .filter(|i| !present.contains(i))
            .copied()
            .collect();
        gone.sort_unstable();
        for ifindex in gone {
            self.link_up.remove(&ifindex);
            self.pending.push_back(NetEvent::LinkDeleted { ifindex });
        }
        let mut removed: Vec<AddrKey> = self.addrs.difference(&addrs).copied().collect();
        removed.sort_unstable();
        for (ifindex, addr, prefix_len) in removed {
            self.pending.push_back(NetEvent::AddressRemoved {
                ifindex,
                addr,
                prefix_len,
            });
        }
        for l in links {
            let up = l.is_up();
            if self.link_up.insert(l.index, up) != Some(up) {
                let (ifindex, name) = (l.index, l.name);
                self.pending.push_back(if up {
                    NetEvent::LinkUp { ifindex, name }
                } else {
                    NetEvent::LinkDown { ifindex, name }
                });
            }
        }
        let mut added: Vec<AddrKey> = addrs.difference(&self.addrs).copied().collect();
        added.sort_unstable();
        for (ifindex, addr, prefix_len) in added {
            self.pending.push_back(NetEvent::AddressAdded {
                ifindex,
                addr,
                prefix_len,
            });
        }
        self.addrs = addrs;
        Ok(())
    }

    fn translate(&mut self, msg: RouteNetlinkMessage) -> Option<NetEvent> {
        match msg {
            RouteNetlinkMessage::NewLink(l) => {
                let info = LinkInfo::from_message(&l);
                let up = info.is_up();
                if self.link_up.insert(info.index, up) == Some(up) {
                    return None;
                }
                Some(if up {
                    NetEvent::LinkUp {
                        ifindex: info.index,
                        name: info.name,
                    }
                } else {
                    NetEvent::LinkDown {
                        ifindex: info.index,
                        name: info.name,
                    }
                })
            }
            RouteNetlinkMessage::DelLink(l) => {
                self.link_up.remove(&l.header.index);
                self.addrs.retain(|(i, _, _)| *i != l.header.index);
                Some(NetEvent::LinkDeleted {
                    ifindex: l.header.index,
                })
            }
            RouteNetlinkMessage::NewAddress(a) => {
                let e = address_entry(&a)?;
                self.addrs.insert((e.ifindex, e.addr, e.prefix_len));
                Some(NetEvent::AddressAdded {
                    ifindex: e.ifindex,
                    addr: e.addr,
                    prefix_len: e.prefix_len,
                })
            }
            RouteNetlinkMessage::DelAddress(a) => {
                let e = address_entry(&a)?;
                self.addrs.remove(&(e.ifindex, e.addr, e.prefix_len));
                Some(NetEvent::AddressRemoved {
                    ifindex: e.ifindex,
                    addr: e.addr,
                    prefix_len: e.prefix_len,
                })
            }
            RouteNetlinkMessage::DelRoute(r) => {
                RouteEntry::from_message(&r).map(NetEvent::RouteRemoved)
            }
            RouteNetlinkMessage::DelRule(r) => {
                RuleSpec::from_message(&r).map(NetEvent::RuleRemoved)
            }
            _ => None,
        }
    }
}

impl Drop for NetMonitor {
    fn drop(&mut self) {
        if let Some(seed) = &self.seed {
            seed.abort();
        }
        self.task.abort();
    }
}
