//! keepalived's command line, flag for flag (keepalived 2.2.7 `--help`), plus ours.

use std::path::PathBuf;

use clap::Parser;

/// keepalived's default configuration file.
pub const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";

/// The command line. Help and version are ours (keepalived prints them its own way).
#[derive(Debug, Clone, Parser)]
#[command(
    name = "keepalived-rs",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
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
    /// -D, --log-detail: detailed log messages.
    #[arg(short = 'D', long = "log-detail")]
    pub log_detail: bool,
    /// -S, --log-facility: syslog facility 0-7, local0-7, user or daemon.
    #[arg(short = 'S', long = "log-facility", value_parser = parse_facility)]
    pub log_facility: Option<String>,
    /// -G, --no-syslog: don't log via syslog.
    #[arg(short = 'G', long = "no-syslog")]
    pub no_syslog: bool,
    /// -u, --umask=MASK: umask for file creation (numeric; 0 prefix octal, 0x hex).
    #[arg(short = 'u', long = "umask", value_parser = parse_umask)]
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
    /// -T, --genhash: genhash utility mode.
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
    pub snmp_agent_socket: Option<PathBuf>,
    /// -s, --namespace=NAME: run in this network namespace.
    #[arg(short = 's', long = "namespace", value_name = "NAME")]
    pub namespace: Option<String>,
    /// -m, --core-dump: produce a core dump on abnormal termination.
    #[arg(short = 'm', long = "core-dump")]
    pub core_dump: bool,
    /// -M, --core-dump-pattern[=PATN]: also set the kernel's core_pattern.
    #[arg(short = 'M', long = "core-dump-pattern", num_args = 0..=1, require_equals = true,
          default_missing_value = "core", value_name = "PATN")]
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
    /// -t, --config-test[=LOG_FILE]: check the configuration; diagnostics to stderr or LOG_FILE.
    #[arg(short = 't', long = "config-test", num_args = 0..=1, require_equals = true,
          default_missing_value = "", value_name = "LOG_FILE")]
    pub config_test: Option<String>,
    /// -v, --version.
    #[arg(short = 'v', long = "version")]
    pub version: bool,
    /// -h, --help.
    #[arg(short = 'h', long = "help")]
    pub help: bool,
    /// Ours: --metrics-address ADDR:PORT for Prometheus /metrics, /json and /healthz.
    #[arg(long = "metrics-address", value_name = "ADDR:PORT")]
    pub metrics_address: Option<std::net::SocketAddr>,
    /// Ours: --no-ipvs runs checkers and their scripts without programming IPVS.
    #[arg(long = "no-ipvs")]
    pub no_ipvs: bool,
    /// Ours: `demo` runs the two-router failover demo in network namespaces.
    #[arg(value_parser = ["demo"], hide = true)]
    pub command: Option<String>,
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
}

fn parse_facility(s: &str) -> Result<String, String> {
    let ok = matches!(s, "user" | "daemon")
        || (s.len() == 1 && s.as_bytes()[0].is_ascii_digit() && s <= "7")
        || s.strip_prefix("local")
            .is_some_and(|n| n.len() == 1 && ("0"..="7").contains(&n));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("log facility must be 0-7, local0-local7, user or daemon".into())
    }
}

/// keepalived reads the umask with strtoul(base 0): `0` prefix octal, `0x` hex, else decimal.
fn parse_umask(s: &str) -> Result<u32, String> {
    let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u32::from_str_radix(h, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        u32::from_str_radix(&s[1..], 8)
    } else {
        s.parse()
    };
    match v {
        Ok(m) if m <= 0o777 => Ok(m),
        _ => Err(format!("Invalid umask value {s}")),
    }
}

/// keepalived's `--signum` table: the signal for each function name.
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

/// Flags accepted for compatibility whose subsystem is not built yet.
pub fn unimplemented_flags(cli: &Cli) -> Vec<&'static str> {
    let table: [(bool, &'static str); 17] = [
        (cli.check_only, "-C/--check (health checkers)"),
        (cli.all, "--all"),
        (cli.log_facility.is_some(), "-S/--log-facility (syslog)"),
        (cli.umask.is_some(), "-u/--umask"),
        (cli.release_vips, "-X/--release-vips"),
        (cli.dont_release_vrrp, "-V/--dont-release-vrrp"),
        (cli.dont_release_ipvs, "-I/--dont-release-ipvs (IPVS)"),
        (cli.genhash, "-T/--genhash"),
        (
            cli.checkers_pid.is_some(),
            "-c/--checkers_pid (health checkers)",
        ),
        (cli.address_monitoring, "-a/--address-monitoring"),
        (cli.bfd_pid.is_some(), "-b/--bfd_pid (BFD)"),
        (cli.snmp, "-x/--snmp (SNMP)"),
        (
            cli.snmp_agent_socket.is_some(),
            "-A/--snmp-agent-socket (SNMP)",
        ),
        (cli.namespace.is_some(), "-s/--namespace"),
        (
            cli.core_dump || cli.core_dump_pattern.is_some(),
            "-m/-M core dumps",
        ),
        (cli.metrics_address.is_some(), "--metrics-address"),
        (cli.no_ipvs, "--no-ipvs"),
    ];
    table
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, n)| *n)
        .collect()
}

