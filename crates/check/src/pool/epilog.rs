//! What a checker's result does: keepalived's per-checker epilogs (`tcp_epilog`,
//! `epilog`/`timeout_epilog` of HTTP, `misc_check_child_thread`, `dns_final`, the tracked
//! file update), with their log lines.

use std::time::Duration;

use super::{CheckerClass, Pool, IPVS_WEIGHT_FAULT};
use crate::ipvs::Ipvs;

/// A checker's result, reported to the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// TCP, UDP, PING, SMTP or DNS: success, or failure with the line logged for it (the
    /// per-failure line of `log_all_failures`; for SMTP and DNS the reason).
    Probe(Result<(), String>),
    /// One url of HTTP_GET/SSL_GET.
    Http(HttpResult),
    /// The MISC_CHECK script ended.
    Misc(MiscResult),
    /// The tracked file of a FILE_CHECK holds this value.
    File(i64),
    /// The BFD session of a BFD_CHECK is Up (true) or Down.
    Bfd(bool),
}

/// The result of fetching one url.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpResult {
    /// Good; `what` is keepalived's word for the test that passed ("HTTP status code", "MD5
    /// digest", "Regex match") and `path` the url.
    Success {
        /// The test that passed.
        what: &'static str,
        /// The url path.
        path: String,
    },
    /// Failed, with keepalived's reason ("Timeout connecting", "HTTP status code error to").
    Failure(String),
}

/// How a MISC_CHECK script ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MiscResult {
    /// It exited with this status.
    Exited(u32),
    /// A signal ended it.
    Signaled(i32),
    /// It ran past misc_timeout and was killed.
    TimedOut,
}

/// When and what to check next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Next {
    /// The wait before the next check.
    pub delay: Duration,
    /// HTTP: the url to fetch next.
    pub url: usize,
    /// The wait counts from the start of the last check (MISC_CHECK), not its end.
    pub from_start: bool,
}

impl Next {
    fn after(delay: Duration) -> Next {
        Next {
            delay,
            url: 0,
            from_start: false,
        }
    }
}

impl Pool {
    /// Applies checker `ck`'s result and says when it runs next.
    pub fn report(&mut self, ipvs: &mut dyn Ipvs, ck: usize, report: Report) -> Next {
        if ck >= self.checkers.len() {
            return Next::after(Duration::from_secs(60));
        }
        match report {
            Report::Probe(r) => self.probe_epilog(ipvs, ck, r),
            Report::Http(r) => self.http_epilog(ipvs, ck, r),
            Report::Misc(r) => self.misc_epilog(ipvs, ck, r),
            Report::File(v) => {
                self.file_update(ipvs, ck, v);
                Next::after(Duration::from_secs(1))
            }
            Report::Bfd(up) => {
                self.bfd_update(ipvs, ck, up);
                Next::after(Duration::from_secs(60))
            }
        }
    }

    /// keepalived's `bfd_check_handle_event` for one checker: a state the checker already
    /// has (once it has run) changes nothing; otherwise the line, the verdict, and the mail
    /// when the checker's state changed.
    fn bfd_update(&mut self, ipvs: &mut dyn Ipvs, ck: usize, up: bool) {
        let c = self.checkers[ck].clone();
        let CheckerClass::Bfd { name } = &c.class else {
            return;
        };
        if up == c.is_up && c.has_run {
            return;
        }
        let (rs, _) = self.names(ck);
        let word = if up { "UP" } else { "DOWN" };
        self.info(format!("BFD check of [{name}] RS({rs}) is {word}"));
        let rs_was_alive = self.vss[c.vs].rs[c.rs].alive;
        self.update_svr_checker_state(ipvs, ck, up);
        if up != c.is_up {
            let verdict = if up { "succeeded" } else { "failed" };
            let body = format!("=> BFD CHECK {name} {verdict} on service <=");
            self.alert(ck, rs_was_alive, Some(&body));
        }
    }

    fn names(&self, ck: usize) -> (String, String) {
        let c = &self.checkers[ck];
        let v = &self.vss[c.vs];
        (v.rs[c.rs].name.clone(), v.name.clone())
    }

