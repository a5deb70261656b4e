"""The course's final exam: start an attempt, save and submit answers, expire late ones.

Scoring happens here and only here. An attempt's paper (`ExamAttempt.questions`) is
fixed when it starts; its answers can change until it is submitted and never after.
An attempt past its time limit (plus `SNOWLAND_EXAM_GRACE_SECONDS`, default 30, for
slow links) is scored with the answers saved before the limit, as submitted at it.
"""

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.choices import QuestionKind
from courses.grading import answer_is_correct, choice_set_errors
from courses.models import CoursePage, Question, QuestionChoice
from lms.errors import ExamNotAllowed, ExamRejected
from lms.models import Enrollment, ExamAttempt
from lms.selectors.exams import (
    exam_attempt_is_due,
    exam_attempts,
    exam_open_attempt,
    exam_start_blocker,
)
from lms.services.completion import enrollment_complete


def _stratified_sample(
    groups: Mapping[str, Sequence[Question]], count: int, rng: random.Random
) -> list[Question]:
    """Draw `count` questions so that each topic's share of the paper matches its share
    of the bank (largest-remainder apportionment, ties broken at random).

    Questions without a topic form one group of their own; a bank without topics is a
    plain random draw. Every question of a topic is equally likely to be drawn. Why
    proportional rather than equal numbers per topic: authors weight a topic simply by
    writing more questions for it, and no course setting is needed.
    """
    total = sum(len(questions) for questions in groups.values())
    quotas = {topic: Fraction(count * len(qs), total) for topic, qs in groups.items()}
    seats = {topic: int(quota) for topic, quota in quotas.items()}
    left = count - sum(seats.values())
    order = list(groups)
    rng.shuffle(order)  # random tie-break among equal remainders
    order.sort(key=lambda topic: quotas[topic] - seats[topic], reverse=True)
    for topic in order[:left]:
        seats[topic] += 1
    drawn: list[Question] = []
    for topic, questions in groups.items():
        drawn.extend(rng.sample(list(questions), seats[topic]))
    rng.shuffle(drawn)
    return drawn


def _paper_draw(*, course: CoursePage, rng: random.Random) -> list[dict]:
    """The paper for a new attempt: question ids in random order, each with its choice
    ids in the order shown (shuffled, except true-or-false, which keeps the author's)."""
    bank = [
        question
        for question in Question.objects.filter(course=course, active=True).prefetch_related(
            "choices"
        )
        # A question with a broken choice set (say, from an import) is never drawn.
        if not choice_set_errors(
            kind=question.kind, correct_flags=[c.correct for c in question.choices.all()]
        )
    ]
    if len(bank) < course.exam_question_count:
        raise ExamNotAllowed(ExamNotAllowed.BANK_TOO_SMALL, code="bank")
    groups: dict[str, list[Question]] = defaultdict(list)
    for question in bank:
        groups[question.topic.strip()].append(question)
    paper = []
    for question in _stratified_sample(groups, course.exam_question_count, rng):
        choice_ids = [choice.pk for choice in question.choices.all()]
        if question.kind != QuestionKind.TRUE_FALSE:
            rng.shuffle(choice_ids)
        paper.append({"id": question.pk, "choices": choice_ids})
    return paper


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validated_answers(
    *, attempt: ExamAttempt, answers: Mapping[int, Sequence[int]]
) -> dict[str, list[int]]:
    """The answers in the stored shape, or ExamRejected if any is not for this paper."""
    if not isinstance(answers, Mapping):
        raise ExamRejected(ExamRejected.MALFORMED, code="malformed")
    paper = {item["id"]: set(item["choices"]) for item in attempt.questions}
    kinds = dict(Question.objects.filter(pk__in=paper).values_list("pk", "kind"))
    cleaned: dict[str, list[int]] = {}
    for question_id, chosen in answers.items():
        if not _is_id(question_id):
            raise ExamRejected(ExamRejected.MALFORMED, code="malformed")
        if question_id not in paper or question_id not in kinds:
            raise ExamRejected(ExamRejected.UNKNOWN_QUESTION, code="unknown_question")
        if isinstance(chosen, str | bytes) or not isinstance(chosen, Sequence | set | frozenset):
            raise ExamRejected(ExamRejected.MALFORMED, code="malformed")
        chosen = list(chosen)
        if not all(_is_id(c) for c in chosen) or len(set(chosen)) != len(chosen):
            raise ExamRejected(ExamRejected.MALFORMED, code="malformed")
        if not set(chosen) <= paper[question_id]:
            raise ExamRejected(ExamRejected.UNKNOWN_CHOICE, code="unknown_choice")
        if not chosen:
            continue  # left unanswered
        if kinds[question_id] != QuestionKind.MULTIPLE and len(chosen) != 1:
            raise ExamRejected(ExamRejected.ONE_ANSWER, code="one_answer")
        cleaned[str(question_id)] = sorted(chosen)
    return cleaned


def _score(attempt: ExamAttempt) -> Decimal:
    """Percentage of questions answered exactly right, truncated to 2 decimals.

    Truncating keeps `score >= pass mark` equal to the exact comparison. A question
    removed from the bank since the draw counts neither for nor against the learner.
    """
    ids = [item["id"] for item in attempt.questions]
    existing = set(Question.objects.filter(pk__in=ids).values_list("pk", flat=True))
    correct: dict[int, set[int]] = defaultdict(set)
    for question_id, choice_id in QuestionChoice.objects.filter(
        question_id__in=existing, correct=True
    ).values_list("question_id", "pk"):
        correct[question_id].add(choice_id)
    scored = [question_id for question_id in ids if question_id in existing]
    if not scored:
        return Decimal("0.00")
    right = 0
    for question_id in scored:
        given = attempt.answers.get(str(question_id), [])
        if given and answer_is_correct(correct_indexes=correct[question_id], given_indexes=given):
            right += 1
    return Decimal(right * 10000 // len(scored)) / 100


def _still_open(attempt: ExamAttempt):
    """The attempt's row if nobody has submitted it yet. Every write goes through this
    condition, so of two racing requests only one changes the attempt, with or
    without row locks (SQLite has none)."""
    return ExamAttempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True)


