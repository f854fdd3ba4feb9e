//! Link and address monitor (rtnetlink groups RTNLGRP_LINK, IPV4_IFADDR, IPV6_IFADDR), and
//! on request ([`NetMonitor::fib_membership`]) the route and rule groups on the same socket,
//! as keepalived's kernel netlink reflector: deletions of routes and rules of protocol
//! `keepalived` arrive in order with the link and address events.

use std::collections::HashMap;
use std::net::IpAddr;

use futures::channel::mpsc::UnboundedReceiver;
use futures::StreamExt;
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::sys::SocketAddr;
use rtnetlink::MulticastGroup;
use tokio::task::JoinHandle;

use crate::addr::address_entry;
use crate::{FibMembership, LinkInfo, NetError, Result, RouteEntry, RuleSpec};

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

/// Subscription to link/address changes of the current network namespace.
/// Link events are only emitted when the up/down state of an ifindex changes
/// (the first message about an ifindex always yields one).
pub struct NetMonitor {
    messages: Messages,
    link_up: HashMap<u32, bool>,
    fib: Option<FibMembership>,
    task: JoinHandle<()>,
}

impl NetMonitor {
    /// Subscribes (inside a tokio runtime).
    pub fn new() -> Result<NetMonitor> {
        let groups = [
            MulticastGroup::Link,
            MulticastGroup::Ipv4Ifaddr,
            MulticastGroup::Ipv6Ifaddr,
        ];
        let (mut conn, _handle, messages) = rtnetlink::new_multicast_connection(&groups)
            .map_err(NetError::io("netlink monitor socket"))?;
        let fd = {
            use netlink_sys::AsyncSocket;
            std::os::fd::AsRawFd::as_raw_fd(conn.socket_mut().socket_ref())
        };
        let fib = FibMembership::new(fd).ok();
        let task = tokio::spawn(conn);
        Ok(NetMonitor {
            messages,
            link_up: HashMap::new(),
            fib,
            task,
        })
    }

    /// The handle that joins or leaves the route and rule groups of this monitor's socket
    /// (taken once; `None` afterwards or if the descriptor could not be duplicated).
    pub fn fib_membership(&mut self) -> Option<FibMembership> {
        self.fib.take()
    }

    /// Waits for the next event; `None` if the netlink connection ended.
    pub async fn recv(&mut self) -> Option<NetEvent> {
        loop {
            let (msg, _) = self.messages.next().await?;
            if let NetlinkPayload::InnerMessage(m) = msg.payload {
                if let Some(ev) = self.translate(m) {
                    return Some(ev);
                }
            }
        }
    }

    /// The events as a `futures::Stream` (ends when the connection ends).
    pub fn into_stream(self) -> impl futures::Stream<Item = NetEvent> {
        futures::stream::unfold(self, |mut mon| async move {
            let ev = mon.recv().await?;
            Some((ev, mon))
        })
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
                Some(NetEvent::LinkDeleted {
                    ifindex: l.header.index,
                })
            }
            RouteNetlinkMessage::NewAddress(a) => {
                address_entry(&a).map(|e| NetEvent::AddressAdded {
                    ifindex: e.ifindex,
                    addr: e.addr,
                    prefix_len: e.prefix_len,
                })
            }
            RouteNetlinkMessage::DelAddress(a) => {
                address_entry(&a).map(|e| NetEvent::AddressRemoved {
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
        self.task.abort();
    }
}
