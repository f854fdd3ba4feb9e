//! `/tmp/keepalived.json`: keepalived 2.2.7's streaming JSON writer, byte for byte
//! (no spaces, `/` escaped as `\/`, a trailing newline).

use super::fmt::{c_g, format_vip};
use super::model::{AuthDump, InstanceDump, NotifyScriptDump, Snapshot, StatsDump, VipDump};

/// A copy of keepalived's `json_writer` (non-pretty mode).
#[derive(Default)]
struct Writer {
    out: String,
    /// Whether the next element needs a comma before it.
    comma: bool,
}

impl Writer {
    fn eor(&mut self) {
        if self.comma {
            self.out.push(',');
        }
        self.comma = true;
    }

    fn puts(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '\t' => self.out.push_str("\\t"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\u{c}' => self.out.push_str("\\f"),
                '\u{8}' => self.out.push_str("\\b"),
                // keepalived 2.2.7 writes a backslash as `\n` (a bug we keep: readers
                // of its files see the same bytes).
                '\\' => self.out.push_str("\\n"),
                '"' => self.out.push_str("\\\""),
                '/' => self.out.push_str("\\/"),
                // keepalived writes other control characters raw, which is not JSON;
                // we escape them so the file always parses.
                c if u32::from(c) < 0x20 => {
                    self.out.push_str(&format!("\\u{:04x}", u32::from(c)));
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn begin(&mut self, c: char) {
        self.eor();
        self.out.push(c);
        self.comma = false;
    }

    fn end(&mut self, c: char) {
        self.out.push(c);
        self.comma = true;
    }

    fn name(&mut self, n: &str) {
        self.eor();
        self.comma = false;
        self.puts(n);
        self.out.push(':');
    }

    fn raw(&mut self, v: &str) {
        self.eor();
        self.out.push_str(v);
    }

    fn string(&mut self, v: &str) {
        self.eor();
        self.puts(v);
    }

    fn str_field(&mut self, n: &str, v: &str) {
        self.name(n);
        self.string(v);
    }

    fn uint_field(&mut self, n: &str, v: u64) {
        self.name(n);
        self.raw(&v.to_string());
    }

    fn bool_field(&mut self, n: &str, v: bool) {
        self.name(n);
        self.raw(if v { "true" } else { "false" });
    }

    fn float_field(&mut self, n: &str, v: f64) {
        self.name(n);
        self.raw(&c_g(v));
    }

    fn array(&mut self, n: &str, items: &[String]) {
        if items.is_empty() {
            return;
        }
        self.name(n);
        self.begin('[');
        for i in items {
            self.string(i);
        }
        self.end(']');
    }
}

fn secs(us: u64) -> f64 {
    us as f64 / 1_000_000.0
}

fn vips(list: &[VipDump]) -> Vec<String> {
    list.iter().map(format_vip).collect()
}

fn script(w: &mut Writer, n: &str, s: &Option<NotifyScriptDump>) {
    if let Some(s) = s {
        w.str_field(n, &s.cmd);
    }
}

fn data(w: &mut Writer, v: &InstanceDump) {
    w.name("data");
    w.begin('{');
    w.str_field("iname", &v.name);
    w.uint_field("dont_track_primary", u64::from(v.dont_track_primary));
    w.uint_field("skip_check_adv_addr", u64::from(v.skip_check_adv_addr));
    w.uint_field("strict_mode", u64::from(v.strict_mode));
    w.str_field(
        "vmac_ifname",
        v.vmac
            .as_ref()
            .map(|m| m.ifname.as_str())
            .or(v.ipvlan.as_ref().map(|i| i.ifname.as_str()))
            .unwrap_or(""),
    );
    // keepalived writes no ifp_ifname for an instance without interface.
    if !v.interface.is_empty() {
        w.str_field("ifp_ifname", &v.interface);
    }
    w.uint_field("master_priority", u64::from(v.master_priority));
    w.name("last_transition");
    let lt = v.last_transition.sec as f64 + v.last_transition.usec as f64 / 1_000_000.0;
    w.raw(&format!("{lt:.6}"));
    w.float_field("garp_delay", f64::from(v.garp_delay));
    w.uint_field("garp_refresh", u64::from(v.garp_refresh));
    w.uint_field("garp_rep", u64::from(v.garp_rep));
    w.uint_field("garp_refresh_rep", u64::from(v.garp_refresh_rep));
    w.uint_field("garp_lower_prio_delay", u64::from(v.garp_lower_prio_delay));
    w.uint_field("garp_lower_prio_rep", u64::from(v.garp_lower_prio_rep));
    w.uint_field("lower_prio_no_advert", u64::from(v.lower_prio_no_advert));
    w.uint_field(
        "higher_prio_send_advert",
        u64::from(v.higher_prio_send_advert),
    );
    w.uint_field("vrid", u64::from(v.vrid));
    w.uint_field("base_priority", u64::from(v.base_priority));
    w.uint_field("effective_priority", u64::from(v.effective_priority));
    w.bool_field("vipset", v.vipset);
    w.bool_field("promote_secondaries", v.promote_secondaries);
    w.float_field("adver_int", secs(v.adver_int_us));
    w.float_field("master_adver_int", secs(v.master_adver_int_us));
    w.uint_field("accept", u64::from(v.accept));
    w.bool_field("nopreempt", v.nopreempt);
    w.uint_field("preempt_delay", v.preempt_delay_us / 1_000_000);
    w.uint_field("state", u64::from(v.state.number()));
    w.uint_field("wantstate", u64::from(v.wantstate.number()));
    w.uint_field("version", u64::from(v.version.number()));
    w.bool_field("smtp_alert", v.smtp_alert);
    w.bool_field("notify_deleted", v.notify_deleted);
    let s = &v.scripts;
    script(w, "script_backup", &s.backup);
    script(w, "script_master", &s.master);
    script(w, "script_fault", &s.fault);
    script(w, "script_stop", &s.stop);
    script(w, "script_deleted", &s.deleted);
    script(w, "script", &s.generic);
    script(w, "script_master_rx_lower_pri", &s.master_rx_lower_pri);
    w.array("vips", &vips(&v.vips));
    w.array("evips", &vips(&v.evips));
    w.array("vroutes", &v.vroutes);
    w.array("vrules", &v.vrules);
    let ifs: Vec<String> = v.track_interfaces.iter().map(|t| t.name.clone()).collect();
    w.array("track_ifp", &ifs);
    let scs: Vec<String> = v.track_scripts.iter().map(|t| t.cmd.clone()).collect();
    w.array("track_script", &scs);
    match &v.auth {
        AuthDump::None => w.uint_field("auth_type", 0),
        AuthDump::Pass(p) => {
            w.uint_field("auth_type", 1);
            w.str_field("auth_data", p);
        }
        AuthDump::Ah(p) => {
            w.uint_field("auth_type", 2);
            w.str_field("auth_data", p);
        }
    }
    w.end('}');
}

fn stats(w: &mut Writer, s: &StatsDump) {
    w.name("stats");
    w.begin('{');
    for (n, v) in [
        ("advert_rcvd", s.advert_rcvd),
        ("advert_sent", s.advert_sent),
        ("become_master", s.become_master),
        ("release_master", s.release_master),
        ("packet_len_err", s.packet_len_err),
        ("advert_interval_err", s.advert_interval_err),
        ("ip_ttl_err", s.ip_ttl_err),
        ("invalid_type_rcvd", s.invalid_type_rcvd),
        ("addr_list_err", s.addr_list_err),
        ("invalid_authtype", s.invalid_authtype),
        ("authtype_mismatch", s.authtype_mismatch),
        ("auth_failure", s.auth_failure),
        ("pri_zero_rcvd", s.pri_zero_rcvd),
        ("pri_zero_sent", s.pri_zero_sent),
    ] {
        w.uint_field(n, v);
    }
    w.end('}');
}

/// Renders keepalived 2.2.7's JSON file: `[{"data":{...},"stats":{...}},...]` and a
/// newline.
pub fn render_json(snap: &Snapshot) -> String {
    let mut w = Writer::default();
    let v2 = snap.json_version == 2;
    if v2 {
        // keepalived 2.3.4's vrrp_json_dump with json_version 2.
        w.begin('{');
        w.name("vrrp");
    }
    w.begin('[');
    for v in &snap.instances {
        w.begin('{');
        data(&mut w, v);
        stats(&mut w, &v.stats);
        w.end('}');
    }
    w.end(']');
    if v2 {
        w.end('}');
    }
    w.out.push('\n');
    w.out
}
