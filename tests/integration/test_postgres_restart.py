"""PostgreSQL restarted under load: requests fail only while it is down, and the service
recovers by itself, with no restart of the web server and no manual step.

The database is a throw-away cluster of the test's own (initdb, pg_ctl), holding a copy
of the test database; the web server is gunicorn, as in production. Four clients send
heartbeats (two reads and a write each) while the cluster is stopped and started
again, then it is restarted while the server is idle.

The server runs with production's connection policy: connections kept for 60 s and
checked before reuse (CONN_HEALTH_CHECKS). Without the check, a connection that died
while idle fails the next request on it (the idle restart catches that); Django's
default, a new connection per request, has nothing stale to recover from.
"""

import os
import pwd
import shutil
import threading
import time
from dataclasses import dataclass

import pytest
import requests

from lms.models import LessonProgress
from tests.integration.builders import course, lesson_ids, session_key
from tests.integration.harness import (
    PostgresCluster,
    browser,
    heartbeat,
    postgres_binaries,
    wait_for,
)
from tests.lms.builders import enrolled

pytestmark = pytest.mark.integration

CLIENTS = 4
SERVER_WORKERS, SERVER_THREADS = 2, 4  # processes, threads in all


@pytest.fixture
def own_postgres(postgresql):
    bindir = postgres_binaries()
    if bindir is None:
        pytest.skip("initdb and pg_ctl are not installed: no PostgreSQL cluster to restart.")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("PostgreSQL refuses to run as root, and there is no `postgres` user.")
        if shutil.which("runuser") is None:
            pytest.skip("PostgreSQL refuses to run as root, and `runuser` is missing.")
    cluster = PostgresCluster(bindir=bindir)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        print(cluster.log()[-3000:])
        cluster.destroy()


@dataclass(frozen=True)
class Outcome:
    start: float
    end: float
    status: int | str  # the HTTP status, or the name of the client's error

    @property
    def ok(self) -> bool:
        return self.status == 200


class Load:
    """Clients sending heartbeats back to back until stopped."""

    def __init__(self, send, *, clients: int):
        self.send, self.outcomes, self.lock = send, [], threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run) for _ in range(clients)]

    def _run(self) -> None:
        while not self.stopping.is_set():
            start = time.monotonic()
            try:
                status = self.send()
            except requests.RequestException as error:
                status = type(error).__name__
            with self.lock:
                self.outcomes.append(Outcome(start, time.monotonic(), status))

    def count(self, *, ok: bool, started_after: float) -> int:
        with self.lock:
            return sum(o.ok == ok and o.start >= started_after for o in self.outcomes)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)


def test_requests_fail_only_while_postgresql_is_down(
    make_stack, own_postgres, postgresql, catalogue, learner
):
    course_page = course(catalogue, lessons=1)
    [lesson_id] = lesson_ids(course_page)
    enrollment = enrolled(learner, course_page)
    LessonProgress.objects.create(enrollment=enrollment, lesson_id=lesson_id)  # far from done
    key = session_key(learner)
    own_postgres.copy_database(source=postgresql, name="snowland")
    stack = make_stack(broker_url="", database=own_postgres.url("snowland"))
    server = stack.server(
        workers=SERVER_WORKERS,
        threads=SERVER_THREADS // SERVER_WORKERS,
        SNOWLAND_TEST_PRODUCTION_CONNECTIONS=1,
    )
    stack.ready()
    local = threading.local()

    def send():
        if not hasattr(local, "client"):
            local.client = browser(session_key=key)
        return heartbeat(local.client, server, lesson_id=lesson_id, timeout=15).status_code

    with Load(send, clients=CLIENTS) as load:
        began = time.monotonic()
        wait_for(lambda: load.count(ok=True, started_after=began) >= 10, seconds=30, what="no load")
        stopping = time.monotonic()
        own_postgres.stop(mode="fast")
        down = time.monotonic()
        wait_for(
            lambda: load.count(ok=False, started_after=down) >= 3,
            seconds=30,
            what="requests did not fail while PostgreSQL was down",
        )
        own_postgres.start()
        up = time.monotonic()
        wait_for(
            lambda: load.count(ok=True, started_after=up) >= 20,
            seconds=30,
            what="the service did not recover after PostgreSQL came back",
        )

    outcomes = sorted(load.outcomes, key=lambda o: o.start)
    failures = [o for o in outcomes if not o.ok]
    # Before the restart every request succeeded...
    assert all(o.ok for o in outcomes if o.end < stopping)
    # ...while PostgreSQL was down they failed fast, with a 500 from a server still up...
    assert failures
    assert {o.status for o in failures} == {500}, failures
    assert all(o.end - o.start < 10 for o in failures)  # no hanging
    assert all(stopping <= o.end for o in failures)
    # ...and every request sent once it was back succeeded.
    assert [o for o in failures if o.start >= up] == []

    # A restart while the server is idle: every thread's connection dies unused. The
    # next requests must not fail on them (a persistent connection is checked first).
    own_postgres.stop(mode="fast")
    own_postgres.start()
    with Load(send, clients=CLIENTS) as after:
        again = time.monotonic()
        wait_for(
            lambda: after.count(ok=True, started_after=again) >= 3 * SERVER_THREADS,
            seconds=30,
            what="the service did not answer after an idle restart",
        )
    assert [o.status for o in after.outcomes if not o.ok] == []
    # Nothing was restarted by hand, nor by gunicorn.
    assert server.alive()
    assert server.log().count("Booting worker") == SERVER_WORKERS
