"""API keys of the HR API: made, shown once, stored as a hash, revoked, expiring, and
their admin screens, which only key managers reach."""

import datetime
import hashlib
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import ModelLogEntry

from accounts.api_keys import ApiKey, ApiKeyStatus, api_key_parse
from accounts.models import HRScope
from accounts.roles import Role
from accounts.selectors import api_key_authenticate
from accounts.services import api_key_create, api_key_record_use, api_key_revoke
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
INDEX = "/admin/api-keys/"
NEW = "/admin/api-keys/new/"


@pytest.fixture
def site_admin(institutions):
    return UserFactory(role=Role.SITE_ADMINISTRATOR, institution=institutions["region"])


@pytest.fixture
def hr_officer(institutions):
    officer = UserFactory(role=Role.HR_OFFICER, institution=institutions["county_a"])
    HRScope.objects.create(user=officer, institution=institutions["county_a"])
    return officer


@pytest.fixture
def made(institutions, site_admin):
    return api_key_create(
        institution=institutions["hospital_a"], name="医院人事系统", created_by=site_admin
    )


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# -- The services ----------------------------------------------------------------------------


def test_a_key_has_256_random_bits_and_its_prefix(made):
    key, plaintext = made
    parts = api_key_parse(plaintext)
    assert parts is not None
    assert parts.prefix == key.prefix
    assert len(parts.secret) == 43  # token_urlsafe(32): 256 bits
    assert plaintext.startswith(f"scme_{key.prefix}_")


def test_only_the_hash_is_stored(made):
    key, plaintext = made
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.secret_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    secret = api_key_parse(plaintext).secret
    for value in stored.__dict__.values():
        assert secret not in str(value)


def test_keys_differ(institutions, site_admin):
    first = api_key_create(institution=institutions["city"], name="a", created_by=site_admin)
    second = api_key_create(institution=institutions["city"], name="b", created_by=site_admin)
    assert first[1] != second[1]
    assert first[0].prefix != second[0].prefix


def test_the_key_authenticates(made):
    key, plaintext = made
    found = api_key_authenticate(presented=plaintext)
    assert found == key
    assert found.status_at(timezone.now()) == ApiKeyStatus.ACTIVE


@pytest.mark.parametrize(
    "mangle",
    [
        lambda k: "",
        lambda k: "garbage",
        lambda k: k[:-1],
        lambda k: k + "x",
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda k: k.replace("scme_", "sk_live_"),
        lambda k: k.upper(),
    ],
)
def test_a_wrong_key_does_not(made, mangle):
    _key, plaintext = made
    assert api_key_authenticate(presented=mangle(plaintext)) is None


