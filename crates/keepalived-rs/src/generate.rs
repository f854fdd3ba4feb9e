//! The man page (`keepalived-rs(8)`, clap_mangen) and shell completions (clap_complete) made
//! from [`Cli`], for packaging. Option descriptions are keepalived's own `--help` lines
//! ([`help_text`]), so the man page says what `keepalived-rs --help` says.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::builder::Resettable;
use clap::{Arg, Command, CommandFactory};
use clap_complete::{Generator, Shell};
use clap_mangen::roff::{bold, italic, roman, Roff};
use clap_mangen::Man;

use crate::cli::{Cli, DEFAULT_CONFIG};
use crate::help::{help_text, KEEPALIVED_VERSION};

/// The installed program's name.
pub const BIN_NAME: &str = "keepalived-rs";

/// The man page's section: a system daemon, like keepalived(8).
pub const MAN_SECTION: &str = "8";

/// The shells we write completions for.
pub const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

/// Option descriptions from the `--help` text, keyed by long name (`use-file`) and by short
/// name (`f`): the text after the option column, continuation lines joined.
pub fn help_descriptions() -> HashMap<String, String> {
    let text = help_text(BIN_NAME);
    let mut out = HashMap::new();
    let mut keys: Vec<String> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('-') {
            let (spec_keys, desc) = split_option_line(trimmed);
            keys = spec_keys;
            for key in &keys {
                out.insert(key.clone(), desc.to_owned());
            }
        } else if line.starts_with("       ") && !trimmed.is_empty() {
            // A continuation line, indented under the description column.
            for key in &keys {
                if let Some(d) = out.get_mut(key) {
                    if !d.is_empty() {
                        d.push(' ');
                    }
                    d.push_str(trimmed);
                }
            }
        } else {
            keys.clear();
        }
    }
    out
}

/// One `--help` option line -> its keys and description:
/// `-f, --use-file=FILE   Use ...` -> `(["f", "use-file"], "Use ...")`. The description may
/// follow a single space (`-A, --snmp-agent-socket=FILE Use ...`); a value name written
/// apart (`-i, --config-id id    Skip ...`) is the one word before a wider gap.
fn split_option_line(line: &str) -> (Vec<String>, &str) {
    let mut keys = Vec::new();
    let mut rest = line;
    if let Some(after) = rest.strip_prefix('-') {
        if let Some(c) = after.chars().next().filter(|c| *c != '-') {
            keys.push(c.to_string());
            rest = after[c.len_utf8()..].trim_start_matches([',', ' ']);
        }
    }
    if let Some(long) = rest.strip_prefix("--") {
        let end = long.find(' ').unwrap_or(long.len());
        let name_end = long[..end].find(['=', '[']).unwrap_or(end);
        keys.push(long[..name_end].to_owned());
        rest = long[end..].trim_start();
    }
    if let Some((word, after)) = rest.split_once("  ") {
        if !word.contains(' ') {
            rest = after.trim_start();
        }
    }
    (keys, rest.trim())
}

/// The doc comment of a [`Cli`] field without its leading flag spellings
/// (`-f, --use-file=FILE: the configuration file.` -> `the configuration file.`).
fn doc_without_flags(doc: &str) -> String {
    let doc = doc.trim();
    let doc = doc.strip_prefix("Ours:").map_or(doc, str::trim_start);
    match doc.split_once(": ") {
        Some((spec, rest)) if spec.starts_with('-') => rest.to_owned(),
        _ => doc.to_owned(),
    }
}

/// [`Cli`]'s command as the man page and completions present it: named `keepalived-rs`,
/// with a description, and each option described by keepalived's `--help` line.
pub fn command() -> Command {
    let descriptions = help_descriptions();
    Cli::command()
        .name(BIN_NAME)
        .bin_name(BIN_NAME)
        .version(env!("CARGO_PKG_VERSION"))
        .about("Keepalived re-implemented in Rust: VRRP for highly available IP addresses")
        .long_about(format!(
            "keepalived-rs is a drop-in replacement for keepalived ({KEEPALIVED_VERSION}): it \
             reads the same configuration file (default {DEFAULT_CONFIG}), accepts the same \
             options with the same spellings, runs notify scripts with the same arguments, \
             answers the same signals and speaks the same VRRP (RFC 3768 version 2, RFC 5798 \
             version 3), so keepalived and keepalived-rs routers can share a virtual router.\n\
             \n\
             Options whose subsystem is not implemented yet are accepted and reported on \
             standard error. The configuration language is described in keepalived.conf(5)."
        ))
        .mut_args(|arg| {
            let from_help = arg
                .get_long()
                .and_then(|l| descriptions.get(l))
                .or_else(|| {
                    arg.get_short()
                        .and_then(|s| descriptions.get(&s.to_string()))
                })
                .filter(|d| !d.is_empty())
                .cloned();
            let text = from_help.unwrap_or_else(|| {
                arg.get_help()
                    .map(|h| doc_without_flags(&h.to_string()))
                    .unwrap_or_default()
            });
            arg.help(text).long_help(Resettable::Reset)
        })
}

