//! The HTTP/1 server (hyper) of the metrics endpoint: a listener task and one task per
//! connection on the current runtime. Bounded everywhere: connections at once, header read
//! time, connection lifetime, and waiting for the event loop's snapshot.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ACCEPT, ALLOW, CONTENT_TYPE, VARY};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::negotiate::Format;
use super::{exposition, Recorder, SnapshotRequest};
use crate::dump::{self, Snapshot};

/// Connections served at once; more are closed on accept.
const MAX_CONNECTIONS: usize = 16;
/// Time for a client to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// A connection's whole life (keep-alive included).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a request waits for the event loop's snapshot.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(5);

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

/// What every connection shares.
#[derive(Clone)]
struct State {
    loop_tx: mpsc::Sender<SnapshotRequest>,
    recorder: Recorder,
}

/// Binds `addr` now (so that an error is reported at start) and spawns the listener task;
/// returns the bound address.
pub(super) fn spawn(
    addr: SocketAddr,
    loop_tx: mpsc::Sender<SnapshotRequest>,
    recorder: Recorder,
) -> std::io::Result<SocketAddr> {
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(std_listener)?;
    let bound = listener.local_addr()?;
    let state = State { loop_tx, recorder };
    tokio::spawn(accept_loop(listener, state));
    Ok(bound)
}

async fn accept_loop(listener: TcpListener, state: State) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // EMFILE and the like: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            continue; // dropping the stream closes it
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(route(req, &state).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT, conn).await;
            drop(permit);
        });
    }
}

fn response(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

/// A fresh snapshot from the event loop, or `None` when it is busy or gone.
async fn snapshot(state: &State) -> Option<Snapshot> {
    let (tx, rx) = oneshot::channel();
    state.loop_tx.try_send(tx).ok()?;
    tokio::time::timeout(SNAPSHOT_TIMEOUT, rx).await.ok()?.ok()
}

async fn route(req: Request<Incoming>, state: &State) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = response(StatusCode::METHOD_NOT_ALLOWED, TEXT, "method not allowed\n");
        r.headers_mut()
            .insert(ALLOW, hyper::header::HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    match req.uri().path() {
        "/healthz" => response(StatusCode::OK, TEXT, "ok\n"),
        "/metrics" => {
            let accept = req.headers().get(ACCEPT).and_then(|v| v.to_str().ok());
            let format = Format::from_accept(accept);
            match snapshot(state).await {
                Some(s) => {
                    let body = exposition::render(&s, &state.recorder, format);
                    let mut r = response(StatusCode::OK, format.content_type(), body);
                    r.headers_mut()
                        .insert(VARY, hyper::header::HeaderValue::from_static("Accept"));
                    r
                }
                None => unavailable(),
            }
        }
        "/json" => match snapshot(state).await {
            Some(s) => response(StatusCode::OK, JSON, dump::render_json(&s)),
            None => unavailable(),
        },
        _ => response(StatusCode::NOT_FOUND, TEXT, "not found\n"),
    }
}

fn unavailable() -> Response<Full<Bytes>> {
    response(
        StatusCode::SERVICE_UNAVAILABLE,
        TEXT,
        "the VRRP loop is busy\n",
    )
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// One request over a fresh connection; the whole response.
    async fn get(addr: SocketAddr, method: &str, path: &str) -> String {
        request(addr, method, path, "").await
    }

    async fn get_accept(addr: SocketAddr, path: &str, accept: &str) -> String {
        request(addr, "GET", path, &format!("Accept: {accept}\r\n")).await
    }

    async fn request(addr: SocketAddr, method: &str, path: &str, extra: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req =
            format!("{method} {path} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[test]
    fn routes() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<SnapshotRequest>(1);
            let addr = spawn("127.0.0.1:0".parse().unwrap(), tx, Recorder::default()).unwrap();
            // The event loop's side: one snapshot per request.
            tokio::spawn(async move {
                while let Some(reply) = rx.recv().await {
                    let _ = reply.send(Snapshot::default());
                }
            });
            let ok = get(addr, "GET", "/healthz").await;
            assert!(
                ok.starts_with("HTTP/1.1 200") && ok.ends_with("\r\n\r\nok\n"),
                "{ok}"
            );
            let m = get(addr, "GET", "/metrics").await;
            assert!(m.starts_with("HTTP/1.1 200"), "{m}");
            assert!(m.contains("text/plain; version=0.0.4") && m.contains("keepalived_up 1"));
            assert!(!m.contains("# EOF"), "{m}");
            let om = get_accept(addr, "/metrics", "application/openmetrics-text").await;
            assert!(om.contains("application/openmetrics-text") && om.ends_with("# EOF\n"));
            let j = get(addr, "GET", "/json").await;
            assert!(
                j.starts_with("HTTP/1.1 200") && j.ends_with("\r\n\r\n[]\n"),
                "{j}"
            );
            assert!(get(addr, "GET", "/nope").await.starts_with("HTTP/1.1 404"));
            assert!(get(addr, "POST", "/metrics")
                .await
                .starts_with("HTTP/1.1 405"));
            let head = get(addr, "HEAD", "/healthz").await;
            assert!(
                head.starts_with("HTTP/1.1 200") && head.ends_with("\r\n\r\n"),
                "{head}"
            );
            // Garbage gets an error status, and the server goes on.
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"\x00\x01 nonsense\r\n\r\n").await.unwrap();
            let mut out = Vec::new();
            let _ = s.read_to_end(&mut out).await;
            assert!(get(addr, "GET", "/healthz")
                .await
                .starts_with("HTTP/1.1 200"));
        });
    }

    #[test]
    fn a_gone_loop_is_503() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, rx) = mpsc::channel::<SnapshotRequest>(1);
            drop(rx);
            let addr = spawn("127.0.0.1:0".parse().unwrap(), tx, Recorder::default()).unwrap();
            assert!(get(addr, "GET", "/metrics")
                .await
                .starts_with("HTTP/1.1 503"));
            assert!(get(addr, "GET", "/healthz")
                .await
                .starts_with("HTTP/1.1 200"));
        });
    }
}
