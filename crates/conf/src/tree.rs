//! Logical lines to a tree: each line is a keyword with arguments; a line followed by a `{`
//! line owns the lines up to the matching `}` as its block.

use crate::diag::{Diagnostics, ErrorClass, Location};
use crate::lexer::{Limits, LogicalLine};

/// One keyword line and, when a `{ }` block follows it, the block's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The first word.
    pub keyword: String,
    /// The other words.
    pub args: Vec<String>,
    /// The text of the line after substitution (keywords such as `script` read it whole).
    pub raw: String,
    /// Where the line is.
    pub loc: Location,
    /// The block following the line, if any.
    pub block: Option<Vec<Node>>,
    /// Where the block's closing `}` stands (keepalived reports end-of-block checks there).
    pub block_end: Option<Location>,
}

impl Node {
    /// The `i`-th argument (0 is the word after the keyword).
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(String::as_str)
    }

    /// The lines of the block (empty when there is no block).
    pub fn children(&self) -> &[Node] {
        self.block.as_deref().unwrap_or(&[])
    }

    /// All the words of the block's lines, flattened, in order: for value blocks such as
    /// `unicast_peer { a b \n c }`.
    pub fn block_words(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.children().iter().flat_map(|n| {
            std::iter::once((n.keyword.as_str(), n))
                .chain(n.args.iter().map(move |a| (a.as_str(), n)))
        })
    }
}

struct Open {
    nodes: Vec<Node>,
    /// Where the keyword owning this block stands; `None` for the top level.
    owner_loc: Option<Location>,
    /// A block opened by a stray `{`: read to keep the braces balanced, then dropped.
    ignored: bool,
}

/// Builds the tree. Stray `{`, extra `}`, blocks never closed and nesting deeper than the
/// limit are reported with keepalived's classes.
pub fn build(lines: Vec<LogicalLine>, limits: &Limits, diags: &mut Diagnostics) -> Vec<Node> {
    let mut stack = vec![Open {
        nodes: Vec::new(),
        owner_loc: None,
        ignored: false,
    }];
    let mut last_was_keyword = false;
    let mut depth_reported = false;
    for line in lines {
        let LogicalLine {
            mut words,
            raw,
            loc,
        } = line;
        match words.as_slice() {
            [w] if w == "{" => {
                let depth = stack.len();
                let top = stack.last_mut().expect("stack never empty");
                let can_open =
                    last_was_keyword && top.nodes.last().is_some_and(|n| n.block.is_none());
                let owner_loc = can_open
                    .then(|| top.nodes.last().map(|n| n.loc.clone()))
                    .flatten();
                if depth > limits.max_block_depth {
                    if depth_reported {
                        stack.push(Open {
                            nodes: Vec::new(),
                            owner_loc: Some(loc),
                            ignored: true,
                        });
                        last_was_keyword = false;
                        continue;
                    }
                    depth_reported = true;
                    diags
                        .error(
                            ErrorClass::General,
                            Some(&loc),
                            None,
                            "blocks nested too deeply",
                        )
                        .accepted(format!("at most {} levels", limits.max_block_depth));
                } else if !can_open {
                    diags.error(
                        ErrorClass::UnexpectedBob,
                        Some(&loc),
                        None,
                        "Unexpected '{' - ignoring",
                    );
                }
                stack.push(Open {
                    nodes: Vec::new(),
                    owner_loc: owner_loc.or(Some(loc)),
                    ignored: !can_open || depth > limits.max_block_depth,
                });
                last_was_keyword = false;
            }
            [w] if w == "}" => {
                if stack.len() == 1 {
                    diags.error(
                        ErrorClass::UnexpectedEob,
                        Some(&loc),
                        None,
                        "Extra '}' found",
                    );
                } else {
                    close(&mut stack, Some(loc));
                }
                last_was_keyword = false;
            }
            _ => {
                let keyword = words.remove(0);
                let top = stack.last_mut().expect("stack never empty");
                top.nodes.push(Node {
                    keyword,
                    args: words,
                    raw,
                    loc,
                    block: None,
                    block_end: None,
                });
                last_was_keyword = true;
            }
        }
    }
    if stack.len() > 1 {
        let missing = stack.len() - 1;
        let innermost = stack.last().and_then(|o| o.owner_loc.clone());
        diags.error(
            ErrorClass::MissingEob,
            innermost.as_ref(),
            None,
            format!("There are {missing} missing '}}'s or extra '{{'s (the block opened here is never closed)"),
        );
        while stack.len() > 1 {
            close(&mut stack, None);
        }
    }
    stack.pop().map(|o| o.nodes).unwrap_or_default()
}

