"""Snippet choosers answer only those who may need them (accounts.admin_choosers).

Wagtail's snippet choosers list every object to anyone in the admin; the choosers of
HR scopes, exam questions, rule sets, approval chains and certificate templates check
the model's "change" permission first. Institutions, departments and course categories
are public and keep open choosers.
"""

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.admin_choosers import (
    PermissionCheckedChooserViewSet,
    user_may_choose,
)
from accounts.models import HRScope
from accounts.roles import Role
from accounts.services import hr_scope_grant
from certificates.models import CertificateTemplate
from courses.models import Question
from lms.models import ApprovalChain, ApprovalChainStep, ApprovalLevel, RequirementRuleSet
from tests.accounts.factories import DepartmentFactory, UserFactory
from tests.certificates.factories import CertificateTemplateFactory
from tests.courses.factories import CoursePageFactory
from tests.lms.factories import QuestionFactory

pytestmark = pytest.mark.django_db

CHOOSER_VIEWS = ("choose", "choose_results", "chosen", "chosen_multiple")


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def hr_officer(home, institutions):
    officer = UserFactory(role=Role.HR_OFFICER, institution=institutions["hospital_a"])
    hr_scope_grant(user=officer, institution=institutions["county_a"])
    return officer


@pytest.fixture
def site_admin(home, institutions):
    return UserFactory(role=Role.SITE_ADMINISTRATOR, institution=institutions["region"])


@pytest.fixture
def objects(catalogue, institutions, hr_officer):
    """One object of each guarded model, with a name that a listing would show."""
    course = CoursePageFactory(parent=catalogue, title="选择器课程")
    chain = ApprovalChain.objects.create(institution=institutions["hospital_b"])
    ApprovalChainStep.objects.create(chain=chain, level=ApprovalLevel.INSTITUTION_OFFICE)
    return {
        HRScope: HRScope.objects.get(user=hr_officer),
        Question: QuestionFactory(course=course, text="CHOOSER秘密考题"),
        RequirementRuleSet: RequirementRuleSet.objects.create(
            name="CHOOSER规则",
            version="t",
            effective_from=timezone.localdate().replace(month=1, day=1),
        ),
        ApprovalChain: chain,
        CertificateTemplate: CertificateTemplateFactory(name="CHOOSER模板"),
    }


def chooser_url(model, view: str, obj) -> str:
    namespace = model.snippet_viewset.get_chooser_admin_url_namespace()
    if view == "chosen":
        return reverse(f"{namespace}:chosen", args=[obj.pk])
    url = reverse(f"{namespace}:{view}")
    return f"{url}?id={obj.pk}" if view == "chosen_multiple" else url


GUARDED = [HRScope, Question, RequirementRuleSet, ApprovalChain, CertificateTemplate]


def test_the_guarded_choosers_check_change():
    reverse("wagtailadmin_home")  # loads the admin's URLs, which registers the viewsets
    for model in GUARDED:
        viewset = model.snippet_viewset.chooser_viewset
        assert isinstance(viewset, PermissionCheckedChooserViewSet), model
        assert viewset.chooser_permissions == ("change",), model


@pytest.mark.parametrize("model", GUARDED)
@pytest.mark.parametrize("view", CHOOSER_VIEWS)
def test_an_hr_officer_is_refused_every_guarded_chooser(client, objects, hr_officer, model, view):
    client.force_login(hr_officer)

    response = client.get(chooser_url(model, view, objects[model]))

    assert response.status_code == 403
    assert str(objects[model]) not in response.content.decode()


@pytest.mark.parametrize("view", CHOOSER_VIEWS)
def test_exam_questions_are_chosen_by_authors_and_reviewers_only(
    client, objects, author, reviewer, view
):
    question = objects[Question]
    for user in (author, reviewer):
        client.force_login(user)
        assert client.get(chooser_url(Question, view, question)).status_code == 200


def test_the_question_chooser_lists_the_questions_to_an_author(client, objects, author):
    client.force_login(author)

    response = client.get(chooser_url(Question, "choose", objects[Question]))

    assert "CHOOSER秘密考题" in response.json()["html"]


@pytest.mark.parametrize("model", [HRScope, RequirementRuleSet, ApprovalChain, CertificateTemplate])
def test_authors_and_reviewers_are_refused_the_other_guarded_choosers(
    client, objects, author, reviewer, model
):
    for user in (author, reviewer):
        client.force_login(user)
        response = client.get(chooser_url(model, "choose", objects[model]))
        assert response.status_code == 403, (user, model)


@pytest.mark.parametrize("model", [HRScope, ApprovalChain, Question])
def test_a_site_administrator_keeps_the_choosers_of_what_they_manage(
    client, objects, site_admin, model
):
    client.force_login(site_admin)

    response = client.get(chooser_url(model, "choose", objects[model]))

    assert response.status_code == 200


@pytest.mark.parametrize("model", [RequirementRuleSet, CertificateTemplate])
def test_a_site_administrator_without_the_permission_is_refused(client, objects, site_admin, model):
    # Site administrators hold no permission on rule sets or templates (superusers do).
    client.force_login(site_admin)

    assert client.get(chooser_url(model, "choose", objects[model])).status_code == 403


@pytest.mark.parametrize(
    ("label", "target"),
    [
        ("accounts.Institution", lambda i: i["hospital_b"]),
        ("accounts.Department", lambda i: DepartmentFactory(institution=i["hospital_b"])),
    ],
)
def test_public_choosers_stay_open(client, institutions, hr_officer, author, label, target):
    model = apps.get_model(label)
    obj = target(institutions)
    for user in (hr_officer, author):
        client.force_login(user)
        for view in CHOOSER_VIEWS:
            assert client.get(chooser_url(model, view, obj)).status_code == 200, (user, view)


def test_user_may_choose(institutions, hr_officer, author):
    superuser = UserFactory(is_superuser=True, institution=institutions["region"])

    assert user_may_choose(user=author, model=Question, actions=("change",))
    assert not user_may_choose(user=hr_officer, model=Question, actions=("change",))
    assert user_may_choose(user=superuser, model=HRScope, actions=("change",))
    assert not user_may_choose(user=superuser, model=HRScope, actions=())
