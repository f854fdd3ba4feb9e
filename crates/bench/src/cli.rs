//! The command line.

use clap::{Parser, ValueEnum};

/// One benchmark of the suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Bench {
    /// Backup takeover of INSTANCES × VIPS (VRRPv2, advert_int 1) after the master's link
    /// is cut.
    Takeover,
    /// One MASTER router alone: process start until all VIPs are present.
    Startup,
    /// One MASTER router, VRRPv3 advert_int 0.1: RSS and CPU of its process tree over 10 s.
    Footprint,
    /// One instance, VRRPv3 advert_int 0.02: takeover time, median of --trials.
    Fast,
    /// One MASTER router, INSTANCES × VIPS: --reloads SIGHUPs with a small change each:
    /// time per reload, VIP gaps of unchanged instances, RSS growth. Only with --only.
    Reload,
    /// track_bfd weight -100 to FRR's bfdd (10 ms x 3): from the upstream link's cut to the
    /// VIP on the BACKUP, median of --trials (at least 10). Only with --only.
    Bfd,
    /// BFD transmit gaps (10 ms x 3 to FRR's bfdd, tcpdump in the peer) beside INSTANCES
    /// VRRPv3 MASTER instances at advert_int 0.1 in the same daemon, over --window (at least
    /// 10 s). Only with --only.
    BfdJitter,
    /// Floods beside min(INSTANCES, 100) instances (half MASTER, half BACKUP of a peer):
    /// --flood-pps of foreign VRRP and unrelated multicast, then --churn netlink changes a
    /// second; CPU, missed adverts, false transitions, receive queues. Only with --only.
    Flood,
    /// A MASTER/BACKUP pair of --soak-instances VRRPv3 instances at advert_int 0.1 per
    /// implementation, both pairs at once, for --minutes: a link flap every 10 s, a reload
    /// every minute, a SIGKILLed BACKUP VRRP child every 5 minutes; false transitions, RSS
    /// drift, CPU, advert gaps, ours' timer lateness. Only with --only.
    Soak,
    /// Checkers only (`-C`): --real-servers under TCP_CHECK and under HTTP_GET at
    /// delay_loop 1 (one backend process serving all): checks/s, check-interval jitter, CPU,
    /// RSS/PSS, real servers marked DOWN; then a SIGHUP changing 10 % of
    /// --reload-virtual-servers × 10 real servers: time until the IPVS table matches, no
    /// unchanged real server removed. Needs IPVS (run it in tests/vm). Only with --only.
    Checkers,
}

/// The parts of the checkers benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckerPart {
    /// All three.
    All,
    /// The TCP_CHECK shape.
    Tcp,
    /// The HTTP_GET shape.
    Http,
    /// The reload.
    Reload,
}

/// keepalived-rs against keepalived 2.2.7, side by side in network-namespace labs.
#[derive(Parser, Debug)]
#[command(name = "keepalived-bench", version)]
pub struct Options {
    /// Trials of the fast takeover (the median is reported).
    #[arg(long, default_value_t = 7)]
    pub trials: usize,
    /// Rounds of takeover, startup and footprint (alternating the implementations; the
    /// median is reported).
    #[arg(long, default_value_t = 1)]
    pub rounds: usize,
    /// Run only this benchmark.
    #[arg(long, value_enum)]
    pub only: Option<Bench>,
    /// Our binary.
    #[arg(long, default_value = "target/release/keepalived-rs")]
    pub ours: String,
    /// The real keepalived.
    #[arg(long, default_value = "/usr/sbin/keepalived")]
    pub keepalived: String,
    /// vrrp_instances of the takeover, startup and footprint configurations.
    #[arg(long, default_value_t = 200)]
    pub instances: usize,
    /// VIPs per instance of the takeover and startup configurations.
    #[arg(long, default_value_t = 5)]
    pub vips_per_instance: usize,
    /// Run ours only (it also plays the takeover's master); keepalived is not needed.
    #[arg(long)]
    pub ours_only: bool,
    /// Footprint measuring window, seconds.
    #[arg(long, default_value_t = 10)]
    pub window: u64,
    /// Also write the results as Markdown (docs/PERFORMANCE.md) to this file.
    #[arg(long)]
    pub markdown: Option<String>,
    /// SIGHUPs of the reload benchmark.
    #[arg(long, default_value_t = 200)]
    pub reloads: usize,
    /// Packets per second of the flood benchmark's flooder.
    #[arg(long, default_value_t = 100_000)]
    pub flood_pps: u64,
    /// Unrelated netlink address/route changes per second of the flood benchmark.
    #[arg(long, default_value_t = 10_000)]
    pub churn: u64,
    /// bfd-jitter also runs with `bfd_rt_priority N` (SCHED_RR BFD child); 0: not.
    #[arg(long, default_value_t = 1)]
    pub bfd_rt_priority: u8,
    /// Minutes of the soak.
    #[arg(long, default_value_t = 30)]
    pub minutes: u64,
    /// vrrp_instances of each soak router (250 per link).
    #[arg(long, default_value_t = 1000)]
    pub soak_instances: usize,
    /// The soak's VRRP children run at SCHED_RR priority N (`vrrp_rt_priority`); 0: not.
    #[arg(long, default_value_t = 0)]
    pub soak_rt_priority: u8,
    /// Names of the labs' network namespaces start with this (then pid, lab number).
    #[arg(long, default_value = "kb")]
    pub netns_prefix: String,
    /// Real servers of the checkers benchmark's TCP_CHECK and HTTP_GET shapes (at most 32000).
    #[arg(long, default_value_t = 10_000)]
    pub real_servers: usize,
    /// Virtual servers (× 10 real servers) of the checkers benchmark's reload (at most 3200).
    #[arg(long, default_value_t = 2000)]
    pub reload_virtual_servers: usize,
    /// The longest wait for the checkers reload to converge, seconds.
    #[arg(long, default_value_t = 300)]
    pub reload_cap: u64,
    /// Which parts of the checkers benchmark run.
    #[arg(long, value_enum, default_value_t = CheckerPart::All)]
    pub checker_part: CheckerPart,
    /// Print log timelines and per-trial numbers.
    #[arg(long, short)]
    pub verbose: bool,
}

impl Options {
    /// Whether benchmark `b` is selected.
    pub fn runs(&self, b: Bench) -> bool {
        // The reload benchmark takes minutes with keepalived, the BFD ones need FRR, the flood
        // one loads the machine, the soak takes half an hour: run them only when asked for.
        (self.only.is_none()
            && !matches!(
                b,
                Bench::Reload
                    | Bench::Bfd
                    | Bench::BfdJitter
                    | Bench::Flood
                    | Bench::Soak
                    | Bench::Checkers
            ))
            || self.only == Some(b)
    }
}
