"""Redis restarted while completions are submitted: no completion loses its credit, its
certificate or its PDF.

The broker is a redis-server of the test's own, without persistence, stopped in the
middle of the submissions and started again: every task queued but not yet taken is
lost, and the completions submitted meanwhile cannot queue anything. The requests
still succeed (the completion is committed before its after-commit steps, which log a
broker failure instead of raising it); the completion sweep, run as beat runs it,
repairs what was lost.
"""

import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest
import redis

from certificates.models import Certificate
from lms.models import CourseCompletion, CreditEntry, CreditSource
from tests.accounts.factories import UserFactory
from tests.integration.builders import course, lesson_ids, ready_to_complete, session_key
from tests.integration.harness import BASE_DIR, RedisServer, browser, heartbeat, wait_for

pytestmark = pytest.mark.integration

LEARNERS = 6


@pytest.fixture
def own_redis(own_redis_binary, postgresql, tmp_path):
    server = RedisServer(directory=tmp_path / "redis")
    server.directory.mkdir()
    server.start()
    yield server
    server.stop()
    print(server.log()[-3000:])


def test_no_completion_loses_its_credit_or_certificate_when_redis_restarts(
    make_stack, own_redis, catalogue, institutions
):
    course_page = course(catalogue, credits=Decimal("1.5"))
    [lesson_id] = lesson_ids(course_page)
    learners = [UserFactory(institution=institutions["hospital_a"]) for _ in range(LEARNERS)]
    enrollments = [ready_to_complete(learner, course_page) for learner in learners]
    clients = [browser(session_key=session_key(learner)) for learner in learners]
    stack = make_stack(broker_url=own_redis.url())
    worker, server = stack.worker(), stack.server()
    stack.ready()

    answers: list = []
    lock = threading.Lock()

    def submit(client) -> None:
        start = time.monotonic()
        try:
            answer = heartbeat(client, server, lesson_id=lesson_id, timeout=60)
        except Exception as error:  # reported by the assertion below
            answer = error
        with lock:
            answers.append((start, time.monotonic(), answer))

    def wave(clients: list) -> list[threading.Thread]:
        threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        return threads

    def join(threads: list[threading.Thread]) -> None:
        for thread in threads:
            thread.join(timeout=90)

    third = LEARNERS // 3
    join(wave(clients[:third]))  # the broker up
    own_redis.stop()
    down_at = time.monotonic()
    join(wave(clients[third : 2 * third]))  # no broker at all
    late = wave(clients[2 * third :])
    own_redis.start()  # while the last ones are on their way
    up_at = time.monotonic()
    join(late)

    assert sum(down_at < start and end < up_at for start, end, _ in answers) >= third
    answers = [answer for _, _, answer in answers]
    statuses = [getattr(a, "status_code", a) for a in answers]
    assert statuses == [200] * LEARNERS, statuses
    assert all(a.json()["course_complete"] for a in answers)
    assert CourseCompletion.objects.filter(enrollment__in=enrollments).count() == LEARNERS
    # The web process met the outage, and logged it rather than failing the request.
    assert "Connection refused" in server.log()

    # Once the worker has done all it was given, something is missing: the outage lost
    # it, and only the sweep brings it back.
    queue = redis.Redis.from_url(own_redis.url())
    wait_for(
        lambda: queue.llen(stack.queue) == 0 and worker.idle(),
        seconds=60,
        what="the worker did not finish the tasks it was given",
    )
    assert _repaired(enrollments) < LEARNERS

    # The sweep, queued as beat queues it; the worker reconnected to the new Redis.
    subprocess.run(  # our own interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config.celery_app",
            "call",
            "certificates.tasks.completion_sweep_task",
            "--kwargs",
            '{"older_than_seconds": 0}',
        ],
        cwd=BASE_DIR,
        env=stack.env(),
        check=True,
        capture_output=True,
    )

    wait_for(
        lambda: _repaired(enrollments) == LEARNERS,
        seconds=60,
        what="the sweep did not repair every completion",
    )
    for enrollment in enrollments:
        completion = CourseCompletion.objects.get(enrollment=enrollment)
        assert (
            CreditEntry.objects.filter(
                source=CreditSource.COURSE_COMPLETION, source_ref=f"completion:{completion.pk}"
            ).count()
            == 1
        )
        assert Certificate.objects.filter(enrollment=enrollment).count() == 1
    assert worker.task_ids("certificates.tasks.completion_sweep_task", "succeeded")


def _repaired(enrollments) -> int:
    """How many of the enrolments have their credit and a certificate with its PDF."""
    repaired = 0
    for enrollment in enrollments:
        completion = CourseCompletion.objects.filter(enrollment=enrollment).first()
        repaired += bool(
            completion
            and CreditEntry.objects.filter(
                source=CreditSource.COURSE_COMPLETION, source_ref=f"completion:{completion.pk}"
            ).exists()
            and Certificate.objects.filter(enrollment=enrollment).exclude(pdf="").exists()
        )
    return repaired
