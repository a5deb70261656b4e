"""The authorisation matrix: every URL of the project × every role gets the expected answer.

Roles (columns, in this order): anonymous, learner A, another learner B, course author,
reviewer, HR officer whose scope covers A, HR officer whose scope does not, and an
administrator (a superuser). The world they act in is built once for the module
(tests/authz.py); each cell is its own test, in a transaction rolled back afterwards.

Cells:
  O  ok: 200 (a POST may answer 302 too, never to a login page)
  R  ok, by a documented redirect (302 to a page that is not a login page)
  L  anonymous: sent to the login page (the admin's login for admin URLs); a JSON
     endpoint answers 401 instead
  F  forbidden: 403 or 404, and nothing of learner A's (name, e-mail, titles) in it

`EXPECTATIONS` lists the project's own views, the Wagtail pages (one row per page kind),
a few allauth and Wagtail admin screens, and the project's site settings;
`ADMIN_VIEWSETS` lists the project's admin viewsets, one row per URL namespace, with the
access level of each role (what each view of a viewset needs is `ADMIN_VIEW_NEEDS`).
`test_every_project_url_is_classified` fails when a URL of the project is in neither:
every new URL must be classified here.

Not listed, by rule: allauth's other URLs (public account pages, tested by allauth and
tests/accounts), Wagtail's own admin and serving URLs (its pages, images, documents,
workflows...: Wagtail's permission policies, tested by Wagtail and tests/accounts/
test_admin_access.py), Django's set_language, and the API under /api/v1/ (its own matrix
lives with the API's tests).

The Wagtail admin refuses a signed-in user with a redirect (to its login page, or to the
dashboard with a message); `config.middleware.AdminRefusalMiddleware` turns both into a
403, so the admin's forbidden cells are 403 like the rest (tests/
test_admin_access_middleware.py).

`KNOWN_GAPS` are cells where the project answers differently from this table today. Each
is an expected failure (strict: when the view is fixed the test fails until the entry is
removed), so the table says what must be true and the gap stays visible.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.roles import Role
from tests import authz
from tests.authz import (
    ADMIN,
    HR_IN,
    HR_OUT,
    LEARNER,
    ROLES,
    World,
)

YEAR = timezone.localdate().year

# The project's own code: a URL whose view lives here must be classified.
PROJECT_MODULES = ("accounts.", "cms.", "courses.", "lms.", "certificates.", "config.")
PROJECT_APPS = {"accounts", "cms", "courses", "lms", "certificates"}
# Not classified here, by rule (see the module's docstring).
EXCLUDED_PREFIXES = ("api/v1/",)  # the API has its own matrix (tests/lms/test_api.py)


# -- Rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """How to ask (method, URL, data) and, per role, what answer to expect."""

    cells: str  # one token per role, in ROLES order
    kwargs: Callable[[World], dict] | None = None
    url: Callable[[World], str] | None = None  # instead of reversing the row's name
    method: str = "get"
    data: Callable[[World], dict] | None = None
    content_type: str | None = None
    json: bool = False  # a JSON endpoint: anonymous gets 401, not a redirect
    admin: bool = False  # anonymous goes to the admin's login
    # A marker of learner A that an O answer shows to the roles in `seen_by` (default:
    # every O role) and to nobody else; proves the URL points at A's data.
    shows: Callable[[World], str] | None = None
    seen_by: tuple[str, ...] | None = None
    # Run before the request as the signed-in user; returns the URL's kwargs.
    prepare: Callable[[object, World, str], dict] | None = None

    def expected(self, role: str) -> str:
        return self.cells.split()[ROLES.index(role)]


def get(cells: str, kwargs=None, **options) -> Row:
    return Row(cells=cells, kwargs=kwargs, **options)


def post(cells: str, kwargs=None, **options) -> Row:
    return Row(cells=cells, kwargs=kwargs, method="post", **options)


# Targets: learner A's things (and a few others), as URL kwargs.
def a_user(w):
    return {"user_id": w.learner_a.pk}


def a_entry(w):
    return {"user_id": w.learner_a.pk, "entry_id": w.entry.pk}


def a_activity(w):
    return {"activity_id": w.activity.pk}


def a_evidence(w):
    return {"activity_id": w.activity.pk, "evidence_id": w.evidence.pk}


def a_open_attempt(w):
    return {"attempt_id": w.open_attempt.pk}


def a_done_attempt(w):
    return {"attempt_id": w.done_attempt.pk}


def a_certificate(w):
    return {"serial": w.certificate.serial_number}


def a_transcript(w):
    return {"pk": w.transcript.pk}


def a_lesson(w):
    return {"lesson_id": w.checkpoint_lesson.pk}


def learning_course(w):
    return {"course_id": w.learning_course.pk}


def exam_course(w):
    return {"course_id": w.exam_course.pk}


def open_course(w):
    return {"course_id": w.open_course.pk}


def this_year(w):
    return {"year": YEAR}


def verify_code(w):
    return {"code": w.certificate.verification_code}


def a_name(w):
    return authz.LEARNER_A_NAME


def a_activity_title(w):
    return authz.ACTIVITY_TITLE


def a_serial(w):
    return w.certificate.serial_number


def export_job(w):
    return {"token": w.export_job.token}


def a_user_this_year(w):
    return {"user_id": w.learner_a.pk, "year": YEAR}


def bulk_selection(w):
    return {"item": f"{w.activity.pk}:{w.activity.current_step}"}


def heartbeat(w):
    return {"lesson": w.checkpoint_lesson.pk}


def checkpoint(w):
    return {"lesson": w.checkpoint_lesson.pk, "block": w.checkpoint_block, "answer": [0]}


def staff_upload(client, w, role) -> dict:
    """The signed-in officer's own upload (its report lives in their session); anyone
    who may not import gets an unknown token."""
    response = client.post(
        reverse("lms:hr_import"),
        {"file": SimpleUploadedFile("staff.csv", authz.staff_csv())},
    )
    location = urlsplit(response.get("Location", "")).path
    if response.status_code == 302 and location.startswith(reverse("lms:hr_import")):
        return {"token": location.rstrip("/").split("/")[-1]}
    return {"token": str(uuid.uuid4())}


def page_url(attribute: str) -> Callable[[World], str]:
    return lambda w: getattr(w, attribute).url


def settings_url(model: str) -> Callable[[World], str]:
    return lambda w: reverse("wagtailsettings:edit", args=["cms", model, w.home.get_site().pk])


def edit_course_page(w):
    return reverse("wagtailadmin_pages:edit", args=[w.learning_course.pk])


def explore_catalogue(w):
    return reverse("wagtailadmin_explore", args=[w.catalogue.pk])


# fmt: off
# Columns:                    anon lrnA lrnB auth revw hrIn hrOut admin
EXPECTATIONS: dict[str, Row] = {
    # -- accounts
    "accounts:profile":            get("L O O O O O O O"),
    # -- lms: learning
    "lms:dashboard":               get("L O O O O O O O"),
    "lms:enrol":                   post("L O O O O O O O", open_course),
    "lms:withdraw":                post("L O F F F F F F", learning_course),
    "lms:heartbeat":               post("L O F F F F F F", json=True, data=heartbeat,
                                        content_type="application/json"),
    "lms:lesson_open":             post("L O F F F F F F", a_lesson, json=True),
    "lms:checkpoint_answer":       post("L O F F F F F F", json=True, data=checkpoint),
    # Not enrolled: the exam page sends you to the course page to enrol.
    "lms:exam":                    get("L O R R R R R R", exam_course),
    "lms:exam_start":              post("L O F F F F F F", exam_course),
    "lms:exam_attempt":            get("L O F F F F F F", a_open_attempt),
    "lms:exam_save":               post("L O F F F F F F", a_open_attempt),
    "lms:exam_submit":             post("L O F F F F F F", a_open_attempt),
    "lms:exam_result":             get("L O F F F F F F", a_done_attempt),
    # A transcript has no learner in its URL: everyone sees their own.
    "lms:transcript":              get("L O O O O O O O", shows=lambda w: authz.ENTRY_TITLE,
                                       seen_by=(LEARNER,)),
    "lms:transcript_year":         get("L O O O O O O O", this_year),
    "lms:transcript_csv":          get("L O O O O O O O", this_year),
    # -- lms: external activities and their approval
    "lms:activity_list":           get("L O O O O O O O", shows=a_activity_title,
                                       seen_by=(LEARNER,)),
    "lms:activity_new":            get("L O O O O O O O"),
    "lms:activity_detail":         get("L O F F F F F F", a_activity, shows=a_activity_title),
    # A's claim waits for approval: editing is for returned claims, so back to it.
    "lms:activity_edit":           get("L R F F F F F F", a_activity),
    "lms:activity_withdraw":       post("L O F F F F F F", a_activity),
    "lms:activity_evidence":       get("L O F F F O F O", a_evidence),
    # The queue of claims waiting for you: empty for whoever decides nothing.
    "lms:approvals":               get("L O O O O O O O", shows=a_activity_title,
                                       seen_by=(HR_IN, ADMIN)),
    # The approvers' last look before approving several claims: only claims they decide.
    "lms:approvals_bulk":          post("L F F F F O O O", data=bulk_selection,
                                        shows=a_activity_title, seen_by=(HR_IN, ADMIN)),
    "lms:approval_detail":         get("L O F F F O F O", a_activity, shows=a_activity_title),
    "lms:learner_audit":           get("L F F F F O F O", a_user, shows=a_name),
    "lms:credit_adjust":           post("L F F F F O F O", a_user),
    "lms:credit_correct":          post("L F F F F O F O", a_entry),
    # -- lms: HR
    "lms:assign":                  get("L F F F F O O O"),
    "lms:hr_dashboard":            get("L F F F F O O O"),
    "lms:hr_dashboard_year":       get("L F F F F O O O", this_year),
    "lms:hr_staff":                get("L F F F F O O O", shows=a_name, seen_by=(HR_IN, ADMIN)),
    "lms:hr_staff_detail":         get("L F F F F O F O", a_user, shows=a_name),
    "lms:hr_assignments":          get("L F F F F O O O"),
    "lms:hr_import":               get("L F F F F O O O"),
    "lms:hr_import_report":        get("L F F F F O O O", prepare=staff_upload),
    # An export job is shown to the officer who asked for it (and superusers) only.
    "lms:hr_exports":              get("L F F F F O O O"),
    "lms:hr_export_status":        get("L F F F F O F O", export_job),
    "lms:hr_export_download":      get("L F F F F O F O", export_job, shows=a_name),
    # -- certificates
    "certificates:list":           get("L O O O O O O O", shows=a_serial, seen_by=(LEARNER,)),
    "certificates:pdf":            get("L O F F F O F O", a_certificate),
    "certificates:transcript_request": post("L O O O O O O O", this_year),
    "certificates:transcript_status":  get("L O F F F O F O", a_transcript),
    "certificates:transcript_pdf":     get("L O F F F O F O", a_transcript),
    "certificates:staff_transcript_request": post("L F F F F O F O", a_user_this_year),
    "certificates:check":          get("L F F F F O O O"),
    # -- operations
    "healthz":                     get("O O O O O O O O"),
    # -- public verification
    "verify:home":                 get("O O O O O O O O"),
    "verify:keys":                 get("O O O O O O O O"),
    "verify:upload":               get("R R R R R R R R"),  # the form is on verify:home
    "verify:result":               get("O O O O O O O O", verify_code),
    # -- Wagtail pages, one row per page kind (courses and lessons are public)
    "page:home":                   get("O O O O O O O O", url=page_url("home")),
    "page:catalogue":              get("O O O O O O O O", url=page_url("catalogue")),
    "page:course":                 get("O O O O O O O O", url=page_url("learning_course")),
    "page:lesson":                 get("O O O O O O O O", url=page_url("checkpoint_lesson")),
    # -- allauth, representative (signed-in users are sent on from login and signup)
    "account_login":               get("O R R R R R R R"),
    "account_signup":              get("O R R R R R R R"),
    "account_reset_password":      get("O O O O O O O O"),
    # -- Wagtail admin, representative screens
    "wagtailadmin_home":           get("L F F O O O O O", admin=True),
    "wagtailadmin_explore":        get("L F F O O F F O", admin=True, url=explore_catalogue),
    "wagtailadmin_pages:edit":     get("L F F O O F F O", admin=True, url=edit_course_page),
    # -- the project's site settings (cms)
    "wagtailsettings:edit[cms.sitebranding]": get("L F F F F F F O", admin=True,
                                                  url=settings_url("sitebranding")),
    "wagtailsettings:edit[cms.sitecontact]":  get("L F F F F F F O", admin=True,
                                                  url=settings_url("sitecontact")),
}
# fmt: on


# -- The project's admin viewsets -----------------------------------------------------------

# Access levels: "-" none, "v" view, "e" view, add and change, "*" everything; "L" for
# anonymous (the admin's login). What each view needs:
LEVELS = "-ve*"
ADMIN_VIEW_NEEDS = {
    "index": "v",
    "index_results": "v",
    "list": "v",
    "list_results": "v",
    "inspect": "v",
    "choose": "v",
    "choose_results": "v",
    "chosen": "v",
    "chosen_multiple": "v",
    "add": "e",
    "create": "e",
    "edit": "e",
    "copy": "e",
    "history": "e",
    "history_results": "e",
    "usage": "e",
    "preview_on_add": "e",
    "preview_on_edit": "e",
    "revisions_revert": "e",
    "revisions_compare": "e",
    "revoke": "*",
    "delete": "*",
}

# fmt: off
# Columns:                                             anon lrnA lrnB auth revw hrIn hrOut admin
ADMIN_VIEWSETS: dict[str, str] = {
    "wagtailsnippets_accounts_institution":                "L - - - - - - *",
    # Institutions, departments and categories are public (sign-up and the catalogue list
    # them): their choosers may list them to anyone in the admin; HR department forms
    # pick their institution, course pages their category with them.
    "wagtailsnippetchoosers_accounts_institution":         "L - - v v v v *",
    "wagtailsnippets_accounts_department":                 "L - - - - e e *",
    "wagtailsnippetchoosers_accounts_department":          "L - - v v e e *",
    "wagtailsnippets_accounts_hrscope":                    "L - - - - - - *",
    "wagtailsnippetchoosers_accounts_hrscope":             "L - - - - - - *",
    "wagtailsnippets_courses_coursecategory":              "L - - - e - - *",
    "wagtailsnippetchoosers_courses_coursecategory":       "L - - v e v v *",
    "wagtailsnippets_courses_question":                    "L - - e * - - *",
    "wagtailsnippetchoosers_courses_question":             "L - - e * - - *",
    "wagtailsnippets_lms_requirementruleset":              "L - - - - - - *",
    "wagtailsnippetchoosers_lms_requirementruleset":       "L - - - - - - *",
    "wagtailsnippets_lms_approvalchain":                   "L - - - - - - *",
    "wagtailsnippetchoosers_lms_approvalchain":            "L - - - - - - *",
    "wagtailsnippets_certificates_certificatetemplate":    "L - - - - - - *",
    "wagtailsnippetchoosers_certificates_certificatetemplate": "L - - - - - - *",
    "certificate_admin":                                   "L - - - - - - *",
    "wagtailusers_users":                                  "L - - - - - - *",
    "wagtailusers_groups":                                 "L - - - - - - *",
    "api_keys":                                            "L - - - - - - *",
}
# Viewsets whose views do not name their model (plain ViewSets).
ADMIN_VIEWSET_MODELS = {"api_keys": "accounts.ApiKey"}
# fmt: on

# Single cells that differ from their viewset's level: an object outside the role's scope.
ADMIN_CELL_OVERRIDES: dict[tuple[str, str], str] = {
    # Hospital 1's department is outside the outside officer's scope.
    ("wagtailsnippets_accounts_department:edit", HR_OUT): "F",
    ("wagtailsnippets_accounts_department:history", HR_OUT): "F",
    ("wagtailsnippets_accounts_department:history_results", HR_OUT): "F",
    ("wagtailsnippets_accounts_department:usage", HR_OUT): "F",
    ("wagtailsnippets_accounts_department:copy", HR_OUT): "F",
}

# Where the project answers differently from the table today (see the docstring), as
# {(url name, role): reason}. Empty: every cell answers as the table says.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


# -- Reading the URL configuration ----------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name", or "path:<route>" for an unnamed pattern
    route: str
    module: str
    model: type | None
    converters: tuple[str, ...]


def _unwrap(callback):
    while hasattr(callback, "__wrapped__"):
        callback = callback.__wrapped__
    return callback


def _patterns(resolver=None, prefix: str = "", namespaces: tuple = ()) -> Iterator[Pattern]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            spaces = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _patterns(entry, route, spaces)
            continue
        assert isinstance(entry, URLPattern)
        callback = _unwrap(entry.callback)
        view_class = getattr(callback, "view_class", None)
        module = (view_class or callback).__module__
        initkwargs = getattr(callback, "view_initkwargs", {}) or {}
        model = initkwargs.get("model") or initkwargs.get("model_class")
        if isinstance(model, str):
            model = apps.get_model(model)
        name = ":".join((*namespaces, entry.name)) if entry.name else f"path:{route}"
        converters = tuple(entry.pattern.regex.groupindex)
        yield Pattern(name, route, module, model, converters)


def _is_project_viewset(pattern: Pattern) -> bool:
    model = pattern.model
    return (
        pattern.route.startswith("admin/")
        and model is not None
        and model._meta.app_label in PROJECT_APPS
    )


def project_patterns() -> list[Pattern]:
    """Every URL the project must classify."""
    found = []
    for pattern in _patterns():
        if pattern.route.startswith(EXCLUDED_PREFIXES):
            continue
        if pattern.module.startswith(PROJECT_MODULES) or _is_project_viewset(pattern):
            found.append(pattern)
    return found


def admin_viewset_patterns() -> list[Pattern]:
    """The views of the project's viewsets, each with its viewset's model (a view added
    by hand, such as the certificates' revoke view, does not name it)."""
    found = [p for p in _patterns() if p.name.rpartition(":")[0] in ADMIN_VIEWSETS]
    models = {name: apps.get_model(label) for name, label in ADMIN_VIEWSET_MODELS.items()}
    models.update({p.name.rpartition(":")[0]: p.model for p in found if p.model is not None})
    return [
        p if p.model else replace(p, model=models.get(p.name.rpartition(":")[0])) for p in found
    ]


def is_classified(name: str) -> bool:
    return name in EXPECTATIONS or name.rpartition(":")[0] in ADMIN_VIEWSETS


# -- Asking ---------------------------------------------------------------------------------

LOGIN_URL = reverse("account_login")
ADMIN_LOGIN_URL = reverse("wagtailadmin_login")


def _body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def _describe(response) -> str:
    location = response.get("Location", "")
    return f"{response.status_code}{' → ' + location if location else ''}"


def check(response, *, expected: str, admin: bool, is_json: bool) -> str:
    """Assert that the answer fits the cell; the body, for further checks."""
    status = response.status_code
    location = response.get("Location", "")
    to_login = status == 302 and location.startswith((LOGIN_URL, ADMIN_LOGIN_URL))
    body = _body(response)
    if expected == "O":
        assert status in (200, 302), _describe(response)
        assert not to_login, _describe(response)
    elif expected == "R":
        assert status in (301, 302, 303), _describe(response)
        assert not to_login, _describe(response)
    elif expected == "L":
        if is_json:
            assert status == 401, _describe(response)
        else:
            assert status == 302, _describe(response)
            assert location.startswith(ADMIN_LOGIN_URL if admin else LOGIN_URL), location
    elif expected == "F":
        assert status in (403, 404), _describe(response)
        leaked = [marker for marker in authz.LEAK_MARKERS if marker in body]
        assert not leaked, f"a forbidden answer shows {leaked}"
    else:  # pragma: no cover - a typo in the table
        raise AssertionError(f"unknown cell {expected!r}")
    return body


def ask(client, world: World, *, url: str, row: Row):
    if row.method == "get":
        return client.get(url)
    data = row.data(world) if row.data else {}
    if row.content_type == "application/json":
        return client.post(url, json.dumps(data), content_type="application/json")
    return client.post(url, data)


# -- The world, once for the module ---------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_root():
    """Replaces the per-test media directory: the module's world keeps its files in
    one directory for all its tests (see `world`)."""


@pytest.fixture(autouse=True)
def _private_media_root():
    """As `_media_root`, for the private store."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    files = tmp_path_factory.mktemp("authz")
    with (
        override_settings(
            MEDIA_ROOT=files / "media", SNOWLAND_PRIVATE_MEDIA_ROOT=files / "private"
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        cache.clear()
        yield authz.build_world()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def _module_client():
    # One client (so one handler, whose middleware is loaded once) for the module.
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(scope="module")
def _sessions(world, _module_client, django_db_blocker) -> dict[str, str]:
    """A session per role, made once inside the module's transaction: a test signs in
    by presenting its cookie (what a test changes in it is rolled back with the test)."""
    keys = {}
    with django_db_blocker.unblock():
        for role, user in world.users.items():
            if user is not None:
                _module_client.force_login(user)
                keys[role] = _module_client.cookies[settings.SESSION_COOKIE_NAME].value
                _module_client.cookies.clear()
    return keys


@pytest.fixture
def en_client(_module_client):
    """The module's client, signed out, with no cookies left from the last test."""
    _module_client.cookies.clear()
    return _module_client


@pytest.fixture
def sign_in(en_client, _sessions):
    def sign_in_as(role: str) -> None:
        if role in _sessions:
            en_client.cookies[settings.SESSION_COOKIE_NAME] = _sessions[role]

    return sign_in_as


# -- The tests ------------------------------------------------------------------------------


def _gap(name: str, role: str) -> list:
    reason = KNOWN_GAPS.get((name, role))
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


def _cells():
    for name in EXPECTATIONS:
        for role in ROLES:
            yield pytest.param(name, role, id=f"{name}-{role}", marks=_gap(name, role))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), list(_cells()))
