"""Views of the course's final exam: thin, each parses the request and calls a service.

A learner only ever sees their own attempts: every lookup is filtered by the
logged-in user, so another learner's attempt is a 404 like a missing one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses.models import CoursePage
from lms.errors import ExamNotAllowed, ExamRejected
from lms.models import ExamAttempt
from lms.selectors import (
    exam_attempt_is_due,
    exam_attempt_of_learner,
    exam_enrollment,
    exam_open_attempt,
    exam_overview,
    exam_paper,
    exam_result,
)
from lms.services import (
    exam_attempt_expire,
    exam_attempt_save,
    exam_attempt_start,
    exam_attempt_submit,
)

ANSWER_PREFIX = "q-"


def _message(error) -> str:
    return " ".join(str(m) for m in error.messages)


def _answers_from_post(data: QueryDict, attempt: ExamAttempt) -> dict[int, list[int]]:
    """Turn `q-<question id>` = <position on the paper> fields into choice ids.

    The page names choices by position, not id (see `exam_paper`); anything that is
    not a question of this paper or a position it offers is refused.
    """
    paper = {item["id"]: item["choices"] for item in attempt.questions}
    answers: dict[int, list[int]] = {}
    for key in data:
        if not key.startswith(ANSWER_PREFIX):
            continue
        raw_id = key.removeprefix(ANSWER_PREFIX)
        if not raw_id.isdigit() or not raw_id.isascii():
            raise ExamRejected(ExamRejected.MALFORMED, code="malformed")
        question_id = int(raw_id)
        if question_id not in paper:
            raise ExamRejected(ExamRejected.UNKNOWN_QUESTION, code="unknown_question")
        choices = paper[question_id]
        chosen = []
        for raw in data.getlist(key):
            if not raw.isdigit() or not raw.isascii():
                raise ExamRejected(ExamRejected.MALFORMED, code="malformed")
            position = int(raw)
            if position >= len(choices):
                raise ExamRejected(ExamRejected.UNKNOWN_CHOICE, code="unknown_choice")
            chosen.append(choices[position])
        answers[question_id] = chosen
    return answers


def _own_attempt(request, attempt_id: int) -> ExamAttempt:
    attempt = exam_attempt_of_learner(learner=request.user, attempt_id=attempt_id)
    if attempt is None:
        raise Http404
    return attempt


def _render_paper(request, attempt: ExamAttempt, *, error: str = "", status: int = 200):
    return render(
        request,
        "lms/exam_attempt.html",
        {
            "attempt": attempt,
            "course": attempt.enrollment.course,
            "paper": exam_paper(attempt=attempt),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def exam(request, course_id: int):
    """The exam's rules, the learner's attempts, and the way to start or continue."""
    enrollment = exam_enrollment(learner=request.user, course_id=course_id)
    if enrollment is None:
        course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
        messages.info(request, ExamNotAllowed.NOT_ENROLLED)
        return redirect(course.url)
    open_attempt = exam_open_attempt(enrollment=enrollment)
    if open_attempt is not None:
        exam_attempt_expire(attempt=open_attempt)  # scored lazily, when next looked at
    return render(
        request,
        "lms/exam.html",
        {"course": enrollment.course, "overview": exam_overview(enrollment=enrollment)},
    )


@login_required
@require_POST
def exam_start(request, course_id: int):
    enrollment = exam_enrollment(learner=request.user, course_id=course_id)
    if enrollment is None:
        raise Http404
    try:
        attempt = exam_attempt_start(enrollment=enrollment)
    except ExamNotAllowed as error:
        messages.error(request, _message(error))
        return redirect("lms:exam", course_id=course_id)
    return redirect("lms:exam_attempt", attempt_id=attempt.pk)


@login_required
@require_GET
def attempt_paper(request, attempt_id: int):
    """The paper of an open attempt (a submitted one shows its result)."""
    attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is None and exam_attempt_is_due(attempt=attempt, now=timezone.now()):
        attempt = exam_attempt_expire(attempt=attempt)
        messages.warning(request, ExamRejected.TIME_UP)
    if attempt.submitted_at is not None:
        return redirect("lms:exam_result", attempt_id=attempt.pk)
    return _render_paper(request, attempt)


def _write_answers(request, attempt_id: int, *, submit: bool):
    attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is not None:
        messages.error(request, ExamRejected.ALREADY_SUBMITTED)
        return redirect("lms:exam_result", attempt_id=attempt.pk)
    now = timezone.now()
    late = exam_attempt_is_due(attempt=attempt, now=now)
    service = exam_attempt_submit if submit else exam_attempt_save
    try:
        # Past the time limit the answers sent are ignored, so they are not even read.
        answers = {} if late else _answers_from_post(request.POST, attempt)
        attempt = service(attempt=attempt, answers=answers, now=now)
    except ExamRejected as error:
        if error.code == "submitted":  # a second click won the race
            messages.error(request, _message(error))
            return redirect("lms:exam_result", attempt_id=attempt.pk)
        return _render_paper(request, attempt, error=_message(error), status=400)
    if late:
        messages.warning(request, ExamRejected.TIME_UP)
    if attempt.submitted_at is not None:
        return redirect("lms:exam_result", attempt_id=attempt.pk)
    messages.success(request, _("Your answers have been saved."))
    return redirect("lms:exam_attempt", attempt_id=attempt.pk)


@login_required
@require_POST
def attempt_save(request, attempt_id: int):
    return _write_answers(request, attempt_id, submit=False)


@login_required
@require_POST
def attempt_submit(request, attempt_id: int):
    return _write_answers(request, attempt_id, submit=True)


@login_required
@require_GET
def attempt_result(request, attempt_id: int):
    """Score, pass or fail, and each question with both answers and its explanation."""
    attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is None:
        return redirect("lms:exam_attempt", attempt_id=attempt.pk)
    return render(
        request,
        "lms/exam_result.html",
        {
            "attempt": attempt,
            "course": attempt.enrollment.course,
            "questions": exam_result(attempt=attempt),
        },
    )
