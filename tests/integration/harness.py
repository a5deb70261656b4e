"""The processes integration tests start and stop: Celery workers, a web server (gunicorn,
as in production), and a Redis and a PostgreSQL of the test's own to restart.

Every process runs in a session of its own, so that stopping or killing it reaches its
children too and nothing else. Output goes to a log file (a pipe nobody reads fills up
and blocks the process); a failing test prints the logs.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from uuid import uuid4

import requests

from tests.services import answers

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = "tests.integration.settings"
# Celery's own name for the task, to find it in a worker's log.
RENDER_TASK = "certificates.tasks.render_certificate"

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], T], *, seconds: float, what: str, interval=0.2) -> T:
    """Poll until `condition()` is truthy and return it; fail saying `what` never came."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(interval)


def new_queue() -> str:
    return f"snowland-test-{uuid4().hex[:12]}"


class Service:
    """One subprocess with its output in a log file."""

    stop_signal = signal.SIGTERM

    def __init__(self, *, name: str, args: list[str], env: dict, log_path: Path, cwd=BASE_DIR):
        self.name, self.log_path = name, log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed arguments, our own programs
                args,
                cwd=cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)  # our own session: the process and children

    def wait_ready(self) -> None:
        """Overridden by services that can say when they are ready."""

    def signal_stop(self) -> None:
        if self.alive():
            self._signal_group(self.stop_signal)

    def stop(self, *, timeout: float = 15) -> None:
        if not self.alive():
            return
        self.signal_stop()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the process and its children: no cleanup, no acknowledgement."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=20)


def process_env(*, database_url: str, broker_url: str = "", queue: str = "", **extra) -> dict:
    """The environment of a web server or worker: the integration settings on the given
    database and broker (no broker: tasks run in-process, as in the embedded default)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": "",
        "SNOWLAND_TEST_QUEUE": queue or "celery",
        "PYTHONUNBUFFERED": "1",
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


class CeleryWorker(Service):
    """`celery worker` with the solo pool (one task at a time, in the main process)."""

    def __init__(self, *, env: dict, log_path: Path, include: tuple[str, ...] = ()):
        args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config.celery_app",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            f"--hostname=test-{uuid4().hex[:8]}@%h",
        ]
        if include:
            args.append(f"--include={','.join(include)}")
        super().__init__(name="celery worker", args=args, env=env, log_path=log_path)

    def wait_ready(self, *, seconds: float = 45) -> None:
        wait_for(
            lambda: " ready." in self.log() or not self.alive(),
            seconds=seconds,
            what="the Celery worker did not start",
        )
        assert self.alive(), f"the Celery worker exited:\n{self.log()[-4000:]}"

    def task_ids(self, task: str, event: str) -> list[str]:
        """Ids of the task's runs the worker logged as `event` ("received", "succeeded");
        every task's when `task` is empty."""
        ids = []
        for line in self.log().splitlines():
            marker = f"Task {task}" if task else "Task "
            if marker in line and "[" in line.split(marker, 1)[1] and f"] {event}" in line:
                ids.append(line.split(marker, 1)[1].split("[", 1)[1].split("]", 1)[0])
        return ids

    def idle(self) -> bool:
        """Every task the worker received has ended (succeeded, failed or retried)."""
        ended = {
            task_id
            for event in ("succeeded", "raised", "retry")
            for task_id in self.task_ids("", event)
        }
        return set(self.task_ids("", "received")) <= ended


class WebServer(Service):
    """The WSGI application under gunicorn with threads, as production serves it."""

    stop_signal = signal.SIGQUIT  # quick shutdown: no graceful wait for idle keep-alives

    def __init__(self, *, env: dict, log_path: Path, workers: int = 1, threads: int = 4):
        self.port = free_port()
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--worker-class=gthread",
            "--preload",  # Django is imported once, before the fork: a quicker start
            "--timeout=60",
            "--graceful-timeout=2",
            "--access-logfile=-",
            "--error-logfile=-",
            "--no-control-socket",  # one per user by default: shared with other servers
        ]
        super().__init__(name="web server", args=args, env=env, log_path=log_path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, *, seconds: float = 45) -> None:
        def up() -> bool:
            assert self.alive(), f"the web server exited:\n{self.log()[-4000:]}"
            try:  # any answer from Django will do: GET on a POST-only view needs no database
                return requests.get(self.url("/learn/heartbeat/"), timeout=10).status_code == 405
            except requests.RequestException:  # not listening yet, or still importing Django
                return False

        wait_for(up, seconds=seconds, what="the web server did not answer")


