//! Error texts and lines of LVS keywords, as keepalived 2.2.7 `-t` prints them (observed on
//! the real binary with the same configuration).

mod common;
use common::*;

const CONF: &str = "virtual_server 10.0.0.1 80 {
 lb_algo foo
 lb_kind NAT
 protocol ICMP
 persistence_timeout 0
 delay_loop 0
 quorum 0
 ip_family inet7
 real_server 10.0.0.2 80 {
  weight -1
  HTTP_GET {
   url {
    path /
    digest 1234
    status_code 2000
   }
   http_protocol 2.0
  }
  UDP_CHECK {
   payload zz
   require_reply 0g
  }
  DNS_CHECK {
   type PTR
  }
  TCP_CHECK {
   connect_timeout 0
   retry -1
   warmup -1
  }
 }
}
";

#[test]
fn each_bad_value_is_reported_on_its_line_with_keepalived_s_text() {
    let l = load(CONF);
    for (line, text) in [
        (2, "Invalid lvs_scheduler 'foo' - ignoring"),
        (4, "Unknown protocol ICMP - ignoring"),
        (5, "number '0' outside range [1, 2678400]"),
        (6, "number '0' outside range [0.000001, 18446744073709.55"),
        (6, "delay loop '0' invalid - ignoring"),
        (7, "number '0' outside range [1, 4294967295]"),
        (8, "unknown address family inet7"),
        (10, "Real server weight -1 is outside range 0-2147483647"),
        (
            14,
            "digest '1234' character length should be 32 rather than 4",
        ),
        (15, "Invalid HTTP_GET status code '2000'"),
        (17, "Invalid http_protocol version 2.0"),
        (20, "Invalid hex string for UDP_CHECK payload"),
        (21, "Invalid hex string for UDP_CHECK reply"),
        (24, "Unknown DNS check type PTR - ignoring"),
        (27, "number '0' outside range [0.000001, 4294.967295]"),
        (27, "connect_timeout 0 invalid - ignoring"),
        (28, "negative number '-1'"),
        (29, "negative number '-1'"),
        (28, "Invalid retry connection value '-1'"),
        (29, "Invalid warmup connection value '-1'"),
    ] {
        assert!(
            error_at(&l, line, text),
            "line {line}: {text}\n{:#?}",
            problems(&l)
        );
    }
    assert!(error_located(
        &l,
        Some(1),
        "Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP"
    ));
    assert_ne!(l.diagnostics.config_test_exit_code(), 0);
}

#[test]
fn group_entries_and_virtual_server_port_errors() {
    let l = load("virtual_server_group G {\n 10.0.0.9-3 80\n 10.0.0.x 80\n fwmark 0\n}\nvirtual_server 10.0.0.1 99999 {\n lb_algo rr\n}\n");
    assert!(error_at(
        &l,
        2,
        "Address range end is not greater than address range start - 10.0.0.9-3 - skipping"
    ));
    assert!(error_at(
        &l,
        3,
        "Invalid virtual server group IP address 10.0.0.x /port/80 - skipping"
    ));
    assert!(error_at(&l, 6, "number '99999' outside range [1, 65535]"));
    assert!(error_at(
        &l,
        6,
        "Invalid virtual server IP address/port 10.0.0.1/99999 - skipping"
    ));
    assert_eq!(
        l.diagnostics
            .iter()
            .filter(|d| d.location.as_ref().map(|x| x.line) == Some(4))
            .count(),
        0,
        "fwmark 0 is accepted in a group"
    );
    assert!(l.config.lvs.virtual_servers.is_empty());
}
