//! LVS: virtual_server_group, virtual_server, real_server and health checkers.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::{IpFamily, Script};
use crate::diag::Location;

/// Everything LVS.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LvsConfig {
    /// `virtual_server_group NAME { ... }` blocks.
    pub groups: Vec<VirtualServerGroup>,
    /// `virtual_server ... { ... }` blocks.
    pub virtual_servers: Vec<VirtualServer>,
    /// The root `SSL { ... }` block used by SSL_GET.
    pub ssl: Option<SslConfig>,
}

impl LvsConfig {
    /// Whether `vs` is a fwmark service or a group with a fwmark member: keepalived then
    /// clears its `ha_suspend` (check_data.c, "cannot use ha_suspend with fwmarks").
    pub fn uses_fwmark(&self, vs: &VirtualServer) -> bool {
        match &vs.address {
            VsAddress::Fwmark(_) => true,
            VsAddress::Group(name) => (self.groups.iter())
                .find(|g| &g.name == name)
                .is_some_and(|g| g.entries.iter().any(|e| matches!(e, VsgEntry::Fwmark(_)))),
            VsAddress::Socket(_) => false,
        }
    }
}

/// The root `SSL` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SslConfig {
    /// `password`: of the private key.
    pub password: Option<String>,
    /// `ca`: CA certificate file.
    pub ca: Option<String>,
    /// `certificate`: client certificate file.
    pub certificate: Option<String>,
    /// `key`: private key file.
    pub key: Option<String>,
}

/// `virtual_server_group NAME`.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualServerGroup {
    /// The group name.
    pub name: String,
    /// Its members.
    pub entries: Vec<VsgEntry>,
    /// Where it is declared.
    pub loc: Location,
}

/// One member of a virtual_server_group.
#[derive(Debug, Clone, PartialEq)]
pub enum VsgEntry {
    /// `IP PORT` or `IP-RANGE PORT` (e.g. `10.0.0.1-10 80`): addresses `first..=last`.
    Range {
        /// First address.
        first: IpAddr,
        /// Last address (equal to `first` for a single address).
        last: IpAddr,
        /// The port (0 when not given).
        port: u16,
    },
    /// `fwmark N`.
    Fwmark(u32),
}

/// What a virtual server listens on.
#[derive(Debug, Clone, PartialEq)]
pub enum VsAddress {
    /// `virtual_server IP PORT`.
    Socket(SocketAddr),
    /// `virtual_server fwmark N`.
    Fwmark(u32),
    /// `virtual_server group NAME`.
    Group(String),
}

/// The LVS scheduler (`lvs_sched`/`lb_algo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduler {
    /// rr
    Rr,
    /// wrr
    Wrr,
    /// lc
    Lc,
    /// wlc (keepalived's default)
    Wlc,
    /// lblc
    Lblc,
    /// lblcr
    Lblcr,
    /// dh
    Dh,
    /// sh
    Sh,
    /// sed
    Sed,
    /// nq
    Nq,
    /// fo
    Fo,
    /// ovf
    Ovf,
    /// mh
    Mh,
}

impl Scheduler {
    /// Parses a scheduler name as keepalived accepts it.
    pub fn from_name(s: &str) -> Option<Scheduler> {
        Some(match s {
            "rr" => Scheduler::Rr,
            "wrr" => Scheduler::Wrr,
            "lc" => Scheduler::Lc,
            "wlc" => Scheduler::Wlc,
            "lblc" => Scheduler::Lblc,
            "lblcr" => Scheduler::Lblcr,
            "dh" => Scheduler::Dh,
            "sh" => Scheduler::Sh,
            "sed" => Scheduler::Sed,
            "nq" => Scheduler::Nq,
            "fo" => Scheduler::Fo,
            "ovf" => Scheduler::Ovf,
            "mh" => Scheduler::Mh,
            _ => return None,
        })
    }
}

/// Forwarding method (`lvs_method`/`lb_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbKind {
    /// NAT (keepalived's default).
    Nat,
    /// DR (direct routing).
    Dr,
    /// TUN with its encapsulation.
    Tun(TunnelType),
}

