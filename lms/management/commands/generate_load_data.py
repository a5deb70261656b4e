"""Realistic data for the benchmark suite (`make bench`, bench/run.py). Not production.

On top of the demo site (`seed_demo`): copies of the demo courses until the catalogue
holds `--courses` of them (each copy a real Wagtail page tree with revisions), then
`--learners` learners in the demo institutions with enrolments, lesson progress and a
year of credit entries; one learner enrolled in 50 courses (the dashboard scenario);
and the HR data set of `generate_hr_benchmark_data` (`--hr-staff` staff and
`--hr-entries` ledger entries). Every step is skipped when its data is already there,
so running it again changes nothing; bench/run.py runs it once per database.

PostgreSQL is the target; SQLite works for small sizes.
"""

import json
import random
import time
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from accounts.choices import Profession, TitleLevel
from accounts.models import Institution, User
from accounts.roles import Role
from courses.choices import CreditClass, SubjectType
from courses.models import CourseIndexPage, CoursePage, LessonPage
from lms.management.commands.generate_hr_benchmark_data import generate_hr_benchmark_data
from lms.models import CreditEntry, CreditSource, Enrollment, EnrollmentStatus, LessonProgress
from lms.services.summaries import compliance_summary_refresh

LEARNER_EMAIL = "load-{n}@load.snowland-cme.cn"
DASHBOARD_EMAIL = "load-dashboard@load.snowland-cme.cn"
DASHBOARD_ENROLMENTS = 50
ENROLMENTS_PER_LEARNER = 3
ENTRIES_PER_LEARNER = 8
BATCH = 5_000
HR_CITY_PREFIX = "基准市"


def _log(command, message: str) -> None:
    if command is not None:
        command.stdout.write(message)


def catalogue_copies(*, courses: int, command=None) -> list[CoursePage]:
    """Copy the demo courses (with their lessons, live, with revisions) until the
    catalogue holds `courses` courses."""
    catalogue = CourseIndexPage.objects.get()
    originals = list(CoursePage.objects.child_of(catalogue).live().order_by("path"))
    originals = [c for c in originals if "-load-" not in c.slug]
    existing = CoursePage.objects.child_of(catalogue).count()
    made = 0
    edition = 2
    while existing + made < courses:
        for original in originals:
            if existing + made >= courses:
                break
            slug = f"{original.slug}-load-{edition}"
            if CoursePage.objects.child_of(catalogue).filter(slug=slug).exists():
                continue
            original.copy(
                recursive=True,
                to=catalogue,
                update_attrs={"slug": slug, "title": f"{original.title}（第{edition}期）"},
                keep_live=True,
                log_action=None,
            )
            made += 1
        edition += 1
    _log(command, f"courses: {existing} there, {made} copied")
    return list(CoursePage.objects.child_of(catalogue).live().order_by("path"))


def _lessons_by_course(courses: list[CoursePage]) -> dict[int, list[int]]:
    by_path = {course.path: course.pk for course in courses}
    lessons: dict[int, list[int]] = {course.pk: [] for course in courses}
    for pk, path in LessonPage.objects.live().order_by("path").values_list("pk", "path"):
        course_id = by_path.get(path[: -Page.steplen])
        if course_id is not None:
            lessons[course_id].append(pk)
    return lessons


def _learners(*, count: int, rng: random.Random) -> list[User]:
    existing = set(
        User.objects.filter(email__endswith="@load.snowland-cme.cn").values_list("email", flat=True)
    )
    institutions = list(
        Institution.objects.filter(name__contains="医院").exclude(
            name__startswith=HR_CITY_PREFIX[:2]
        )
    )
    institutions = institutions or list(Institution.objects.all()[:5])
    wanted = [LEARNER_EMAIL.format(n=n) for n in range(count)] + [DASHBOARD_EMAIL]
    missing = [email for email in wanted if email not in existing]
    if missing:
        made = User.objects.bulk_create(
            [
                User(
                    email=email,
                    real_name=f"学员{rng.randrange(10**5):05d}",
                    password="!",  # noqa: S106  (unusable: the bench signs in by session)
                    institution=rng.choice(institutions),
                    profession=rng.choice(Profession.values),
                    title_level=rng.choice(TitleLevel.values),
                )
                for email in missing
            ],
            batch_size=BATCH,
        )
        group = Group.objects.get(name=Role.LEARNER.value)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=user.pk, group_id=group.pk) for user in made],
            batch_size=BATCH,
        )
    by_email = {u.email: u for u in User.objects.filter(email__in=wanted)}
    return [by_email[email] for email in wanted]


