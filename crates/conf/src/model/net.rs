//! Addresses, routes and rules with their options, as `ip address/route/rule add` and keepalived
//! take them: `static_ipaddress`, `virtual_ipaddress`, `virtual_ipaddress_excluded`,
//! `static_routes`, `virtual_routes`, `static_rules`, `virtual_rules`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::diag::Location;

/// An address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpFamily {
    /// IPv4 (`AF_INET`).
    V4,
    /// IPv6 (`AF_INET6`).
    V6,
}

impl IpFamily {
    /// The family of an address.
    pub fn of(addr: &IpAddr) -> IpFamily {
        match addr {
            IpAddr::V4(_) => IpFamily::V4,
            IpAddr::V6(_) => IpFamily::V6,
        }
    }

    /// The longest prefix of the family: 32 or 128.
    pub fn max_prefix(self) -> u8 {
        match self {
            IpFamily::V4 => 32,
            IpFamily::V6 => 128,
        }
    }

    /// The unspecified address of the family (`0.0.0.0` or `::`).
    pub fn unspecified(self) -> IpAddr {
        match self {
            IpFamily::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpFamily::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }
}

impl fmt::Display for IpFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IpFamily::V4 => "IPv4",
            IpFamily::V6 => "IPv6",
        })
    }
}

/// An address with a prefix length, e.g. `10.0.0.5/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpPrefix {
    /// The address.
    pub addr: IpAddr,
    /// The prefix length (0..=32 or 0..=128).
    pub len: u8,
}

impl IpPrefix {
    /// A host prefix (/32 or /128).
    pub fn host(addr: IpAddr) -> IpPrefix {
        IpPrefix {
            addr,
            len: IpFamily::of(&addr).max_prefix(),
        }
    }

    /// The family of the address.
    pub fn family(&self) -> IpFamily {
        IpFamily::of(&self.addr)
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// An address or route scope (`scope`): `global`, `site`, `link`, `host`, `nowhere`, or a
/// number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `global` / `universe` (0).
    Global,
    /// `site` (200).
    Site,
    /// `link` (253).
    Link,
    /// `host` (254).
    Host,
    /// `nowhere` (255).
    Nowhere,
    /// Any other value given as a number.
    Other(u8),
}

impl Scope {
    /// The kernel's `RT_SCOPE_*` value.
    pub fn value(self) -> u8 {
        match self {
            Scope::Global => 0,
            Scope::Site => 200,
            Scope::Link => 253,
            Scope::Host => 254,
            Scope::Nowhere => 255,
            Scope::Other(v) => v,
        }
    }
}

/// The broadcast address of an IPv4 address (`brd`/`broadcast`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Broadcast {
    /// An explicit address.
    Addr(Ipv4Addr),
    /// `+`: the address with the host bits set.
    HostBitsSet,
    /// `-`: the address with the host bits cleared.
    HostBitsCleared,
}

/// `preferred_lft` of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PreferredLifetime {
    /// `forever`.
    Forever,
    /// A number of seconds; 0 deprecates the address.
    Secs(u32),
}

/// One address line of `static_ipaddress`, `virtual_ipaddress` or
/// `virtual_ipaddress_excluded`.
#[derive(Debug, Clone, PartialEq)]
pub struct IpAddressSpec {
    /// `<IPADDR>[/<MASK>]`; without a mask the prefix is /32 or /128.
    pub prefix: IpPrefix,
    /// `brd`/`broadcast` (IPv4 only).
    pub broadcast: Option<Broadcast>,
    /// `dev`; `None` means the instance's interface (VIPs) or keepalived's default interface
    /// (static addresses).
    pub dev: Option<String>,
    /// `scope`; `None` is global.
    pub scope: Option<Scope>,
    /// `label` (IPv4 only).
    pub label: Option<String>,
    /// `peer`.
    pub peer: Option<IpPrefix>,
    /// `home` (IPv6 `IFA_F_HOMEADDRESS`).
    pub home: bool,
    /// `-nodad` (IPv6 `IFA_F_NODAD`).
    pub nodad: bool,
    /// `mngtmpaddr` (IPv6).
    pub mngtmpaddr: bool,
    /// `noprefixroute`.
    pub noprefixroute: bool,
    /// `autojoin`.
    pub autojoin: bool,
    /// `preferred_lft`; `None` means the kernel default (keepalived deprecates a /128 VIP by
    /// setting 0 unless `forever` is given).
    pub preferred_lft: Option<PreferredLifetime>,
    /// `track_group GROUP` (static addresses).
    pub track_group: Option<String>,
    /// `no_track`: deleting the address does not make the instance leave MASTER.
    pub no_track: bool,
    /// `use_vmac` (virtual addresses only): configure it on a VMAC of its own interface.
    pub use_vmac: bool,
    /// Where the line is.
    pub loc: Location,
}

