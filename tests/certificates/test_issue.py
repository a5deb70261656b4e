"""Issuing: serials, snapshots, templates, idempotency, the signal, the reconcile command,
and (on PostgreSQL) races."""

import re
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.choices import TitleLevel
from certificates.errors import CertificateNotIssued
from certificates.models import (
    Certificate,
    CertificateStatus,
    CertificateTemplate,
    SerialCounter,
)
from certificates.services import certificate_issue
from certificates.signing import certificate_verify
from courses.choices import CreditClass, SubjectType
from lms.signals import course_completed
from tests.accounts.factories import UserFactory
from tests.certificates.factories import (
    CertificateTemplateFactory,
    completion,
    course,
    issued,
)
from tests.concurrency import require_postgresql, run_at_once

pytestmark = pytest.mark.django_db

SERIAL = re.compile(r"LSCME-(\d{4})-(\d{6})")


def test_serial_format_and_consecutive_sequence(catalogue, learner):
    first, second, third = (issued(learner, catalogue) for _ in range(3))
    year = timezone.localdate().year
    assert first.serial_number == f"LSCME-{year}-000001"
    assert [c.serial_sequence for c in (first, second, third)] == [1, 2, 3]
    assert all(SERIAL.fullmatch(c.serial_number) for c in (first, second, third))
    assert SerialCounter.objects.get(year=year).last == 3


def test_the_prefix_comes_from_the_settings(settings, catalogue, learner):
    settings.SNOWLAND_CERTIFICATE_PREFIX = "XZCME"
    assert issued(learner, catalogue).serial_number.startswith("XZCME-")


def test_the_sequence_starts_again_each_year(catalogue, learner):
    year = timezone.localdate().year
    SerialCounter.objects.create(year=year - 1, last=41)
    assert issued(learner, catalogue).serial_sequence == 1
    assert SerialCounter.objects.get(year=year - 1).last == 41


def test_values_are_copied_at_issue_time(catalogue, institutions):
    learner = UserFactory(
        real_name="张三明",
        institution=institutions["hospital_a"],
        title_level=TitleLevel.INTERMEDIATE,
    )
    made = course(
        catalogue,
        title="高原肺水肿的急救",
        credit_class=CreditClass.CLASS_1_PROVINCIAL,
        cme_project_number="ZJ-2026-0012",
        credits=Decimal("3.5"),
        study_hours=Decimal("10"),
        subject_type=SubjectType.PUBLIC_COMPULSORY,
    )
    certificate = issued(learner, made, score=Decimal("88"))
    certificate.refresh_from_db()
    assert certificate.learner_name == "张三明"
    assert certificate.learner_institution == "林周县人民医院"
    assert certificate.learner_title == "中级"
    assert certificate.course_title == "高原肺水肿的急救"
    assert certificate.cme_project_number == "ZJ-2026-0012"
    assert certificate.credit_class == CreditClass.CLASS_1_PROVINCIAL
    assert certificate.credits == Decimal("3.50")
    assert certificate.study_hours == Decimal("10.00")
    assert certificate.subject_type == SubjectType.PUBLIC_COMPULSORY
    assert certificate.organiser == "西藏自治区人民医院"
    assert certificate.score == Decimal("88.00")
    assert certificate.completed_on == timezone.localdate()
    assert certificate.status == CertificateStatus.VALID
    assert len(certificate.verification_code) == 43  # 256 random bits
    assert certificate_verify(certificate)
    # Later edits of the learner and the course change nothing on the certificate.
    learner.real_name = "张三"
    learner.save()
    made.title = "新标题"
    made.save_revision().publish()
    certificate.refresh_from_db()
    assert (certificate.learner_name, certificate.course_title) == ("张三明", "高原肺水肿的急救")
    assert certificate_verify(certificate)


def test_the_snapshot_is_chinese_whatever_the_request_language(catalogue, learner):
    from django.utils import translation

    with translation.override("en"):
        certificate = issued(learner, catalogue)
    assert certificate.learner_title == "中级"


def test_template_the_course_names_else_the_default_else_none(catalogue, learner):
    # The site's default template comes with the migrations; this test builds its own.
    CertificateTemplate.objects.all().delete()
    plain = issued(learner, catalogue)
    assert plain.template is None
    assert plain.issuer == "雪域继教平台"
    default = CertificateTemplateFactory(is_default=True, issuer_name="拉萨市卫生健康委员会")
    special_course = course(catalogue)
    special = CertificateTemplateFactory(issuer_name="西藏自治区医学会")
    special.courses.add(special_course)
    special.save()
    assert issued(learner, catalogue).template == default
    named = issued(learner, special_course)
    assert named.template == special
    assert named.issuer == "西藏自治区医学会"


def test_issuing_is_idempotent(catalogue, learner, django_capture_on_commit_callbacks, rendered):
    done = completion(learner, course(catalogue))
    with django_capture_on_commit_callbacks(execute=True):
        first = certificate_issue(completion_id=done.pk)
    with django_capture_on_commit_callbacks(execute=True) as again:
        second = certificate_issue(completion_id=done.pk)
    assert first.pk == second.pk
    assert Certificate.objects.count() == 1
    assert SerialCounter.objects.get().last == 1
    assert rendered == [first.pk]  # rendered once, after the issuing commit
    assert again == []


