"""The HR pages: scope, the dashboard's counts, breakdowns and trend, the staff table's
search, filters, sorting and pages, the person page and the overdue assignments."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import InstitutionKind, Profession, TitleLevel
from accounts.roles import Role
from accounts.services import hr_scope_grant
from courses.choices import CreditClass
from lms.compliance import ComplianceStatus
from lms.models import ComplianceSummary, Enrollment, EnrollmentSource, EnrollmentStatus
from lms.selectors.hr import PENDING, SORTS, StaffFilters, hr_dashboard, hr_viewer, staff_table
from lms.services.summaries import compliance_summaries_refresh_year
from tests.accounts.factories import DepartmentFactory, UserFactory, institution
from tests.lms.builders import course_with_lessons
from tests.lms.test_requirements import award

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year
STAFF_URL = reverse("lms:hr_staff")


@pytest.fixture
def county_officer(institutions):
    """A county health commission's CME office: the whole county."""
    commission = institution(
        name="林周县卫生健康委员会",
        kind=InstitutionKind.HEALTH_COMMISSION,
        parent=institutions["county_a"],
    )
    user = UserFactory(role=Role.HR_OFFICER, institution=commission)
    hr_scope_grant(user=user, institution=institutions["county_a"])
    return user


@pytest.fixture
def hospital_officer(institutions):
    """A hospital's HR office: only its hospital."""
    user = UserFactory(role=Role.HR_OFFICER, institution=institutions["hospital_a"])
    hr_scope_grant(user=user, institution=institutions["hospital_a"])
    return user


@pytest.fixture
def people(institutions):
    """Staff across the tree, with summaries of this year."""
    surgery = DepartmentFactory(institution=institutions["hospital_a"], name="外科")
    made = {
        "done": UserFactory(
            real_name="次仁卓玛", institution=institutions["hospital_a"], department=surgery
        ),
        "some": UserFactory(
            real_name="扎西", institution=institutions["hospital_a"], profession=Profession.NURSE
        ),
        "township": UserFactory(
            real_name="格桑", institution=institutions["township_a"], title_level=TitleLevel.JUNIOR
        ),
        "other_county": UserFactory(real_name="达瓦", institution=institutions["hospital_b"]),
    }
    award(made["done"], 10, CreditClass.CLASS_1_NATIONAL, hours=60)
    award(made["done"], 15, CreditClass.CLASS_2, hours=30)
    award(made["some"], 3, hours=9)
    award(made["other_county"], 8, hours=24)
    compliance_summaries_refresh_year(year=THIS_YEAR, today=datetime.date(THIS_YEAR, 11, 30))
    made["surgery"] = surgery
    # Joined after the last refresh: no summary yet, still listed.
    made["newcomer"] = UserFactory(real_name="新人", institution=institutions["township_a"])
    return made


def names(response) -> list[str]:
    return [person.real_name for person in response.context["page"].object_list]


# -- Scope ----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in (reverse("lms:hr_dashboard"), STAFF_URL, reverse("lms:hr_assignments")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_learners_are_refused(client, learner):
    client.force_login(learner)
    for url in (
        reverse("lms:hr_dashboard"),
        STAFF_URL,
        reverse("lms:hr_staff_detail", args=[learner.pk]),
        reverse("lms:hr_assignments"),
    ):
        assert client.get(url).status_code == 403


def test_a_hospital_officer_sees_only_the_hospital(client, hospital_officer, people):
    client.force_login(hospital_officer)
    response = client.get(STAFF_URL)
    assert set(names(response)) == {"次仁卓玛", "扎西", hospital_officer.real_name}


def test_a_county_commission_sees_the_whole_county(client, county_officer, people):
    client.force_login(county_officer)
    seen = set(names(client.get(STAFF_URL)))
    assert {"次仁卓玛", "扎西", "格桑"} <= seen
    assert "达瓦" not in seen


def test_superusers_see_everyone(admin_client, people):
    seen = set(names(admin_client.get(STAFF_URL)))
    assert {"次仁卓玛", "扎西", "格桑", "达瓦"} <= seen


def test_a_person_outside_the_scope_is_a_404(client, hospital_officer, people):
    client.force_login(hospital_officer)
    outside = reverse("lms:hr_staff_detail", args=[people["township"].pk])
    assert client.get(outside).status_code == 404
    assert client.get(reverse("lms:hr_staff_detail", args=[999999])).status_code == 404
    inside = client.get(reverse("lms:hr_staff_detail", args=[people["some"].pk]))
    assert inside.status_code == 200


