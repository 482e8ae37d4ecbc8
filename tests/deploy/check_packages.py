#!/usr/bin/env python3
"""The Debian package lists (deploy/apt-packages-{build,runtime,test}.txt) and who reads them.

Checks, printing "N passed, M failed" and exiting 1 on any failure:
  - the three lists exist, parse, and share no package (a test tool in the build list would
    land in the image's build stage; a build tool in the runtime list, in the image);
  - the Dockerfile's build stage installs the build list and no other, its runtime stage the
    runtime list and no other, and no stage reads the test list;
  - the Makefile (`make deps`) reads all three;
  - with --binary (the servers as built): every shared library a binary needs (its NEEDED
    entries, resolved by ldd) belongs to a package the runtime list installs, directly or as
    a dependency (the installed packages' Depends, followed transitively);
  - and that broken copies of the lists and the Dockerfile (BROKEN below) are rejected.

  check_packages.py [--root DIR] [--binary PATH ...]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

LISTS = ("build", "runtime", "test")


class Checker:
    def __init__(self):
        self.passed = 0
        self.failures = []

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{name}: {detail}" if detail else name)


def read_list(path):
    packages = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            packages.extend(line.split("#", 1)[0].split())
    return packages


def dockerfile_stages(path):
    """{stage name: stage text} of a multi-stage Dockerfile."""
    stages = {}
    name = None
    for line in open(path, encoding="utf-8"):
        if line.lstrip().startswith("#"):
            continue
        m = re.match(r"^FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if m:
            name = m.group(1) or f"stage{len(stages)}"
            stages[name] = ""
        elif name is not None:
            stages[name] += line
    return stages


def packages_of(paths):
    """{path: the Debian package that installed it} for the paths dpkg knows (one dpkg -S).

    bookworm merges /usr: dpkg may know a library as /lib/... or /usr/lib/..., so both are
    asked."""
    variants = {}
    for path in paths:
        for candidate in {path, os.path.realpath(path)}:
            for v in {candidate, re.sub(r"^/usr/lib/", "/lib/", candidate),
                      re.sub(r"^/lib/", "/usr/lib/", candidate)}:
                variants[v] = path
    r = subprocess.run(["dpkg", "-S", *sorted(variants)], capture_output=True, text=True)
    found = {}
    for line in r.stdout.splitlines():
        pkg, _, where = line.partition(": ")
        for owned in where.split(", "):
            if owned in variants:
                found[variants[owned]] = pkg.split(":", 1)[0].split(",")[0].strip()
    return found


def closure(packages):
    """The packages and everything they depend on (installed ones, transitively)."""
    r = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Depends},${Pre-Depends}\n"],
                       capture_output=True, text=True)
    depends = {}
    for line in r.stdout.splitlines():
        name, _, deps = line.partition("\t")
        depends[name] = [a.strip().split(" ", 1)[0].split(":", 1)[0]
                         for a in re.split(r"[,|]", deps) if a.strip()]
    seen = set()
    todo = list(packages)
    while todo:
        pkg = todo.pop()
        if pkg not in seen:
            seen.add(pkg)
            todo.extend(depends.get(pkg, []))
    return seen


def needed_libraries(binary):
    """{soname: resolved path} of the binary's direct NEEDED entries."""
    dyn = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True, check=True)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn.stdout)
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    resolved = dict(re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.MULTILINE))
    return {so: resolved.get(so) for so in needed}


