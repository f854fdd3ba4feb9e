//! keepalived's genhash mode (`keepalived -T`): fetch a page over HTTP or HTTPS the way
//! HTTP_GET/SSL_GET does and print the MD5 of its body, the value for a url's `digest`.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use keepalived_conf::model::HttpProtocol;

use crate::probe::http::{fetch, FetchError, HttpSpec, UrlSpec};
use crate::probe::http_response::hex;
use crate::probe::tls;
use crate::settings::ConnSpec;

/// genhash's options (`-s -p -u -S -I -V -m -P -t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenhashOptions {
    /// `--server`: an address, not a name.
    pub server: IpAddr,
    /// `--port` (genhash's default is 80, or 443 with `--use-ssl`).
    pub port: u16,
    /// `--url`.
    pub url: String,
    /// `--use-ssl`.
    pub ssl: bool,
    /// `--use-sni`: send the virtual host as SNI.
    pub sni: bool,
    /// `--use-virtualhost`: the Host header.
    pub virtualhost: Option<String>,
    /// `--fwmark`.
    pub fwmark: Option<u32>,
    /// `--protocol` 1.0, 1.0c or 1.1.
    pub protocol: HttpProtocol,
    /// `--timeout` (keepalived's default 5s).
    pub timeout: Duration,
}

impl GenhashOptions {
    /// Options for `url` on `server`:`port` with genhash's defaults.
    pub fn new(server: IpAddr, port: u16, url: &str) -> GenhashOptions {
        GenhashOptions {
            server,
            port,
            url: url.to_owned(),
            ssl: false,
            sni: false,
            virtualhost: None,
            fwmark: None,
            protocol: HttpProtocol::Http10,
            timeout: Duration::from_secs(5),
        }
    }
}

/// A page digest; displays as genhash prints it (32 lower-case hex digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest(pub [u8; 16]);

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

/// Why genhash printed no digest; displays as genhash's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenhashError {
    /// No connection or response in time.
    #[error("Connection timed out")]
    Timeout,
    /// The server sent nothing usable.
    #[error("no data received from remote webserver")]
    NoData,
    /// Anything else, in keepalived's words.
    #[error("{0}")]
    Other(String),
}

/// Fetches the page and returns the MD5 of its body (after the header, up to
/// Content-Length when given). Print `"{digest}"` on stdout, or the error on stderr.
pub async fn genhash(opts: &GenhashOptions) -> Result<Digest, GenhashError> {
    let tls = if opts.ssl {
        Some(tls::client_config(None).map_err(|e| GenhashError::Other(e.to_string()))?)
    } else {
        None
    };
    let spec = HttpSpec {
        conn: ConnSpec {
            dst: SocketAddr::new(opts.server, opts.port),
            bind: None,
            bind_if: None,
            fwmark: opts.fwmark,
            timeout: opts.timeout,
        },
        urls: vec![],
        protocol: opts.protocol,
        tls,
        sni: opts.sni,
    };
    let url = UrlSpec {
        path: opts.url.clone(),
        digest: None,
        status_codes: vec![],
        virtualhost: opts.virtualhost.clone(),
        regex: None,
        regex_no_match: false,
        regex_min_offset: 0,
        regex_max_offset: None,
        regex_firstline: false,
        close_notify: false,
    };
    match fetch(&spec, &url).await {
        Ok(resp) if resp.has_header() => Ok(Digest(resp.digest())),
        Ok(_) => Err(GenhashError::NoData),
        Err(FetchError::Failed(m)) if m.starts_with("Timeout") => Err(GenhashError::Timeout),
        Err(FetchError::Failed(m)) => Err(GenhashError::Other(m.trim().to_owned())),
        Err(FetchError::Setup) => Err(GenhashError::Other("Cannot create socket".to_owned())),
    }
}
