# ruff: noqa: S603, S607, S310  (a local runner: fixed commands, loopback URLs only)
"""The benchmark suite: `make bench` (or `python bench/run.py`; `--quick` for a short run).

Every scenario is reported as a ratio against a floor measured in the same run, on
the same machine, through the same stack:

* pages and endpoints: requests per second under gunicorn (production settings,
  sync workers, on loopback) driven by wrk, against a bare Django view that returns a
  constant through the same middleware (/bench/floor/, SNOWLAND_BENCH_FLOOR=1);
* the HR staff table: its selector against a hand-written SQL query for the same rows;
* certificate PDFs: against a bare one-line WeasyPrint page;
* page weight: a lesson page's HTML, CSS and JS, compressed as they are served.

Steps: create the PostgreSQL database if missing, migrate, generate the load data once
(`manage.py generate_load_data`, which skips what is there), collectstatic, the
in-process measurements, then gunicorn and wrk. Results go to bench/results/latest.json
and the table in docs/performance.md. Needs wrk (Debian: apt-get install wrk),
PostgreSQL and Redis on 127.0.0.1. Standard library only; Django runs in subprocesses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results" / "latest.json"
DOC = ROOT / "docs" / "performance.md"
VAR = ROOT / "var" / "bench"
TABLE_START = "<!-- bench:results:start -->"
TABLE_END = "<!-- bench:results:end -->"
COMMAND = "make bench"

# Targets from issue 7: throughput as a share of the floor (at least), times as a
# multiple of their baseline (at most), page weight in KB (at most).
SCENARIOS = [
    # id, name, kind, target, what is requested
    ("catalogue", "Catalogue, anonymous, cached", "rps", 0.7, "catalogue"),
    ("course_cached", "Course page, anonymous, cached", "rps", 0.7, "course"),
    ("course_learner", "Course page, uncached (signed-in learner)", "rps", 0.1, "course"),
    ("course_bypass", "Course page, uncached (anonymous, cache bypassed)", "rps", 0.1, "course"),
    ("lesson_learner", "Lesson page, signed-in learner", "rps", 0.1, "lesson"),
    ("heartbeat", "Progress heartbeat (POST)", "rps", 0.3, "heartbeat"),
    ("dashboard", "Learner dashboard, 50 enrolments", "rps", 0.08, "dashboard"),
    ("verify", "Certificate verification page", "rps", 0.3, "verify"),
]


# --- small helpers ---------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def environment(*, floor: bool = False) -> dict[str, str]:
    """Production settings, pointed at the bench database and a Redis database of its
    own; a signing key made once under var/bench/."""
    env = dict(os.environ)
    key_file = VAR / "signing-key.pem"
    env.update(
        {
            # Another module (importing production's) measures a change before it is made.
            "DJANGO_SETTINGS_MODULE": env.get(
                "BENCH_SETTINGS_MODULE", "config.settings.production"
            ),
            "DJANGO_SECRET_KEY": env.get("BENCH_SECRET_KEY") or _secret(VAR / "secret-key"),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": env.get(
                "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/snowland_bench"
            ),
            "REDIS_URL": env.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
            "WAGTAILADMIN_BASE_URL": "http://127.0.0.1:8000",
            "SNOWLAND_SIGNING_KEY_FILE": str(key_file),
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            # Verification is rate limited per address; wrk is one address.
            "SNOWLAND_VERIFY_RATE_LIMIT": "1000000000",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        }
    )
    if floor:
        env["SNOWLAND_BENCH_FLOOR"] = "1"
    return env


def _secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _signing_key(path: Path) -> None:
    if path.exists():
        return
    code = (
        "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey;"
        "from cryptography.hazmat.primitives import serialization as s;"
        "import sys;"
        "sys.stdout.buffer.write(Ed25519PrivateKey.generate().private_bytes("
        "s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))"
    )
    pem = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True).stdout
    path.write_bytes(pem)
    path.chmod(0o600)


def run(args: list[str], *, env: dict[str, str], quiet: bool = True) -> str:
    """Run a command in the project; its output (stdout) on success, else stop."""
    result = subprocess.run(args, cwd=ROOT, env=env, text=True, capture_output=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"bench: {' '.join(args[:4])} failed ({result.returncode})")
    if not quiet:
        sys.stdout.write(result.stdout)
    return result.stdout


def manage(*args: str, env: dict[str, str]) -> str:
    return run([sys.executable, "manage.py", *args], env=env)


def django_side(step: str, *args: str, env: dict[str, str]) -> dict:
    output = run([sys.executable, str(BENCH / "django_side.py"), step, *args], env=env)
    return json.loads(output.strip().splitlines()[-1])


def answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), 1).close()
        return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def static_files_stale() -> bool:
    """Whether collectstatic must run: no manifest yet, or the project's static files or
    the locked dependencies (Wagtail's own files) changed since it was written."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return True
    written = manifest.stat().st_mtime
    sources = [ROOT / "uv.lock", *(p for p in (ROOT / "static").rglob("*") if p.is_file())]
    return any(source.stat().st_mtime > written for source in sources if source.exists())


# --- the machine -------------------------------------------------------------------------


def machine() -> dict:
    info = {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "ram_gb": None,
        "os": platform.platform(),
    }
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        if model:
            info["cpu"] = model.group(1).strip()
        meminfo = Path("/proc/meminfo").read_text()
        total = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.MULTILINE)
        if total:
            info["ram_gb"] = round(int(total.group(1)) / 1024 / 1024, 1)
    except OSError:
        pass
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    info["wrk"] = (wrk.stdout or wrk.stderr).split("\n")[0].split(" Copyright")[0].strip()
    return info


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


