//! Health checkers inside real_server: common options, per-checker keywords and checks.

mod common;
use common::*;

use std::net::IpAddr;
use std::time::Duration;

use keepalived_conf::model::{Checker, CheckerKind, DnsType, HttpProtocol};
use keepalived_conf::Loaded;

/// A virtual server whose real server holds `ck` starting on line 7.
fn with(ck: &str) -> String {
    format!(
        "virtual_server 10.0.0.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n delay_loop 5\n real_server 10.0.0.2 80 {{\n{ck}\n }}\n}}\n"
    )
}

fn checker(l: &Loaded) -> &Checker {
    let vs = &l.config.lvs.virtual_servers;
    assert_eq!(vs.len(), 1, "{:?}", problems(l));
    let cks = &vs[0].real_servers[0].checkers;
    assert_eq!(cks.len(), 1, "{:?}", problems(l));
    &cks[0]
}

#[test]
fn tcp_check_common_options_are_typed() {
    let l = load(&with(
        "  TCP_CHECK {\n   connect_ip 10.0.0.3\n   connect_port 8080\n   bindto 10.0.0.1\n   bind_port 5000\n   bind_if eth0\n   fwmark 9\n   connect_timeout 3\n   retry 2\n   delay_before_retry 1\n   warmup 4\n   delay_loop 7\n   alpha\n   log_all_failures\n  }",
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let c = checker(&l);
    assert_eq!(c.kind, CheckerKind::Tcp);
    assert_eq!(
        c.conn.connect_ip,
        Some("10.0.0.3".parse::<IpAddr>().unwrap())
    );
    assert_eq!(c.conn.connect_port, Some(8080));
    assert_eq!(c.conn.bindto, Some("10.0.0.1".parse::<IpAddr>().unwrap()));
    assert_eq!(c.conn.bind_port, Some(5000));
    assert_eq!(c.conn.bind_if.as_deref(), Some("eth0"));
    assert_eq!(c.conn.fwmark, Some(9));
    assert_eq!(c.timing.connect_timeout, Some(Duration::from_secs(3)));
    assert_eq!(c.timing.retry, Some(2));
    assert_eq!(c.timing.delay_before_retry, Some(Duration::from_secs(1)));
    assert_eq!(c.timing.warmup, Some(Duration::from_secs(4)));
    assert_eq!(c.timing.delay_loop, Some(Duration::from_secs(7)));
    assert_eq!(c.timing.alpha, Some(true));
    assert_eq!(c.log_all_failures, Some(true));
}

#[test]
fn an_unknown_bind_if_is_only_a_warning() {
    let l = load(&with("  TCP_CHECK {\n   bind_if nope0\n  }"));
    assert!(
        problems(&l).iter().any(|p| p.contains("nope0")),
        "{:?}",
        problems(&l)
    );
    assert_eq!(l.diagnostics.config_test_exit_code(), 0);
}

#[test]
fn nb_get_retry_in_a_checker_is_deprecated() {
    let l = load(&with("  TCP_CHECK {\n   nb_get_retry 3\n  }"));
    assert!(error_at(
        &l,
        8,
        "nb_get_retry is deprecated - please use 'retry'"
    ));
    assert_eq!(checker(&l).timing.retry, Some(3));
    assert_eq!(l.diagnostics.config_test_exit_code(), 5);
}

#[test]
fn http_get_url_options_are_typed() {
    let l = load(&with(
        "  HTTP_GET {\n   url {\n    path /health\n    digest 0123456789abcdef0123456789ABCDEF\n    status_code 200 301-302\n    virtualhost u.example.com\n    regex \"ok\"\n    regex_no_match\n    regex_min_offset 1\n    regex_max_offset 100\n   }\n   http_protocol 1.1\n   virtualhost h.example.com\n   fast_recovery\n   enable_sni\n  }",
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let CheckerKind::Http(h) = &checker(&l).kind else {
        panic!("not HTTP_GET");
    };
    assert_eq!(h.http_protocol, HttpProtocol::Http11);
    assert_eq!(h.virtualhost.as_deref(), Some("h.example.com"));
    assert!(h.fast_recovery && h.enable_sni);
    let u = &h.urls[0];
    assert_eq!(u.path.as_deref(), Some("/health"));
    assert_eq!(
        u.digest,
        Some([
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
            0xcd, 0xef
        ])
    );
    assert_eq!(u.status_codes, vec![(200, 200), (301, 302)]);
    assert_eq!(u.virtualhost.as_deref(), Some("u.example.com"));
    assert_eq!(u.regex.as_deref(), Some("ok"));
    assert!(u.regex_no_match);
    assert_eq!(
        (u.regex_min_offset, u.regex_max_offset),
        (Some(1), Some(100))
    );
}

#[test]
fn http_get_defaults_to_http_1_0() {
    let l = load(&with("  HTTP_GET {\n   url {\n    path /\n   }\n  }"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let CheckerKind::Http(h) = &checker(&l).kind else {
        panic!("not HTTP_GET");
    };
    assert_eq!(h.http_protocol, HttpProtocol::Http10);
    assert!(h.urls[0].status_codes.is_empty());
}

#[test]
fn a_bad_digest_is_an_error() {
    let l = load(&with(
        "  HTTP_GET {\n   url {\n    path /\n    digest 1234\n   }\n  }",
    ));
    assert!(error_at(&l, 10, "digest '1234'"), "{:?}", problems(&l));
}

#[test]
fn a_bad_status_code_is_an_error() {
    let l = load(&with(
        "  HTTP_GET {\n   url {\n    path /\n    status_code 299-200\n   }\n  }",
    ));
    assert!(
        error_at(&l, 10, "status code '299-200'"),
        "{:?}",
        problems(&l)
    );
}

#[test]
fn ssl_get_is_an_http_checker() {
    let l = load(&with("  SSL_GET {\n   url {\n    path /\n   }\n  }"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert!(matches!(checker(&l).kind, CheckerKind::Ssl(_)));
}

#[test]
fn smtp_check_reads_helo_name() {
    let l = load(&with("  SMTP_CHECK {\n   helo_name mx.example.com\n  }"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let CheckerKind::Smtp { helo_name, .. } = &checker(&l).kind else {
        panic!("not SMTP_CHECK");
    };
    assert_eq!(helo_name.as_deref(), Some("mx.example.com"));
}

#[test]
fn dns_check_type_and_name() {
    let l = load(&with(
        "  DNS_CHECK {\n   type AAAA\n   name example.com\n  }",
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let CheckerKind::Dns(d) = &checker(&l).kind else {
        panic!("not DNS_CHECK");
    };
    assert_eq!(d.qtype, DnsType::Aaaa);
    assert_eq!(d.name, "example.com");
    let l = load(&with("  DNS_CHECK {\n  }"));
    let CheckerKind::Dns(d) = &checker(&l).kind else {
        panic!("not DNS_CHECK");
    };
    assert_eq!((d.qtype, d.name.as_str()), (DnsType::Soa, "."));
}

#[test]
fn udp_check_payload_and_reply() {
    let l = load(&with(
        "  UDP_CHECK {\n   payload 0a0b\n   require_reply 0aXb\n   min_reply_length 2\n   max_reply_length 64\n  }",
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let CheckerKind::Udp(u) = &checker(&l).kind else {
        panic!("not UDP_CHECK");
    };
    assert_eq!(u.payload, vec![0x0a, 0x0b]);
    assert!(u.require_reply);
    assert_eq!(u.reply_pattern, Some((vec![0x0a, 0x0b], vec![0xff, 0x0f])));
    assert_eq!(
        (u.min_reply_length, u.max_reply_length),
        (Some(2), Some(64))
    );
}

#[test]
fn ping_check_has_no_options_of_its_own() {
    let l = load(&with("  PING_CHECK {\n   retry 1\n  }"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    assert_eq!(checker(&l).kind, CheckerKind::Ping);
}

#[test]
fn misc_check_script_timeout_dynamic_user() {
    let l = load(&with(
        "  MISC_CHECK {\n   misc_path \"/bin/check arg\"\n   misc_timeout 5\n   misc_dynamic\n   user nobody\n  }",
    ));
    let CheckerKind::Misc(m) = &checker(&l).kind else {
        panic!("not MISC_CHECK");
    };
    let s = m.script.as_ref().expect("script");
    assert_eq!(s.keyword, "misc_path");
    assert_eq!(s.user.as_deref(), Some("nobody"));
    assert_eq!(m.timeout, Some(Duration::from_secs(5)));
    assert!(m.dynamic);
}

#[test]
fn file_check_track_file_weight_reverse() {
    let text = format!(
        "vrrp_track_file tf1 {{\n file /tmp/f\n}}\n{}",
        with("  FILE_CHECK {\n   track_file tf1\n   weight -10 reverse\n  }")
    );
    let l = load(&text);
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let CheckerKind::File(f) = &checker(&l).kind else {
        panic!("not FILE_CHECK");
    };
    assert_eq!(f.track_file.as_deref(), Some("tf1"));
    assert_eq!(f.weight, -10);
    assert!(f.reverse);
}

#[test]
fn file_check_needs_a_known_track_file() {
    let l = load(&with("  FILE_CHECK {\n   track_file nope\n  }"));
    assert!(
        error_at(&l, 7, "track_file nope not found"),
        "{:?}",
        problems(&l)
    );
    assert_eq!(l.diagnostics.config_test_exit_code(), 5);
}

#[test]
fn checker_ports_must_not_be_zero() {
    let l = load(&with(
        "  TCP_CHECK {\n   connect_port 0\n   bind_port 0\n  }",
    ));
    assert!(
        error_at(&l, 8, "Invalid checker connect_port '0'"),
        "{:?}",
        problems(&l)
    );
    assert!(
        error_at(&l, 9, "Invalid checker bind_port '0'"),
        "{:?}",
        problems(&l)
    );
    assert_eq!(checker(&l).conn.connect_port, None);
}

#[test]
fn udp_check_min_reply_above_max_is_an_error() {
    let l = load(&with(
        "  UDP_CHECK {\n   min_reply_length 100\n   max_reply_length 10\n  }",
    ));
    assert!(error_at(&l, 7, "will always fail"), "{:?}", problems(&l));
}

#[test]
fn an_unknown_checker_keyword_is_reported() {
    let l = load(&with("  TCP_CHECK {\n   path /x\n  }"));
    assert!(error_at(&l, 8, "Unknown keyword"), "{:?}", problems(&l));
}

#[test]
fn an_empty_status_code_is_ignored() {
    let l = load(&with(
        "  HTTP_GET {\n   url {\n    path /\n    status_code\n   }\n  }",
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
}

#[test]
fn missing_names_are_general_errors() {
    for (ck, msg) in [
        (
            "  HTTP_GET {\n   url {\n    path /\n   }\n   url {\n    path /\n    virtualhost\n   }\n  }",
            "Missing HTTP_GET virtualhost name",
        ),
        ("  SMTP_CHECK {\n   helo_name\n  }", "SMTP_CHECK helo name missing"),
        ("  UDP_CHECK {\n   payload\n  }", "UDP_CHECK payload requires a payload"),
        ("  BFD_CHECK {\n   name\n  }", "No or too many names specified"),
    ] {
        let l = load(&with(ck));
        assert!(
            problems(&l).iter().any(|p| p.contains(msg)),
            "{msg}: {:?}",
            problems(&l)
        );
        assert_eq!(l.diagnostics.config_test_exit_code(), 5, "{msg}");
    }
}

#[test]
fn dns_type_is_case_insensitive() {
    let l = load(&with("  DNS_CHECK {\n   type mx\n  }"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let CheckerKind::Dns(d) = &checker(&l).kind else {
        panic!("not DNS_CHECK");
    };
    assert_eq!(d.qtype, DnsType::Mx);
}

#[test]
fn status_codes_stop_at_599() {
    let l = load(&with(
        "  HTTP_GET {\n   url {\n    path /\n    status_code 600\n   }\n  }",
    ));
    assert!(
        error_at(&l, 10, "Invalid HTTP_GET status code '600'"),
        "{:?}",
        problems(&l)
    );
}

#[test]
fn udp_payload_is_bare_hex() {
    let l = load(&with("  UDP_CHECK {\n   payload 0x0a0b\n  }"));
    assert!(
        error_at(&l, 8, "Invalid hex string for UDP_CHECK payload"),
        "{:?}",
        problems(&l)
    );
}

#[test]
fn misc_path_without_value_leaves_the_checker_script_less() {
    let l = load(&with("  MISC_CHECK {\n   misc_path\n  }"));
    assert!(error_at(&l, 7, "MISC_CHECK"), "{:?}", problems(&l));
    assert_eq!(l.diagnostics.config_test_exit_code(), 5);
}

#[test]
fn dns_names_with_empty_labels_are_refused_like_keepalived() {
    for bad in ["a..b", ".x", "a.b.c"] {
        let l = load(&with(&format!("  DNS_CHECK {{\n   name {bad}\n  }}")));
        assert!(
            error_at(&l, 8, "has empty label"),
            "{bad}: {:?}",
            problems(&l)
        );
    }
    let l = load(&with("  DNS_CHECK {\n   name www.example.com.\n  }"));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let l = load(&with("  DNS_CHECK {\n   name ab.c\n   name x\n  }"));
    assert!(error_at(&l, 9, "DNS_CHECK name already specified"));
}

#[test]
fn ssl_get_tls_compliant_on_the_checker_and_its_urls() {
    let l = load(&with(
        "  SSL_GET {\n   url {\n    path /a\n    tls_compliant\n   }\n   url {\n    path /b\n    tls_compliant no\n   }\n   tls_compliant off\n  }",
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let CheckerKind::Ssl(h) = &checker(&l).kind else {
        panic!("not SSL_GET");
    };
    assert!(!h.tls_compliant);
    assert!(h.urls[0].tls_compliant && !h.urls[1].tls_compliant);
    let l = load(&with("  SSL_GET {\n   tls_compliant maybe\n  }"));
    assert!(error_at(&l, 8, "Invalid tls_compliant option maybe"));
}
