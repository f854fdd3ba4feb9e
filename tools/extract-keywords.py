#!/usr/bin/env python3
"""List every configuration keyword a keepalived source tree registers.

Usage: tools/extract-keywords.py KEEPALIVED_SOURCE_TREE > crates/conf/data/keywords-VERSION.tsv

keepalived builds its keyword table at start-up with install_keyword_root() (a root
keyword), install_keyword() (a keyword under the last one at the current sub-level) and
install_sublevel() / install_sublevel_end() (go one level down / up), spread over its
*_parser.c and checker files and helpers that take the keyword as a parameter. This script
reads the C text only (it compiles nothing): it finds the functions that make those calls,
then replays them from global_init_keywords() (keepalived/core/main.c, the table of the
parent process, which installs every family) the way lib/parser.c does, binding string
arguments of helper functions. Every #if guard met on the way is kept, so keywords of
optional build features are listed too, with the condition they need.

Output: one line per (section, keyword) pair, tab separated:
section   keyword   file:line (where installed)   guard (#if conditions, "-" when none)
The section is "root" for root keywords, else the path of enclosing keywords joined by "/"
(e.g. "virtual_server/real_server/HTTP_GET/url").
"""

import os
import re
import sys

INSTALL = {
    "install_keyword_root",
    "install_keyword",
    "install_keyword_quoted",
    "install_sublevel",
    "install_sublevel_end",
}
ENTRY = "global_init_keywords"

FUNC_RE = re.compile(r"^([A-Za-z_]\w*)\s*\((.*)\)\s*$")
CALL_RE = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
PP_RE = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b\s*(.*)$")


def c_files(tree):
    for sub in ("keepalived", "lib"):
        for root, _dirs, files in os.walk(os.path.join(tree, sub)):
            for f in sorted(files):
                if f.endswith(".c"):
                    yield os.path.join(root, f)


def strip_comments(text):
    # Keeps line breaks so that line numbers stay right.
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def params_of(decl):
    names, parts, depth, cur = [], [], 0, ""
    for c in decl:
        depth += {"(": 1, ")": -1}.get(c, 0)
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    for p in parts:
        p = p.strip()
        if not re.search(r"\w", p) or p == "void":
            continue
        m = re.search(r"\(\s*\*\s*(\w+)\s*\)", p)  # function pointer parameter
        names.append(m.group(1) if m else re.findall(r"\w+", p)[-1])
    return names


