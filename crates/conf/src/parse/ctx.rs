//! The parsing context: diagnostics, the host, and helpers that read typed values from a
//! node's arguments with keepalived's rules and messages.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use crate::diag::{Diagnostic, Diagnostics, ErrorClass, Location};
use crate::host::Host;
use crate::model::Script;
use crate::tree::Node;

/// Everything a block parser needs besides the node it reads.
pub struct Ctx<'a> {
    /// Where problems go.
    pub diags: &'a mut Diagnostics,
    /// The machine the configuration is checked against.
    pub host: &'a dyn Host,
    /// Every script met while parsing (for the script-security check at the end).
    pub scripts: Vec<Script>,
    /// iproute2's name files, read when a name is first looked up.
    pub(crate) rt_names: super::net::rt_names::RtNames,
}

impl<'a> Ctx<'a> {
    /// A context writing to `diags`.
    pub fn new(diags: &'a mut Diagnostics, host: &'a dyn Host) -> Self {
        Ctx {
            diags,
            host,
            scripts: Vec::new(),
            rt_names: Default::default(),
        }
    }

    /// Records an error of `class` about `node`'s keyword.
    pub fn error(
        &mut self,
        node: &Node,
        class: ErrorClass,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags
            .error(class, Some(&node.loc), Some(&node.keyword), msg)
    }

    /// Records a general configuration error about `node`'s keyword.
    pub fn invalid(&mut self, node: &Node, msg: impl Into<String>) -> &mut Diagnostic {
        self.error(node, ErrorClass::General, msg)
    }

    /// Records a warning about `node`'s keyword: keepalived logs it and goes on; `-t` does not
    /// count it.
    pub fn warn(&mut self, node: &Node, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags
            .warning(Some(&node.loc), Some(&node.keyword), msg)
    }

    /// Records an error at a location that is not a node (e.g. for cross-block checks).
    pub fn error_at(
        &mut self,
        loc: Option<&Location>,
        keyword: Option<&str>,
        class: ErrorClass,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags.error(class, loc, keyword, msg)
    }

    /// keepalived's "Unknown keyword" for a keyword this block does not have.
    pub fn unknown(&mut self, node: &Node) {
        self.diags.error(
            ErrorClass::UnknownKeyword,
            Some(&node.loc),
            None,
            format!("Unknown keyword '{}'", node.keyword),
        );
    }