def test_answer(world, en_client, sign_in, name, role):
    row = EXPECTATIONS[name]
    expected = row.expected(role)
    sign_in(role)
    kwargs = row.prepare(en_client, world, role) if row.prepare else None
    if row.url is not None:
        url = row.url(world)
    else:
        kwargs = kwargs if kwargs is not None else (row.kwargs(world) if row.kwargs else {})
        url = reverse(name, kwargs=kwargs)

    response = ask(en_client, world, url=url, row=row)

    body = check(response, expected=expected, admin=row.admin, is_json=row.json)
    if row.shows is not None and expected == "O" and response.status_code == 200:
        marker = row.shows(world)
        seen_by = row.seen_by or tuple(r for r in ROLES if row.expected(r) == "O")
        if role in seen_by:
            assert marker in body, f"the answer should show {marker!r}"
        else:
            assert marker not in body, f"the answer shows {marker!r}"


def _object_for(world: World, model) -> object:
    from accounts.models import ApiKey, Department, HRScope, Institution, User
    from certificates.models import Certificate, CertificateTemplate
    from courses.models import CourseCategory, Question
    from lms.models import ApprovalChain, RequirementRuleSet

    objects = {
        Institution: world.institutions["hospital_1"],
        Department: world.department,
        HRScope: world.hr_scope,
        CourseCategory: world.category,
        Question: world.question,
        RequirementRuleSet: world.rule_set,
        ApprovalChain: world.approval_chain,
        CertificateTemplate: world.template,
        Certificate: world.certificate,
        User: world.learner_a,
        Group: Group.objects.get(name=Role.LEARNER),
        ApiKey: world.api_key,
    }
    return objects[model]


