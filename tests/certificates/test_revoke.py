"""Revocation: who may, once only, with a reason; credits reversed; audited; the admin."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from wagtail.models import ModelLogEntry

from accounts.roles import Role
from certificates.errors import CertificateRevocationRejected
from certificates.models import CertificateStatus
from certificates.services import certificate_issue, certificate_revoke
from lms.models import CreditEntry
from lms.services import credit_award_for_completion, credit_reverse
from tests.accounts.factories import UserFactory
from tests.certificates.factories import completion, course, issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def awarded(catalogue, learner):
    """A completion with its credits in the ledger and its certificate."""
    done = completion(learner, course(catalogue, credits=Decimal("2.0")))
    award = credit_award_for_completion(completion_id=done.pk)
    return certificate_issue(completion_id=done.pk), award


def test_revoking_records_who_when_why_and_reverses_the_credits(awarded, site_admin, learner):
    certificate, award = awarded
    revoked = certificate_revoke(
        certificate=certificate, acting_user=site_admin, reason="  考核记录系代考  "
    )
    revoked.refresh_from_db()
    assert revoked.status == CertificateStatus.REVOKED
    assert revoked.revoked_by == site_admin
    assert revoked.revoked_at is not None
    assert revoked.revocation_reason == "考核记录系代考"
    reversal = CreditEntry.objects.get(reverses=award)
    assert reversal.credits == Decimal("-2.00")
    assert reversal.awarded_by == site_admin
    assert reversal.reason == "考核记录系代考"
    net = sum(CreditEntry.objects.filter(learner=learner).values_list("credits", flat=True))
    assert net == 0
    entry = ModelLogEntry.objects.get(object_id=str(certificate.pk), action="certificates.revoke")
    assert entry.user == site_admin
    assert entry.data["reason"] == "考核记录系代考"
    assert entry.data["credit_reversal_id"] == reversal.pk


def test_revoking_twice_is_a_clear_error(awarded, site_admin):
    certificate, _award = awarded
    certificate_revoke(certificate=certificate, acting_user=site_admin, reason="重复颁发")
    with pytest.raises(CertificateRevocationRejected) as raised:
        certificate_revoke(certificate=certificate, acting_user=site_admin, reason="再次撤销")
    assert raised.value.messages == [str(CertificateRevocationRejected.ALREADY_REVOKED)]
    assert CreditEntry.objects.filter(reverses__isnull=False).count() == 1


def test_a_reason_is_required(awarded, site_admin):
    certificate, _award = awarded
    with pytest.raises(CertificateRevocationRejected) as raised:
        certificate_revoke(certificate=certificate, acting_user=site_admin, reason="   ")
    assert raised.value.messages == [str(CertificateRevocationRejected.REASON_REQUIRED)]
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_only_holders_of_the_permission_revoke(awarded, hr_officer, learner):
    certificate, _award = awarded
    for user in (hr_officer, learner):
        with pytest.raises(CertificateRevocationRejected) as raised:
            certificate_revoke(certificate=certificate, acting_user=user, reason="无权撤销")
        assert raised.value.messages == [str(CertificateRevocationRejected.NOT_ALLOWED)]
    assert not CreditEntry.objects.filter(reverses__isnull=False).exists()


def test_site_administrators_hold_the_permissions(site_admin):
    group = Group.objects.get(name=Role.SITE_ADMINISTRATOR)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"revoke_certificate", "view_certificate"} <= codenames
    assert site_admin.has_perm("certificates.revoke_certificate")


def test_a_course_without_credits_or_an_award_already_corrected_is_skipped(
    catalogue, learner, site_admin
):
    no_credit = issued(learner, course(catalogue, credits=Decimal("0")))
    certificate_revoke(certificate=no_credit, acting_user=site_admin, reason="课程作废")
    done = completion(learner, course(catalogue))
    award = credit_award_for_completion(completion_id=done.pk)
    credit_reverse(entry=award, acting_user=site_admin, reason="学分已更正")
    corrected = certificate_issue(completion_id=done.pk)
    certificate_revoke(certificate=corrected, acting_user=site_admin, reason="证书作废")
    assert CreditEntry.objects.filter(reverses=award).count() == 1


# -- The Wagtail admin ------------------------------------------------------------------------


def test_the_admin_register_lists_searches_and_filters(client, home, catalogue, site_admin):
    zhang = issued(UserFactory(real_name="张三明"), catalogue)
    li = issued(UserFactory(real_name="李四"), catalogue)
    certificate_revoke(certificate=li, acting_user=site_admin, reason="代考")
    client.force_login(site_admin)
    page = client.get("/admin/certificates/")
    assert page.status_code == 200
    assert zhang.serial_number in page.content.decode()
    found = client.get("/admin/certificates/", {"q": "张三"}).content.decode()
    assert zhang.serial_number in found
    assert li.serial_number not in found
    by_serial = client.get("/admin/certificates/", {"q": li.serial_number}).content.decode()
    assert li.serial_number in by_serial
    assert zhang.serial_number not in by_serial
    revoked = client.get("/admin/certificates/", {"status": "revoked"}).content.decode()
    assert li.serial_number in revoked
    assert zhang.serial_number not in revoked


def test_the_admin_is_read_only_even_for_superusers(client, home, catalogue, learner):
    certificate = issued(learner, catalogue)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/admin/certificates/").status_code == 200
    inspect = client.get(f"/admin/certificates/inspect/{certificate.pk}/")
    assert inspect.status_code == 200
    assert certificate.learner_name in inspect.content.decode()
    for path in ("new/", f"edit/{certificate.pk}/", f"delete/{certificate.pk}/"):
        assert client.get(f"/admin/certificates/{path}").status_code == 404
    history = client.get(f"/admin/certificates/history/{certificate.pk}/")
    assert history.status_code == 200


def test_revoking_in_the_admin(client, home, awarded, site_admin):
    certificate, award = awarded
    client.force_login(site_admin)
    url = f"/admin/certificates/revoke/{certificate.pk}/"
    inspect = client.get(f"/admin/certificates/inspect/{certificate.pk}/").content.decode()
    assert url in inspect
    assert client.get(url).status_code == 200
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    response = client.post(url, {"reason": "学员冒名顶替"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert CreditEntry.objects.filter(reverses=award).exists()
    again = client.post(url, {"reason": "再来一次"})
    assert again.status_code == 200
    assert "This certificate was revoked on" in again.content.decode()
    assert CreditEntry.objects.filter(reverses=award).count() == 1
    history = client.get(f"/admin/certificates/history/{certificate.pk}/")
    assert history.status_code == 200, history
    assert "学员冒名顶替" in history.content.decode()


def test_the_admin_is_closed_to_hr_officers(client, home, awarded, hr_officer):
    certificate, _award = awarded
    client.force_login(hr_officer)
    assert client.get("/admin/certificates/").status_code in (302, 403)
    assert client.post(
        f"/admin/certificates/revoke/{certificate.pk}/", {"reason": "试图撤销"}
    ).status_code in (302, 403)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