    /// keepalived's `smtp_alert(SMTP_MSG_RS, checker, ...)` after a verdict that changed the
    /// checker: sent when the real server's `smtp_alert` is on and either the real server
    /// changed state or `no_checker_emails` is off.
    fn alert(&mut self, ck: usize, rs_was_alive: bool, body: Option<&str>) {
        let Some(body) = body else { return };
        let c = &self.checkers[ck];
        let v = &self.vss[c.vs];
        let r = &v.rs[c.rs];
        if r.smtp_alert && (rs_was_alive != r.alive || !self.no_checker_emails) {
            let alert = super::CheckerAlert {
                rs: Some(r.name.clone()),
                vs: v.name.clone(),
                up: r.alive,
                body: body.to_owned(),
            };
            self.alerts.push(alert);
        }
    }

    /// `tcp_epilog` and its UDP, ICMP, SMTP and DNS twins.
    fn probe_epilog(&mut self, ipvs: &mut dyn Ipvs, ck: usize, r: Result<(), String>) -> Next {
        let (chk, vs) = self.names(ck);
        let c = self.checkers[ck].clone();
        let t = c.timing;
        if let Err(line) = &r {
            let per_failure = !matches!(c.class, CheckerClass::Smtp | CheckerClass::Dns);
            if c.is_up && t.log_all_failures && per_failure {
                self.info(line.clone());
            }
        }
        let delay;
        if r.is_ok() || c.retry_it >= t.retry {
            delay = t.delay_loop;
            self.checkers[ck].retry_it = 0;
            match &r {
                Ok(()) if !c.is_up || !c.has_run => {
                    let line = match c.class {
                        CheckerClass::Tcp => Some(format!("TCP connection to {chk} success.")),
                        CheckerClass::Udp => Some(format!("UDP connection to {chk} success.")),
                        CheckerClass::Ping => Some(format!("ICMP connection to {chk} success.")),
                        CheckerClass::Smtp => {
                            Some(format!("Remote SMTP server {chk} succeed on service."))
                        }
                        _ => None,
                    };
                    if let Some(l) = line {
                        self.info(l);
                    }
                    let rs_was_alive = self.vss[c.vs].rs[c.rs].alive;
                    self.update_svr_checker_state(ipvs, ck, true);
                    if !c.is_up {
                        self.alert(ck, rs_was_alive, probe_mail(&c.class, true));
                    }
                }
                Err(reason) if c.is_up || !c.has_run => {
                    let after = (t.retry > 0 && c.has_run).then_some(t.retry);
                    self.info(final_failure(&c.class, &chk, &vs, reason, after));
                    let rs_was_alive = self.vss[c.vs].rs[c.rs].alive;
                    self.update_svr_checker_state(ipvs, ck, false);
                    if c.is_up {
                        // check_smtp.c's smtp_final: the failure's own words in the body.
                        let body = match c.class {
                            CheckerClass::Smtp => {
                                Some(format!("=> CHECK failed on service : {reason} <="))
                            }
                            _ => probe_mail(&c.class, false).map(str::to_owned),
                        };
                        self.alert(ck, rs_was_alive, body.as_deref());
                    }
                }
                _ => {}
            }
        } else {
            if let (Err(reason), CheckerClass::Dns) = (&r, &c.class) {
                if c.is_up && t.log_all_failures {
                    self.info(format!("DNS_CHECK ({chk}) {reason}"));
                }
            }
            delay = t.delay_before_retry;
            self.checkers[ck].retry_it += 1;
        }
        self.checkers[ck].has_run = true;
        Next::after(delay)
    }