/// Writes the whole man page (roff) to `out`.
pub fn write_man(out: &mut dyn Write) -> io::Result<()> {
    let man = Man::new(command())
        .section(MAN_SECTION)
        .source(format!("keepalived-rs {}", env!("CARGO_PKG_VERSION")))
        .manual("System Manager's Manual");
    man.render_title(out)?;
    man.render_name_section(out)?;
    let mut synopsis = Roff::default();
    synopsis.control("SH", ["SYNOPSIS"]).text([
        bold(BIN_NAME),
        roman(" ["),
        italic("OPTION"),
        roman("...] ["),
        bold("demo"),
        roman("]"),
    ]);
    synopsis.to_writer(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    extra_sections().to_writer(out)
}

/// OPERANDS, SIGNALS, EXIT STATUS, FILES, SEE ALSO.
fn extra_sections() -> Roff {
    let mut r = Roff::default();
    let item = |r: &mut Roff, tag: &str, text: &str| {
        r.control("TP", []).text([bold(tag)]).text([roman(text)]);
    };
    r.control("SH", ["OPERANDS"]);
    item(
        &mut r,
        "demo",
        "Run a two-router VRRP failover demonstration in network namespaces on a built-in \
         configuration (needs root), then clean up. Any other operand is reported as \
         keepalived reports it (\"Unexpected argument(s)\") and ignored.",
    );
    r.control("SH", ["SIGNALS"]);
    r.text([
        roman(
            "keepalived's signals: SIGTERM or SIGINT stop (VRRP instances send a priority 0 \
             advertisement and remove their addresses), SIGHUP reloads the configuration, \
             SIGUSR1 writes the data dump, SIGUSR2 the statistics. ",
        ),
        bold("--signum="),
        italic("SIGFUNC"),
        roman(" prints the number to use for a function."),
    ]);
    r.control("SH", ["EXIT STATUS"]);
    r.text([roman(
        "With -t, keepalived 2.2.7's codes: 0 the configuration is clean, 5 problems were \
         reported, 2 a keyword lacks its value, 6 script security (or a missing include \
         with -e), 4 the configuration file is missing with -e. The daemon exits 0 after a \
         requested stop, 6 when its configuration file does not exist and 2 when it cannot \
         start.",
    )]);
    r.control("SH", ["FILES"]);
    for (path, what) in [
        (DEFAULT_CONFIG, "The configuration file, as for keepalived."),
        (
            "/etc/default/keepalived-rs",
            "DAEMON_ARGS for the keepalived-rs.service unit (Debian and Ubuntu); \
             /etc/default/keepalived is read first.",
        ),
        ("/run/keepalived.pid", "The default pid file (-p)."),
    ] {
        item(&mut r, path, what);
    }
    r.control("SH", ["SEE ALSO"]);
    r.text([roman(
        "keepalived(8), keepalived.conf(5), systemd.service(5), ip(8). The project's README \
         describes replacing keepalived and rolling back.",
    )]);
    r
}

/// Completion file name for `shell` (`keepalived-rs`, `_keepalived-rs`, `keepalived-rs.fish`).
pub fn completion_file_name(shell: Shell) -> String {
    shell.file_name(BIN_NAME)
}

/// The command the completions are made from: [`command`]'s visible options only (the
/// generators would offer hidden ones too), the values `-S` and `--signum` take, and the
/// `demo` operand.
pub fn completion_command() -> Command {
    let full = command();
    let visible = full
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .cloned()
        .map(|arg| match arg.get_id().as_str() {
            "log_facility" => arg.value_parser(FACILITIES),
            "signum" => {
                arg.value_parser(["STOP", "RELOAD", "DATA", "STATS", "STATS_CLEAR", "JSON"])
            }
            _ => arg,
        });
    Command::new(BIN_NAME)
        .about(full.get_about().cloned().unwrap_or_default())
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args(visible)
        .arg(
            Arg::new("operand")
                .value_parser(["demo"])
                .help("Run the two-router VRRP failover demo"),
        )
}

/// What `-S` accepts, as completions offer it.
const FACILITIES: [&str; 18] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7", "user", "daemon",
];

/// Writes the completion script for `shell` to `out`.
pub fn write_completion(shell: Shell, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = completion_command();
    // clap_complete panics when its writer fails: give it one that cannot.
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN_NAME, &mut buf);
    if shell == Shell::Fish {
        // clap_complete's fish script leaves operands out.
        buf.extend_from_slice(
            format!("complete -c {BIN_NAME} -a demo -d 'Run the two-router VRRP failover demo'\n")
                .as_bytes(),
        );
    }
    out.write_all(&buf)
}