def test_issue_and_render_are_logged_for_the_admin_history(catalogue, learner):
    certificate = issued(learner, catalogue)
    [entry] = ModelLogEntry.objects.filter(object_id=str(certificate.pk))
    assert entry.action == "certificates.issue"


def test_no_certificate_without_a_completion(db):
    with pytest.raises(CertificateNotIssued) as raised:
        certificate_issue(completion_id=987654)
    assert raised.value.messages == [str(CertificateNotIssued.NO_COMPLETION)]
    assert not Certificate.objects.exists()


def test_a_completion_announcement_issues_the_certificate(catalogue, learner):
    done = completion(learner, course(catalogue))
    course_completed.send(
        sender=type(done),
        completion_id=done.pk,
        enrollment_id=done.enrollment_id,
        learner_id=learner.pk,
        course_id=done.enrollment.course_id,
    )
    assert Certificate.objects.get().enrollment_id == done.enrollment_id


def test_a_failing_issue_is_logged_and_does_not_break_the_announcement(
    catalogue, learner, monkeypatch, caplog
):
    done = completion(learner, course(catalogue))

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("certificates.receivers.certificate_issue", broken)
    course_completed.send(
        sender=type(done),
        completion_id=done.pk,
        enrollment_id=done.enrollment_id,
        learner_id=learner.pk,
        course_id=done.enrollment.course_id,
    )
    assert "Issuing the certificate of completion" in caplog.text
    assert not Certificate.objects.exists()


def test_the_learning_path_issues_a_certificate_after_commit(
    catalogue, learner, django_capture_on_commit_callbacks
):
    from lms.models import Enrollment, LessonProgress
    from lms.services import enrollment_complete

    made = course(catalogue)
    enrollment = Enrollment.objects.create(learner=learner, course=made)
    for lesson in made.get_children().specific():
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=lesson, completed_at=timezone.now()
        )
    with django_capture_on_commit_callbacks(execute=True):
        done = enrollment_complete(enrollment_id=enrollment.pk)
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.completed_on == timezone.localtime(done.completed_at).date()


def test_reconcile_command_issues_missing_certificates(catalogue, learner, rendered):
    made = course(catalogue)
    done = [completion(UserFactory(), made) for _ in range(3)]
    certificate_issue(completion_id=done[0].pk)
    out = StringIO()
    call_command("issue_missing_certificates", "--dry-run", stdout=out)
    assert "2 completion(s) without a certificate" in out.getvalue()
    out = StringIO()
    call_command("issue_missing_certificates", stdout=out)
    assert "2 certificate(s) issued" in out.getvalue()
    assert Certificate.objects.count() == 3
    call_command("issue_missing_certificates", stdout=StringIO())
    assert Certificate.objects.count() == 3


def test_reconcile_command_queues_unrendered_certificates(
    catalogue, learner, rendered, django_capture_on_commit_callbacks
):
    certificate = issued(learner, catalogue)
    rendered.clear()
    out = StringIO()
    call_command("issue_missing_certificates", "--render", stdout=out)
    assert rendered == [certificate.pk]
    assert "1 certificate(s) queued" in out.getvalue()


# -- Races, on PostgreSQL ------------------------------------------------------------------


@pytest.fixture
def pg_catalogue(migration_data, transactional_db):
    require_postgresql()
    from cms.services import site_setup
    from courses.models import CourseIndexPage

    home = site_setup(hostname="testserver")
    return CourseIndexPage.objects.child_of(home).get()


def test_racing_issues_of_one_completion_return_the_one_certificate(
    pg_catalogue, institutions, rendered
):
    learner = UserFactory(institution=institutions["hospital_a"])
    done = completion(learner, course(pg_catalogue))
    results, errors = run_at_once(lambda: certificate_issue(completion_id=done.pk).pk, threads=6)
    assert errors == []
    assert len(set(results)) == 1
    assert Certificate.objects.count() == 1
    assert SerialCounter.objects.get().last == 1


def test_concurrent_completions_get_distinct_consecutive_serials(
    pg_catalogue, institutions, rendered
):
    made = course(pg_catalogue)
    learners = [UserFactory(institution=institutions["hospital_a"]) for _ in range(8)]
    pending = iter([completion(learner, made).pk for learner in learners])
    lock = threading.Lock()

    def issue_next():
        with lock:
            completion_id = next(pending)
        return certificate_issue(completion_id=completion_id)

    results, errors = run_at_once(issue_next, threads=8)
    assert errors == []
    assert sorted(c.serial_sequence for c in results) == list(range(1, 9))
    assert len({c.serial_number for c in results}) == 8
    assert len({c.verification_code for c in results}) == 8
    assert Certificate.objects.count() == 8
    assert SerialCounter.objects.get().last == 8
