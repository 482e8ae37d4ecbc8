#!/usr/bin/env python3
"""The benchmark runner of issues 7 and 20 (tests/bench/harness/README.md).

Starts, in one run on this machine: records + analytics (our servers, as the bench-only
bench_records_server / bench_analytics_server: the same libraries plus an interceptor that
turns "~random" names into random members of the dataset), the bare reference server
(bench_bare_server: same gRPC build and API style, answers from memory), etcd (Debian's
etcd-server, loopback, temporary data dir) and PostgreSQL 15 (Debian's postgresql-15,
loopback, temporary cluster; skipped, with the reason, when it is not installed). Drives
the gRPC servers with h2load (nghttp2-client) sending gRPC frames and PostgreSQL with
pgbench, the server pinned to CPU 0 and the client to CPU 1. Every measured request is
checked to have succeeded: through the gRPC servers' own counters (records/analytics and
etcd: grpc_server_handled_total on /metrics; bare server: the counts it prints at exit) and
pgbench's count of processed and failed transactions; any mismatch fails the run. Last, records' GetMember as deployed: a bearer token, the rate
limiter on, info logs. Writes bench.md (table) and bench.json (every figure and ratio, load
average, exact commands) to --out_dir.

Modes: --smoke (ctest: tiny, seconds), --quick (make bench-quick, < 3 minutes), default full
(make bench). Sizes and durations can be overridden by flags or BENCH_* variables.
"""

import argparse
import datetime
import hashlib
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

RECORDS = "dangbo.records.v1.RecordsService"
ANALYTICS = "dangbo.analytics.v1.AnalyticsService"
RANDOM_MEMBER = "organizations/-/members/~random"
RANDOM_PARENT = "organizations/~random"
RANDOM_ORG = "organizations/~random"
PG_BIN = "/usr/lib/postgresql/15/bin"
# "As deployed": a bearer token (a principal with the admin role, which reads personal data,
# so the replies are the bench configuration's), the rate limiter on with a limit no run
# reaches, and info logs (one line per RPC).
DEPLOYED_RATE = 1000000

MODES = {
    # members: the large dataset; small_members: the "cost flat with size" baseline;
    # cells / organizations 0: proportional to members (5.5 M : 300,000 : 55,000).
    # pg_min_per_client: pgbench opens its connections anew each run, and a new PostgreSQL
    # backend's first statements pay for its catalog caches and the prepare, so every pgbench
    # run has at least this many transactions per connection: it measures warm backends, as a
    # service's connection pool has them.
    # records_cache_mb / analytics_cache_mb: the servers' --block_cache_mb; 0: their default
    # (256). At national scale, what the prod overlay gives them
    # (deploy/k8s/overlays/prod/kustomization.yaml: 800 and 400 MiB in 2 and 1 GiB pods).
    "smoke": dict(members=400, small_members=100, organizations=0, cells=0, duration=0.3,
                  svc_duration=0.2, runs=3, warmup=0.2, pg_min_per_client=50,
                  records_cache_mb=0, analytics_cache_mb=0),
    "quick": dict(members=10000, small_members=1000, organizations=0, cells=0, duration=1.5,
                  svc_duration=0.8, runs=3, warmup=0.5, pg_min_per_client=300,
                  records_cache_mb=0, analytics_cache_mb=0),
    "full": dict(members=5500000, small_members=10000, organizations=0, cells=0,
                 duration=10.0, svc_duration=5.0, runs=3, warmup=2.0, pg_min_per_client=300,
                 records_cache_mb=800, analytics_cache_mb=400),
}


def env(name):
    """A BENCH_* override; None when unset or empty (make exports empty variables)."""
    return os.environ.get(name) or None


class BenchError(Exception):
    pass