/// Writes `keepalived-rs.8` into `dir` (created if missing) and returns its path.
pub fn man_to(dir: &Path) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{BIN_NAME}.{MAN_SECTION}"));
    let mut buf = Vec::new();
    write_man(&mut buf)?;
    std::fs::write(&path, buf)?;
    Ok(path)
}

/// Writes the bash, zsh and fish completions into `dir` (created if missing) and returns
/// their paths.
pub fn completions_to(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut paths = Vec::new();
    for shell in SHELLS {
        let path = dir.join(completion_file_name(shell));
        let mut buf = Vec::new();
        write_completion(shell, &mut buf)?;
        std::fs::write(&path, buf)?;
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn man() -> String {
        let mut buf = Vec::new();
        write_man(&mut buf).expect("render");
        String::from_utf8(buf).expect("utf-8")
    }

    #[test]
    fn descriptions_come_from_keepalived_help() {
        let d = help_descriptions();
        assert_eq!(
            d.get("use-file").map(String::as_str),
            Some("Use the specified configuration file default '/etc/keepalived/keepalived.conf'")
        );
        assert_eq!(d.get("f"), d.get("use-file"));
        assert_eq!(
            d.get("log-facility").map(String::as_str),
            Some("Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)")
        );
        assert_eq!(
            d.get("config-id").map(String::as_str),
            Some(
                "Skip any configuration lines beginning '@' that don't match id or any lines \
                 beginning @^ that do match. The config-id defaults to the node name if option \
                 not used"
            )
        );
        assert!(d["all"].starts_with("Force all child processes"));
        // Descriptions after a single space, and a value name written apart.
        assert_eq!(d["A"], "Use the specified socket for master agent");
        assert_eq!(
            d["core-dump-pattern"],
            "Also set /proc/sys/kernel/core_pattern to PATN (default 'core')"
        );
        assert_eq!(
            d["config-test"],
            "Check the configuration for obvious errors, output to stderr by default"
        );
        assert!(d["i"].starts_with("Skip any"));
        assert!(d["metrics-address"].starts_with("Serve Prometheus"));
        assert!(!d.contains_key("demo"));
    }

    #[test]
    fn every_visible_option_is_described() {
        let cmd = command();
        let mut seen = 0;
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            assert!(!help.is_empty(), "{:?} has no description", arg.get_id());
            assert!(!help.starts_with('-'), "{:?}: {help}", arg.get_id());
            seen += 1;
        }
        // keepalived's 33 options plus our two.
        assert_eq!(seen, 35);
    }

    #[test]
    fn doc_comments_lose_their_flag_prefix() {
        assert_eq!(
            doc_without_flags("-f, --use-file=FILE: the configuration file."),
            "the configuration file."
        );
        assert_eq!(
            doc_without_flags("Ours: --no-ipvs runs x"),
            "--no-ipvs runs x"
        );
        assert_eq!(doc_without_flags("-v, --version."), "-v, --version.");
    }

    #[test]
    fn man_page_has_the_sections_and_keepalived_spellings() {
        let m = man();
        assert!(m.contains("\n.TH keepalived-rs 8 "), "{m}");
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "OPERANDS",
            "SIGNALS",
            "\"EXIT STATUS\"",
            "FILES",
            "\"SEE ALSO\"",
        ] {
            assert!(m.contains(&format!(".SH {section}\n")), "missing {section}");
        }
        for flag in [
            "use\\-file",
            "no_bfd",
            "vrrp_pid",
            "checkers_pid",
            "dont\\-fork",
            "config\\-test",
            "signum",
            "metrics\\-address",
        ] {
            assert!(m.contains(flag), "missing {flag}");
        }
        // Hidden options stay hidden.
        assert!(!m.contains("config\\-fd") && !m.contains("log\\-file"));
    }

    #[test]
    fn completions_offer_keepalived_flags() {
        for shell in SHELLS {
            let mut buf = Vec::new();
            write_completion(shell, &mut buf).expect("write");
            let text = String::from_utf8(buf).expect("utf-8");
            assert!(text.contains("keepalived-rs"), "{shell}");
            for flag in ["dont-fork", "use-file", "vrrp_pid", "config-test", "no_bfd"] {
                assert!(text.contains(flag), "{shell}: {flag}");
            }
            assert!(
                !text.contains("config-fd"),
                "{shell}: hidden option offered"
            );
            assert!(!text.contains("log-file"), "{shell}: hidden option offered");
            for value in ["local7", "STATS_CLEAR", "demo"] {
                assert!(text.contains(value), "{shell}: {value}");
            }
        }
        assert_eq!(completion_file_name(Shell::Zsh), "_keepalived-rs");
        assert_eq!(completion_file_name(Shell::Fish), "keepalived-rs.fish");
        assert_eq!(completion_file_name(Shell::Bash), "keepalived-rs.bash");
    }
}