    /// The `i`-th argument, or a "missing parameter" error.
    pub fn arg<'n>(&mut self, node: &'n Node, i: usize) -> Option<&'n str> {
        let a = node.arg(i);
        if a.is_none() {
            self.error(
                node,
                ErrorClass::MissingParameter,
                format!("missing a parameter at word position {}", i + 2),
            );
        }
        a
    }

    /// The block of a keyword that needs one, or a "missing '{'" error.
    pub fn block<'n>(&mut self, node: &'n Node) -> Option<&'n [Node]> {
        if node.block.is_none() {
            self.error(
                node,
                ErrorClass::MissingBob,
                "Missing '{' at beginning of configuration block",
            );
        }
        node.block.as_deref()
    }

    /// Reports a `{ }` block after a keyword that takes none.
    pub fn no_block(&mut self, node: &Node) {
        if node.block.is_some() {
            self.error(node, ErrorClass::UnexpectedBob, "Unexpected '{' - ignoring");
        }
    }

    /// An unsigned integer argument in `[min, max]` (keepalived's `read_unsigned_strvec`).
    pub fn unsigned(&mut self, node: &Node, i: usize, min: u32, max: u32) -> Option<u32> {
        let s = self.arg(node, i)?;
        let t = s.trim_start();
        let parsed = if t.starts_with('-') {
            Err(format!("negative number '{s}'"))
        } else {
            match t.parse::<u64>() {
                Ok(v) if v > u64::from(u32::MAX) => {
                    Err(format!("number '{s}' outside unsigned integer range"))
                }
                Ok(v) => Ok(v as u32),
                Err(_) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
                    Err(format!("number '{s}' outside unsigned integer range"))
                }
                Err(_) => Err(format!("invalid number '{s}'")),
            }
        };
        self.check_range(node, s, parsed, (min, max), |v| v.to_string())
    }

    /// A signed integer argument in `[min, max]` (keepalived's `read_int_strvec`).
    pub fn int(&mut self, node: &Node, i: usize, min: i32, max: i32) -> Option<i32> {
        let s = self.arg(node, i)?;
        let parsed = match s.trim_start().parse::<i64>() {
            Ok(v) if v < i64::from(i32::MIN) || v > i64::from(i32::MAX) => {
                Err(format!("number '{s}' outside integer range"))
            }
            Ok(v) => Ok(v as i32),
            Err(_) => Err(format!("invalid number '{s}'")),
        };
        self.check_range(node, s, parsed, (min, max), |v| v.to_string())
    }

    /// A decimal number argument in `[min, max]` (keepalived's `read_double_strvec`).
    pub fn double(&mut self, node: &Node, i: usize, min: f64, max: f64) -> Option<f64> {
        let s = self.arg(node, i)?;
        let parsed = match s.parse::<f64>() {
            Ok(v) if v.is_infinite() => Err(format!("infinite number '{s}'")),
            Ok(v) if v.is_nan() => Err(format!("not a number '{s}'")),
            Ok(v) => Ok(v),
            Err(_) => Err(format!("invalid number '{s}'")),
        };
        self.check_range(node, s, parsed, (min, max), |v| format!("{v}"))
    }

    /// A time in seconds with fractions, `[min, max]` seconds (keepalived's `read_timer`).
    pub fn timer(&mut self, node: &Node, i: usize, min: f64, max: f64) -> Option<Duration> {
        let v = self.double(node, i, min, max)?;
        Duration::try_from_secs_f64(v).ok()
    }

    fn check_range<T: PartialOrd + Copy>(
        &mut self,
        node: &Node,
        raw: &str,
        parsed: Result<T, String>,
        (min, max): (T, T),
        show: impl Fn(T) -> String,
    ) -> Option<T> {
        let accepted = format!("{}..{}", show(min), show(max));
        let msg = match parsed {
            Ok(v) if v >= min && v <= max => return Some(v),
            Ok(_) => format!(
                "number '{raw}' outside range [{}, {}]",
                show(min),
                show(max)
            ),
            Err(msg) => msg,
        };
        self.error(node, ErrorClass::InvalidNumber, msg)
            .accepted(accepted);
        None
    }

    /// keepalived's `<BOOL>`: the keyword alone means true; otherwise one of
    /// on/off/true/false/yes/no.
    pub fn flag(&mut self, node: &Node) -> Option<bool> {
        match node.arg(0) {
            None => Some(true),
            Some(s) => match parse_bool(s) {
                Some(b) => Some(b),
                None => {
                    self.invalid(node, format!("invalid value '{s}'"))
                        .accepted("on|off|true|false|yes|no");
                    None
                }
            },
        }
    }

    /// An IPv4 or IPv6 address argument.
    pub fn ip(&mut self, node: &Node, i: usize) -> Option<IpAddr> {
        let s = self.arg(node, i)?;
        match IpAddr::from_str(s) {
            Ok(a) => Some(a),
            Err(_) => {
                self.invalid(node, format!("invalid address '{s}'"))
                    .accepted("an IPv4 or IPv6 address");
                None
            }
        }
    }

    /// One of `choices` (exact words), or an error listing them.
    pub fn choice<'c>(&mut self, node: &Node, i: usize, choices: &[&'c str]) -> Option<&'c str> {
        let s = self.arg(node, i)?;
        match choices.iter().find(|c| **c == s) {
            Some(c) => Some(c),
            None => {
                self.invalid(node, format!("invalid value '{s}'"))
                    .accepted(choices.join("|"));
                None
            }
        }
    }

    /// Records a script for the script-security check done once all blocks are read.
    pub fn register_script(&mut self, script: &Script) {
        self.scripts.push(script.clone());
    }
}

/// on/true/yes and off/false/no, as keepalived's `check_true_false`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "on" | "yes" => Some(true),
        "false" | "off" | "no" => Some(false),
        _ => None,
    }
}
