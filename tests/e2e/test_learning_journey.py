"""A new learner's whole journey in a real browser, in the Chinese interface.

Sign up, verify the e-mail, enrol, study both lessons until the page itself says they
are complete (the heartbeat script credits real time; one lesson has a checkpoint),
fail the final exam once, pass it at the second attempt, and find the course under
"Completed" on the dashboard. The rules are the real ones on a shorter clock
(`fast_study`): nothing is marked complete behind the page's back.
"""

import re
import time
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Locator, Page, expect, sync_playwright

from accounts.choices import Profession, TitleLevel
from accounts.models import User
from cms.services import site_setup
from courses.choices import QuestionKind
from courses.models import CourseIndexPage
from lms.models import CourseCompletion, ExamAttempt, LessonProgress
from lms.rules import LessonRule
from lms.templatetags.learning import study_time
from tests.accounts.factories import institution_tree
from tests.courses.factories import CourseCategoryFactory, CoursePageFactory, LessonPageFactory
from tests.lms.factories import QuestionFactory

EMAIL = "dawa.zhuoma@example.cn"
PASSWORD = "Xue-yu-2024-yak-butter"
REAL_NAME = "达瓦卓玛"
# Pictures for people to look at, never committed (Playwright writes them anew).
SCREENSHOT = "/tmp/e2e-dashboard.png"  # noqa: S108
FAILURE_SCREENSHOT = "/tmp/e2e-failure.png"  # noqa: S108
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[-:\w]+/)")
# The lesson page must show completion within this long once the rule is met.
COMPLETION_WAIT_MS = 20_000
MAX_ATTEMPTS = 2

# The exam bank: question → (its correct choice, a wrong one, another wrong one).
BANK = {
    "高原肺水肿最有效的处理是什么？": ("立即下撤并吸氧", "继续登高适应", "大量饮水"),
    "急性高原病首选的预防药物是哪一种？": ("乙酰唑胺", "阿司匹林", "布洛芬"),
}
CHECKPOINT = {
    "question": "发现同伴出现高原肺水肿的早期表现，应当首先怎么做？",
    "kind": QuestionKind.SINGLE,
    "choices": [
        {"text": "陪同下撤并给氧", "correct": True},
        {"text": "原地休息观察一晚", "correct": False},
    ],
    "explanation": "<p>下撤是最有效的处理，给氧可以争取时间。</p>",
}


