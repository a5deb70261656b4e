"""Reads of the final exam: what a learner may do next, the paper, and the result.

The paper is read without the choices' `correct` flags (they are not even loaded),
so no page built from it can reveal the answers before submission.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Max, Prefetch
from django.utils import formats, timezone

from accounts.models import User
from courses.choices import QuestionKind
from courses.grading import answer_is_correct
from courses.models import Question, QuestionChoice
from lms.errors import ExamNotAllowed
from lms.models import Enrollment, EnrollmentStatus, ExamAttempt, LessonProgress
from lms.selectors.lessons import course_lesson_ids


def exam_grace() -> timedelta:
    """A submission this long after the deadline still counts: the learner pressed
    the button in time and a slow link delivered it late."""
    return timedelta(seconds=settings.SNOWLAND_EXAM_GRACE_SECONDS)


def exam_attempt_is_due(*, attempt: ExamAttempt, now: datetime) -> bool:
    """An open attempt whose time limit (and the grace after it) has passed."""
    return (
        attempt.submitted_at is None
        and attempt.deadline is not None
        and now > attempt.deadline + exam_grace()
    )


def exam_best_passed_score(*, enrollment: Enrollment) -> Decimal | None:
    """The best score of a submitted, passed attempt; None if no attempt passed."""
    return ExamAttempt.objects.filter(
        enrollment=enrollment, submitted_at__isnull=False, passed=True
    ).aggregate(best=Max("score"))["best"]


def exam_enrollment(*, learner: User, course_id: int) -> Enrollment | None:
    """The learner's enrolment in a live course, with the course; None if there is none."""
    return (
        Enrollment.objects.select_related("course")
        .filter(learner_id=learner.pk, course_id=course_id, course__live=True)
        .first()
    )


def exam_attempt_of_learner(*, learner: User, attempt_id: int) -> ExamAttempt | None:
    """One of the learner's own attempts; another learner's attempt is None, as if absent."""
    return (
        ExamAttempt.objects.select_related("enrollment__course")
        .filter(pk=attempt_id, enrollment__learner_id=learner.pk)
        .first()
    )


def exam_attempts(*, enrollment: Enrollment) -> list[ExamAttempt]:
    """The enrolment's attempts, first to last."""
    return list(ExamAttempt.objects.filter(enrollment=enrollment).order_by("number"))


def exam_open_attempt(*, enrollment: Enrollment) -> ExamAttempt | None:
    return (
        ExamAttempt.objects.filter(enrollment=enrollment, submitted_at__isnull=True)
        .order_by("-number")
        .first()
    )


def exam_lessons_remaining(*, enrollment: Enrollment) -> int:
    """How many of the course's live lessons the learner has not completed yet."""
    lesson_ids = set(course_lesson_ids(course=enrollment.course))
    done = LessonProgress.objects.filter(
        enrollment=enrollment, completed_at__isnull=False, lesson_id__in=lesson_ids
    ).count()
    return len(lesson_ids) - done


def exam_bank_size(*, course_id: int) -> int:
    """Active questions in the course's bank."""
    return Question.objects.filter(course_id=course_id, active=True).count()


def exam_next_attempt_at(*, enrollment: Enrollment, attempts: list[ExamAttempt]) -> datetime | None:
    """When the wait after the latest submitted attempt ends (None: no wait applies)."""
    wait = enrollment.course.exam_retry_wait_minutes
    submitted = [a.submitted_at for a in attempts if a.submitted_at is not None]
    if not wait or not submitted:
        return None
    return max(submitted) + timedelta(minutes=wait)


def exam_start_blocker(
    *, enrollment: Enrollment, attempts: list[ExamAttempt], now: datetime
) -> ExamNotAllowed | None:
    """Why the learner may not start (or continue) an attempt now; None if they may.

    An open attempt may always be continued while the enrolment is active. A new one
    needs every lesson complete, an attempt left, the wait since the previous attempt
    over, and enough active questions in the bank. Expire a due open attempt first.
    """
    course = enrollment.course
    if not course.exam_question_count:
        return ExamNotAllowed(ExamNotAllowed.NO_EXAM, code="no_exam")
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        return ExamNotAllowed(ExamNotAllowed.NOT_ENROLLED, code="not_enrolled")
    if any(a.passed for a in attempts):
        return ExamNotAllowed(ExamNotAllowed.ALREADY_PASSED, code="passed")
    if enrollment.status == EnrollmentStatus.COMPLETED:
        return ExamNotAllowed(ExamNotAllowed.COURSE_COMPLETED, code="completed")
    if any(a.submitted_at is None for a in attempts):
        return None
    remaining = exam_lessons_remaining(enrollment=enrollment)
    if remaining:
        return ExamNotAllowed(
            ExamNotAllowed.LESSONS_INCOMPLETE, code="lessons", params={"count": remaining}
        )
    if len(attempts) >= course.exam_max_attempts:
        return ExamNotAllowed(
            ExamNotAllowed.NO_ATTEMPTS_LEFT,
            code="no_attempts",
            params={"count": course.exam_max_attempts},
        )
    next_at = exam_next_attempt_at(enrollment=enrollment, attempts=attempts)
    if next_at is not None and now < next_at:
        return ExamNotAllowed(
            ExamNotAllowed.WAIT,
            code="wait",
            params={
                "time": formats.date_format(timezone.localtime(next_at), "SHORT_DATETIME_FORMAT")
            },
        )
    if exam_bank_size(course_id=course.pk) < course.exam_question_count:
        return ExamNotAllowed(ExamNotAllowed.BANK_TOO_SMALL, code="bank")
    return None


