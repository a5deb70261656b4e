"""The Content-Security-Policy and the other security headers, on the pages people use.

The policy must hold what the pages do: no inline script without the request's nonce,
no inline event handler (onclick=...), and every script, stylesheet, image and media
file from this site. The browser journey (tests/e2e) proves the same in Chromium,
failing on any CSP violation it reports.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.roles import Role
from accounts.services import hr_scope_grant
from config.security import ContentSecurityPolicyMiddleware, permissions_policy_header
from tests.accounts.factories import UserFactory
from tests.certificates.factories import issued
from tests.lms.builders import course_with_lessons, enrolled

pytestmark = pytest.mark.django_db

CSP = "Content-Security-Policy"
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}


class PageParts(HTMLParser):
    """What a page asks the browser to run or fetch."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inline_scripts: list[dict] = []
        self.handlers: list[str] = []
        self.javascript_urls: list[str] = []
        self.fetched: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.javascript_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            if attributes.get("src"):
                self.fetched.append(attributes["src"])
            elif attributes.get("type", "text/javascript") not in DATA_SCRIPT_TYPES:
                self.inline_scripts.append(attributes)
        elif tag == "link" and "stylesheet" in (attributes.get("rel") or ""):
            self.fetched.append(attributes["href"])
        elif tag in ("img", "video", "audio", "source", "track") and attributes.get("src"):
            self.fetched.append(attributes["src"])


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_policy_holds(response) -> PageParts:
    assert response.status_code == 200, response.status_code
    policy = directives(response[CSP])
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    nonces = {value[len("'nonce-") : -1] for value in policy["script-src"] if "nonce" in value}

    parts = PageParts()
    parts.feed(response.content.decode())
    assert parts.handlers == []
    assert parts.javascript_urls == []
    for script in parts.inline_scripts:
        assert script.get("nonce") in nonces, f"inline script without the nonce: {script}"
    assert any("/static/css/site" in url for url in parts.fetched)  # the page was parsed
    for url in parts.fetched:
        where = urlsplit(url)
        assert not where.netloc or where.netloc == "testserver", f"{url} is not from this site"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    return parts


@pytest.fixture
def course_and_lessons(catalogue):
    return course_with_lessons(catalogue, lessons=2, minutes=1, title="高原病的基层防治")


@pytest.fixture
def hr_officer(institutions):
    officer = UserFactory(role=Role.HR_OFFICER, institution=institutions["county_a"])
    hr_scope_grant(user=officer, institution=institutions["county_a"])
    return officer


@pytest.mark.parametrize("path", ["/", "/courses/", "/verify/", "/accounts/login/"])
def test_public_pages_satisfy_the_policy_also_when_served_again(client, home, path):
    for _ in range(2):  # the second answer may come from the anonymous page cache
        assert_policy_holds(client.get(path))


def test_the_course_page(client, learner, course_and_lessons):
    course, _ = course_and_lessons
    client.force_login(learner)
    assert_policy_holds(client.get(course.url))


def test_the_lesson_page_loads_its_script_from_the_site(client, learner, course_and_lessons):
    course, lessons = course_and_lessons
    enrolled(learner, course)
    client.force_login(learner)
    parts = assert_policy_holds(client.get(lessons[0].url))
    assert any(re.search(r"/static/js/lesson(\.[0-9a-f]+)?\.js$", url) for url in parts.fetched)


def test_the_dashboard(client, learner, course_and_lessons):
    enrolled(learner, course_and_lessons[0])
    client.force_login(learner)
    assert_policy_holds(client.get(reverse("lms:dashboard")))


def test_the_hr_pages(client, hr_officer, learner):
    client.force_login(hr_officer)
    assert_policy_holds(client.get(reverse("lms:hr_dashboard")))
    assert_policy_holds(client.get(reverse("lms:hr_staff")))


def test_a_verification_result(client, catalogue, learner):
    certificate = issued(learner, catalogue)
    assert_policy_holds(client.get(f"/verify/{certificate.verification_code}/"))


def test_an_inline_script_would_carry_the_nonce_of_the_header():
    request = RequestFactory().get("/")
    middleware = ContentSecurityPolicyMiddleware(
        lambda request: HttpResponse(f'<script nonce="{request.csp_nonce}">go()</script>')
    )
    middleware.process_request(request)
    response = middleware.process_response(request, middleware.get_response(request))
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in directives(response[CSP])["script-src"]


def test_the_wagtail_admin_has_its_own_looser_script_rule(client, home, institutions):
    admin = UserFactory(role=Role.SITE_ADMINISTRATOR, institution=institutions["region"])
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = directives(response[CSP])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert "blob:" in policy["img-src"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


def test_pdfs_get_no_policy_for_the_browsers_viewer():
    request = RequestFactory().get("/certificates/1/pdf/")
    middleware = ContentSecurityPolicyMiddleware(
        lambda request: HttpResponse(b"%PDF-1.7", content_type="application/pdf")
    )
    middleware.process_request(request)
    response = middleware.process_response(request, middleware.get_response(request))
    assert CSP not in response


def test_json_gets_a_fixed_policy_that_allows_nothing(client, home):
    response = client.get("/verify/keys.json")
    assert response["Content-Type"].startswith("application/json")
    assert response[CSP] == "default-src 'none'; frame-ancestors 'none'"


def test_permissions_policy_header_format():
    assert permissions_policy_header({"camera": [], "fullscreen": ["self"]}) == (
        "camera=(), fullscreen=(self)"
    )
