"""HR staff table: the first and the hundredth page against a hand-written SQL query
computing the same rows, in the same run (PostgreSQL only).

Run with `DATABASE_URL=postgres://... make bench`. Prints ratios and sizes; asserts
only that the rows agree (machines differ). Sizes: HR_BENCH_STAFF / HR_BENCH_ENTRIES
(defaults 10 000 staff and 200 000 entries, so that generation stays near a minute;
`generate_hr_benchmark_data --staff 10000 --entries 1000000` makes the full set).
"""

import os
import time

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.services import hr_scope_grant
from lms.management.commands.generate_hr_benchmark_data import generate_hr_benchmark_data
from lms.selectors.hr import StaffFilters, hr_viewer, staff_table
from tests.accounts.factories import UserFactory

STAFF = int(os.environ.get("HR_BENCH_STAFF", "10000"))
ENTRIES = int(os.environ.get("HR_BENCH_ENTRIES", "200000"))
ROUNDS = 20
PAGE_SIZE = 25

HAND_WRITTEN = """
SELECT u.id, u.real_name, u.email, i.name, d.name, s.status,
       s.credits_class_1_national, s.credits_class_1_provincial, s.credits_class_2,
       s.credits_total, s.hours_professional, s.hours_public_compulsory, s.hours_total, s.gaps
FROM accounts_user u
JOIN accounts_institution i ON i.id = u.institution_id
LEFT JOIN accounts_department d ON d.id = u.department_id
LEFT JOIN lms_compliancesummary s ON s.learner_id = u.id AND s.year = %(year)s
WHERE u.is_active AND i.path LIKE %(prefix)s
ORDER BY s.credits_total DESC NULLS LAST, u.real_name, u.id
LIMIT %(limit)s OFFSET %(offset)s
"""
HAND_WRITTEN_COUNT = """
SELECT count(*) FROM accounts_user u JOIN accounts_institution i ON i.id = u.institution_id
WHERE u.is_active AND i.path LIKE %(prefix)s
"""


def _timed(function) -> float:
    function()  # warm
    start = time.perf_counter()
    for _ in range(ROUNDS):
        function()
    return (time.perf_counter() - start) / ROUNDS


@pytest.mark.django_db
def test_staff_table_pages_against_hand_written_sql(client, institutions):
    if connection.vendor != "postgresql":
        pytest.skip("The HR staff-table benchmark targets PostgreSQL; set DATABASE_URL.")
    year = timezone.localdate().year
    started = time.perf_counter()
    data = generate_hr_benchmark_data(staff=STAFF, entries=ENTRIES, year=year)
    print(
        f"\nhr staff table: {STAFF} staff, {ENTRIES} entries generated in "
        f"{time.perf_counter() - started:.1f} s"
    )
    city = data["city"]
    officer = UserFactory(role=Role.HR_OFFICER, institution=institutions["city_hospital"])
    hr_scope_grant(user=officer, institution=city)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    viewer = hr_viewer(user=officer)
    client.force_login(officer)
    for page in (1, 100):
        params = {
            "year": year,
            "prefix": f"{city.path}%",
            "limit": PAGE_SIZE,
            "offset": (page - 1) * PAGE_SIZE,
        }

        def raw(params=params):
            with connection.cursor() as cursor:
                cursor.execute(HAND_WRITTEN_COUNT, params)
                cursor.fetchone()
                cursor.execute(HAND_WRITTEN, params)
                return [row[0] for row in cursor.fetchall()]

        def selector(page=page):
            rows = staff_table(viewer=viewer, year=year, filters=StaffFilters(sort="-credits"))
            rows.count()
            start = (page - 1) * PAGE_SIZE
            return [person.pk for person in rows[start : start + PAGE_SIZE]]

        def view(page=page):
            response = client.get(reverse("lms:hr_staff"), {"sort": "-credits", "page": page})
            if response.status_code != 200:
                pytest.fail(f"the staff table answered {response.status_code}")

        if selector() != raw():
            pytest.fail("the selector and the hand-written query disagree")
        baseline, queried, served = _timed(raw), _timed(selector), _timed(view)
        print(
            f"page {page}: hand-written SQL {baseline * 1e3:.2f} ms; selector "
            f"{queried * 1e3:.2f} ms ({queried / baseline:.2f}x); whole page "
            f"{served * 1e3:.2f} ms ({served / baseline:.2f}x) over {ROUNDS} rounds"
        )
