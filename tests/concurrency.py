"""Run the same call from several threads at once, for race tests on PostgreSQL."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent transactions need PostgreSQL (make test runs this there).")


def run_at_once(call: Callable[[], object], *, threads: int = 6) -> tuple[list, list]:
    """Start `threads` calls together; return their results and any errors raised."""
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(call())
        except Exception as error:  # the calling test reports any failure
            errors.append(error)
        finally:
            connection.close()

    started = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return results, errors
