//! `-h` and `-v`: keepalived 2.2.7's texts, naming keepalived-rs where they describe us.

/// The keepalived release whose command line, configuration and protocol we follow.
pub const KEEPALIVED_VERSION: &str = "Keepalived v2.2.7 (01/16,2022)";

/// keepalived 2.2.7's option lines, exactly as its `--help` prints them (this Debian build
/// has VRRP, LVS, BFD, SNMP and JSON, so every conditional line is present).
const OPTIONS: &str = "
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
";

/// Our additions, after keepalived's lines and marked as ours.
const OURS: &str = "
keepalived-rs options (not in keepalived):
      --metrics-address=ADDR:PORT  Serve Prometheus /metrics, /json and /healthz
      --no-ipvs                    Run checkers and their scripts without IPVS
keepalived-rs operand:
  demo                             Two-router VRRP failover demo in network namespaces (root)
";

/// The `--help` text; keepalived's usage line names the program as it was invoked.
pub fn help_text(program: &str) -> String {
    format!("Usage: {program} [OPTION...]{OPTIONS}{OURS}")
}

/// /proc/sys/kernel/NAME, trimmed (empty when unreadable).
pub(crate) fn proc_kernel(name: &str) -> String {
    std::fs::read_to_string(format!("/proc/sys/kernel/{name}"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// keepalived's report_distro: PRETTY_NAME from /etc/os-release.
fn distro() -> Option<String> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    let value = text.lines().find_map(|l| l.strip_prefix("PRETTY_NAME="))?;
    Some(value.trim_matches('"').to_owned())
}

/// The `configure options:` line: the switches of Debian's keepalived 2.2.7, in its order,
/// whose feature keepalived-rs really has (SNMP: all of KEEPALIVED-MIB, VRRP-MIB and
/// VRRPv3-MIB, docs/snmp.md; D-Bus; JSON dumps; BFD, docs/bfd.md; HTTP_GET `regex`;
/// systemd). keepalived-exporter reads `--enable-json` here before it uses the JSON signal.
pub const CONFIGURE_OPTIONS: &str = "--enable-snmp --enable-snmp-rfcv2 --enable-snmp-rfcv3 \
     --enable-dbus --enable-json --enable-bfd --enable-regex --with-init=systemd";

/// The `Config options:` line, in keepalived's order (its CONFIGURATION_OPTIONS starts with a
/// space, hence the double space after the colon): only the features keepalived-rs has.
pub const CONFIG_OPTIONS: &str =
    " NFTABLES LVS REGEX VRRP VRRP_AUTH VRRP_VMAC JSON BFD OLD_CHKSUM_COMPAT \
     SNMP_V3_FOR_V2 SNMP_VRRP SNMP_CHECKER SNMP_RFCV2 SNMP_RFCV3 DBUS INIT=systemd SYSTEMD_NOTIFY";

/// `-v` / `--version`: keepalived 2.2.7's layout (printed on stderr). The first line is
/// keepalived's version string, naming the release we are compatible with, then ours, the way
/// keepalived appends `, git commit X`: tools that take the second word of the first line
/// (keepalived-exporter) read `v2.2.7` and so pick the 2.2.7 formats and signals.
pub fn version_banner() -> String {
    let distro = distro()
        .map(|d| format!("Distro: {d}\n"))
        .unwrap_or_default();
    format!(
        "{KEEPALIVED_VERSION}, keepalived-rs v{ours}\n\n\
         Copyright(C) 2001-2022 Alexandre Cassen, <acassen@gmail.com>\n\
         keepalived-rs: a re-implementation of Keepalived in Rust\n\n\
         Built with Rust for {arch} Linux\n\
         Running on {os} {release} {version}\n\
         {distro}\n\
         configure options: {CONFIGURE_OPTIONS}\n\n\
         Config options: {CONFIG_OPTIONS}\n",
        ours = env!("CARGO_PKG_VERSION"),
        arch = std::env::consts::ARCH,
        os = proc_kernel("ostype"),
        release = proc_kernel("osrelease"),
        version = proc_kernel("version"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_names_the_program_as_invoked() {
        let h = help_text("/usr/sbin/keepalived-rs");
        assert!(h.starts_with("Usage: /usr/sbin/keepalived-rs [OPTION...]\n  -f, --use-file=FILE"));
        assert!(h.contains(
            "  -h, --help                   Display this help message\n\nkeepalived-rs options"
        ));
    }

    #[test]
    fn banner_layout() {
        let v = version_banner();
        let first = v.lines().next().unwrap();
        assert_eq!(
            first,
            concat!(
                "Keepalived v2.2.7 (01/16,2022), keepalived-rs v",
                env!("CARGO_PKG_VERSION")
            )
        );
        assert!(v.contains("\nRunning on Linux "));
        assert!(v.contains("\n\nconfigure options: --enable-snmp --enable-snmp-rfcv2 "));
        assert!(v.contains(" --enable-dbus --enable-json --enable-bfd "));
        assert!(v.contains(" JSON BFD OLD_CHKSUM_COMPAT "));
        assert!(v.contains(" SNMP_VRRP SNMP_CHECKER SNMP_RFCV2 SNMP_RFCV3 DBUS "));
        assert!(v.contains("\n\nConfig options:  NFTABLES LVS "));
    }
}