class Runner:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build_dir)
        self.out = os.path.abspath(args.out_dir)
        self.failures = []  # phases that failed without ending the run (bench.md is written)
        os.makedirs(self.out, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="dangbo-bench-")
        self.commands = []
        self.procs = []
        self.results = {}
        cpus = os.cpu_count() or 1
        self.pin_server = ["taskset", "-c", "0"] if cpus >= 2 else []
        self.pin_client = ["taskset", "-c", "1"] if cpus >= 2 else []
        self.bin = {
            "records": self._binary("tests/bench/harness/bench_records_server"),
            "analytics": self._binary("tests/bench/harness/bench_analytics_server"),
            "tool": self._binary("tests/bench/harness/bench_tool"),
            "bare": self._binary("tests/bench/harness/bench_bare_server"),
            "dataset": self._binary("tests/bench/dataset/bench_dataset"),
        }
        self.pg = None  # the running PostgreSQL (start_postgres), stopped by cleanup()
        for tool in ("h2load", "etcd", "taskset"):
            if shutil.which(tool) is None:
                raise BenchError(f"{tool} not found (deploy/apt-packages-test.txt: nghttp2-client, "
                                 "etcd-server, util-linux)")

    def _binary(self, rel):
        path = os.path.join(self.build, rel)
        if not os.access(path, os.X_OK):
            raise BenchError(f"missing binary {path}: build it first")
        return path

    # --- processes -------------------------------------------------------------------

    def log(self, msg):
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    def run(self, cmd, check=True, **kw):
        self.commands.append(shlex.join(cmd))
        p = subprocess.run(cmd, capture_output=True, text=True, **kw)
        if check and p.returncode != 0:
            raise BenchError(f"command failed ({p.returncode}): {shlex.join(cmd)}\n"
                             f"{p.stdout[-2000:]}{p.stderr[-2000:]}")
        return p

    def start(self, name, cmd, stdout=None):
        self.commands.append(shlex.join(cmd))
        log = open(os.path.join(self.tmp, name + ".log"), "w")
        p = subprocess.Popen(cmd, stdout=stdout or log, stderr=log, text=True)
        self.procs.append(p)
        return p

    def stop(self, p, timeout=30):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def cleanup(self):
        for p in list(self.procs):
            self.stop(p, timeout=10)
        if self.pg:
            self.stop_postgres()
        if not self.args.keep_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    @staticmethod
    def free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def wait_file(self, path, proc, what, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.exists(path) and open(path).read().strip():
                return open(path).read().strip()
            if proc.poll() is not None:
                raise BenchError(f"{what} exited ({proc.returncode}); log in {self.tmp}")
            time.sleep(0.02)
        raise BenchError(f"{what} did not start within {timeout}s")

    def call(self, port, method, rtype, text, resp_type=None, out=None, check=True):
        cmd = [self.bin["tool"], "call", f"--target=127.0.0.1:{port}", f"--method={method}",
               f"--type={rtype}", f"--text={text}"]
        if resp_type:
            cmd.append(f"--response_type={resp_type}")
        if out:
            cmd.append(f"--out={out}")
        return self.run(cmd, check=check)

    # --- servers ---------------------------------------------------------------------

    def shape_flags(self, members):
        """The dataset's shape, for bench_dataset and the random targets of our servers
        (cells and organizations 0: proportional, computed alike by both)."""
        c = self.cfg
        return [f"--bench_members={members}", f"--bench_cells={c['cells']}",
                f"--bench_organizations={c['organizations']}"]

    def start_records(self, tag, members, data=None, deployed=None):
        """bench_records_server on a data directory; `deployed` (a token file) starts it as
        deployed instead of in the bench configuration."""
        data = data or os.path.join(self.tmp, f"records-{tag}")
        port_file = os.path.join(self.tmp, f"records-{tag}.port")
        metrics = self.free_port()
        cmd = self.pin_server + [
            self.bin["records"], "--port=0", f"--port_file={port_file}", f"--data_dir={data}",
            f"--metrics_port={metrics}", "--backup_dir=none"] + self.shape_flags(members)
        if self.cfg["records_cache_mb"]:
            cmd.append(f"--block_cache_mb={self.cfg['records_cache_mb']}")
        if deployed:
            cmd += [f"--token_file={deployed}", f"--rate_limit={DEPLOYED_RATE}",
                    f"--rate_limit_burst={DEPLOYED_RATE}", "--log_level=info"]
        else:
            cmd += ["--rate_limit=0", f"--log_level={self.args.log_level}"]
        t0 = time.time()
        p = self.start(f"records-{tag}", cmd)
        port = int(self.wait_file(port_file, p, "records"))
        return dict(proc=p, port=port, metrics=metrics, data=data, cmd=cmd,
                    port_file=port_file, started_s=time.time() - t0)

    def start_analytics(self, tag, records_port, members):
        data = os.path.join(self.tmp, f"analytics-{tag}")
        port_file = os.path.join(self.tmp, f"analytics-{tag}.port")
        metrics = self.free_port()
        cmd = self.pin_server + [
            self.bin["analytics"], "--port=0", f"--port_file={port_file}", f"--data_dir={data}",
            f"--metrics_port={metrics}", "--rate_limit=0", f"--log_level={self.args.log_level}",
            f"--records_target=127.0.0.1:{records_port}"] + self.shape_flags(members)
        if self.cfg["analytics_cache_mb"]:
            cmd.append(f"--block_cache_mb={self.cfg['analytics_cache_mb']}")
        p = self.start(f"analytics-{tag}", cmd)
        port = int(self.wait_file(port_file, p, "analytics"))
        return dict(proc=p, port=port, metrics=metrics)

    def load_dataset(self, port, members, analytics_port):
        """tests/bench/dataset/bench_dataset: the import benchmark."""
        c = self.cfg
        manifest = os.path.join(self.tmp, f"dataset-{members}.json")
        cmd = self.pin_client + [
            self.bin["dataset"], f"--target=127.0.0.1:{port}", f"--members={members}",
            f"--analytics_target=127.0.0.1:{analytics_port}", "--seed=1",
            f"--manifest={manifest}"]
        if c["cells"]:
            cmd.append(f"--cells={c['cells']}")
        if c["organizations"]:
            cmd.append(f"--organizations={c['organizations']}")
        t0 = time.time()
        self.run(cmd)
        secs = time.time() - t0
        out = dict(members=members, seconds=round(secs, 3),
                   members_per_s=round(members / secs, 1),
                   tool=os.path.basename(cmd[len(self.pin_client)]))
        if os.path.exists(manifest):
            out["manifest"] = json.load(open(manifest))
        return out

    def start_etcd(self):
        client, peer, metrics = self.free_port(), self.free_port(), self.free_port()
        data = os.path.join(self.tmp, "etcd")
        cmd = self.pin_server + [
            "etcd", "--name=bench", f"--data-dir={data}",
            f"--listen-client-urls=http://127.0.0.1:{client}",
            f"--advertise-client-urls=http://127.0.0.1:{client}",
            f"--listen-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-cluster=bench=http://127.0.0.1:{peer}",
            f"--listen-metrics-urls=http://127.0.0.1:{metrics}", "--log-level=warn"]
        p = self.start("etcd", cmd)
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{metrics}/health", timeout=1).read()
                break
            except Exception:
                if p.poll() is not None or time.time() > deadline:
                    raise BenchError(f"etcd did not start; log in {self.tmp}/etcd.log")
                time.sleep(0.1)
        return dict(proc=p, port=client, metrics=metrics, cmd=cmd)

    def start_bare(self, member, lst, yearly):
        port_file = os.path.join(self.tmp, "bare.port")
        out = open(os.path.join(self.tmp, "bare.counts"), "w")
        cmd = self.pin_server + [
            self.bin["bare"], f"--port_file={port_file}", f"--member_file={member}",
            f"--list_file={lst}", f"--yearly_file={yearly}"]
        p = self.start("bare", cmd, stdout=out)
        port = int(self.wait_file(port_file, p, "bench_bare_server"))
        return dict(proc=p, port=port, counts=out.name,
                    expected={"GetMember": 0, "ListMembers": 0, "GetYearlyPerformance": 0})

    @staticmethod
    def copy_store(src, dst):
        """A copy of a closed RocksDB directory: table files (never changed in place) linked,
        the rest copied."""
        os.makedirs(dst)
        for name in os.listdir(src):
            a, b = os.path.join(src, name), os.path.join(dst, name)
            if name.endswith(".sst"):
                os.link(a, b)
            elif os.path.isdir(a):
                shutil.copytree(a, b)
            else:
                shutil.copy2(a, b)
        return dst

    # --- frames ----------------------------------------------------------------------

    def frame(self, name, rtype, text):
        path = os.path.join(self.tmp, name + ".frame")
        self.run([self.bin["tool"], "frame", f"--type={rtype}", f"--text={text}",
                  f"--out={path}"])
        return path

    @staticmethod
    def varint(n):
        out = bytearray()
        while True:
            b = n & 0x7F
            n >>= 7
            if n:
                out.append(b | 0x80)
            else:
                out.append(b)
                return bytes(out)

    def etcd_frame(self, name, fields):
        """A gRPC frame of a message of bytes fields {number: value} (RangeRequest, PutRequest)."""
        body = b"".join(self.varint(num << 3 | 2) + self.varint(len(v)) + v
                        for num, v in sorted(fields.items()))
        path = os.path.join(self.tmp, name + ".frame")
        with open(path, "wb") as f:
            f.write(b"\0" + len(body).to_bytes(4, "big") + body)
        return path

    # --- counters --------------------------------------------------------------------

    def scrape(self, port):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            return r.read().decode()

    @staticmethod
    def counter(text, name, labels):
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name + "{"):
                continue
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def ok_count(self, target):
        kind = target["kind"]
        if kind in ("dangbo", "etcd"):  # the same standard gRPC server metrics
            return self.counter(self.scrape(target["metrics"]), "grpc_server_handled_total",
                                {"grpc_method": target["method"], "grpc_code": "OK"})
        return None  # bare: checked from its exit counts

    # --- h2load ----------------------------------------------------------------------

    def h2load(self, target, frame, clients, streams, n, log_file=None):
        url = f"http://127.0.0.1:{target['port']}/{target['path']}"
        cmd = self.pin_client + [
            "h2load", f"-c{clients}", f"-m{streams}", "-t1", f"-n{n}", "-d", frame,
            "-H", "content-type: application/grpc", "-H", "te: trailers"]
        for header in target.get("headers", []):
            cmd += ["-H", header]
        if log_file:
            cmd.append(f"--log-file={log_file}")
        cmd.append(url)
        before = self.ok_count(target)
        p = self.run(cmd)
        after = self.ok_count(target)
        out = p.stdout
        m = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", out)
        st = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                       r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
        if not m or not st:
            raise BenchError(f"cannot read h2load output:\n{out}")
        done, succeeded = int(st.group(3)), int(st.group(4))
        if done != n or succeeded != n:
            raise BenchError(f"h2load: {succeeded}/{n} succeeded (HTTP) for {url}\n{out}")
        if target["kind"] == "bare":
            target["bare"]["expected"][target["method"]] += n
        elif after - before != n:
            raise BenchError(f"{url}: {int(after - before)} of {n} requests ended with "
                             "grpc-status 0 (server counters): not every request succeeded")
        self.commands[-1] += "   # checked: every request grpc-status 0"
        return float(m.group(3))

    def drive(self, target, frame, clients, streams, n, log_file=None):
        """n requests (h2load) or transactions (pgbench) at clients x streams: the rate."""
        if target["kind"] == "pg":
            return self.pgbench(target, frame, clients, n, log_file)
        return self.h2load(target, frame, clients, streams, n, log_file)

    @staticmethod
    def percentiles(log_file):
        """p50 and p99 in ms from a latency log whose third column is microseconds:
        h2load's --log-file (start, status, duration) and pgbench's -l (client,
        transaction, duration, ...)."""
        lat = []
        with open(log_file) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    lat.append(int(parts[2]))
        lat.sort()
        if not lat:
            return None, None

        def pct(q):
            return lat[min(len(lat) - 1, int(q * len(lat)))] / 1000.0

        return pct(0.50), pct(0.99)

    def measure(self, key, target, frame, clients, streams):
        """Warm-up, then `runs` runs of about `duration` seconds each: min/median/max."""
        return self.measure_alternating([(key, target)], frame, clients, streams)[0]

    def warm(self, target, frame, clients, streams, duration):
        """Warms `target` up for the warm-up time; the request count of a measured run."""
        c = self.cfg
        warm_n = max(20, 4 * clients * streams)
        t0 = time.time()
        rate = self.drive(target, frame, clients, streams, warm_n)
        elapsed = time.time() - t0
        while elapsed < c["warmup"]:  # warm until the warm-up time is spent
            warm_n = int(min(warm_n * 4, max(warm_n, rate * c["warmup"])))
            t0 = time.time()
            rate = self.drive(target, frame, clients, streams, warm_n)
            elapsed += time.time() - t0
        n = max(clients * streams * 2, int(rate * duration))
        if target["kind"] == "pg":  # pgbench counts transactions per client
            n = max(-(-n // clients), c["pg_min_per_client"]) * clients
        return n

    def measure_alternating(self, cases, frame, clients, streams):
        """measure() of several (key, target) cases whose runs take turns (A B A B ...), so
        that what else the machine does weighs on each alike: for ratios between them."""
        c = self.cfg
        svc = clients == 1 and streams == 1
        duration = c["svc_duration"] if svc else c["duration"]
        ns = [self.warm(target, frame, clients, streams, duration) for _, target in cases]
        figures = [([], [], []) for _ in cases]
        for i in range(c["runs"]):
            for (key, target), n, (qps, p50s, p99s) in zip(cases, ns, figures):
                log_file = os.path.join(self.tmp, f"{key}.{i}.log")
                qps.append(self.drive(target, frame, clients, streams, n, log_file))
                p50, p99 = self.percentiles(log_file)
                p50s.append(p50)
                p99s.append(p99)
        out = []
        for (key, target), n, (qps, p50s, p99s) in zip(cases, ns, figures):
            r = dict(server=target["name"], method=target["path"], connections=clients,
                     streams=streams, requests_per_run=n, runs=c["runs"],
                     qps=dict(min=min(qps), median=statistics.median(qps), max=max(qps)),
                     p50_ms=dict(min=min(p50s), median=statistics.median(p50s), max=max(p50s)),
                     p99_ms=dict(min=min(p99s), median=statistics.median(p99s), max=max(p99s)))
            if len(cases) > 1:
                r["alternated_with"] = [k for k, _ in cases if k != key]
            self.results[key] = r
            self.log(f"{key}: {r['qps']['median']:.0f} req/s, p50 {r['p50_ms']['median']:.3f} "
                     f"ms, p99 {r['p99_ms']['median']:.3f} ms")
            if self.args.profile and not svc and target.get("pid"):
                self.profile(key, target, frame, clients, streams, n)
            out.append(r)
        return out

    def profile(self, key, target, frame, clients, streams, n):
        """One more run, after the measured ones, with perf sampling the server (call graphs):
        profile-<key>.txt in the output directory, the hottest first."""
        perf, data = self.perf_start(key, target["pid"])
        self.h2load(target, frame, clients, streams, n)
        self.perf_report(perf, data, key, f"{target['name']} {target['path']}, "
                                          f"{clients}x{streams}, {n} requests")

    def perf_start(self, key, pid):
        data = os.path.join(self.tmp, f"profile-{key}.data")
        perf = subprocess.Popen(["perf", "record", "-g", "-q", "-p", str(pid), "-o", data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)
        return perf, data

    def perf_report(self, perf, data, key, what):
        perf.send_signal(signal.SIGINT)
        perf.wait(timeout=60)
        self.commands.append(f"perf record -g -p <server> during {key} ({what}); "
                             "perf report --no-children --sort dso / comm,dso,symbol")

        def report(sort, limit):
            out = subprocess.run(
                ["perf", "report", "-i", data, "--no-children", "--sort", sort,
                 "--percent-limit", limit, "--stdio", "-g", "none"],
                capture_output=True, text=True).stdout
            return [" ".join(line.split()) for line in out.splitlines()
                    if line.strip() and not line.startswith("#")]
        path = os.path.join(self.out, f"profile-{key}.txt")
        with open(path, "w") as f:
            f.write(f"# {key}: {what}\n# self time by library\n")
            f.write("\n".join(report("dso", "0.5")[:25]) + "\n")
            f.write("# self time by thread, library and symbol\n")
            f.write("\n".join(report("comm,dso,symbol", "0.7")[:60]) + "\n")
        self.log(f"{key}: profile in {path}")

    # --- PostgreSQL ------------------------------------------------------------------

    def pg_unavailable(self):
        """None when PostgreSQL 15 can run here, else why not (the bench then skips it)."""
        for tool in ("initdb", "pg_ctl", "postgres", "psql", "pgbench"):
            if not os.access(os.path.join(PG_BIN, tool), os.X_OK):
                why = (f"PostgreSQL 15 is not installed ({PG_BIN}/{tool} missing; "
                       "deploy/apt-packages-bench.txt, make bench-deps)")
                log = os.path.join(self.build, "bench-deps.log")
                if os.path.exists(log):
                    said = [l.strip() for l in open(log, errors="replace") if l.strip()]
                    if said:
                        why += f"; apt-get said: {said[-1][:300]}"
                return why
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return ("no 'postgres' user to run PostgreSQL as (initdb refuses root; "
                        "Debian's postgresql-15 package creates it)")
        return None

    def as_pg_user(self, cmd):
        """initdb and pg_ctl refuse to run as root: as root, run them as postgres."""
        return (["runuser", "-u", "postgres", "--"] + cmd) if os.geteuid() == 0 else cmd

    def psql(self, sql):
        """Runs SQL (recorded with the commands); its output unaligned, tuples only."""
        p = self.run([os.path.join(PG_BIN, "psql"), "-h", "127.0.0.1",
                      "-p", str(self.pg["port"]), "-U", "postgres", "-X", "-q", "-At",
                      "-v", "ON_ERROR_STOP=1", "-d", "postgres"], input=sql)
        self.commands[-1] += "   <<SQL\n" + sql.strip() + "\nSQL"
        return p.stdout.strip()

    def start_postgres(self):
        """A temporary cluster on loopback, pinned like the other servers; synchronous_commit
        and fsync on (PostgreSQL's defaults, stated), shared_buffers the size of records'
        block cache."""
        d = tempfile.mkdtemp(prefix="dangbo-bench-pg-")
        if os.geteuid() == 0:
            pg_user = pwd.getpwnam("postgres")
            os.chown(d, pg_user.pw_uid, pg_user.pw_gid)
        self.pg = dict(dir=d, data=os.path.join(d, "data"), port=self.free_port())
        self.run(self.as_pg_user([
            os.path.join(PG_BIN, "initdb"), "-D", self.pg["data"], "-U", "postgres",
            "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]), cwd=d)
        options = " ".join([
            f"-c port={self.pg['port']}", "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={d}", "-c shared_buffers=256MB",
            "-c max_connections=100", "-c synchronous_commit=on", "-c fsync=on",
            "-c max_wal_size=4GB"])
        self.run(self.pin_server + self.as_pg_user([
            os.path.join(PG_BIN, "pg_ctl"), "-D", self.pg["data"], "-l",
            os.path.join(d, "postgresql.log"), "-w", "-t", "120", "-o", options, "start"]),
            cwd=d)

    def stop_postgres(self):
        pg, self.pg = self.pg, None
        subprocess.run(self.as_pg_user([os.path.join(PG_BIN, "pg_ctl"), "-D", pg["data"],
                                        "-m", "fast", "-w", "stop"]),
                       cwd=pg["dir"], capture_output=True)
        if self.args.keep_tmp:
            self.log(f"PostgreSQL's cluster and log kept in {pg['dir']}")
        else:
            shutil.rmtree(pg["dir"], ignore_errors=True)

    def load_postgres(self, members, member_bytes):
        """The members table: member-sized rows (a body of the stored Member's size) at the
        dataset's member count, the primary key and the indexes a records store needs
        (national ID unique; cell + name), loaded with generate_series, indexed after."""
        c = self.cfg
        cells = c["cells"] or max(1, members * 300000 // 5500000)
        orgs = c["organizations"] or max(1, min(cells, members * 55000 // 5500000))
        size = len(member_bytes)
        t0 = time.time()
        self.psql(f"""
CREATE TABLE members (
  id text PRIMARY KEY,           -- m-0000001: the member's id, unique in the dataset
  organization text NOT NULL,
  cell text NOT NULL,
  full_name text NOT NULL,
  national_id text NOT NULL,
  body bytea NOT NULL            -- the member as stored ({size} bytes, a Member's size)
);
INSERT INTO members
SELECT 'm-' || lpad(k::text, 7, '0'),
       -- bigint: (k - 1) * cells passes 2^31 from k = 7,160 on at national scale
       'o-' || lpad(((k::bigint - 1) * {orgs} / {members} + 1)::text, 5, '0'),
       'c-' || lpad(((k::bigint - 1) * {cells} / {members} + 1)::text, 6, '0'),
       (ARRAY['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Phan', 'Vũ'])[1 + k % 7] ||
         (ARRAY[' Văn ', ' Thị ', ' Hữu ', ' Ngọc '])[1 + k / 7 % 4] ||
         (ARRAY['An', 'Bình', 'Cường', 'Dũng', 'Hà', 'Lan', 'Minh'])[1 + k / 28 % 7],
       lpad(k::text, 12, '0'),
       substring(decode(repeat(md5(k::text), {(size + 15) // 16}), 'hex') FROM 1 FOR {size})
FROM generate_series(1, {members}) AS k;
SET maintenance_work_mem = '256MB';
CREATE UNIQUE INDEX members_national_id ON members (national_id);
CREATE INDEX members_cell_name ON members (cell, full_name);
CREATE SEQUENCE admissions;
VACUUM ANALYZE members;
CHECKPOINT;
""")
        secs = time.time() - t0
        rows, total, row = self.psql(
            "SELECT count(*), pg_total_relation_size('members'), avg(pg_column_size(m.*))::int "
            "FROM members AS m;").split("|")
        self.log(f"PostgreSQL: loaded {rows} rows in {secs:.1f} s")
        return dict(rows=int(rows), seconds=round(secs, 3), body_bytes=size,
                    row_bytes_avg=int(row), table_and_indexes_bytes=int(total))

    def pg_scripts(self, members, member_bytes):
        """pgbench scripts: a point select by primary key, and a durable insert transaction
        of a new member (its body: the real Member captured from records)."""
        select = os.path.join(self.tmp, "pg_select.sql")
        with open(select, "w") as f:
            f.write(f"\\set k random(1, {members})\n"
                    "SELECT body FROM members WHERE id = 'm-' || lpad(:k::text, 7, '0');\n")
        insert = os.path.join(self.tmp, "pg_insert.sql")
        with open(insert, "w") as f:
            f.write("INSERT INTO members (id, organization, cell, full_name, national_id, body) "
                    "SELECT 'n-' || n, 'o-00001', 'c-000001', 'Nguyễn Văn Bền', 'N' || n, "
                    f"'\\x{member_bytes.hex()}'::bytea "
                    "FROM (SELECT nextval('admissions') AS n) AS s;\n")
        return select, insert

    def pgbench(self, target, script, clients, n, log_file=None):
        """n transactions (rounded up to whole per-client counts, pg_min_per_client at least)
        of a script, prepared statements, one pgbench thread on the client CPU; all of them
        must succeed. The rate and the latencies (log_file) are those of the steady window
        (pg_window)."""
        per_client = max(self.cfg["pg_min_per_client"], -(-n // clients))
        prefix = log_file or os.path.join(self.tmp, "pgbench-warmup")
        cmd = self.pin_client + [
            os.path.join(PG_BIN, "pgbench"), "-h", "127.0.0.1", "-p", str(target["port"]),
            "-U", "postgres", "-n", "-M", "prepared", "-f", script, f"-c{clients}", "-j1",
            f"-t{per_client}", "-l", f"--log-prefix={prefix}", "postgres"]
        p = self.run(cmd, cwd=self.tmp)
        out = p.stdout
        done = re.search(r"number of transactions actually processed: (\d+)", out)
        failed = re.search(r"number of failed transactions: (\d+)", out)
        tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
        if not done or not tps:
            raise BenchError(f"cannot read pgbench output:\n{out}{p.stderr}")
        if int(done.group(1)) != per_client * clients or (failed and int(failed.group(1))):
            raise BenchError(f"pgbench: {done.group(1)} of {per_client * clients} transactions "
                             f"processed, {failed.group(1) if failed else '?'} failed\n{out}")
        # -l with one thread writes <prefix>.<pgbench pid>: one file.
        logs = [f for f in os.listdir(self.tmp) if f.startswith(os.path.basename(prefix) + ".")]
        if len(logs) != 1:
            raise BenchError(f"pgbench: expected one log file, found {logs}")
        raw = os.path.join(self.tmp, logs[0])
        rate, window = self.pg_window(raw)
        os.remove(raw)
        if log_file:
            with open(log_file, "w") as f:
                f.writelines(window)
        self.commands[-1] += ("   # checked: every transaction processed, none failed; rate "
                              "of the steady window")
        return rate

    @staticmethod
    def pg_window(log):
        """pgbench opens new connections each run, and a new backend's first statements pay
        for its catalog caches and the prepare; its tps counts them, and connections that
        have finished. The steady window is the middle 80 % of the run's transactions by
        completion time: it leaves out every connection's first ones and the tail where some
        have finished. Returns the rate (transactions completed in the window / its length)
        and the window's log lines. pgbench -l lines: client, transaction, latency µs,
        script, end time s, end time µs."""
        lines = sorted(open(log).readlines(),
                       key=lambda l: (int(l.split()[4]), int(l.split()[5])))

        def end(line):
            f = line.split()
            return int(f[4]) * 1000000 + int(f[5])
        lo, hi = len(lines) // 10, len(lines) - len(lines) // 10 - 1
        if hi - lo < 10 or end(lines[hi]) <= end(lines[lo]):
            raise BenchError(f"pgbench: no steady window in {log} (too few transactions)")
        window = lines[lo + 1:hi + 1]
        return len(window) / ((end(lines[hi]) - end(lines[lo])) / 1e6), window

    def postgres_cases(self, members, member_bytes, clients):
        """PostgreSQL 15 as the peer a team would pick instead: the figures, or the reason
        it was skipped."""
        why = self.pg_unavailable()
        if why:
            self.log(f"PostgreSQL skipped: {why}")
            return dict(skipped=why)
        try:
            self.start_postgres()
            load = self.load_postgres(members, member_bytes)
            select, insert = self.pg_scripts(members, member_bytes)
            pg = dict(kind="pg", name="postgresql", port=self.pg["port"],
                      path="SELECT body ... WHERE id = $1 (pgbench -M prepared)")
            self.measure("pg.select.tput", pg, select, clients, 1)
            self.measure("pg.select.svc", pg, select, 1, 1)
            self.measure("pg.insert.tput",
                         dict(pg, path="INSERT ... (pgbench -M prepared, synchronous_commit=on)"),
                         insert, clients, 1)
            version = self.psql("SELECT version();")
        except BenchError as e:
            # The rest of the run (and what it measured so far) goes on and is written; the
            # run still fails at the end (Runner.failures).
            self.failures.append(f"PostgreSQL: {e}")
            self.log(f"PostgreSQL FAILED, the run goes on and will fail at the end: {e}")
            return dict(skipped=f"failed: {str(e).splitlines()[0]}")
        finally:
            if self.pg:
                self.stop_postgres()
        return dict(load=load, version=version)

    # --- the run ---------------------------------------------------------------------

    def dataset_servers(self, tag, members):
        rec = self.start_records(tag, members)
        ana = self.start_analytics(tag, rec["port"], members)
        load = self.load_dataset(rec["port"], members, ana["port"])
        self.log(f"{tag}: loaded {members} members in {load['seconds']} s ({load['tool']})")
        # Analytics answers for every organization once its follower has applied records'
        # whole change log.
        head = self.change_log_head(rec)
        self.wait_follower(ana, head, timeout=3600)
        load["compaction_wait_s"] = self.wait_compactions(rec, tag)
        self.call(rec["port"], f"/{RECORDS}/GetMember", "dangbo.records.v1.GetMemberRequest",
                  f'name: "{RANDOM_MEMBER}"')
        self.call(ana["port"], f"/{ANALYTICS}/GetYearlyPerformance",
                  "dangbo.analytics.v1.GetYearlyPerformanceRequest",
                  f'organization: "{RANDOM_ORG}" year: {self.year}')
        return rec, ana, load

    def wait_compactions(self, rec, tag, timeout=1800):
        """Waits until records has no compaction running or pending (its /metrics), so the
        cases do not share the server's core with compactions of the data just loaded.
        Returns the seconds waited."""
        t0 = time.time()
        while True:
            text = self.scrape(rec["metrics"])
            running = self.counter(text, "dangbo_rocksdb_running_compactions", {})
            pending = self.counter(text, "dangbo_rocksdb_pending_compaction_bytes", {})
            if running == 0 and pending == 0:
                break
            if time.time() - t0 > timeout:
                self.log(f"{tag}: compactions still running after {timeout} s "
                         f"({running:.0f} running, {pending / 2**20:.0f} MiB pending); "
                         "measuring anyway")
                break
            time.sleep(1)
        waited = round(time.time() - t0, 1)
        self.log(f"{tag}: waited {waited} s for records' compactions")
        return waited

    def change_log_head(self, rec):
        p = self.call(rec["port"], f"/{RECORDS}/GetChangeLogState",
                      "dangbo.records.v1.GetChangeLogStateRequest", "",
                      resp_type="dangbo.records.v1.GetChangeLogStateResponse")
        m = re.search(r"^last_sequence: (\d+)", p.stdout, re.M)
        return int(m.group(1)) if m else 0

    def wait_follower(self, ana, head, timeout):
        """Polls analytics' GetFollowerStatus until it has applied records' sequence `head`."""
        t0 = time.time()
        applied = 0
        while applied < head:
            p = self.call(ana["port"], f"/{ANALYTICS}/GetFollowerStatus",
                          "dangbo.analytics.v1.GetFollowerStatusRequest", "",
                          resp_type="dangbo.analytics.v1.GetFollowerStatusResponse", check=False)
            self.commands.pop()
            m = re.search(r"last_applied_sequence: (\d+)", p.stdout)
            applied = int(m.group(1)) if m else 0
            if time.time() - t0 > timeout:
                raise BenchError(f"analytics applied {applied} of {head} change events "
                                 f"within {timeout} s")
            if applied < head:
                time.sleep(0.05)
        self.commands.append(f"# analytics: polled GetFollowerStatus until "
                             f"last_applied_sequence >= {head} (records' GetChangeLogState)")
        return time.time() - t0

    def targets(self, rec, ana, tag):
        def t(server, svc, method):
            s = rec if svc == RECORDS else ana
            return dict(kind="dangbo", name=f"{server} ({tag})", port=s["port"],
                        metrics=s["metrics"], method=method, path=f"{svc}/{method}",
                        pid=s["proc"].pid)
        return (t("records", RECORDS, "GetMember"), t("records", RECORDS, "ListMembers"),
                t("analytics", ANALYTICS, "GetYearlyPerformance"))

    def main(self):
        c = self.cfg
        a = self.args
        self.year = a.year
        frames = {
            "get": self.frame("get", "dangbo.records.v1.GetMemberRequest",
                              f'name: "{RANDOM_MEMBER}"'),
            "list": self.frame("list", "dangbo.records.v1.ListMembersRequest",
                               f'parent: "{RANDOM_PARENT}" page_size: 50'),
            "yearly": self.frame("yearly", "dangbo.analytics.v1.GetYearlyPerformanceRequest",
                                 f'organization: "{RANDOM_ORG}" year: {self.year}'),
        }

        # Small dataset: service times only (the baseline of "cost flat with size").
        rec, ana, small_load = self.dataset_servers("small", c["small_members"])
        get_t, list_t, yearly_t = self.targets(rec, ana, "small")
        self.measure("small.get_member.svc", get_t, frames["get"], 1, 1)
        self.measure("small.list_members.svc", list_t, frames["list"], 1, 1)
        self.measure("small.yearly.svc", yearly_t, frames["yearly"], 1, 1)
        self.stop(ana["proc"])
        self.stop(rec["proc"])
        shutil.rmtree(rec["data"], ignore_errors=True)

        # Large dataset: everything.
        rec, ana, large_load = self.dataset_servers("large", c["members"])
        get_t, list_t, yearly_t = self.targets(rec, ana, "large")

        # Responses for the bare server: a real member, page and report, captured from ours.
        member_bin = os.path.join(self.tmp, "member.bin")
        p = self.call(rec["port"], f"/{RECORDS}/GetMember", "dangbo.records.v1.GetMemberRequest",
                      f'name: "{RANDOM_MEMBER}"', resp_type="dangbo.records.v1.Member",
                      out=member_bin)
        cell = re.search(r'^cell: "([^"]+)"', p.stdout, re.M).group(1)
        list_bin = os.path.join(self.tmp, "list.bin")
        org = cell.split("/cells/")[0]
        self.call(rec["port"], f"/{RECORDS}/ListMembers", "dangbo.records.v1.ListMembersRequest",
                  f'parent: "{org}" page_size: 50 filter: "cell = \\"{cell}\\""', out=list_bin)
        yearly_bin = os.path.join(self.tmp, "yearly.bin")
        self.call(ana["port"], f"/{ANALYTICS}/GetYearlyPerformance",
                  "dangbo.analytics.v1.GetYearlyPerformanceRequest",
                  f'organization: "{RANDOM_ORG}" year: {self.year}', out=yearly_bin)
        sizes = {k: os.path.getsize(v) for k, v in
                 (("member", member_bin), ("list_page", list_bin), ("yearly", yearly_bin))}

        bare = self.start_bare(member_bin, list_bin, yearly_bin)

        def bare_t(svc, method):
            return dict(kind="bare", name="bare", port=bare["port"], method=method,
                        path=f"{svc}/{method}", bare=bare, pid=bare["proc"].pid)

        etcd = self.start_etcd()
        member_bytes = open(member_bin, "rb").read()
        etcd_key = b"organizations/bench/members/m0000001"
        put_frame = self.etcd_frame("etcd_put", {1: etcd_key, 2: member_bytes})
        range_frame = self.etcd_frame("etcd_range", {1: etcd_key})
        etcd_put = dict(kind="etcd", name="etcd", port=etcd["port"], metrics=etcd["metrics"],
                        method="Put", path="etcdserverpb.KV/Put", pid=etcd["proc"].pid)
        etcd_range = dict(etcd_put, method="Range", path="etcdserverpb.KV/Range")
        self.h2load(etcd_put, put_frame, 1, 1, 1)  # the key Range reads

        C, M = 16, 32
        for name, t, f in (("get_member", get_t, frames["get"]),
                           ("bare.get_member", bare_t(RECORDS, "GetMember"), frames["get"]),
                           ("etcd.range", etcd_range, range_frame),
                           ("list_members", list_t, frames["list"]),
                           ("bare.list_members", bare_t(RECORDS, "ListMembers"), frames["list"]),
                           ("yearly", yearly_t, frames["yearly"]),
                           ("bare.yearly", bare_t(ANALYTICS, "GetYearlyPerformance"),
                            frames["yearly"])):
            self.measure(f"{name}.tput", t, f, C, M)
            self.measure(f"{name}.svc", t, f, 1, 1)

        # Durable writes at 512 in flight: AdmitMember (server-generated id, no request_id:
        # the same body admits a new member each time) vs etcd Put of a Member-sized value.
        admit = self.frame("admit", "dangbo.records.v1.AdmitMemberRequest",
                           f'parent: "{org}" cell: "{cell}" '
                           'member { full_name: "Nguyễn Văn Bền" gender: MALE '
                           'birth_date { year: 1990 month: 4 day: 30 } } '
                           'decision { number: "1-QĐ/ĐU" date { year: 2024 month: 5 day: 10 } '
                           'issuing_body: "Ban Thường vụ Đảng ủy" } '
                           'ceremony_date { year: 2024 month: 5 day: 19 }')
        admit_t = dict(get_t, method="AdmitMember", path=f"{RECORDS}/AdmitMember")
        self.measure("admit_member.tput", admit_t, admit, C, M)
        self.measure("etcd.put.tput", etcd_put, put_frame, C, M)

        rss_mib = None
        try:
            for line in open(f"/proc/{rec['proc'].pid}/status"):
                if line.startswith("VmHWM:"):
                    rss_mib = round(int(line.split()[1]) / 1024, 1)
        except OSError:
            pass

        self.stop(bare["proc"])
        counts = json.loads(open(bare["counts"]).read() or "{}")
        if counts != bare["expected"]:
            raise BenchError(f"bare server OK replies {counts} != requests sent "
                             f"{bare['expected']}")
        self.commands.append("# bare server OK replies at exit: " + json.dumps(counts) +
                             " (= requests sent)")
        self.stop(etcd["proc"])
        self.stop(ana["proc"])

        # PostgreSQL 15, the peer a team would pick instead: as many connections as h2load's
        # (pgbench has one statement in flight per connection).
        pg = self.postgres_cases(c["members"], member_bytes, C)

        sync = self.measure_initial_sync(rec, c["members"])
        self.stop(rec["proc"])

        # GetMember as deployed against the bench configuration, each restarted on the same
        # data (a copy), both serving, their runs taking turns. As deployed: a bearer token, the
        # rate limiter on (a limit no run reaches), info logs (one line per RPC).
        token = secrets.token_hex(24)
        token_file = os.path.join(self.tmp, "tokens")
        with open(token_file, "w") as f:
            f.write(f"sha256:{hashlib.sha256(token.encode()).hexdigest()} bench-client admin\n")
        deployed_data = self.copy_store(rec["data"], os.path.join(self.tmp, "records-deployed"))
        restarted = self.start_records("restarted", c["members"], data=rec["data"])
        deployed = self.start_records("deployed", c["members"], data=deployed_data,
                                      deployed=token_file)
        restarted_t = dict(get_t, name="records (large, restarted)", port=restarted["port"],
                           metrics=restarted["metrics"], pid=restarted["proc"].pid)
        deployed_t = dict(get_t, name="records as deployed (large, restarted)",
                          port=deployed["port"], metrics=deployed["metrics"],
                          pid=deployed["proc"].pid, headers=[f"authorization: Bearer {token}"])
        for mode, cm in (("tput", (C, M)), ("svc", (1, 1))):
            self.measure_alternating([(f"get_member.restarted.{mode}", restarted_t),
                                      (f"get_member.as_deployed.{mode}", deployed_t)],
                                     frames["get"], *cm)
        self.stop(deployed["proc"])
        self.stop(restarted["proc"])
        shutil.rmtree(deployed_data, ignore_errors=True)
        self.commands.append(f"# {token_file}: sha256:<sha256 of a random token> bench-client "
                             "admin; h2load -H 'authorization: Bearer <token>'")

        # records open-to-SERVING on the large data directory.
        os.remove(rec["port_file"])
        t0 = time.time()
        p = self.start("records-reopen", rec["cmd"])
        self.wait_file(rec["port_file"], p, "records (reopen)")
        open_s = time.time() - t0
        self.stop(p)

        self.report(dict(small=small_load, large=large_load), sizes, rss_mib, open_s, sync, pg)

    def measure_initial_sync(self, rec, members):
        """A fresh analytics following the large records from the start: change events/s
        until its last applied sequence reaches records' head."""
        head = self.change_log_head(rec)
        t0 = time.time()
        ana = self.start_analytics("sync", rec["port"], members)
        perf = self.perf_start("analytics_initial_sync", ana["proc"].pid) \
            if self.args.profile else None
        self.wait_follower(ana, head, timeout=3600)
        secs = time.time() - t0
        if perf:
            self.perf_report(perf[0], perf[1], "analytics_initial_sync",
                             f"a fresh analytics following records from sequence 0 to {head}")
        self.stop(ana["proc"])
        self.log(f"analytics initial sync: {head} events in {secs:.2f} s")
        return dict(events=head, seconds=round(secs, 3),
                    events_per_s=round(head / secs, 1) if secs > 0 else None)

    # --- output ----------------------------------------------------------------------

    def report(self, loads, sizes, rss_mib, open_s, sync, pg):
        r = self.results

        def q(k):
            return r[k]["qps"]["median"]

        def p50(k):
            return r[k]["p50_ms"]["median"]

        # gRPC in front of PostgreSQL, estimated: per call, the bare gRPC server's cost plus
        # PostgreSQL's (both on the server CPU), so 1 / (1/bare + 1/PostgreSQL). The bare
        # GetMember (a Member-sized call) stands for the gRPC part of both reads and writes.
        estimates = {}
        if "skipped" not in pg:
            for key, pg_key in (("grpc_pg.get_member.tput", "pg.select.tput"),
                                ("grpc_pg.admit_member.tput", "pg.insert.tput")):
                bare, peer = q("bare.get_member.tput"), q(pg_key)
                estimates[key] = dict(qps=1.0 / (1.0 / bare + 1.0 / peer),
                                      formula=f"1 / (1/bare.get_member.tput + 1/{pg_key})",
                                      bare=bare, postgresql=peer)
        pg_skipped = pg.get("skipped")

        def vs_pg(ours, est):
            return None if pg_skipped else q(ours) / estimates[est]["qps"]

        ratios = [
            ("GetMember QPS / bare", q("get_member.tput") / q("bare.get_member.tput"), ">=", 0.75),
            ("GetMember QPS / etcd Range", q("get_member.tput") / q("etcd.range.tput"), ">=", 2.0),
            ("GetMember QPS / gRPC in front of PostgreSQL (est.)",
             vs_pg("get_member.tput", "grpc_pg.get_member.tput"), ">=", 1.5),
            ("GetMember as deployed / bench configuration (QPS, both restarted, alternating)",
             q("get_member.as_deployed.tput") / q("get_member.restarted.tput"), ">=", 0.9),
            ("GetMember service-time p99 (ms)", r["get_member.svc"]["p99_ms"]["median"], "<=", 1.0),
            ("ListMembers QPS / bare", q("list_members.tput") / q("bare.list_members.tput"),
             ">=", 0.3),
            ("AdmitMember (durable) QPS / etcd Put, 512 in flight",
             q("admit_member.tput") / q("etcd.put.tput"), ">=", 1.2),
            ("AdmitMember (durable) QPS / gRPC in front of PostgreSQL durable insert (est.)",
             vs_pg("admit_member.tput", "grpc_pg.admit_member.tput"), ">=", 3.0),
            ("GetYearlyPerformance QPS / bare", q("yearly.tput") / q("bare.yearly.tput"),
             ">=", 0.5),
            ("GetMember p50 large / small", p50("get_member.svc") / p50("small.get_member.svc"),
             "<=", 1.3),
            ("ListMembers p50 large / small",
             p50("list_members.svc") / p50("small.list_members.svc"), "<=", 1.3),
            ("GetYearlyPerformance p50 large / small", p50("yearly.svc") / p50("small.yearly.svc"),
             "<=", 1.3),
            ("ImportMembers (members/s, bench_dataset's import phase)",
             loads["large"].get("manifest", {}).get("import_members_per_second",
                                                    loads["large"]["members_per_s"]),
             ">=", 50000.0),
            ("analytics initial sync (events/s, includes process start)",
             sync["events_per_s"] or 0.0, ">=", 100000.0),
            ("records open-to-SERVING, large (s)", open_s, "<=", 5.0),
            ("records peak RSS (MiB)", rss_mib if rss_mib is not None else float("nan"), "<=",
             1024.0),
        ]
        rows = []
        for name, value, op, target in ratios:
            if value is None:
                rows.append(dict(name=name, value=None, target=f"{op} {target}", met=None,
                                 skipped=pg_skipped))
                continue
            met = value >= target if op == ">=" else value <= target
            rows.append(dict(name=name, value=round(value, 4), target=f"{op} {target}",
                             met=bool(met)))
        load = os.getloadavg()
        doc = dict(
            mode=self.args.mode, date=datetime.datetime.utcnow().isoformat() + "Z",
            host=dict(cpus=os.cpu_count(), loadavg_before=self.loadavg_before,
                      loadavg_after=list(load), kernel=os.uname().release),
            config=self.cfg, datasets=loads, response_bytes=sizes, results=r,
            postgresql=pg, grpc_in_front_of_postgresql=estimates, ratios=rows,
            records_open_to_serving_s=round(open_s, 3), records_peak_rss_mib=rss_mib,
            analytics_initial_sync=sync,
            commands=self.commands)
        with open(os.path.join(self.out, "bench.json"), "w") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)

        def fmt(x):
            return f"{x:,.0f}" if x >= 100 else f"{x:.3f}"

        lines = [
            f"dangbo benchmark ({self.args.mode}), {doc['date']}: {loads['large']['members']:,} "
            f"members (small: {loads['small']['members']:,}); {os.cpu_count()} CPUs, server on "
            f"CPU 0, h2load / pgbench on CPU 1; load average before "
            f"{self.fmt_load(self.loadavg_before)}, after {self.fmt_load(load)}; "
            f"{self.cfg['runs']} runs, median (min–max); block cache records "
            f"{self.cfg['records_cache_mb'] or 'default'}, analytics "
            f"{self.cfg['analytics_cache_mb'] or 'default'} (MiB).",
            "",
            "| case | server | c×m | req/s | p50 ms | p99 ms |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for k, v in r.items():
            lines.append(
                f"| {k} | {v['server']} | {v['connections']}×{v['streams']} | "
                f"{fmt(v['qps']['median'])} ({fmt(v['qps']['min'])}–{fmt(v['qps']['max'])}) | "
                f"{v['p50_ms']['median']:.3f} | {v['p99_ms']['median']:.3f} |")
        for k, e in estimates.items():
            lines.append(f"| {k} | gRPC in front of PostgreSQL (est.: {e['formula']}) | "
                         f"— | {fmt(e['qps'])} | | |")
        if pg_skipped:
            lines.append(f"| pg.* | postgresql: skipped ({pg_skipped}) | | | | |")
        lines += ["", "| target | value | goal | met |", "| --- | --- | --- | --- |"]
        for row in rows:
            if row["value"] is None:
                lines.append(f"| {row['name']} | skipped | {row['target']} | — |")
            else:
                lines.append(f"| {row['name']} | {row['value']:.3f} | {row['target']} | "
                             f"{'yes' if row['met'] else 'NO'} |")
        pg_note = ""
        if not pg_skipped:
            pl = pg["load"]
            pg_note = (f" PostgreSQL: {pl['rows']:,} rows of {pl['row_bytes_avg']} bytes on "
                       f"average (body {pl['body_bytes']}), table and indexes "
                       f"{pl['table_and_indexes_bytes'] / 2**20:.1f} MiB, loaded in "
                       f"{pl['seconds']} s.")
        lines += ["", f"Response sizes (bytes): {sizes}.{pg_note} Exact commands: bench.json "
                  "`commands`."]
        md = "\n".join(lines) + "\n"
        with open(os.path.join(self.out, "bench.md"), "w") as f:
            f.write(md)
        print(md)
        self.log(f"wrote {self.out}/bench.md and bench.json")

    @staticmethod
    def fmt_load(l):
        return " ".join(f"{x:.2f}" for x in l)


def check_output(out):
    """The smoke test's assertions: the table and the JSON exist and hold every case, and
    PostgreSQL's cases, or the reason they were skipped."""
    doc = json.load(open(os.path.join(out, "bench.json")))
    md = open(os.path.join(out, "bench.md")).read()
    cases = ["get_member.tput", "bare.get_member.tput", "etcd.range.tput", "list_members.tput",
             "bare.list_members.tput", "yearly.tput", "bare.yearly.tput", "admit_member.tput",
             "etcd.put.tput", "small.get_member.svc", "get_member.svc",
             "get_member.restarted.tput", "get_member.as_deployed.tput",
             "get_member.as_deployed.svc"]
    if doc["postgresql"].get("skipped"):
        if "postgresql: skipped (" not in md:
            raise BenchError("bench.md: PostgreSQL neither measured nor reported skipped")
    else:
        cases += ["pg.select.tput", "pg.select.svc", "pg.insert.tput"]
        for est in ("grpc_pg.get_member.tput", "grpc_pg.admit_member.tput"):
            if not doc["grpc_in_front_of_postgresql"].get(est, {}).get("qps", 0) > 0 or \
                    f"| {est} |" not in md:
                raise BenchError(f"bench.json / bench.md: no estimate {est}")
    for case in cases:
        r = doc["results"].get(case)
        if r is None or not r["qps"]["median"] > 0 or r["p99_ms"]["median"] is None:
            raise BenchError(f"bench.json: no figures for {case}")
        if f"| {case} |" not in md:
            raise BenchError(f"bench.md: no row for {case}")
    if len(doc["ratios"]) < 16 or not doc["commands"] or "loadavg_after" not in doc["host"]:
        raise BenchError("bench.json: ratios, commands or load average missing")
    print("smoke: bench.md and bench.json hold every case")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--smoke", dest="mode", action="store_const", const="smoke")
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick")
    mode.add_argument("--full", dest="mode", action="store_const", const="full")
    ap.add_argument("--build_dir", default=os.environ.get("BUILD_DIR", "build"))
    ap.add_argument("--out_dir", default=env("BENCH_OUT") or "bench-results")
    ap.add_argument("--members", type=int, default=env("BENCH_MEMBERS"))
    ap.add_argument("--small_members", type=int, default=env("BENCH_SMALL_MEMBERS"))
    ap.add_argument("--organizations", type=int, default=env("BENCH_ORGANIZATIONS"))
    ap.add_argument("--cells", type=int, default=env("BENCH_CELLS"))
    ap.add_argument("--duration", type=float, default=env("BENCH_DURATION"),
                    help="seconds per throughput run")
    ap.add_argument("--svc_duration", type=float, default=env("BENCH_SVC_DURATION"),
                    help="seconds per service-time (1x1) run")
    ap.add_argument("--runs", type=int, default=env("BENCH_RUNS"))
    ap.add_argument("--warmup", type=float, default=env("BENCH_WARMUP"))
    ap.add_argument("--records_cache_mb", type=int, default=env("BENCH_RECORDS_CACHE_MB"))
    ap.add_argument("--analytics_cache_mb", type=int, default=env("BENCH_ANALYTICS_CACHE_MB"))
    ap.add_argument("--year", type=int, default=int(env("BENCH_YEAR") or "2024"))
    ap.add_argument("--log_level", default=env("BENCH_LOG_LEVEL") or "warning",
                    help="our servers' --log_level (info logs one line per RPC)")
    ap.add_argument("--keep_tmp", action="store_true")
    ap.add_argument("--profile", action="store_true", default=bool(env("BENCH_PROFILE")),
                    help="after each throughput case, one more run under perf record: "
                         "profile-<case>.txt (needs perf: apt-get install linux-perf)")
    args = ap.parse_args()
    if args.profile and not shutil.which("perf"):
        ap.error("--profile needs perf (apt-get install linux-perf)")
    args.mode = args.mode or "full"
    cfg = dict(MODES[args.mode])
    for k in cfg:
        v = getattr(args, k, None)
        if v is not None:
            cfg[k] = type(cfg[k])(v)
    if cfg["runs"] < 3:
        ap.error("--runs: at least 3")
    runner = None
    try:
        runner = Runner(args)
        runner.cfg = cfg
        runner.loadavg_before = list(os.getloadavg())
        runner.main()
        if runner.failures:
            raise BenchError("; ".join(runner.failures))
        if args.mode == "smoke":
            check_output(runner.out)
    except BenchError as e:
        print(f"bench: FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        if runner:
            runner.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
