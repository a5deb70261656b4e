"""The completion sweep: what a completion's lost after-commit steps left out (its
credit, its certificate, its PDF's rendering) is repaired, once, by the periodic task."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from kombu.exceptions import OperationalError

from certificates.models import Certificate
from certificates.services import certificate_issue, completions_sweep
from certificates.tasks import completion_sweep_task
from config.celery_app import app as celery_app
from lms.models import CreditEntry, CreditSource
from tests.certificates.factories import completion, course, issued

pytestmark = pytest.mark.django_db


def _broker_down(monkeypatch) -> None:
    def refuse(certificate_id):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("certificates.tasks.render_certificate.delay", refuse)


def _aged(certificate: Certificate, *, minutes: int) -> None:
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_a_completion_whose_listeners_were_lost_gets_credit_certificate_and_rendering(
    catalogue, learner, rendered, django_capture_on_commit_callbacks
):
    done = completion(learner, course(catalogue, credits=Decimal("1.5")))  # no announcement
    assert not CreditEntry.objects.exists()
    assert not Certificate.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        result = completions_sweep()

    assert (result.credits_awarded, result.certificates_issued) == (1, 1)
    [entry] = CreditEntry.objects.all()
    assert (entry.source, entry.source_ref) == (
        CreditSource.COURSE_COMPLETION,
        f"completion:{done.pk}",
    )
    assert entry.credits == Decimal("1.5")
    certificate = Certificate.objects.get(enrollment=done.enrollment)
    # The new certificate's own after-commit step queued it; the sweep did not again.
    assert rendered == [certificate.pk]
    assert result.renders_queued == 0


def test_a_second_sweep_changes_nothing(catalogue, learner, rendered):
    completion(learner, course(catalogue))
    completions_sweep()
    rendered.clear()

    again = completions_sweep()

    assert (again.credits_awarded, again.certificates_issued, again.renders_queued) == (0, 0, 0)
    assert CreditEntry.objects.count() == 1
    assert Certificate.objects.count() == 1
    assert rendered == []


def test_renderings_missing_for_longer_than_the_grace_are_queued_again(
    catalogue, learner, rendered
):
    stale = issued(learner, catalogue)
    fresh = issued(learner, catalogue)
    done = issued(learner, catalogue)
    _aged(stale, minutes=10)
    _aged(done, minutes=10)
    Certificate.objects.filter(pk=done.pk).update(pdf="certificates/2025/done.pdf")
    rendered.clear()

    result = completions_sweep(older_than=timedelta(minutes=2))

    # A fresh certificate's rendering is probably still in the queue; a rendered one is done.
    assert rendered == [stale.pk]
    assert result.renders_queued == 1
    assert fresh.pk not in rendered


def test_the_batch_limit_takes_the_oldest_first(catalogue, learner, rendered):
    first, second = issued(learner, catalogue), issued(learner, catalogue)
    _aged(first, minutes=30)
    _aged(second, minutes=20)
    rendered.clear()

    assert completions_sweep(limit=1).renders_queued == 1
    assert rendered == [first.pk]


def test_a_broker_outage_does_not_undo_issuing_and_the_sweep_queues_it_later(
    catalogue, learner, rendered, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    done = completion(learner, course(catalogue))
    with monkeypatch.context() as patched:
        _broker_down(patched)
        with django_capture_on_commit_callbacks(execute=True):
            certificate = certificate_issue(completion_id=done.pk)  # does not raise
        assert "Could not queue the rendering of certificate" in caplog.text
        assert completions_sweep(older_than=timedelta(0)).renders_queued == 0  # still down
    assert Certificate.objects.get(pk=certificate.pk).pdf == ""
    assert rendered == []

    assert completions_sweep(older_than=timedelta(0)).renders_queued == 1  # the broker is back
    assert rendered == [certificate.pk]


def test_the_task_runs_the_sweep_and_returns_its_counts(
    catalogue, learner, rendered, django_capture_on_commit_callbacks
):
    completion(learner, course(catalogue))
    certificate = issued(learner, catalogue)
    _aged(certificate, minutes=3)

    with django_capture_on_commit_callbacks(execute=True):
        counts = completion_sweep_task(older_than_seconds=60)

    # Both completions were recorded without their listeners: neither has its credit.
    assert counts == {"credits_awarded": 2, "certificates_issued": 1, "renders_queued": 1}
    new = Certificate.objects.exclude(pk=certificate.pk).get()
    assert sorted(rendered) == sorted([certificate.pk, new.pk])


def test_the_sweep_runs_every_five_minutes_and_a_late_one_is_dropped():
    entry = settings.CELERY_BEAT_SCHEDULE["completion-sweep"]
    assert entry["task"] == completion_sweep_task.name
    assert entry["task"] in celery_app.tasks
    schedule = entry["schedule"]
    assert schedule.minute == set(range(0, 60, 5))
    assert entry["options"]["expires"] < 5 * 60


def test_a_stored_pdf_is_never_queued_again(catalogue, learner, rendered):
    certificate = issued(learner, catalogue)
    certificate.pdf.save("stored.pdf", ContentFile(b"%PDF-1.7"), save=True)
    _aged(certificate, minutes=60)
    rendered.clear()
    assert completions_sweep(older_than=timedelta(0)).renders_queued == 0
    assert rendered == []


def test_a_failing_credit_step_does_not_stop_the_certificates(
    catalogue, learner, rendered, monkeypatch, caplog
):
    def broken():
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("certificates.services.credit_reconcile_completions", broken)
    completion(learner, course(catalogue))

    result = completions_sweep()

    assert (result.credits_awarded, result.certificates_issued) == (0, 1)
    assert "awarding the missing credits failed" in caplog.text
