//! Configuration templates: `@@for VAR FROM TO` ... `@@end` blocks, `@=EXPR@` integer
//! arithmetic over the loop variables and `N` (the scenario's net number), then `@NAME@`
//! variables.

use std::collections::BTreeMap;

/// Expands loops and arithmetic, then substitutes `vars` (`NAME` -> value, used as `@NAME@`).
pub fn render(text: &str, vars: &BTreeMap<String, String>, n: i64) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut env = BTreeMap::new();
    env.insert("N".to_owned(), n);
    let mut out = String::new();
    expand(&lines, &mut env, &mut out);
    // Longest names first, so that @NET1@ is not read as @NET@ followed by "1@".
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort_by_key(|k| std::cmp::Reverse(k.len()));
    for k in names {
        out = out.replace(&format!("@{k}@"), &vars[k]);
    }
    out
}

fn expand(lines: &[&str], env: &mut BTreeMap<String, i64>, out: &mut String) {
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        if let Some(rest) = t.strip_prefix("@@for ") {
            // Find the matching @@end.
            let mut depth = 1;
            let mut j = i + 1;
            while j < lines.len() {
                let u = lines[j].trim();
                if u.starts_with("@@for ") {
                    depth += 1;
                } else if u == "@@end" {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
            let w: Vec<&str> = rest.split_whitespace().collect();
            let from = w.get(1).map(|s| eval(s, env)).unwrap_or(0);
            let to = w.get(2).map(|s| eval(s, env)).unwrap_or(0);
            let var = w.first().copied().unwrap_or("i").to_owned();
            for v in from..=to {
                env.insert(var.clone(), v);
                expand(&lines[i + 1..j.min(lines.len())], env, out);
            }
            env.remove(&var);
            i = j + 1;
            continue;
        }
        out.push_str(&line_subst(lines[i], env));
        out.push('\n');
        i += 1;
    }
}

fn line_subst(line: &str, env: &BTreeMap<String, i64>) -> String {
    let mut s = line.to_owned();
    while let Some(a) = s.find("@=") {
        let Some(len) = s[a + 2..].find('@') else {
            break;
        };
        let v = eval(&s[a + 2..a + 2 + len], env);
        s.replace_range(a..a + 3 + len, &v.to_string());
    }
    for (k, v) in env {
        s = s.replace(&format!("@{k}@"), &v.to_string());
    }
    s
}

/// `a+b*c-d/e%f` with the usual precedence; unknown names are 0.
fn eval(e: &str, env: &BTreeMap<String, i64>) -> i64 {
    let toks: Vec<char> = e.chars().filter(|c| !c.is_whitespace()).collect();
    let mut pos = 0;
    sum(&toks, &mut pos, env)
}

fn sum(t: &[char], p: &mut usize, env: &BTreeMap<String, i64>) -> i64 {
    let mut v = product(t, p, env);
    while *p < t.len() && (t[*p] == '+' || t[*p] == '-') {
        let op = t[*p];
        *p += 1;
        let r = product(t, p, env);
        v = if op == '+' { v + r } else { v - r };
    }
    v
}

fn product(t: &[char], p: &mut usize, env: &BTreeMap<String, i64>) -> i64 {
    let mut v = atom(t, p, env);
    while *p < t.len() && matches!(t[*p], '*' | '/' | '%') {
        let op = t[*p];
        *p += 1;
        let r = atom(t, p, env);
        v = match op {
            '*' => v * r,
            '/' if r != 0 => v / r,
            '%' if r != 0 => v % r,
            _ => 0,
        };
    }
    v
}

fn atom(t: &[char], p: &mut usize, env: &BTreeMap<String, i64>) -> i64 {
    if *p < t.len() && t[*p] == '(' {
        *p += 1;
        let v = sum(t, p, env);
        *p += 1;
        return v;
    }
    let start = *p;
    while *p < t.len() && (t[*p].is_alphanumeric() || t[*p] == '_') {
        *p += 1;
    }
    let w: String = t[start..*p].iter().collect();
    w.parse()
        .unwrap_or_else(|_| env.get(&w).copied().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_and_arithmetic() {
        let mut vars = BTreeMap::new();
        vars.insert("NET".to_owned(), "10.77.5".to_owned());
        vars.insert("NET1".to_owned(), "10.77.6".to_owned());
        let t = "@@for i 1 2\nvip @NET@.@=i+100@ @NET1@.@i@ @=(N+i)*2@\n@@end\n";
        assert_eq!(
            render(t, &vars, 5),
            "vip 10.77.5.101 10.77.6.1 12\nvip 10.77.5.102 10.77.6.2 14\n"
        );
    }
}
