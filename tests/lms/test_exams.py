"""The course's final exam: drawing, scoring, limits, privacy and bad input."""

import random
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from courses.choices import QuestionKind
from courses.grading import ONE_CORRECT
from courses.models import Question, QuestionChoice
from courses.selectors import course_lessons
from lms.errors import ExamNotAllowed, ExamRejected
from lms.models import CourseCompletion, EnrollmentStatus, ExamAttempt
from lms.selectors import exam_overview, exam_paper, exam_result
from lms.services import (
    exam_attempt_expire,
    exam_attempt_save,
    exam_attempt_start,
    exam_attempt_submit,
)
from lms.services import exams as exam_services
from tests.accounts.factories import UserFactory
from tests.courses.factories import CoursePageFactory, LessonPageFactory
from tests.lms.factories import EnrollmentFactory, LessonProgressFactory, QuestionFactory

T0 = timezone.now().replace(microsecond=0)


def messages_of(error) -> list[str]:
    return [str(m) for m in error.value.messages]


@pytest.fixture
def course(catalogue):
    course = CoursePageFactory(
        parent=catalogue,
        exam_question_count=3,
        exam_pass_mark=60,
        exam_max_attempts=3,
        exam_time_limit_minutes=None,
        exam_retry_wait_minutes=0,
    )
    LessonPageFactory(parent=course)
    LessonPageFactory(parent=course)
    return course


def enrol(course, learner=None, *, lessons_done=True):
    enrollment = EnrollmentFactory(course=course, **({"learner": learner} if learner else {}))
    if lessons_done:
        for lesson in course_lessons(course=course):
            LessonProgressFactory(enrollment=enrollment, lesson=lesson)
    return enrollment


@pytest.fixture
def enrollment(course, learner):
    return enrol(course, learner)


@pytest.fixture
def bank(course):
    return [
        QuestionFactory(course=course, kind=QuestionKind.SINGLE),
        QuestionFactory(course=course, kind=QuestionKind.MULTIPLE),
        QuestionFactory(course=course, kind=QuestionKind.TRUE_FALSE),
    ]


def correct_ids(question_id: int) -> list[int]:
    return list(
        QuestionChoice.objects.filter(question_id=question_id, correct=True).values_list(
            "pk", flat=True
        )
    )


def wrong_ids(question_id: int) -> list[int]:
    return list(
        QuestionChoice.objects.filter(question_id=question_id, correct=False).values_list(
            "pk", flat=True
        )[:1]
    )


def answers(attempt, right: int) -> dict[int, list[int]]:
    """The first `right` questions of the paper answered correctly, the rest wrongly."""
    return {
        item["id"]: correct_ids(item["id"]) if i < right else wrong_ids(item["id"])
        for i, item in enumerate(attempt.questions)
    }


def fail(enrollment, now):
    attempt = exam_attempt_start(enrollment=enrollment, now=now)
    return exam_attempt_submit(attempt=attempt, answers=answers(attempt, 0), now=now)


# --- Drawing the paper -------------------------------------------------------------


def test_paper_draws_n_distinct_active_questions_with_all_their_choices(course, enrollment):
    active = [QuestionFactory(course=course) for _ in range(6)]
    QuestionFactory(course=course, active=False)
    QuestionFactory(course=CoursePageFactory(parent=course.get_parent()))  # another course
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    ids = [item["id"] for item in attempt.questions]
    assert len(ids) == 3
    assert len(set(ids)) == 3
    assert set(ids) <= {q.pk for q in active}
    for item in attempt.questions:
        assert sorted(item["choices"]) == sorted(
            QuestionChoice.objects.filter(question_id=item["id"]).values_list("pk", flat=True)
        )
    assert attempt.number == 1
    assert attempt.started_at == T0
    assert attempt.deadline is None
    assert attempt.submitted_at is None


