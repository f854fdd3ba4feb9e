//! keepalived's command line, flag for flag (keepalived 2.2.7 `--help`), plus ours.
//!
//! [`Cli`] is the typed result. The binary reads argv with [`crate::getopt`], which walks it
//! the way keepalived's getopt_long loop does (order, messages, non-fatal warnings) and hands
//! a normalised argv to [`Cli`]; `Cli::try_parse_from` also works on its own.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// keepalived's default configuration file.
pub const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";

/// The command line. Help and version are ours (keepalived prints them its own way).
#[derive(Debug, Clone, Default, Parser)]
#[command(
    name = "keepalived-rs",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    infer_long_args = true,
    args_override_self = true
)]
pub struct Cli {
    /// -f, --use-file=FILE: the configuration file.
    #[arg(short = 'f', long = "use-file", value_name = "FILE")]
    pub use_file: Option<PathBuf>,
    /// -P, --vrrp: only run the VRRP subsystem.
    #[arg(short = 'P', long = "vrrp")]
    pub vrrp_only: bool,
    /// -C, --check: only run the health-checker subsystem.
    #[arg(short = 'C', long = "check")]
    pub check_only: bool,
    /// -B, --no_bfd: don't run the BFD subsystem.
    #[arg(short = 'B', long = "no_bfd")]
    pub no_bfd: bool,
    /// --all: run all child processes even without configuration for them.
    #[arg(long = "all")]
    pub all: bool,
    /// -l, --log-console: log to the console.
    #[arg(short = 'l', long = "log-console")]
    pub log_console: bool,
    /// -D, --log-detail: detailed log messages; given twice, extra detail (keepalived's
    /// LOG_EXTRA_DETAIL).
    #[arg(short = 'D', long = "log-detail", action = clap::ArgAction::Count)]
    pub log_detail: u8,
    /// -S, --log-facility: syslog facility 0-7 (LOG_LOCAL0-7), local0-7, user or daemon.
    #[arg(short = 'S', long = "log-facility", value_parser = parse_facility,
          value_name = "([0-7]|local[0-7]|user|daemon)")]
    pub log_facility: Option<LogFacility>,
    /// -G, --no-syslog: don't log via syslog.
    #[arg(short = 'G', long = "no-syslog")]
    pub no_syslog: bool,
    /// -u, --umask=MASK: umask for file creation, read like C `strtoll(.., 0)`.
    #[arg(short = 'u', long = "umask", value_parser = parse_umask, value_name = "MASK")]
    pub umask: Option<u32>,
    /// -X, --release-vips: drop VIPs on transition from signal.
    #[arg(short = 'X', long = "release-vips")]
    pub release_vips: bool,
    /// -V, --dont-release-vrrp: don't remove VRRP VIPs and routes on stop.
    #[arg(short = 'V', long = "dont-release-vrrp")]
    pub dont_release_vrrp: bool,
    /// -I, --dont-release-ipvs: don't remove the IPVS topology on stop.
    #[arg(short = 'I', long = "dont-release-ipvs")]
    pub dont_release_ipvs: bool,
    /// -R, --dont-respawn: don't respawn child processes.
    #[arg(short = 'R', long = "dont-respawn")]
    pub dont_respawn: bool,
    /// -n, --dont-fork: stay in the foreground.
    #[arg(short = 'n', long = "dont-fork")]
    pub dont_fork: bool,
    /// -d, --dump-conf: dump the configuration data.
    #[arg(short = 'd', long = "dump-conf")]
    pub dump_conf: bool,
    /// -p, --pid=FILE: pid file of the parent process.
    #[arg(short = 'p', long = "pid", value_name = "FILE")]
    pub pid: Option<PathBuf>,
    /// -r, --vrrp_pid=FILE: pid file of the VRRP child.
    #[arg(short = 'r', long = "vrrp_pid", value_name = "FILE")]
    pub vrrp_pid: Option<PathBuf>,
    /// -T, --genhash: genhash utility mode (the rest of argv belongs to genhash).
    #[arg(short = 'T', long = "genhash")]
    pub genhash: bool,
    /// -c, --checkers_pid=FILE: pid file of the checker child.
    #[arg(short = 'c', long = "checkers_pid", value_name = "FILE")]
    pub checkers_pid: Option<PathBuf>,
    /// -a, --address-monitoring: report all address changes seen through netlink.
    #[arg(short = 'a', long = "address-monitoring")]
    pub address_monitoring: bool,
    /// -b, --bfd_pid=FILE: pid file of the BFD child.
    #[arg(short = 'b', long = "bfd_pid", value_name = "FILE")]
    pub bfd_pid: Option<PathBuf>,
    /// -x, --snmp: enable the SNMP subsystem.
    #[arg(short = 'x', long = "snmp")]
    pub snmp: bool,
    /// -A, --snmp-agent-socket=FILE: socket of the SNMP master agent.
    #[arg(short = 'A', long = "snmp-agent-socket", value_name = "FILE")]
    pub snmp_agent_socket: Option<String>,
    /// -s, --namespace=NAME: run in this network namespace (overrides the config).
    #[arg(short = 's', long = "namespace", value_name = "NAME")]
    pub namespace: Option<String>,
    /// -m, --core-dump: produce a core dump on abnormal termination.
    #[arg(short = 'm', long = "core-dump")]
    pub core_dump: bool,
    /// -M, --core-dump-pattern[=PATN]: also set the kernel's core_pattern (implies -m).
    /// `Some("")` when given without a pattern: keepalived's default pattern is `core`.
    #[arg(short = 'M', long = "core-dump-pattern", num_args = 0..=1, require_equals = true,
          default_missing_value = "", value_name = "PATN")]
    pub core_dump_pattern: Option<String>,
    /// -e, --all-config: error if any configuration file is missing.
    #[arg(short = 'e', long = "all-config")]
    pub all_config: bool,
    /// -i, --config-id=ID: the id `@ID` configuration lines are compared with.
    #[arg(short = 'i', long = "config-id", value_name = "ID")]
    pub config_id: Option<String>,
    /// --signum=SIGFUNC: print the signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON.
    #[arg(long = "signum", value_name = "SIGFUNC")]
    pub signum: Option<String>,
    /// -t, --config-test[=LOG_FILE]: check the configuration; diagnostics to stderr or
    /// LOG_FILE. `Some("")` when given without a file.
    #[arg(short = 't', long = "config-test", num_args = 0..=1, require_equals = true,
          default_missing_value = "", value_name = "LOG_FILE")]
    pub config_test: Option<String>,
    /// -g, --log-file[=FILE]: in keepalived's long option table, but this keepalived 2.2.7
    /// build lacks --enable-log-file, so it is refused (as keepalived does). Not in `--help`.
    #[arg(short = 'g', long = "log-file", num_args = 0..=1, require_equals = true,
          default_missing_value = "", value_name = "FILE", hide = true)]
    pub log_file: Option<String>,
    /// --config-fd=FD: keepalived's internal option (a reload passes the consolidated config
    /// on this descriptor). Accepted, not in `--help`.
    #[arg(long = "config-fd", value_name = "FD", hide = true)]
    pub config_fd: Option<String>,
    /// --ignore-sigint: keepalived 2.3's option (SIGINT does not stop the daemon; for
    /// debugging under gdb). Not in 2.2.7's `--help`.
    #[arg(long = "ignore-sigint", hide = true)]
    pub ignore_sigint: bool,
    /// -v, --version.
    #[arg(short = 'v', long = "version")]
    pub version: bool,
    /// -h, --help.
    #[arg(short = 'h', long = "help")]
    pub help: bool,
    /// Ours: --metrics-address ADDR:PORT for Prometheus /metrics, /json and /healthz.
    #[arg(long = "metrics-address", value_name = "ADDR:PORT")]
    pub metrics_address: Option<SocketAddr>,
    /// Ours: --no-ipvs runs checkers and their scripts without programming IPVS.
    #[arg(long = "no-ipvs")]
    pub no_ipvs: bool,
    /// Arguments that are not options. keepalived prints "Unexpected argument(s)" and carries
    /// on; ours: a lone `demo` runs the two-router failover demo.
    #[arg(hide = true)]
    pub args: Vec<String>,
}

