//! What goes into the machine ([`Event`], [`Advert`]) and what comes out ([`Action`]).

use std::net::IpAddr;
use std::time::Duration;

use super::state::State;
use super::track::{TrackId, TrackValue};

/// A received advertisement that the codec already validated (checksum, TTL, VRID,
/// authentication, address list...), independent of the VRRP version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Advert {
    /// IP source address of the packet.
    pub source: IpAddr,
    /// Advertised priority (0 = the master is stopping).
    pub priority: u8,
    /// Advertised interval (v2: seconds, v3: centiseconds, converted by the caller).
    pub interval: Duration,
}

/// An input to [`super::Machine::handle_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A validated advertisement for this instance.
    Advert(Advert),
    /// A tracked object changed state.
    Track {
        /// Which object.
        id: TrackId,
        /// Its new state.
        value: TrackValue,
    },
    /// The instance's interface came up (link and address usable).
    InterfaceUp,
    /// The instance's interface went down: the instance goes to FAULT.
    InterfaceDown,
    /// Someone else removed one of the VIPs of a MASTER (an admin, networkd, netplan):
    /// keepalived's `set_vrrp_backup` goes to BACKUP (priority-0 advert, VIPs released) and
    /// takes over again after Skew_Time unless a better router answers, which puts the
    /// addresses back.
    VipRemoved,
    /// Stop the instance (SIGTERM, reload removing it): a master sends a priority-0 advert
    /// and removes its VIPs.
    Shutdown,
    /// The instance's sync group is in fault (`true`: another member failed) or left it.
    GroupFault(bool),
    /// The instance's sync group waits for a member's first tracked-script result (`true`)
    /// or no longer does: the instance is held in a silent FAULT meanwhile, as keepalived's
    /// `num_member_init`.
    GroupPending(bool),
    /// The sync group decided to become MASTER: a member in BACKUP takes over now.
    GroupMaster,
    /// A sync group member went back to BACKUP: a MASTER member follows.
    GroupBackup,
    /// An SNMP Set of vrrpInstanceBasePriority (keepalived's vrrp_snmp_instance_priority):
    /// the base priority becomes this, the effective priority follows as a tracked weight
    /// would move it (the address owner's is left as it was). A reload restores the
    /// configured one.
    SetBasePriority(u8),
    /// An SNMP Set of vrrpInstancePreempt: preemption on (`true`) or off, until a reload.
    SetPreempt(bool),
}

/// The state named in a notify script call / FIFO line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotifyState {
    /// `MASTER`.
    Master,
    /// `BACKUP`.
    Backup,
    /// `FAULT`.
    Fault,
    /// `STOP`.
    Stop,
}

/// Something the driver must do, in order, as a result of an event or timeout.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send an advertisement with this priority and our configured interval.
    SendAdvert {
        /// Priority field (0 when stopping).
        priority: u8,
        /// Advert interval field.
        interval: Duration,
    },
    /// Add the virtual addresses (and virtual routes/rules).
    AddVips {
        /// `accept` mode (whether to allow traffic to the VIPs when not owner).
        accept: bool,
    },
    /// Remove the virtual addresses (and virtual routes/rules).
    RemoveVips {
        /// `accept` mode as configured.
        accept: bool,
    },
    /// Send a burst of `count` gratuitous ARPs / unsolicited NAs for the VIPs.
    SendGratuitous {
        /// Messages in the burst.
        count: u32,
    },
    /// The state changed (for logs, SNMP, metrics).
    StateChanged {
        /// Previous state.
        from: State,
        /// New state.
        to: State,
    },
    /// Run notify scripts / write the notify FIFO.
    Notify {
        /// The state to report.
        new_state: NotifyState,
        /// Our effective priority at the time.
        priority: u8,
    },
    /// keepalived's `notify_master_rx_lower_pri` event: as master, we heard a lower priority
    /// advert (two masters at some point).
    NotifyMasterRxLowerPri {
        /// Who sent it.
        source: IpAddr,
    },
    /// Sync group member only: the Master_Down timer expired and the instance would become
    /// MASTER; it stays BACKUP until the group agrees ([`Event::GroupMaster`]).
    WantMaster,
    /// The effective priority changed (keepalived logs it; `vrrp_notify_priority_changes`).
    PriorityChanged {
        /// The effective priority before.
        from: u8,
        /// New effective priority.
        priority: u8,
    },
}
