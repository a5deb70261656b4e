"""config.middleware.AdminRefusalMiddleware: the Wagtail admin refuses with 403.

Wagtail itself refuses a signed-in user with a redirect (to its login page, or to the
dashboard with a message); the middleware turns exactly those into the site's 403 page.
"""

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from wagtail.admin import messages as admin_messages

from accounts.roles import Role
from config.middleware import NO_ADMIN_ACCESS, NO_AREA_ACCESS, AdminRefusalMiddleware
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_HOME = "/admin/"
HR_SCOPES = "/admin/snippets/accounts/hrscope/"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


def shown_messages(client) -> list[str]:
    """The messages the next page shows (read from the learner's dashboard)."""
    response = client.get(reverse("lms:dashboard"))
    return [str(message.message) for message in response.context["messages"]]


# -- Signed in, no admin access: 403 instead of the admin's login page ----------------------


@pytest.mark.parametrize("path", [ADMIN_HOME, "/admin/pages/", HR_SCOPES, "/admin/users/"])
def test_a_learner_gets_403_not_the_admin_login(client, home, learner, path):
    client.force_login(learner)

    response = client.get(path)

    assert response.status_code == 403
    assert "403.html" in template_names(response)
    assert "Access denied" in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


def test_the_refusal_says_why_once(client, home, learner):
    client.force_login(learner)

    response = client.get(ADMIN_HOME)

    assert NO_ADMIN_ACCESS in response.content.decode()
    assert shown_messages(client) == []  # not again on the next page


def test_a_post_is_refused_as_well(client, home, learner):
    client.force_login(learner)

    response = client.post("/admin/snippets/accounts/hrscope/add/", {"user": learner.pk})

    assert response.status_code == 403


def test_anonymous_visitors_keep_the_redirect_to_the_admin_login(client, home):
    response = client.get("/admin/pages/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


@pytest.mark.parametrize(
    "name", ["wagtailadmin_login", "wagtailadmin_password_reset", "wagtailadmin_javascript_catalog"]
)
def test_the_admins_open_screens_stay_open_to_a_learner(client, home, learner, name):
    client.force_login(learner)

    response = client.get(reverse(name))

    assert response.status_code == 200


def test_the_admins_logout_is_left_to_wagtail(client, home, learner):
    client.force_login(learner)

    response = client.post(reverse("wagtailadmin_logout"))

    assert response.status_code == 302


# -- Admin users refused one screen: 403 instead of the dashboard --------------------------


def test_an_author_refused_a_screen_gets_403(client, home, author):
    client.force_login(author)

    response = client.get(HR_SCOPES)

    assert response.status_code == 403
    assert "403.html" in template_names(response)
    assert NO_AREA_ACCESS in response.content.decode()
    assert shown_messages(client) == []


def test_the_refusal_is_recognised_in_chinese_too(client, home, author):
    client.force_login(author)

    response = client.get(HR_SCOPES, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 403
    assert "403.html" in template_names(response)


@pytest.mark.parametrize("role", [Role.COURSE_AUTHOR, Role.HR_OFFICER, Role.SITE_ADMINISTRATOR])
def test_the_dashboard_itself_is_untouched(client, home, role):
    client.force_login(UserFactory(role=role))

    response = client.get(ADMIN_HOME)

    assert response.status_code == 200
    assert "wagtailadmin/home.html" in template_names(response)


def test_a_permitted_screen_is_untouched(client, home):
    client.force_login(UserFactory(role=Role.SITE_ADMINISTRATOR))

    response = client.get(HR_SCOPES)

    assert response.status_code == 200


# -- The middleware alone ------------------------------------------------------------------


def _request(user, path: str = HR_SCOPES):
    request = RequestFactory().get(path)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_a_redirect_to_the_dashboard_without_wagtails_message_is_left_alone(home, author):
    request = _request(author)
    middleware = AdminRefusalMiddleware(lambda r: HttpResponseRedirect(ADMIN_HOME))

    response = middleware(request)

    assert response.status_code == 302


@translation.override("en")  # Wagtail's message, as its English msgid
def test_the_403_page_shows_every_queued_message(home, author):
    request = _request(author)
    messages.success(request, "Saved earlier.")

    def refuse(request):
        admin_messages.error(request, NO_AREA_ACCESS)
        return HttpResponseRedirect(ADMIN_HOME)

    response = AdminRefusalMiddleware(refuse)(request)

    assert response.status_code == 403
    page = response.content.decode()
    assert "Saved earlier." in page  # shown on the 403 page, as on any page
    assert NO_AREA_ACCESS in page


def test_the_learners_403_page_shows_every_queued_message(home, learner):
    request = _request(learner, ADMIN_HOME)
    messages.info(request, "Welcome back.")

    def refuse(request):
        messages.error(request, NO_ADMIN_ACCESS)
        return HttpResponseRedirect(f"{reverse('wagtailadmin_login')}?next=/admin/")

    response = AdminRefusalMiddleware(refuse)(request)

    assert response.status_code == 403
    page = response.content.decode()
    assert "Welcome back." in page
    assert NO_ADMIN_ACCESS in page


def test_redirects_outside_the_admin_are_left_alone(home, learner):
    request = _request(learner, "/learn/")
    response = AdminRefusalMiddleware(lambda r: HttpResponseRedirect("/admin/login/"))(request)

    assert response.status_code == 302


def test_other_answers_are_left_alone(home, learner):
    request = _request(learner)
    response = AdminRefusalMiddleware(lambda r: HttpResponse("ok"))(request)

    assert response.status_code == 200
