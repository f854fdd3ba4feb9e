//! `$NAME=value` definitions and their substitution (keepalived.conf(5), "Parameter
//! substitution" and "Pre-defined definitions").

use std::collections::HashMap;

/// A defined parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The value; the lines of a multi-line definition are joined with `\n`.
    pub value: String,
    /// Defined with trailing `\` continuations: expands to several lines.
    pub multiline: bool,
}

/// Pre-defined parameters whose value is computed at use time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Builtin {
    Pwd,
    Instance,
    Random,
    Hash,
    Bang,
}

/// The result of substituting parameters in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    /// The line with parameters replaced (the first line of a multi-line expansion).
    pub text: String,
    /// Further lines of a multi-line definition used at the end of the line.
    pub more_lines: Vec<String>,
}

/// Why substitution stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubstError {
    /// The line grew past the limit (e.g. a parameter that contains itself).
    TooLong(usize),
    /// More replacements than the limit in one line (a definition loop).
    TooManySteps(usize),
}

/// All parameters defined so far.
#[derive(Debug, Clone)]
pub struct Definitions {
    defs: HashMap<String, Definition>,
    /// The configuration id (`-i`, default the node name), for `${_INSTANCE}`.
    pub instance: String,
    /// The directory of the file being read, for `${_PWD}`.
    pub pwd: String,
    rng: super::glibc_random::GlibcRandom,
}

/// Whether `name` is a valid parameter name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_param_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses a definition line `$NAME=VALUE` (blanks allowed before `=`, and after it).
/// Returns the name, the value and whether the value ends with a `\` continuation
/// (the `\` and the blanks before it removed).
pub fn parse_definition(line: &str) -> Option<(&str, &str, bool)> {
    let rest = line.strip_prefix('$')?;
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    if !is_param_name(name) {
        return None;
    }
    // No blank may stand before the `=` (keepalived.conf(5)): `$A = 1` is not a definition.
    let value = rest[name_len..]
        .strip_prefix('=')?
        .trim_start_matches([' ', '\t']);
    match value.strip_suffix('\\') {
        Some(v) => Some((name, v.trim_end_matches([' ', '\t']), true)),
        None => Some((name, value, false)),
    }
}

impl Definitions {
    /// No definitions beyond the pre-defined ones.
    pub fn new(instance: impl Into<String>, seed: u64) -> Self {
        Definitions {
            defs: HashMap::new(),
            instance: instance.into(),
            pwd: String::new(),
            rng: super::glibc_random::GlibcRandom::new(seed as u32),
        }
    }

    /// Defines (or redefines) a parameter. A definition overrides a pre-defined one.
    pub fn set(&mut self, name: &str, value: impl Into<String>, multiline: bool) {
        self.defs.insert(
            name.to_owned(),
            Definition {
                value: value.into(),
                multiline,
            },
        );
    }

    /// Appends one more line to a multi-line definition.
    pub fn append_line(&mut self, name: &str, line: &str) {
        if let Some(d) = self.defs.get_mut(name) {
            if !d.value.is_empty() {
                d.value.push('\n');
            }
            d.value.push_str(line);
        }
    }

    /// Marks the end of a multi-line definition; one that collected nothing is an empty
    /// single-line definition.
    pub fn finish_multiline(&mut self, name: &str) {
        if let Some(d) = self.defs.get_mut(name) {
            if d.value.is_empty() {
                d.multiline = false;
            }
        }
    }