impl IpAddressSpec {
    /// An address with no options.
    pub fn new(prefix: IpPrefix, loc: Location) -> IpAddressSpec {
        IpAddressSpec {
            prefix,
            broadcast: None,
            dev: None,
            scope: None,
            label: None,
            peer: None,
            home: false,
            nodad: false,
            mngtmpaddr: false,
            noprefixroute: false,
            autojoin: false,
            preferred_lft: None,
            track_group: None,
            no_track: false,
            use_vmac: false,
            loc,
        }
    }

    /// The family of the address.
    pub fn family(&self) -> IpFamily {
        self.prefix.family()
    }
}

/// The type of a route (the optional first word of a route line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteType {
    /// An ordinary route (default).
    Unicast,
    /// `blackhole`.
    Blackhole,
    /// `unreachable`.
    Unreachable,
    /// `prohibit`.
    Prohibit,
    /// `throw`.
    Throw,
    /// `local`.
    Local,
    /// `broadcast`.
    Broadcast,
    /// `anycast`.
    Anycast,
    /// `multicast`.
    Multicast,
    /// `nat`.
    Nat,
}

impl RouteType {
    /// The type named by a word, if it is one.
    pub fn from_word(w: &str) -> Option<RouteType> {
        Some(match w {
            "unicast" => RouteType::Unicast,
            "blackhole" => RouteType::Blackhole,
            "unreachable" => RouteType::Unreachable,
            "prohibit" => RouteType::Prohibit,
            "throw" => RouteType::Throw,
            "local" => RouteType::Local,
            "broadcast" => RouteType::Broadcast,
            "anycast" => RouteType::Anycast,
            "multicast" => RouteType::Multicast,
            "nat" => RouteType::Nat,
            _ => return None,
        })
    }

    /// The kernel's `RTN_*` value.
    pub fn value(self) -> u8 {
        match self {
            RouteType::Unicast => 1,
            RouteType::Local => 2,
            RouteType::Broadcast => 3,
            RouteType::Anycast => 4,
            RouteType::Multicast => 5,
            RouteType::Blackhole => 6,
            RouteType::Unreachable => 7,
            RouteType::Prohibit => 8,
            RouteType::Throw => 9,
            RouteType::Nat => 10,
        }
    }
}

/// A route metric (`RTAX_*`) set with a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteMetric {
    /// `mtu`.
    Mtu,
    /// `window`.
    Window,
    /// `rtt` (milliseconds as written).
    Rtt,
    /// `rttvar`.
    RttVar,
    /// `ssthresh`.
    Ssthresh,
    /// `cwnd`.
    Cwnd,
    /// `advmss`.
    Advmss,
    /// `reordering`.
    Reordering,
    /// `hoplimit`.
    Hoplimit,
    /// `initcwnd`.
    Initcwnd,
    /// `rto_min`.
    RtoMin,
    /// `initrwnd`.
    Initrwnd,
    /// `quickack`.
    Quickack,
    /// `fastopen_no_cookie`.
    FastopenNoCookie,
}