def functions(path, rel):
    """Yields (name, params, [(line, text)], rel) for every function definition."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = strip_comments(f.read()).split("\n")
    i = 0
    while i < len(lines):
        m = FUNC_RE.match(lines[i])
        if m and i + 1 < len(lines) and lines[i + 1].startswith("{"):
            start = i + 2
            j = start
            while j < len(lines) and not lines[j].startswith("}"):
                j += 1
            body = [(n + 1, lines[n]) for n in range(start, j)]
            yield m.group(1), params_of(m.group(2)), body, rel
            i = j
        i += 1


def first_args(text, pos):
    """The comma-separated top-level arguments of the call whose '(' is at text[pos]."""
    depth, cur, args, i = 0, "", [], pos
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur += text[i : j + 1]
            i = j + 1
            continue
        if c == "(":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c == ")":
            depth -= 1
            if depth == 0:
                args.append(cur.strip())
                return args
        elif c == "," and depth == 1:
            args.append(cur.strip())
            cur = ""
            i += 1
            continue
        cur += c
        i += 1
    return args


class Replay:
    def __init__(self, funcs):
        self.funcs = funcs
        self.root = None
        self.levels = []
        self.sublevel = 0
        self.out = {}
        self.order = []
        self.reached = set()

    def emit(self, section, keyword, where, guard):
        key = (section, keyword)
        if key not in self.out:
            self.out[key] = (where, guard)
            self.order.append(key)

    def value(self, arg, env):
        arg = arg.strip()
        m = re.fullmatch(r'"((?:[^"\\]|\\.)*)"', arg)
        if m:
            return m.group(1)
        if arg in ("true", "false"):
            return arg
        return env.get(arg)

    @staticmethod
    def dead_ranges(text, env):
        """Text ranges a C `if` on a bound parameter skips: keepalived installs some keywords
        only for one caller of a shared helper (`if (connection_keywords) {...}`,
        `if (!strcmp(keyword, "SSL_GET")) install_keyword(...)`)."""
        dead = []
        cond_re = re.compile(
            r'\bif\s*\(\s*(?:(!?)\s*(\w+)|!\s*strcmp\s*\(\s*(\w+)\s*,\s*"([^"]*)"\s*\))\s*\)'
        )
        for m in cond_re.finditer(text):
            if m.group(2):
                v = env.get(m.group(2))
                if v not in ("true", "false"):
                    continue
                holds = (v == "true") != (m.group(1) == "!")
            else:
                if m.group(3) not in env:
                    continue
                holds = env[m.group(3)] == m.group(4)
            if holds:
                continue
            i = m.end()
            while i < len(text) and text[i].isspace():
                i += 1
            if i < len(text) and text[i] == "{":
                depth, j = 0, i
                while j < len(text):
                    depth += {"{": 1, "}": -1}.get(text[j], 0)
                    if depth == 0:
                        break
                    j += 1
            else:
                j = text.find(";", i)
            dead.append((i, j if j >= 0 else len(text)))
        return dead

    def run(self, name, env, guards, depth=0):
        if depth > 30 or name not in self.funcs:
            return
        self.reached.add(name)
        _params, body, rel = self.funcs[name]
        stack = []  # list of [condition, negated-previous-conditions]
        # Calls may span lines: scan the body text with a map back to line numbers.
        text = ""
        line_at = []
        for n, t in body:
            pp = PP_RE.match(t)
            if pp:
                line_at.append((len(text), n, ("pp", pp.group(1), pp.group(2).strip())))
                text += "\n"
                continue
            line_at.append((len(text), n, None))
            text += t + "\n"
        events = []
        for off, n, pp in line_at:
            if pp:
                events.append((off, -1, n, pp))
        for m in CALL_RE.finditer(text):
            events.append((m.start(), m.end() - 1, None, m.group(1)))
        events.sort(key=lambda e: (e[0], e[1]))
        dead = self.dead_ranges(text, env)
        for off, paren, n, what in events:
            if paren == -1:
                kind, cond = what[1], what[2]
                if kind in ("if", "ifdef", "ifndef"):
                    c = {"if": cond, "ifdef": f"defined {cond}", "ifndef": f"!defined {cond}"}[kind]
                    stack.append([c, []])
                elif kind in ("elif", "else") and stack:
                    top = stack[-1]
                    top[1].append(top[0])
                    top[0] = cond if kind == "elif" else None
                elif kind == "endif" and stack:
                    stack.pop()
                continue
            line = max(ln for o, ln, _ in line_at if o <= off)
            if any(a <= off < b for a, b in dead):
                continue
            here = list(guards)
            for cond, prev in stack:
                here += [f"!({p})" for p in prev if p]
                if cond:
                    here.append(cond)
            fname = what
            args = first_args(text, paren)
            where = f"{rel}:{line}"
            if fname == "install_keyword_root":
                kw = self.value(args[0], env) if args else None
                if kw:
                    self.root, self.levels, self.sublevel = kw, [], 0
                    self.emit("root", kw, where, here)
            elif fname in ("install_keyword", "install_keyword_quoted"):
                kw = self.value(args[0], env) if args else None
                if kw and self.root:
                    section = "/".join([self.root] + self.levels[: self.sublevel])
                    self.emit(section, kw, where, here)
                    del self.levels[self.sublevel :]
                    self.levels.append(kw)
            elif fname == "install_sublevel":
                self.sublevel += 1
            elif fname == "install_sublevel_end":
                self.sublevel = max(0, self.sublevel - 1)
            elif fname in self.funcs and fname != name:
                callee_params = self.funcs[fname][0]
                callee_env = {}
                for p, a in zip(callee_params, args):
                    v = self.value(a, env)
                    if v is not None:
                        callee_env[p] = v
                self.run(fname, callee_env, here, depth + 1)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    tree = sys.argv[1]
    all_funcs = {}
    for path in c_files(tree):
        rel = os.path.relpath(path, tree)
        for name, params, body, r in functions(path, rel):
            all_funcs.setdefault(name, (params, body, r))
    # Only functions that (transitively) install keywords matter.
    calls = {n: {m.group(1) for _, t in b for m in CALL_RE.finditer(t)} for n, (_, b, _) in all_funcs.items()}
    installers = {n for n, c in calls.items() if c & INSTALL}
    changed = True
    while changed:
        changed = False
        for n, c in calls.items():
            if n not in installers and c & installers:
                installers.add(n)
                changed = True
    funcs = {n: all_funcs[n] for n in installers}
    if ENTRY not in funcs:
        sys.exit(f"{ENTRY} not found under {tree}")
    replay = Replay(funcs)
    replay.run(ENTRY, {}, [])
    # The children's tables (vrrp_init_keywords...) repeat the parent's; replay them too so
    # that nothing installed only there is missed.
    for n in sorted(installers):
        if n not in replay.reached and not n.startswith("install_"):
            replay.run(n, {}, [])
    version = re.sub(r"^keepalived-v?", "", os.path.basename(os.path.normpath(tree)))
    print(f"# The keywords keepalived {version} registers (facts: names and where they are installed).")
    print(f"# Regenerate: tools/extract-keywords.py <keepalived {version} source tree> > crates/conf/data/keywords-{version}.tsv")
    print("# section\tkeyword\tinstalled at\tguard")
    for section, kw in replay.order:
        where, guard = replay.out[(section, kw)]
        print(f"{section}\t{kw}\t{where}\t{' && '.join(guard) if guard else '-'}")


if __name__ == "__main__":
    main()