# --- gunicorn and wrk ----------------------------------------------------------------------


class Server:
    """gunicorn with the production settings on a free loopback port."""

    def __init__(self, *, workers: int, env: dict[str, str]):
        self.port = free_port()
        self.workers = workers
        VAR.mkdir(parents=True, exist_ok=True)
        self.log = open(VAR / "gunicorn.log", "w")  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--access-logfile",
                "/dev/null",
                "--error-logfile",
                "-",
                "--preload",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped; see {VAR / 'gunicorn.log'}")
            try:
                with urllib.request.urlopen(self.base + "/bench/floor/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer within a minute")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def wrk(
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int,
    script: Path | None = None,
    headers: list[str] = (),
    script_args: list[str] = (),
) -> dict:
    """A wrk run. No Lua response callback: it would hand wrk every response body, a
    cost that grows with the page and is not the server's."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    not_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    latency = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    p50 = None
    if latency:
        scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[latency.group(2)]
        p50 = float(latency.group(1)) * scale
    return {
        "rps": rps,
        "requests": total,
        "bad": int(not_2xx.group(1)) if not_2xx else 0,
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
        "p50_ms": p50,
    }


def cache_sample(url: str, headers: list[str], requests: int = 20) -> dict[str, int]:
    """How the page cache answered `requests` requests (X-Cache: hit, miss or none)."""
    sent = dict(header.split(": ", 1) for header in headers)
    seen: dict[str, int] = {}
    for _ in range(requests):
        _body, answered = _fetch(url, sent)
        state = answered.get("x-cache", "none")
        seen[state] = seen.get(state, 0) + 1
    return seen


# --- CPU time per request ---------------------------------------------------------------


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every process we may read."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        found.append((int(entry.name), parent, command))
    return found


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used since boot (/proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _TICK


def children_cpu_seconds() -> float:
    """CPU seconds of this runner's finished children (wrk among them)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def redis_cpu_ticks() -> int:
    return sum(_cpu_ticks(pid) for pid, _, command in _processes() if "redis-server" in command)


