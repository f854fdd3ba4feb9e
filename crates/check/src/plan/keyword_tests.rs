//! Checker keywords at run time: a configuration's connection and HTTP keywords, through
//! [`super::build`], decide where a probe connects, from where, how long it waits and what
//! it sends (real sockets on the loopback interface).

use std::io::Read;
use std::net::{SocketAddr, TcpListener};

use keepalived_conf::{load_str, FixedHost, ReadOptions};

use super::build;
use crate::log::Logger;
use crate::probe::conn::{tcp_connect, ConnectError};
use crate::probe::{dns, http, smtp, Probe};

fn probes(real_servers: &str) -> Vec<Probe> {
    probes_with("", real_servers)
}

fn probes_with(global: &str, real_servers: &str) -> Vec<Probe> {
    let text = format!(
        "global_defs {{\n{global}\n}}\nvirtual_server 127.0.0.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n \
         delay_loop 5\n{real_servers}\n}}\n"
    );
    let l = load_str(
        &text,
        "t.conf".as_ref(),
        &ReadOptions::default(),
        &FixedHost::lab(),
    );
    // Scripts without enable_script_security draw keepalived's SECURITY VIOLATION warning.
    let problems: Vec<_> = l
        .diagnostics
        .iter()
        .filter(|d| d.class != keepalived_conf::ErrorClass::Security)
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
    build(&l.config, &Logger::new(|_| {})).probes
}

