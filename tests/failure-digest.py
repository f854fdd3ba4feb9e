#!/usr/bin/env python3
"""Prints a short digest of the failed tests in a `cargo test` log: for each failure, the
test binary, the test's name and the first lines of its panic message. run-all.sh prints it
last, so that it stays visible when a long log is cut in the middle."""
import re
import sys

MAX_LINES_PER_FAILURE = 14


def digest(lines):
    binary = "?"
    block = None
    out = []
    for line in lines:
        running = re.match(r"\s*Running (\S+)", line)
        if running:
            binary = running.group(1)
            continue
        header = re.match(r"---- (\S+) stdout ----", line)
        if header:
            block = {"name": header.group(1), "binary": binary, "panic": []}
            out.append(block)
            continue
        if block is None:
            continue
        if line.startswith("failures:") or line.startswith("test result:"):
            block = None
            continue
        if block["panic"] or "panicked at" in line:
            if len(block["panic"]) < MAX_LINES_PER_FAILURE:
                block["panic"].append(line.rstrip("\n")[:200])
    return out


def main():
    with open(sys.argv[1], errors="replace") as f:
        failures = digest(f)
    if not failures:
        return
    print(f"==== {len(failures)} failed test(s) (digest of {sys.argv[1]}) ====")
    for f in failures:
        print(f"-- {f['binary']} {f['name']}")
        for line in f["panic"]:
            print(f"   {line}")


if __name__ == "__main__":
    main()
