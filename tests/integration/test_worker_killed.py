"""`kill -9` of the Celery worker in the middle of a certificate's rendering: the task is
acknowledged only when it ends (`acks_late`), so the broker still holds it; a worker
started afterwards runs it again and the certificate ends with exactly one PDF.

Kombu's Redis transport gives an unacknowledged task back once it is older than the
visibility timeout (an hour by default; a few seconds for these workers). The
completion sweep would also queue the rendering again after a few minutes.
"""

from pathlib import Path

import pytest
from django.conf import settings

from certificates.models import Certificate
from tests.integration.builders import course, lesson_ids, ready_to_complete, session_key
from tests.integration.harness import RENDER_TASK, browser, heartbeat, wait_for

pytestmark = pytest.mark.integration

VISIBILITY_TIMEOUT = 3  # seconds


def test_a_rendering_killed_midway_runs_again_and_leaves_one_certificate(
    stack, catalogue, learner, tmp_path
):
    enrollment = ready_to_complete(learner, course(catalogue))
    [lesson_id] = lesson_ids(enrollment.course)
    started = tmp_path / "rendering-started"
    doomed = stack.worker(
        include=("tests.integration.slow_render",),
        SNOWLAND_TEST_RENDER_STARTED=started,
        SNOWLAND_TEST_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT,
    )
    server = stack.server()
    stack.ready()

    answer = heartbeat(browser(session_key=session_key(learner)), server, lesson_id=lesson_id)
    assert answer.status_code == 200, answer.text
    certificate = Certificate.objects.get(enrollment=enrollment)

    wait_for(started.exists, seconds=30, what="the worker did not start the rendering")
    [task_id] = doomed.task_ids(RENDER_TASK, "received")
    doomed.kill()  # SIGKILL to the worker's process group, mid-rendering
    assert not doomed.alive()
    assert Certificate.objects.get(pk=certificate.pk).pdf == ""

    successor = stack.worker(SNOWLAND_TEST_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT)
    stack.ready()
    rendered = wait_for(
        lambda: Certificate.objects.filter(pk=certificate.pk).exclude(pdf="").first(),
        seconds=45,
        what="the killed rendering was not run again",
    )

    # The same task (not a new one) ran again, in the new worker, once.
    assert successor.task_ids(RENDER_TASK, "succeeded") == [task_id]
    assert Certificate.objects.filter(enrollment=enrollment).count() == 1
    assert Certificate.objects.count() == 1
    pdfs = list(Path(settings.SNOWLAND_PRIVATE_MEDIA_ROOT).rglob("*.pdf"))
    assert [p.relative_to(settings.SNOWLAND_PRIVATE_MEDIA_ROOT) for p in pdfs] == [
        Path(rendered.pdf.name)
    ]
    assert pdfs[0].read_bytes().startswith(b"%PDF-")
    assert rendered.serial_number == certificate.serial_number