/// A syslog facility as `-S` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFacility {
    /// `0`-`7` or `local0`-`local7`: LOG_LOCAL0-7.
    Local(u8),
    /// `user`: LOG_USER.
    User,
    /// `daemon`: LOG_DAEMON (keepalived's default).
    Daemon,
}

/// Pid files of the parent and each child process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PidFiles {
    /// The parent process (`-p`).
    pub main: PathBuf,
    /// The VRRP child (`-r`).
    pub vrrp: PathBuf,
    /// The checker child (`-c`).
    pub checkers: PathBuf,
    /// The BFD child (`-b`).
    pub bfd: PathBuf,
}

impl Cli {
    /// The configuration file (`-f`, or keepalived's default).
    pub fn config_file(&self) -> PathBuf {
        self.use_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG))
    }

    /// `-t` given; `Some(None)` writes diagnostics to stderr, `Some(Some(f))` to the file.
    pub fn config_test_target(&self) -> Option<Option<PathBuf>> {
        self.config_test
            .as_ref()
            .map(|f| (!f.is_empty()).then(|| PathBuf::from(f)))
    }

    /// `-m` or `-M` given (`-M` implies `-m` in keepalived).
    pub fn core_dump_wanted(&self) -> bool {
        self.core_dump || self.core_dump_pattern.is_some()
    }

    /// The pattern `-M` writes to /proc/sys/kernel/core_pattern (`core` unless given).
    pub fn core_pattern(&self) -> Option<&str> {
        self.core_dump_pattern
            .as_deref()
            .map(|p| if p.is_empty() { "core" } else { p })
    }

    /// The pid files, as keepalived 2.2.7 chooses them once the configuration is read.
    ///
    /// `instance_name` is global_defs `instance`; `pid_dir` is true with `use_pid_dir`, an
    /// instance or a network namespace (`-s` or `net_namespace`): files then go to
    /// /run/keepalived/ (in a namespace, /run/keepalived/NAME is mounted there, see
    /// crate::namespace), named `_INSTANCE` after the stem with an instance. The installed
    /// 2.2.7 binary names the children /run/vrrp.pid, /run/checkers.pid and /run/bfd.pid;
    /// its man page says /run/keepalived_vrrp.pid etc. We follow the binary.
    pub fn pid_files(&self, instance_name: Option<&str>, pid_dir: bool) -> PidFiles {
        let dir = if pid_dir || instance_name.is_some() {
            "/run/keepalived/"
        } else {
            "/run/"
        };
        let default = |stem: &str| {
            let suffix = instance_name.map(|i| format!("_{i}")).unwrap_or_default();
            PathBuf::from(format!("{dir}{stem}{suffix}.pid"))
        };
        PidFiles {
            main: self.pid.clone().unwrap_or_else(|| default("keepalived")),
            vrrp: self.vrrp_pid.clone().unwrap_or_else(|| default("vrrp")),
            checkers: self
                .checkers_pid
                .clone()
                .unwrap_or_else(|| default("checkers")),
            bfd: self.bfd_pid.clone().unwrap_or_else(|| default("bfd")),
        }
    }
}