def check(root, binaries):
    c = Checker()
    lists = {}
    for name in LISTS:
        path = os.path.join(root, "deploy", f"apt-packages-{name}.txt")
        c.check(f"deploy/apt-packages-{name}.txt exists", os.path.isfile(path))
        lists[name] = read_list(path) if os.path.isfile(path) else []
        c.check(f"deploy/apt-packages-{name}.txt names packages", len(lists[name]) > 0)
        dupes = sorted({p for p in lists[name] if lists[name].count(p) > 1})
        c.check(f"deploy/apt-packages-{name}.txt names each package once", not dupes, str(dupes))
    for i, a in enumerate(LISTS):
        for b in LISTS[i + 1:]:
            both = sorted(set(lists[a]) & set(lists[b]))
            c.check(f"the {a} and {b} lists share no package", not both, " ".join(both))
    c.check("no single deploy/apt-packages.txt for everything any more",
            not os.path.exists(os.path.join(root, "deploy", "apt-packages.txt")))

    stages = dockerfile_stages(os.path.join(root, "deploy", "docker", "Dockerfile"))
    for stage in ("build", "runtime"):
        text = stages.get(stage, "")
        read = sorted(set(re.findall(r"apt-packages-(\w+)\.txt", text)))
        c.check(f"Dockerfile stage {stage} installs exactly deploy/apt-packages-{stage}.txt",
                read == [stage], f"reads {read}")
        c.check(f"Dockerfile stage {stage} runs apt-get install from that list",
                "apt-get install" in text and f"/tmp/apt-packages-{stage}.txt" in text)
    for stage, text in stages.items():
        c.check(f"Dockerfile stage {stage} does not read the test list",
                "apt-packages-test" not in text)
        named = [p for p in lists["test"]
                 if re.search(rf"(?<![\w.+-]){re.escape(p)}(?![\w.+-])", text)]
        c.check(f"Dockerfile stage {stage} names no test package", not named, " ".join(named))

    makefile = open(os.path.join(root, "Makefile"), encoding="utf-8").read()
    for name in LISTS:
        c.check(f"the Makefile (make deps) reads deploy/apt-packages-{name}.txt",
                f"deploy/apt-packages-{name}.txt" in makefile)

    if binaries:
        provided = closure(lists["runtime"])
        needed = {b: needed_libraries(b) for b in binaries}
        owners = packages_of({p for libs in needed.values() for p in libs.values() if p})
        for binary in binaries:
            for soname, path in needed[binary].items():
                who = f"{os.path.basename(binary)} needs {soname}"
                c.check(f"{who}: found", path is not None)
                if path is None:
                    continue
                pkg = owners.get(path)
                c.check(f"{who}: from a Debian package", pkg is not None, path)
                if pkg is not None:
                    c.check(f"{who} ({pkg}): installed by the runtime list", pkg in provided,
                            "add it (or what depends on it) to deploy/apt-packages-runtime.txt")
    return c


# Broken copies of the repository's lists that check() must reject: (what, file, edit, text
# the failure must contain).
BROKEN = [
    ("a test tool in the build list", "deploy/apt-packages-build.txt",
     lambda t: t + "libgtest-dev\n", "the build and test lists share no package"),
    ("the image's build stage installing the test list", "deploy/docker/Dockerfile",
     lambda t: t.replace("COPY deploy/apt-packages-build.txt", "COPY deploy/apt-packages-test.txt "
                         "/tmp/\nCOPY deploy/apt-packages-build.txt"),
     "Dockerfile stage build installs exactly deploy/apt-packages-build.txt"),
    ("a test package named in the image's build stage", "deploy/docker/Dockerfile",
     lambda t: t.replace("WORKDIR /src", "RUN apt-get install -y clang-14\nWORKDIR /src", 1),
     "Dockerfile stage build names no test package: clang-14"),
]


def self_test(root, c):
    for what, rel, edit, text in BROKEN:
        with tempfile.TemporaryDirectory() as tmp:
            for f in ("Makefile", "deploy/docker/Dockerfile",
                      *(f"deploy/apt-packages-{n}.txt" for n in LISTS)):
                os.makedirs(os.path.dirname(os.path.join(tmp, f)), exist_ok=True)
                shutil.copy(os.path.join(root, f), os.path.join(tmp, f))
            path = os.path.join(tmp, rel)
            with open(path, encoding="utf-8") as f:
                original = f.read()
            with open(path, "w", encoding="utf-8") as f:
                f.write(edit(original))
            broken = check(tmp, [])
            c.check(f"broken copy caught: {what}",
                    any(text in failure for failure in broken.failures),
                    "; ".join(broken.failures) or "accepted")


def main():
    parser = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--root", default=os.path.normpath(os.path.join(here, "..", "..")))
    parser.add_argument("--binary", action="append", default=[])
    args = parser.parse_args()
    c = check(args.root, args.binary)
    self_test(args.root, c)
    for f in c.failures:
        print(f"FAIL {f}")
    print(f"{c.passed} passed, {len(c.failures)} failed")
    return 0 if not c.failures else 1


if __name__ == "__main__":
    sys.exit(main())