    /// The definition of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Definition> {
        self.defs.get(name)
    }

    /// Number of user definitions.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// Whether there are no user definitions.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    fn builtin(name: &str) -> Option<Builtin> {
        Some(match name {
            "_PWD" => Builtin::Pwd,
            "_INSTANCE" => Builtin::Instance,
            "_RANDOM" => Builtin::Random,
            "_HASH" => Builtin::Hash,
            "_BANG" => Builtin::Bang,
            _ => return None,
        })
    }

    /// keepalived's `random()`: glibc's generator, seeded as keepalived seeds it.
    fn next_random(&mut self) -> u64 {
        u64::from(self.rng.next())
    }

    fn builtin_value(&mut self, b: Builtin, params: &str) -> String {
        match b {
            Builtin::Pwd => self.pwd.clone(),
            Builtin::Instance => self.instance.clone(),
            Builtin::Hash => "#".into(),
            Builtin::Bang => "!".into(),
            Builtin::Random => {
                let mut nums = params.split_whitespace().map(|n| n.parse::<u64>().ok());
                let min = nums.next().flatten().unwrap_or(0);
                let max = nums.next().flatten().unwrap_or(32767).max(min);
                let span = max - min + 1;
                (min + self.next_random() % span).to_string()
            }
        }
    }

    /// Replaces every `$NAME` (followed by a blank, `,`, `)` or the end) and `${NAME}` that is
    /// defined, again and again until nothing defined is left, as keepalived does at use time.
    /// Undefined names are left as they are. A multi-line definition is only expanded when
    /// its reference ends the line; its further lines are returned in `more_lines`.
    pub fn substitute(
        &mut self,
        line: &str,
        max_len: usize,
        max_steps: usize,
    ) -> Result<Option<Substituted>, SubstError> {
        let mut text = line.to_owned();
        let mut more_lines: Vec<String> = Vec::new();
        let mut changed = false;
        let mut steps = 0usize;
        let mut pos = 0usize;
        while let Some(off) = text[pos..].find('$') {
            let at = pos + off;
            let Some(found) = self.reference_at(&text, at) else {
                pos = at + 1;
                continue;
            };
            steps += 1;
            if steps > max_steps {
                return Err(SubstError::TooManySteps(max_steps));
            }
            let mut tail = text.split_off(found.end);
            text.truncate(at);
            match found.kind {
                RefKind::Builtin(b, params) => text.push_str(&self.builtin_value(b, &params)),
                RefKind::Multiline(value) => {
                    let mut lines = value.split('\n');
                    text.push_str(lines.next().unwrap_or(""));
                    let rest: Vec<String> = lines.map(str::to_owned).collect();
                    more_lines.splice(0..0, rest);
                }
                RefKind::Value(value) => text.push_str(&value),
            }
            text.push_str(&tail);
            tail.clear();
            if text.len() > max_len {
                return Err(SubstError::TooLong(max_len));
            }
            changed = true;
            // Rescan from the replacement itself: substitution is recursive.
            pos = at;
        }
        Ok(changed.then_some(Substituted { text, more_lines }))
    }

    fn reference_at(&self, text: &str, at: usize) -> Option<Reference> {
        let after = &text[at + 1..];
        let (name, params, end, braces) = if let Some(inner) = after.strip_prefix('{') {
            let close = inner.find('}')?;
            let body = &inner[..close];
            let name_len = body
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(body.len());
            let (name, params) = body.split_at(name_len);
            if !params.is_empty()
                && (!params.chars().all(|c| c == ' ' || c.is_ascii_digit())
                    || params.ends_with(' '))
            {
                return None;
            }
            (name, params.trim(), at + 2 + close + 1, true)
        } else {
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            let next = after[name_len..].chars().next();
            if !matches!(next, None | Some(' ' | '\t' | ',' | ')')) {
                return None;
            }
            (&after[..name_len], "", at + 1 + name_len, false)
        };
        if !is_param_name(name) {
            return None;
        }
        let _ = braces;
        let ends_line = end == text.len();
        let kind = match self.defs.get(name) {
            Some(d) if d.multiline && !ends_line => return None,
            Some(d) if d.multiline => RefKind::Multiline(d.value.clone()),
            Some(_) if !params.is_empty() => return None,
            Some(d) => RefKind::Value(d.value.clone()),
            None => {
                let b = Self::builtin(name)?;
                if !params.is_empty() && b != Builtin::Random {
                    return None;
                }
                RefKind::Builtin(b, params.to_owned())
            }
        };
        Some(Reference { end, kind })
    }
}

struct Reference {
    end: usize,
    kind: RefKind,
}

enum RefKind {
    Builtin(Builtin, String),
    Value(String),
    Multiline(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs() -> Definitions {
        Definitions::new("main", 42)
    }

    fn subst(d: &mut Definitions, s: &str) -> String {
        d.substitute(s, 4096, 1000)
            .unwrap()
            .map_or(s.to_owned(), |x| x.text)
    }

    #[test]
    fn substitution_is_recursive_and_at_use_time() {
        let mut d = defs();
        d.set("ADDRESS_BASE", "10.2.${ADDRESS_BASE_SUB}", false);
        d.set("ADDRESS_BASE_SUB", "0", false);
        assert_eq!(subst(&mut d, "${ADDRESS_BASE}.100/32"), "10.2.0.100/32");
        d.set("ADDRESS_BASE_SUB", "10", false);
        assert_eq!(subst(&mut d, "${ADDRESS_BASE}.100/32"), "10.2.10.100/32");
    }

    #[test]
    fn bare_names_need_a_blank_after_them() {
        let mut d = defs();
        d.set("P", "240", false);
        assert_eq!(subst(&mut d, "priority $P"), "priority 240");
        assert_eq!(subst(&mut d, "priority $Px"), "priority $Px");
        assert_eq!(subst(&mut d, "a $P b"), "a 240 b");
    }

    #[test]
    fn undefined_names_are_left_alone() {
        let mut d = defs();
        d.set("X", "1", false);
        assert_eq!(subst(&mut d, "echo ${UNDEF} $HOME"), "echo ${UNDEF} $HOME");
    }

    #[test]
    fn builtins_expand() {
        let mut d = defs();
        d.pwd = "/etc/keepalived".into();
        assert_eq!(subst(&mut d, "${_PWD}/x"), "/etc/keepalived/x");
        assert_eq!(subst(&mut d, "${_INSTANCE}"), "main");
        assert_eq!(subst(&mut d, "a${_HASH}b${_BANG}"), "a#b!");
        let r: u64 = subst(&mut d, "${_RANDOM 5 7}").parse().unwrap();
        assert!((5..=7).contains(&r));
    }

    #[test]
    fn a_self_referencing_definition_is_bounded() {
        let mut d = defs();
        d.set("A", "x$A", false);
        assert!(d.substitute("$A", 4096, 1000).is_err());
    }

    #[test]
    fn multiline_definitions_expand_only_at_line_end() {
        let mut d = defs();
        d.set("M", "a 1\nb 2\nc 3", true);
        let s = d.substitute("$M", 4096, 100).unwrap().unwrap();
        assert_eq!(s.text, "a 1");
        assert_eq!(s.more_lines, ["b 2", "c 3"]);
        assert_eq!(subst(&mut d, "$M x"), "$M x");
    }

    #[test]
    fn definitions_parse() {
        assert_eq!(parse_definition("$A=1"), Some(("A", "1", false)));
        assert_eq!(parse_definition("$A = 1"), None);
        assert_eq!(parse_definition("$A= 1"), Some(("A", "1", false)));
        assert_eq!(parse_definition("$A= x \\"), Some(("A", "x", true)));
        assert_eq!(parse_definition("$1A=1"), None);
        assert_eq!(parse_definition("$A"), None);
    }
}