def test_a_filter_by_an_institution_outside_the_scope_is_ignored_with_a_message(
    client, hospital_officer, institutions, people
):
    client.force_login(hospital_officer)
    response = client.get(STAFF_URL, {"institution": institutions["hospital_b"].pk})
    assert "达瓦" not in names(response)
    assert set(names(response)) == {"次仁卓玛", "扎西", hospital_officer.real_name}
    shown = [str(m) for m in response.context["messages"]]
    assert any("outside your scope" in m or "范围" in m for m in shown)


def test_a_department_outside_the_scope_is_refused(client, hospital_officer, institutions, people):
    elsewhere = DepartmentFactory(institution=institutions["hospital_b"], name="内科")
    client.force_login(hospital_officer)
    response = client.get(STAFF_URL, {"department": elsewhere.pk})
    assert response.context["form"].outside_scope
    assert "达瓦" not in names(response)


# -- Staff table ----------------------------------------------------------------------


def test_search_by_name_and_email(client, county_officer, people):
    client.force_login(county_officer)
    assert names(client.get(STAFF_URL, {"q": "扎西"})) == ["扎西"]
    email = people["township"].email
    assert names(client.get(STAFF_URL, {"q": email.upper()})) == ["格桑"]


def test_filters(client, county_officer, institutions, people):
    client.force_login(county_officer)
    township = names(client.get(STAFF_URL, {"institution": institutions["township_a"].pk}))
    assert sorted(township) == sorted(["格桑", "新人"])
    assert names(client.get(STAFF_URL, {"department": people["surgery"].pk})) == ["次仁卓玛"]
    assert names(client.get(STAFF_URL, {"profession": Profession.NURSE})) == ["扎西"]
    assert names(client.get(STAFF_URL, {"title_level": TitleLevel.JUNIOR})) == ["格桑"]
    assert names(client.get(STAFF_URL, {"q": "格桑", "status": ComplianceStatus.AT_RISK})) == [
        "格桑"
    ]
    assert names(client.get(STAFF_URL, {"status": ComplianceStatus.COMPLIANT})) == ["次仁卓玛"]
    assert names(client.get(STAFF_URL, {"status": PENDING})) == ["新人"]


def test_sorting(client, county_officer, people):
    client.force_login(county_officer)
    by_credits = names(client.get(STAFF_URL, {"sort": "-credits"}))
    assert by_credits[:2] == ["次仁卓玛", "扎西"]
    by_hours = names(client.get(STAFF_URL, {"sort": "hours"}))
    assert by_hours[-1] == "次仁卓玛"
    best_first = names(client.get(STAFF_URL, {"sort": "-status"}))
    assert best_first[0] == "次仁卓玛"
    worst_first = names(client.get(STAFF_URL, {"sort": "status"}))
    assert worst_first[0] == "新人"  # not yet computed
    assert worst_first[-1] == "次仁卓玛"


def test_rows_show_credits_by_class_hours_status_and_gaps(client, county_officer, people):
    client.force_login(county_officer)
    response = client.get(STAFF_URL, {"q": "扎西"}, HTTP_ACCEPT_LANGUAGE="en")
    person = response.context["page"].object_list[0]
    assert person.s_credits_class_2 == D(3)
    assert person.s_hours_total == D(9)
    assert person.s_status == ComplianceStatus.AT_RISK
    html = response.content.decode()
    assert "status-at_risk" in html
    for gap in person.gap_list:
        assert gap in html
    assert person.gap_list


def test_pagination(client, institutions, hospital_officer):
    for n in range(30):
        UserFactory(real_name=f"员工{n:02d}", institution=institutions["hospital_a"])
    client.force_login(hospital_officer)
    first = client.get(STAFF_URL, {"q": "员工"})
    assert len(first.context["page"].object_list) == 25
    second = client.get(STAFF_URL, {"q": "员工", "page": 2})
    assert len(second.context["page"].object_list) == 5
    assert "q=%E5%91%98%E5%B7%A5&amp;page=2" in first.content.decode()