/// A configuration `text` that must read without a diagnostic.
pub(super) fn clean_config(text: &str) -> keepalived_conf::Config {
    let l = load_str(
        text,
        "t.conf".as_ref(),
        &ReadOptions::default(),
        &FixedHost::lab(),
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    l.config
}

/// The plan of a configuration `text` that must read without a diagnostic.
pub(super) fn clean_plan(text: &str) -> super::Plan {
    build(&clean_config(text), &Logger::new(|_| {}))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn free_port(ip: &str) -> u16 {
    let l = TcpListener::bind((ip, 0)).expect("bind");
    l.local_addr().expect("address").port()
}

/// `connect_ip`/`connect_port` (where), `bindto`/`bind_port` (from where) and
/// `connect_timeout` (how long a connection may take: here to a listener whose accept queue
/// is full, so that its SYN goes unanswered).
#[test]
fn connect_keywords_set_where_from_and_how_long_a_checker_connects() {
    let target = TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = target.local_addr().expect("address").port();
    let bind_port = free_port("127.0.0.2");
    // A listener with backlog 0 and one connection never accepted: the queue is full.
    let full = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    full.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    full.listen(0).unwrap();
    let full_addr = full.local_addr().unwrap().as_socket().unwrap();
    let _filler = std::net::TcpStream::connect(full_addr).expect("filler");
    let p = probes(&format!(
        " real_server 127.0.0.1 9 {{\n  TCP_CHECK {{\n   connect_ip 127.0.0.1\n   \
         connect_port {port}\n   bindto 127.0.0.2\n   bind_port {bind_port}\n  }}\n }}\n \
         real_server 127.0.0.1 10 {{\n  TCP_CHECK {{\n   connect_port {}\n   \
         connect_timeout 1\n  }}\n }}",
        full_addr.port()
    ));
    let [Probe::Tcp {
        conn: to_target, ..
    }, Probe::Tcp { conn: to_full, .. }] = &p[..]
    else {
        panic!("two TCP probes: {p:?}");
    };
    runtime().block_on(async {
        let s = tcp_connect(to_target).await.expect("connected");
        assert_eq!(s.peer_addr().unwrap().port(), port, "connect_port");
        let (_, from) = target.accept().expect("accepted");
        assert_eq!(
            from,
            SocketAddr::from(([127, 0, 0, 2], bind_port)),
            "bindto/bind_port"
        );
        assert!(
            matches!(tcp_connect(to_full).await, Err(ConnectError::Timeout)),
            "connect_timeout 1 to a full accept queue"
        );
    });
}

/// `virtualhost` (the url's, else the checker's, the real server's, the virtual server's)
/// is the Host header; `http_protocol 1.1` the request line and `Connection: close`.
#[test]
fn virtualhost_and_http_protocol_shape_the_request_a_checker_sends() {
    let server = TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = server.local_addr().expect("address").port();
    let p = probes(&format!(
        " real_server 127.0.0.1 {port} {{\n  virtualhost rs.example\n  HTTP_GET {{\n   \
         http_protocol 1.1\n   virtualhost ck.example\n   url {{\n    path /u\n    \
         virtualhost url.example\n   }}\n   url {{\n    path /c\n   }}\n  }}\n }}\n \
         real_server 127.0.0.2 {port} {{\n  virtualhost rs.example\n  HTTP_GET {{\n   \
         connect_ip 127.0.0.1\n   url {{\n    path /r\n   }}\n  }}\n }}"
    ));
    let specs: Vec<_> = p
        .iter()
        .map(|p| match p {
            Probe::Http(s) => s.clone(),
            other => panic!("HTTP probe: {other:?}"),
        })
        .collect();
    let reader = std::thread::spawn(move || {
        (0..3)
            .map(|_| {
                let (mut s, _) = server.accept().expect("accepted");
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.ends_with(b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                // Answered by closing: the request is what the test reads.
                String::from_utf8_lossy(&req).into_owned()
            })
            .collect::<Vec<_>>()
    });
    runtime().block_on(async {
        for (spec, url) in [(&specs[0], 0), (&specs[0], 1), (&specs[1], 0)] {
            let _ = http::fetch(spec, &spec.urls[url]).await;
        }
    });
    let requests = reader.join().expect("reader");
    let head = |r: &str| {
        r.lines()
            .filter(|l| l.starts_with("GET") || l.starts_with("Host") || l.starts_with("Conn"))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    assert_eq!(
        requests.iter().map(|r| head(r)).collect::<Vec<_>>(),
        [
            "GET /u HTTP/1.1 | Connection: close | Host: url.example",
            "GET /c HTTP/1.1 | Connection: close | Host: ck.example",
            "GET /r HTTP/1.0 | Host: rs.example",
        ]
    );
}

/// The name and type code of the question of DNS query `q`.
fn question(q: &[u8]) -> (String, u16) {
    let mut labels = Vec::new();
    let mut i = 12;
    while let Some(&n) = q.get(i).filter(|n| **n != 0) {
        let n = usize::from(n);
        labels.push(String::from_utf8_lossy(&q[i + 1..i + 1 + n]).into_owned());
        i += 1 + n;
    }
    (labels.join("."), u16::from_be_bytes([q[i + 1], q[i + 2]]))
}

/// DNS_CHECK `type` and `name` are the question it sends; an answer with its id is a success.
#[test]
fn dns_check_type_and_name_are_the_question_it_sends() {
    let server = std::net::UdpSocket::bind("127.0.0.1:0").expect("udp");
    let port = server.local_addr().expect("address").port();
    let p = probes(&format!(
        " real_server 127.0.0.1 53 {{\n  DNS_CHECK {{\n   connect_port {port}\n   \
         type MX\n   name example.org\n  }}\n }}"
    ));
    let [Probe::Dns { conn, name, qtype }] = &p[..] else {
        panic!("one DNS probe: {p:?}");
    };
    let answer = std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        let (n, from) = server.recv_from(&mut buf).expect("query");
        let mut reply = buf[..n].to_vec();
        reply[2] |= 0x80; // QR: a response, RCODE 0
        server.send_to(&reply, from).expect("answer");
        question(&buf[..n])
    });
    let verdict = runtime().block_on(dns::check(conn, name, *qtype));
    assert_eq!(verdict, Some(Ok(())));
    assert_eq!(
        answer.join().expect("server"),
        ("example.org".to_owned(), 15)
    );
}

/// SMTP_CHECK says `HELO helo_name`, else global_defs' `smtp_helo_name`.
#[test]
fn smtp_check_helo_is_helo_name_else_smtp_helo_name() {
    use std::io::{BufRead, BufReader, Write};
    let server = TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = server.local_addr().expect("address").port();
    let p = probes_with(
        " smtp_helo_name global.example",
        &format!(
            " real_server 127.0.0.1 25 {{\n  SMTP_CHECK {{\n   connect_port {port}\n   \
             helo_name own.example\n  }}\n }}\n real_server 127.0.0.2 25 {{\n  \
             SMTP_CHECK {{\n   connect_ip 127.0.0.1\n   connect_port {port}\n  }}\n }}"
        ),
    );
    let helos = std::thread::spawn(move || {
        (0..2)
            .map(|_| {
                let (s, _) = server.accept().expect("accepted");
                let mut r = BufReader::new(s.try_clone().expect("clone"));
                let mut w = s;
                w.write_all(b"220 lab ESMTP\r\n").expect("greeting");
                let mut helo = String::new();
                r.read_line(&mut helo).expect("HELO");
                w.write_all(b"250 lab\r\n").expect("250");
                let mut quit = String::new();
                let _ = r.read_line(&mut quit);
                let _ = w.write_all(b"221 bye\r\n");
                helo.trim_end().to_owned()
            })
            .collect::<Vec<_>>()
    });
    runtime().block_on(async {
        for probe in &p {
            let Probe::Smtp { conn, helo } = probe else {
                panic!("SMTP probe: {probe:?}");
            };
            assert_eq!(smtp::check(conn, helo, "lab").await, Some(Ok(())));
        }
    });
    assert_eq!(
        helos.join().expect("server"),
        ["HELO own.example", "HELO global.example"]
    );
}

/// MISC_CHECK `misc_timeout`: a script still running then is stopped and counts as timed
/// out; `user`: the script runs as that user (here it succeeds only as nobody).
#[test]
fn misc_timeout_stops_the_script_and_user_runs_it_as_that_user() {
    use crate::pool::{MiscResult, Report};
    use crate::probe::Attempt;
    let dir = std::env::temp_dir().join(format!("k13t-misc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let script = dir.join("as-nobody.sh");
    std::fs::write(&script, "#!/bin/sh\n[ \"$(id -un)\" = nobody ]\n").expect("script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let p = probes(&format!(
        " real_server 127.0.0.1 80 {{\n  MISC_CHECK {{\n   misc_path \"/bin/sleep 30\"\n   \
         misc_timeout 1\n  }}\n }}\n real_server 127.0.0.2 80 {{\n  MISC_CHECK {{\n   \
         misc_path {}\n   user nobody\n  }}\n }}",
        script.display()
    ));
    let results: Vec<Option<MiscResult>> = runtime().block_on(async {
        let mut out = Vec::new();
        for probe in &p {
            out.push(match probe.attempt(0, 0, &mut None).await {
                Attempt::Report(Report::Misc(r)) => Some(r),
                _ => None,
            });
        }
        out
    });
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        matches!(results[0], Some(MiscResult::TimedOut)),
        "{results:?}"
    );
    let root = nix::unistd::Uid::effective().is_root();
    if root {
        assert!(
            matches!(results[1], Some(MiscResult::Exited(0))),
            "{results:?}"
        );
    } else {
        eprintln!("skipped: the MISC_CHECK user part needs root");
    }
}

/// SSL_GET `enable_sni`: the TLS ClientHello names the virtual host (server_name
/// extension); without it, no name is sent (the real server's address is used).
#[test]
fn enable_sni_sends_the_virtualhost_in_the_client_hello() {
    let server = TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = server.local_addr().expect("address").port();
    let ssl_get = |sni: &str, rs: &str| {
        format!(
            " real_server {rs} {port} {{\n  SSL_GET {{\n   connect_ip 127.0.0.1\n   \
             virtualhost sni.example\n{sni}   url {{\n    path /\n   }}\n  }}\n }}\n"
        )
    };
    let p = probes(&(ssl_get("   enable_sni\n", "127.0.0.1") + &ssl_get("", "127.0.0.2")));
    let hellos = std::thread::spawn(move || {
        (0..2)
            .map(|_| {
                let (mut s, _) = server.accept().expect("accepted");
                let mut hello = vec![0u8; 4096];
                let n = s.read(&mut hello).unwrap_or(0);
                hello.truncate(n);
                // Closing unanswered fails the handshake; the ClientHello is what counts.
                hello
            })
            .collect::<Vec<_>>()
    });
    runtime().block_on(async {
        for probe in &p {
            let Probe::Http(spec) = probe else {
                panic!("SSL_GET probe: {probe:?}");
            };
            let _ = http::fetch(spec, &spec.urls[0]).await;
        }
    });
    let names = |hello: &[u8]| hello.windows(11).any(|w| w == b"sni.example");
    let hellos = hellos.join().expect("server");
    assert!(names(&hellos[0]), "enable_sni: the name in the ClientHello");
    assert!(!names(&hellos[1]), "without enable_sni: no name");
}

/// SMTP_CHECK `host` blocks as keepalived's parser reads them: `connect_timeout` is the
/// host's own (its probe waits that long), while `retry`, `delay_before_retry`, `warmup`,
/// `delay_loop`, `alpha` and `log_all_failures` set the SMTP checker's, for the checker's
/// own connection and every host (keepalived's common keywords write the one checker).
#[test]
fn smtp_host_blocks_set_their_timeout_and_the_checker_s_timing() {
    use std::time::Duration;
    let text = "virtual_server 127.0.0.1 25 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n \
                delay_loop 5\n real_server 127.0.0.2 25 {\n  SMTP_CHECK {\n   retry 1\n   \
                host {\n    connect_ip 127.0.0.3\n    connect_timeout 2\n    retry 4\n    \
                delay_before_retry 6\n    warmup 0\n    delay_loop 7\n    alpha\n    \
                log_all_failures\n   }\n  }\n }\n}\n";
    let plan = clean_plan(text);
    let timeouts: Vec<Duration> = (plan.probes.iter())
        .map(|p| match p {
            Probe::Smtp { conn, .. } => conn.timeout,
            other => panic!("SMTP probe: {other:?}"),
        })
        .collect();
    assert_eq!(timeouts, [Duration::from_secs(5), Duration::from_secs(2)]);
    for c in &plan.pool.checkers {
        let t = c.timing;
        assert_eq!(
            (t.retry, t.delay_before_retry, t.warmup, t.delay_loop),
            (
                4,
                Duration::from_secs(6),
                Duration::ZERO,
                Duration::from_secs(7)
            )
        );
        assert!(t.alpha && t.log_all_failures);
    }
}

/// An SMTP_CHECK `host` block's `connect_ip`/`connect_port` (where its probe connects),
/// `bindto`/`bind_port` (from where), `bind_if` and `fwmark` (its socket's device and
/// mark): each host's probe has its own, the checker's own connection the real server's.
#[test]
fn smtp_host_blocks_connect_where_and_from_where_they_say() {
    let text = "virtual_server 127.0.0.1 25 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n \
                delay_loop 5\n real_server 127.0.0.2 25 {\n  SMTP_CHECK {\n   \
                host {\n    connect_ip 127.0.0.3\n    connect_port 2525\n    \
                bindto 127.0.0.4\n    bind_port 4444\n    bind_if lo\n    fwmark 7\n   }\n  }\n }\n}\n";
    let plan = clean_plan(text);
    let conns: Vec<_> = (plan.probes.iter())
        .map(|p| match p {
            Probe::Smtp { conn, .. } => (conn.dst, conn.bind, conn.bind_if.clone(), conn.fwmark),
            other => panic!("SMTP probe: {other:?}"),
        })
        .collect();
    let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
    assert_eq!(
        conns,
        [
            (addr("127.0.0.2:25"), None, None, None),
            (
                addr("127.0.0.3:2525"),
                Some(addr("127.0.0.4:4444")),
                Some("lo".to_owned()),
                Some(7)
            ),
        ]
    );
}

/// `connect_timeout` and `virtualhost` given on the virtual server (and `connect_timeout` on
/// a real server): a checker without its own takes its real server's, else its virtual
/// server's (keepalived's check_data.c: checker <- real server <- virtual server <- 5 s).
#[test]
fn connect_timeout_and_virtualhost_fall_back_to_the_real_then_virtual_server() {
    use std::time::Duration;
    let text = "virtual_server 127.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n \
                delay_loop 5\n connect_timeout 3\n virtualhost vs.example\n \
                real_server 127.0.0.2 80 {\n  connect_timeout 2\n  TCP_CHECK {\n  }\n }\n \
                real_server 127.0.0.3 80 {\n  TCP_CHECK {\n  }\n }\n \
                real_server 127.0.0.4 80 {\n  TCP_CHECK {\n   connect_timeout 4\n  }\n }\n \
                real_server 127.0.0.5 80 {\n  HTTP_GET {\n   url {\n    path /\n   }\n  }\n }\n}\n";
    let plan = clean_plan(text);
    let timeouts: Vec<Duration> = (plan.probes.iter())
        .map(|p| match p {
            Probe::Tcp { conn, .. } => conn.timeout,
            Probe::Http(s) => s.conn.timeout,
            other => panic!("TCP or HTTP probe: {other:?}"),
        })
        .collect();
    let secs = Duration::from_secs;
    assert_eq!(timeouts, [secs(2), secs(3), secs(4), secs(3)]);
    let hosts: Vec<Option<String>> = (plan.probes.iter())
        .filter_map(|p| match p {
            Probe::Http(s) => Some(s.urls.iter().map(|u| u.virtualhost.clone())),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(hosts, [Some("vs.example".to_owned())]);
}
