//! vrrp_script, track_file, vrrp_track_process, garp_group, track_group, and the track_*
//! blocks of instances.

mod common;
use common::*;

use std::time::Duration;

use keepalived_conf::model::ParamMatch;
use keepalived_conf::ErrorClass;

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    let i = text
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle in text");
    i as u32 + 1
}

/// `before` at the top, then an instance whose block ends with `body` (line 5 onwards).
fn with_instance(before: &str, body: &str) -> String {
    format!("{before}\nvrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n{body}\n virtual_ipaddress {{\n  10.0.0.5/24\n }}\n}}\n")
}

#[test]
fn vrrp_script_defaults() {
    let l = load("vrrp_script chk {\n script \"/bin/true arg\"\n}\n");
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let s = &l.config.vrrp.scripts[0];
    assert_eq!(s.name, "chk");
    assert_eq!(s.script.argv, ["/bin/true", "arg"]);
    assert_eq!(s.interval, Duration::from_secs(1));
    assert_eq!(s.timeout, None);
    assert_eq!(
        (s.weight, s.weight_reverse, s.rise, s.fall, s.init_fail),
        (0, false, 1, 1, false)
    );
}

#[test]
fn vrrp_script_keywords() {
    let l = load("vrrp_script chk {\n script /bin/true\n interval 5\n timeout 3\n weight -20 reverse\n rise 2\n fall 4\n user nobody nogroup\n init_fail\n}\n");
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let s = &l.config.vrrp.scripts[0];
    assert_eq!(s.interval, Duration::from_secs(5));
    assert_eq!(s.timeout, Some(Duration::from_secs(3)));
    assert_eq!(
        (s.weight, s.weight_reverse, s.rise, s.fall, s.init_fail),
        (-20, true, 2, 4, true)
    );
    assert_eq!(s.script.user.as_deref(), Some("nobody"));
    assert_eq!(s.script.group.as_deref(), Some("nogroup"));
}

#[test]
fn vrrp_script_ranges() {
    let l = load("vrrp_script chk {\n script /bin/true\n interval 0\n timeout 0\n weight 254\n rise 0\n fall 0\n}\n");
    assert!(error_located(
        &l,
        Some(3),
        "(chk): vrrp script interval must be greater than 0, setting to 1"
    ));
    assert!(error_located(
        &l,
        Some(4),
        "(chk): vrrp script timeout must be greater than 0, setting to 1"
    ));
    assert!(error_located(
        &l,
        Some(5),
        "number '254' outside range [-253, 253]"
    ));
    assert!(error_located(
        &l,
        Some(6),
        "number '0' outside range [1, 2147483647]"
    ));
    assert!(error_located(
        &l,
        Some(7),
        "number '0' outside range [1, 2147483647]"
    ));
    let s = &l.config.vrrp.scripts[0];
    assert_eq!(s.interval, Duration::from_secs(1));
    assert_eq!(s.weight, 0);
    let l = load("vrrp_script chk {\n script /bin/true\n interval 1.5\n}\n");
    assert!(error_located(
        &l,
        Some(3),
        "(chk): vrrp script interval '1.5' must be between 1 and 4294 - ignoring"
    ));
}

#[test]
fn a_vrrp_script_without_script_is_removed() {
    let l = load("vrrp_script chk {\n interval 2\n}\n");
    assert!(error_located(
        &l,
        Some(1),
        "No script set for vrrp_script chk - removing"
    ));
    assert!(l.config.vrrp.scripts.is_empty());
}

#[test]
fn track_file_and_its_deprecated_name() {
    let l = load("track_file tf {\n file /tmp/tf\n weight -3 reverse\n init_file 5 overwrite\n}\nvrrp_track_file tf2 {\n file /tmp/tf2\n}\n");
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let f = &l.config.vrrp.track_files;
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].file, "/tmp/tf");
    assert_eq!((f[0].weight, f[0].weight_reverse), (-3, true));
    let init = f[0].init.unwrap();
    assert_eq!((init.value, init.overwrite), (5, true));
    assert_eq!(f[1].weight, 1, "weight defaults to 1");
    assert_eq!(f[1].init, None);
}