    /// HTTP_GET/SSL_GET: `timeout_epilog` and `epilog`, one url at a time.
    fn http_epilog(&mut self, ipvs: &mut dyn Ipvs, ck: usize, r: HttpResult) -> Next {
        let (chk, _) = self.names(ck);
        let CheckerClass::Http {
            urls,
            fast_recovery,
        } = self.checkers[ck].class
        else {
            return Next::after(self.checkers[ck].timing.delay_loop);
        };
        let c = self.checkers[ck].clone();
        let t = c.timing;
        #[derive(PartialEq)]
        enum Method {
            New,
            Retry,
            Failed,
        }
        let method = match &r {
            HttpResult::Success { what, path } => {
                if !c.is_up {
                    self.info(format!("{what} success to {chk} url({path})"));
                }
                Method::New
            }
            HttpResult::Failure(msg) => {
                if c.is_up || !c.has_run {
                    if t.log_all_failures {
                        self.info(format!("{msg} server {chk}."));
                    }
                    self.checkers[ck].has_run = true;
                    Method::Retry
                } else {
                    Method::Failed
                }
            }
        };
        match method {
            Method::New => {
                let next = self.checkers[ck].url_it + 1;
                self.checkers[ck].url_it = next;
                self.checkers[ck].retry_it = 0;
                let c = self.checkers[ck].clone();
                if next >= urls && c.failed_url.is_none() {
                    if !c.is_up || !c.has_run {
                        self.info(format!("Remote Web server {chk} succeed on service."));
                        let rs_was_alive = self.vss[c.vs].rs[c.rs].alive;
                        self.update_svr_checker_state(ipvs, ck, true);
                        if !c.is_up {
                            self.alert(ck, rs_was_alive, Some("=> CHECK succeed on service <="));
                        }
                        self.checkers[ck].has_run = true;
                    }
                    self.checkers[ck].url_it = 0;
                } else if c.failed_url.is_some() {
                    self.checkers[ck].failed_url = None;
                    self.checkers[ck].url_it = 0;
                }
            }
            Method::Retry => {
                self.checkers[ck].retry_it += 1;
                let c = self.checkers[ck].clone();
                if c.retry_it > t.retry {
                    if c.is_up || !c.has_run {
                        self.info(if c.has_run && t.retry > 0 {
                            format!(
                                "HTTP_CHECK on service {chk} failed after {} retries.",
                                c.retry_it - 1
                            )
                        } else {
                            format!("HTTP_CHECK on service {chk} failed.")
                        });
                        let rs_was_alive = self.vss[c.vs].rs[c.rs].alive;
                        self.update_svr_checker_state(ipvs, ck, false);
                        if c.is_up {
                            let body = "=> CHECK failed on service : HTTP request failed <=";
                            self.alert(ck, rs_was_alive, Some(body));
                        }
                    }
                    self.checkers[ck].failed_url = Some(c.url_it);
                }
            }
            Method::Failed => {}
        }
        let c = self.checkers[ck].clone();
        let delay = if method == Method::New {
            if !c.has_run {
                self.checkers[ck].retry_it = t.retry;
            }
            t.delay_loop
        } else if c.failed_url.is_some() {
            t.delay_before_retry.max(t.delay_loop)
        } else {
            t.delay_before_retry
        };
        let fast = fast_recovery && (!c.has_run || (!c.is_up && c.failed_url.is_none()));
        Next {
            delay: if fast { Duration::ZERO } else { delay },
            url: c.url_it.min(urls.saturating_sub(1)),
            from_start: false,
        }
    }