def test_papers_are_drawn_at_random_with_the_system_random_source(course, monkeypatch):
    [QuestionFactory(course=course) for _ in range(8)]
    sources = []
    real = random.SystemRandom

    def spy():
        sources.append(real())
        return sources[-1]

    monkeypatch.setattr(exam_services.random, "SystemRandom", spy)
    papers = [
        exam_attempt_start(enrollment=enrol(course), now=T0).questions for _learner in range(12)
    ]
    assert len(sources) == 12
    assert len({tuple(item["id"] for item in paper) for paper in papers}) > 1
    # The same question shows its choices in different orders on different papers.
    shown_first = {(item["id"], item["choices"][0]) for paper in papers for item in paper}
    assert len(shown_first) > len({question_id for question_id, _first in shown_first})


def test_true_false_keeps_the_authors_order(course, enrollment):
    questions = [QuestionFactory(course=course, kind=QuestionKind.TRUE_FALSE) for _ in range(3)]
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    for question in questions:
        item = next(i for i in attempt.questions if i["id"] == question.pk)
        assert item["choices"] == [c.pk for c in question.choices.order_by("sort_order")]


def test_topics_are_drawn_in_proportion_to_the_bank(course):
    course.exam_question_count = 4
    course.save()
    topic_of = {}
    for topic, count in [("急救", 6), ("药理", 3), ("", 3)]:
        for _ in range(count):
            topic_of[QuestionFactory(course=course, topic=topic).pk] = topic
    for _learner in range(10):
        attempt = exam_attempt_start(enrollment=enrol(course), now=T0)
        drawn = Counter(topic_of[item["id"]] for item in attempt.questions)
        assert drawn == {"急救": 2, "药理": 1, "": 1}


def test_equal_remainders_share_the_extra_question_at_random():
    groups = {"a": ["a1", "a2"], "b": ["b1", "b2"]}
    counts = Counter()
    for seed in range(40):
        rng = random.Random(seed)  # noqa: S311 - seeded so that the test repeats exactly
        paper = exam_services._stratified_sample(groups, 3, rng)
        assert len(set(paper)) == 3
        per_topic = Counter(q[0] for q in paper)
        assert sorted(per_topic.values()) == [1, 2]
        counts[per_topic.most_common(1)[0][0]] += 1
    assert counts["a"] > 0
    assert counts["b"] > 0


def test_a_bank_with_too_few_usable_questions_refuses_to_start(course, enrollment):
    QuestionFactory(course=course)
    QuestionFactory(course=course)
    QuestionFactory(course=course, active=False)
    QuestionFactory(course=course, choices=[("甲", True), ("乙", True)])  # broken: two correct
    with pytest.raises(ExamNotAllowed) as error:
        exam_attempt_start(enrollment=enrollment, now=T0)
    assert messages_of(error) == [str(ExamNotAllowed.BANK_TOO_SMALL)]
    assert not ExamAttempt.objects.exists()


def test_starting_again_returns_the_open_attempt(enrollment, bank):
    first = exam_attempt_start(enrollment=enrollment, now=T0)
    again = exam_attempt_start(enrollment=enrollment, now=T0 + timedelta(minutes=5))
    assert again.pk == first.pk
    assert ExamAttempt.objects.count() == 1


# --- Who may start -----------------------------------------------------------------


def test_the_exam_opens_only_once_every_lesson_is_complete(course, learner, bank):
    enrollment = enrol(course, learner, lessons_done=False)
    lessons = list(course_lessons(course=course))
    LessonProgressFactory(enrollment=enrollment, lesson=lessons[0])
    with pytest.raises(ExamNotAllowed) as error:
        exam_attempt_start(enrollment=enrollment, now=T0)
    assert messages_of(error) == [str(ExamNotAllowed.LESSONS_INCOMPLETE % {"count": 1})]
    LessonProgressFactory(enrollment=enrollment, lesson=lessons[1])
    assert exam_attempt_start(enrollment=enrollment, now=T0).number == 1


