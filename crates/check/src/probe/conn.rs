//! Sockets with the checker connection options: bindto/bind_port, bind_if, fwmark.

use std::io;
use std::net::SocketAddr;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::net::{TcpSocket, TcpStream, UdpSocket};

use crate::settings::ConnSpec;

/// Why a connection could not be made.
#[derive(Debug)]
pub enum ConnectError {
    /// The socket could not be created or bound (keepalived reschedules without a verdict).
    Setup(io::Error),
    /// No answer within connect_timeout.
    Timeout,
    /// Refused, unreachable, reset.
    Failed(io::Error),
}

/// The options every checker socket takes: non-blocking, `fwmark`, `bind_if`.
pub(crate) fn set_options(s: &Socket, spec: &ConnSpec) -> io::Result<()> {
    s.set_nonblocking(true)?;
    if let Some(mark) = spec.fwmark {
        s.set_mark(mark)?;
    }
    if let Some(dev) = &spec.bind_if {
        s.bind_device(Some(dev.as_bytes()))?;
    }
    Ok(())
}

fn socket(spec: &ConnSpec, ty: Type, proto: Protocol) -> io::Result<Socket> {
    let domain = Domain::for_address(spec.dst);
    let s = Socket::new(domain, ty.cloexec(), Some(proto))?;
    set_options(&s, spec)?;
    if let Some(b) = spec.bind {
        s.bind(&SockAddr::from(b))?;
    }
    Ok(s)
}

/// A TCP connection to `spec.dst` within `spec.timeout`.
pub async fn tcp_connect(spec: &ConnSpec) -> Result<TcpStream, ConnectError> {
    let s = socket(spec, Type::STREAM, Protocol::TCP).map_err(ConnectError::Setup)?;
    let std: std::net::TcpStream = s.into();
    let sock = TcpSocket::from_std_stream(std);
    match tokio::time::timeout(spec.timeout, sock.connect(spec.dst)).await {
        Err(_) => Err(ConnectError::Timeout),
        Ok(Err(e)) => Err(ConnectError::Failed(e)),
        Ok(Ok(s)) => Ok(s),
    }
}

/// A UDP socket connected to `spec.dst` (ICMP errors then come back on receive).
pub async fn udp_connect(spec: &ConnSpec) -> Result<UdpSocket, ConnectError> {
    let s = socket(spec, Type::DGRAM, Protocol::UDP).map_err(ConnectError::Setup)?;
    let std: std::net::UdpSocket = s.into();
    let sock = UdpSocket::from_std(std).map_err(ConnectError::Setup)?;
    sock.connect(spec.dst).await.map_err(ConnectError::Failed)?;
    Ok(sock)
}

/// The destination as keepalived prints it in connection messages (`[IP]:PORT`).
pub fn pair(a: SocketAddr) -> String {
    format!("[{}]:{}", a.ip(), a.port())
}
