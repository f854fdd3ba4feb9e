//! Instance states (keepalived's `VRRP_STATE_*`).

use std::fmt;

/// State of one VRRP instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Not started yet (`vrrp_startup_delay` running).
    Init,
    /// Backup: watching the master.
    Backup,
    /// Master: owns the VIPs and advertises.
    Master,
    /// Fault: interface down or a weight-0 tracked object failed.
    Fault,
    /// Stopped by [`super::Event::Shutdown`]; inert afterwards.
    Stop,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Init => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
            State::Stop => "STOP",
        })
    }
}

/// keepalived's per-instance statistics counters that the state machine owns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// `advert_rcvd`.
    pub advert_rcvd: u64,
    /// `advert_sent`.
    pub advert_sent: u64,
    /// `become_master`.
    pub become_master: u64,
    /// `release_master`.
    pub release_master: u64,
    /// `pri_zero_rcvd`.
    pub pri_zero_rcvd: u64,
    /// `pri_zero_sent`.
    pub pri_zero_sent: u64,
}
