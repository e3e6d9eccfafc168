#!/usr/bin/env python3
"""Issue 22's size rules for the library: no source file over 800 lines, no function over 100.

Reads the clang-formatted sources (the format check runs first, so a function's body opens on its
signature's last line and closes with a `}` in column 0, namespaces unindented). Prints every
violation as `path:line: ...` and exits 1 if there is one; `--list N` prints the N longest functions.
"""
import os
import re
import subprocess
import sys

MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 100
LIBRARY = ("common/", "workloads/", "memory/", "energy/", "models/", "sim/", "python/")
OPENER = re.compile(r"^[A-Za-z_~].*\)\s*(const\s*)?(noexcept\s*)?(override\s*)?(->\s*[\w:<>, ]+\s*)?\{\s*$")
NOT_FUNCTION = re.compile(r"^(namespace|struct|class|enum|union|extern|if|for|while|switch)\b")


def functions(lines):
    """(first line, length, signature) of every function defined at namespace scope."""
    out, start, sig = [], None, ""
    for i, line in enumerate(lines):
        if start is None:
            if OPENER.match(line) and not NOT_FUNCTION.match(line) and "=" not in line.split("(")[0]:
                j = i  # the signature may start on earlier lines
                while j > 0 and lines[j - 1] and not lines[j - 1].startswith(("}", "//", "#")) \
                        and not lines[j - 1].rstrip().endswith((";", "{", "}")) and lines[j - 1][0] in " \t" + \
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_":
                    j -= 1
                start, sig = j, line.strip()
        elif line.startswith("}"):
            out.append((start + 1, i - start + 1, sig))
            start = None
    return out


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # git paths from the repository root
    listing = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] == "--list" else 0
    files = subprocess.run(["git", "ls-files", "*.cpp", "*.h"], capture_output=True, text=True,
                           check=True).stdout.split()
    bad, found = 0, []
    for path in files:
        if not path.startswith(LIBRARY):
            continue
        lines = open(path, encoding="utf-8").read().split("\n")
        if len(lines) - 1 > MAX_FILE_LINES:
            print(f"{path}:1: {len(lines) - 1} lines (limit {MAX_FILE_LINES})")
            bad += 1
        for first, length, sig in functions(lines):
            found.append((length, path, first, sig))
            if length > MAX_FUNCTION_LINES:
                print(f"{path}:{first}: function of {length} lines (limit {MAX_FUNCTION_LINES}): {sig[:90]}")
                bad += 1
    for length, path, first, sig in sorted(found, reverse=True)[:listing]:
        print(f"{length:5d} {path}:{first} {sig[:90]}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
