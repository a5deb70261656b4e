"""The benchmark suite's Django side, run by bench/run.py with the project's Python and
the production settings: `python bench/django_side.py <step>`; the last line of stdout
is a JSON object.

Steps:
  ensure-database  create the PostgreSQL database named in DATABASE_URL if missing
  prepare          clear the cache, reset the heartbeat learners, sign the scenario users
                   in (sessions), count each scenario's queries, versions of the stack
  hr               the HR staff table's first and hundredth page: the selector against a
                   hand-written SQL query computing the same rows (same process)
  certificates     certificate PDFs against a bare one-line WeasyPrint page (same process)

Not part of the application: it writes only benchmark data (load-*@load.snowland-cme.cn).
"""

import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

TARGET_COURSE_SLUG = "high-altitude-illness"
HEARTBEAT_LEARNERS = 200
HR_OFFICER_EMAIL = "load-hr@load.snowland-cme.cn"
DASHBOARD_EMAIL = "load-dashboard@load.snowland-cme.cn"
LEARNER_EMAIL = "load-{n}@load.snowland-cme.cn"
CERTIFICATE_NAMES = [
    "次仁央宗",
    "扎西德吉 བཀྲ་ཤིས་བདེ་སྐྱིད།",
    "格桑卓玛",
    "ཚེ་རིང་དབྱངས་འཛོམས། 次仁",
    "洛桑旺堆",
]
STAFF_PAGE_SIZE = 25

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


def emit(result: dict) -> None:
    print(json.dumps(result, ensure_ascii=False, default=str))


def ensure_database() -> dict:
    """Create the database named in DATABASE_URL (PostgreSQL) when it does not exist."""
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = url.path.lstrip("/")
    maintenance = url._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    return {"database": name, "created": not exists}


def _setup():
    import django

    django.setup()


