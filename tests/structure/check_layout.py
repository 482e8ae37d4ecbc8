#!/usr/bin/env python3
"""Checks that the build targets match the folders and that the layers hold.

Reads the layout CMake writes at configure time (<build>/layout.tsv, cmake/Layout.cmake) and
the sources, and checks:

  [sources]      every .cc under common/ and services/ is compiled by exactly one target, and a
                 target compiles only files of its own folder (the folder whose CMakeLists.txt
                 defines it); every header has an owning target.
  [includes]     a file includes a header of another target only if its target links that
                 target directly (the target's target_link_libraries is its dependency list).
  [layering]     the dependency list follows the allowed order (ALLOWED below): common's
                 dangbo_base < dangbo_common < dangbo_server; in a service
                 domain|replication < storage|store < follower < service < the service's own
                 folder (the assembled server); seed/ links common and the contracts only;
                 nothing in common links a service.
  [cycle]        no cycle between targets, nor between folders through includes.
  [grpc-link]    targets marked DANGBO_WITHOUT_GRPC (every domain/ target and dangbo_base must
                 be) have no gRPC library in their link closure.
  [grpc-include] no file of those targets includes gRPC, directly or through other headers.
  [grpc-binary]  the binaries named with --no-grpc-binary (the domain tests) need no gRPC
                 library (readelf -d): what the link closure says, seen on the linked file.

Prints every violation and a summary; exits 1 if there is any. Its self-test
(check_layout_test.py) runs it on broken fixtures.

  check_layout.py --source-dir . --layout build/layout.tsv \
      [--no-grpc-binary build/tests/unit/records/records_domain_test ...]
"""

import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict

ROOTS = ("common", "services")

# The allowed order. common/ has several targets in one folder, ranked by name; a service's
# folders are ranked by their name under services/<service>/ ("" is the service's own folder:
# the assembled server, its flags and main). A target may link targets of a lower rank (and,
# for an executable, a library of its own folder), common's targets, and the generated
# contracts. seed/ is a client of the public API: it links no other folder of its service.
COMMON_ORDER = ["dangbo_base", "dangbo_common", "dangbo_server"]
# replication/ (records' Raft member) ranks with domain/: it links neither, storage/ may link it.
SERVICE_LAYERS = {"domain": 0, "replication": 0, "storage": 1, "store": 1, "follower": 2,
                  "service": 3, "": 4}
SEED = "seed"

# Targets whose link closure and headers must stay free of gRPC, besides every domain/ one.
NO_GRPC_REQUIRED = {"dangbo_base"}

GRPC_LIBRARY = re.compile(r"grpc", re.IGNORECASE)
GRPC_HEADER = re.compile(r"^(grpcpp/|grpc\+\+/|grpc/)|\.grpc\.pb\.h$")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)


class Target:
    def __init__(self, fields):
        (self.name, self.type, self.folder, sources, deps, closure, no_grpc) = fields
        self.sources = [s for s in sources.split(";") if s]
        self.deps = [d for d in deps.split(";") if d]
        self.closure = [c for c in closure.split(";") if c]
        self.no_grpc = no_grpc.upper() in ("ON", "TRUE", "1", "YES")
        self.files = []  # project-relative paths of its .cc and owned headers

    @property
    def is_executable(self):
        return self.type == "EXECUTABLE"


def read_layout(path):
    targets = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != 7:
                raise SystemExit(f"{path}: malformed line: {line!r}")
            t = Target(fields)
            targets[t.name] = t
    return targets


def under_roots(rel):
    return any(rel == r or rel.startswith(r + "/") for r in ROOTS)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return re.sub(r"//[^\n]*", "", text)