def _admin_url(world: World, pattern: Pattern) -> str:
    kwargs: dict = {}
    if "pk" in pattern.converters:
        kwargs["pk"] = _object_for(world, pattern.model).pk
    if "revision_id" in pattern.converters:
        kwargs["revision_id"] = world.rule_set.latest_revision_id
    if "revision_id_a" in pattern.converters:
        kwargs.update(revision_id_a="earliest", revision_id_b="latest")
    url = reverse(pattern.name, kwargs=kwargs)
    if pattern.name.endswith(":chosen_multiple") and "pk" not in kwargs:
        url += f"?id={_object_for(world, pattern.model).pk}"
    return url


def admin_expected(name: str, role: str) -> str:
    override = ADMIN_CELL_OVERRIDES.get((name, role))
    if override:
        return override
    namespace, _, view = name.rpartition(":")
    level = ADMIN_VIEWSETS[namespace].split()[ROLES.index(role)]
    if level == "L":
        return "L"
    return "O" if LEVELS.index(level) >= LEVELS.index(ADMIN_VIEW_NEEDS[view]) else "F"


def _admin_cells():
    for pattern in admin_viewset_patterns():
        for role in ROLES:
            yield pytest.param(
                pattern, role, id=f"{pattern.name}-{role}", marks=_gap(pattern.name, role)
            )