/// C `strtoll(s, &end, base)` as far as keepalived relies on it: the value and whether the
/// whole string was consumed. Base 0 picks 0x-hex, 0-octal or decimal.
fn strtoll(s: &str, base: u32) -> (i128, bool) {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let hex = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .filter(|h| h.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (radix, digits) = match (base, hex) {
        (0 | 16, Some(h)) => (16, h),
        (0, None) if t.starts_with('0') => (8, t),
        (0, None) => (10, t),
        (b, _) => (b, t),
    };
    let len = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    if len == 0 {
        // No digits: strtoll returns 0 and leaves the end pointer at the start.
        return (0, s.is_empty());
    }
    let value = digits[..len]
        .chars()
        .filter_map(|c| c.to_digit(radix))
        .fold(0i128, |v, d| {
            (v * i128::from(radix) + i128::from(d)).min(i128::from(u64::MAX))
        });
    (if neg { -value } else { value }, len == digits.len())
}

/// `-S`: keepalived's read_unsigned (decimal, 0-7), the same after `local`, or a name.
pub fn parse_facility(s: &str) -> Result<LogFacility, String> {
    let number = |n: &str| match strtoll(n, 10) {
        (v @ 0..=7, true) if !n.is_empty() && !n.trim_start().starts_with('-') => {
            u8::try_from(v).ok()
        }
        _ => None,
    };
    if let Some(n) = number(s).or_else(|| s.strip_prefix("local").and_then(number)) {
        return Ok(LogFacility::Local(n));
    }
    match s {
        "user" => Ok(LogFacility::User),
        "daemon" => Ok(LogFacility::Daemon),
        _ => Err(format!("Invalid log facility '{s}'")),
    }
}

/// `-u`: keepalived's set_umask: `strtoll(s, 0)`, whole string, within 0777.
pub fn parse_umask(s: &str) -> Result<u32, String> {
    match strtoll(s, 0) {
        (v @ 0..=0o777, true) => u32::try_from(v).map_err(|e| e.to_string()),
        _ => Err(format!("Invalid --umask option {s}")),
    }
}

/// keepalived's `--signum` table: the signal for each function name (case-sensitive).
/// TDUMP exists only in keepalived builds with THREAD_DUMP, which 2.2.7 packages lack.
pub fn signum(name: &str) -> Option<i32> {
    Some(match name {
        "STOP" => libc::SIGTERM,
        "RELOAD" => libc::SIGHUP,
        "DATA" => libc::SIGUSR1,
        "STATS" => libc::SIGUSR2,
        "STATS_CLEAR" => libc::SIGRTMIN() + 29,
        "JSON" => libc::SIGRTMIN() + 2,
        _ => return None,
    })
}

/// Flags accepted for compatibility whose subsystem is not built yet. Each entry is the
/// flag as `--help` spells it; remove an entry once its subsystem honours it.
pub fn unimplemented_flags(cli: &Cli) -> Vec<&'static str> {
    // Every other flag holds: a supervising parent, a VRRP child, a checker child, a BFD
    // child (docs/process.md for -s, -m/-M, -X, -a, --ignore-sigint; docs/bfd.md for -b,
    // -B). --config-fd is the descriptor keepalived's reload_check_config child writes its
    // configuration copy to; reload_check_config is not supported.
    let table: [(bool, &'static str); 1] = [(cli.config_fd.is_some(), "--config-fd")];
    table
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, n)| *n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("keepalived-rs").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn refused(args: &[&str]) -> bool {
        Cli::try_parse_from(std::iter::once("keepalived-rs").chain(args.iter().copied())).is_err()
    }

    #[test]
    fn file_forms_like_getopt() {
        for args in [
            &["-f", "a.conf"][..],
            &["-fa.conf"],
            &["--use-file=a.conf"],
            &["--use-file", "a.conf"],
            &["--use", "a.conf"],
        ] {
            assert_eq!(
                parse(args).config_file(),
                PathBuf::from("a.conf"),
                "{args:?}"
            );
        }
        assert_eq!(parse(&[]).config_file(), PathBuf::from(DEFAULT_CONFIG));
    }

    #[test]
    fn combined_short_flags() {
        let c = parse(&["-lnDP"]);
        assert!(c.log_console && c.dont_fork && c.vrrp_only);
        assert_eq!(c.log_detail, 1);
        assert_eq!(parse(&["-DD"]).log_detail, 2);
        // getopt: a repeated option is fine, the last value wins.
        let c = parse(&["-nn", "-f", "/a", "--use-file=/b", "-GG"]);
        assert_eq!(c.use_file, Some(PathBuf::from("/b")));
        assert!(c.dont_fork && c.no_syslog);
        let c = parse(&["-lnf/k.conf"]);
        assert!(c.log_console && c.dont_fork);
        assert_eq!(c.use_file, Some(PathBuf::from("/k.conf")));
    }

    #[test]
    fn config_test_takes_its_file_only_with_equals() {
        assert_eq!(parse(&["-t"]).config_test_target(), Some(None));
        assert_eq!(parse(&["--config-test"]).config_test_target(), Some(None));
        assert_eq!(
            parse(&["--config-test=/tmp/x"]).config_test_target(),
            Some(Some(PathBuf::from("/tmp/x")))
        );
        let c = parse(&["-t", "-f", "k.conf"]);
        assert_eq!(c.config_test_target(), Some(None));
        assert_eq!(c.config_file(), PathBuf::from("k.conf"));
        assert_eq!(parse(&[]).config_test_target(), None);
    }

    #[test]
    fn core_dump_pattern_is_optional() {
        assert_eq!(parse(&["-M"]).core_pattern(), Some("core"));
        assert_eq!(
            parse(&["--core-dump-pattern=/tmp/c"]).core_pattern(),
            Some("/tmp/c")
        );
        assert!(parse(&["-M"]).core_dump_wanted());
        assert!(parse(&["-m"]).core_dump_wanted());
        assert_eq!(parse(&["-m"]).core_pattern(), None);
        assert!(!parse(&[]).core_dump_wanted());
    }

    #[test]
    fn pid_files_keep_keepalived_spellings() {
        let c = parse(&[
            "--vrrp_pid=/r",
            "--checkers_pid",
            "/c",
            "-p",
            "/p",
            "--bfd_pid=/b",
        ]);
        let want = PidFiles {
            main: "/p".into(),
            vrrp: "/r".into(),
            checkers: "/c".into(),
            bfd: "/b".into(),
        };
        assert_eq!(c.pid_files(None, false), want);
        assert_eq!(c.pid_files(Some("x"), true), want);
    }

    #[test]
    fn default_pid_files_follow_keepalived() {
        let c = parse(&[]);
        let p = c.pid_files(None, false);
        assert_eq!(p.main, PathBuf::from("/run/keepalived.pid"));
        assert_eq!(p.vrrp, PathBuf::from("/run/vrrp.pid"));
        assert_eq!(p.checkers, PathBuf::from("/run/checkers.pid"));
        assert_eq!(p.bfd, PathBuf::from("/run/bfd.pid"));
        let p = c.pid_files(None, true);
        assert_eq!(p.main, PathBuf::from("/run/keepalived/keepalived.pid"));
        assert_eq!(p.vrrp, PathBuf::from("/run/keepalived/vrrp.pid"));
        let p = c.pid_files(Some("i1"), false);
        assert_eq!(p.main, PathBuf::from("/run/keepalived/keepalived_i1.pid"));
        assert_eq!(p.bfd, PathBuf::from("/run/keepalived/bfd_i1.pid"));
    }

    #[test]
    fn every_flag_parses_short() {
        let c = parse(&[
            "-f", "/k", "-P", "-C", "-B", "-l", "-D", "-S", "local3", "-G", "-u", "022", "-X",
            "-V", "-I", "-R", "-n", "-d", "-p", "/p", "-r", "/r", "-T", "-c", "/c", "-a", "-b",
            "/b", "-x", "-A", "/s", "-s", "ns1", "-m", "-M", "-e", "-i", "node1", "-t", "-v", "-h",
        ]);
        assert_eq!(c.use_file, Some(PathBuf::from("/k")));
        assert!(c.vrrp_only && c.check_only && c.no_bfd && c.log_console && c.no_syslog);
        assert_eq!(c.log_detail, 1);
        assert_eq!(c.log_facility, Some(LogFacility::Local(3)));
        assert_eq!(c.umask, Some(0o22));
        assert!(c.release_vips && c.dont_release_vrrp && c.dont_release_ipvs);
        assert!(c.dont_respawn && c.dont_fork && c.dump_conf && c.genhash);
        assert_eq!(c.pid, Some(PathBuf::from("/p")));
        assert_eq!(c.vrrp_pid, Some(PathBuf::from("/r")));
        assert_eq!(c.checkers_pid, Some(PathBuf::from("/c")));
        assert_eq!(c.bfd_pid, Some(PathBuf::from("/b")));
        assert!(c.address_monitoring && c.snmp && c.core_dump && c.all_config);
        assert_eq!(c.snmp_agent_socket.as_deref(), Some("/s"));
        assert_eq!(c.namespace.as_deref(), Some("ns1"));
        assert_eq!(c.core_pattern(), Some("core"));
        assert_eq!(c.config_id.as_deref(), Some("node1"));
        assert_eq!(c.config_test_target(), Some(None));
        assert!(c.help && c.version);
    }

    #[test]
    fn every_flag_parses_long() {
        let c = parse(&[
            "--use-file=/k",
            "--vrrp",
            "--check",
            "--no_bfd",
            "--all",
            "--log-console",
            "--log-detail",
            "--log-facility=daemon",
            "--no-syslog",
            "--umask=0x1f",
            "--release-vips",
            "--dont-release-vrrp",
            "--dont-release-ipvs",
            "--dont-respawn",
            "--dont-fork",
            "--dump-conf",
            "--pid=/p",
            "--vrrp_pid=/r",
            "--genhash",
            "--checkers_pid=/c",
            "--address-monitoring",
            "--bfd_pid=/b",
            "--snmp",
            "--snmp-agent-socket=/s",
            "--namespace=ns1",
            "--core-dump",
            "--core-dump-pattern=/tmp/%e",
            "--all-config",
            "--config-id=node1",
            "--signum=STOP",
            "--config-test=/tmp/log",
            "--config-fd=5",
            "--ignore-sigint",
            "--version",
            "--help",
            "--no-ipvs",
            "--metrics-address",
            "127.0.0.1:9165",
        ]);
        assert_eq!(c.use_file, Some(PathBuf::from("/k")));
        assert!(c.vrrp_only && c.check_only && c.no_bfd && c.all && c.log_console);
        assert_eq!(c.log_facility, Some(LogFacility::Daemon));
        assert_eq!(c.umask, Some(0x1f));
        assert!(c.no_syslog && c.release_vips && c.dont_release_vrrp && c.dont_release_ipvs);
        assert!(c.dont_respawn && c.dont_fork && c.dump_conf && c.genhash);
        assert!(c.address_monitoring && c.snmp && c.core_dump && c.all_config);
        assert_eq!(c.core_pattern(), Some("/tmp/%e"));
        assert_eq!(c.signum.as_deref(), Some("STOP"));
        assert_eq!(
            c.config_test_target(),
            Some(Some(PathBuf::from("/tmp/log")))
        );
        assert_eq!(c.config_fd.as_deref(), Some("5"));
        assert!(c.ignore_sigint);
        assert_eq!(c.metrics_address, Some("127.0.0.1:9165".parse().unwrap()));
        assert!(c.no_ipvs && c.help && c.version);
        // Only the flags of subsystems not built yet are left.
        assert_eq!(unimplemented_flags(&c), ["--config-fd"]);
    }

    #[test]
    fn facility_like_read_unsigned() {
        for (s, want) in [
            ("0", LogFacility::Local(0)),
            ("7", LogFacility::Local(7)),
            ("07", LogFacility::Local(7)),
            (" 3", LogFacility::Local(3)),
            ("+3", LogFacility::Local(3)),
            ("local0", LogFacility::Local(0)),
            ("local07", LogFacility::Local(7)),
            ("local+3", LogFacility::Local(3)),
            ("user", LogFacility::User),
            ("daemon", LogFacility::Daemon),
        ] {
            assert_eq!(parse_facility(s), Ok(want), "{s:?}");
        }
        for s in [
            "8", "local8", "local9", "-1", "3 ", "LOCAL3", "kern", "auth", "", "local",
        ] {
            assert!(parse_facility(s).is_err(), "{s:?}");
        }
        assert!(refused(&["-S", "local9"]));
    }

    #[test]
    fn umask_like_strtoll_base_0() {
        for (s, want) in [
            ("022", 0o22),
            ("0x12", 0x12),
            ("18", 18),
            ("0777", 0o777),
            (" 22", 22),
            ("0", 0),
            ("", 0),
            ("-0", 0),
            ("511", 0o777),
        ] {
            assert_eq!(parse_umask(s), Ok(want), "{s:?}");
        }
        for s in [
            "0o22",
            "22x",
            "1000",
            "-1",
            "077777",
            "0778",
            "0x",
            "512",
            "99999999999999999999999",
        ] {
            assert_eq!(
                parse_umask(s),
                Err(format!("Invalid --umask option {s}")),
                "{s:?}"
            );
        }
    }

    #[test]
    fn bad_values_and_unknown_options_are_refused() {
        assert!(refused(&["-u", "999"]));
        assert!(refused(&["--bogus"]));
        assert!(refused(&["-Z"]));
        assert!(refused(&["-f"]));
        assert!(refused(&["--help=x"]));
        assert!(refused(&["--metrics-address", "nope"]));
        assert_eq!(parse(&["demo"]).args, ["demo"]);
    }

    #[test]
    fn signum_numbers() {
        assert_eq!(signum("STOP"), Some(15));
        assert_eq!(signum("RELOAD"), Some(1));
        assert_eq!(signum("DATA"), Some(10));
        assert_eq!(signum("STATS"), Some(12));
        assert_eq!(signum("TDATA"), None);
        assert_eq!(signum("stop"), None);
    }

    #[test]
    fn nothing_unimplemented_by_default() {
        assert!(unimplemented_flags(&parse(&["-P", "-l", "-n", "-f", "/k"])).is_empty());
    }
}
