"""Fixtures of the integration tests: the real services, or a skip that says why.

The tests run on the PostgreSQL test database (a web server and workers in other
processes must see the same committed rows), with Redis as the Celery broker. Each
test's tasks go to a queue of its own, so test runs sharing the machine's Redis never
take each other's tasks. A test that restarts a service starts its own (a redis-server,
a PostgreSQL cluster): the machine's shared servers are never stopped.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.integration.harness import (
    CeleryWorker,
    Service,
    WebServer,
    new_queue,
    process_env,
)
from tests.services import answers

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A database of the shared Redis apart from the application's; the tests delete only
# their own queue's keys, never the database.
REDIS_DB = 13


def database_url(settings_dict: dict) -> str:
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def postgresql(transactional_db, migration_data) -> dict:
    """The PostgreSQL test database, committed rows visible to other processes."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "Other processes (web server, Celery worker) must share the test database: "
            "PostgreSQL only (make test runs this with DATABASE_URL on PostgreSQL)."
        )
    return connection.settings_dict


@pytest.fixture
def shared_redis(postgresql) -> str:
    if not answers(REDIS_HOST, REDIS_PORT):
        pytest.skip(f"Redis does not answer on {REDIS_HOST}:{REDIS_PORT}: no broker to test with.")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"


@dataclass
class Stack:
    """Web servers and workers on one database and broker, stopped (and their logs
    printed, shown when the test fails) at the end of the test."""

    database_url: str
    broker_url: str
    root: Path
    queue: str = field(default_factory=new_queue)
    services: list[Service] = field(default_factory=list)

    def env(self, **extra) -> dict:
        return process_env(
            database_url=self.database_url,
            broker_url=self.broker_url,
            queue=self.queue,
            SNOWLAND_PRIVATE_MEDIA_ROOT=settings.SNOWLAND_PRIVATE_MEDIA_ROOT,
            DJANGO_MEDIA_ROOT=settings.MEDIA_ROOT,
            **extra,
        )

    def worker(self, *, include: tuple[str, ...] = (), **env) -> CeleryWorker:
        """Start a worker; `ready()` waits for it (start several things, then wait once)."""
        worker = CeleryWorker(
            env=self.env(**env),
            log_path=self.root / f"worker-{len(self.services)}.log",
            include=include,
        )
        self.services.append(worker)
        return worker

    def server(self, *, workers: int = 1, threads: int = 4, **env) -> WebServer:
        server = WebServer(
            env=self.env(**env),
            log_path=self.root / f"server-{len(self.services)}.log",
            workers=workers,
            threads=threads,
        )
        self.services.append(server)
        return server

    def ready(self) -> None:
        for service in self.services:
            if service.alive():
                service.wait_ready()

    def close(self) -> None:
        for service in self.services:  # all at once: each takes a moment to shut down
            service.signal_stop()
        for service in self.services:
            service.stop()
            print(f"----- {service.name} ({service.log_path.name}) -----")
            print(service.log()[-6000:])


@pytest.fixture
def make_stack(postgresql, tmp_path) -> Callable[..., Stack]:
    stacks: list[Stack] = []

    def make(*, broker_url: str, database: str = "") -> Stack:
        """Processes on `broker_url` ("": tasks in-process) and the test database, or
        on the database URL `database`."""
        root = tmp_path / f"stack-{len(stacks)}"
        root.mkdir()
        url = database or database_url(postgresql)
        stack = Stack(database_url=url, broker_url=broker_url, root=root)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.close()


@pytest.fixture
def stack(make_stack, shared_redis) -> Stack:
    """Processes on the shared Redis; the test's queue is deleted afterwards."""
    made = make_stack(broker_url=shared_redis)
    yield made
    client = redis.Redis.from_url(shared_redis)
    keys = list(client.scan_iter(match=f"*{made.queue}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def own_redis_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: the Redis-restart test starts its own.")
    return binary