    /// `misc_check_child_thread`.
    fn misc_epilog(&mut self, ipvs: &mut dyn Ipvs, ck: usize, r: MiscResult) -> Next {
        let (chk, vs) = self.names(ck);
        let c = self.checkers[ck].clone();
        let CheckerClass::Misc { dynamic, path } = &c.class else {
            return Next::after(c.timing.delay_loop);
        };
        let t = c.timing;
        let mut exit_type: Option<&str> = None;
        let mut reason: Option<(&str, i64)> = None;
        let mut success = false;
        let mut message_only = false;
        let mut fail = |this: &mut Pool, ty: &'static str| {
            exit_type = Some(ty);
            if this.checkers[ck].retry_it < t.retry {
                this.checkers[ck].retry_it += 1;
                if t.log_all_failures {
                    message_only = true;
                } else {
                    exit_type = None;
                }
            } else {
                this.checkers[ck].retry_it = 0;
            }
        };
        match r {
            MiscResult::Exited(status)
                if status == 0 || (*dynamic && (2..=255).contains(&status)) =>
            {
                let weight = if status >= 2 {
                    i64::from(status) - 2
                } else {
                    self.vss[c.vs].rs[c.rs].iweight
                };
                if c.last_exit != Some(status) {
                    self.update_svr_wgt(ipvs, c.vs, c.rs, weight);
                    self.checkers[ck].last_exit = Some(status);
                }
                if !c.is_up || !c.has_run {
                    exit_type = Some("succeeded");
                    success = true;
                }
                self.checkers[ck].retry_it = 0;
            }
            MiscResult::Exited(status) => {
                if c.is_up || !c.has_run {
                    reason = Some(("exited with status", i64::from(status)));
                    fail(self, "failed");
                    if self.checkers[ck].retry_it == 0 && exit_type.is_some() && !message_only {
                        self.checkers[ck].last_exit = Some(status);
                    }
                }
            }
            MiscResult::Signaled(sig) => {
                if c.is_up || !c.has_run {
                    reason = Some(("due to signal", i64::from(sig)));
                    fail(self, "failed");
                }
            }
            MiscResult::TimedOut => {
                if c.is_up || !c.has_run {
                    fail(self, "timed out");
                }
            }
        }
        if let Some(ty) = exit_type {
            // keepalived's wording: retry_it is 1 after the scheduled check failed, more
            // after a retry failed, 0 after the last one.
            let plural = |n: u32| if n == 1 { "retry" } else { "retries" };
            let it = self.checkers[ck].retry_it;
            let after = match (success, t.retry, it) {
                (true, _, _) => String::new(),
                (false, 0, _) => " with retry disabled".to_owned(),
                (false, n, 1) => format!(", will do {n} {}", plural(n)),
                (false, n, i) if i > 1 => format!(" on retry {}/{n}", i - 1),
                (false, n, _) => format!(" after {n} {}", plural(n)),
            };
            self.info(match reason {
                Some((why, code)) => format!(
                    "Misc check for [{chk} VS {vs}] by [{path}] {ty}{after} ({why} {code})."
                ),
                None => format!("Misc check for [{chk} VS {vs}] by [{path}] {ty}{after}."),
            });
            if !message_only {
                let rs_was_alive = self.vss[c.vs].rs[c.rs].alive;
                self.update_svr_checker_state(ipvs, ck, success);
                // check_misc.c: "=> MISC CHECK %s on service <=".
                let body = format!("=> MISC CHECK {ty} on service <=");
                self.alert(ck, rs_was_alive, Some(&body));
            }
        }
        self.checkers[ck].has_run = true;
        Next {
            delay: if self.checkers[ck].retry_it > 0 {
                t.delay_before_retry
            } else {
                t.delay_loop
            },
            url: 0,
            from_start: true,
        }
    }

    /// The weight a FILE_CHECK derives from `value` at start, or None for a fault (at or
    /// below IPVS_WEIGHT_FAULT, check_file.c).
    fn file_weight(&self, ck: usize, value: i64) -> Option<i64> {
        self.file_status(ck, value, |w| w > IPVS_WEIGHT_FAULT)
    }

    /// The same for a change of the file while running: keepalived 2.2.7's
    /// `process_update_checker_track_file_status` takes only IPVS_WEIGHT_FAULT itself for a
    /// fault; a lower weight only lowers the real server's (to IPVS weight 0), it stays in
    /// the pool. Copied on purpose: ipvsadm shows what keepalived's shows.
    fn file_runtime_weight(&self, ck: usize, value: i64) -> Option<i64> {
        self.file_status(ck, value, |w| w != IPVS_WEIGHT_FAULT)
    }

    fn file_status(&self, ck: usize, value: i64, healthy: impl Fn(i64) -> bool) -> Option<i64> {
        let CheckerClass::File { weight, reverse } = self.checkers[ck].class else {
            return None;
        };
        let mult = if reverse { -1 } else { 1 };
        if weight == 0 {
            // Weight 0: any non-zero value is a fault (reversed: zero is).
            return ((value != 0) != (mult == 1)).then_some(0);
        }
        let w = value
            .saturating_mul(weight)
            .saturating_mul(mult)
            .clamp(i64::from(i32::MIN), i64::from(i32::MAX));
        healthy(w).then_some(w)
    }

    /// The initial state of a FILE_CHECK, before [`Pool::init`]: a fault starts it failed,
    /// a weight is added to its real server. FILE_CHECKs have no alpha mode and count as
    /// having run.
    pub fn file_initial(&mut self, ck: usize, value: i64) {
        if ck >= self.checkers.len() {
            return;
        }
        self.checkers[ck].has_run = true;
        self.checkers[ck].file_value = value;
        match self.file_weight(ck, value) {
            None => self.set_checker_state(ck, false),
            Some(w) => {
                let (vs, rs) = (self.checkers[ck].vs, self.checkers[ck].rs);
                self.checkers[ck].cur_weight = w;
                self.vss[vs].rs[rs].effective_weight += w;
            }
        }
    }

    /// A tracked file changed (`process_update_checker_track_file_status`).
    fn file_update(&mut self, ipvs: &mut dyn Ipvs, ck: usize, value: i64) {
        self.checkers[ck].file_value = value;
        let c = self.checkers[ck].clone();
        let eff = self.vss[c.vs].rs[c.rs].effective_weight;
        match self.file_runtime_weight(ck, value) {
            None => {
                if c.is_up {
                    self.update_svr_checker_state(ipvs, ck, false);
                }
                self.vss[c.vs].rs[c.rs].effective_weight = eff - c.cur_weight;
                self.checkers[ck].cur_weight = 0;
            }
            Some(w) => {
                if w != c.cur_weight {
                    self.update_svr_wgt(ipvs, c.vs, c.rs, eff - c.cur_weight + w);
                    self.checkers[ck].cur_weight = w;
                }
                if !c.is_up {
                    self.update_svr_checker_state(ipvs, ck, true);
                }
            }
        }
    }
}