def _finish(attempt: ExamAttempt, *, submitted_at: datetime) -> bool:
    """Score and close the attempt; False if another request closed it first."""
    attempt.submitted_at = submitted_at
    attempt.score = _score(attempt)
    attempt.passed = attempt.score >= attempt.enrollment.course.exam_pass_mark
    return bool(
        _still_open(attempt).update(
            answers=attempt.answers,
            submitted_at=attempt.submitted_at,
            score=attempt.score,
            passed=attempt.passed,
        )
    )


def _locked(attempt: ExamAttempt) -> ExamAttempt:
    return (
        ExamAttempt.objects.select_for_update()
        .select_related("enrollment__course")
        .get(pk=attempt.pk)
    )


def _after_scoring(attempt: ExamAttempt) -> None:
    if attempt.passed:
        enrollment_complete(enrollment_id=attempt.enrollment_id)


def exam_attempt_expire(*, attempt: ExamAttempt, now: datetime | None = None) -> ExamAttempt:
    """Score an open attempt past its time limit with the answers saved before it, as
    submitted at the limit. Anything else is returned unchanged (call it freely)."""
    now = now or timezone.now()
    if not exam_attempt_is_due(attempt=attempt, now=now):
        return attempt
    with transaction.atomic():
        attempt = _locked(attempt)
        if not exam_attempt_is_due(attempt=attempt, now=now):
            return attempt  # submitted meanwhile
        if not _finish(attempt, submitted_at=attempt.deadline):
            return _locked(attempt)
    _after_scoring(attempt)
    return attempt


def exam_attempt_start(*, enrollment: Enrollment, now: datetime | None = None) -> ExamAttempt:
    """Start an attempt at the course's final exam, or return the one already open.

    The learner needs an active enrolment with every lesson complete, an attempt
    left and the wait since the previous attempt over (ExamNotAllowed says which is
    missing). The paper is drawn with the system's random source.
    """
    now = now or timezone.now()
    previous = exam_open_attempt(enrollment=enrollment)
    if previous is not None:
        exam_attempt_expire(attempt=previous, now=now)
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update().select_related("course").get(pk=enrollment.pk)
        )
        attempts = exam_attempts(enrollment=enrollment)
        blocker = exam_start_blocker(enrollment=enrollment, attempts=attempts, now=now)
        if blocker is not None:
            raise blocker
        open_attempt = next((a for a in attempts if a.submitted_at is None), None)
        if open_attempt is not None:
            return open_attempt
        course = enrollment.course
        paper = _paper_draw(course=course, rng=random.SystemRandom())
        limit = course.exam_time_limit_minutes
        number = max((a.number for a in attempts), default=0) + 1
        try:
            with transaction.atomic():
                return ExamAttempt.objects.create(
                    enrollment=enrollment,
                    number=number,
                    started_at=now,
                    deadline=now + timedelta(minutes=limit) if limit else None,
                    questions=paper,
                )
        except IntegrityError:  # a concurrent request started it first (SQLite has no row lock)
            return ExamAttempt.objects.get(enrollment=enrollment, number=number)


def exam_attempt_save(
    *, attempt: ExamAttempt, answers: Mapping[int, Sequence[int]], now: datetime | None = None
) -> ExamAttempt:
    """Save the answers of an open attempt so that a lost connection loses nothing.

    The answers replace those saved before. An attempt found past its time limit is
    expired instead (see `exam_attempt_expire`): check `submitted_at` on the result.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked(attempt)
        if attempt.submitted_at is not None:
            raise ExamRejected(ExamRejected.ALREADY_SUBMITTED, code="submitted")
        if exam_attempt_is_due(attempt=attempt, now=now):
            if not _finish(attempt, submitted_at=attempt.deadline):
                raise ExamRejected(ExamRejected.ALREADY_SUBMITTED, code="submitted")
        else:
            attempt.answers = _validated_answers(attempt=attempt, answers=answers)
            if not _still_open(attempt).update(answers=attempt.answers):
                raise ExamRejected(ExamRejected.ALREADY_SUBMITTED, code="submitted")
            return attempt
    _after_scoring(attempt)
    return attempt


def exam_attempt_submit(
    *, attempt: ExamAttempt, answers: Mapping[int, Sequence[int]], now: datetime | None = None
) -> ExamAttempt:
    """Submit and score an attempt; it can never change afterwards.

    Each question counts all or nothing. Past the time limit and its grace, the
    answers sent now are ignored and the attempt is scored with those saved before,
    as submitted at the limit. A pass completes the course when all else is done.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked(attempt)
        if attempt.submitted_at is not None:
            raise ExamRejected(ExamRejected.ALREADY_SUBMITTED, code="submitted")
        if exam_attempt_is_due(attempt=attempt, now=now):
            submitted_at = attempt.deadline
        else:
            attempt.answers = _validated_answers(attempt=attempt, answers=answers)
            submitted_at = min(now, attempt.deadline) if attempt.deadline else now
        if not _finish(attempt, submitted_at=submitted_at):
            raise ExamRejected(ExamRejected.ALREADY_SUBMITTED, code="submitted")
    _after_scoring(attempt)
    return attempt
