//! Link and address monitor (rtnetlink groups RTNLGRP_LINK, IPV4_IFADDR, IPV6_IFADDR).

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
use crate::{LinkInfo, NetError, Result};

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
}

type Messages = UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>;

/// Subscription to link/address changes of the current network namespace.
/// Link events are only emitted when the up/down state of an ifindex changes
/// (the first message about an ifindex always yields one).
pub struct NetMonitor {
    messages: Messages,
    link_up: HashMap<u32, bool>,
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
        let (conn, _handle, messages) = rtnetlink::new_multicast_connection(&groups)
            .map_err(NetError::io("netlink monitor socket"))?;
        let task = tokio::spawn(conn);
        Ok(NetMonitor {
            messages,
            link_up: HashMap::new(),
            task,
        })
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
            _ => None,
        }
    }
}

impl Drop for NetMonitor {
    fn drop(&mut self) {
        self.task.abort();
    }
}