def test_withdrawn_learners_and_courses_without_exam_cannot_start(course, enrollment, bank):
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.save()
    with pytest.raises(ExamNotAllowed) as error:
        exam_attempt_start(enrollment=enrollment, now=T0)
    assert messages_of(error) == [str(ExamNotAllowed.NOT_ENROLLED)]
    enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.save()
    course.exam_question_count = 0
    course.save()
    with pytest.raises(ExamNotAllowed) as error:
        exam_attempt_start(enrollment=enrollment, now=T0)
    assert messages_of(error) == [str(ExamNotAllowed.NO_EXAM)]


def test_attempts_are_limited(course, enrollment, bank):
    course.exam_max_attempts = 2
    course.save()
    fail(enrollment, T0)
    fail(enrollment, T0 + timedelta(minutes=1))
    with pytest.raises(ExamNotAllowed) as error:
        exam_attempt_start(enrollment=enrollment, now=T0 + timedelta(minutes=2))
    assert messages_of(error) == [str(ExamNotAllowed.NO_ATTEMPTS_LEFT % {"count": 2})]
    assert ExamAttempt.objects.count() == 2
    assert exam_overview(enrollment=enrollment).attempts_left == 0


def test_a_learner_waits_between_attempts(course, enrollment, bank):
    course.exam_retry_wait_minutes = 60
    course.save()
    fail(enrollment, T0)
    with pytest.raises(ExamNotAllowed) as error:
        exam_attempt_start(enrollment=enrollment, now=T0 + timedelta(minutes=59))
    assert error.value.code == "wait"
    second = exam_attempt_start(enrollment=enrollment, now=T0 + timedelta(minutes=60))
    assert second.number == 2


def test_no_attempt_after_a_pass(enrollment, bank):
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    exam_attempt_submit(attempt=attempt, answers=answers(attempt, 3), now=T0)
    with pytest.raises(ExamNotAllowed) as error:
        exam_attempt_start(enrollment=enrollment, now=T0 + timedelta(days=1))
    assert messages_of(error) == [str(ExamNotAllowed.ALREADY_PASSED)]


# --- Scoring -----------------------------------------------------------------------


def test_each_question_counts_all_or_nothing(course, enrollment):
    course.exam_question_count = 4
    course.save()
    single = QuestionFactory(course=course, kind=QuestionKind.SINGLE)
    multiple = QuestionFactory(course=course, kind=QuestionKind.MULTIPLE)
    extra = QuestionFactory(course=course, kind=QuestionKind.MULTIPLE)
    QuestionFactory(course=course, kind=QuestionKind.TRUE_FALSE)  # left unanswered
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    given = {
        single.pk: correct_ids(single.pk),
        multiple.pk: correct_ids(multiple.pk)[:1],  # half right is wrong
        extra.pk: correct_ids(extra.pk) + wrong_ids(extra.pk),  # one too many is wrong
    }
    attempt = exam_attempt_submit(attempt=attempt, answers=given, now=T0 + timedelta(minutes=3))
    assert attempt.score == Decimal("25.00")
    assert attempt.passed is False
    assert attempt.submitted_at == T0 + timedelta(minutes=3)
    assert attempt.answers == {str(k): sorted(v) for k, v in given.items()}
    assert not CourseCompletion.objects.exists()


@pytest.mark.parametrize(("pass_mark", "passed"), [(66, True), (67, False)])
def test_score_is_a_percentage_truncated_to_two_decimals(
    course, enrollment, bank, pass_mark, passed
):
    course.exam_pass_mark = pass_mark
    course.save()
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    attempt = exam_attempt_submit(attempt=attempt, answers=answers(attempt, 2), now=T0)
    assert attempt.score == Decimal("66.66")
    assert attempt.passed is passed


