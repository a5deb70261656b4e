"""End to end through real processes: a heartbeat to the web server (gunicorn) completes
the course on PostgreSQL, the rendering goes through Redis, and a Celery worker renders
the certificate's PDF.

In-process (eager) tasks hide what only a real worker shows: the task must find the
committed rows, serialise its arguments as JSON and write where the web process can
read. `make test` runs this on PostgreSQL with Redis; it skips, saying why, when
either service is absent.
"""

from decimal import Decimal

import pytest
from django.conf import settings

from certificates.models import Certificate
from lms.models import CourseCompletion, CreditEntry, CreditSource
from tests.integration.builders import course, lesson_ids, ready_to_complete, session_key
from tests.integration.harness import RENDER_TASK, browser, heartbeat, wait_for

pytestmark = pytest.mark.integration


def test_a_course_completed_over_http_is_certified_by_the_worker(stack, catalogue, learner):
    enrollment = ready_to_complete(learner, course(catalogue, credits=Decimal("2")))
    [lesson_id] = lesson_ids(enrollment.course)
    worker, server = stack.worker(), stack.server()
    stack.ready()

    answer = heartbeat(browser(session_key=session_key(learner)), server, lesson_id=lesson_id)

    assert answer.status_code == 200, answer.text
    assert answer.json()["course_complete"] is True
    completion = CourseCompletion.objects.get(enrollment=enrollment)
    # The web process awarded the credit and issued the certificate after commit...
    award = CreditEntry.objects.get(learner=learner, source=CreditSource.COURSE_COMPLETION)
    assert (award.source_ref, award.credits) == (f"completion:{completion.pk}", Decimal("2"))
    certificate = Certificate.objects.get(enrollment=enrollment)
    # ...and the worker rendered it.
    done = wait_for(
        lambda: Certificate.objects.filter(pk=certificate.pk).exclude(pdf_sha256="").first(),
        seconds=45,
        what="the worker did not render the certificate",
    )
    pdf = settings.SNOWLAND_PRIVATE_MEDIA_ROOT / done.pdf.name
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert done.serial_number == certificate.serial_number  # the record is unchanged
    # It was the worker, not the web process, that rendered it.
    assert len(worker.task_ids(RENDER_TASK, "succeeded")) == 1
    assert "Traceback" not in server.log()