@dataclass(frozen=True)
class ExamOverview:
    """What the exam page shows a learner before and between attempts."""

    enrollment: Enrollment
    attempts: list[ExamAttempt]
    open_attempt: ExamAttempt | None
    best_score: Decimal | None
    attempts_left: int
    next_attempt_at: datetime | None
    blocker: ExamNotAllowed | None

    @property
    def passed(self) -> bool:
        return self.best_score is not None


def exam_overview(*, enrollment: Enrollment, now: datetime | None = None) -> ExamOverview:
    now = now or timezone.now()
    attempts = exam_attempts(enrollment=enrollment)
    passed_scores = [a.score for a in attempts if a.passed and a.score is not None]
    return ExamOverview(
        enrollment=enrollment,
        attempts=attempts,
        open_attempt=next((a for a in attempts if a.submitted_at is None), None),
        best_score=max(passed_scores, default=None),
        attempts_left=max(enrollment.course.exam_max_attempts - len(attempts), 0),
        next_attempt_at=exam_next_attempt_at(enrollment=enrollment, attempts=attempts),
        blocker=exam_start_blocker(enrollment=enrollment, attempts=attempts, now=now),
    )


@dataclass(frozen=True)
class PaperChoice:
    """A choice as shown: its position on this paper, never its id or correctness."""

    position: int
    text: str


@dataclass(frozen=True)
class PaperQuestion:
    id: int
    number: int
    kind: str
    text: str
    choices: list[PaperChoice]
    chosen: frozenset[int]  # positions saved so far

    @property
    def multiple(self) -> bool:
        return self.kind == QuestionKind.MULTIPLE

    @property
    def kind_label(self) -> str:
        return QuestionKind(self.kind).label


def _drawn_questions(attempt: ExamAttempt, *, with_answers: bool) -> dict[int, Question]:
    ids = [item["id"] for item in attempt.questions]
    fields = ["pk", "question_id", "text", "sort_order"]
    if with_answers:
        fields.append("correct")
    choices = QuestionChoice.objects.only(*fields)
    questions = Question.objects.filter(pk__in=ids).prefetch_related(
        Prefetch("choices", queryset=choices)
    )
    if not with_answers:
        questions = questions.only("pk", "kind", "text")
    return {question.pk: question for question in questions}


def exam_paper(*, attempt: ExamAttempt) -> list[PaperQuestion]:
    """The attempt's questions in the order drawn, choices in the order shown.

    A question or choice removed from the bank since the draw is left out (it is not
    scored either). Choices are identified by their position on the paper, so that
    the order in which an author typed them cannot give the answer away.
    """
    questions = _drawn_questions(attempt, with_answers=False)
    paper = []
    for item in attempt.questions:
        question = questions.get(item["id"])
        if question is None:
            continue
        texts = {choice.pk: choice.text for choice in question.choices.all()}
        saved = set(attempt.answers.get(str(question.pk), []))
        paper.append(
            PaperQuestion(
                id=question.pk,
                number=len(paper) + 1,
                kind=question.kind,
                text=question.text,
                choices=[
                    PaperChoice(position=position, text=texts[choice_id])
                    for position, choice_id in enumerate(item["choices"])
                    if choice_id in texts
                ],
                chosen=frozenset(
                    position
                    for position, choice_id in enumerate(item["choices"])
                    if choice_id in saved
                ),
            )
        )
    return paper


@dataclass(frozen=True)
class ResultChoice:
    text: str
    correct: bool
    chosen: bool


@dataclass(frozen=True)
class ResultQuestion:
    number: int
    kind: str
    text: str
    explanation: str  # rich text, to be shown with |richtext
    choices: list[ResultChoice]
    answered: bool
    answered_correctly: bool

    @property
    def kind_label(self) -> str:
        return QuestionKind(self.kind).label


def exam_result(*, attempt: ExamAttempt) -> list[ResultQuestion]:
    """Each question of a submitted attempt with the learner's and the correct answer."""
    if attempt.submitted_at is None:
        raise ValueError("An open attempt has no result yet.")
    questions = _drawn_questions(attempt, with_answers=True)
    result = []
    for item in attempt.questions:
        question = questions.get(item["id"])
        if question is None:
            continue
        by_id = {choice.pk: choice for choice in question.choices.all()}
        given = [c for c in attempt.answers.get(str(question.pk), []) if c in by_id]
        result.append(
            ResultQuestion(
                number=len(result) + 1,
                kind=question.kind,
                text=question.text,
                explanation=question.explanation,
                choices=[
                    ResultChoice(
                        text=by_id[choice_id].text,
                        correct=by_id[choice_id].correct,
                        chosen=choice_id in given,
                    )
                    for choice_id in item["choices"]
                    if choice_id in by_id
                ],
                answered=bool(given),
                answered_correctly=bool(given)
                and answer_is_correct(
                    correct_indexes=[c.pk for c in by_id.values() if c.correct],
                    given_indexes=given,
                ),
            )
        )
    return result