/// Encapsulation of `lvs_method TUN type ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TunnelType {
    /// ipip (default).
    Ipip,
    /// gue with its UDP port.
    Gue {
        /// `port N`.
        port: u16,
        /// `nocsum|csum|remcsum`.
        csum: TunnelCsum,
    },
    /// gre.
    Gre {
        /// `nocsum|csum` (gre has no remcsum).
        csum: TunnelCsum,
    },
}

/// The checksum option of a gue or gre tunnel (keepalived's IP_VS_TUNNEL_ENCAP_FLAG_*).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TunnelCsum {
    /// `nocsum` (the default).
    #[default]
    NoCsum,
    /// `csum`.
    Csum,
    /// `remcsum` (gue only).
    RemCsum,
}

impl TunnelCsum {
    /// IPVS's tunnel flags (IPVS_DEST_ATTR_TUN_FLAGS).
    pub fn flags(self) -> u16 {
        match self {
            TunnelCsum::NoCsum => 0,
            TunnelCsum::Csum => 1,
            TunnelCsum::RemCsum => 2,
        }
    }
}

/// `protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// TCP
    Tcp,
    /// UDP (keepalived's default when missing)
    Udp,
    /// SCTP
    Sctp,
}

/// Scheduler flags (`sh-port`/`mh-port` = flag-2 etc.).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchedFlags {
    /// `flag-1`, `sh-fallback`, `mh-fallback`.
    pub flag1: bool,
    /// `flag-2`, `sh-port`, `mh-port`.
    pub flag2: bool,
    /// `flag-3`.
    pub flag3: bool,
}

/// Timing settings shared by virtual servers, real servers and checkers (each level
/// inherits from the one above when unset).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckTiming {
    /// `connect_timeout` (checker default 5s).
    pub connect_timeout: Option<Duration>,
    /// `retry` (or deprecated `nb_get_retry`).
    pub retry: Option<u32>,
    /// `delay_before_retry`.
    pub delay_before_retry: Option<Duration>,
    /// `warmup`.
    pub warmup: Option<Duration>,
    /// `delay_loop`.
    pub delay_loop: Option<Duration>,
    /// `alpha`.
    pub alpha: Option<bool>,
}

/// `virtual_server`.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualServer {
    /// What it listens on.
    pub address: VsAddress,
    /// Where it is declared.
    pub loc: Location,
    /// `lvs_sched`/`lb_algo`; None = not set (keepalived uses wlc).
    pub scheduler: Option<Scheduler>,
    /// `lvs_method`/`lb_kind`; None = not set (keepalived uses NAT).
    pub lb_kind: Option<LbKind>,
    /// `protocol`; None = not set (keepalived uses UDP, or none for fwmark).
    pub protocol: Option<Protocol>,
    /// `persistence_timeout` seconds.
    pub persistence_timeout: Option<u32>,
    /// `persistence_engine`.
    pub persistence_engine: Option<String>,
    /// `persistence_granularity` netmask.
    pub persistence_granularity: Option<IpAddr>,
    /// `ha_suspend`.
    pub ha_suspend: bool,
    /// `ops` (one-packet scheduling).
    pub ops: bool,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// Scheduler flags.
    pub sched_flags: SchedFlags,
    /// `omega`.
    pub omega: bool,
    /// `quorum` (default 1).
    pub quorum: u32,
    /// `quorum_up` script.
    pub quorum_up: Option<Script>,
    /// `quorum_down` script.
    pub quorum_down: Option<Script>,
    /// `hysteresis` (default 0).
    pub hysteresis: u32,
    /// `weight` of the virtual server itself, 1..=INT_MAX (default 1).
    pub weight: u32,
    /// `delay_loop` (default 60s) and the other inherited timing settings.
    pub timing: CheckTiming,
    /// `inhibit_on_failure`.
    pub inhibit_on_failure: bool,
    /// `sorry_server IP PORT`.
    pub sorry_server: Option<SocketAddr>,
    /// `sorry_server_inhibit`.
    pub sorry_server_inhibit: bool,
    /// `sorry_server_lvs_method`, else the `lvs_method` set before `sorry_server` (None: NAT).
    pub sorry_server_lb_kind: Option<LbKind>,
    /// `ip_family` inet|inet6.
    pub ip_family: Option<IpFamily>,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `snmp_name`: virtualServerName in KEEPALIVED-MIB.
    pub snmp_name: Option<String>,
    /// `real_server` blocks.
    pub real_servers: Vec<RealServer>,
}