def _session_for(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.sessions import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _target_course():
    from courses.models import CoursePage, LessonPage

    course = CoursePage.objects.live().get(slug=TARGET_COURSE_SLUG, depth=4)
    lesson = LessonPage.objects.live().child_of(course).order_by("path").first()
    return course, lesson


def _studying(learner, course, lesson):
    """The learner enrolled in the course, the lesson opened, its clock at zero."""
    from lms.models import Enrollment, EnrollmentStatus, LessonProgress
    from lms.services import lesson_open

    # Written directly, as the load data is: the course's audience rules are not the
    # point here, a learner studying it is.
    Enrollment.objects.update_or_create(
        learner=learner, course=course, defaults={"status": EnrollmentStatus.ACTIVE}
    )
    progress = lesson_open(learner=learner, lesson=lesson)
    LessonProgress.objects.filter(pk=progress.pk).update(
        study_seconds=0, last_beat_at=None, completed_at=None, video_segments={}, checkpoints={}
    )
    return progress


def _hr_officer():
    """The HR officer whose scope is the benchmark city (generate_hr_benchmark_data)."""
    from accounts.models import Institution, User
    from accounts.roles import Role
    from accounts.services import hr_scope_grant, user_add_role

    city = Institution.objects.filter(name__startswith="基准市").order_by("-pk").first()
    if city is None:
        raise SystemExit("No HR benchmark city: run manage.py generate_load_data first.")
    officer = User.objects.filter(email=HR_OFFICER_EMAIL).first()
    if officer is None:
        officer = User.objects.create_user(
            email=HR_OFFICER_EMAIL, password=None, real_name="人事干部", institution=city
        )
        user_add_role(user=officer, role=Role.HR_OFFICER)
    hr_scope_grant(user=officer, institution=city)
    return officer, city


def _query_counts(scenarios: dict) -> dict:
    """Each scenario's queries on a repeat view, through the whole middleware stack."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, spec in scenarios.items():
        client = Client(HTTP_HOST="127.0.0.1")
        for cookie, value in spec.get("cookies", {}).items():
            client.cookies[cookie] = value
        headers = spec.get("headers", {})

        def call(client=client, spec=spec, headers=headers):
            if spec.get("method", "GET") == "POST":
                return client.post(
                    spec["path"], spec["body"], content_type="application/json", headers=headers
                )
            return client.get(spec["path"], headers=headers)

        call()
        with CaptureQueriesContext(connection) as captured:
            response = call()
        counts[name] = {"queries": len(captured), "status": response.status_code}
    return counts


def prepare() -> dict:
    _setup()
    import django
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection

    from accounts.models import User
    from certificates.models import Certificate

    cache.clear()  # a cold start for every run: pages, fragments, sessions, rate limits
    course, lesson = _target_course()
    learners = list(
        User.objects.filter(
            email__in=[LEARNER_EMAIL.format(n=n) for n in range(HEARTBEAT_LEARNERS)]
        ).order_by("pk")
    )
    if len(learners) < HEARTBEAT_LEARNERS:
        raise SystemExit("Too few load learners: run manage.py generate_load_data first.")
    for learner in learners:
        _studying(learner, course, lesson)
    csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret, sent as cookie and header
    beats = [{"session": _session_for(u), "lesson": lesson.pk} for u in learners]
    reader = learners[0]
    dashboard = User.objects.get(email=DASHBOARD_EMAIL)
    officer, _city = _hr_officer()
    certificate = Certificate.objects.order_by("pk").first()
    sessions = {
        "reader": _session_for(reader),
        "dashboard": _session_for(dashboard),
        "hr": _session_for(officer),
    }
    session_cookie = settings.SESSION_COOKIE_NAME
    urls = {
        "catalogue": "/courses/",
        "course": course.url,
        "lesson": lesson.url,
        "verify": f"/verify/{certificate.verification_code}/" if certificate else None,
        "hr_staff": "/learn/hr/staff/?sort=-credits",
    }
    scenarios = {
        "floor": {"path": "/bench/floor/"},
        "catalogue": {"path": urls["catalogue"]},
        "course_cached": {"path": urls["course"]},
        "course_bypass": {"path": urls["course"] + "?from=bench"},
        "course_learner": {
            "path": urls["course"],
            "cookies": {session_cookie: sessions["reader"]},
        },
        "lesson_learner": {
            "path": urls["lesson"],
            "cookies": {session_cookie: sessions["reader"]},
        },
        "dashboard": {"path": "/learn/", "cookies": {session_cookie: sessions["dashboard"]}},
        "heartbeat": {
            "path": "/learn/heartbeat/",
            "method": "POST",
            "body": json.dumps({"lesson": lesson.pk}),
            "cookies": {session_cookie: beats[-1]["session"], settings.CSRF_COOKIE_NAME: csrf},
            "headers": {"X-CSRFToken": csrf},
        },
    }
    if urls["verify"]:
        scenarios["verify"] = {"path": urls["verify"]}
    counts = _query_counts(scenarios)
    _studying(learners[-1], course, lesson)  # undo the counted beats
    cache.clear()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    import redis

    redis_info = redis.Redis.from_url(settings.REDIS_URL).info("server")
    return {
        "session_cookie": session_cookie,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf": csrf,
        "sessions": sessions,
        "beats": beats,
        "urls": urls,
        "lesson_id": lesson.pk,
        "queries": counts,
        "versions": {
            "python": sys.version.split()[0],
            "django": django.get_version(),
            "wagtail": __import__("wagtail").__version__,
            "postgresql": postgres,
            "redis": redis_info.get("redis_version"),
        },
    }


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def hr(rounds: int) -> dict:
    """The staff table's selector against the hand-written SQL, pages 1 and 100."""
    _setup()
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from lms.selectors.hr import StaffFilters, hr_viewer, staff_table

    year = timezone.localdate().year
    officer, city = _hr_officer()
    viewer = hr_viewer(user=officer)
    staff = User.objects.filter(institution__path__startswith=city.path, is_active=True).count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM lms_creditentry")
        entries = cursor.fetchone()[0]
    pages = {}
    for page in (1, 100):
        params = {
            "year": year,
            "prefix": f"{city.path}%",
            "limit": STAFF_PAGE_SIZE,
            "offset": (page - 1) * STAFF_PAGE_SIZE,
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
            start = (page - 1) * STAFF_PAGE_SIZE
            return [person.pk for person in rows[start : start + STAFF_PAGE_SIZE]]

        agree = selector() == raw()
        # Interleaved, so that both see the same machine.
        raw_times, selector_times = [], []
        for _ in range(rounds):
            raw_times.append(_timed(raw))
            selector_times.append(_timed(selector))
        pages[page] = {
            "sql_ms": statistics.median(raw_times) * 1e3,
            "selector_ms": statistics.median(selector_times) * 1e3,
            "rows_agree": agree,
        }
    return {"staff": staff, "entries": entries, "pages": pages}


def certificate_rendering(rounds: int) -> dict:
    """Distinct certificates (names in Chinese and Tibetan) against a bare one-line page,
    interleaved; warm, as in a worker that has rendered before."""
    _setup()
    from weasyprint import HTML

    import certificates.tasks
    from accounts.models import User
    from certificates.fonts import built_faces
    from certificates.models import Certificate
    from certificates.rendering import certificate_pdf
    from certificates.services import certificate_issue
    from lms.models import CourseCompletion, Enrollment, EnrollmentStatus

    certificates.tasks.render_certificate.delay = lambda pk: None  # rendered here instead
    course, _lesson = _target_course()
    made = []
    for n in range(rounds + 1):
        learner = User.objects.get(email=LEARNER_EMAIL.format(n=HEARTBEAT_LEARNERS + n))
        name = CERTIFICATE_NAMES[n % len(CERTIFICATE_NAMES)]
        if learner.real_name != name:
            User.objects.filter(pk=learner.pk).update(real_name=name)
        existing = Certificate.objects.filter(
            enrollment__learner=learner, enrollment__course=course
        ).first()
        if existing is None:
            enrollment, _ = Enrollment.objects.update_or_create(
                learner=learner, course=course, defaults={"status": EnrollmentStatus.COMPLETED}
            )
            completion, _ = CourseCompletion.objects.get_or_create(
                enrollment=enrollment,
                defaults={
                    "completed_at": enrollment.enrolled_at,
                    "final_score": 92,
                    "study_seconds": 3 * 3600,
                },
            )
            existing = certificate_issue(completion_id=completion.pk)
        made.append(existing)

    def bare():
        HTML(string="<p>Hello, world.</p>").write_pdf()

    started = time.perf_counter()
    certificate_pdf(certificate=made[0])  # the process's font set-up happens here
    first = time.perf_counter() - started
    bare()
    bare_times, render_times = [], []
    for certificate in made[1:]:  # interleaved, so that both see the same machine
        bare_times.append(statistics.median(_timed(bare) for _ in range(3)))
        render_times.append(_timed(lambda c=certificate: certificate_pdf(certificate=c)))
    render = statistics.median(render_times)
    return {
        "bare_ms": statistics.median(bare_times) * 1e3,
        "certificate_ms": render * 1e3,
        "first_render_ms": first * 1e3,
        "certificates_per_minute_per_core": 60 / render,
        "fonts": "built subset fonts" if built_faces() else "system fonts (not built)",
        "rounds": len(render_times),
    }


def main() -> None:
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    if step == "ensure-database":
        emit(ensure_database())
    elif step == "prepare":
        emit(prepare())
    elif step == "hr":
        emit(hr(rounds))
    elif step == "certificates":
        emit(certificate_rendering(rounds))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