def zh(message: str) -> str:
    """An interface string as a person reading the Chinese interface sees it."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def zh_study_time(seconds: int) -> str:
    with translation.override("zh-hans"):
        return study_time(seconds)


@dataclass(frozen=True)
class Lesson:
    pk: int
    title: str
    url: str
    required_seconds: int


@dataclass(frozen=True)
class World:
    """What the browser part needs, read before it starts: Django refuses ORM calls
    while Playwright runs (see conftest.py)."""

    course_pk: int
    course_title: str
    course_url: str
    lessons: list[Lesson]
    institution_pk: int


def build_world(live_server) -> World:
    """The site on the live server's address, a course with two short lessons (the
    second with a checkpoint), a two-question exam that needs every answer right,
    and the institutions a learner signs up under."""
    address = urlsplit(live_server.url)
    home = site_setup(hostname=address.hostname, port=address.port)
    catalogue = CourseIndexPage.objects.child_of(home).get()
    course = CoursePageFactory(
        parent=catalogue,
        title="高原病的基层防治",
        slug="high-altitude-illness",
        category=CourseCategoryFactory(name="高原医学", slug="high-altitude-medicine"),
        exam_question_count=2,
        exam_pass_mark=100,
        exam_max_attempts=MAX_ATTEMPTS,
        exam_time_limit_minutes=None,
        exam_retry_wait_minutes=0,
    )
    lessons = [
        LessonPageFactory(
            parent=course,
            title="第一讲 急性高原反应",
            slug="acute-mountain-sickness",
            estimated_minutes=2,
        ),
        LessonPageFactory(
            parent=course,
            title="第二讲 高原肺水肿",
            slug="high-altitude-pulmonary-oedema",
            estimated_minutes=2,
            body=[
                ("paragraph", "<p>高原肺水肿常在到达高原后二至四天内发生。</p>"),
                ("checkpoint", CHECKPOINT),
            ],
        ),
    ]
    for text, (right, *wrong) in BANK.items():
        QuestionFactory(
            course=course,
            kind=QuestionKind.SINGLE,
            text=text,
            explanation=f"<p>正确答案：{right}。</p>",
            choices=[(right, True), *((choice, False) for choice in wrong)],
        )
    institutions = institution_tree()
    return World(
        course_pk=course.pk,
        course_title=course.title,
        course_url=course.url,
        lessons=[
            Lesson(
                pk=lesson.pk,
                title=lesson.title,
                url=lesson.url,
                required_seconds=LessonRule.for_lesson(lesson).required_seconds,
            )
            for lesson in lessons
        ],
        institution_pk=institutions["hospital_a"].pk,
    )


def sign_up_and_verify(page: Page, mailoutbox, world: World) -> None:
    page.goto(reverse("account_signup"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Sign Up"))
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.fill("input[name=real_name]", REAL_NAME)
    page.select_option("select[name=profession]", Profession.NURSE)
    page.select_option("select[name=title_level]", TitleLevel.JUNIOR)
    page.select_option("select[name=institution]", str(world.institution_pk))
    page.get_by_role("button", name=zh("Sign Up")).click()

    # Told to check the mailbox; the mail carries the confirmation link.
    expect(page).to_have_url(re.compile(re.escape(reverse("account_email_verification_sent"))))
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [EMAIL]
    assert mail.subject.startswith("[雪域继教]")
    link = CONFIRM_LINK.search(mail.body)
    assert link, mail.body

    page.goto(link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Confirm Email Address"))
    expect(page.locator("main")).to_contain_text(EMAIL)
    page.get_by_role("button", name=zh("Confirm")).click()

    logged_out = page.get_by_role("button", name=zh("Log out")).count() == 0
    if logged_out:  # confirming in another browser than the one that signed up
        page.goto(reverse("account_login"))
        page.fill("input[name=login]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name=zh("Sign In")).click()
    expect(page.get_by_role("button", name=zh("Log out"))).to_be_visible()

    page.goto(reverse("lms:dashboard"))
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My learning"))
    expect(page.locator("main")).to_contain_text(zh("You have no course in progress."))
    expect(page.locator("main")).to_contain_text(zh("No completed course yet."))


def enrol(page: Page, world: World) -> None:
    page.goto(world.course_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(world.course_title)
    expect(page.locator(".course-header .eyebrow")).to_have_text("高原医学")
    page.get_by_role("button", name=zh("Enrol"), exact=True).click()
    expect(page.locator(".messages")).to_contain_text(
        zh("You are enrolled. Open the first lesson to begin.")
    )
    box = page.locator(".enrol-box")
    expect(box.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")
    expect(box.get_by_role("link", name=zh("Start"), exact=True)).to_be_visible()


def study(page: Page, lesson: Lesson, *, link: Locator, checkpoint: bool = False) -> float:
    """Open the lesson by its link and stay until the page says it is complete;
    returns the seconds that took (a bound on the study time the server may credit)."""
    opened_at = time.monotonic()
    link.click()
    expect(page).to_have_url(re.compile(re.escape(lesson.url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
    done = page.locator("[data-complete-text]")
    doing = page.locator("[data-progress-text]")
    # Nothing is complete on arrival: the rule needs real time on the page.
    expect(doing).to_be_visible()
    expect(done).to_be_hidden()
    if checkpoint:
        form = page.locator("form[data-checkpoint]")
        expect(form).to_contain_text(CHECKPOINT["question"])
        form.locator("label", has_text="陪同下撤并给氧").click()
        form.get_by_role("button", name=zh("Answer"), exact=True).click()
        feedback = form.locator(".checkpoint-feedback")
        expect(feedback.locator(".ok")).to_have_text(zh("Correct."))
        expect(feedback.locator(".explanation")).to_contain_text("下撤是最有效的处理")
    expect(done).to_be_visible(timeout=COMPLETION_WAIT_MS)
    expect(done).to_have_text(zh("Lesson complete."))
    expect(doing).to_be_hidden()
    # The script rewrote the study time after its beats, in Chinese like the server's.
    unit = re.sub(r"[\d\s]", "", zh_study_time(0))
    expect(page.locator("[data-studied]")).to_have_text(re.compile(rf"^\d+\s*{unit}$"))
    return time.monotonic() - opened_at


def answer_paper(page: Page, *, wrong: set[str]) -> None:
    """Answer each question on the paper: the correct choice, or a wrong one for the
    questions named in `wrong`. The paper's order and the choices' order are random."""
    questions = page.locator("fieldset.exam-question")
    expect(questions).to_have_count(len(BANK))
    for text, (right, wrong_choice, _other) in BANK.items():
        question = questions.filter(has_text=text)
        expect(question).to_have_count(1)
        choice = wrong_choice if text in wrong else right
        question.locator("label", has_text=choice).click()
        expect(question.get_by_role("radio", checked=True)).to_have_count(1)
    page.get_by_role("button", name=zh("Submit the exam"), exact=True).click()


def take_exam(page: Page, *, attempt: int, wrong: set[str]) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text(zh("Final exam"))
    expect(page.locator("main")).to_contain_text(
        zh("%(left)s of %(total)s left")
        % {"left": MAX_ATTEMPTS - attempt + 1, "total": MAX_ATTEMPTS}
    )
    page.get_by_role("button", name=zh("Start the exam"), exact=True).click()
    expect(page).to_have_url(re.compile(r"/learn/attempts/\d+/$"))
    answer_paper(page, wrong=wrong)
    expect(page).to_have_url(re.compile(r"/learn/attempts/\d+/result/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(zh("Exam result"))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)  # the live server sees only committed data
def test_a_new_learner_signs_up_studies_and_completes_a_course(
    chromium_launch, live_server, migration_data, fast_study, mailoutbox
):
    world = build_world(live_server)
    first, second = world.lessons
    page_errors: list[str] = []
    failed_requests: list[str] = []
    csp_violations: list[str] = []  # the Content-Security-Policy must hold what pages do

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch)
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on(
                "console",
                lambda message: (
                    csp_violations.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            page.on(
                "response",
                lambda r: (
                    failed_requests.append(f"{r.status} {r.request.method} {r.url}")
                    if r.status >= 400
                    else None
                ),
            )

            sign_up_and_verify(page, mailoutbox, world)
            enrol(page, world)

            start = page.locator(".enrol-box").get_by_role("link", name=zh("Start"), exact=True)
            took = [study(page, first, link=start)]
            next_lesson = page.locator(".lesson-nav a[rel=next]")
            took.append(study(page, second, link=next_lesson, checkpoint=True))
            page.get_by_role("link", name=zh("Back to the course"), exact=True).click()

            # Both lessons ticked off; the next step is the final exam.
            expect(page.locator(".lesson-list .done-mark")).to_have_count(2)
            box = page.locator(".enrol-box")
            expect(box.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
            box.get_by_role("link", name=zh("Take the final exam"), exact=True).click()

            # One wrong answer of two fails a 100 % pass mark.
            take_exam(page, attempt=1, wrong={next(iter(BANK))})
            verdict = page.locator("main > .callout > .callout-title")
            expect(verdict).to_have_text(zh("Not passed"))
            expect(page.locator("main")).to_contain_text("50.00%")
            expect(page.locator(".exam-review > li")).to_have_count(len(BANK))
            page.get_by_role("link", name=zh("Back to the exam page"), exact=True).click()
            expect(page.locator("table.attempts tbody tr")).to_have_count(1)

            take_exam(page, attempt=2, wrong=set())
            expect(verdict).to_have_text(zh("Passed"))
            expect(page.locator("main")).to_contain_text("100.00%")

            page.goto(world.course_url)
            expect(page.locator(".enrol-box")).to_contain_text(
                zh("You have completed this course.")
            )

            page.get_by_role("link", name=zh("My learning"), exact=True).first.click()
            expect(page).to_have_url(re.compile(re.escape(reverse("lms:dashboard")) + "$"))
            completed = page.locator("section[aria-labelledby=completed-title]")
            expect(completed.get_by_role("heading", level=2)).to_have_text(zh("Completed"))
            expect(completed.get_by_role("link", name=world.course_title)).to_be_visible()
            expect(completed).to_contain_text("100.00%")
            in_progress = page.locator("section[aria-labelledby=in-progress-title]")
            expect(in_progress).to_contain_text(zh("You have no course in progress."))
            page.screenshot(path=SCREENSHOT, full_page=True)
        except Exception:
            page.screenshot(path=FAILURE_SCREENSHOT, full_page=True)
            raise
        finally:
            browser.close()

    assert page_errors == []
    assert failed_requests == []
    assert csp_violations == []
    # The pages said "complete" only once the real (shortened) rule was met.
    learner = User.objects.get(email=EMAIL)
    assert (learner.real_name, learner.institution_id) == (REAL_NAME, world.institution_pk)
    progress = {p.lesson_id: p for p in LessonProgress.objects.filter(enrollment__learner=learner)}
    for lesson, seconds in zip(world.lessons, took, strict=True):
        assert lesson.required_seconds >= 1
        assert seconds >= lesson.required_seconds
        assert progress[lesson.pk].study_seconds >= lesson.required_seconds
        assert progress[lesson.pk].completed_at is not None
    [answer] = progress[second.pk].checkpoints.values()
    assert answer["correct"] is True
    attempts = ExamAttempt.objects.filter(enrollment__learner=learner).order_by("number")
    assert [(a.passed, a.score) for a in attempts] == [(False, Decimal(50)), (True, Decimal(100))]
    completion = CourseCompletion.objects.get(enrollment__learner=learner)
    assert completion.enrollment.course_id == world.course_pk
    assert completion.final_score == Decimal(100)