impl VirtualServer {
    /// A virtual server with keepalived's defaults.
    pub fn new(address: VsAddress, loc: Location) -> Self {
        VirtualServer {
            address,
            loc,
            scheduler: None,
            lb_kind: None,
            protocol: None,
            persistence_timeout: None,
            persistence_engine: None,
            persistence_granularity: None,
            ha_suspend: false,
            ops: false,
            virtualhost: None,
            sched_flags: SchedFlags::default(),
            omega: false,
            quorum: 1,
            quorum_up: None,
            quorum_down: None,
            hysteresis: 0,
            weight: 1,
            timing: CheckTiming::default(),
            inhibit_on_failure: false,
            sorry_server: None,
            sorry_server_inhibit: false,
            sorry_server_lb_kind: None,
            ip_family: None,
            smtp_alert: None,
            snmp_name: None,
            real_servers: Vec::new(),
        }
    }

    /// The effective `delay_loop` (default 60s).
    pub fn delay_loop(&self) -> Duration {
        self.timing.delay_loop.unwrap_or(Duration::from_secs(60))
    }
}

/// `real_server IP PORT`.
#[derive(Debug, Clone, PartialEq)]
pub struct RealServer {
    /// Address and port (port 0 when omitted, e.g. under fwmark).
    pub address: SocketAddr,
    /// Where it is declared.
    pub loc: Location,
    /// `weight` (default 1).
    pub weight: i32,
    /// `lvs_method` (default: the virtual server's).
    pub lb_kind: Option<LbKind>,
    /// `inhibit_on_failure` (default: the virtual server's).
    pub inhibit_on_failure: Option<bool>,
    /// `notify_up`.
    pub notify_up: Option<Script>,
    /// `notify_down`.
    pub notify_down: Option<Script>,
    /// `uthreshold` (0 = none).
    pub uthreshold: u32,
    /// `lthreshold` (0 = none).
    pub lthreshold: u32,
    /// Timing overrides.
    pub timing: CheckTiming,
    /// `omega`.
    pub omega: Option<bool>,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `snmp_name`: realServerName in KEEPALIVED-MIB.
    pub snmp_name: Option<String>,
    /// Health checkers.
    pub checkers: Vec<Checker>,
}

/// A health checker of a real server.
#[derive(Debug, Clone, PartialEq)]
pub struct Checker {
    /// Which checker and its specific settings.
    pub kind: CheckerKind,
    /// Settings common to connection checkers.
    pub conn: CheckerConn,
    /// Timing overrides.
    pub timing: CheckTiming,
    /// `log_all_failures`.
    pub log_all_failures: Option<bool>,
    /// Where it is declared.
    pub loc: Location,
    /// Where its block ends (the closing `}`; the declaration when unknown).
    pub end_loc: Location,
}

/// Connection options shared by checkers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckerConn {
    /// `connect_ip` (default: the real server's).
    pub connect_ip: Option<IpAddr>,
    /// `connect_port` (default: the real server's).
    pub connect_port: Option<u16>,
    /// `bindto`.
    pub bindto: Option<IpAddr>,
    /// `bind_port`.
    pub bind_port: Option<u16>,
    /// `bind_if`.
    pub bind_if: Option<String>,
    /// `fwmark` put on the check packets.
    pub fwmark: Option<u32>,
    /// `connect_timeout` of an SMTP_CHECK `host` block (its own connection options; at the
    /// checker level connect_timeout is in [`CheckTiming`]).
    pub connect_timeout: Option<std::time::Duration>,
}

