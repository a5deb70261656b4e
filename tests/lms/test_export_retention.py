"""HR export retention: files of jobs finished longer than SNOWLAND_EXPORT_RETENTION_DAYS
ago are removed through the storage API and their jobs marked expired (rows kept);
queued and running jobs are never touched; the pages say "expired" instead of offering
a dead link, and an old download link answers 410 Gone."""

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.services import hr_scope_grant
from config.celery_app import app as celery_app
from lms.models import ExportJob, ExportKind, ExportStatus
from lms.services.exports import export_jobs_purge, export_request, export_run
from lms.storage import private_media_storage
from lms.tasks import export_jobs_purge_task
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()
EXPORTS_URL = reverse("lms:hr_exports")
EXPIRED_TEXT = "Expired — request it again"


@pytest.fixture
def officer(institutions):
    user = UserFactory(role=Role.HR_OFFICER, institution=institutions["hospital_a"])
    hr_scope_grant(user=user, institution=institutions["hospital_a"])
    return user


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def job(user, *, status=ExportStatus.DONE, age_days: float, **fields) -> ExportJob:
    """A job requested and (if finished) finished `age_days` before NOW; a done job
    has its file in private storage."""
    made = ExportJob.objects.create(
        requested_by=user, kind=fields.pop("kind", ExportKind.STAFF_CSV), status=status, **fields
    )
    when = NOW - datetime.timedelta(days=age_days)
    update = {"created_at": when}
    if status in (ExportStatus.DONE, ExportStatus.FAILED):
        update["finished_at"] = when
    if status == ExportStatus.RUNNING:
        update["started_at"] = when
    if status == ExportStatus.DONE:
        update["file"] = private_media_storage.save(
            f"exports/{when.year}/{made.token.hex}.csv", ContentFile(b"\xef\xbb\xbfa,b\n")
        )
        update["file_name"] = "cme-staff.csv"
    if status == ExportStatus.FAILED:
        update["error"] = "The export could not be prepared."
    ExportJob.objects.filter(pk=made.pk).update(**update)
    made.refresh_from_db()
    return made


def stored(job: ExportJob) -> bool:
    return private_media_storage.exists(job.file.name)


def test_old_files_go_recent_and_unfinished_jobs_stay(officer):
    old = job(officer, age_days=8)
    old_failed = job(officer, status=ExportStatus.FAILED, age_days=30)
    recent = job(officer, age_days=6)
    running = job(officer, status=ExportStatus.RUNNING, age_days=30)  # even a stale one
    queued = job(officer, status=ExportStatus.QUEUED, age_days=30)
    old_name = old.file.name

    assert export_jobs_purge(now=NOW) == 2

    assert not private_media_storage.exists(old_name)
    assert stored(recent)
    old.refresh_from_db()
    assert (old.status, old.file.name, old.expired_at) == (ExportStatus.EXPIRED, "", NOW)
    assert old.file_name == "cme-staff.csv"  # the record of what it was stays
    old_failed.refresh_from_db()
    assert old_failed.status == ExportStatus.EXPIRED
    assert old_failed.error == "The export could not be prepared."
    for kept, status in ((recent, ExportStatus.DONE), (running, ExportStatus.RUNNING),
                         (queued, ExportStatus.QUEUED)):  # fmt: skip
        kept.refresh_from_db()
        assert (kept.status, kept.expired_at) == (status, None)
    assert ExportJob.objects.count() == 5  # no row is deleted


def test_purging_twice_changes_nothing_more(officer):
    old = job(officer, age_days=10)
    assert export_jobs_purge(now=NOW) == 1
    assert export_jobs_purge(now=NOW) == 0
    assert export_jobs_purge(now=NOW + datetime.timedelta(days=30)) == 0
    old.refresh_from_db()
    assert old.expired_at == NOW
    assert export_run(job_id=old.pk).status == ExportStatus.EXPIRED  # never rebuilt


def test_a_file_already_gone_is_no_error(officer):
    gone = job(officer, age_days=10)
    private_media_storage.delete(gone.file.name)
    assert export_jobs_purge(now=NOW) == 1
    gone.refresh_from_db()
    assert gone.status == ExportStatus.EXPIRED


def test_the_retention_is_a_setting(settings, officer):
    settings.SNOWLAND_EXPORT_RETENTION_DAYS = 30
    old = job(officer, age_days=10)
    assert export_jobs_purge(now=NOW) == 0
    assert stored(old)
    settings.SNOWLAND_EXPORT_RETENTION_DAYS = 7
    assert export_jobs_purge(now=NOW) == 1


