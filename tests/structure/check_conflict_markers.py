#!/usr/bin/env python3
"""Fails when a merge left conflict markers in the sources or docs.

A marker line that starts with seven '<' or seven '>' followed by a space or the end of the
line was committed once, in deploy/OPERATIONS.md. It survives a build, because Markdown, YAML
comments and most test data still parse with it. This check walks the checkout and skips
build outputs, .git and node_modules. It prints each marker found and "N files checked, M
markers", and exits 1 when it finds any.

  check_conflict_markers.py --source-dir .
"""
import argparse
import os
import re
import sys

MARKER = re.compile(rb"^(<{7}|>{7})( |$)", re.MULTILINE)
SKIP_DIRS = {".git", "node_modules", ".data", ".cache"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    args = ap.parse_args()
    checked, found = 0, []
    for root, dirs, files in os.walk(args.source_dir):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("build")]
        for name in files:
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            if b"\0" in data[:4096]:
                continue  # binary
            checked += 1
            for m in MARKER.finditer(data):
                line = data.count(b"\n", 0, m.start()) + 1
                found.append(f"{os.path.relpath(path, args.source_dir)}:{line}")
    for f in found:
        print(f"conflict marker: {f}")
    print(f"{checked} files checked, {len(found)} markers")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