class Checker:
    def __init__(self, source_dir, targets):
        self.src = os.path.abspath(source_dir)
        self.targets = targets
        self.violations = []
        self.owner = {}  # project-relative file -> target name
        self.generated = {}  # include path of a generated header -> target name
        self.includes_checked = 0

    def fail(self, kind, message):
        self.violations.append(f"[{kind}] {message}")

    def rel(self, path, folder):
        if not os.path.isabs(path):
            path = os.path.join(self.src, folder, path)
        path = os.path.normpath(path)
        if path.startswith(self.src + os.sep):
            return os.path.relpath(path, self.src)
        return None  # outside the source tree

    # [sources]
    def check_sources(self):
        compiled_by = defaultdict(list)
        for t in self.targets.values():
            for s in t.sources:
                m = re.search(r"/gen/(.+\.h)$", s)
                if m:
                    self.generated[m.group(1)] = t.name
                rel = self.rel(s, t.folder)
                if rel is None or not under_roots(rel):
                    continue  # generated (the build directory may be inside the tree)
                if os.path.dirname(rel) != t.folder:
                    self.fail("sources", f"{t.name} compiles {rel}, outside its folder "
                              f"{t.folder}/: give that folder a target of its own")
                compiled_by[rel].append(t.name)
        files = []
        for root in ROOTS:
            for dirpath, dirnames, filenames in os.walk(os.path.join(self.src, root)):
                dirnames.sort()
                for name in sorted(filenames):
                    if name.endswith((".cc", ".h")):
                        files.append(os.path.relpath(os.path.join(dirpath, name), self.src))
        libraries_in = defaultdict(list)
        for t in self.targets.values():
            if not t.is_executable:
                libraries_in[t.folder].append(t.name)
        for rel in files:
            owners = compiled_by.get(rel, [])
            if rel.endswith(".cc"):
                if not owners:
                    self.fail("sources", f"{rel} is compiled by no target")
                    continue
                if len(owners) > 1:
                    self.fail("sources", f"{rel} is compiled by several targets: "
                              + ", ".join(sorted(owners)))
                self.owner[rel] = owners[0]
            elif owners:
                self.owner[rel] = owners[0]
        for rel in files:
            if rel in self.owner or rel.endswith(".cc"):
                continue
            twin = rel[:-2] + ".cc"
            candidates = libraries_in.get(os.path.dirname(rel), [])
            if twin in self.owner:
                self.owner[rel] = self.owner[twin]
            elif len(candidates) == 1:
                self.owner[rel] = candidates[0]
            else:
                self.fail("sources", f"{rel} has no owning target (list it in the sources "
                          "of the target it belongs to)")
        for rel, name in self.owner.items():
            self.targets[name].files.append(rel)

    def read_includes(self, rel):
        with open(os.path.join(self.src, rel), encoding="utf-8", errors="replace") as f:
            return INCLUDE.findall(strip_comments(f.read()))

    def owner_of_include(self, path):
        if path in self.owner:
            return self.owner[path]
        return self.generated.get(path)

    # [includes], and the folder graph for [cycle]
    def check_includes(self):
        folder_edges = defaultdict(set)
        for rel, name in sorted(self.owner.items()):
            t = self.targets[name]
            for inc in self.read_includes(rel):
                dep = self.owner_of_include(inc)
                if dep is None:
                    continue
                self.includes_checked += 1
                if dep != name and dep not in t.deps:
                    self.fail("includes", f"{rel} includes {inc} ({dep}), but {name} does not "
                              f"link {dep}")
                if inc in self.owner and os.path.dirname(inc) != os.path.dirname(rel):
                    folder_edges[os.path.dirname(rel)].add(os.path.dirname(inc))
        for cycle in find_cycles(folder_edges):
            self.fail("cycle", "folders include each other: " + " -> ".join(cycle))

    def role(self, t):
        """('common', rank) | ('service', service, folder-rank) | ('seed', service) | ('proto',)."""
        if not any(under_roots(self.rel(s, t.folder) or "") for s in t.sources):
            return ("proto",)  # generated code: the contracts, storage records
        parts = t.folder.split("/")
        if parts[0] == "common":
            if t.name not in COMMON_ORDER:
                return ("unknown", f"{t.name} in common/ is not in COMMON_ORDER")
            return ("common", COMMON_ORDER.index(t.name))
        if parts[0] == "services" and len(parts) >= 2:
            sub = "/".join(parts[2:])
            if sub == SEED:
                return ("seed", parts[1])
            if sub not in SERVICE_LAYERS:
                return ("unknown", f"folder {t.folder} has no place in SERVICE_LAYERS")
            return ("service", parts[1], SERVICE_LAYERS[sub])
        return ("proto",)

    def allowed(self, t, u):
        rt, ru = self.role(t), self.role(u)
        if ru[0] == "proto":
            return True
        if t.folder == u.folder and t.is_executable and not u.is_executable:
            return True
        if ru[0] == "common":
            return rt[0] != "common" or ru[1] < rt[1]
        if rt[0] in ("common", "proto"):
            return False
        if ru[0] == "seed" or rt[0] == "seed":
            return False  # seed links no other folder of a service; nothing links seed
        return rt[1] == ru[1] and ru[2] < rt[2]

    # [layering], [cycle]
    def check_layering(self):
        edges = defaultdict(set)
        for t in self.targets.values():
            role = self.role(t)
            if role[0] == "unknown":
                self.fail("layering", role[1])
                continue
            for d in t.deps:
                u = self.targets.get(d)
                if u is None:
                    continue
                edges[t.name].add(d)
                if self.role(u)[0] == "unknown":
                    continue
                if not self.allowed(t, u):
                    self.fail("layering", f"{t.name} ({t.folder}) may not link {d} ({u.folder})")
        for cycle in find_cycles(edges):
            self.fail("cycle", "targets link each other: " + " -> ".join(cycle))

    # [grpc-link], [grpc-include]
    def check_grpc(self):
        for t in sorted(self.targets.values(), key=lambda t: t.name):
            required = t.name in NO_GRPC_REQUIRED or os.path.basename(t.folder) == "domain"
            if required and not t.no_grpc:
                self.fail("grpc-link", f"{t.name} must be marked DANGBO_WITHOUT_GRPC")
            if not t.no_grpc:
                continue
            grpc = [c for c in t.closure if GRPC_LIBRARY.search(c)]
            if grpc:
                via = [d for d in t.deps if GRPC_LIBRARY.search(d) or any(
                    GRPC_LIBRARY.search(c) for c in getattr(self.targets.get(d), "closure", []))]
                through = f" through {', '.join(via)}" if via else ""
                self.fail("grpc-link", f"{t.name} links gRPC ({', '.join(sorted(grpc))})"
                          + through)
            for rel in sorted(t.files):
                chain = self.grpc_chain(rel, [])
                if chain:
                    self.fail("grpc-include", f"{t.name}: " + " -> ".join(chain))

    def grpc_chain(self, rel, seen):
        """The include chain from `rel` to a gRPC header, or None."""
        if rel in seen:
            return None
        seen.append(rel)
        for inc in self.read_includes(rel):
            if GRPC_HEADER.search(inc):
                return [rel, inc]
            if inc in self.owner:
                chain = self.grpc_chain(inc, seen)
                if chain:
                    return [rel] + chain
        return None

    def run(self):
        self.check_sources()
        self.check_includes()
        self.check_layering()
        self.check_grpc()
        return self.violations