fn close(stack: &mut Vec<Open>, end: Option<Location>) {
    let Some(done) = stack.pop() else { return };
    if done.ignored {
        return;
    }
    if let Some(owner) = stack.last_mut().and_then(|o| o.nodes.last_mut()) {
        owner.block = Some(done.nodes);
        owner.block_end = end;
    }
}

/// Writes a tree back as configuration text that reads back to the same tree
/// (words are quoted where needed).
pub fn to_text(nodes: &[Node]) -> String {
    fn quote(w: &str) -> String {
        let plain = !w.is_empty()
            && !w.chars().any(|c| {
                c.is_whitespace() || matches!(c, '#' | '!' | '{' | '}' | '$' | '@' | '~' | '\\')
            });
        if plain {
            w.to_owned()
        } else {
            format!("\"{w}\"")
        }
    }
    fn write(nodes: &[Node], depth: usize, out: &mut String) {
        for n in nodes {
            out.push_str(&"  ".repeat(depth));
            out.push_str(&quote(&n.keyword));
            for a in &n.args {
                out.push(' ');
                out.push_str(&quote(a));
            }
            if let Some(b) = &n.block {
                out.push_str(" {\n");
                write(b, depth + 1, out);
                out.push_str(&"  ".repeat(depth));
                out.push('}');
            }
            out.push('\n');
        }
    }
    let mut out = String::new();
    write(nodes, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::{read_str, ReadOptions};
    use std::path::Path;

    fn tree(text: &str) -> (Vec<Node>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let opts = ReadOptions::default();
        let lines = read_str(text, Path::new("t.conf"), &opts, &mut diags);
        let t = build(lines, &opts.limits, &mut diags);
        (t, diags)
    }

    #[test]
    fn blocks_open_on_the_same_or_the_next_line() {
        let (t, d) = tree("a 1 {\n b 2\n}\nc\n{\n d { e }\n}\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].children()[0].keyword, "b");
        assert_eq!(t[1].children()[0].children()[0].keyword, "e");
    }

    #[test]
    fn extra_and_missing_braces_are_reported_with_lines() {
        let (_, d) = tree("a {\n}\n}\n");
        let e = d.iter().next().unwrap();
        assert_eq!(e.class, ErrorClass::UnexpectedEob);
        assert_eq!(e.location.as_ref().unwrap().line, 3);
        let (_, d) = tree("a {\n b {\n");
        let e = d.iter().next().unwrap();
        assert_eq!(e.class, ErrorClass::MissingEob);
        assert_eq!(e.location.as_ref().unwrap().line, 2);
    }

    #[test]
    fn a_stray_brace_block_is_dropped_but_balanced() {
        let (t, d) = tree("a\nb\n}\n");
        assert_eq!(d.len(), 1);
        assert_eq!(t.len(), 2);
        let (t, d) = tree("a {\n}\n{\n x\n}\nb\n");
        assert_eq!(d.iter().next().unwrap().class, ErrorClass::UnexpectedBob);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = "a {\n".repeat(100) + &"}\n".repeat(100);
        let (_, d) = tree(&text);
        assert!(d.iter().any(|e| e.message.contains("nested too deeply")));
    }

    #[test]
    fn text_round_trips() {
        let (t, _) = tree("a \"x y\" {\n b \"c#d\" {\n  e \"$X\"\n }\n}\nf\n");
        let (t2, d) = tree(&to_text(&t));
        assert!(d.is_empty());
        let strip = |n: &[Node]| to_text(n);
        assert_eq!(strip(&t), strip(&t2));
    }
}
