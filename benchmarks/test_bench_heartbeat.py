"""Heartbeat endpoint: cost of a real heartbeat relative to a baseline in the same run.

Run with `make bench`. Prints ratios, asserts nothing about time (machines differ);
the baseline is a request through the same middleware and authentication that the
endpoint refuses before any learning work (a malformed report).
"""

import json
import time

import pytest

from tests.lms.builders import course_with_lessons, enrolled, opened

ROUNDS = 300


def _per_request(client, body: str) -> float:
    start = time.perf_counter()
    for _ in range(ROUNDS):
        client.post("/learn/heartbeat/", body, content_type="application/json")
    return (time.perf_counter() - start) / ROUNDS


@pytest.mark.django_db
def test_heartbeat_cost_against_baseline(client, catalogue, learner):
    course, lessons = course_with_lessons(catalogue, lessons=3)
    enrollment = enrolled(learner, course)
    opened(enrollment, lessons[0])
    client.force_login(learner)
    beat = json.dumps({"lesson": lessons[0].pk})
    malformed = json.dumps({"lesson": "x"})
    _per_request(client, beat)  # warm caches and connections
    baseline = _per_request(client, malformed)
    heartbeat = _per_request(client, beat)
    print(
        f"\nheartbeat: {heartbeat * 1e3:.2f} ms/request, baseline {baseline * 1e3:.2f} ms; "
        f"ratio {heartbeat / baseline:.2f}x over {ROUNDS} requests"
    )
