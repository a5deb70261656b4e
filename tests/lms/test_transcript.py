"""The learner's transcript: own records only, every entry with its source, CSV."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.utils import timezone, translation

from accounts.choices import TitleLevel
from accounts.roles import Role
from courses.choices import CreditClass, SubjectType
from lms.services import credit_reverse
from tests.accounts.factories import UserFactory
from tests.lms.test_requirements import award

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


@pytest.fixture
def person(institutions, client):
    user = UserFactory(
        role=Role.LEARNER,
        institution=institutions["hospital_a"],
        title_level=TitleLevel.INTERMEDIATE,
    )
    client.force_login(user)
    return user


def test_transcript_lists_the_years_entries_with_the_compliance_summary(client, home, person):
    award(person, 4, CreditClass.CLASS_1_NATIONAL, hours=12, year=THIS_YEAR)
    award(person, 3, year=THIS_YEAR - 1)
    with translation.override("en"):
        response = client.get("/learn/transcript/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    transcript = response.context["transcript"]
    assert [item.entry.credits for item in transcript.entries] == [D(4)]
    assert transcript.years == [THIS_YEAR, THIS_YEAR - 1]
    page = response.content.decode()
    assert "院内学术讲座" in page
    assert "1 more Class I credits" in page


def test_another_year(client, home, person):
    award(person, 3, year=THIS_YEAR - 1)
    response = client.get(f"/learn/transcript/{THIS_YEAR - 1}/")
    assert [item.entry.credits for item in response.context["transcript"].entries] == [D(3)]


@pytest.mark.parametrize("year", [1900, 9999])
def test_absurd_years_are_not_found(client, home, person, year):
    assert client.get(f"/learn/transcript/{year}/").status_code == 404
    assert client.get(f"/learn/transcript/{year}.csv").status_code == 404


def test_a_learner_never_sees_anothers_records(client, home, person, institutions):
    other = UserFactory(role=Role.LEARNER, institution=institutions["hospital_b"])
    award(other, 9, year=THIS_YEAR)
    response = client.get("/learn/transcript/")
    assert response.context["transcript"].entries == []
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/learn/transcript/{THIS_YEAR}.csv").content.decode("utf-8-sig")
            )
        )
    )
    assert not any("院内学术讲座" in row for row in rows[1:])


def test_anonymous_visitors_are_sent_to_log_in(client, home):
    response = client.get("/learn/transcript/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_csv_has_every_entry_reversals_and_neutralised_formulas(client, home, person):
    officer = UserFactory(role=Role.SITE_ADMINISTRATOR)
    award(person, 2, activity_title='=HYPERLINK("http://evil")', year=THIS_YEAR)
    wrong = award(person, 5, CreditClass.CLASS_1_PROVINCIAL, year=THIS_YEAR)
    credit_reverse(entry=wrong, acting_user=officer, reason="项目编号有误")
    with translation.override("en"):
        response = client.get(f"/learn/transcript/{THIS_YEAR}.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"cme-transcript-{THIS_YEAR}.csv" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][2] == "Activity"
    entries = rows[1:4]
    assert entries[0][2] == '\'=HYPERLINK("http://evil")'
    assert [row[7] for row in entries] == ["2", "5", "-5"]
    assert [row[11] for row in entries] == ["", "Reversed", "Correction"]
    assert entries[2][10] == "项目编号有误"
    assert any(row and row[0] == "Compliance" for row in rows)


def test_transcript_query_count_is_constant(client, home, person, django_assert_num_queries):
    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get("/learn/transcript/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/learn/transcript/").status_code == 200
        return len(captured)

    award(person, 1, year=THIS_YEAR)
    few = queries()
    for n in range(30):
        award(person, 1, subject_type=SubjectType.PUBLIC_COMPULSORY, year=THIS_YEAR - n % 3)
    assert queries() == few


def test_dashboard_shows_this_years_standing_and_links_the_transcript(client, home, person):
    award(person, 30, year=THIS_YEAR)
    response = client.get("/learn/")
    assert response.context["compliance"].year == THIS_YEAR
    assert b"/learn/transcript/" in response.content