@pytest.mark.django_db
@pytest.mark.parametrize(("pattern", "role"), list(_admin_cells()))
def test_admin_answer(world, en_client, sign_in, pattern, role):
    expected = admin_expected(pattern.name, role)
    sign_in(role)

    response = en_client.get(_admin_url(world, pattern))

    check(response, expected=expected, admin=True, is_json=False)


# -- The table covers the project -----------------------------------------------------------


def test_every_project_url_is_classified():
    missing = sorted(
        f"{p.name}  ({p.route}, {p.module})"
        for p in project_patterns()
        if not is_classified(p.name)
    )
    assert not missing, "classify these URLs in EXPECTATIONS or ADMIN_VIEWSETS:\n" + "\n".join(
        missing
    )


def test_every_row_names_a_url_of_the_project():
    names = {p.name for p in _patterns()}
    namespaces = {name.rpartition(":")[0] for name in names}
    stale = [
        name
        for name in EXPECTATIONS
        if not name.startswith("page:") and re.sub(r"\[.*\]$", "", name) not in names
    ]
    stale += [namespace for namespace in ADMIN_VIEWSETS if namespace not in namespaces]
    assert not stale


def test_every_view_of_a_viewset_has_a_level():
    views = {p.name.rpartition(":")[2] for p in admin_viewset_patterns()}
    assert views <= ADMIN_VIEW_NEEDS.keys(), views - ADMIN_VIEW_NEEDS.keys()


def test_the_project_settings_have_rows():
    from wagtail.contrib.settings.registry import registry

    project = {
        f"{m._meta.app_label}.{m._meta.model_name}"
        for m in registry
        if m._meta.app_label in PROJECT_APPS
    }
    assert {f"wagtailsettings:edit[{label}]" for label in project} <= EXPECTATIONS.keys()


def test_the_table_is_well_formed():
    for name, row in EXPECTATIONS.items():
        cells = row.cells.split()
        assert len(cells) == len(ROLES), name
        assert set(cells) <= set("ORLF"), name
    for namespace, levels in ADMIN_VIEWSETS.items():
        cells = levels.split()
        assert len(cells) == len(ROLES), namespace
        assert cells[0] == "L", namespace
        assert set(cells[1:]) <= set(LEVELS), namespace
    for name, role in KNOWN_GAPS:
        assert is_classified(name), name
        assert role in ROLES, role