impl RouteMetric {
    /// The metric named by a word, if it is one.
    pub fn from_word(w: &str) -> Option<RouteMetric> {
        Some(match w {
            "mtu" => RouteMetric::Mtu,
            "window" => RouteMetric::Window,
            "rtt" => RouteMetric::Rtt,
            "rttvar" => RouteMetric::RttVar,
            "ssthresh" => RouteMetric::Ssthresh,
            "cwnd" => RouteMetric::Cwnd,
            "advmss" => RouteMetric::Advmss,
            "reordering" => RouteMetric::Reordering,
            "hoplimit" => RouteMetric::Hoplimit,
            "initcwnd" => RouteMetric::Initcwnd,
            "rto_min" => RouteMetric::RtoMin,
            "initrwnd" => RouteMetric::Initrwnd,
            "quickack" => RouteMetric::Quickack,
            "fastopen_no_cookie" => RouteMetric::FastopenNoCookie,
            _ => return None,
        })
    }
}

/// One metric of a route: `mtu [lock] 1400`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RouteMetricValue {
    /// Which metric.
    pub metric: RouteMetric,
    /// The value.
    pub value: u32,
    /// `lock`: the kernel must not change it.
    pub lock: bool,
}

/// IPv6 route preference (`pref`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoutePref {
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
}

/// One `nexthop` of a multipath route.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nexthop {
    /// `via`.
    pub via: Option<IpAddr>,
    /// `dev`.
    pub dev: Option<String>,
    /// `weight` (1..=256).
    pub weight: Option<u16>,
    /// `onlink`.
    pub onlink: bool,
    /// `realms FROM/TO` (IPv4).
    pub realms: Option<(u16, u16)>,
}

/// One line of `static_routes` or `virtual_routes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The route type (first word), default unicast.
    pub route_type: RouteType,
    /// The family (`inet6` forces IPv6; otherwise from the addresses, IPv4 by default).
    pub family: IpFamily,
    /// `[to] PREFIX` or `default`: the destination.
    pub dst: Option<IpPrefix>,
    /// `from PREFIX` (IPv6 source routing).
    pub from: Option<IpPrefix>,
    /// `src ADDR`: the preferred source.
    pub src: Option<IpAddr>,
    /// `via ADDR` (or the deprecated `gw`).
    pub via: Option<IpAddr>,
    /// `dev IFNAME` (or `oif`).
    pub dev: Option<String>,
    /// `scope`.
    pub scope: Option<Scope>,
    /// `table`: number or a name (`main` 254, `local` 255, `default` 253).
    pub table: Option<u32>,
    /// `metric`/`priority`/`preference`.
    pub metric: Option<u32>,
    /// `protocol`/`proto`; keepalived's own is 18.
    pub protocol: Option<u8>,
    /// `tos`/`dsfield`.
    pub tos: Option<u8>,
    /// `realms FROM/TO`.
    pub realms: Option<(u16, u16)>,
    /// `mtu`, `advmss`, ... with `lock`.
    pub metrics: Vec<RouteMetricValue>,
    /// `features ecn`.
    pub features_ecn: bool,
    /// `congctl [lock] NAME`.
    pub congctl: Option<(String, bool)>,
    /// `pref low|medium|high` (IPv6).
    pub pref: Option<RoutePref>,
    /// `expires SECS` (IPv6).
    pub expires: Option<u32>,
    /// `ttl-propagate enabled|disabled`.
    pub ttl_propagate: Option<bool>,
    /// `onlink`.
    pub onlink: bool,
    /// `nexthop ...` entries (and the deprecated `or ADDR`).
    pub nexthops: Vec<Nexthop>,
    /// `vrf NAME`.
    pub vrf: Option<String>,
    /// `append`: added after matching routes (like `ip route append`).
    pub append: bool,
    /// `no_track`.
    pub no_track: bool,
    /// `track_group GROUP` (static routes).
    pub track_group: Option<String>,
    /// Where the line is.
    pub loc: Location,
}

