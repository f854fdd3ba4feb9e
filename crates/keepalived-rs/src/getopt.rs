//! argv read the way keepalived 2.2.7's `parse_cmdline` reads it with getopt_long.
//!
//! clap alone differs from keepalived in ways scripts can see: keepalived acts on `-v`, `-h`,
//! `--signum` and `-T` the moment it meets them (so `--bogus -v` prints the version and
//! exits 0), reports every unknown option before exiting 1, only warns about a bad `-S` or
//! `-u`, and only prints "Unexpected argument(s)" for non-options. This walker copies that,
//! using the option table of [`Cli`], and hands clap a normalised argv.

use clap::{ArgAction, CommandFactory, Parser};

use crate::cli::{parse_facility, parse_umask, Cli};

/// An option that makes keepalived act and exit before it reads the rest of argv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Immediate {
    /// `-v`, `--version`.
    Version,
    /// `-h`, `--help`.
    Help,
    /// `--signum=SIGFUNC`.
    Signum(String),
    /// `-T`, `--genhash`; `Some(spelling)` when it was not the first option (keepalived
    /// warns that the previous options are ignored).
    Genhash(Option<String>),
}

/// The command line as keepalived would have read it.
#[derive(Debug, Clone)]
pub struct CommandLine {
    /// The options read (up to the immediate option, if any).
    pub cli: Cli,
    /// What keepalived prints on stderr while reading argv, in order. Each message carries
    /// its own line end: keepalived's "Invalid --umask option X" has none.
    pub messages: Vec<String>,
    /// An option that acts at once, if one was met.
    pub immediate: Option<Immediate>,
    /// Unknown options or missing parameters: keepalived exits 1 once argv is read.
    pub bad_option: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HasArg {
    No,
    Required,
    Optional,
}

#[derive(Debug, Clone)]
struct Spec {
    short: Option<char>,
    long: String,
    has_arg: HasArg,
}

fn specs() -> Vec<Spec> {
    Cli::command()
        .get_arguments()
        .filter(|a| !a.is_positional())
        .filter_map(|a| {
            let has_arg = match a.get_action() {
                ArgAction::SetTrue | ArgAction::Count => HasArg::No,
                _ if a.get_num_args().is_some_and(|n| n.min_values() == 0) => HasArg::Optional,
                _ => HasArg::Required,
            };
            Some(Spec {
                short: a.get_short(),
                long: a.get_long()?.to_owned(),
                has_arg,
            })
        })
        .collect()
}

/// getopt_long's lookup: an exact name, else a unique prefix (ambiguity is an error).
fn find_long<'a>(specs: &'a [Spec], name: &str) -> Option<&'a Spec> {
    if let Some(s) = specs.iter().find(|s| s.long == name) {
        return Some(s);
    }
    let mut candidates = specs.iter().filter(|s| s.long.starts_with(name));
    match (candidates.next(), candidates.next()) {
        (Some(s), None) if !name.is_empty() => Some(s),
        _ => None,
    }
}

struct Walk {
    normalised: Vec<String>,
    messages: Vec<String>,
    immediate: Option<Immediate>,
    bad_option: bool,
    first_option: bool,
}

impl Walk {
    /// One option recognised, as keepalived's `switch (c)` handles it.
    fn option(&mut self, spec: &Spec, value: Option<String>, spelling: String) {
        let value_or_empty = || value.clone().unwrap_or_default();
        match spec.long.as_str() {
            "version" => self.immediate = Some(Immediate::Version),
            "help" => self.immediate = Some(Immediate::Help),
            "signum" => self.immediate = Some(Immediate::Signum(value_or_empty())),
            "genhash" => {
                let not_first = (!self.first_option).then_some(spelling);
                self.immediate = Some(Immediate::Genhash(not_first));
            }
            "log-facility" => match parse_facility(&value_or_empty()) {
                Ok(_) => self.push(spec, value),
                Err(e) => self.messages.push(format!("{e}\n")),
            },
            // keepalived's message has no line end; the bad mask is then ignored.
            "umask" => match parse_umask(&value_or_empty()) {
                Ok(_) => self.push(spec, value),
                Err(e) => self.messages.push(e),
            },
            "log-file" => {
                self.messages
                    .push("-g requires configure option --enable-log-file\n".into());
                self.bad_option = true;
            }
            _ => self.push(spec, value),
        }
        self.first_option = false;
    }

    fn push(&mut self, spec: &Spec, value: Option<String>) {
        self.normalised.push(match value {
            Some(v) => format!("--{}={v}", spec.long),
            None => format!("--{}", spec.long),
        });
    }

    fn unknown(&mut self, shown: &str) {
        self.messages.push(format!("Unknown option {shown}\n"));
        self.bad_option = true;
        self.first_option = false;
    }

