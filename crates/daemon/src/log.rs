//! Log lines in keepalived's words ("(VI_1) Entering MASTER STATE"): to syslog (unless -G)
//! with keepalived's ident and the -S facility, and to the console with -l (or when syslog is
//! off, so that nothing is lost).

use std::ffi::CString;
use std::sync::OnceLock;

/// Where log lines go.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// `-l`: the console (stderr).
    pub console: bool,
    /// Syslog facility (`LOG_DAEMON` by default, `-S` changes it); `None` with `-G`.
    pub syslog_facility: Option<i32>,
    /// The syslog ident, e.g. `Keepalived_vrrp`.
    pub ident: String,
    /// `-D`: detailed messages.
    pub detail: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            console: true,
            syslog_facility: None,
            ident: "Keepalived_vrrp".to_owned(),
            detail: false,
        }
    }
}

static CONFIG: OnceLock<LogConfig> = OnceLock::new();
static IDENT: OnceLock<CString> = OnceLock::new();

/// Sets where log lines go, once per process (later calls are ignored).
pub fn init(config: LogConfig) {
    if let Some(facility) = config.syslog_facility {
        let ident = IDENT.get_or_init(|| {
            CString::new(config.ident.clone()).unwrap_or_else(|_| CString::default())
        });
        // SAFETY: the ident lives for the whole process (a static), as openlog requires.
        unsafe { libc::openlog(ident.as_ptr(), libc::LOG_PID | libc::LOG_NDELAY, facility) };
    }
    let _ = CONFIG.set(config);
    // keepalived_net's lines (netlink buffer sizes, monitor overruns) go to the same log.
    keepalived_net::log::set_sink(|line| info(line));
}

fn config() -> &'static LogConfig {
    CONFIG.get_or_init(LogConfig::default)
}

/// Whether -D asked for detailed messages.
pub fn detail() -> bool {
    config().detail
}

/// Writes one log line.
pub fn info(msg: impl AsRef<str>) {
    let c = config();
    let msg = msg.as_ref();
    if c.syslog_facility.is_some() {
        if let Ok(text) = CString::new(msg.replace('\0', " ")) {
            // SAFETY: constant "%s" format with one NUL-terminated string argument.
            unsafe { libc::syslog(libc::LOG_INFO, c"%s".as_ptr(), text.as_ptr()) };
        }
    }
    if c.console || c.syslog_facility.is_none() {
        eprintln!("{}[{}]: {msg}", c.ident, std::process::id());
    }
}
