//! `/tmp/keepalived_check.data`: what keepalived 2.2.7's checker process writes on SIGUSR1
//! (check_print.c `check_print_data` -> check_data.c `dump_data_check`): the global
//! definitions as a process other than VRRP prints them, the LVS topology
//! (virtual servers, sorry servers, real servers with their live state), the health
//! checkers queue and the BFDs the checkers track. Rendered from the configuration and the
//! checkers' loop's latest states ([`keepalived_check::PoolWatch`]).

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use keepalived_check::ipvs::sched_name;
use keepalived_check::pool::{real_weight, CheckerClass, CheckerState};
use keepalived_check::VirtualServerState;
use keepalived_conf::model::{
    CheckerKind, Config, HttpProtocol, IpFamily, LbKind, Protocol, RealServer, Scheduler,
    TunnelCsum, TunnelType, VirtualServer, VsAddress,
};

use super::fmt::reverse as reverse_word;
use super::{quote_command, timeval_with_date_usec_last, Lines, Timeval};

/// Where keepalived 2.2.7's checker process writes its data dump.
pub const CHECK_DATA_FILE: &str = "/tmp/keepalived_check.data";

/// IP_VS_VERSION_CODE of the kernel headers Debian's keepalived 2.2.7 is built with.
const LVS_VERSION: &str = "1.2.1";

/// Renders the checker process's data dump.
pub fn render_check_data(
    config: &Config,
    vss: &[VirtualServerState],
    checkers: &[CheckerState],
) -> String {
    let mut out = Lines(String::new());
    super::render_global_other_process(&mut out.0, &config.global);
    if !vss.is_empty() {
        out.line("------< LVS Topology >------");
        out.line(format!(" System is compiled with LVS v{LVS_VERSION}"));
        for v in vss {
            if let Some(conf) = config.lvs.virtual_servers.get(v.config_index) {
                virtual_server(&mut out, config, conf, v);
            }
        }
    }
    if !checkers.is_empty() {
        out.line("------< Health checkers >------");
        for c in checkers {
            checker(&mut out, config, vss, c);
        }
    }
    track_files(&mut out, config, vss, checkers);
    track_bfds(&mut out, vss, checkers);
    out.into_string()
}