    fn missing(&mut self, shown: &str) {
        self.messages
            .push(format!("Missing parameter for option {shown}\n"));
        self.bad_option = true;
        self.first_option = false;
    }
}

/// Reads argv (program name first) as keepalived 2.2.7 does.
pub fn read(argv: &[String]) -> CommandLine {
    let specs = specs();
    let program = argv.first().cloned().unwrap_or_default();
    let mut w = Walk {
        normalised: vec![program],
        messages: Vec::new(),
        immediate: None,
        bad_option: false,
        first_option: true,
    };
    let mut operands = Vec::new();
    let mut i = 1;
    while let Some(arg) = argv.get(i) {
        i += 1;
        if arg == "--" {
            operands.extend(argv.iter().skip(i).cloned());
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, attached) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            let Some(spec) = find_long(&specs, name) else {
                w.unknown(arg);
                continue;
            };
            let spelling = spec.long.clone();
            match spec.has_arg {
                HasArg::No if attached.is_some() => w.unknown(arg),
                HasArg::No | HasArg::Optional => w.option(spec, attached, spelling),
                HasArg::Required => {
                    let value = attached.or_else(|| {
                        let next = argv.get(i).cloned();
                        i += usize::from(next.is_some());
                        next
                    });
                    // keepalived treats `--use-file=` (an empty value) as missing too.
                    match value.filter(|v| !v.is_empty()) {
                        Some(v) => w.option(spec, Some(v), spelling),
                        None => w.missing(&format!("--{}", spec.long)),
                    }
                }
            }
        } else if let Some(cluster) = arg.strip_prefix('-').filter(|c| !c.is_empty()) {
            for (at, c) in cluster.char_indices() {
                let rest = &cluster[at + c.len_utf8()..];
                let Some(spec) = specs.iter().find(|s| s.short == Some(c)) else {
                    w.unknown(&format!("-{c}"));
                    continue;
                };
                match spec.has_arg {
                    HasArg::No => w.option(spec, None, format!("-{c}")),
                    HasArg::Optional => {
                        let value = (!rest.is_empty()).then(|| rest.to_owned());
                        w.option(spec, value, format!("-{c}"));
                        break;
                    }
                    HasArg::Required => {
                        let value = if rest.is_empty() {
                            let next = argv.get(i).cloned();
                            i += usize::from(next.is_some());
                            next
                        } else {
                            Some(rest.to_owned())
                        };
                        match value {
                            Some(v) => w.option(spec, Some(v), format!("-{c}")),
                            None => w.missing(&format!("-{c}")),
                        }
                        break;
                    }
                }
                if w.immediate.is_some() {
                    break;
                }
            }
        } else {
            // getopt_long permutes non-options to the end; keepalived reports them later.
            operands.push(arg.clone());
        }
        if w.immediate.is_some() {
            break;
        }
    }
    if w.immediate.is_none() && !operands.is_empty() {
        w.normalised.push("--".into());
        w.normalised.extend(operands);
    }
    let cli = match Cli::try_parse_from(&w.normalised) {
        Ok(cli) => cli,
        Err(e) => {
            // Only values keepalived does not have (ours, e.g. --metrics-address) get here.
            w.messages.push(format!("keepalived-rs: {}", e.render()));
            w.bad_option = true;
            Cli::default()
        }
    };
    CommandLine {
        cli,
        messages: w.messages,
        immediate: w.immediate,
        bad_option: w.bad_option,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn read_args(args: &[&str]) -> CommandLine {
        let argv: Vec<String> = std::iter::once("keepalived")
            .chain(args.iter().copied())
            .map(String::from)
            .collect();
        read(&argv)
    }

    fn clean(args: &[&str]) -> Cli {
        let c = read_args(args);
        assert!(!c.bad_option && c.messages.is_empty(), "{args:?}: {c:?}");
        c.cli
    }

    #[test]
    fn every_short_form_of_a_value() {
        for args in [
            &["-f", "/k"][..],
            &["-f/k"],
            &["--use-file=/k"],
            &["--use-file", "/k"],
            &["--use-f=/k"],
            &["-lnf", "/k"],
            &["-lnf/k"],
        ] {
            assert_eq!(clean(args).use_file, Some(PathBuf::from("/k")), "{args:?}");
        }
        let c = clean(&["-lnDD"]);
        assert!(c.log_console && c.dont_fork);
        assert_eq!(c.log_detail, 2);
    }

    #[test]
    fn values_may_start_with_a_dash() {
        assert_eq!(clean(&["-i", "-x"]).config_id.as_deref(), Some("-x"));
        assert_eq!(
            clean(&["--config-id", "-x"]).config_id.as_deref(),
            Some("-x")
        );
        assert!(!clean(&["-i", "-x"]).snmp);
    }

    #[test]
    fn optional_values_only_attached() {
        let c = clean(&["-t", "/k"]);
        assert_eq!(c.config_test_target(), Some(None));
        assert_eq!(c.args, ["/k"]);
        assert_eq!(
            clean(&["-t/tmp/log"]).config_test_target(),
            Some(Some(PathBuf::from("/tmp/log")))
        );
        assert_eq!(
            clean(&["--config-test=/tmp/log"]).config_test_target(),
            Some(Some(PathBuf::from("/tmp/log")))
        );
        assert_eq!(clean(&["--config-test="]).config_test_target(), Some(None));
        // getopt: the rest of the cluster is -t's value, not more flags.
        assert_eq!(
            clean(&["-tn"]).config_test_target(),
            Some(Some(PathBuf::from("n")))
        );
        assert!(!clean(&["-tn"]).dont_fork);
        assert_eq!(clean(&["-Mcore.%p"]).core_pattern(), Some("core.%p"));
        assert_eq!(clean(&["-mM"]).core_pattern(), Some("core"));
    }

    #[test]
    fn immediate_options_act_in_order() {
        assert_eq!(
            read_args(&["-v", "--signum=STOP"]).immediate,
            Some(Immediate::Version)
        );
        assert_eq!(
            read_args(&["--signum=STOP", "-v"]).immediate,
            Some(Immediate::Signum("STOP".into()))
        );
        assert_eq!(read_args(&["-hv"]).immediate, Some(Immediate::Help));
        assert_eq!(read_args(&["--vers"]).immediate, Some(Immediate::Version));
        assert_eq!(
            read_args(&["--sig=JSON"]).immediate,
            Some(Immediate::Signum("JSON".into()))
        );
        let c = read_args(&["--bogus", "-v"]);
        assert_eq!(c.immediate, Some(Immediate::Version));
        assert_eq!(c.messages, ["Unknown option --bogus\n"]);
        assert_eq!(read_args(&["-T"]).immediate, Some(Immediate::Genhash(None)));
        assert_eq!(
            read_args(&["-n", "--genhash", "-s", "x"]).immediate,
            Some(Immediate::Genhash(Some("genhash".into())))
        );
        assert_eq!(read_args(&["-v", "-T"]).immediate, Some(Immediate::Version));
    }

    #[test]
    fn keepalived_messages_for_bad_options() {
        for (args, msg) in [
            (&["--bogus"][..], "Unknown option --bogus\n"),
            (&["--all=x"], "Unknown option --all=x\n"),
            (&["--help=x"], "Unknown option --help=x\n"),
            (&["--v"], "Unknown option --v\n"),
            (&["--perf"], "Unknown option --perf\n"),
            (&["--flush-log-file"], "Unknown option --flush-log-file\n"),
            (&["-L"], "Unknown option -L\n"),
            (&["-nZ"], "Unknown option -Z\n"),
            (&["-f"], "Missing parameter for option -f\n"),
            (
                &["--use-file="],
                "Missing parameter for option --use-file\n",
            ),
            (&["--pid"], "Missing parameter for option --pid\n"),
            (&["-g"], "-g requires configure option --enable-log-file\n"),
            (
                &["--log-file=/x"],
                "-g requires configure option --enable-log-file\n",
            ),
        ] {
            let c = read_args(args);
            assert!(c.bad_option, "{args:?}");
            assert_eq!(c.messages, [msg], "{args:?}");
            assert_eq!(c.immediate, None);
        }
    }

    #[test]
    fn bad_facility_or_umask_only_warns() {
        let c = read_args(&["-S", "local9", "-u", "0o22", "-n"]);
        assert!(!c.bad_option);
        assert_eq!(
            c.messages,
            [
                "Invalid log facility 'local9'\n",
                "Invalid --umask option 0o22"
            ]
        );
        assert_eq!(c.cli.log_facility, None);
        assert_eq!(c.cli.umask, None);
        assert!(c.cli.dont_fork);
    }

    #[test]
    fn operands_are_kept_after_the_options() {
        let c = clean(&["demo", "-n", "x", "--", "-v"]);
        assert!(c.dont_fork && !c.version);
        assert_eq!(c.args, ["demo", "x", "-v"]);
    }

    #[test]
    fn hidden_and_our_options() {
        assert_eq!(clean(&["--config-fd=3"]).config_fd.as_deref(), Some("3"));
        let c = clean(&["--metrics-address", "[::1]:9165", "--no-ipvs"]);
        assert_eq!(c.metrics_address, Some("[::1]:9165".parse().unwrap()));
        assert!(c.no_ipvs);
        let c = read_args(&["--metrics-address=nope"]);
        assert!(c.bad_option);
        assert_eq!(c.messages.len(), 1);
    }
}