#[test]
fn vrrp_track_process_keywords_and_defaults() {
    let l = load("vrrp_track_process tp {\n process haproxy -f \"/etc/a b\"\n param_match partial\n weight 10 reverse\n quorum 2\n quorum_max 4\n delay 0.5\n full_command\n}\nvrrp_track_process tp2 {\n process sshd\n}\n");
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let p = &l.config.vrrp.track_processes[0];
    assert_eq!(p.process, ["haproxy", "-f", "/etc/a b"]);
    assert_eq!(p.param_match, Some(ParamMatch::Partial));
    assert_eq!(
        (p.weight, p.weight_reverse, p.quorum, p.quorum_max),
        (10, true, 2, Some(4))
    );
    assert_eq!(p.fork_delay, Duration::from_millis(500));
    assert_eq!(p.terminate_delay, Duration::from_millis(500));
    assert!(p.full_command);
    // keepalived's alloc_vrrp_process: weight 0 (a missing process is FAULT), quorum 1.
    let d = &l.config.vrrp.track_processes[1];
    assert_eq!(
        (d.weight, d.quorum, d.quorum_max, d.full_command),
        (0, 1, None, false)
    );
}

#[test]
fn vrrp_track_process_ranges() {
    let l = load("vrrp_track_process tp {\n process x\n weight 255\n quorum 0\n}\n");
    assert!(error_located(
        &l,
        Some(3),
        "Weight (255) for vrrp_track_process tp must be between [-254..254] inclusive. Ignoring..."
    ));
    assert!(error_located(
        &l,
        Some(4),
        "Quorum (0) for vrrp_track_process tp must be between [1..65535] inclusive. Ignoring..."
    ));
}

#[test]
fn instance_track_blocks_resolve_named_objects() {
    let before = "vrrp_script chk {\n script /bin/true\n weight 5\n}\ntrack_file tf {\n file /tmp/x\n}\nvrrp_track_process tp {\n process init\n}";
    let l = load(&with_instance(
        before,
        " track_script {\n  chk weight -10 reverse\n }\n track_file {\n  tf\n }\n track_process {\n  tp weight 2 noreverse\n }\n track_interface {\n  eth1\n  eth2 weight 20 reverse\n }",
    ));
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let v = &l.config.vrrp.instances[0];
    assert_eq!(v.track_scripts[0].name, "chk");
    assert_eq!(v.track_scripts[0].weight, Some(-10));
    assert_eq!(v.track_scripts[0].reverse, Some(true));
    assert_eq!(
        v.track_files[0].weight, None,
        "None means the file's own weight"
    );
    assert_eq!(v.track_processes[0].reverse, Some(false));
    assert_eq!(v.track_interfaces.len(), 2);
    assert_eq!(
        (v.track_interfaces[0].weight, v.track_interfaces[0].reverse),
        (0, false)
    );
    assert_eq!(
        (v.track_interfaces[1].weight, v.track_interfaces[1].reverse),
        (20, true)
    );
}

#[test]
fn tracked_objects_must_be_defined_before_use() {
    // keepalived resolves track_* names while parsing: later definitions do not count.
    let text = with_instance(
        "",
        " track_script {\n  chk\n }\n track_file {\n  tf\n }\n track_process {\n  tp\n }\n track_bfd {\n  bf\n }",
    ) + "vrrp_script chk {\n script /bin/true\n}\n";
    let l = load(&text);
    let at = |n| Some(line_of(&text, n));
    assert!(error_located(
        &l,
        at("  chk"),
        "(VI_1) track script chk not found, ignoring..."
    ));
    assert!(error_located(
        &l,
        at("  tf"),
        "(VI_1) track file tf not found, ignoring..."
    ));
    assert!(error_located(
        &l,
        at("  tp"),
        "(VI_1) track process tp not found, ignoring..."
    ));
    assert!(error_located(
        &l,
        at("  bf"),
        "(VI_1) track bfd bf not found, ignoring..."
    ));
    assert!(l.config.vrrp.instances[0].track_scripts.is_empty());
}

