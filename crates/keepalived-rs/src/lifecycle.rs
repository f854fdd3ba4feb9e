//! The parent's start-up and shutdown lines in keepalived's words (core/main.c,
//! lib/scheduler.c `log_command_line`, lib/parser.c, core/config_notify.c): what users and
//! their log watchers see of a keepalived starting, reloading and stopping.

use std::path::Path;

use crate::help::KEEPALIVED_VERSION;

/// keepalived's version string as ours logs it (the `-v` banner's first line).
pub fn version_string() -> String {
    format!(
        "{KEEPALIVED_VERSION}, keepalived-rs v{}",
        env!("CARGO_PKG_VERSION")
    )
}

/// The lines before the configuration is acted on: "Starting ...", "Running on ...", the
/// command line, "Configuration file ...". keepalived's "Running on" also names the kernel
/// headers it was built against ("(built for Linux 5.19.11)"); ours has none to name.
pub fn start_lines(args: &[String], config_file: &Path) -> Vec<String> {
    let kernel = crate::help::proc_kernel;
    let mut out = vec![
        format!("Starting {}", version_string()),
        format!(
            "Running on {} {} {}",
            kernel("ostype"),
            kernel("osrelease"),
            kernel("version")
        ),
    ];
    out.extend(command_line(args));
    out.push(format!("Configuration file {}", config_file.display()));
    out
}

/// keepalived's `log_command_line(0)`: each argument quoted, the whole cut at spaces into
/// pieces of at most 100 - len("Command line") characters, the continuation lines indented
/// under the first one's text (`log_options`).
pub fn command_line(args: &[String]) -> Vec<String> {
    const OPTION: &str = "Command line";
    let text = args
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let max = 100 - OPTION.len();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    loop {
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() {
            break;
        }
        let end = piece_end(rest, max);
        let (piece, tail) = rest.split_at(end);
        if out.is_empty() {
            out.push(format!("{OPTION}: {piece}"));
        } else {
            out.push(format!("{:width$}{piece}", "", width = OPTION.len() + 2));
        }
        rest = tail;
    }
    out
}

/// keepalived's `get_end`: the whole of `s` when it fits in `max` bytes, else the last space
/// at or before `max`, else `max` (on a character boundary here).
fn piece_end(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    if s.as_bytes()[cut] == b' ' {
        return cut;
    }
    match s[..cut].rfind(' ') {
        Some(i) if i > 0 => i,
        _ => cut,
    }
}

/// "Starting VRRP child process, pid=N" (`title`: VRRP, Healthcheck, BFD).
pub fn child_started(title: &str, pid: u32) -> String {
    format!("Starting {title} child process, pid={pid}")
}

/// The parent's line once every child is running: at start, and after each reload.
pub fn complete(reload: bool) -> &'static str {
    if reload {
        "Reload complete"
    } else {
        "Startup complete"
    }
}

/// The parent's last line.
pub fn stopped_line() -> String {
    format!("Stopped {}", version_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    /// keepalived 2.2.7's lines for `keepalived -n -l -P -f /tmp/lg/k.conf -p /tmp/lg/m.pid
    /// -r /tmp/lg/v.pid`, as it logged them.
    #[test]
    fn the_command_line_is_cut_as_keepalived_cuts_it() {
        let a = args(&[
            "/usr/sbin/keepalived",
            "-n",
            "-l",
            "-P",
            "-f",
            "/tmp/lg/k.conf",
            "-p",
            "/tmp/lg/m.pid",
            "-r",
            "/tmp/lg/v.pid",
        ]);
        assert_eq!(
            command_line(&a),
            vec![
                "Command line: '/usr/sbin/keepalived' '-n' '-l' '-P' '-f' '/tmp/lg/k.conf' '-p' '/tmp/lg/m.pid' '-r'",
                "              '/tmp/lg/v.pid'",
            ]
        );
        assert_eq!(command_line(&args(&["k"])), vec!["Command line: 'k'"]);
        // A word longer than a line is cut where it must be.
        let long = "x".repeat(150);
        let lines = command_line(&args(&[&long]));
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), "Command line: ".len() + 88);
    }

    #[test]
    fn start_and_stop_lines() {
        let l = start_lines(&args(&["k"]), Path::new("/etc/keepalived/keepalived.conf"));
        assert!(l[0].starts_with("Starting Keepalived v2.2.7 (01/16,2022), keepalived-rs v"));
        assert!(l[1].starts_with("Running on Linux "));
        assert_eq!(l[3], "Configuration file /etc/keepalived/keepalived.conf");
        assert_eq!(
            child_started("VRRP", 7),
            "Starting VRRP child process, pid=7"
        );
        assert!(stopped_line().starts_with("Stopped Keepalived v2.2.7"));
    }
}