/// Checker type and its specific settings.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckerKind {
    /// TCP_CHECK.
    Tcp,
    /// HTTP_GET.
    Http(HttpCheck),
    /// SSL_GET.
    Ssl(HttpCheck),
    /// SMTP_CHECK with `helo_name`.
    Smtp {
        /// `helo_name` (default: the local host name).
        helo_name: Option<String>,
        /// Deprecated `host { connect_ip ... }` sub-blocks: extra servers to check.
        hosts: Vec<CheckerConn>,
    },
    /// DNS_CHECK.
    Dns(DnsCheck),
    /// UDP_CHECK.
    Udp(UdpCheck),
    /// PING_CHECK.
    Ping,
    /// MISC_CHECK.
    Misc(MiscCheck),
    /// FILE_CHECK.
    File(FileCheck),
    /// BFD_CHECK naming a bfd_instance.
    Bfd {
        /// The BFD instance name.
        name: Option<String>,
        /// `weight`.
        weight: i32,
    },
}

/// HTTP version of HTTP_GET/SSL_GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpProtocol {
    /// `1.0` (default).
    Http10,
    /// `1.0C`: 1.0 with `Connection: close`.
    Http10Close,
    /// `1.1`.
    Http11,
}

/// HTTP_GET / SSL_GET settings.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCheck {
    /// `url` blocks.
    pub urls: Vec<Url>,
    /// `http_protocol` (default 1.0).
    pub http_protocol: HttpProtocol,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `fast_recovery`.
    pub fast_recovery: bool,
    /// `enable_sni` (SSL_GET).
    pub enable_sni: bool,
    /// keepalived 2.3's `tls_compliant` (SSL_GET): close with a close_notify alert.
    pub tls_compliant: bool,
}

/// One `url { }` of HTTP_GET/SSL_GET.
#[derive(Debug, Clone, PartialEq)]
pub struct Url {
    /// `path`.
    pub path: Option<String>,
    /// `digest` (MD5 of the body).
    pub digest: Option<[u8; 16]>,
    /// `status_code` ranges (inclusive); empty = any 2xx.
    pub status_codes: Vec<(u16, u16)>,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `regex`.
    pub regex: Option<String>,
    /// `regex_no_match`.
    pub regex_no_match: bool,
    /// `regex_min_offset`.
    pub regex_min_offset: Option<u32>,
    /// `regex_max_offset`.
    pub regex_max_offset: Option<u32>,
    /// `regex_options` words, in order (every line's).
    pub regex_options: Vec<String>,
    /// keepalived 2.3's url `tls_compliant` (SSL_GET).
    pub tls_compliant: bool,
    /// Where it is declared.
    pub loc: Location,
}

/// DNS record type queried by DNS_CHECK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsType {
    /// A
    A,
    /// NS
    Ns,
    /// CNAME
    Cname,
    /// SOA (default)
    Soa,
    /// MX
    Mx,
    /// TXT
    Txt,
    /// AAAA
    Aaaa,
}

/// DNS_CHECK settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsCheck {
    /// `type` (default SOA, keepalived's DNS_DEFAULT_TYPE).
    pub qtype: DnsType,
    /// `name` (default ".").
    pub name: String,
}

/// UDP_CHECK settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UdpCheck {
    /// `payload` bytes.
    pub payload: Vec<u8>,
    /// `require_reply`: a reply is needed for success.
    pub require_reply: bool,
    /// `require_reply HEX`: the reply must start with these bytes, compared under the mask
    /// (0 nibbles where `X` was given): (bytes, mask).
    pub reply_pattern: Option<(Vec<u8>, Vec<u8>)>,
    /// `min_reply_length`.
    pub min_reply_length: Option<u32>,
    /// `max_reply_length`.
    pub max_reply_length: Option<u32>,
}

/// MISC_CHECK settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MiscCheck {
    /// `misc_path` script.
    pub script: Option<Script>,
    /// `misc_timeout` (default: the delay_loop).
    pub timeout: Option<Duration>,
    /// `misc_dynamic`: exit status 2..255 sets weight.
    pub dynamic: bool,
}

/// FILE_CHECK settings.
#[derive(Debug, Clone, PartialEq)]
pub struct FileCheck {
    /// `track_file` name.
    pub track_file: Option<String>,
    /// `weight`.
    pub weight: i32,
    /// Whether `weight` was given; when not, the track_file's weight and reverse apply.
    pub weight_given: bool,
    /// `reverse`.
    pub reverse: bool,
}