/// keepalived's VRRP process frees a bfd_instance whose events go to the checker process
/// only (`checker` without `vrrp`): a track_bfd naming it is not found.
#[test]
fn track_bfd_cannot_name_a_checker_only_bfd_instance() {
    let body = " track_bfd {\n  bf\n }";
    let bfd = |kw: &str| format!("bfd_instance bf {{\n neighbor_ip 10.0.0.9\n{kw}}}");
    let text = with_instance(&bfd(" checker\n"), body);
    let l = load(&text);
    assert!(error_located(
        &l,
        Some(line_of(&text, "  bf")),
        "(VI_1) track bfd bf not found, ignoring..."
    ));
    assert!(l.config.vrrp.instances[0].track_bfds.is_empty());
    for kw in ["", " vrrp\n", " checker\n vrrp\n"] {
        let l = load(&with_instance(&bfd(kw), body));
        assert_eq!(l.config.vrrp.instances[0].track_bfds.len(), 1, "{kw:?}");
    }
}

#[test]
fn track_weights_of_254_become_253() {
    let before = "vrrp_script chk {\n script /bin/true\n}";
    let text = with_instance(
        before,
        " track_script {\n  chk weight -254\n }\n track_interface {\n  eth1 weight 254\n }",
    );
    let l = load(&text);
    let msg = "weight for chk cannot be +/-254. Setting to +/-253";
    assert!(error_located(&l, Some(line_of(&text, "chk weight")), msg));
    let msg = "(VI_1) weight for eth1 cannot be +/-254. Setting to +/-253";
    assert!(error_located(&l, Some(line_of(&text, "eth1 weight")), msg));
    let v = &l.config.vrrp.instances[0];
    assert_eq!(v.track_scripts[0].weight, Some(-253));
    assert_eq!(v.track_interfaces[0].weight, 253);
}

#[test]
fn track_interface_errors() {
    let text = with_instance("", " track_interface {\n  eth8\n  eth1 weight 10 bogus\n }");
    let l = load(&text);
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.message.contains("eth8"))
        .unwrap();
    assert_eq!(d.class, ErrorClass::BadInterface);
    assert!(d
        .message
        .contains("(VI_1) tracked interface eth8 doesn't exist"));
    let msg = "(VI_1) unknown track_interace eth1 weight option bogus - ignoring";
    assert!(error_located(&l, Some(line_of(&text, "bogus")), msg));
}

#[test]
fn track_names_are_one_per_line() {
    let before = "track_file tf {\n file /tmp/x\n}\ntrack_file tf2 {\n file /tmp/y\n}";
    let text = with_instance(before, " track_file {\n  tf tf2\n }");
    let l = load(&text);
    let msg = "(VI_1) unknown track file option tf2 - ignoring";
    assert!(error_located(&l, Some(line_of(&text, "  tf tf2")), msg));
}

#[test]
fn garp_group_block() {
    let l = load("garp_group {\n garp_interval 0.1\n gna_interval 0.2\n interfaces {\n  eth0\n  eth1\n }\n}\n");
    assert!(problems(&l).is_empty(), "{:?}", problems(&l));
    let g = &l.config.vrrp.garp_groups[0];
    assert_eq!(g.garp_interval, Some(Duration::from_millis(100)));
    assert_eq!(g.gna_interval, Some(Duration::from_millis(200)));
    assert_eq!(g.interfaces, ["eth0", "eth1"]);
}

#[test]
fn track_group_names_instances_for_static_addresses() {
    let l = load("track_group TG {\n group {\n  VI_1\n }\n}\nstatic_ipaddress {\n 10.0.2.9/24 dev eth2 track_group TG\n 10.0.2.10/24 dev eth2 track_group NOPE\n}\n");
    assert_eq!(l.config.vrrp.track_groups[0].members, ["VI_1"]);
    assert_eq!(
        l.config.vrrp.static_addresses[0].track_group.as_deref(),
        Some("TG")
    );
    assert!(error_located(&l, Some(8), "track_group NOPE not found"));
    assert_eq!(problems(&l).len(), 1);
}

