"""50 completing requests for one enrolment at once, through a real multi-process,
multi-threaded web server on PostgreSQL: one completion, one ledger entry, one
certificate (one serial number taken, one PDF).

The course has ten lessons whose study time is already done; five heartbeats per
lesson arrive together. Each lesson's beats race on its progress row, and every beat
that marks a lesson complete races the others into `enrollment_complete`. Beats that
arrive after the course is complete are refused (404: no active enrolment).
"""

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from certificates.models import Certificate, SerialCounter
from lms.models import CourseCompletion, CreditEntry, EnrollmentEvent, LessonProgress
from tests.integration.builders import course, lesson_ids, ready_to_complete, session_key
from tests.integration.harness import RENDER_TASK, browser, heartbeat, wait_for

pytestmark = pytest.mark.integration

REQUESTS = 50
LESSONS = 10


def test_fifty_parallel_completions_make_one_completion_credit_and_certificate(
    stack, catalogue, learner
):
    enrollment = ready_to_complete(learner, course(catalogue, lessons=LESSONS))
    lessons = lesson_ids(enrollment.course)
    key = session_key(learner)
    worker = stack.worker()
    server = stack.server(workers=3, threads=8)
    stack.ready()

    barrier = threading.Barrier(REQUESTS)
    answers: list = []

    def beat(lesson_id: int) -> None:
        client = browser(session_key=key)
        barrier.wait(timeout=30)
        try:
            answers.append(heartbeat(client, server, lesson_id=lesson_id, timeout=60))
        except Exception as error:  # reported by the assertion below
            answers.append(error)

    threads = [threading.Thread(target=beat, args=(lessons[i % LESSONS],)) for i in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    statuses = [getattr(a, "status_code", a) for a in answers]
    assert len(statuses) == REQUESTS
    # A beat that arrives once the course is complete finds no active enrolment: 404.
    assert set(statuses) <= {200, 404}, statuses
    assert any(a.status_code == 200 and a.json()["course_complete"] for a in answers)
    assert not LessonProgress.objects.filter(enrollment=enrollment, completed_at=None).exists()
    completion = CourseCompletion.objects.get(enrollment=enrollment)
    assert (
        EnrollmentEvent.objects.filter(
            enrollment=enrollment, kind=EnrollmentEvent.Kind.COMPLETED
        ).count()
        == 1
    )
    [entry] = CreditEntry.objects.filter(learner=learner)
    assert entry.source_ref == f"completion:{completion.pk}"
    [certificate] = Certificate.objects.all()
    assert certificate.enrollment_id == enrollment.pk
    assert SerialCounter.objects.get(year=timezone.localdate().year).last == 1
    # Nothing failed on the way, not even in an after-commit step (logged, not raised).
    assert "Traceback" not in server.log()

    rendered = wait_for(
        lambda: Certificate.objects.filter(pk=certificate.pk).exclude(pdf="").first(),
        seconds=45,
        what="the worker did not render the certificate",
    )
    assert len(worker.task_ids(RENDER_TASK, "succeeded")) == 1
    root = Path(settings.SNOWLAND_PRIVATE_MEDIA_ROOT)
    assert [p.relative_to(root) for p in root.rglob("*.pdf")] == [Path(rendered.pdf.name)]
