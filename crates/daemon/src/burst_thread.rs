//! Unpaced GARP/NA bursts go out from a thread of their own, so that a takeover's frames
//! (10,000 VIPs × `vrrp_garp_master_repeat` 5 is 50,000 frames, each through the kernel's
//! transmit path) run beside the next instances' address installs on another core instead of
//! between them on the event loop. Each burst is still queued only once its instance's
//! addresses are in place, and one instance's repeats go out in order.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use keepalived_net::announce::Announcer;

use crate::log;

/// `count` bursts of GARPs for `v4` and NAs for `v6` from one interface's announcer.
pub struct Burst {
    /// The interface's (or VMAC's) announcer.
    pub announcer: Arc<Announcer>,
    /// IPv4 addresses (one GARP each per burst).
    pub v4: Vec<Ipv4Addr>,
    /// IPv6 addresses (one unsolicited NA each per burst).
    pub v6: Vec<Ipv6Addr>,
    /// Bursts.
    pub count: u32,
    /// The instance, for the failure line.
    pub instance: String,
}

impl Burst {
    fn send(&self) {
        for _ in 0..self.count {
            let sent = self
                .announcer
                .send_garp_batch_blocking(&self.v4)
                .and_then(|_| self.announcer.send_na_blocking(&self.v6, false));
            if let Err(e) = sent {
                log::info(format!("({}) gratuitous ARP failed: {e}", self.instance));
                break;
            }
        }
    }
}

static QUEUE: OnceLock<Mutex<Option<Sender<Burst>>>> = OnceLock::new();

/// Queues `burst` for the burst thread (started on first use); sends it on the calling
/// thread if the thread cannot be started.
pub fn submit(burst: Burst) {
    let queue = QUEUE.get_or_init(|| Mutex::new(start()));
    let burst = match queue.lock() {
        Ok(q) => match q.as_ref() {
            Some(tx) => match tx.send(burst) {
                Ok(()) => return,
                Err(e) => e.0,
            },
            None => burst,
        },
        Err(_) => burst,
    };
    burst.send();
}

fn start() -> Option<Sender<Burst>> {
    let (tx, rx) = channel::<Burst>();
    let spawned = std::thread::Builder::new()
        .name("garp".into())
        .spawn(move || {
            for burst in rx {
                burst.send();
            }
        });
    match spawned {
        Ok(_) => Some(tx),
        Err(e) => {
            log::info(format!(
                "cannot start the GARP thread ({e}); sending on the main one"
            ));
            None
        }
    }
}