class CpuMeter:
    """CPU time of the server side of one scenario: gunicorn's master and workers and
    the PostgreSQL backends of the bench database (not wrk, not other databases' work).
    On a shared machine this stays close to what a dedicated one would spend, where
    requests per second do not."""

    def __init__(self, *, server_pid: int, database: str):
        self.server_pid, self.database = server_pid, database

    def _pids(self) -> dict[int, str]:
        processes = _processes()
        ours = {self.server_pid: "gunicorn"}
        ours |= {pid: "gunicorn" for pid, parent, _ in processes if parent == self.server_pid}
        ours |= {
            pid: "postgres"
            for pid, _, command in processes
            if command.startswith("postgres:") and f" {self.database} " in command
        }
        return ours

    def snapshot(self) -> dict[int, tuple[str, int]]:
        return {pid: (kind, _cpu_ticks(pid)) for pid, kind in self._pids().items()}

    def seconds_since(self, before: dict[int, tuple[str, int]]) -> dict[str, float]:
        """CPU seconds since `before`, by kind of process and in all."""
        spent = {"gunicorn": 0.0, "postgres": 0.0}
        for pid, (kind, ticks) in self.snapshot().items():
            spent[kind] += (ticks - before.get(pid, (kind, 0))[1]) / _TICK
        spent["total"] = spent["gunicorn"] + spent["postgres"]
        return spent


# --- page weight -----------------------------------------------------------------------------


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and "stylesheet" in (attributes.get("rel") or "").split():
            self.css.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.js.append(attributes["src"])