/// keepalived 2.2.7's `--help` text, with our additions at the end.
pub const HELP: &str = "\
Usage: keepalived [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file
                                default '/etc/keepalived/keepalived.conf'
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -B, --no_bfd                 Don't run BFD subsystem
      --all                    Force all child processes to run, even if have no configuration
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)
  -G, --no-syslog              Don't log via syslog
  -u, --umask=MASK             umask for file creation (in numeric form)
  -X, --release-vips           Drop VIP on transition from signal.
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -R, --dont-respawn           Don't respawn child processes
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -T, --genhash                Enter into genhash utility mode (this should be the first option used).
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -a, --address-monitoring     Report all address additions/deletions notified via netlink
  -b, --bfd_pid=FILE           Use specified pidfile for BFD child process
  -x, --snmp                   Enable SNMP subsystem
  -A, --snmp-agent-socket=FILE Use the specified socket for master agent
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)
  -m, --core-dump              Produce core dump if terminate abnormally
  -M, --core-dump-pattern=PATN Also set /proc/sys/kernel/core_pattern to PATN (default 'core')
  -e, --all-config             Error if any configuration file missing (same as includet)
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
                                or any lines beginning @^ that do match.
                                The config-id defaults to the node name if option not used
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                stderr by default
  -v, --version                Display the version number
  -h, --help                   Display this help message

keepalived-rs additions:
      --metrics-address=ADDR:PORT  Serve Prometheus /metrics, /json and /healthz (not built yet)
      --no-ipvs                    Run checkers and their scripts without IPVS (not built yet)
  demo                             Two-router VRRP failover demo in network namespaces (root)
";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("keepalived-rs").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    #[test]
    fn file_forms_like_getopt() {
        for args in [
            &["-f", "a.conf"][..],
            &["-fa.conf"],
            &["--use-file=a.conf"],
            &["--use-file", "a.conf"],
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
        assert!(c.log_console && c.dont_fork && c.log_detail && c.vrrp_only);
    }

    #[test]
    fn config_test_takes_its_file_only_with_equals() {
        assert_eq!(parse(&["-t"]).config_test_target(), Some(None));
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
    fn pid_files_keep_keepalived_spellings() {
        let c = parse(&[
            "--vrrp_pid=/r",
            "--checkers_pid",
            "/c",
            "-p",
            "/p",
            "--bfd_pid=/b",
        ]);
        assert_eq!(c.vrrp_pid, Some(PathBuf::from("/r")));
        assert_eq!(c.checkers_pid, Some(PathBuf::from("/c")));
        assert_eq!(c.pid, Some(PathBuf::from("/p")));
        assert_eq!(c.bfd_pid, Some(PathBuf::from("/b")));
    }

    #[test]
    fn every_flag_parses() {
        let c = parse(&[
            "-P",
            "-C",
            "-B",
            "--all",
            "-l",
            "-D",
            "-S",
            "local3",
            "-G",
            "-u",
            "022",
            "-X",
            "-V",
            "-I",
            "-R",
            "-n",
            "-d",
            "-T",
            "-a",
            "-x",
            "-A",
            "/s",
            "-s",
            "ns1",
            "-m",
            "-M",
            "-e",
            "-i",
            "node1",
            "--signum=STOP",
            "-v",
            "-h",
            "--no-ipvs",
            "--metrics-address",
            "127.0.0.1:9165",
        ]);
        assert_eq!(c.umask, Some(0o22));
        assert_eq!(c.core_dump_pattern.as_deref(), Some("core"));
        assert_eq!(c.config_id.as_deref(), Some("node1"));
        assert!(c.genhash && c.snmp && c.all_config && c.help && c.version);
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Cli::try_parse_from(["k", "-S", "local9"]).is_err());
        assert!(Cli::try_parse_from(["k", "-u", "999"]).is_err());
        assert!(Cli::try_parse_from(["k", "--bogus"]).is_err());
        assert!(Cli::try_parse_from(["k", "extra"]).is_err());
        assert_eq!(parse(&["demo"]).command.as_deref(), Some("demo"));
    }

    #[test]
    fn signum_numbers() {
        assert_eq!(signum("STOP"), Some(15));
        assert_eq!(signum("RELOAD"), Some(1));
        assert_eq!(signum("TDATA"), None);
    }
}
