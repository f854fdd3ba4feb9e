//! Types shared by several blocks.

use crate::diag::Location;

/// A script keepalived runs (notify, tracking, checker), with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The program and its arguments. `argv[0]` is the path.
    pub argv: Vec<String>,
    /// The user to run as (`user` option or a per-keyword `username [groupname]`);
    /// `None` means global_defs' `script_user`, or keepalived's default.
    pub user: Option<String>,
    /// The group to run as, when given.
    pub group: Option<String>,
    /// The keyword that names it (`notify_master`, `script`, `misc_path`, ...).
    pub keyword: String,
    /// Where it is configured.
    pub loc: Location,
}

impl Script {
    /// Builds a script from a keyword's words as keepalived does: a single word (usually
    /// quoted) is split again on blanks, with single quotes keeping blanks inside an
    /// argument; several words are taken as they are.
    pub fn from_words(words: &[String], keyword: &str, loc: &Location) -> Option<Script> {
        let argv = match words {
            [] => return None,
            [one] => split_command(one),
            many => many.to_vec(),
        };
        if argv.is_empty() {
            return None;
        }
        Some(Script {
            argv,
            user: None,
            group: None,
            keyword: keyword.to_owned(),
            loc: loc.clone(),
        })
    }

    /// The program path.
    pub fn path(&self) -> &str {
        self.argv.first().map_or("", String::as_str)
    }

    /// The command line as one string, arguments separated by blanks.
    pub fn command_line(&self) -> String {
        self.argv.join(" ")
    }
}

/// Splits a command on blanks; single quotes keep blanks inside an argument.
pub fn split_command(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut has_word = false;
    for c in cmd.chars() {
        match c {
            '\'' => {
                in_quote = !in_quote;
                has_word = true;
            }
            ' ' | '\t' if !in_quote => {
                if has_word {
                    out.push(std::mem::take(&mut cur));
                    has_word = false;
                }
            }
            c => {
                cur.push(c);
                has_word = true;
            }
        }
    }
    if has_word {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_command_is_split_on_blanks_and_single_quotes() {
        assert_eq!(
            split_command("/bin/notify.sh 'a b' c"),
            ["/bin/notify.sh", "a b", "c"]
        );
        assert_eq!(split_command("  x  "), ["x"]);
    }
}
