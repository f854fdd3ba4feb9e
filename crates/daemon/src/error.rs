//! The daemon's errors: why the VRRP process cannot start ([`DaemonError`]), why one
//! instance cannot run ([`SetupError`]), why a configured address, route or rule cannot be
//! installed ([`FibError`]).

use keepalived_net::NetError;

/// Why the VRRP daemon (or one interface of it) could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DaemonError {
    /// An operating-system resource (runtime, signals, timerfd) could not be set up.
    #[error("{what}: {source}")]
    Os {
        /// What was being set up.
        what: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A socket or netlink request failed.
    #[error("{what}: {source}")]
    Net {
        /// What was being set up.
        what: &'static str,
        /// The kernel plumbing's error.
        #[source]
        source: NetError,
    },
    /// The interface does not exist.
    #[error("interface {0} does not exist")]
    NoInterface(String),
    /// The netlink monitor was already taken by an earlier run of the loop.
    #[error("netlink monitor: already in use")]
    MonitorTaken,
}

/// An error that [`setup`] can wrap: what the daemon's set-up calls return.
pub(crate) trait Cause {
    /// The daemon error for this cause while setting up `what`.
    fn within(self, what: &'static str) -> DaemonError;
}

impl Cause for std::io::Error {
    fn within(self, what: &'static str) -> DaemonError {
        DaemonError::Os { what, source: self }
    }
}

impl Cause for NetError {
    fn within(self, what: &'static str) -> DaemonError {
        DaemonError::Net { what, source: self }
    }
}

/// `map_err(setup("what"))`: the error of setting up `what`.
pub(crate) fn setup<E: Cause>(what: &'static str) -> impl FnOnce(E) -> DaemonError {
    move |e| e.within(what)
}

/// Why a configured address, route or rule cannot be installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FibError {
    /// A `dev` names an interface that does not exist.
    #[error("interface {0} does not exist")]
    NoInterface(String),
    /// A route type the daemon cannot install.
    #[error("route type {0} is not supported yet")]
    RouteType(String),
    /// A multipath route.
    #[error("multipath (nexthop) routes are not supported yet")]
    Multipath,
    /// A rule action the daemon cannot install.
    #[error("rule action {0} is not supported yet")]
    RuleAction(String),
    /// A rule without an action.
    #[error("rule without an action")]
    NoRuleAction,
}

/// Why an instance cannot run (it is not started; the others are).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// No `virtual_router_id`.
    #[error("no virtual_router_id")]
    NoVrid,
    /// `virtual_ipaddress` mixes IPv4 and IPv6.
    #[error("virtual addresses of both families")]
    MixedFamilies,
    /// A VIP, virtual route or rule cannot be installed.
    #[error(transparent)]
    Fib(#[from] FibError),
}