def test_the_default_retention_is_a_week():
    assert settings.SNOWLAND_EXPORT_RETENTION_DAYS == 7


def test_a_storage_failure_leaves_the_job_for_the_next_run(monkeypatch, officer):
    """Files go through the storage (S3 in production), never the file system directly;
    one that cannot be removed keeps its job, and link, until a later run succeeds."""
    first, second = job(officer, age_days=9), job(officer, age_days=8)
    real_delete = private_media_storage.delete
    calls = []

    def flaky_delete(name):
        calls.append(name)
        if name == first.file.name:
            raise ConnectionError("S3 unreachable")
        real_delete(name)

    monkeypatch.setattr(private_media_storage, "delete", flaky_delete)
    assert export_jobs_purge(now=NOW) == 1
    assert calls == [first.file.name, second.file.name]
    first.refresh_from_db()
    assert first.status == ExportStatus.DONE
    assert stored(first)
    monkeypatch.setattr(private_media_storage, "delete", real_delete)
    assert export_jobs_purge(now=NOW) == 1
    first.refresh_from_db()
    assert first.status == ExportStatus.EXPIRED


# -- The task, its schedule and the command ---------------------------------------------------


def test_the_task_purges_and_is_scheduled_nightly(officer):
    job(officer, age_days=8)
    assert export_jobs_purge_task() == 1
    scheduled = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == export_jobs_purge_task.name
    ]
    assert len(scheduled) == 1
    schedule = scheduled[0]["schedule"]  # once a day, every day
    assert (len(schedule.hour), len(schedule.minute), len(schedule.day_of_week)) == (1, 1, 7)
    assert export_jobs_purge_task.name in celery_app.tasks


def test_the_command_counts_then_purges(officer):
    old = job(officer, age_days=8)
    out = StringIO()
    call_command("purge_exports", "--dry-run", stdout=out)
    assert "1 export job(s) finished more than 7 days ago would expire." in out.getvalue()
    old.refresh_from_db()
    assert old.status == ExportStatus.DONE
    out = StringIO()
    call_command("purge_exports", stdout=out)
    assert "Expired 1 export job(s)" in out.getvalue()
    old.refresh_from_db()
    assert old.status == ExportStatus.EXPIRED
    call_command("purge_exports", stdout=out)  # again: nothing, no error


# -- The pages --------------------------------------------------------------------------------


def test_an_expired_export_says_so_instead_of_a_dead_link(
    client, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        built = export_request(user=officer, kind=ExportKind.STAFF_CSV, params={})
    built = export_run(job_id=built.pk)
    assert built.status == ExportStatus.DONE
    status_url = reverse("lms:hr_export_status", args=[built.token])
    download = reverse("lms:hr_export_download", args=[built.token])
    client.force_login(officer)
    assert "removed 7 days after it is ready" in client.get(status_url).content.decode()
    assert client.get(download).status_code == 200

    assert export_jobs_purge(now=timezone.now() + datetime.timedelta(days=8)) == 1

    page = client.get(status_url).content.decode()
    assert EXPIRED_TEXT in page
    assert download not in page
    assert 'http-equiv="refresh"' not in page
    assert reverse("lms:hr_staff") in page  # where to ask again
    listing = client.get(EXPORTS_URL).content.decode()
    assert EXPIRED_TEXT in listing
    assert download not in listing
    gone = client.get(download)
    assert gone.status_code == 410
    assert EXPIRED_TEXT in gone.content.decode()


def test_an_expired_person_file_points_to_the_person(client, officer, institutions):
    person = UserFactory(institution=institutions["hospital_a"])
    expired = job(
        officer, age_days=8, kind=ExportKind.PERSON_FILE_CSV, params={"person": person.pk}
    )
    export_jobs_purge(now=NOW)
    client.force_login(officer)
    page = client.get(reverse("lms:hr_export_status", args=[expired.token])).content.decode()
    assert reverse("lms:hr_staff_detail", args=[person.pk]) in page


def test_only_the_requester_learns_an_export_expired(client, officer, institutions):
    expired = job(officer, age_days=8)
    export_jobs_purge(now=NOW)
    other = UserFactory(role=Role.HR_OFFICER, institution=institutions["hospital_a"])
    hr_scope_grant(user=other, institution=institutions["hospital_a"])
    client.force_login(other)
    assert client.get(reverse("lms:hr_export_download", args=[expired.token])).status_code == 404
