#!/usr/bin/python3
"""The Python client (clients/python/dangbo_client.py) against real servers.

Starts deploy/run-local.sh (`make run`: records and analytics with TLS, a token per role and
the seed) on free ports in a temporary directory, runs the client with the development CA
and the admin token, and checks what it prints: the seed's 118 members of
organizations/hq-long-an, and CompareYears 2015 -> 2019 with the article's revenue growth
(+80.8 %). Then the same client without a token must fail with UNAUTHENTICATED. Prints
"N passed, M failed"; exits 1 on any failure.

  python_client_test.py --build-dir build [--gen-dir build/clients/python]
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
CLIENT = os.path.join(REPO, "clients", "python", "dangbo_client.py")
SEED_MEMBERS = 118  # services/records/seed/long_an_dataset.h kMemberCount


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed.append(name)
            print(f"FAIL {name}" + (f"\n{detail}" if detail else ""))


def start_servers(build_dir, data_dir):
    ports = {k: free_port() for k in ("RECORDS_PORT", "ANALYTICS_PORT", "RECORDS_METRICS_PORT",
                                      "ANALYTICS_METRICS_PORT")}
    env = dict(os.environ, BUILD_DIR=build_dir, DATA_DIR=data_dir,
               **{k: str(v) for k, v in ports.items()})
    log = open(os.path.join(data_dir, "run-local.out"), "w+", encoding="utf-8")
    proc = subprocess.Popen(["bash", os.path.join(REPO, "deploy", "run-local.sh")], cwd=REPO,
                            env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 300  # a shared 2-core machine
    while True:
        log.seek(0)
        out = log.read()
        if "Ctrl-C stops both." in out:
            return proc, ports, log
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_servers(proc)
            raise RuntimeError(f"run-local.sh did not come up:\n{out}")
        time.sleep(0.2)


def stop_servers(proc):
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)  # run-local.sh stops both servers on TERM
    try:
        proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_client(args, ports, data_dir, with_token=True):
    certs = os.path.join(data_dir, "certs")
    cmd = [sys.executable, CLIENT, "--records", f"127.0.0.1:{ports['RECORDS_PORT']}",
           "--analytics", f"127.0.0.1:{ports['ANALYTICS_PORT']}",
           "--cacert", os.path.join(certs, "ca.pem"), "--gen-dir", args.gen_dir]
    if with_token:
        cmd += ["--token-file", os.path.join(certs, "ops-admin.token")]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build-dir", required=True)
    p.add_argument("--gen-dir")
    args = p.parse_args()
    args.build_dir = os.path.abspath(args.build_dir)
    args.gen_dir = os.path.abspath(args.gen_dir or os.path.join(args.build_dir, "clients",
                                                                "python"))
    r = Results()
    with tempfile.TemporaryDirectory(prefix="dangbo-python-client-") as tmp:
        data_dir = os.path.join(tmp, "data")
        os.makedirs(data_dir)
        proc, ports, log = start_servers(args.build_dir, data_dir)
        try:
            out = run_client(args, ports, data_dir)
            r.check("the client exits 0", out.returncode == 0, out.stdout + out.stderr)
            lines = out.stdout.splitlines()
            members = [l for l in lines if l.startswith("organizations/hq-long-an/members/")]
            r.check(f"it lists the seed's {SEED_MEMBERS} members, every page",
                    len(members) == SEED_MEMBERS and f"members: {SEED_MEMBERS}" in lines,
                    f"{len(members)} member lines; {out.stdout[-300:]}")
            r.check("each member line has a name, a full name and a state",
                    all(re.fullmatch(r"\S+\t[^\t]+\t[A-Z_]+", l) for l in members) and
                    len(set(members)) == len(members), "\n".join(members[:3]))
            r.check("it prints CompareYears 2015 -> 2019",
                    "CompareYears organizations/hq-long-an 2015 -> 2019" in lines, out.stdout)
            revenue = [l for l in lines if "80.8 %" in l]
            r.check("CompareYears shows the article's revenue growth, +80.8 % IMPROVED",
                    len(revenue) == 1 and revenue[0].rstrip().endswith("IMPROVED"),
                    out.stdout)
            denied = run_client(args, ports, data_dir, with_token=False)
            r.check("without a token the client fails with UNAUTHENTICATED",
                    denied.returncode == 1 and "UNAUTHENTICATED" in denied.stderr,
                    denied.stdout + denied.stderr)
        finally:
            stop_servers(proc)
            log.close()
    print(f"{r.passed} passed, {len(r.failed)} failed")
    return 0 if not r.failed else 1


if __name__ == "__main__":
    sys.exit(main())
