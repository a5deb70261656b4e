"""Local services some tests talk to: such a test skips, saying why, only when the
service is absent (make test runs them where it answers)."""

import socket

import pytest


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(
    not answers("127.0.0.1", 6379), reason="Redis does not answer on 127.0.0.1:6379"
)