def test_a_malformed_key_costs_no_query(made, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert api_key_authenticate(presented="Bearer nonsense") is None


def test_revoking(made, site_admin):
    key, plaintext = made
    api_key_revoke(key=key, revoked_by=site_admin)
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key.revoked_by == site_admin
    assert key.status_at(timezone.now()) == ApiKeyStatus.REVOKED
    assert api_key_authenticate(presented=plaintext) is None
    first = key.revoked_at
    api_key_revoke(key=key, revoked_by=site_admin)  # again: nothing changes
    key.refresh_from_db()
    assert key.revoked_at == first


def test_an_expired_key_fails(institutions, site_admin):
    soon = timezone.now() + datetime.timedelta(hours=1)
    key, plaintext = api_key_create(
        institution=institutions["city"], name="临时", created_by=site_admin, expires_at=soon
    )
    assert api_key_authenticate(presented=plaintext) == key
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    assert api_key_authenticate(presented=plaintext) is None
    key.refresh_from_db()
    assert key.status_at(timezone.now()) == ApiKeyStatus.EXPIRED


def test_only_key_managers_make_and_revoke_keys(institutions, hr_officer, learner, made):
    key, _plaintext = made
    for user in (hr_officer, learner):
        with pytest.raises(PermissionDenied):
            api_key_create(institution=institutions["city"], name="x", created_by=user)
        with pytest.raises(PermissionDenied):
            api_key_revoke(key=key, revoked_by=user)
    key.refresh_from_db()
    assert key.revoked_at is None


def test_site_administrators_hold_the_permission(site_admin, hr_officer):
    assert site_admin.has_perm("accounts.manage_api_keys")
    assert not hr_officer.has_perm("accounts.manage_api_keys")


def test_use_is_written_at_most_once_a_minute(made, django_assert_num_queries):
    key, _plaintext = made
    now = timezone.now()
    with django_assert_num_queries(1):
        api_key_record_use(key=key, now=now)
    with django_assert_num_queries(0):
        api_key_record_use(key=key, now=now + datetime.timedelta(seconds=59))
    with django_assert_num_queries(1):
        api_key_record_use(key=key, now=now + datetime.timedelta(seconds=61))
    key.refresh_from_db()
    assert key.last_used_at == now + datetime.timedelta(seconds=61)


# -- The admin -------------------------------------------------------------------------------


def test_learners_and_hr_officers_cannot_reach_the_keys(client, made, learner, hr_officer):
    key, _plaintext = made
    urls = (INDEX, NEW, f"{INDEX}{key.pk}/revoke/")
    for user in (learner, hr_officer):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (302, 403), (user, url)
            assert "医院人事系统" not in response.content.decode()
        assert client.post(f"{INDEX}{key.pk}/revoke/").status_code in (302, 403)
        assert client.post(NEW, {"institution": key.institution_id, "name": "偷"}).status_code in (
            302,
            403,
        )
    key.refresh_from_db()
    assert key.revoked_at is None
    assert ApiKey.objects.count() == 1


def test_the_menu_shows_keys_only_to_managers(client, home, site_admin, hr_officer):
    client.force_login(hr_officer)
    assert INDEX not in client.get("/admin/").content.decode()
    client.force_login(site_admin)
    assert INDEX in client.get("/admin/").content.decode()


def test_the_list(client, made, site_admin):
    key, plaintext = made
    client.force_login(site_admin)
    response = client.get(INDEX)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"scme_{key.prefix}_" in page
    assert "医院人事系统" in page
    assert "林周县人民医院" in page
    assert "Never" in page
    assert "Active" in page
    assert api_key_parse(plaintext).secret not in page


def test_making_a_key_shows_it_once(client, institutions, site_admin):
    client.force_login(site_admin)
    assert client.get(NEW).status_code == 200
    response = client.post(
        NEW, {"institution": institutions["county_a"].pk, "name": "林周县卫健委人事系统"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get()
    assert key.institution == institutions["county_a"]
    assert key.created_by == site_admin
    page = response.content.decode()
    plaintext = next(
        word.split('"')[1] for word in page.split("value=")[1:] if word.startswith('"scme_')
    )
    assert api_key_authenticate(presented=plaintext) == key
    assert "shown only this once" in page
    # Never again.
    assert api_key_parse(plaintext).secret not in client.get(INDEX).content.decode()


def test_a_key_needs_a_name_and_a_future_expiry(client, institutions, site_admin):
    client.force_login(site_admin)
    missing = client.post(NEW, {"institution": institutions["city"].pk, "name": ""})
    assert missing.status_code == 200
    past = client.post(
        NEW,
        {"institution": institutions["city"].pk, "name": "旧", "expires_at": "2001-01-01 00:00"},
    )
    assert "Choose a moment in the future." in past.content.decode()
    assert not ApiKey.objects.exists()


def test_revoking_in_the_admin(client, made, site_admin):
    key, plaintext = made
    client.force_login(site_admin)
    url = f"{INDEX}{key.pk}/revoke/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None  # a GET changes nothing
    response = client.post(url)
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_by == site_admin
    assert api_key_authenticate(presented=plaintext) is None
    assert "Revoked" in client.get(INDEX).content.decode()


def test_superusers_manage_keys(client, made, admin_user):
    client.force_login(admin_user)
    assert client.get(INDEX).status_code == 200


# -- The audit log ---------------------------------------------------------------------------


def _key_log(key) -> list[ModelLogEntry]:
    return list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(ApiKey), object_id=str(key.pk)
        ).order_by("timestamp", "pk")
    )


def test_making_and_revoking_in_the_admin_are_audited_without_the_secret(
    client, institutions, site_admin, admin_user
):
    client.force_login(site_admin)
    response = client.post(NEW, {"institution": institutions["county_a"].pk, "name": "人事系统"})
    page = response.content.decode()
    plaintext = next(
        word.split('"')[1] for word in page.split("value=")[1:] if word.startswith('"scme_')
    )
    key = ApiKey.objects.get()
    client.force_login(admin_user)  # someone else revokes it
    assert client.post(f"{INDEX}{key.pk}/revoke/").status_code == 302
    client.post(f"{INDEX}{key.pk}/revoke/")  # again: no second entry

    created, revoked = _key_log(key)
    assert (created.action, created.user, revoked.action, revoked.user) == (
        "snowland.api_key.create",
        site_admin,
        "snowland.api_key.revoke",
        admin_user,
    )
    assert created.data == {
        "institution_id": institutions["county_a"].pk,
        "institution": institutions["county_a"].name,
        "prefix": key.prefix,
        "name": "人事系统",
        "expires_at": None,
    }
    assert revoked.data == created.data
    secret = api_key_parse(plaintext).secret
    for entry in (created, revoked):
        stored = json.dumps(entry.data, ensure_ascii=False) + entry.label
        assert secret not in stored
        assert key.secret_hash not in stored


def test_the_entries_show_in_site_history_with_their_labels(client, made, site_admin):
    key, plaintext = made
    api_key_revoke(key=key, revoked_by=site_admin)
    client.force_login(site_admin)
    response = client.get("/admin/reports/site-history/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"API key {key.prefix} (医院人事系统) created for 林周县人民医院" in page
    assert f"API key {key.prefix} (医院人事系统) of 林周县人民医院 revoked" in page
    assert api_key_parse(plaintext).secret not in page
    actions = dict(log_action_registry.get_choices())
    with translation.override("en"):
        assert str(actions["snowland.api_key.create"]) == "Create API key"
        assert str(actions["snowland.api_key.revoke"]) == "Revoke API key"


def test_a_refused_request_leaves_no_entry(institutions, hr_officer):
    with pytest.raises(PermissionDenied):
        api_key_create(institution=institutions["city"], name="x", created_by=hr_officer)
    assert not ModelLogEntry.objects.filter(action__startswith="snowland.api_key.").exists()
