"""End to end through a real Celery worker: a completion on PostgreSQL, the task
through Redis, the certificate PDF rendered by another process.

In-process (eager) tasks hide what only a real worker shows: the task must find the
committed rows, serialise its arguments as JSON and write where the web process can
read. `make test` runs this on PostgreSQL with Redis; it skips, saying why, when
either service is absent.
"""

import os
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from certificates.models import Certificate
from config.celery_app import app as celery_app
from lms.models import CreditEntry, LessonProgress
from lms.services import enrollment_complete
from tests.lms.builders import course_with_lessons, enrolled

pytestmark = pytest.mark.integration

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
BROKER = f"redis://{REDIS_HOST}:{REDIS_PORT}/14"  # a database of its own, emptied below


def _redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def worker(transactional_db, migration_data, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("A real worker needs a shared database: PostgreSQL (make test runs it).")
    if not _redis_answers():
        pytest.skip(f"A real worker needs Redis on {REDIS_HOST}:{REDIS_PORT}; it does not answer.")
    db = connection.settings_dict
    private = tmp_path / "private"
    settings.SNOWLAND_PRIVATE_MEDIA_ROOT = private
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": "",
        "SNOWLAND_PRIVATE_MEDIA_ROOT": str(private),
    }
    subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", f"import redis; redis.Redis.from_url('{BROKER}').flushdb()"],
        check=True,
    )
    process = subprocess.Popen(
        [
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
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.update(task_always_eager=False, broker_url=BROKER, result_backend=None)
    # Earlier tests may have opened the connection pools for the default broker:
    # drop them (as Celery does after a fork) so that messages go to this Redis.
    celery_app._after_fork()
    running = Worker(process=process, private_root=private)
    try:
        yield running
    finally:
        celery_app.conf.update(task_always_eager=True)
        celery_app._after_fork()
        print(running.stop()[-4000:])  # shown when the test fails


class Worker:
    def __init__(self, *, process: subprocess.Popen, private_root: Path):
        self.process, self.private_root, self._output = process, private_root, None

    def stop(self) -> str:
        """Stop the worker (once) and return everything it logged."""
        if self._output is None:
            self.process.terminate()
            try:
                self._output, _ = self.process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self._output, _ = self.process.communicate()
        return self._output


def _wait_for(condition, *, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    return None


def test_a_completion_is_certified_by_the_worker(worker, catalogue, learner):
    course, lessons = course_with_lessons(catalogue, lessons=1, credits=Decimal("2"))
    enrollment = enrolled(learner, course)
    for lesson in lessons:
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=lesson, completed_at=timezone.now(), study_seconds=60
        )
    # Autocommit: the completion commits, its announcement awards the credit and
    # issues the certificate, whose rendering goes to the worker through Redis.
    enrollment_complete(enrollment_id=enrollment.pk)
    assert CreditEntry.objects.filter(learner=learner, credits=Decimal("2")).exists()
    certificate = Certificate.objects.get(enrollment=enrollment)

    def rendered():
        return Certificate.objects.filter(pk=certificate.pk).exclude(pdf_sha256="").first()

    done = _wait_for(rendered, seconds=120)
    assert done is not None, "the worker did not render the certificate in 120 s"
    pdf = worker.private_root / done.pdf.name
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert done.serial_number == certificate.serial_number  # the record is unchanged
    # It was the worker, not this process, that rendered it.
    log = worker.stop()
    assert "certificates.tasks.render_certificate" in log
    assert "succeeded" in log
