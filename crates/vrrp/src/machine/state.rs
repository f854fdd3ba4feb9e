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

/// Why the instance last became MASTER: RFC 6527's vrrpv3StatisticsNewMasterReason, as
/// keepalived records it (`master_reason`, taken from `next_master_reason` on the
/// transition).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MasterReason {
    /// Never MASTER yet.
    NotMaster = 0,
    /// The master gave up: its priority-0 advert was heard.
    Priority = 1,
    /// It preempted a lower-priority master (or, as the address owner, started as MASTER).
    Preempted = 2,
    /// The master fell silent (Master_Down_Interval expired).
    MasterNoResponse = 3,
}