@pytest.fixture
def crowd(institutions, people):
    """Ties on every sort key (equal credits, equal names, equal statuses), people with
    and without a summary, and staff outside the hospital."""
    made = [
        UserFactory(real_name=name, institution=institutions["hospital_a"])
        for name in ["拉姆", "拉姆", "拉姆", "央金", "央金", "白玛", "白玛", "尼玛"]
    ]
    for person, credits in zip(made, [4, 4, 0, 4, 7, 7, 0, 2], strict=True):
        if credits:
            award(person, credits, hours=credits * 3)
    compliance_summaries_refresh_year(year=THIS_YEAR, today=datetime.date(THIS_YEAR, 11, 30))
    # After the refresh: no summary, sorted among the pending.
    made.append(UserFactory(real_name="拉姆", institution=institutions["hospital_a"]))
    UserFactory(real_name="拉姆", institution=institutions["hospital_b"])  # out of scope
    return made


@pytest.mark.parametrize("sort", list(SORTS))
def test_every_page_holds_the_rows_of_the_full_order(hospital_officer, crowd, sort):
    viewer = hr_viewer(user=hospital_officer)
    table = staff_table(viewer=viewer, year=THIS_YEAR, filters=StaffFilters(sort=sort))
    everyone = list(table.all())  # unsliced: the plain query, sorted whole
    assert len(everyone) == table.count() == 12  # the crowd, 次仁卓玛, 扎西, the officer
    for start in range(0, len(everyone) + 3, 3):
        page = list(table[start : start + 3])
        assert [p.pk for p in page] == [p.pk for p in everyone[start : start + 3]]
        for shown, full in zip(page, everyone[start : start + 3], strict=True):
            assert (shown.s_status, shown.s_credits_total, shown.s_gaps) == (
                full.s_status,
                full.s_credits_total,
                full.s_gaps,
            )


def test_a_page_sorts_only_ids_and_reads_its_rows_in_one_query(
    hospital_officer, crowd, django_assert_num_queries
):
    viewer = hr_viewer(user=hospital_officer)
    table = staff_table(viewer=viewer, year=THIS_YEAR, filters=StaffFilters(sort="-credits"))
    with CaptureQueriesContext(connection) as queries:
        page = list(table[3:6])
    assert len(queries) == 1
    sql = queries[0]["sql"]
    # The page's ids come from a subquery that carries the sort keys and ids alone;
    # the wide columns (gaps, institution, department) are read for those ids only.
    assert "IN (SELECT" in sql
    keys = sql[sql.index("IN (SELECT") :]
    assert "LIMIT 3" in keys
    for wide in ('"gaps"', '"accounts_department"', '"password"'):
        assert wide not in keys
        assert wide in sql
    with django_assert_num_queries(0):  # institution and department came along
        assert all(str(person.institution) for person in page)
        assert [person.department for person in page]


def _staff(institution, count):
    users = [UserFactory(institution=institution, verified_email=False) for _ in range(count)]
    for user in users[::3]:
        award(user, 2)
    compliance_summaries_refresh_year(year=THIS_YEAR)
    return users


@pytest.mark.parametrize("size", [5, 40])
def test_staff_table_queries_do_not_grow_with_staff(
    client, institutions, hospital_officer, django_assert_num_queries, size
):
    _staff(institutions["hospital_a"], size)
    client.force_login(hospital_officer)
    client.get(STAFF_URL, {"sort": "-credits"})  # warm caches
    # user, HR scope, count, page rows, institution choices, department choices; and the
    # user bar's two profile reads (the same at any size). Permission sets, the site and
    # its settings come from the cache.
    with django_assert_num_queries(STAFF_TABLE_QUERIES):
        response = client.get(STAFF_URL, {"sort": "-credits", "page": 2 if size > 25 else 1})
    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 40])
def test_dashboard_queries_do_not_grow_with_staff(
    client, institutions, hospital_officer, django_assert_num_queries, size
):
    _staff(institutions["hospital_a"], size)
    client.force_login(hospital_officer)
    client.get(reverse("lms:hr_dashboard"))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get(reverse("lms:hr_dashboard")).status_code == 200


# Pinned: the same at every size (see the two tests above). The dashboard: user, HR
# scope, four grouped counts, the trend's one aggregate, and the user bar's two.
STAFF_TABLE_QUERIES = 8
DASHBOARD_QUERIES = 9


# -- Dashboard ------------------------------------------------------------------------