/// The line logged when a checker gives up on its real server.
fn final_failure(
    class: &CheckerClass,
    chk: &str,
    vs: &str,
    reason: &str,
    after: Option<u32>,
) -> String {
    match (class, after) {
        (CheckerClass::Tcp, Some(n)) => {
            format!("TCP_CHECK on service {chk} failed after {n} retries.")
        }
        (CheckerClass::Tcp, None) => format!("TCP_CHECK on service {chk} failed."),
        (CheckerClass::Udp, Some(n)) => {
            format!("UDP_CHECK on service {chk} failed after {n} retries.")
        }
        (CheckerClass::Udp, None) => format!("UDP_CHECK on service {chk} failed."),
        (CheckerClass::Ping, Some(n)) => {
            format!("ICMP CHECK on service {chk} of {vs} failed after {n} retries.")
        }
        (CheckerClass::Ping, None) => format!("ICMP CHECK on service {chk} failed."),
        (CheckerClass::Dns, Some(n)) => format!("DNS_CHECK ({chk}) {reason} after {n} retries"),
        (CheckerClass::Dns, None) => format!("DNS_CHECK ({chk}) {reason}"),
        _ => reason.to_owned(),
    }
}

/// The body of a probe checker's mail (check_tcp.c, check_udp.c, check_ping.c, check_dns.c,
/// check_smtp.c); an SMTP_CHECK failure's body carries its reason (probe_epilog).
fn probe_mail(class: &CheckerClass, up: bool) -> Option<&'static str> {
    Some(match (class, up) {
        (CheckerClass::Tcp, true) => "=> TCP CHECK succeed on service <=",
        (CheckerClass::Tcp, false) => "=> TCP CHECK failed on service <=",
        (CheckerClass::Udp, true) => "=> UDP CHECK succeed on service <=",
        (CheckerClass::Udp, false) => "=> UDP CHECK failed on service <=",
        (CheckerClass::Ping, true) => "=> ICMP CHECK succeed on service <=",
        (CheckerClass::Ping, false) => "=> ICMP CHECK failed on service <=",
        (CheckerClass::Dns, true) => "=> DNS_CHECK: succeed on service <=",
        (CheckerClass::Dns, false) => "=> DNS_CHECK: failed on service <=",
        (CheckerClass::Smtp, true) => "=> CHECK succeed on service <=",
        _ => return None,
    })
}