def test_a_pass_completes_the_course(enrollment, bank, django_capture_on_commit_callbacks):
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = exam_attempt_submit(attempt=attempt, answers=answers(attempt, 3), now=T0)
    assert attempt.score == Decimal("100.00")
    assert attempt.passed is True
    completion = CourseCompletion.objects.get(enrollment=enrollment)
    assert completion.final_score == Decimal("100.00")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_a_submitted_attempt_cannot_change(enrollment, bank):
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    exam_attempt_submit(attempt=attempt, answers=answers(attempt, 0), now=T0)
    for service in (exam_attempt_submit, exam_attempt_save):
        with pytest.raises(ExamRejected) as error:
            service(attempt=attempt, answers=answers(attempt, 3), now=T0)
        assert messages_of(error) == [str(ExamRejected.ALREADY_SUBMITTED)]
    attempt.refresh_from_db()
    assert attempt.score == Decimal("0.00")
    assert attempt.answers == {str(k): v for k, v in answers(attempt, 0).items()}


def test_of_two_racing_submissions_only_one_counts(enrollment, bank, monkeypatch):
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    stale = ExamAttempt.objects.select_related("enrollment__course").get(pk=attempt.pk)
    exam_attempt_submit(attempt=attempt, answers=answers(attempt, 0), now=T0)
    # The loser read the row before the winner wrote it (no row locks on SQLite).
    monkeypatch.setattr(exam_services, "_locked", lambda _attempt: stale)
    with pytest.raises(ExamRejected) as error:
        exam_attempt_submit(attempt=attempt, answers=answers(attempt, 3), now=T0)
    assert messages_of(error) == [str(ExamRejected.ALREADY_SUBMITTED)]
    attempt.refresh_from_db()
    assert attempt.score == Decimal("0.00")


# --- Time limit --------------------------------------------------------------------


@pytest.fixture
def timed(course, bank):
    course.exam_time_limit_minutes = 10
    course.save()
    return course


def test_a_late_submission_is_scored_with_the_saved_answers_at_the_limit(timed, enrollment):
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    assert attempt.deadline == T0 + timedelta(minutes=10)
    exam_attempt_save(attempt=attempt, answers=answers(attempt, 2), now=T0 + timedelta(minutes=5))
    attempt = exam_attempt_submit(
        attempt=attempt, answers=answers(attempt, 3), now=T0 + timedelta(minutes=20)
    )
    assert attempt.submitted_at == attempt.deadline
    assert attempt.score == Decimal("66.66")
    assert attempt.answers == {str(k): sorted(v) for k, v in answers(attempt, 2).items()}


def test_a_submission_within_the_grace_counts_as_at_the_limit(timed, enrollment, settings):
    settings.SNOWLAND_EXAM_GRACE_SECONDS = 30
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    attempt = exam_attempt_submit(
        attempt=attempt,
        answers=answers(attempt, 3),
        now=attempt.deadline + timedelta(seconds=20),
    )
    assert attempt.score == Decimal("100.00")
    assert attempt.submitted_at == attempt.deadline


def test_an_open_attempt_past_its_limit_is_expired_with_its_saved_answers(timed, enrollment):
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    exam_attempt_save(attempt=attempt, answers=answers(attempt, 3), now=T0 + timedelta(minutes=9))
    assert exam_attempt_expire(attempt=attempt, now=T0 + timedelta(minutes=10)).submitted_at is None
    attempt = exam_attempt_expire(attempt=attempt, now=T0 + timedelta(hours=1))
    assert attempt.submitted_at == attempt.deadline
    assert attempt.score == Decimal("100.00")
    assert attempt.passed is True
    assert CourseCompletion.objects.filter(enrollment=enrollment).exists()


def test_an_expired_attempt_counts_and_a_new_one_can_start(timed, enrollment):
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    second = exam_attempt_start(enrollment=enrollment, now=T0 + timedelta(hours=1))
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert attempt.score == Decimal("0.00")
    assert second.number == 2
    assert second.deadline == T0 + timedelta(hours=1, minutes=10)


