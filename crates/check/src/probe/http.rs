//! HTTP_GET and SSL_GET: one url fetched per check, as keepalived does (http_request_thread,
//! http_handle_response): the GET request in keepalived's words, the response read until the
//! server closes, then the status code, the digest and the regex tested in that order.

use std::sync::Arc;
use std::time::Duration;

use regex::bytes::Regex;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_rustls::TlsConnector;

use super::conn::{tcp_connect, ConnectError};
use super::http_response::{status_ok, Response};
use crate::pool::HttpResult;
use crate::settings::ConnSpec;
use keepalived_conf::model::HttpProtocol;

/// One url to fetch, with everything resolved.
#[derive(Debug, Clone)]
pub struct UrlSpec {
    /// `path`.
    pub path: String,
    /// `digest`.
    pub digest: Option<[u8; 16]>,
    /// `status_code` ranges (empty: 200-299).
    pub status_codes: Vec<(u16, u16)>,
    /// The Host header: the url's, else the checker's, the real server's or the virtual
    /// server's `virtualhost`.
    pub virtualhost: Option<String>,
    /// `regex`, compiled (None also when it did not compile).
    pub regex: Option<Regex>,
    /// `regex_no_match`.
    pub regex_no_match: bool,
    /// `regex_min_offset`.
    pub regex_min_offset: usize,
    /// `regex_max_offset` (inclusive), if any.
    pub regex_max_offset: Option<usize>,
    /// `regex_options firstline`.
    pub regex_firstline: bool,
    /// keepalived 2.3's `tls_compliant` (the checker's or the url's): an SSL_GET ends its
    /// connection with a close_notify alert; without it keepalived's SSL_shutdown is quiet
    /// (SSL_set_quiet_shutdown) and the connection just closes.
    pub close_notify: bool,
}

/// An HTTP_GET/SSL_GET checker's fixed settings.
#[derive(Debug, Clone)]
pub struct HttpSpec {
    /// Where to connect.
    pub conn: ConnSpec,
    /// The urls.
    pub urls: Vec<UrlSpec>,
    /// `http_protocol`.
    pub protocol: HttpProtocol,
    /// TLS for SSL_GET.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// `enable_sni`.
    pub sni: bool,
}

/// keepalived's request (`request_template`): the Host header is the virtual host, else
/// the address and port (an IPv6 address in brackets).
pub fn request(
    path: &str,
    protocol: HttpProtocol,
    vhost: Option<&str>,
    dst: std::net::SocketAddr,
) -> String {
    let minor = u8::from(protocol == HttpProtocol::Http11);
    let close = match protocol {
        HttpProtocol::Http10 => "",
        HttpProtocol::Http10Close | HttpProtocol::Http11 => "Connection: close\r\n",
    };
    let host = match (vhost, dst) {
        (Some(v), _) => v.to_owned(),
        (None, std::net::SocketAddr::V6(a)) => format!("[{}]:{}", a.ip(), a.port()),
        (None, a) => format!("{}:{}", a.ip(), a.port()),
    };
    format!(
        "GET {path} HTTP/1.{minor}\r\nUser-Agent: KeepAliveClient\r\n{close}Host: {host}\r\n\r\n"
    )
}

/// Why a fetch failed, in keepalived's words (the `timeout_epilog` messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// Not set up: keepalived logs "WEB socket bind failed. Rescheduling".
    Setup,
    /// Anything else, with keepalived's text.
    Failed(&'static str),
}

