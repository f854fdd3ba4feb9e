//! The event loop's answers to the VRRP process's agent thread: views, and the Sets it
//! committed, applied as keepalived's write handlers apply them (with their log lines).

use std::time::Instant;

use keepalived_vrrp::machine::Event;

use super::vrrp_set::VrrpWrite;
use super::vrrp_source::Request;
use crate::log;
use crate::vrrp::Daemon;

impl Daemon {
    /// Answers one request of the agent thread (it never waits for anything).
    pub(crate) fn snmp_answer(&mut self, req: Request) {
        match req {
            Request::View(reply) => {
                let _ = reply.send(self.snmp_view(self.snmp.started));
            }
            Request::Set(w) => self.snmp_write(w),
        }
    }

    /// One committed write to the instance at its vrrpInstanceTable row (from 1, in the
    /// table's order: the running instances').
    fn snmp_write(&mut self, w: VrrpWrite) {
        let row = match w {
            VrrpWrite::BasePriority { instance, .. } | VrrpWrite::Preempt { instance, .. } => {
                instance
            }
        };
        let Some((i, m)) = row
            .checked_sub(1)
            .and_then(|n| self.running().nth(n as usize))
        else {
            return;
        };
        let (name, id) = (i.conf.name.clone(), i.id);
        let event = match w {
            VrrpWrite::BasePriority { priority, .. } => {
                log::info(format!(
                    "({name}) base priority changed from {} to {priority} via SNMP.",
                    m.config().priority
                ));
                Event::SetBasePriority(priority)
            }
            VrrpWrite::Preempt { on, .. } => {
                let word = if on { "enabled" } else { "disabled" };
                log::info(format!("({name}) preemption {word} with SNMP"));
                Event::SetPreempt(on)
            }
        };
        self.router.handle_event(Instant::now(), id, event);
    }
}
