//! The core on its own: configurations read by keepalived-conf, verdicts fed by hand, IPVS
//! calls recorded.

use std::sync::{Arc, Mutex};

use keepalived_conf::{load_str, FixedHost, ReadOptions};

use super::*;
use crate::ipvs::{Destination, Ipvs, IpvsError};
use crate::plan;

/// Records IPVS calls as `op addr weight` strings.
#[derive(Default)]
struct Recorder(Vec<String>);

impl Ipvs for Recorder {
    fn add_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.0.push(format!("add-svc {}", svc.key));
        Ok(())
    }
    fn del_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.0.push(format!("del-svc {}", svc.key));
        Ok(())
    }
    fn add_dest(&mut self, _: &Service, d: &Destination) -> Result<(), IpvsError> {
        self.0.push(format!("add {} {}", d.addr, d.weight));
        Ok(())
    }
    fn edit_dest(&mut self, _: &Service, d: &Destination) -> Result<(), IpvsError> {
        self.0.push(format!("edit {} {}", d.addr, d.weight));
        Ok(())
    }
    fn del_dest(&mut self, _: &Service, d: &Destination) -> Result<(), IpvsError> {
        self.0.push(format!("del {} {}", d.addr, d.weight));
        Ok(())
    }
}

struct Lab {
    pool: Pool,
    ipvs: Recorder,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Lab {
    fn new(vs_body: &str) -> Lab {
        Lab::with_prefix("", vs_body)
    }

    /// `prefix` (e.g. a bfd_instance) before the virtual server.
    fn with_prefix(prefix: &str, vs_body: &str) -> Lab {
        let text = format!(
            "{prefix}virtual_server 10.0.0.1 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n delay_loop 5\n{vs_body}\n}}\n"
        );
        let l = load_str(
            &text,
            "t.conf".as_ref(),
            &ReadOptions::default(),
            &FixedHost::lab(),
        );
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let log = Logger::new(move |l| sink.lock().unwrap().push(l.to_owned()));
        let mut pool = plan::build(&l.config, &log).pool;
        let mut ipvs = Recorder::default();
        pool.init(&mut ipvs);
        Lab { pool, ipvs, lines }
    }

    fn tcp(&mut self, ck: usize, ok: bool) -> Next {
        let r = if ok {
            Ok(())
        } else {
            Err("TCP connection failed.".into())
        };
        self.pool.report(&mut self.ipvs, ck, Report::Probe(r))
    }

    fn calls(&mut self) -> Vec<String> {
        std::mem::take(&mut self.ipvs.0)
    }

    fn logged(&self, s: &str) -> bool {
        self.lines.lock().unwrap().iter().any(|l| l == s)
    }

    fn scripts(&mut self) -> Vec<String> {
        self.pool
            .take_scripts()
            .iter()
            .map(|s| s.command_line())
            .collect()
    }
}

/// The pool of configuration `text`, its log lines dropped.
fn built(text: &str) -> Pool {
    let l = load_str(
        text,
        "t.conf".as_ref(),
        &ReadOptions::default(),
        &FixedHost::lab(),
    );
    plan::build(&l.config, &Logger::new(|_| {})).pool
}

const RS2: &str = " real_server 10.0.0.2 80 {\n  weight 3\n  notify_up \"/up 2\"\n  notify_down \"/down 2\"\n  TCP_CHECK {\n   retry 1\n   delay_before_retry 2\n  }\n }";
const RS3: &str = " real_server 10.0.0.3 80 {\n  TCP_CHECK {\n   retry 0\n  }\n }";

#[test]
fn real_servers_start_in_the_pool_without_alpha() {
    let mut lab = Lab::new(RS2);
    assert_eq!(
        lab.calls(),
        ["add-svc [10.0.0.1]:tcp:80", "add 10.0.0.2:80 3"]
    );
    assert!(lab.logged("Gained quorum 1+0=1 <= 3 for VS [10.0.0.1]:tcp:80"));
    assert!(lab.pool.vss[0].quorum_state_up);
}

#[test]
fn a_failure_is_retried_then_the_server_removed_and_notify_down_run() {
    let mut lab = Lab::new(RS2);
    lab.calls();
    // keepalived starts each checker with its retries used up ("one failure is enough
    // initially"): a success first resets them.
    lab.tcp(0, true);
    let n = lab.tcp(0, false);
    assert_eq!(
        n.delay,
        std::time::Duration::from_secs(2),
        "delay_before_retry"
    );
    assert!(lab.calls().is_empty(), "one retry first");
    let n = lab.tcp(0, false);
    assert_eq!(
        n.delay,
        std::time::Duration::from_secs(5),
        "back to delay_loop"
    );
    assert_eq!(lab.calls(), ["del 10.0.0.2:80 3"]);
    assert!(lab.logged("TCP_CHECK on service [10.0.0.2]:tcp:80 failed after 1 retries."));
    assert!(lab.logged("Removing service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80"));
    assert!(lab.logged("Lost quorum 1-0=1 > 0 for VS [10.0.0.1]:tcp:80"));
    assert_eq!(lab.scripts(), ["/down 2"]);
    lab.tcp(0, true);
    assert_eq!(lab.calls(), ["add 10.0.0.2:80 3"]);
    assert!(lab.logged("TCP connection to [10.0.0.2]:tcp:80 success."));
    assert!(lab.logged("Adding service [10.0.0.2]:tcp:80 to VS [10.0.0.1]:tcp:80"));
    assert_eq!(lab.scripts(), ["/up 2"]);
}

#[test]
fn alpha_starts_down_and_a_success_brings_the_server_up() {
    let mut lab = Lab::new(&format!(" alpha\n{RS2}"));
    assert_eq!(lab.calls(), ["add-svc [10.0.0.1]:tcp:80"]);
    assert!(
        lab.logged("Starting with quorum down 1-0=1 > 0 for VS [10.0.0.1]:tcp:80")
            || !lab.pool.vss[0].quorum_state_up
    );
    lab.tcp(0, true);
    assert_eq!(lab.calls(), ["add 10.0.0.2:80 3"]);
    assert_eq!(lab.scripts(), ["/up 2"]);
    assert!(lab.pool.vss[0].quorum_state_up);
}

#[test]
fn inhibit_on_failure_sets_weight_0_instead_of_removing() {
    let mut lab = Lab::new(&format!(" inhibit_on_failure\n{RS3}"));
    lab.calls();
    lab.tcp(0, false);
    assert_eq!(lab.calls(), ["edit 10.0.0.3:80 0"]);
    assert!(lab.logged("Disabling service [10.0.0.3]:tcp:80 of VS [10.0.0.1]:tcp:80"));
    lab.tcp(0, true);
    assert_eq!(lab.calls(), ["edit 10.0.0.3:80 1"]);
    assert!(lab.logged("Enabling service [10.0.0.3]:tcp:80 of VS [10.0.0.1]:tcp:80"));
}

#[test]
fn alpha_with_inhibit_adds_the_server_with_weight_0() {
    let mut lab = Lab::new(&format!(" alpha\n inhibit_on_failure\n{RS3}"));
    assert_eq!(
        lab.calls(),
        ["add-svc [10.0.0.1]:tcp:80", "add 10.0.0.3:80 0"]
    );
    lab.tcp(0, true);
    assert_eq!(lab.calls(), ["edit 10.0.0.3:80 1"]);
}

#[test]
fn the_sorry_server_replaces_the_pool_when_quorum_is_lost() {
    let mut lab = Lab::new(&format!(
        " sorry_server 10.0.0.9 80\n quorum_up \"/qup\"\n quorum_down \"/qdown\"\n{RS3}"
    ));
    lab.calls();
    assert_eq!(lab.scripts(), ["/qup"]);
    lab.tcp(0, false);
    assert_eq!(lab.calls(), ["del 10.0.0.3:80 1", "add 10.0.0.9:80 1"]);
    assert!(lab.logged("Adding sorry server [10.0.0.9]:tcp:80 to VS [10.0.0.1]:tcp:80"));
    assert_eq!(lab.scripts(), ["/qdown"]);
    lab.tcp(0, true);
    assert_eq!(lab.calls(), ["del 10.0.0.9:80 1", "add 10.0.0.3:80 1"]);
    assert!(lab.logged("Removing sorry server [10.0.0.9]:tcp:80 from VS [10.0.0.1]:tcp:80"));
    assert_eq!(lab.scripts(), ["/qup"]);
}

#[test]
fn hysteresis_delays_quorum_changes() {
    let three = " real_server 10.0.0.2 80 {\n  TCP_CHECK {\n   retry 0\n  }\n }\n real_server 10.0.0.3 80 {\n  TCP_CHECK {\n   retry 0\n  }\n }\n real_server 10.0.0.4 80 {\n  TCP_CHECK {\n   retry 0\n  }\n }";
    let mut lab = Lab::new(&format!(" quorum 2\n hysteresis 1\n{three}"));
    assert!(lab.pool.vss[0].quorum_state_up);
    lab.tcp(0, false);
    lab.tcp(1, false);
    assert!(lab.pool.vss[0].quorum_state_up, "1 >= 2-1");
    lab.tcp(2, false);
    assert!(!lab.pool.vss[0].quorum_state_up, "0: lost");
    lab.tcp(0, true);
    lab.tcp(1, true);
    assert!(!lab.pool.vss[0].quorum_state_up, "2 < 2+1");
    lab.tcp(2, true);
    assert!(lab.pool.vss[0].quorum_state_up, "3 >= 2+1");
}

#[test]
fn a_first_failure_right_after_start_is_final() {
    let mut lab = Lab::new(RS2);
    lab.calls();
    let n = lab.tcp(0, false);
    assert_eq!(n.delay, std::time::Duration::from_secs(5), "no retry");
    assert_eq!(lab.calls(), ["del 10.0.0.2:80 3"]);
}

#[test]
fn misc_dynamic_exit_status_sets_the_weight() {
    let mut lab = Lab::new(" real_server 10.0.0.2 80 {\n  weight 5\n  MISC_CHECK {\n   misc_path /bin/true\n   misc_dynamic\n  }\n }");
    lab.calls();
    lab.pool
        .report(&mut lab.ipvs, 0, Report::Misc(MiscResult::Exited(12)));
    assert_eq!(lab.calls(), ["edit 10.0.0.2:80 10"]);
    assert!(lab.logged(
        "Changing weight from 5 to 10 for active service [10.0.0.2]:tcp:80 of VS [10.0.0.1]:tcp:80"
    ));
    lab.pool
        .report(&mut lab.ipvs, 0, Report::Misc(MiscResult::Exited(1)));
    assert_eq!(lab.calls(), ["del 10.0.0.2:80 10"]);
    assert!(lab.logged("Misc check for [[10.0.0.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/true] failed with retry disabled (exited with status 1)."));
    lab.pool
        .report(&mut lab.ipvs, 0, Report::Misc(MiscResult::TimedOut));
    assert!(lab.calls().is_empty(), "already down");
    lab.pool
        .report(&mut lab.ipvs, 0, Report::Misc(MiscResult::Exited(0)));
    assert_eq!(lab.calls(), ["add 10.0.0.2:80 5"]);
}

#[test]
fn an_snmp_weight_set_edits_the_server_and_is_kept_by_the_next_verdict() {
    let mut lab = Lab::new(" real_server 10.0.0.2 80 {\n  weight 5\n  TCP_CHECK {\n  }\n }");
    lab.calls();
    lab.pool.set_weight(&mut lab.ipvs, 0, 0, 44);
    assert_eq!(lab.calls(), ["edit 10.0.0.2:80 44"]);
    assert!(lab.logged(
        "Changing weight from 5 to 44 for active service [10.0.0.2]:tcp:80 of VS [10.0.0.1]:tcp:80"
    ));
    // Down and up again: back with the weight that was set, as keepalived's effective_weight.
    lab.tcp(0, false);
    lab.tcp(0, true);
    assert_eq!(lab.calls(), ["del 10.0.0.2:80 44", "add 10.0.0.2:80 44"]);
    // A server the pool does not have: nothing.
    lab.pool.set_weight(&mut lab.ipvs, 0, 5, 1);
    lab.pool.set_weight(&mut lab.ipvs, 3, 0, 1);
    assert!(lab.calls().is_empty());
}

#[test]
fn http_checks_every_url_before_coming_up() {
    let rs = " alpha\n real_server 10.0.0.2 80 {\n  HTTP_GET {\n   url {\n    path /a\n   }\n   url {\n    path /b\n   }\n   retry 0\n  }\n }";
    let mut lab = Lab::new(rs);
    lab.calls();
    let ok = |p: &str| {
        Report::Http(HttpResult::Success {
            what: "HTTP status code",
            path: p.into(),
        })
    };
    let n = lab.pool.report(&mut lab.ipvs, 0, ok("/a"));
    assert_eq!(n.url, 1);
    assert!(lab.calls().is_empty());
    let n = lab.pool.report(&mut lab.ipvs, 0, ok("/b"));
    assert_eq!(n.url, 0);
    assert_eq!(lab.calls(), ["add 10.0.0.2:80 1"]);
    assert!(lab.logged("Remote Web server [10.0.0.2]:tcp:80 succeed on service."));
    let n = lab.pool.report(
        &mut lab.ipvs,
        0,
        Report::Http(HttpResult::Failure("Timeout connecting".into())),
    );
    assert_eq!(lab.calls(), ["del 10.0.0.2:80 1"]);
    assert!(lab.logged("HTTP_CHECK on service [10.0.0.2]:tcp:80 failed."));
    assert_eq!(
        n.delay,
        std::time::Duration::from_secs(5),
        "max(delay_before_retry, delay_loop)"
    );
}

#[test]
fn shutdown_removes_everything_and_omega_runs_down_notifies() {
    let mut lab = Lab::new(&format!(" omega\n quorum_down \"/qdown\"\n{RS2}"));
    lab.scripts();
    lab.calls();
    lab.pool.shutdown(&mut lab.ipvs);
    assert_eq!(
        lab.calls(),
        ["del 10.0.0.2:80 3", "del-svc [10.0.0.1]:tcp:80"]
    );
    assert!(lab.logged("Shutting down service [10.0.0.2]:tcp:80 from VS [10.0.0.1]:tcp:80"));
    assert_eq!(lab.scripts(), ["/down 2", "/qdown"]);
}

#[test]
fn a_virtual_server_group_applies_to_every_member() {
    let text = "virtual_server_group G {\n 10.0.0.1-2 80\n fwmark 7\n}\nvirtual_server group G {\n lb_algo rr\n protocol TCP\n real_server 10.0.0.5 80 {\n  TCP_CHECK {\n  }\n }\n}\n";
    let mut pool = built(text);
    let mut ipvs = Recorder::default();
    pool.init(&mut ipvs);
    assert_eq!(
        ipvs.0,
        [
            "add-svc [10.0.0.1]:tcp:80",
            "add-svc [10.0.0.2]:tcp:80",
            "add-svc FWM 7",
            "add 10.0.0.5:80 1",
            "add 10.0.0.5:80 1",
            "add 10.0.0.5:80 1"
        ]
    );
}

#[test]
fn file_check_weight_and_fault() {
    let text = "track_file tf {\n file /nonexistent/kck\n weight 2\n}\nvirtual_server 10.0.0.1 80 {\n lb_algo rr\n protocol TCP\n real_server 10.0.0.2 80 {\n  weight 10\n  FILE_CHECK {\n   track_file tf\n  }\n }\n}\n";
    let mut pool = built(text);
    let mut ipvs = Recorder::default();
    pool.init(&mut ipvs);
    ipvs.0.clear();
    pool.report(&mut ipvs, 0, Report::File(3));
    assert_eq!(ipvs.0, ["edit 10.0.0.2:80 16"], "10 + 3*2");
    ipvs.0.clear();
    pool.report(&mut ipvs, 0, Report::File(-127));
    assert_eq!(ipvs.0, ["del 10.0.0.2:80 16"], "-254 is a fault");
    ipvs.0.clear();
    pool.report(&mut ipvs, 0, Report::File(0));
    assert_eq!(ipvs.0, ["add 10.0.0.2:80 10"]);
}

#[test]
fn a_down_and_up_queue_keepalived_mails_and_fifo_lines() {
    let mut lab = Lab::new(RS2);
    lab.calls();
    lab.pool.take_fifo_lines();
    lab.tcp(0, false);
    lab.tcp(0, false);
    let rs = "[10.0.0.2]:tcp:80";
    let vs = "[10.0.0.1]:tcp:80";
    assert_eq!(
        lab.pool.take_alerts(),
        [CheckerAlert {
            rs: Some(rs.into()),
            vs: vs.into(),
            up: false,
            body: "=> TCP CHECK failed on service <=".into(),
        }]
    );
    assert_eq!(
        lab.pool.take_fifo_lines(),
        [format!("RS {rs} {vs} DOWN\n"), format!("VS {vs} DOWN\n")]
    );
    lab.tcp(0, true);
    let up = lab.pool.take_alerts();
    assert_eq!(up.len(), 1);
    assert!(up[0].up && up[0].body == "=> TCP CHECK succeed on service <=");
}

/// BFD_CHECK `alpha`: the server starts out of the pool until the session reports Up
/// (keepalived's alpha mode for the checker), where without it the server starts in.
#[test]
fn bfd_check_alpha_keeps_the_server_out_until_the_session_is_up() {
    let mut lab = Lab::with_prefix(
        "bfd_instance B1 {\n neighbor_ip 10.0.0.2\n}\n",
        " real_server 10.0.0.2 80 {\n  BFD_CHECK {\n   name B1\n   alpha\n  }\n }",
    );
    assert_eq!(lab.calls(), ["add-svc [10.0.0.1]:tcp:80"]);
    lab.pool.report(&mut lab.ipvs, 0, Report::Bfd(true));
    assert_eq!(lab.calls(), ["add 10.0.0.2:80 1"]);
}

#[test]
fn bfd_check_follows_the_session_and_ignores_repeated_states() {
    let mut lab = Lab::with_prefix(
        "bfd_instance B1 {\n neighbor_ip 10.0.0.2\n}\n",
        " real_server 10.0.0.2 80 {\n  notify_down \"/down 2\"\n  BFD_CHECK {\n   name B1\n  }\n }",
    );
    assert_eq!(
        lab.calls(),
        ["add-svc [10.0.0.1]:tcp:80", "add 10.0.0.2:80 1"]
    );
    // The BFD child's first event (Down at its start) takes the server out.
    lab.pool.report(&mut lab.ipvs, 0, Report::Bfd(false));
    assert_eq!(lab.calls(), ["del 10.0.0.2:80 1"]);
    assert!(lab.logged("BFD check of [B1] RS([10.0.0.2]:tcp:80) is DOWN"));
    assert_eq!(lab.scripts(), ["/down 2"]);
    lab.pool.report(&mut lab.ipvs, 0, Report::Bfd(false));
    assert!(lab.calls().is_empty());
    lab.pool.report(&mut lab.ipvs, 0, Report::Bfd(true));
    assert_eq!(lab.calls(), ["add 10.0.0.2:80 1"]);
    assert!(lab.logged("BFD check of [B1] RS([10.0.0.2]:tcp:80) is UP"));
    let mails: Vec<String> = lab.pool.take_alerts().into_iter().map(|a| a.body).collect();
    assert_eq!(
        mails,
        [
            "=> BFD CHECK B1 failed on service <=",
            "=> BFD CHECK B1 succeeded on service <="
        ]
    );
}

#[test]
fn misc_check_and_quorum_mails_as_keepalived_words_them() {
    let body = " quorum 3\n smtp_alert\n real_server 10.0.0.2 80 {\n  weight 3\n  MISC_CHECK {\n   misc_path \"/bin/true\"\n  }\n }";
    let mut lab = Lab::new(body);
    lab.calls();
    let _ = lab.pool.take_alerts();
    lab.pool
        .report(&mut lab.ipvs, 0, Report::Misc(MiscResult::Exited(1)));
    let vs = "[10.0.0.1]:tcp:80";
    let rs = "[10.0.0.2]:tcp:80";
    assert_eq!(
        lab.pool.take_alerts(),
        [
            CheckerAlert {
                rs: None,
                vs: vs.into(),
                up: false,
                body: "=> Lost quorum 3+0=3 <= 0 <=".into(),
            },
            CheckerAlert {
                rs: Some(rs.into()),
                vs: vs.into(),
                up: false,
                body: "=> MISC CHECK failed on service <=".into(),
            },
        ]
    );
    lab.pool
        .report(&mut lab.ipvs, 0, Report::Misc(MiscResult::Exited(0)));
    let up = lab.pool.take_alerts();
    assert_eq!(up.len(), 2, "{up:?}");
    assert_eq!(up[0].body, "=> Gained quorum 3+0=3 <= 3 <=");
    assert!(up[0].up && up[0].rs.is_none());
    assert_eq!(up[1].body, "=> MISC CHECK succeeded on service <=");
}

#[test]
fn an_smtp_check_failure_mails_its_reason() {
    let body = " real_server 10.0.0.2 25 {\n  SMTP_CHECK {\n  }\n }";
    let mut lab = Lab::new(body);
    lab.calls();
    let reason = "Read timeout from server [10.0.0.2]:tcp:25";
    // SMTP_CHECK's default retry is 1: the second failure is the verdict.
    for _ in 0..2 {
        lab.pool
            .report(&mut lab.ipvs, 0, Report::Probe(Err(reason.into())));
    }
    let mails = lab.pool.take_alerts();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(
        mails[0].body,
        "=> CHECK failed on service : Read timeout from server [10.0.0.2]:tcp:25 <="
    );
    assert!(!mails[0].up);
}

/// Records the `(upper, lower)` connection thresholds of every destination added.
#[derive(Default)]
struct Thresholds(Vec<(u32, u32)>);

impl Ipvs for Thresholds {
    fn add_service(&mut self, _: &Service) -> Result<(), IpvsError> {
        Ok(())
    }
    fn del_service(&mut self, _: &Service) -> Result<(), IpvsError> {
        Ok(())
    }
    fn add_dest(&mut self, _: &Service, d: &Destination) -> Result<(), IpvsError> {
        self.0.push((d.u_threshold, d.l_threshold));
        Ok(())
    }
    fn edit_dest(&mut self, _: &Service, _: &Destination) -> Result<(), IpvsError> {
        Ok(())
    }
    fn del_dest(&mut self, _: &Service, _: &Destination) -> Result<(), IpvsError> {
        Ok(())
    }
}

/// A real server's `uthreshold`/`lthreshold` are its IPVS destination's connection
/// thresholds (IPVS_DEST_ATTR_U_THRESH / L_THRESH); without them, 0 (no limit).
#[test]
fn uthreshold_and_lthreshold_are_the_destination_s_thresholds() {
    let text = "virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n \
                real_server 10.0.0.2 80 {\n  uthreshold 100\n  lthreshold 10\n }\n \
                real_server 10.0.0.3 80 {\n }\n}\n";
    let mut pool = built(text);
    let mut ipvs = Thresholds::default();
    pool.init(&mut ipvs);
    assert_eq!(ipvs.0, [(100, 10), (0, 0)]);
}

/// global_defs `rs_init_notifies`: the real servers up at start run their notify_up, as
/// keepalived's; without it, nothing runs until a change.
#[test]
fn rs_init_notifies_runs_notify_up_for_the_servers_up_at_start() {
    let mut lab = Lab::with_prefix("global_defs {\n rs_init_notifies\n}\n", RS2);
    assert_eq!(lab.scripts(), ["/up 2"]);
    let mut lab = Lab::new(RS2);
    assert!(lab.scripts().is_empty());
}

/// `log_all_failures` (the checker's) and global_defs `checker_log_all_failures`: every
/// failed attempt of an up server is logged, also those a retry hides.
#[test]
fn log_all_failures_logs_every_failed_attempt() {
    let rs = |opt: &str| {
        format!(" real_server 10.0.0.2 80 {{\n  TCP_CHECK {{\n   retry 3\n{opt}\n  }}\n }}")
    };
    for (prefix, opt, logs) in [
        ("", "   log_all_failures", true),
        ("global_defs {\n checker_log_all_failures\n}\n", "", true),
        ("", "", false),
    ] {
        let mut lab = Lab::with_prefix(prefix, &rs(opt));
        lab.tcp(0, true);
        lab.tcp(0, false);
        assert_eq!(
            lab.logged("TCP connection failed."),
            logs,
            "{prefix:?} {opt:?}"
        );
    }
}

/// `sorry_server_inhibit`: the sorry server stays in IPVS with weight 0 while the pool has
/// quorum (keepalived's inhibit), and gets its weight when quorum is lost.
#[test]
fn sorry_server_inhibit_keeps_the_sorry_server_at_weight_0() {
    let mut lab = Lab::new(&format!(
        " sorry_server 10.0.0.9 80\n sorry_server_inhibit\n{RS3}"
    ));
    assert_eq!(
        lab.calls(),
        [
            "add-svc [10.0.0.1]:tcp:80",
            "add 10.0.0.3:80 1",
            "add 10.0.0.9:80 0"
        ]
    );
    lab.tcp(0, false);
    assert_eq!(lab.calls(), ["del 10.0.0.3:80 1", "edit 10.0.0.9:80 1"]);
    lab.tcp(0, true);
    assert_eq!(lab.calls(), ["edit 10.0.0.9:80 0", "add 10.0.0.3:80 1"]);
}

/// HTTP_GET `fast_recovery`: a down server's next url is checked at once after a success
/// (it comes back after one pass over its urls), where without it the checker waits its
/// delay between urls.
#[test]
fn fast_recovery_checks_a_down_server_s_next_url_at_once() {
    let rs = |opt: &str| {
        format!(
            " alpha\n real_server 10.0.0.2 80 {{\n  HTTP_GET {{\n{opt}   url {{\n    path /a\n   }}\n   \
             url {{\n    path /b\n   }}\n   delay_before_retry 2\n  }}\n }}"
        )
    };
    let ok = Report::Http(HttpResult::Success {
        what: "HTTP status code",
        path: "/a".into(),
    });
    let mut fast = Lab::new(&rs("   fast_recovery\n"));
    let n = fast.pool.report(&mut fast.ipvs, 0, ok.clone());
    assert_eq!((n.url, n.delay), (1, std::time::Duration::ZERO));
    let mut slow = Lab::new(&rs(""));
    let n = slow.pool.report(&mut slow.ipvs, 0, ok);
    assert_eq!(n.url, 1);
    assert!(!n.delay.is_zero(), "{n:?}");
}

/// A checker's identity across a reload: its virtual server, its real server and its
/// position among that server's checkers (the memory of [`Pool::init_with`] is keyed by it).
#[test]
fn checker_keys_name_the_server_and_the_position_among_its_checkers() {
    let lab = Lab::new(
        " real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n  MISC_CHECK {\n   misc_path /bin/true\n  }\n }\n real_server 10.0.0.3 80 {\n  TCP_CHECK {\n  }\n }",
    );
    assert_eq!(
        lab.pool.checker_keys(),
        [
            "[10.0.0.1]:tcp:80|[10.0.0.2]:tcp:80|0",
            "[10.0.0.1]:tcp:80|[10.0.0.2]:tcp:80|1",
            "[10.0.0.1]:tcp:80|[10.0.0.3]:tcp:80|0",
        ]
    );
}