#[test]
fn track_options_follow_keepalived() {
    let before =
        "vrrp_script chk {\n script /bin/true\n}\nvrrp_track_process tp {\n process init\n}";
    let text = with_instance(
        before,
        " track_script {\n  chk weight 1 no_reverse\n  chk\n }\n track_process {\n  tp noreverse\n }\n track_interface {\n  eth1 reverse\n  eth2 weight 1 noreverse\n  eth1\n }",
    );
    let l = load(&text);
    let at = |n: &str| Some(line_of(&text, n));
    let msg = "(VI_1) unknown track_script chk weight option no_reverse - ignoring";
    assert!(error_located(&l, at("no_reverse"), msg));
    let msg = "(VI_1) duplicate track_script chk - ignoring";
    assert!(error_located(
        &l,
        Some(line_of(&text, "no_reverse") + 1),
        msg
    ));
    let msg = "(VI_1) unknown track process option noreverse - ignoring";
    assert!(error_located(&l, at("tp noreverse"), msg));
    let msg = "(VI_1) unknown track_interface eth1 option reverse - ignoring";
    assert!(error_located(&l, at("eth1 reverse"), msg));
    let msg = "(VI_1) unknown track_interace eth2 weight option noreverse - ignoring";
    assert!(error_located(&l, at("eth2 weight"), msg));
    let msg = "(VI_1) duplicate track_interface eth1 - ignoring";
    assert!(error_located(
        &l,
        Some(line_of(&text, "eth2 weight") + 1),
        msg
    ));
    let v = &l.config.vrrp.instances[0];
    assert_eq!(v.track_scripts.len(), 1);
    assert_eq!(
        v.track_processes.len(),
        1,
        "the entry stays, its options are ignored"
    );
    assert_eq!(v.track_interfaces.len(), 2);
}

#[test]
fn interface_up_down_delays_and_linkbeat_interfaces() {
    let l = load("linkbeat_interfaces {\n eth0\n eth9\n}\ninterface_up_down_delays {\n eth0 0.5\n eth1 1 2\n eth2 256\n eth9 1\n}\n");
    assert!(error_located(
        &l,
        Some(3),
        "unknown interface eth9 specified for linkbeat interface"
    ));
    assert!(error_located(
        &l,
        Some(8),
        "number '256' outside range [0, 255]"
    ));
    assert!(error_located(
        &l,
        Some(9),
        "unknown interface eth9 specified for up/down delay"
    ));
    assert_eq!(l.config.linkbeat_interfaces, ["eth0"]);
    let d = &l.config.vrrp.interface_delays;
    assert_eq!(d.len(), 2);
    assert_eq!(
        (d[0].down, d[0].up),
        (Duration::from_millis(500), Duration::ZERO),
        "keepalived's code: no up delay given means none"
    );
    assert_eq!(
        (d[1].down, d[1].up),
        (Duration::from_secs(1), Duration::from_secs(2))
    );
}

#[test]
fn track_file_and_process_errors() {
    let l = load("track_file tf {\n weight 3\n}\ntrack_file tf2 {\n file /tmp/x\n weight 300\n init_file abc\n}\nvrrp_track_process tp {\n weight 3\n}\nvrrp_track_process tp2 {\n process x\n quorum 3\n quorum_max 2\n param_match bogus\n}\n");
    assert!(error_located(
        &l,
        Some(1),
        "No file set for track_file tf - ignoring"
    ));
    assert!(error_located(
        &l,
        Some(6),
        "number '300' outside range [-254, 254]"
    ));
    assert!(error_located(
        &l,
        Some(7),
        "Unknown track file init option abc"
    ));
    assert!(error_located(
        &l,
        Some(9),
        "track process 'tp' process name not specified"
    ));
    assert!(error_located(
        &l,
        Some(15),
        "quorum_max is less than quorum - ignoring"
    ));
    assert!(error_located(
        &l,
        Some(16),
        "Invalid param_match type bogus - ignoring"
    ));
    let names: Vec<&str> = l
        .config
        .vrrp
        .track_files
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["tf2"]);
    let p = &l.config.vrrp.track_processes;
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].quorum, p[0].quorum_max), (3, None));
}

#[test]
fn garp_group_interface_errors() {
    let l = load("garp_group {\n garp_interval 0.1\n interface eth9\n}\ngarp_group {\n gna_interval 0.1\n}\n");
    let d = l.diagnostics.iter().next().unwrap();
    assert_eq!(d.class, ErrorClass::BadInterface);
    assert!(d
        .message
        .contains("WARNING - interface eth9 specified for garp_group doesn't exist"));
    assert_eq!(
        l.diagnostics.len(),
        1,
        "a group without interfaces is accepted"
    );
}
