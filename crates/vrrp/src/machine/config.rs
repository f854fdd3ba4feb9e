//! The per-instance settings the machine needs, built by the daemon from the parsed
//! `vrrp_instance` block (the machine does not depend on the conf crate).

use std::net::IpAddr;
use std::time::Duration;

use super::track::TrackedObject;

/// VRRP protocol version of an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// RFC 3768: advert interval in whole seconds, skew from priority alone.
    V2,
    /// RFC 5798: advert interval in centiseconds, skew scaled by Master_Adver_Interval and
    /// backups adopt the master's interval.
    V3,
}

impl Version {
    /// The version number on the wire (2 or 3).
    pub const fn number(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }

    /// The version with this wire number, if it is 2 or 3.
    pub const fn from_number(n: u8) -> Option<Version> {
        match n {
            2 => Some(Version::V2),
            3 => Some(Version::V3),
            _ => None,
        }
    }
}

/// The `state` keyword of a `vrrp_instance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InitialState {
    /// `state MASTER`.
    Master,
    /// `state BACKUP` (and the default unless the priority is 255).
    Backup,
}

/// Gratuitous ARP / unsolicited NA settings (`garp_*` keywords).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GarpConfig {
    /// `garp_master_delay`: delay of the second burst after becoming master (0 = none).
    pub master_delay: Duration,
    /// `garp_master_repeat`: messages per burst.
    pub master_repeat: u32,
    /// `garp_master_refresh`: period of refresh bursts while master (`None` = off).
    pub master_refresh: Option<Duration>,
    /// `garp_master_refresh_repeat`: messages per refresh burst.
    pub master_refresh_repeat: u32,
    /// `garp_lower_prio_delay`: delay of the second burst after a lower-priority advert.
    pub lower_prio_delay: Duration,
    /// `garp_lower_prio_repeat`: messages per burst when a master hears a lower-priority
    /// advert (0 = off).
    pub lower_prio_repeat: u32,
}

impl Default for GarpConfig {
    fn default() -> Self {
        // keepalived's defaults: 5 s, 5 messages, no refresh, refresh_repeat 1. The lower
        // priority delay/repeat default to the master ones in keepalived's global config,
        // but the daemon passes what the config resolved; off is the safe default here.
        GarpConfig {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            master_refresh: None,
            master_refresh_repeat: 1,
            lower_prio_delay: Duration::from_secs(5),
            lower_prio_repeat: 0,
        }
    }
}

/// Everything one VRRP instance's state machine needs to know about its configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceConfig {
    /// Instance name (`vrrp_instance NAME`), used in notifications.
    pub name: String,
    /// Protocol version.
    pub version: Version,
    /// Our primary address on the interface (or `unicast_src_ip`): the advert source and the
    /// tie-breaker between equal priorities.
    pub primary_address: IpAddr,
    /// Base priority 1..=255 (`priority`); 255 means address owner.
    pub priority: u8,
    /// `state MASTER|BACKUP`.
    pub initial_state: InitialState,
    /// `advert_int`.
    pub advert_interval: Duration,
    /// `down_timer_adverts` (default 3): Master_Down_Interval is this many intervals + skew.
    pub down_timer_adverts: u32,
    /// `false` for `nopreempt`.
    pub preempt: bool,
    /// `preempt_delay` (zero = none).
    pub preempt_delay: Duration,
    /// `accept` / `no_accept`: passed through in the VIP actions.
    pub accept: bool,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: bool,
    /// `lower_prio_no_advert`.
    pub lower_prio_no_advert: bool,
    /// GARP/NA timing.
    pub garp: GarpConfig,
    /// `vrrp_startup_delay`: time spent in INIT before the instance starts.
    pub startup_delay: Duration,
    /// Tracked scripts, interfaces, files and processes with their weights.
    pub tracked: Vec<TrackedObject>,
    /// Member of a `vrrp_sync_group`: becoming MASTER waits for the group
    /// ([`super::Action::WantMaster`], [`super::Event::GroupMaster`]).
    pub sync_group: bool,
    /// The instance finds its VIPs already installed (its process was restarted after a
    /// crash): it leaves INIT straight to MASTER instead of waiting Master_Down_Interval, so
    /// the VIPs never go away when it still wins; a better master's advert sends it back.
    pub resume_master: bool,
    /// keepalived 2.3 `timer_expired_backup PRIORITY`: the highest priority of the other
    /// routers. A MASTER whose process was stalled longer than such a router's
    /// Master_Down_Interval goes to BACKUP ([`super::Machine::handle_stall`]). Only with
    /// `nopreempt`.
    pub timer_expired_backup: Option<u8>,
}

impl InstanceConfig {
    /// A config with keepalived's defaults: BACKUP (MASTER if `priority` is 255), 1 s adverts,
    /// preempt on, accept on, default GARP settings, no tracking.
    pub fn new(
        name: impl Into<String>,
        version: Version,
        primary_address: IpAddr,
        priority: u8,
    ) -> Self {
        InstanceConfig {
            name: name.into(),
            version,
            primary_address,
            priority,
            initial_state: if priority == PRIO_OWNER {
                InitialState::Master
            } else {
                InitialState::Backup
            },
            advert_interval: Duration::from_secs(1),
            down_timer_adverts: 3,
            preempt: true,
            preempt_delay: Duration::ZERO,
            accept: true,
            higher_prio_send_advert: false,
            lower_prio_no_advert: false,
            garp: GarpConfig::default(),
            startup_delay: Duration::ZERO,
            tracked: Vec::new(),
            sync_group: false,
            resume_master: false,
            timer_expired_backup: None,
        }
    }
}

/// Priority of the address owner.
pub const PRIO_OWNER: u8 = 255;