def _fetch(url: str, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


def page_weight(base: str, path: str, cookie: str) -> dict:
    """The lesson page's HTML (gzip, as a proxy would send it) and the CSS and JS it
    references, as WhiteNoise serves them to a browser accepting Brotli."""
    html, _headers = _fetch(base + path, {"Cookie": cookie})
    assets = _Assets()
    assets.feed(html.decode("utf-8"))
    sizes = {"html": len(gzip.compress(html, compresslevel=6)), "css": 0, "js": 0}
    raw = {"html": len(html), "css": 0, "js": 0}
    encodings = set()
    for kind, urls in (("css", assets.css), ("js", assets.js)):
        for url in urls:
            body, headers = _fetch(base + url, {"Accept-Encoding": "br, gzip"})
            sizes[kind] += len(body)
            encodings.add(headers.get("content-encoding", "identity"))
            plain, _ = _fetch(base + url, {})
            raw[kind] += len(plain)
    return {
        "compressed_bytes": sizes,
        "raw_bytes": raw,
        "total_kb": sum(sizes.values()) / 1024,
        "files": {"css": assets.css, "js": assets.js},
        "encodings": sorted(encodings),
    }


# --- the run ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1"
    )
    parser.add_argument(
        "--seconds", type=int, default=None, help="per scenario and round (5; quick 3)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="rounds over every scenario, each between two floor runs (3; quick 1)",
    )
    parser.add_argument(
        "--warmup", type=int, default=None, help="per scenario and round (2; quick 1)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (2 x cores - 1)"
    )
    parser.add_argument("--connections", type=int, default=12)
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--no-doc", action="store_true", help="leave docs/performance.md alone")
    parser.add_argument(
        "--doc-only", action="store_true", help="rewrite the table from latest.json and stop"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated scenario ids (catalogue, course_cached, …, hr, certificate): "
        "a partial run for development; it leaves docs/performance.md alone",
    )
    options = parser.parse_args()
    if options.doc_only:
        write_doc(json.loads(RESULTS.read_text()))
        return
    seconds = options.seconds or (3 if options.quick else 5)
    rounds = max(1, options.rounds or (1 if options.quick else 3))
    warmup = options.warmup or (1 if options.quick else 2)
    cores = os.cpu_count() or 1
    workers = options.workers or max(2, 2 * cores - 1)
    started = time.monotonic()
    load_before = load_average()

    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is missing (Debian/Ubuntu: sudo apt-get install wrk)")
    for service, port in (("PostgreSQL", 5432), ("Redis", 6379)):
        if not answers("127.0.0.1", port):
            raise SystemExit(f"bench: {service} does not answer on 127.0.0.1:{port}")
    VAR.mkdir(parents=True, exist_ok=True)
    _signing_key(VAR / "signing-key.pem")
    env = environment()

    log("database: create if missing, migrate, load data (generated once, then reused)")
    django_side("ensure-database", env=env)
    manage("migrate", "--noinput", env=env)
    summary = manage("generate_load_data", "--learners", str(options.learners), "--json", env=env)
    data = json.loads(summary.strip().splitlines()[-1])
    log(f"data: {data}")
    if static_files_stale():
        log("collectstatic (compressing every file takes a minute)")
        manage("collectstatic", "--noinput", "--verbosity", "0", env=env)

    only = {name.strip() for name in options.only.split(",") if name.strip()}
    hr = certificates = None
    if not only or "hr" in only:
        log("in process: HR staff table against hand-written SQL")
        hr = django_side("hr", "8" if options.quick else "20", env=env)
    if not only or "certificate" in only:
        log("in process: certificate PDFs against a bare WeasyPrint page")
        certificates = django_side("certificates", "5" if options.quick else "15", env=env)

    log("preparing sessions and counting each scenario's queries")
    prepared = django_side("prepare", env=env)
    session_cookie = prepared["session_cookie"]
    beats_file = VAR / "beats.txt"
    beats_file.write_text(
        "".join(f"{beat['session']} {beat['lesson']}\n" for beat in prepared["beats"])
    )
    requests = {
        "catalogue": (prepared["urls"]["catalogue"], []),
        "course_cached": (prepared["urls"]["course"], []),
        "course_learner": (
            prepared["urls"]["course"],
            [f"Cookie: {session_cookie}={prepared['sessions']['reader']}"],
        ),
        # A parameter the page cache does not keep: served uncached, as to a search.
        "course_bypass": (prepared["urls"]["course"] + "?from=bench", []),
        "lesson_learner": (
            prepared["urls"]["lesson"],
            [f"Cookie: {session_cookie}={prepared['sessions']['reader']}"],
        ),
        "dashboard": ("/learn/", [f"Cookie: {session_cookie}={prepared['sessions']['dashboard']}"]),
        "verify": (prepared["urls"]["verify"], []),
    }

    server = Server(workers=workers, env=environment(floor=True))
    measured: dict[str, dict] = {}
    try:
        server.wait()
        database = env["DATABASE_URL"].rsplit("/", 1)[-1]
        meter = CpuMeter(server_pid=server.process.pid, database=database)
        phase = {
            "wall": time.monotonic(),
            "busy": machine_busy_seconds(),
            "children": children_cpu_seconds(),
            "redis": redis_cpu_ticks(),
            "ours": meter.snapshot(),
        }

        def drive(scenario_id: str, path: str, headers: list[str], script=None, args=()):
            url = server.base + path
            wrk(
                url,
                seconds=warmup,
                connections=options.connections,
                threads=2,
                script=script,
                headers=headers,
                script_args=list(args),
            )
            before = meter.snapshot()
            result = wrk(
                url,
                seconds=seconds,
                connections=options.connections,
                threads=2,
                script=script,
                headers=headers,
                script_args=list(args),
            )
            spent = meter.seconds_since(before)
            per_request = {
                kind: seconds * 1e3 / max(result["requests"], 1) for kind, seconds in spent.items()
            }
            result["cpu_ms"] = per_request["total"]
            result["cpu_ms_by_process"] = {
                "gunicorn": round(per_request["gunicorn"], 3),
                "postgres": round(per_request["postgres"], 3),
            }
            if script is None:  # what the page cache answered, on a sample after the run
                result["cache_sample"] = cache_sample(url, headers)
            log(
                f"{scenario_id}: {result['rps']:.0f} requests/s, {result['cpu_ms']:.2f} ms "
                f"server CPU each ({result['bad']} not 2xx; X-Cache on a sample: "
                f"{result.get('cache_sample', {})})"
            )
            return result

        # Rounds: floor, every scenario, floor, every scenario, ..., floor. Each result
        # is set against the floor runs just before and after it, and the median over
        # the rounds is reported, so that a neighbour's burst on a shared machine moves
        # one round, not the figure.
        floors = [drive("floor", "/bench/floor/", [])]
        for _round in range(rounds):
            for scenario_id, _name, _kind, _target, _what in SCENARIOS:
                if only and scenario_id not in only:
                    continue
                if scenario_id == "heartbeat":
                    result = drive(
                        scenario_id,
                        "/learn/heartbeat/",
                        [],
                        script=BENCH / "wrk" / "heartbeat.lua",
                        args=(
                            str(beats_file),
                            prepared["csrf"],
                            session_cookie,
                            prepared["csrf_cookie"],
                        ),
                    )
                elif requests[scenario_id][0]:
                    path, headers = requests[scenario_id]
                    result = drive(scenario_id, path, headers)
                else:
                    continue
                result["round"] = _round
                measured.setdefault(scenario_id, []).append(result)
            floors.append(drive("floor", "/bench/floor/", []))
        ours = meter.seconds_since(phase["ours"])["total"]
        ours += children_cpu_seconds() - phase["children"]
        ours += (redis_cpu_ticks() - phase["redis"]) / _TICK
        capacity = (time.monotonic() - phase["wall"]) * (os.cpu_count() or 1)
        others_share = max(0.0, machine_busy_seconds() - phase["busy"] - ours) / capacity
        reader_cookie = f"{session_cookie}={prepared['sessions']['reader']}"
        weight = page_weight(server.base, prepared["urls"]["lesson"], reader_cookie)
    finally:
        server.stop()
        beats_file.unlink(missing_ok=True)

    floor = statistics.median(run["rps"] for run in floors)
    floor_cpu = statistics.median(run["cpu_ms"] for run in floors)
    rows = []
    for scenario_id, name, _kind, target, _what in SCENARIOS:
        runs = measured.get(scenario_id)
        if not runs:
            continue
        # Each round against the mean of the floor runs around it; the median round.
        for run in runs:
            around = floors[run["round"]], floors[run["round"] + 1]
            run["floor"] = (around[0]["rps"] + around[1]["rps"]) / 2
            run["ratio"] = run["rps"] / run["floor"]
            run["cpu_ratio"] = ((around[0]["cpu_ms"] + around[1]["cpu_ms"]) / 2) / run["cpu_ms"]
        result = sorted(runs, key=lambda run: run["ratio"])[len(runs) // 2]
        ratio = result["ratio"]
        counted = prepared["queries"].get(scenario_id, {})
        rows.append(
            {
                "id": scenario_id,
                "name": name,
                "value": round(result["rps"], 1),
                "unit": "requests/s",
                "floor": round(result["floor"], 1),
                "floor_unit": "requests/s",
                "ratio": round(ratio, 3),
                "target": f">= {target}",
                "met": ratio >= target and not any(run["bad"] for run in runs),
                "queries": counted.get("queries"),
                "cpu_ms": round(result["cpu_ms"], 3),
                "cpu_ms_by_process": result["cpu_ms_by_process"],
                "floor_cpu_ms": round(floor_cpu, 3),
                "cpu_ratio": round(statistics.median(run["cpu_ratio"] for run in runs), 3),
                "ratios_by_round": [round(run["ratio"], 3) for run in runs],
                "p50_ms": result["p50_ms"],
                "not_2xx": sum(run["bad"] for run in runs),
                "cache_sample": result.get("cache_sample"),
                "requests": result["requests"],
            }
        )
    for page, label in ((1, "first"), (100, "hundredth")) if hr else ():
        timing = hr["pages"][str(page)]
        ratio = timing["selector_ms"] / timing["sql_ms"]
        rows.append(
            {
                "id": f"hr_page_{page}",
                "name": f"HR staff table, {label} page ({hr['staff']:,} staff, "
                f"{hr['entries']:,} entries)",
                "value": round(timing["selector_ms"], 2),
                "unit": "ms",
                "floor": round(timing["sql_ms"], 2),
                "floor_unit": "ms (hand-written SQL)",
                "ratio": round(ratio, 2),
                "target": "<= 1.5",
                "met": ratio <= 1.5 and timing["rows_agree"],
                "rows_agree": timing["rows_agree"],
            }
        )
    if certificates:
        ratio = certificates["certificate_ms"] / certificates["bare_ms"]
        rows.append(
            {
                "id": "certificate",
                "name": "Certificate PDF (Chinese and Tibetan names)",
                "value": round(certificates["certificate_ms"], 1),
                "unit": "ms",
                "floor": round(certificates["bare_ms"], 1),
                "floor_unit": "ms (bare one-line WeasyPrint page)",
                "ratio": round(ratio, 2),
                "target": "<= 10",
                "met": ratio <= 10,
                "certificates_per_minute_per_core": round(
                    certificates["certificates_per_minute_per_core"]
                ),
                "fonts": certificates["fonts"],
            }
        )
    rows.append(
        {
            "id": "page_weight",
            "name": "Lesson page weight (HTML + CSS + JS, compressed)",
            "value": round(weight["total_kb"], 1),
            "unit": "KB",
            "floor": None,
            "floor_unit": "",
            "ratio": None,
            "target": "<= 150 KB",
            "met": weight["total_kb"] <= 150,
            "detail": weight,
        }
    )
    # Other work's share of the machine's CPU while the scenarios ran (not ours: the
    # server, its database backends, Redis and wrk).
    shared = others_share > 0.05
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": COMMAND + (" (BENCH_QUICK=1)" if options.quick else ""),
        "quick": options.quick,
        "only": sorted(only),
        "duration_seconds": round(time.monotonic() - started),
        "machine": {
            **machine(),
            "load_average_before": load_before,
            "other_work_cpu_share": round(others_share, 3),
            "shared": shared,
        },
        "versions": prepared["versions"],
        "setup": {
            "server": f"gunicorn, {workers} sync workers, production settings, 127.0.0.1",
            "load": f"wrk, 2 threads, {options.connections} connections, "
            f"{warmup} s warm-up then {seconds} s per scenario, in {rounds} round(s) "
            "between floor runs (the median round reported), on the same machine",
            "data": data,
        },
        "floor": {
            "requests_per_second": round(floor, 1),
            "start": round(floors[0]["rps"], 1),
            "end": round(floors[-1]["rps"], 1),
            "runs": [round(run["rps"], 1) for run in floors],
            "cpu_ms_per_request": round(floor_cpu, 3),
        },
        "queries": prepared["queries"],
        "certificates": certificates,
        "scenarios": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    log(f"results in {RESULTS.relative_to(ROOT)}")
    if not options.no_doc and not only:
        write_doc(results)
        log(f"table in {DOC.relative_to(ROOT)}")
    print(table(results))


# --- the report --------------------------------------------------------------------------------


def _number(value, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "requests/s":
        return f"{value:,.0f}/s"
    if unit == "ms":
        return f"{value:,.1f} ms" if value >= 10 else f"{value:,.2f} ms"
    return f"{value:,.1f} {unit}"


def table(results: dict) -> str:
    lines = [
        "| Scenario | Measured | Floor | Ratio | Target | Met | CPU ratio | Queries |",
        "|---|---:|---:|---:|---:|:---:|---:|---:|",
    ]
    for row in results["scenarios"]:
        floor = _number(row["floor"], row["unit"]) if row["floor"] is not None else "–"
        ratio = "–" if row["ratio"] is None else f"{row['ratio']:g}"
        queries = "–" if row.get("queries") is None else str(row["queries"])
        cpu = "–" if row.get("cpu_ratio") is None else f"{row['cpu_ratio']:g}"
        lines.append(
            f"| {row['name']} | {_number(row['value'], row['unit'])} | {floor} | {ratio} | "
            f"{row['target']} | {'yes' if row['met'] else '**no**'} | {cpu} | {queries} |"
        )
    return "\n".join(lines)


def write_doc(results: dict) -> None:
    m, v = results["machine"], results["versions"]
    certificate = next(r for r in results["scenarios"] if r["id"] == "certificate")
    weight = next(r for r in results["scenarios"] if r["id"] == "page_weight")["detail"]
    missed = [r for r in results["scenarios"] if not r["met"]]
    cached = [r for r in results["scenarios"] if r["id"] in ("catalogue", "course_cached")]
    no_query = "; ".join(
        f"{r['name']}: X-Cache {r['cache_sample']} on 20 requests after the run, "
        f"PostgreSQL CPU {r['cpu_ms_by_process']['postgres']:.3f} ms per request during it"
        for r in cached
    )
    shared_note = (
        f"**The machine was shared during this run**: other work used "
        f"{m['other_work_cpu_share']:.0%} of its CPU while the scenarios ran (load average "
        f"{m['load_average_before']:.1f} before the run). Both the floor and the scenarios "
        "lost that time, so the throughput ratios are indicative and the CPU ratios the "
        "steadier guide; re-run on a quiet machine for figures to quote."
        if m["shared"]
        else f"Other work used {m['other_work_cpu_share']:.0%} of the machine's CPU while "
        "the scenarios ran (under 5%: counted as a quiet machine)."
    )
    block = "\n".join(
        [
            TABLE_START,
            f"Run of {results['date']} with `{results['command']}` "
            f"({results['duration_seconds']} s in all).",
            "",
            f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; {m['os']}.",
            f"- Stack: Python {v['python']}, Django {v['django']}, Wagtail {v['wagtail']}, "
            f"PostgreSQL {v['postgresql']}, Redis {v['redis']}; {m['wrk']}.",
            f"- Server: {results['setup']['server']}. Load: {results['setup']['load']}.",
            f"- Floor: {results['floor']['requests_per_second']:,.0f} requests/s, the "
            "median of its runs ("
            + ", ".join(f"{rps:,.0f}" for rps in results["floor"]["runs"])
            + "); each scenario's ratio is against the floor runs just before and after "
            "its round, and the table shows that floor.",
            f"- Data: {results['setup']['data']['courses']} courses, "
            f"{results['setup']['data']['learners']:,} learners, "
            f"{results['setup']['data']['hr_staff']:,} HR staff with "
            f"{results['setup']['data']['hr_entries']:,} ledger entries.",
            f"- {shared_note}",
            "",
            table(results),
            "",
            f"Certificates: {certificate['certificates_per_minute_per_core']:,} per minute per "
            f"worker core ({certificate['fonts']}). Lesson page weight: HTML "
            f"{weight['compressed_bytes']['html'] / 1024:.1f} KB gzip, CSS "
            f"{weight['compressed_bytes']['css'] / 1024:.1f} KB, JS "
            f"{weight['compressed_bytes']['js'] / 1024:.1f} KB "
            f"({', '.join(weight['encodings'])}); uncompressed "
            f"{sum(weight['raw_bytes'].values()) / 1024:.1f} KB.",
            "",
            f"Cached pages: {no_query}.",
            "",
            "Missed in this run: "
            + (
                "; ".join(
                    f"{r['name']} ({r['ratio'] if r['ratio'] is not None else r['value']})"
                    for r in missed
                )
                if missed
                else "none."
            ),
            TABLE_END,
        ]
    )
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{TABLE_START}\n{TABLE_END}\n"
    if TABLE_START in text and TABLE_END in text:
        before, rest = text.split(TABLE_START, 1)
        after = rest.split(TABLE_END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)


if __name__ == "__main__":
    main()