def grpc_libraries_needed(binary):
    """The gRPC libraries `binary` needs (its NEEDED entries naming grpc)."""
    out = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True)
    needed = re.findall(r"\(NEEDED\).*\[([^\]]+)\]", out.stdout)
    if not needed:
        raise SystemExit(f"readelf -d {binary}: no NEEDED entries (not a dynamic binary?)")
    return [n for n in needed if GRPC_LIBRARY.search(n)]


def check_binaries(binaries):
    violations = []
    for binary in binaries:
        grpc = grpc_libraries_needed(binary)
        if grpc:
            violations.append(f"[grpc-binary] {os.path.basename(binary)} needs "
                              + ", ".join(grpc))
    return violations


def find_cycles(edges):
    """Each elementary cycle found by depth-first search, once (as a path that closes)."""
    cycles, seen_keys = [], set()
    state = {}

    def visit(node, path):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt == node:
                continue
            if state.get(nxt) == "open":
                cycle = path[path.index(nxt):] + [nxt]
                key = frozenset(cycle)
                if key not in seen_keys:
                    seen_keys.add(key)
                    cycles.append(cycle)
            elif nxt not in state:
                visit(nxt, path)
        path.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    return cycles


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--layout", required=True, help="<build>/layout.tsv")
    parser.add_argument("--no-grpc-binary", action="append", default=[],
                        help="a binary that must need no gRPC library (repeatable)")
    args = parser.parse_args(argv)
    targets = read_layout(args.layout)
    checker = Checker(args.source_dir, targets)
    violations = checker.run() + check_binaries(args.no_grpc_binary)
    for v in violations:
        print(v)
    print(f"layout: {len(targets)} targets, {len(checker.owner)} files, "
          f"{checker.includes_checked} includes between targets checked, "
          f"{len(args.no_grpc_binary)} binaries; "
          f"{len(violations)} violations")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
