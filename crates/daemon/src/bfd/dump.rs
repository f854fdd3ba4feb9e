//! `/tmp/keepalived_bfd.data` (SIGUSR1 to the BFD child) in keepalived 2.2.7's layout
//! (bfd_data.c `dump_bfd_data`): the global definitions, "BFD Data", then one block per
//! instance. keepalived prints its thread pointers; we print `0x(nil)` for a timer that is
//! not armed and a stand-in address for one that is, so scripts matching `(nil)` still work.

use std::time::{Instant, SystemTime};

use keepalived_bfd::{Session, State};
use keepalived_conf::model::{BfdInstance, GlobalDefs};

use crate::dump::{timeval_with_date_usec_last, Timeval};

/// What the loop knows about one instance besides its session.
pub struct DumpEntry<'a> {
    /// The configuration block.
    pub conf: &'a BfdInstance,
    /// The session.
    pub session: &'a Session,
    /// The sending socket's descriptor (-1 when it could not be opened).
    pub fd_out: i32,
    /// The last send failed.
    pub send_error: bool,
}

fn thread(armed: bool, n: usize) -> String {
    if armed {
        format!("0x0x{:x}", 0x5500_0000_0000usize + n * 0x80)
    } else {
        "0x(nil)".to_owned()
    }
}

/// Renders the file. `now`/`wall` map monotonic instants to wall-clock times.
pub fn render_bfd_data(
    global: &GlobalDefs,
    fd_in: i32,
    entries: &[DumpEntry<'_>],
    now: Instant,
    wall: SystemTime,
) -> String {
    let mut text = String::new();
    crate::dump::render_global_other_process(&mut text, global);
    let mut w = |s: String| {
        text.push_str(&s);
        text.push('\n');
    };
    w("------< BFD Data >------".into());
    w(format!(" fd_in = {fd_in}"));
    w(format!(" thread_in = {}", thread(true, 0)));
    if !entries.is_empty() {
        w("------< BFD Topology >------".into());
    }
    for (i, e) in entries.iter().enumerate() {
        let b = e.conf;
        let s = e.session.snapshot();
        w(format!(" BFD Instance = {}", b.name));
        w(format!("   Neighbor IP = {}", b.neighbor));
        if let Some(src) = b.source {
            w(format!("   Source IP = {src}"));
        }
        w(format!(
            "   Required min RX interval = {} us",
            b.min_rx.as_micros()
        ));
        w(format!(
            "   Desired min TX interval = {} us",
            b.min_tx.as_micros()
        ));
        w(format!(
            "   Desired idle TX interval = {} us",
            b.idle_tx.as_micros()
        ));
        w(format!("   Detection multiplier = {}", b.multiplier));
        let ttl_name = if b.neighbor.is_ipv4() {
            "TTL"
        } else {
            "hoplimit"
        };
        w(format!("   {ttl_name} = {}", b.effective_ttl()));
        w(format!(
            "   max_hops = {}",
            u8::try_from(b.max_hops).unwrap_or(u8::MAX)
        ));
        w(format!("   passive = {}", b.passive));
        let yn = |v: bool| if v { "Yes" } else { "No" };
        w(format!(
            "   send event to VRRP process = {}",
            yn(b.notifies_vrrp())
        ));
        w(format!(
            "   send event to checker process = {}",
            yn(b.notifies_checker())
        ));
        w(format!("   fd_out {}", e.fd_out));
        w(format!("   thread_open_fd_out {}", thread(false, 0)));
        let n = 1 + i * 4;
        w(format!("   thread_out {}", thread(s.next_tx.is_some(), n)));
        w("   sands_out = [disabled]".into());
        w(format!(
            "   thread_exp {}",
            thread(s.expire_at.is_some(), n + 1)
        ));
        w("   sands_exp = [disabled]".into());
        w(format!(
            "   thread_rst {}",
            thread(s.reset_at.is_some(), n + 2)
        ));
        w("   sands_rst = [disabled]".into());
        w(format!("   send error = {}", e.send_error));
        w(format!("   local state = {}", state(s.local_state)));
        w(format!("   remote state = {}", state(s.remote_state)));
        w(format!("   local discriminator = {:#x}", s.local_discr));
        w(format!("   remote discriminator = {:#x}", s.remote_discr));
        w(format!("   local diag = {}", s.local_diag.name()));
        w(format!("   remote diag = {}", s.remote_diag.name()));
        w(format!("   remote min tx intv = {} us", s.remote_min_tx));
        w(format!("   remote min rx intv = {} us", s.remote_min_rx));
        w(format!("   local demand = {}", u8::from(s.local_demand)));
        w(format!("   remote demand = {}", u8::from(s.remote_demand)));
        w(format!(
            "   remote detect multiplier = {}",
            s.remote_detect_mult
        ));
        let bang = |v: bool| if v { "" } else { "!" };
        w(format!("   {}poll, {}final", bang(s.poll), bang(s.final_)));
        w(format!("   local tx intv = {} us", s.local_tx_intv));
        w(format!("   remote tx intv = {} us", s.remote_tx_intv));
        w(format!(
            "   local detection time = {} us",
            s.local_detect_time
        ));
        w(format!(
            "   remote detection time = {} us",
            s.remote_detect_time
        ));
        match s.last_seen {
            None => w("   last_seen = [never]".into()),
            Some(t) => {
                let at = wall
                    .checked_sub(now.saturating_duration_since(t))
                    .unwrap_or(wall);
                w(format!(
                    "   last seen = {}",
                    timeval_with_date_usec_last(Timeval::from_system_time(at))
                ));
            }
        }
    }
    text
}

fn state(s: State) -> &'static str {
    s.name()
}
