//! `reload_check_config LOG_FILE` beside keepalived 2.2.7: a SIGHUP with a configuration
//! that fails `--config-test` is not passed to the children (the running VIPs stay, the new
//! ones do not come), the parent logs "New config failed validation, see LOG for details"
//! and the test's lines are in LOG_FILE; a valid one then reloads. Labs `kr-rcc-*`,
//! 10.63.8.0/24 and 10.63.10.0/24 (one lab per implementation, run at once).

use std::time::Duration;

use keepalived_labs::{runnable, BridgeLab, KEEPALIVED};

const OURS: &str = env!("CARGO_BIN_EXE_keepalived-rs");

fn conf(net: &str, check_log: &str, vrid: u32, vips: &[u8]) -> String {
    let vips: String = vips
        .iter()
        .map(|h| format!("        {net}.{h}/24\n"))
        .collect();
    format!(
        "global_defs {{\n    router_id rcc\n    reload_check_config {check_log}\n}}\n\
         vrrp_instance VI_1 {{\n    state MASTER\n    interface eth0\n    virtual_router_id {vrid}\n    \
         priority 200\n    advert_int 1\n    virtual_ipaddress {{\n{vips}    }}\n}}\n"
    )
}

/// What a user sees: (the refused reload's log line, the bad VIP absent after it, the
/// check log names the bad keyword, the good reload's VIP present).
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    refused_logged: bool,
    bad_vip_absent: bool,
    check_log_names_the_error: bool,
    good_vip_present: bool,
}

fn run(binary: &str, net: &str) -> Seen {
    let mut lab = BridgeLab::new("rcc", net.rsplit('.').next().unwrap_or("x"), net);
    let check_log = lab.dir().join("check.log").display().to_string();
    lab.start("o", binary, &conf(net, &check_log, 51, &[100]));
    let vip = |h: u8| format!("{net}.{h}");
    lab.wait(
        "MASTER",
        Duration::from_secs(15),
        || lab.holds("o", &vip(100)),
        || None,
    );
    // virtual_router_id 300 fails the test (exit 5 from both).
    lab.rewrite("o", &conf(net, &check_log, 300, &[100, 101]));
    lab.signal("o", "main", "HUP");
    let line = format!("New config failed validation, see {check_log} for details");
    let logged = (0..250).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        lab.logs().contains(&line)
    });
    std::thread::sleep(Duration::from_secs(2));
    let bad_vip_absent = !lab.holds("o", &vip(101)) && lab.holds("o", &vip(100));
    let check_text = std::fs::read_to_string(&check_log).unwrap_or_default();
    lab.rewrite("o", &conf(net, &check_log, 51, &[100, 102]));
    lab.signal("o", "main", "HUP");
    let good = (0..500).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        lab.holds("o", &vip(102))
    });
    let seen = Seen {
        refused_logged: logged,
        bad_vip_absent,
        check_log_names_the_error: check_text.contains("300"),
        good_vip_present: good,
    };
    if seen.good_vip_present && seen.refused_logged {
        return seen;
    }
    eprintln!(
        "{binary}: {seen:?}\n{}\ncheck log:\n{check_text}",
        lab.logs()
    );
    seen
}

#[test]
fn reload_check_config_refuses_a_bad_reload_like_keepalived() {
    if !runnable("reload_check_config_refuses_a_bad_reload_like_keepalived") {
        return;
    }
    let (theirs, ours) = std::thread::scope(|s| {
        let theirs = s.spawn(|| run(KEEPALIVED, "10.63.8"));
        let ours = s.spawn(|| run(OURS, "10.63.10"));
        (
            theirs.join().expect("keepalived run"),
            ours.join().expect("ours run"),
        )
    });
    let expected = Seen {
        refused_logged: true,
        bad_vip_absent: true,
        check_log_names_the_error: true,
        good_vip_present: true,
    };
    assert_eq!(theirs, expected, "keepalived");
    assert_eq!(ours, expected, "ours");
}