def test_dashboard_counts_breakdowns_and_trend(institutions, county_officer, people):
    viewer = hr_viewer(user=county_officer)
    data = hr_dashboard(viewer=viewer, year=THIS_YEAR, today=datetime.date(THIS_YEAR, 11, 30))
    counts = {seg.status: seg.count for seg in data.overall.segments}
    assert data.total == 5  # four staff and the officer, all in the county
    assert counts[ComplianceStatus.COMPLIANT] == 1
    assert counts[PENDING] == 1
    assert counts[ComplianceStatus.AT_RISK] == 3
    by_institution = {row.label: row.total for row in data.breakdowns[0].rows}
    assert by_institution == {"林周县人民医院": 2, "春堆乡卫生院": 2, "林周县卫生健康委员会": 1}
    by_title = {row.label: row.total for row in data.breakdowns[3].rows}
    assert by_title[str(TitleLevel.JUNIOR.label)] == 1
    by_profession = {row.label: row.total for row in data.breakdowns[2].rows}
    assert by_profession[str(Profession.NURSE.label)] == 1
    # The award was recorded this month: compliant from this month's end on.
    this_month = timezone.localdate().month
    assert [p.compliant for p in data.trend][this_month - 1] == 1
    if this_month > 1:
        assert data.trend[this_month - 2].compliant == 0
    assert data.trend[this_month - 1].percent == 20.0


def test_the_trend_follows_the_months_entries_were_recorded(institutions, hospital_officer):
    person = UserFactory(institution=institutions["hospital_a"])
    award(person, 10, CreditClass.CLASS_1_NATIONAL, hours=60, year=THIS_YEAR - 1)
    award(person, 15, CreditClass.CLASS_2, hours=30, year=THIS_YEAR - 1)
    # Recorded in the following year: they count from the end of the year judged.
    compliance_summaries_refresh_year(year=THIS_YEAR - 1)
    row = ComplianceSummary.objects.get(learner=person, year=THIS_YEAR - 1)
    assert row.compliant_since == datetime.date(THIS_YEAR - 1, 12, 31)
    data = hr_dashboard(
        viewer=hr_viewer(user=hospital_officer), year=THIS_YEAR - 1, today=timezone.localdate()
    )
    assert len(data.trend) == 12
    assert [p.compliant for p in data.trend] == [0] * 11 + [1]


def test_the_dashboard_page_renders_charts_with_tables(client, county_officer, people):
    client.force_login(county_officer)
    response = client.get(reverse("lms:hr_dashboard_year", args=[THIS_YEAR]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('role="img"') >= 5
    assert "<table" in html
    assert client.get(reverse("lms:hr_dashboard_year", args=[1900])).status_code == 404


def test_the_hr_link_shows_for_officers_only(client, county_officer, learner):
    client.force_login(learner)
    assert reverse("lms:hr_dashboard") not in client.get(reverse("lms:dashboard")).content.decode()
    client.force_login(county_officer)
    assert reverse("lms:hr_dashboard") in client.get(reverse("lms:dashboard")).content.decode()


# -- Person page ----------------------------------------------------------------------


def test_the_person_page_shows_compliance_entries_enrolments_and_the_audit_link(
    client, hospital_officer, people, catalogue
):
    course, _lessons = course_with_lessons(catalogue)
    Enrollment.objects.create(
        learner=people["some"],
        course=course,
        source=EnrollmentSource.ASSIGNED,
        due_date=datetime.date(THIS_YEAR, 1, 1),
    )
    client.force_login(hospital_officer)
    response = client.get(reverse("lms:hr_staff_detail", args=[people["some"].pk]))
    html = response.content.decode()
    assert response.context["report"].credits_by_class[CreditClass.CLASS_2] == D(3)
    assert reverse("lms:learner_audit", args=[people["some"].pk]) in html
    assert course.title in html
    assert "院内学术讲座" in html


# -- Assigned courses -----------------------------------------------------------------


def test_assignments_list_counts_and_overdue_people_in_scope(
    client, hospital_officer, people, catalogue
):
    course, _lessons = course_with_lessons(catalogue)
    past = timezone.localdate() - datetime.timedelta(days=3)
    for key, status in (
        ("done", EnrollmentStatus.COMPLETED),
        ("some", EnrollmentStatus.ACTIVE),
        ("other_county", EnrollmentStatus.ACTIVE),
    ):
        Enrollment.objects.create(
            learner=people[key],
            course=course,
            source=EnrollmentSource.ASSIGNED,
            due_date=past,
            status=status,
        )
    client.force_login(hospital_officer)
    response = client.get(reverse("lms:hr_assignments"))
    [row] = response.context["rows"]
    assert (row.assigned, row.completed, row.overdue) == (2, 1, 1)
    overdue = [e.learner.real_name for e in response.context["overdue"].object_list]
    assert overdue == ["扎西"]