/// keepalived's `format_decimal(val, 6)` of a duration in microseconds.
fn decimal(d: Duration) -> String {
    let us = d.as_micros();
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

fn on_off(b: bool) -> &'static str {
    if b {
        "ON"
    } else {
        "OFF"
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `dump_forwarding_method`; keepalived drops the prefix of GUE and GRE lines.
fn forwarding(out: &mut Lines, prefix: &str, kind: LbKind) {
    let f = "forwarding method = ";
    let csum = |c: TunnelCsum| match c {
        TunnelCsum::NoCsum => ", no checksum",
        TunnelCsum::Csum => ", checksum",
        TunnelCsum::RemCsum => ", remote checksum",
    };
    out.line(match kind {
        LbKind::Nat => format!("   {prefix}{f}NAT"),
        LbKind::Dr => format!("   {prefix}{f}DR"),
        LbKind::Tun(TunnelType::Ipip) => format!("   {prefix}{f}TUN, type = IPIP"),
        LbKind::Tun(TunnelType::Gue { port, csum: c }) => {
            format!("   {f}TUN, type = GUE, port = {port}{}", csum(c))
        }
        LbKind::Tun(TunnelType::Gre { csum: c }) => format!("   {f}TUN, type = GRE{}", csum(c)),
    });
}

fn protocol(config: &Config, vs: &VirtualServer) -> Option<Protocol> {
    let fwmark = keepalived_check::names::is_fwmark(vs, config);
    keepalived_check::names::vs_protocol(vs, fwmark)
}

fn script_line(out: &mut Lines, label: &str, s: &Option<keepalived_conf::model::Script>) {
    if let Some(s) = s {
        out.line(format!("{label} = {}, uid:gid 0:0", quote_command(&s.argv)));
    }
}

/// `dump_vs`.
fn virtual_server(out: &mut Lines, config: &Config, vs: &VirtualServer, v: &VirtualServerState) {
    out.line(" ------< Virtual server >------");
    match &vs.address {
        VsAddress::Group(_) => out.line(format!(" VS GROUP = {}", v.name)),
        VsAddress::Fwmark(m) => out.line(format!(" VS FWMARK = {m}")),
        VsAddress::Socket(a) => out.line(format!(" VS VIP = {}, VPORT = {}", a.ip(), a.port())),
    }
    if let Some(h) = &vs.virtualhost {
        out.line(format!("   VirtualHost = {h}"));
    }
    if let Some(n) = &vs.snmp_name {
        out.line(format!("   SNMP name = '{n}'"));
    }
    let v6 = match (&vs.address, vs.ip_family) {
        (VsAddress::Socket(a), _) => Some(a.is_ipv6()),
        (_, Some(f)) => Some(f == IpFamily::V6),
        _ => vs.real_servers.first().map(|r| r.address.is_ipv6()),
    };
    out.line(match v6 {
        Some(false) => "   Address family = inet",
        Some(true) => "   Address family = inet6",
        None => "   Address family = unknown",
    });
    let t = &vs.timing;
    out.line(format!(
        "   connection timeout = {}",
        decimal(t.connect_timeout.unwrap_or(Duration::from_secs(5)))
    ));
    out.line(format!("   delay_loop = {}", decimal(vs.delay_loop())));
    let sched = vs.scheduler.unwrap_or(Scheduler::Wlc);
    out.line(format!("   lvs_sched = {}", sched_name(sched)));
    out.line("   Hashed = disabled");
    let able = |b: bool| if b { "enabled" } else { "disabled" };
    let f = vs.sched_flags;
    match sched {
        Scheduler::Sh | Scheduler::Mh => {
            let n = sched_name(sched);
            out.line(format!("   {n}-port = {}", able(f.flag2)));
            out.line(format!("   {n}-fallback = {}", able(f.flag1)));
        }
        _ => {
            out.line(format!("   flag-1 = {}", able(f.flag1)));
            out.line(format!("   flag-2 = {}", able(f.flag2)));
            out.line(format!("   flag-3 = {}", able(f.flag3)));
        }
    }
    let proto = protocol(config, vs);
    out.line(format!(
        "   One packet scheduling = {}{}",
        able(vs.ops),
        if vs.ops && proto != Some(Protocol::Udp) {
            " (inactive due to not UDP)"
        } else {
            ""
        }
    ));
    if let Some(p) = vs.persistence_timeout.filter(|p| *p != 0) {
        out.line(format!("   persistence timeout = {p}"));
    }
    match vs.persistence_granularity {
        Some(IpAddr::V4(m)) => out.line(format!("   persistence granularity = {m}")),
        Some(IpAddr::V6(m)) => out.line(format!(
            "   persistence granularity = {}",
            u128::from(m).leading_ones()
        )),
        None => {}
    }
    out.line(match proto {
        Some(Protocol::Tcp) => "   protocol = TCP",
        Some(Protocol::Udp) => "   protocol = UDP",
        Some(Protocol::Sctp) => "   protocol = SCTP",
        None => "   protocol = none",
    });
    out.line(format!("   alpha is {}", on_off(t.alpha.unwrap_or(false))));
    out.line(format!("   omega is {}", on_off(vs.omega)));
    if let Some(r) = t.retry {
        out.line(format!("   Retry count = {r}"));
    }
    if let Some(d) = t.delay_before_retry {
        out.line(format!("   Retry delay = {}", decimal(d)));
    }
    if let Some(w) = t.warmup {
        out.line(format!("   Warmup = {}", decimal(w)));
    }
    out.line(format!(
        "   Inhibit on failure is {}",
        on_off(vs.inhibit_on_failure)
    ));
    out.line(format!(
        "   quorum = {}, hysteresis = {}",
        v.quorum, v.hysteresis
    ));
    script_line(out, "   Quorum up notify script", &vs.quorum_up);
    script_line(out, "   Quorum down notify script", &vs.quorum_down);
    if vs.ha_suspend {
        out.line("   Using HA suspend");
    }
    out.line(format!(
        "   Using smtp notification = {}",
        yes_no(v.smtp_alert)
    ));
    forwarding(out, "default ", vs.lb_kind.unwrap_or(LbKind::Nat));
    if let Some(s) = &v.sorry {
        let dup = vs.real_servers.iter().any(|r| r.address == s.addr);
        out.line(format!(
            "   sorry server {}= {}",
            if dup { "(duplicates rs) " } else { "" },
            s.name
        ));
        forwarding(out, "  ", s.lb_kind);
        out.line(format!("     Inhibit on failure is {}", on_off(s.inhibit)));
    }
    // keepalived's vs->alive: the service is in IPVS, from start-up on.
    out.line("   alive = 1");
    out.line(format!(
        "   quorum_state_up = {}",
        u8::from(v.quorum_state_up)
    ));
    out.line("   reloaded = 0");
    for (i, r) in v.rs.iter().enumerate() {
        if let Some(conf) = vs.real_servers.get(i) {
            real_server(out, config, vs, conf, r);
        }
    }
}

/// `dump_rs`.
fn real_server(
    out: &mut Lines,
    config: &Config,
    vs: &VirtualServer,
    conf: &RealServer,
    r: &keepalived_check::RealServerState,
) {
    out.line("   ------< Real server >------");
    out.line(format!(
        "   RIP = {}, RPORT = {}, WEIGHT = {} EFF WEIGHT = {}",
        r.addr.ip(),
        r.addr.port(),
        real_weight(r.effective_weight),
        r.effective_weight
    ));
    forwarding(out, "", r.lb_kind);
    let (rt, vt) = (&conf.timing, &vs.timing);
    let alpha = rt.alpha.or(vt.alpha).unwrap_or(false);
    out.line(format!("   Alpha is {}", on_off(alpha)));
    let timeout = rt
        .connect_timeout
        .or(vt.connect_timeout)
        .unwrap_or(Duration::from_secs(5));
    out.line(format!("   connection timeout = {}", decimal(timeout)));
    out.line(format!(
        "   connection limit range = {} -> {}",
        r.l_threshold, r.u_threshold
    ));
    let delay = rt.delay_loop.unwrap_or(vs.delay_loop());
    out.line(format!("   Delay loop = {}", decimal(delay)));
    if let Some(n) = rt.retry.or(vt.retry) {
        out.line(format!("   Retry count = {n}"));
    }
    if let Some(d) = rt.delay_before_retry.or(vt.delay_before_retry) {
        out.line(format!("   Retry delay = {}", decimal(d)));
    }
    if let Some(w) = rt.warmup.or(vt.warmup) {
        out.line(format!("   Warmup = {}", decimal(w)));
    }
    out.line(format!("   Inhibit on failure is {}", on_off(r.inhibit)));
    script_line(out, "     RS up notify script", &r.notify_up);
    script_line(out, "     RS down notify script", &r.notify_down);
    if let Some(h) = &conf.virtualhost {
        out.line(format!("    VirtualHost = '{h}'"));
    }
    if let Some(n) = &conf.snmp_name {
        out.line(format!("   SNMP name = {n}"));
    }
    out.line(format!(
        "   Using smtp notification = {}",
        yes_no(r.smtp_alert)
    ));
    out.line(format!("   initial weight = {}", r.iweight));
    out.line(format!("   effective weight = {}", r.effective_weight));
    out.line("   previous effective_weight = 0");
    out.line(format!("   alive = {}", u8::from(r.alive)));
    out.line(format!("   num failed checkers = {}", r.num_failed));
    out.line(format!("   RS set = {}", u8::from(r.set)));
    out.line("   reloaded = 0");
    tracked_files(out, config, conf);
    let bfds: Vec<&str> = conf
        .checkers
        .iter()
        .filter_map(|c| match &c.kind {
            CheckerKind::Bfd { name: Some(n), .. } => Some(n.as_str()),
            _ => None,
        })
        .collect();
    if !bfds.is_empty() {
        out.line("   Tracked BFDs");
        for b in bfds {
            out.line(format!("     {b}"));
        }
    }
}

/// `Tracked Files` of a real server (keepalived's dump_track_file_monitor_list): each
/// FILE_CHECK's track_file with the weight it applies.
fn tracked_files(out: &mut Lines, config: &Config, rs: &RealServer) {
    let files: Vec<String> = (rs.checkers.iter())
        .filter_map(|c| match &c.kind {
            CheckerKind::File(f) => {
                let file = config.vrrp.track_file(f.track_file.as_deref()?)?;
                let (weight, reverse) = if f.weight_given {
                    (f.weight, f.reverse)
                } else {
                    (file.weight, file.weight_reverse || f.reverse)
                };
                Some(format!(
                    "     {}, weight {weight}{}",
                    file.name,
                    reverse_word(reverse)
                ))
            }
            _ => None,
        })
        .collect();
    if !files.is_empty() {
        out.line("   Tracked Files");
        for f in files {
            out.line(f);
        }
    }
}

fn us(d: Duration) -> u128 {
    d.as_micros()
}

/// `dump_checker` and the checker type's own dump function.
fn checker(out: &mut Lines, config: &Config, vss: &[VirtualServerState], c: &CheckerState) {
    let Some(v) = vss.get(c.vs) else { return };
    let Some(r) = v.rs.get(c.rs) else { return };
    let conf = checker_conf(config, vss, c);
    out.line(format!(" {} -> {}", v.name, r.name));
    out.line(format!("   Enabled = {}", yes_no(c.enabled)));
    out.line(format!("   Up = {}", yes_no(c.is_up)));
    out.line(format!("   Has run = {}", yes_no(c.has_run)));
    out.line(format!("   Current weight = {}", c.cur_weight));
    let t = &c.timing;
    let is_file = matches!(c.class, CheckerClass::File { .. });
    if !is_file {
        out.line(format!("   Alpha = {}", yes_no(t.alpha)));
        out.line(format!("   Delay loop = {} us", us(t.delay_loop)));
        out.line(format!("   Warmup = {} us", us(t.warmup)));
        out.line(format!("   Retries = {}", t.retry));
        if t.retry != 0 {
            out.line(format!(
                "   Delay before retry = {} us",
                us(t.delay_before_retry)
            ));
            out.line(format!("   Retries iterations = {}", c.retry_it));
        }
        let default_dbr = match conf.map(|k| &k.kind) {
            Some(CheckerKind::Http(_) | CheckerKind::Ssl(_)) => 3_000_000,
            Some(CheckerKind::Dns(_)) => 0,
            _ => 1_000_000,
        };
        out.line(format!("   Default delay before retry = {default_dbr} us"));
    }
    out.line(format!(
        "   Log all failures = {}",
        yes_no(t.log_all_failures)
    ));
    if let Some(co) = &c.conn {
        out.line("   Connection");
        out.line(format!("     Dest = {}", pair(co.dst)));
        if let Some(b) = co.bind {
            out.line(format!("     Bind to = {}", pair(b)));
        }
        if let Some(i) = &co.bind_if {
            out.line(format!("     Bind i/f = {i}"));
        }
        if let Some(m) = co.fwmark.filter(|m| *m != 0) {
            out.line(format!("     Mark = {m}"));
        }
        out.line(format!("     Timeout = {:.6}", co.timeout.as_secs_f64()));
    }
    let Some(conf) = conf else { return };
    kind(out, config, &conf.kind, c);
}

/// `inet_sockaddrtopair`: `[ADDR]:PORT`.
fn pair(a: std::net::SocketAddr) -> String {
    format!("[{}]:{}", a.ip(), a.port())
}

/// The checker type's dump function (dump_tcp_check, dump_http_check, ...).
fn kind(out: &mut Lines, config: &Config, k: &CheckerKind, c: &CheckerState) {
    match k {
        CheckerKind::Tcp => out.line("   Keepalive method = TCP_CHECK"),
        CheckerKind::Ping => out.line("   Keepalive method = PING_CHECK"),
        CheckerKind::Http(h) | CheckerKind::Ssl(h) => {
            let proto = if matches!(k, CheckerKind::Http(_)) {
                "HTTP"
            } else {
                "SSL"
            };
            let version = match h.http_protocol {
                HttpProtocol::Http10 => "1.0",
                HttpProtocol::Http10Close => "1.0C",
                HttpProtocol::Http11 => "1.1",
            };
            out.line(format!(
                "   Keepalive method = {proto}_GET, http protocol {version}"
            ));
            if let Some(vh) = &h.virtualhost {
                out.line(format!("   Virtualhost = {vh}"));
            }
            out.line(format!(
                "   Enable SNI {}set",
                if h.enable_sni { "" } else { "un" }
            ));
            out.line(format!(
                "   Fast recovery {}set",
                if h.fast_recovery { "" } else { "un" }
            ));
            for u in &h.urls {
                url(out, u);
            }
            if let Some(f) = c.failed_url.and_then(|i| h.urls.get(i)) {
                out.line(format!(
                    "   Failed URL = {}",
                    f.path.as_deref().unwrap_or("")
                ));
            }
        }
        CheckerKind::Smtp { helo_name, .. } => {
            out.line("   Keepalive method = SMTP_CHECK");
            let helo = helo_name
                .clone()
                .or_else(|| config.global.smtp_helo_name.clone())
                .unwrap_or_else(|| keepalived_check::probe::smtp::DEFAULT_HELO.to_owned());
            out.line(format!("   helo = {helo}"));
        }
        CheckerKind::Dns(d) => {
            out.line("   Keepalive method = DNS_CHECK");
            out.line(format!("   Type = {:?}", d.qtype).to_uppercase());
            out.line(format!("   Name = {}", d.name));
        }
        CheckerKind::Udp(u) => {
            out.line("   Keepalive method = UDP_CHECK");
            if u.payload.is_empty() {
                out.line("   Payload specified = no");
            } else {
                out.line(format!("   Payload len = {}", u.payload.len()));
            }
            out.line(format!("   Require reply = {}", yes_no(u.require_reply)));
            if u.require_reply {
                out.line(format!(
                    "     Min reply length = {}",
                    u.min_reply_length.unwrap_or(0)
                ));
                out.line(format!(
                    "     Max reply length = {}",
                    u.max_reply_length.unwrap_or(0)
                ));
                let data = u.reply_pattern.as_ref();
                out.line(format!(
                    "     Reply data len = {}",
                    data.map_or(0, |(d, _)| d.len())
                ));
                if let Some((_, mask)) = data {
                    let masked = mask.iter().any(|b| *b != 0xff);
                    out.line(format!("     Reply data mask = {}", yes_no(masked)));
                }
            }
        }
        CheckerKind::Misc(m) => {
            out.line("   Keepalive method = MISC_CHECK");
            let argv = m.script.as_ref().map(|s| s.argv.as_slice()).unwrap_or(&[]);
            out.line(format!("   script = {}", quote_command(argv)));
            out.line(format!(
                "   timeout = {}",
                m.timeout.map_or(0, |t| t.as_secs())
            ));
            out.line(format!(
                "   dynamic = {}",
                if m.dynamic { "YES" } else { "NO" }
            ));
            out.line("   uid:gid = 0:0");
            let tv = c.last_ran.map_or(Timeval { sec: 0, usec: 0 }, |t| {
                let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
                Timeval {
                    sec: d.as_secs() as i64,
                    usec: i64::from(d.subsec_micros()),
                }
            });
            out.line(format!("   Last ran = {}", timeval_with_date_usec_last(tv)));
            out.line(format!("   Last status = {}", c.last_exit.unwrap_or(0)));
        }
        CheckerKind::File(f) => {
            out.line("   Keepalive method = FILE_CHECK");
            let file = f
                .track_file
                .as_deref()
                .and_then(|n| config.vrrp.track_file(n))
                .map(|t| t.name.clone())
                .unwrap_or_default();
            out.line(format!("     Tracked file = {file}"));
            out.line("     Reloaded = No");
        }
        CheckerKind::Bfd { name, .. } => {
            out.line("   Keepalive method = BFD_CHECK");
            out.line(format!("   Name = {}", name.as_deref().unwrap_or("")));
            out.line(format!("   Alpha is {}", on_off(c.timing.alpha)));
        }
    }
}

/// `dump_url`.
fn url(out: &mut Lines, u: &keepalived_conf::model::Url) {
    out.line(format!(
        "   Checked url = {}",
        u.path.as_deref().unwrap_or("")
    ));
    if let Some(d) = u.digest {
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        out.line(format!("     digest = {hex}"));
    }
    out.line("     HTTP Status Code(s)");
    let ranges: Vec<(u16, u16)> = if u.status_codes.is_empty() {
        vec![(200, 299)]
    } else {
        u.status_codes.clone()
    };
    for (lo, hi) in ranges {
        if lo == hi {
            out.line(format!("       {lo}"));
        } else {
            out.line(format!("       {lo}-{hi}"));
        }
    }
    if let Some(vh) = &u.virtualhost {
        out.line(format!("     Virtual host = {vh}"));
    }
    if let Some(re) = &u.regex {
        out.line(format!("     Regex = \"{re}\""));
        if u.regex_no_match {
            out.line("     Regex no match");
        }
    }
}

/// `------< Checker track files >------` (keepalived's dump_track_file_list of the checker
/// process): the track_files some FILE_CHECK follows, in declaration order, each with its
/// last value and the checkers on it (dump_tracking_rs).
fn track_files(
    out: &mut Lines,
    config: &Config,
    vss: &[VirtualServerState],
    checkers: &[CheckerState],
) {
    let tracking = |name: &str| -> Vec<&CheckerState> {
        (checkers.iter())
            .filter(|c| checker_conf(config, vss, c).is_some_and(|k| file_of(k) == Some(name)))
            .collect()
    };
    let files: Vec<_> = (config.vrrp.track_files.iter())
        .map(|f| (f, tracking(&f.name)))
        .filter(|(_, on)| !on.is_empty())
        .collect();
    if files.is_empty() {
        return;
    }
    out.line("------< Checker track files >------");
    for (f, on) in files {
        out.line(format!(" Track file = {}", f.name));
        // keepalived shows the path realpath(3) resolved at start.
        let path = std::fs::canonicalize(&f.file)
            .map_or_else(|_| f.file.clone(), |p| p.display().to_string());
        out.line(format!("   File = {path}"));
        out.line(format!("   Status = {}", on[0].file_value));
        out.line(format!(
            "   Weight = {}{}",
            f.weight,
            reverse_word(f.weight_reverse)
        ));
        out.line("   Tracking instances :");
        for c in on {
            let (Some(v), CheckerClass::File { weight, reverse }) = (vss.get(c.vs), &c.class)
            else {
                continue;
            };
            let Some(r) = v.rs.get(c.rs) else { continue };
            out.line(format!(
                "     {} -> {}, weight {weight}{}",
                v.name,
                r.name,
                reverse_word(*reverse)
            ));
        }
    }
}

/// The configured checker behind `c`.
fn checker_conf<'a>(
    config: &'a Config,
    vss: &[VirtualServerState],
    c: &CheckerState,
) -> Option<&'a keepalived_conf::model::Checker> {
    let v = vss.get(c.vs)?;
    config
        .lvs
        .virtual_servers
        .get(v.config_index)?
        .real_servers
        .get(c.rs)?
        .checkers
        .get(c.source)
}

