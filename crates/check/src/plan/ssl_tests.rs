//! The root `SSL` block at run time (keepalived's check_ssl.c build_ssl_ctx): an SSL_GET
//! against a TLS server on the loopback interface that demands a client certificate signed
//! by its CA. Certificates and keys are made with the openssl CLI (the encrypted key as
//! OpenSSL 3 writes it, PKCS#8 with PBES2), the server's own certificate with rcgen.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::build;
use crate::log::Logger;
use crate::probe::{http, tls, Probe};

const PASSWORD: &str = "kc-secret";

/// `openssl ARGS` in `dir`; false (with its stderr shown) when it fails.
fn openssl(dir: &Path, args: &[&str]) -> bool {
    match Command::new("openssl").args(args).current_dir(dir).output() {
        Ok(o) if o.status.success() => true,
        Ok(o) => {
            eprintln!(
                "openssl {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr)
            );
            false
        }
        Err(e) => {
            eprintln!("skipped: the SSL test needs the openssl CLI ({e})");
            false
        }
    }
}

/// A CA (ca.pem), a client certificate it signed (client.pem) with its key in the clear
/// (client.key) and encrypted with PASSWORD (client-enc.key).
fn make_pki(dir: &Path) -> bool {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
    std::fs::write(
        dir.join("client.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    )
    .expect("extensions file");
    let steps: [&[&str]; 4] = [
        &[
            &["req", "-x509"][..],
            &ec[..],
            &[
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=kc-ca",
            ][..],
        ]
        .concat(),
        &[
            &["req"][..],
            &ec[..],
            &[
                "-nodes",
                "-keyout",
                "client.key",
                "-out",
                "client.csr",
                "-subj",
                "/CN=kc-client",
            ][..],
        ]
        .concat(),
        &[
            "x509",
            "-req",
            "-in",
            "client.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "client.pem",
            "-days",
            "2",
            "-extfile",
            "client.ext",
        ],
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "client.key",
            "-out",
            "client-enc.key",
            "-v2",
            "aes-256-cbc",
            "-passout",
            &format!("pass:{PASSWORD}"),
        ],
    ];
    steps.iter().all(|args| openssl(dir, args))
}

/// A TLS server on `listener` that demands a client certificate signed by `ca` (its own
/// certificate is rcgen's, signed by nobody) and answers every request with 200.
async fn server(listener: tokio::net::TcpListener, ca: PathBuf) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&ca).expect("ca.pem") {
        roots.add(c.expect("CA certificate")).expect("CA added");
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .expect("client verifier");
    let ck = rcgen::generate_simple_self_signed(vec!["kc.test".to_owned()]).expect("server cert");
    let key = PrivateKeyDer::Pkcs8(ck.key_pair.serialize_der().into());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![ck.cert.der().clone()], key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            // Without an acceptable client certificate the handshake fails here.
            let Ok(mut s) = acceptor.accept(tcp).await else {
                return;
            };
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf).await {
                    Ok(n) if n > 0 => req.extend_from_slice(&buf[..n]),
                    _ => return,
                }
            }
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\n\r\nok").await;
            let _ = s.shutdown().await;
        });
    }
}

/// What an SSL_GET to `port` does with the root `ssl` block (none if empty): the
/// checker's start (keepalived's init_ssl_ctx) stopped with its first line, or the fetch's
/// outcome ("200" or "failed").
async fn ssl_get(port: u16, ssl: &str) -> String {
    let block = if ssl.is_empty() {
        String::new()
    } else {
        format!("SSL {{\n{ssl}}}\n")
    };
    let text = format!(
        "{block}virtual_server 127.0.0.1 443 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n \
         delay_loop 5\n real_server 127.0.0.1 {port} {{\n  SSL_GET {{\n   \
         connect_timeout 3\n   url {{\n    path /\n    status_code 200\n   }}\n  }}\n }}\n}}\n"
    );
    let config = super::keyword_tests::clean_config(&text);
    if let Err(lines) = tls::startup_check(&config) {
        return format!("stopped: {}", lines[0]);
    }
    let plan = build(&config, &Logger::new(|_| {}));
    let [Probe::Http(spec)] = &plan.probes[..] else {
        panic!("one SSL_GET probe: {:?}", plan.probes);
    };
    match http::fetch(spec, &spec.urls[0]).await {
        Ok(resp) => resp.status().to_string(),
        Err(e) => {
            // TLS 1.3: the server refuses the client's certificate (or its absence) after
            // the client's side of the handshake, so the failure shows at the read.
            eprintln!("SSL_GET failed: {e:?}");
            "failed".to_owned()
        }
    }
}

/// Root `SSL` with `certificate`, `key`, `password` and `ca`, as keepalived 2.2.7's
/// build_ssl_ctx: the client certificate and key are what a server that demands one gets
/// (without them the handshake fails); an encrypted key is read with `password` (without it,
/// or with a wrong one, the key cannot be loaded and the checker stops); `ca` is loaded
/// (a file without a certificate stops the checker) but verifies nothing: keepalived sets no
/// verify mode, so a server whose certificate the CA did not sign still passes.
#[test]
fn ssl_client_certificate_key_password_and_ca_as_keepalived() {
    let dir = std::env::temp_dir().join(format!("kc-ssl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    if !make_pki(&dir) {
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!("skipped: ssl_client_certificate_key_password_and_ca_as_keepalived (openssl)");
        return;
    }
    let d = dir.display();
    let cert = format!(" certificate {d}/client.pem\n");
    let key = format!(" key {d}/client.key\n");
    let enc = format!(" key {d}/client-enc.key\n");
    let cases = [
        String::new(),
        format!("{cert}{key}"),
        format!("{cert}{enc} password {PASSWORD}\n"),
        format!("{cert}{enc}"),
        format!("{cert}{enc} password wrong\n"),
        format!(" ca {d}/ca.pem\n{cert}{key}"),
        format!(" ca {d}/client.key\n{cert}{key}"),
    ];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let got: Vec<String> = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        tokio::spawn(server(listener, dir.join("ca.pem")));
        let mut got = Vec::new();
        for ssl in &cases {
            got.push(ssl_get(port, ssl).await);
        }
        got
    });
    let _ = std::fs::remove_dir_all(&dir);
    let no_key = "stopped: SSL error : Cant load key file...";
    assert_eq!(
        got,
        [
            "failed",
            "200",
            "200",
            no_key,
            no_key,
            "200",
            "stopped: SSL error : Cant load CA file...",
        ]
    );
}