def _enrol(*, pairs: list[tuple[int, int]], lessons: dict[int, list[int]], rng) -> int:
    """Enrolments for (learner, course) pairs that have none, with progress on the first
    lessons (some completed) so that dashboards and course pages show real state."""
    have = set(
        Enrollment.objects.filter(learner_id__in={p[0] for p in pairs}).values_list(
            "learner_id", "course_id"
        )
    )
    now = timezone.now()
    new = [
        Enrollment(
            learner_id=learner_id,
            course_id=course_id,
            status=EnrollmentStatus.ACTIVE,
            last_studied_at=now - timedelta(days=rng.randrange(60)),
        )
        for learner_id, course_id in pairs
        if (learner_id, course_id) not in have
    ]
    made = Enrollment.objects.bulk_create(new, batch_size=BATCH)
    progress = []
    for enrollment in made:
        course_lessons = lessons.get(enrollment.course_id, [])
        for position, lesson_id in enumerate(
            course_lessons[: rng.randrange(len(course_lessons) + 1)]
        ):
            done = position < len(course_lessons) - 1 and rng.random() < 0.7
            progress.append(
                LessonProgress(
                    enrollment_id=enrollment.pk,
                    lesson_id=lesson_id,
                    study_seconds=rng.randrange(60, 1800),
                    last_beat_at=now - timedelta(days=1),
                    completed_at=now - timedelta(days=1) if done else None,
                )
            )
    LessonProgress.objects.bulk_create(progress, batch_size=BATCH)
    return len(made)


def _ledger(*, learners: list[User], year: int, rng: random.Random) -> int:
    ids = [learner.pk for learner in learners]
    if CreditEntry.objects.filter(learner_id__in=ids, source_ref__startswith="load:").exists():
        return 0
    rows = [
        CreditEntry(
            learner_id=learner_id,
            credits=Decimal(rng.choice((5, 10, 10, 20, 30))) / 10,
            study_hours=Decimal(rng.choice((15, 30, 60))) / 10,
            credit_class=rng.choice(CreditClass.values),
            subject_type=rng.choice(SubjectType.values),
            activity_title="继续医学教育讲座",
            year=year,
            source=CreditSource.IMPORT,
            source_ref=f"load:{learner_id}:{n}",
            reason="load data",
        )
        for learner_id in ids
        for n in range(ENTRIES_PER_LEARNER)
    ]
    CreditEntry.objects.bulk_create(rows, batch_size=BATCH)
    compliance_summary_refresh(learner_ids=ids, year=year, today=timezone.localdate())
    return len(rows)


def _hr_data(*, staff: int, entries: int, year: int, command=None) -> str:
    for city in Institution.objects.filter(name__startswith=HR_CITY_PREFIX):
        inside = User.objects.filter(institution__path__startswith=city.path).count()
        if inside >= staff:
            _log(command, f"HR data: {inside} staff under {city.name} already there")
            return city.name
    started = time.perf_counter()
    result = generate_hr_benchmark_data(staff=staff, entries=entries, year=year)
    _log(
        command,
        f"HR data: {staff} staff, {entries} entries in {time.perf_counter() - started:.0f} s",
    )
    return result["city"].name


def generate_load_data(
    *,
    learners: int,
    courses: int = 60,
    hr_staff: int = 10_000,
    hr_entries: int = 1_000_000,
    year: int | None = None,
    seed: int = 7,
    command=None,
) -> dict:
    rng = random.Random(seed)  # noqa: S311  (made-up data)
    year = year or timezone.localdate().year
    started = time.perf_counter()
    if not CourseIndexPage.objects.exists():
        call_command("seed_demo", verbosity=0)  # the demo site: pages, people, settings
    with transaction.atomic():
        catalogue = catalogue_copies(
            courses=max(courses, DASHBOARD_ENROLMENTS + 1), command=command
        )
    lessons = _lessons_by_course(catalogue)
    with_lessons = [course.pk for course in catalogue if lessons[course.pk]]
    with transaction.atomic():
        people = _learners(count=learners, rng=rng)
        *ordinary, dashboard = people
        pairs = [
            (learner.pk, course_id)
            for learner in ordinary
            for course_id in rng.sample(
                with_lessons, min(ENROLMENTS_PER_LEARNER, len(with_lessons))
            )
        ]
        pairs += [(dashboard.pk, course_id) for course_id in with_lessons[:DASHBOARD_ENROLMENTS]]
        enrolled = _enrol(pairs=pairs, lessons=lessons, rng=rng)
        entries = _ledger(learners=people, year=year, rng=rng)
    _log(command, f"learners: {len(people)}, {enrolled} new enrolments, {entries} new entries")
    city = _hr_data(staff=hr_staff, entries=hr_entries, year=year, command=command)
    return {
        "learners": learners,
        "courses": len(catalogue),
        "hr_staff": hr_staff,
        "hr_entries": hr_entries,
        "hr_city": city,
        "year": year,
        "seconds": round(time.perf_counter() - started, 1),
    }


class Command(BaseCommand):
    help = "Generate realistic data for the benchmark suite (make bench). Never in production."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=2_000)
        parser.add_argument("--courses", type=int, default=60)
        parser.add_argument("--hr-staff", type=int, default=10_000)
        parser.add_argument("--hr-entries", type=int, default=1_000_000)
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="End with a JSON summary."
        )

    def handle(
        self, *args, learners, courses, hr_staff, hr_entries, year, seed, as_json, **options
    ):
        summary = generate_load_data(
            learners=learners,
            courses=courses,
            hr_staff=hr_staff,
            hr_entries=hr_entries,
            year=year,
            seed=seed,
            command=self,
        )
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(self.style.SUCCESS(f"Load data ready in {summary['seconds']} s."))