/// The track_file a FILE_CHECK follows.
fn file_of(k: &keepalived_conf::model::Checker) -> Option<&str> {
    match &k.kind {
        CheckerKind::File(f) => f.track_file.as_deref(),
        _ => None,
    }
}

/// `------< Checker track BFDs >------`: every bfd_instance a BFD_CHECK follows, with the
/// real servers that track it.
fn track_bfds(out: &mut Lines, vss: &[VirtualServerState], checkers: &[CheckerState]) {
    let mut names: Vec<(&str, Vec<String>)> = Vec::new();
    for c in checkers {
        let CheckerClass::Bfd { name } = &c.class else {
            continue;
        };
        let Some(rs) = vss.get(c.vs).and_then(|v| v.rs.get(c.rs)) else {
            continue;
        };
        match names.iter_mut().find(|(n, _)| *n == name.as_str()) {
            Some((_, list)) => list.push(rs.name.clone()),
            None => names.push((name.as_str(), vec![rs.name.clone()])),
        }
    }
    if names.is_empty() {
        return;
    }
    out.line("------< Checker track BFDs >------");
    for (name, rss) in names {
        out.line(format!(" Checker Track BFD = {name}"));
        out.line("   Tracking RS :");
        for r in rss {
            out.line(format!("   {r}"));
        }
    }
}