def test_saving_past_the_limit_expires_the_attempt(timed, enrollment):
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    attempt = exam_attempt_save(
        attempt=attempt, answers=answers(attempt, 3), now=T0 + timedelta(minutes=11)
    )
    assert attempt.submitted_at == attempt.deadline
    assert attempt.answers == {}
    assert attempt.score == Decimal("0.00")


# --- Bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_answers", "message"),
    [
        (lambda a, other: {other.pk: correct_ids(other.pk)}, ExamRejected.UNKNOWN_QUESTION),
        (
            lambda a, other: {a.questions[0]["id"]: correct_ids(other.pk)},
            ExamRejected.UNKNOWN_CHOICE,
        ),
        (lambda a, other: {str(a.questions[0]["id"]): []}, ExamRejected.MALFORMED),
        (lambda a, other: {a.questions[0]["id"]: ["1"]}, ExamRejected.MALFORMED),
        (lambda a, other: {a.questions[0]["id"]: 5}, ExamRejected.MALFORMED),
        (
            lambda a, other: {a.questions[0]["id"]: a.questions[0]["choices"][:1] * 2},
            ExamRejected.MALFORMED,
        ),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(
    course, enrollment, bank, make_answers, message
):
    other = QuestionFactory(course=CoursePageFactory(parent=course.get_parent()))
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    for service in (exam_attempt_save, exam_attempt_submit):
        with pytest.raises(ExamRejected) as error:
            service(attempt=attempt, answers=make_answers(attempt, other), now=T0)
        assert messages_of(error) == [str(message)]
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert attempt.answers == {}


def test_a_single_choice_question_takes_exactly_one_answer(course, enrollment):
    question = QuestionFactory(course=course, kind=QuestionKind.SINGLE)
    QuestionFactory(course=course)
    QuestionFactory(course=course)
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    choice_ids = list(question.choices.values_list("pk", flat=True))
    with pytest.raises(ExamRejected) as error:
        exam_attempt_submit(attempt=attempt, answers={question.pk: choice_ids[:2]}, now=T0)
    assert messages_of(error) == [str(ExamRejected.ONE_ANSWER)]


# --- What the learner is shown -----------------------------------------------------


def test_the_paper_carries_no_correctness_and_the_result_does(enrollment, bank):
    attempt = exam_attempt_start(enrollment=enrollment, now=T0)
    paper = exam_paper(attempt=attempt)
    assert [q.id for q in paper] == [item["id"] for item in attempt.questions]
    for question in paper:
        for choice in question.choices:
            assert set(vars(choice)) == {"position", "text"}
    exam_attempt_submit(attempt=attempt, answers=answers(attempt, 1), now=T0)
    attempt.refresh_from_db()
    result = exam_result(attempt=attempt)
    assert [q.answered_correctly for q in result] == [True, False, False]
    first = Question.objects.get(pk=attempt.questions[0]["id"])
    assert result[0].explanation == first.explanation
    assert [c.correct for c in result[0].choices] == [
        QuestionChoice.objects.get(pk=pk).correct for pk in attempt.questions[0]["choices"]
    ]


# --- Views -------------------------------------------------------------------------


def attempt_urls(attempt_id: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("lms:exam_attempt", args=[attempt_id])),
        ("post", reverse("lms:exam_save", args=[attempt_id])),
        ("post", reverse("lms:exam_submit", args=[attempt_id])),
        ("get", reverse("lms:exam_result", args=[attempt_id])),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, course, enrollment, bank):
    attempt = exam_attempt_start(enrollment=enrollment)
    urls = [
        ("get", reverse("lms:exam", args=[course.pk])),
        ("post", reverse("lms:exam_start", args=[course.pk])),
        *attempt_urls(attempt.pk),
    ]
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_a_learner_can_never_read_or_write_another_learners_attempt(
    client, course, enrollment, bank
):
    attempt = exam_attempt_start(enrollment=enrollment)
    intruder = UserFactory()
    client.force_login(intruder)
    for method, url in attempt_urls(attempt.pk):
        data = {f"q-{attempt.questions[0]['id']}": "0"} if method == "post" else None
        assert getattr(client, method)(url, data).status_code == 404
    assert client.post(reverse("lms:exam_start", args=[course.pk])).status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert attempt.answers == {}
    assert ExamAttempt.objects.count() == 1


