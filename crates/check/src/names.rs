//! keepalived's names of services in log lines (`FMT_VS`, `FMT_RS`):
//! `[10.0.0.1]:tcp:80`, `FWM 5`, `[group]:0`.

use std::net::SocketAddr;

use keepalived_conf::model::{Config, Protocol, VirtualServer, VsAddress, VsgEntry};

/// keepalived's protocol word (`inet_sockaddrtotrio`); `none` for a fwmark service.
pub fn proto_name(p: Option<Protocol>) -> &'static str {
    match p {
        Some(Protocol::Tcp) => "tcp",
        Some(Protocol::Udp) => "udp",
        Some(Protocol::Sctp) => "sctp",
        None => "none",
    }
}

/// `[ADDR]:PROTO:PORT`.
pub fn trio(addr: SocketAddr, proto: Option<Protocol>) -> String {
    format!("[{}]:{}:{}", addr.ip(), proto_name(proto), addr.port())
}

/// The protocol keepalived uses for a virtual server: none for fwmark services, UDP when
/// unset (keepalived's default), otherwise the configured one.
pub fn vs_protocol(vs: &VirtualServer, fwmark: bool) -> Option<Protocol> {
    if fwmark {
        None
    } else {
        Some(vs.protocol.unwrap_or(Protocol::Udp))
    }
}

/// Whether a virtual server is a fwmark service (`virtual_server fwmark N`, or a group
/// whose members are all fwmarks): it has no protocol then.
pub fn is_fwmark(vs: &VirtualServer, config: &Config) -> bool {
    match &vs.address {
        VsAddress::Fwmark(_) => true,
        VsAddress::Socket(_) => false,
        VsAddress::Group(g) => config
            .lvs
            .groups
            .iter()
            .find(|x| &x.name == g)
            .is_some_and(|x| x.entries.iter().all(|e| matches!(e, VsgEntry::Fwmark(_)))),
    }
}

/// keepalived's `FMT_VS`.
pub fn vs_name(vs: &VirtualServer, proto: Option<Protocol>) -> String {
    match &vs.address {
        VsAddress::Socket(s) => trio(*s, proto),
        VsAddress::Fwmark(m) => format!("FWM {m}"),
        VsAddress::Group(g) => format!("[{g}]:0"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_is_named_address_protocol_port() {
        let a: SocketAddr = "10.0.0.2:80".parse().unwrap();
        assert_eq!(trio(a, Some(Protocol::Tcp)), "[10.0.0.2]:tcp:80");
        let b: SocketAddr = "[fd00::2]:53".parse().unwrap();
        assert_eq!(trio(b, Some(Protocol::Udp)), "[fd00::2]:udp:53");
        assert_eq!(trio(a, None), "[10.0.0.2]:none:80");
    }
}