def browser(*, session_key: str, session_cookie: str = "sessionid") -> requests.Session:
    """An HTTP client logged in with an existing session, with a CSRF cookie and header
    as the lesson page's script sends them."""
    client = requests.Session()
    csrf = uuid4().hex  # 32 characters: an unmasked CSRF secret
    client.cookies.set(session_cookie, session_key)
    client.cookies.set("csrftoken", csrf)
    client.headers.update({"X-CSRFToken": csrf, "Accept-Language": "en"})
    return client


def heartbeat(client: requests.Session, server: WebServer, *, lesson_id: int, timeout=30):
    """The lesson page's beat (a fresh start: no time credited). When the lesson's rule is
    already met, it completes the lesson, and with the last lesson the course."""
    return client.post(
        server.url("/learn/heartbeat/"),
        data=json.dumps({"lesson": lesson_id, "restart": True}),
        headers={"Content-Type": "application/json"},
        timeout=timeout,
    )


class RedisServer:
    """A redis-server of the test's own, without persistence: a restart loses every
    queued message, as a crash of an unpersisted Redis does."""

    def __init__(self, *, directory: Path):
        self.binary = shutil.which("redis-server")
        self.directory, self.port = directory, free_port()
        self.service: Service | None = None
        self.starts = 0

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.starts += 1
        self.service = Service(
            name="redis",
            args=[
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.directory),
            ],
            env=dict(os.environ),
            log_path=self.directory / f"redis-{self.starts}.log",
            cwd=self.directory,
        )
        wait_for(lambda: answers("127.0.0.1", self.port), seconds=20, what="redis did not start")

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None

    def log(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.directory.glob("*.log")))


def postgres_binaries() -> Path | None:
    """The directory with initdb and pg_ctl (Debian keeps them out of PATH)."""
    found = shutil.which("pg_ctl")
    if found and (Path(found).resolve().parent / "initdb").exists():
        return Path(found).resolve().parent  # a link in PATH to the real directory
    candidates = [
        path.parent
        for path in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")
        if path.parent.parent.name.isdigit() and (path.parent / "initdb").exists()
    ]
    return max(candidates, key=lambda b: int(b.parent.name), default=None)


@dataclass
class PostgresCluster:
    """A throw-away PostgreSQL cluster (initdb into a temporary directory, trust auth,
    TCP on a free port). PostgreSQL refuses to run as root: as root, its programs run
    as the `postgres` OS user, who owns the directory."""

    bindir: Path
    port: int = field(default_factory=free_port)
    directory: Path = field(init=False)
    user_prefix: list[str] = field(init=False, default_factory=list)

    def __post_init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="snowland-pg-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self.user_prefix = ["runuser", "-u", "postgres", "--"]

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def _run(self, program: str, *args: str, timeout: float = 60) -> str:
        done = subprocess.run(  # noqa: S603 - PostgreSQL's own programs, fixed arguments
            [*self.user_prefix, str(self.bindir / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.directory,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"{program} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        return done.stdout

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = self.directory / "postgres.log"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start")

    def stop(self, *, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def copy_database(self, *, source: dict, name: str) -> None:
        """Copy a database of the shared server (its settings dict) into this cluster."""
        env = {**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""}
        client = [
            "-h",
            source.get("HOST") or "127.0.0.1",
            "-p",
            str(source.get("PORT") or 5432),
            "-U",
            source.get("USER") or "postgres",
        ]
        target = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        subprocess.run(  # noqa: S603 - PostgreSQL's own client, fixed arguments
            [str(self.bindir / "createdb"), *target, name], check=True, capture_output=True
        )
        dump = subprocess.Popen(  # noqa: S603
            [str(self.bindir / "pg_dump"), *client, "-Fc", "--no-owner", source["NAME"]],
            stdout=subprocess.PIPE,
            env=env,
        )
        restore = subprocess.run(  # noqa: S603
            [str(self.bindir / "pg_restore"), *target, "--no-owner", "-d", name],
            stdin=dump.stdout,
            capture_output=True,
            text=True,
            check=False,
        )
        dump.stdout.close()
        assert dump.wait() == 0, "pg_dump of the test database failed"
        assert restore.returncode == 0, f"pg_restore failed:\n{restore.stderr}"

    def destroy(self) -> None:
        if self.running():
            with contextlib.suppress(RuntimeError):
                self.stop(mode="immediate")
        shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        path = self.directory / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""