def test_the_exam_page_does_not_reveal_the_answers(client, learner, enrollment, bank):
    client.force_login(learner)
    response = client.post(reverse("lms:exam_start", args=[enrollment.course_id]))
    attempt = ExamAttempt.objects.get()
    assert response.url == reverse("lms:exam_attempt", args=[attempt.pk])
    html = client.get(response.url).content.decode()
    for item in attempt.questions:
        question = Question.objects.get(pk=item["id"])
        assert question.text in html
        values = re.findall(rf'name="q-{question.pk}" value="([^"]*)"', html)
        assert values == [str(i) for i in range(len(item["choices"]))]  # positions, not ids
        assert question.explanation not in html
    inputs = re.findall(r'<input [^>]*name="q-[^>]*>', html)
    assert len(inputs) == sum(len(item["choices"]) for item in attempt.questions)
    assert all(re.fullmatch(r'<input type="\w+" name="q-\d+" value="\d+">', i) for i in inputs)


def test_a_learner_takes_the_exam_through_the_pages(client, learner, enrollment, bank):
    client.force_login(learner)
    overview = client.get(reverse("lms:exam", args=[enrollment.course_id]))
    assert overview.status_code == 200
    assert reverse("lms:exam_start", args=[enrollment.course_id]) in overview.content.decode()
    client.post(reverse("lms:exam_start", args=[enrollment.course_id]))
    attempt = ExamAttempt.objects.get()

    def positions(right: int) -> dict[str, list[str]]:
        data = {}
        for i, item in enumerate(attempt.questions):
            chosen = correct_ids(item["id"]) if i < right else wrong_ids(item["id"])
            data[f"q-{item['id']}"] = [str(item["choices"].index(c)) for c in chosen]
        return data

    saved = client.post(reverse("lms:exam_save", args=[attempt.pk]), positions(1))
    assert saved.url == reverse("lms:exam_attempt", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.answers == {str(k): sorted(v) for k, v in answers(attempt, 1).items()}
    html = client.get(saved.url).content.decode()
    ticked = sum(len(chosen) for chosen in positions(1).values())
    assert html.count(" checked>") == ticked  # the saved answers are ticked again

    submitted = client.post(reverse("lms:exam_submit", args=[attempt.pk]), positions(3))
    assert submitted.url == reverse("lms:exam_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.score == Decimal("100.00")
    result = client.get(submitted.url).content.decode()
    assert "100.00%" in result
    for item in attempt.questions:
        assert Question.objects.get(pk=item["id"]).explanation in result

    again = client.post(reverse("lms:exam_submit", args=[attempt.pk]), positions(0))
    assert again.url == reverse("lms:exam_result", args=[attempt.pk])
    assert [str(m) for m in get_messages(again.wsgi_request)] == [
        str(ExamRejected.ALREADY_SUBMITTED)
    ]
    attempt.refresh_from_db()
    assert attempt.score == Decimal("100.00")


@pytest.mark.parametrize(
    ("make_data", "message"),
    [
        (lambda a, other: {f"q-{other.pk}": "0"}, ExamRejected.UNKNOWN_QUESTION),
        (lambda a, other: {"q-abc": "0"}, ExamRejected.MALFORMED),
        (lambda a, other: {f"q-{a.questions[0]['id']}": "x"}, ExamRejected.MALFORMED),
        (lambda a, other: {f"q-{a.questions[0]['id']}": "-1"}, ExamRejected.MALFORMED),
        (lambda a, other: {f"q-{a.questions[0]['id']}": "99"}, ExamRejected.UNKNOWN_CHOICE),
    ],
)
@pytest.mark.parametrize("name", ["lms:exam_save", "lms:exam_submit"])
def test_bad_input_gets_a_400_and_changes_nothing(
    client, course, learner, enrollment, bank, make_data, message, name
):
    other = QuestionFactory(course=CoursePageFactory(parent=course.get_parent()))
    attempt = exam_attempt_start(enrollment=enrollment)
    client.force_login(learner)
    response = client.post(reverse(name, args=[attempt.pk]), make_data(attempt, other))
    assert response.status_code == 400
    assert str(message) in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert attempt.answers == {}


def test_refusals_to_start_are_shown_on_the_exam_page(client, course, learner, bank):
    enrollment = enrol(course, learner, lessons_done=False)
    client.force_login(learner)
    response = client.post(reverse("lms:exam_start", args=[course.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("lms:exam", args=[course.pk])
    expected = str(ExamNotAllowed.LESSONS_INCOMPLETE % {"count": 2})
    assert expected in response.content.decode()
    assert not ExamAttempt.objects.filter(enrollment=enrollment).exists()


def test_opening_an_attempt_past_its_limit_shows_its_result(client, learner, timed, enrollment):
    attempt = exam_attempt_start(enrollment=enrollment, now=T0 - timedelta(hours=1))
    client.force_login(learner)
    response = client.get(reverse("lms:exam_attempt", args=[attempt.pk]))
    assert response.url == reverse("lms:exam_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline


def test_the_paper_page_costs_the_same_queries_for_any_length(
    client, course, learner, enrollment, django_assert_max_num_queries
):
    course.exam_question_count = 10
    course.save()
    for _ in range(10):
        QuestionFactory(course=course)
    attempt = exam_attempt_start(enrollment=enrollment)
    client.force_login(learner)
    url = reverse("lms:exam_attempt", args=[attempt.pk])
    client.get(url)  # the site's settings rows are created on the first page view
    # Session, user, attempt, questions, choices, and what base.html needs.
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


# --- The question bank in the admin ------------------------------------------------


def question_form(course, *, kind, choices) -> dict:
    return nested_form_data(
        {
            "course": course.pk,
            "kind": kind,
            "topic": "",
            "text": "高原反应的首选预防药物是？",
            "explanation": rich_text("<p>乙酰唑胺。</p>"),
            "active": "on",
            "choices": inline_formset(
                [{"text": text, "correct": "on" if correct else ""} for text, correct in choices]
            ),
        }
    )


def test_an_author_cannot_save_a_badly_formed_question(admin_client, course):
    url = reverse("wagtailsnippets_courses_question:add")
    bad = question_form(course, kind=QuestionKind.SINGLE, choices=[("甲", True), ("乙", True)])
    response = admin_client.post(url, bad)
    assert response.status_code == 200
    assert str(ONE_CORRECT) in response.content.decode()
    assert not Question.objects.exists()
    good = question_form(course, kind=QuestionKind.SINGLE, choices=[("甲", True), ("乙", False)])
    assert admin_client.post(url, good).status_code == 302
    question = Question.objects.get()
    assert [(c.text, c.correct) for c in question.choices.all()] == [("甲", True), ("乙", False)]


def test_the_question_bank_lists_filters_and_searches(admin_client, course):
    QuestionFactory(course=course, text="高原肺水肿的处理", kind=QuestionKind.SINGLE)
    QuestionFactory(course=course, text="糖尿病足的护理", kind=QuestionKind.MULTIPLE)
    url = reverse("wagtailsnippets_courses_question:list")
    response = admin_client.get(url, {"course": course.pk, "kind": QuestionKind.SINGLE})
    assert response.status_code == 200
    assert "高原肺水肿" in response.content.decode()
    assert "糖尿病足" not in response.content.decode()
    found = admin_client.get(url, {"q": "水肿"}).content.decode()
    assert "高原肺水肿" in found
    assert "糖尿病足" not in found