/// Connects (and handshakes), sends the request for `url` and reads the whole response.
pub async fn fetch(spec: &HttpSpec, url: &UrlSpec) -> Result<Response, FetchError> {
    let stream = match tcp_connect(&spec.conn).await {
        Ok(s) => s,
        Err(ConnectError::Setup(_)) => return Err(FetchError::Setup),
        Err(ConnectError::Timeout) => return Err(FetchError::Failed("Timeout connecting")),
        Err(ConnectError::Failed(_)) => return Err(FetchError::Failed("Error connecting")),
    };
    let req = request(
        &url.path,
        spec.protocol,
        url.virtualhost.as_deref(),
        spec.conn.dst,
    );
    let t = spec.conn.timeout;
    match &spec.tls {
        None => exchange(stream, req.as_bytes(), t, "Timeout HTTP read", false).await,
        Some(cfg) => {
            let sni = if spec.sni {
                url.virtualhost.as_deref()
            } else {
                None
            };
            let name = super::tls::server_name(sni, spec.conn.dst.ip());
            let connector = TlsConnector::from(cfg.clone());
            let tls = match tokio::time::timeout(t, connector.connect(name, stream)).await {
                Err(_) => return Err(FetchError::Failed("Timeout connecting")),
                Ok(Err(_)) => {
                    return Err(FetchError::Failed(
                        "SSL handshake/communication error connecting to",
                    ))
                }
                Ok(Ok(s)) => s,
            };
            exchange(tls, req.as_bytes(), t, "Timeout SSL read", url.close_notify).await
        }
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    req: &[u8],
    t: Duration,
    read_timeout: &'static str,
    close_notify: bool,
) -> Result<Response, FetchError> {
    match tokio::time::timeout(t, s.write_all(req)).await {
        Err(_) => return Err(FetchError::Failed("Timeout WEB write")),
        Ok(Err(_)) => return Err(FetchError::Failed("Cannot send get request to")),
        Ok(Ok(())) => {}
    }
    let mut resp = Response::new();
    let mut buf = vec![0u8; 16 * 1024];
    let read = loop {
        match tokio::time::timeout(t, s.read(&mut buf)).await {
            Err(_) => break Err(FetchError::Failed(read_timeout)),
            // A TLS peer closing without close_notify is an end of stream for us, as for
            // keepalived's SSL_read returning 0.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break Ok(resp),
            Ok(Err(_)) => return Err(FetchError::Failed("Read error with")),
            Ok(Ok(0)) => break Ok(resp),
            Ok(Ok(n)) => resp.feed(buf.get(..n).unwrap_or_default()),
        }
    };
    // keepalived 2.3's ssl_read_thread: SSL_shutdown at the end of the stream and on a read
    // timeout, which sends close_notify under tls_compliant only.
    if close_notify {
        let _ = tokio::time::timeout(t, s.shutdown()).await;
    }
    read
}

/// keepalived's `http_handle_response`: the verdict on a response.
pub fn judge(url: &UrlSpec, resp: &Response) -> HttpResult {
    if !resp.has_header() {
        return HttpResult::Failure("Read, no data received from ".to_owned());
    }
    if !status_ok(resp.status(), &url.status_codes) {
        return HttpResult::Failure("HTTP status code error to".to_owned());
    }
    let mut what = "HTTP status code";
    if let Some(d) = url.digest {
        if d != resp.digest() {
            return HttpResult::Failure("MD5 digest error to".to_owned());
        }
        what = "MD5 digest";
    }
    if let Some(re) = &url.regex {
        if regex_matches(url, re, resp.body()) == url.regex_no_match {
            return HttpResult::Failure("Regex match failed".to_owned());
        }
        what = "Regex match";
    }
    HttpResult::Success {
        what,
        path: url.path.clone(),
    }
}

/// A match starting within [regex_min_offset, regex_max_offset].
fn regex_matches(url: &UrlSpec, re: &Regex, body: &[u8]) -> bool {
    if url.regex_min_offset > body.len() {
        return false;
    }
    match re.find_at(body, url.regex_min_offset) {
        Some(m) => {
            url.regex_max_offset.map_or(true, |max| m.start() <= max)
                && (!url.regex_firstline
                    || super::http_regex::within_first_line(body, url.regex_min_offset, m.start()))
        }
        None => false,
    }
}

/// One check of `url`: the fetch and the verdict, with keepalived's "reschedule" case as
/// None.
pub async fn check(spec: &HttpSpec, url: &UrlSpec) -> Option<HttpResult> {
    match fetch(spec, url).await {
        Ok(resp) => Some(judge(url, &resp)),
        Err(FetchError::Setup) => None,
        Err(FetchError::Failed(m)) => Some(HttpResult::Failure(m.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(regex: &str, no_match: bool, min: usize, max: Option<usize>) -> UrlSpec {
        UrlSpec {
            path: "/".into(),
            digest: None,
            status_codes: vec![],
            virtualhost: None,
            regex: Regex::new(regex).ok(),
            regex_no_match: no_match,
            regex_min_offset: min,
            regex_max_offset: max,
            regex_firstline: false,
            close_notify: false,
        }
    }

    fn response(body: &str) -> Response {
        let mut r = Response::new();
        r.feed(format!("HTTP/1.0 200 OK\r\n\r\n{body}").as_bytes());
        r
    }

    #[test]
    fn the_request_is_keepalived_s() {
        let a: std::net::SocketAddr = "10.0.0.2:80".parse().unwrap();
        assert_eq!(
            request("/x", HttpProtocol::Http10, None, a),
            "GET /x HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.0.0.2:80\r\n\r\n"
        );
        assert_eq!(
            request("/", HttpProtocol::Http11, Some("www.example"), a),
            "GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example\r\n\r\n"
        );
        let b: std::net::SocketAddr = "[fd00::2]:8080".parse().unwrap();
        assert!(request("/", HttpProtocol::Http10Close, None, b)
            .ends_with("Connection: close\r\nHost: [fd00::2]:8080\r\n\r\n"));
    }

    #[test]
    fn regex_offsets_bound_where_a_match_may_start() {
        let r = response("0123456789 OK");
        let body = r.body();
        let re = Regex::new("OK").unwrap();
        assert!(regex_matches(&url("OK", false, 0, None), &re, body));
        assert!(regex_matches(&url("OK", false, 11, Some(11)), &re, body));
        assert!(!regex_matches(&url("OK", false, 12, None), &re, body));
        assert!(!regex_matches(&url("OK", false, 0, Some(10)), &re, body));
    }

    #[test]
    fn the_verdict_tests_status_then_digest_then_regex() {
        let r = response("hello");
        assert!(matches!(
            judge(&url("hel+o", false, 0, None), &r),
            HttpResult::Success {
                what: "Regex match",
                ..
            }
        ));
        assert_eq!(
            judge(&url("hel+o", true, 0, None), &r),
            HttpResult::Failure("Regex match failed".into())
        );
        let mut u = url("x", false, 0, None);
        u.regex = None;
        u.digest = Some([0; 16]);
        assert_eq!(
            judge(&u, &r),
            HttpResult::Failure("MD5 digest error to".into())
        );
        u.status_codes = vec![(300, 399)];
        assert_eq!(
            judge(&u, &r),
            HttpResult::Failure("HTTP status code error to".into())
        );
        assert_eq!(
            judge(&u, &Response::new()),
            HttpResult::Failure("Read, no data received from ".into())
        );
    }

    /// A TLS server that answers one request, sends its own close_notify, and tells whether
    /// the client's close_notify came before the connection closed.
    async fn tls_server(listener: tokio::net::TcpListener) -> bool {
        let ck = rcgen::generate_simple_self_signed(vec!["lab.test".to_owned()]).unwrap();
        let cert = ck.cert.der().clone();
        let key = rustls_pki_types::PrivateKeyDer::Pkcs8(ck.key_pair.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 1024];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tls.read(&mut buf).await.unwrap();
            assert!(n > 0, "request cut short");
            req.extend_from_slice(&buf[..n]);
        }
        tls.write_all(b"HTTP/1.0 200 OK\r\n\r\nok").await.unwrap();
        tls.get_mut().1.send_close_notify();
        tls.flush().await.unwrap();
        // Ok(0): the client's close_notify; UnexpectedEof: closed without one.
        matches!(tls.read(&mut buf).await, Ok(0))
    }

    async fn ssl_get(close_notify: bool) -> (usize, bool) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(tls_server(listener));
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let cfg = crate::probe::tls::client_config(None).unwrap();
        let name = crate::probe::tls::server_name(None, addr.ip());
        let tls = TlsConnector::from(cfg).connect(name, tcp).await.unwrap();
        let t = Duration::from_secs(5);
        let req = request("/", HttpProtocol::Http10, None, addr);
        let resp = exchange(tls, req.as_bytes(), t, "Timeout SSL read", close_notify)
            .await
            .unwrap();
        (resp.body().len(), server.await.unwrap())
    }

    /// keepalived 2.3.4's ssl_read_thread: SSL_shutdown once the response is read, quiet
    /// (SSL_set_quiet_shutdown) unless `tls_compliant`, which sends the close_notify alert.
    #[tokio::test]
    async fn tls_compliant_closes_with_close_notify_and_only_then() {
        assert_eq!(ssl_get(true).await, (2, true));
        assert_eq!(ssl_get(false).await, (2, false));
    }
}
