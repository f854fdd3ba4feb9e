//! Real services for the labs, run on a runtime inside the backend namespace: TCP, HTTP,
//! HTTPS (self-signed, rcgen), SMTP greeter, DNS responder, UDP echo. `stop` closes them
//! all (refused connections, ICMP port unreachable), `start` brings them back.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Ports the services listen on (all addresses).
pub const TCP: u16 = 7000;
/// HTTP.
pub const HTTP: u16 = 8080;
/// HTTPS.
pub const HTTPS: u16 = 8443;
/// SMTP.
pub const SMTP: u16 = 2525;
/// DNS (UDP).
pub const DNS: u16 = 5353;
/// UDP echo.
pub const UDP: u16 = 9000;
/// The page body served.
pub const BODY: &str = "hello from the lab\n";

enum Cmd {
    Start,
    Stop(std::sync::mpsc::Sender<()>),
}

/// The backend's services.
pub struct Services {
    tx: mpsc::UnboundedSender<Cmd>,
}

impl Services {
    /// Starts the services in namespace `ns`.
    pub fn start(ns: &str) -> Services {
        let (tx, mut rx) = mpsc::unbounded_channel::<Cmd>();
        super::in_netns(ns, move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let tls = tls_acceptor();
                let mut set: JoinSet<()> = JoinSet::new();
                spawn_all(&mut set, &tls).await;
                while let Some(cmd) = rx.recv().await {
                    match cmd {
                        Cmd::Start => spawn_all(&mut set, &tls).await,
                        Cmd::Stop(done) => {
                            set.shutdown().await;
                            let _ = done.send(());
                        }
                    }
                }
            });
        });
        Services { tx }
    }

    /// Closes every service (returns once the sockets are closed).
    pub fn stop(&self) {
        let (tx, rx) = std::sync::mpsc::channel();
        let _ = self.tx.send(Cmd::Stop(tx));
        let _ = rx.recv();
    }

    /// Opens them again.
    pub fn resume(&self) {
        let _ = self.tx.send(Cmd::Start);
    }
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    let ck = rcgen::generate_simple_self_signed(vec!["lab.test".to_owned()]).unwrap();
    let cert = ck.cert.der().clone();
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(ck.key_pair.serialize_der().into());
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(cfg))
}

async fn tcp(port: u16) -> TcpListener {
    TcpListener::bind(("::", port)).await.expect("bind")
}

async fn udp(port: u16) -> UdpSocket {
    UdpSocket::bind(("::", port)).await.expect("bind")
}

async fn spawn_all(set: &mut JoinSet<()>, tls: &tokio_rustls::TlsAcceptor) {
    let l = tcp(TCP).await;
    set.spawn(async move {
        loop {
            if let Ok((s, _)) = l.accept().await {
                drop(s);
            }
        }
    });
    let l = tcp(HTTP).await;
    set.spawn(async move {
        loop {
            if let Ok((s, _)) = l.accept().await {
                tokio::spawn(http(s));
            }
        }
    });
    let l = tcp(HTTPS).await;
    let acceptor = tls.clone();
    set.spawn(async move {
        loop {
            if let Ok((s, _)) = l.accept().await {
                let a = acceptor.clone();
                tokio::spawn(async move {
                    if let Ok(t) = a.accept(s).await {
                        http(t).await;
                    }
                });
            }
        }
    });
    let l = tcp(SMTP).await;
    set.spawn(async move {
        loop {
            if let Ok((s, _)) = l.accept().await {
                tokio::spawn(smtp(s));
            }
        }
    });
    let dns_sock = udp(DNS).await;
    set.spawn(dns(dns_sock));
    let echo = udp(UDP).await;
    set.spawn(async move {
        let mut buf = [0u8; 2048];
        loop {
            if let Ok((n, from)) = echo.recv_from(&mut buf).await {
                let _ = echo.send_to(&buf[..n], from).await;
            }
        }
    });
}

async fn http<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut s: S) {
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let status = if req.starts_with(b"GET /missing ") {
        "404 Not Found"
    } else {
        "200 OK"
    };
    let resp = format!(
        "HTTP/1.0 {status}\r\nContent-Length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = s.write_all(resp.as_bytes()).await;
    let _ = s.shutdown().await;
}

async fn smtp(s: TcpStream) {
    let mut r = BufReader::new(s);
    let _ = r
        .get_mut()
        .write_all(b"220-lab.test ESMTP\r\n220 ready\r\n")
        .await;
    let mut line = String::new();
    if r.read_line(&mut line).await.is_err() || !line.starts_with("HELO ") {
        return;
    }
    let _ = r.get_mut().write_all(b"250 lab.test\r\n").await;
    line.clear();
    let _ = r.read_line(&mut line).await;
    let _ = r.get_mut().write_all(b"221 bye\r\n").await;
}

async fn dns(sock: UdpSocket) {
    let mut buf = [0u8; 512];
    loop {
        let Ok((n, from)) = sock.recv_from(&mut buf).await else {
            continue;
        };
        if n < 12 {
            continue;
        }
        let mut resp = buf[..n].to_vec();
        resp[2] |= 0x80; // QR
        resp[3] = 0x80; // RA, RCODE 0
        let _ = sock.send_to(&resp, from).await;
    }
}