impl Route {
    /// An empty unicast IPv4 route.
    pub fn new(loc: Location) -> Route {
        Route {
            route_type: RouteType::Unicast,
            family: IpFamily::V4,
            dst: None,
            from: None,
            src: None,
            via: None,
            dev: None,
            scope: None,
            table: None,
            metric: None,
            protocol: None,
            tos: None,
            realms: None,
            metrics: Vec::new(),
            features_ecn: false,
            congctl: None,
            pref: None,
            expires: None,
            ttl_propagate: None,
            onlink: false,
            nexthops: Vec::new(),
            vrf: None,
            append: false,
            no_track: false,
            track_group: None,
            loc,
        }
    }
}

/// What a rule does when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleAction {
    /// `table N`/`lookup N`.
    Table(u32),
    /// `goto PREF`.
    Goto(u32),
    /// `blackhole`.
    Blackhole,
    /// `unreachable`.
    Unreachable,
    /// `prohibit`.
    Prohibit,
    /// `nop`.
    Nop,
    /// `l3mdev`: look up the table of the VRF device.
    L3mdev,
}

/// An inclusive port or id range (`sport 10-20`, `uidrange 1000-2000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range<T> {
    /// First value.
    pub start: T,
    /// Last value.
    pub end: T,
}

/// One line of `static_rules` or `virtual_rules`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The family (`inet6` forces IPv6; otherwise from the addresses, IPv4 by default).
    pub family: IpFamily,
    /// `not`: invert the selector.
    pub invert: bool,
    /// `from PREFIX|all`.
    pub from: Option<IpPrefix>,
    /// `to PREFIX|all`.
    pub to: Option<IpPrefix>,
    /// `priority`/`preference`/`order`. keepalived reports a rule without one and uses 16384
    /// (kept as `None` here).
    pub priority: Option<u32>,
    /// `tos`/`dsfield`.
    pub tos: Option<u8>,
    /// `fwmark MARK[/MASK]`.
    pub fwmark: Option<(u32, Option<u32>)>,
    /// `realms [FROM/]TO`.
    pub realms: Option<(u16, u16)>,
    /// `iif IFNAME`.
    pub iif: Option<String>,
    /// `oif IFNAME`.
    pub oif: Option<String>,
    /// The action; `None` when none was given.
    pub action: Option<RuleAction>,
    /// `suppress_prefixlength N`.
    pub suppress_prefixlen: Option<u32>,
    /// `suppress_ifgroup N`.
    pub suppress_ifgroup: Option<u32>,
    /// `uidrange A-B`.
    pub uidrange: Option<Range<u32>>,
    /// `sport A[-B]`.
    pub sport: Option<Range<u16>>,
    /// `dport A[-B]`.
    pub dport: Option<Range<u16>>,
    /// `ipproto`/`ip_proto` (number or tcp/udp/icmp/...).
    pub ipproto: Option<u8>,
    /// `protocol`.
    pub protocol: Option<u8>,
    /// `no_track`.
    pub no_track: bool,
    /// `track_group GROUP` (static rules).
    pub track_group: Option<String>,
    /// Where the line is.
    pub loc: Location,
}

impl Rule {
    /// An empty IPv4 rule.
    pub fn new(loc: Location) -> Rule {
        Rule {
            family: IpFamily::V4,
            invert: false,
            from: None,
            to: None,
            priority: None,
            tos: None,
            fwmark: None,
            realms: None,
            iif: None,
            oif: None,
            action: None,
            suppress_prefixlen: None,
            suppress_ifgroup: None,
            uidrange: None,
            sport: None,
            dport: None,
            ipproto: None,
            protocol: None,
            no_track: false,
            track_group: None,
            loc,
        }
    }
}

/// keepalived's route/rule protocol number (`RTPROT_KEEPALIVED`).
pub const RTPROT_KEEPALIVED: u8 = 18;

/// The preference keepalived gives a rule configured without one.
pub const RULE_DEFAULT_PRIORITY: u32 = 16384;
