"""Bulk data for the HR staff-table benchmark: a city of counties and hospitals, staff
and a large credit ledger, then every summary of the year. PostgreSQL is the target;
SQLite works for small sizes. Never run it on a production database."""

import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.choices import InstitutionKind, Profession, TitleLevel
from accounts.models import Department, Institution, User
from accounts.services import institution_create
from courses.choices import CreditClass, SubjectType
from lms.models import CreditEntry, CreditSource
from lms.services.summaries import compliance_summary_refresh

COUNTIES = 5
HOSPITALS_PER_COUNTY = 4
DEPARTMENTS_PER_HOSPITAL = 8
BATCH = 10_000


def generate_hr_benchmark_data(*, staff: int, entries: int, year: int, seed: int = 1) -> dict:
    """Create the tree, `staff` users and `entries` ledger rows for `year`, then their
    summaries. Returns the root institution and the timings."""
    rng = random.Random(seed)  # noqa: S311  (made-up data, not secrets)
    tag = f"{int(time.time())}-{seed}"
    started = time.perf_counter()
    with transaction.atomic():
        region = Institution.get_first_root_node()
        if region is None or region.kind != InstitutionKind.REGION:
            region = institution_create(name=f"基准自治区 {tag}", kind=InstitutionKind.REGION)
        city = institution_create(name=f"基准市 {tag}", kind=InstitutionKind.CITY, parent=region)
        hospitals = []
        for c in range(COUNTIES):
            county = institution_create(
                name=f"基准县{c} {tag}", kind=InstitutionKind.COUNTY, parent=city
            )
            for h in range(HOSPITALS_PER_COUNTY):
                hospitals.append(
                    institution_create(
                        name=f"基准县{c}医院{h} {tag}",
                        kind=InstitutionKind.COUNTY_HOSPITAL,
                        parent=county,
                    )
                )
        departments = Department.objects.bulk_create(
            Department(institution=hospital, name=f"科室{d}")
            for hospital in hospitals
            for d in range(DEPARTMENTS_PER_HOSPITAL)
        )
    by_hospital = {}
    for department in departments:
        by_hospital.setdefault(department.institution_id, []).append(department)
    professions = Profession.values
    titles = TitleLevel.values
    users = []
    for n in range(staff):
        hospital = hospitals[n % len(hospitals)]
        users.append(
            User(
                email=f"bench-{tag}-{n}@example.cn",
                real_name=f"员工{rng.randrange(10**6):06d}",
                password="!",  # noqa: S106  (unusable: nobody logs in as these)
                institution=hospital,
                department=rng.choice(by_hospital[hospital.pk]),
                profession=rng.choice(professions),
                title_level=rng.choice(titles),
            )
        )
    users = User.objects.bulk_create(users, batch_size=BATCH)
    created_users = time.perf_counter()
    classes = CreditClass.values
    subjects = SubjectType.values
    ids = [user.pk for user in users]
    made = 0
    while made < entries:
        rows = []
        for n in range(made, min(entries, made + BATCH)):
            credits = Decimal(rng.choice((1, 1, 2, 3, 5))) / 10
            rows.append(
                CreditEntry(
                    learner_id=ids[n % len(ids)],
                    credits=credits,
                    study_hours=credits * 3,
                    credit_class=rng.choice(classes),
                    subject_type=rng.choice(subjects),
                    activity_title="基准讲座",
                    year=year,
                    source=CreditSource.IMPORT,
                    source_ref=f"bench:{tag}:{n}",
                    reason="benchmark",
                )
            )
        CreditEntry.objects.bulk_create(rows)
        made += len(rows)
    created_entries = time.perf_counter()
    compliance_summary_refresh(learner_ids=ids, year=year, today=timezone.localdate())
    done = time.perf_counter()
    return {
        "city": city,
        "users_seconds": created_users - started,
        "entries_seconds": created_entries - created_users,
        "summaries_seconds": done - created_entries,
    }


class Command(BaseCommand):
    help = "Generate staff, a credit ledger and summaries for the HR benchmark (not production)."

    def add_arguments(self, parser):
        parser.add_argument("--staff", type=int, default=10_000)
        parser.add_argument("--entries", type=int, default=1_000_000)
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, staff, entries, year, seed, **options):
        year = year or timezone.localdate().year
        result = generate_hr_benchmark_data(staff=staff, entries=entries, year=year, seed=seed)
        self.stdout.write(
            f"{staff} staff under {result['city'].name} ({result['users_seconds']:.1f} s), "
            f"{entries} entries ({result['entries_seconds']:.1f} s), "
            f"summaries ({result['summaries_seconds']:.1f} s)."
        )
