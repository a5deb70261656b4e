"""Thin views: parse the request, call a service or selector, answer."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses.models import CoursePage, LessonPage
from lms.errors import AssignmentNotAllowed
from lms.forms import AssignForm, CheckpointForm, HeartbeatForm
from lms.models import Enrollment, LessonProgress
from lms.selectors import (
    assignment_learners,
    institutions_assignable_by,
    learner_dashboard,
)
from lms.selectors.compliance_cache import learner_compliance_cached
from lms.services import (
    VideoReport,
    checkpoint_answer,
    course_assign,
    enrollment_create,
    enrollment_withdraw,
    heartbeat_record,
    lesson_open,
)

# Heartbeats are tiny; anything bigger is not one.
MAX_BEAT_BYTES = 2048


def _json_error(message, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": str(message)}, status=status)


def _json_body(request) -> dict | None:
    if len(request.body) > MAX_BEAT_BYTES:
        return None
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _messages_of(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


@login_required
@require_GET
def dashboard(request):
    context = learner_dashboard(learner=request.user, request=request)
    context["compliance"] = learner_compliance_cached(
        learner=request.user, year=timezone.localdate().year
    )
    return render(request, "lms/dashboard.html", context)


@login_required
@require_POST
def enrol(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        enrollment_create(learner=request.user, course=course)
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, _("You are enrolled. Open the first lesson to begin."))
    return redirect(course.url)


@login_required
@require_POST
def withdraw(request, course_id: int):
    enrollment = get_object_or_404(Enrollment, learner=request.user, course_id=course_id)
    try:
        enrollment_withdraw(enrollment=enrollment, actor=request.user)
    except ValidationError as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, _("You have withdrawn. Your progress is kept if you return."))
    return redirect("lms:dashboard")


@require_POST
def lesson_opened(request, lesson_id: int):
    if not request.user.is_authenticated:
        return _json_error(_("Please log in."), status=401)
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    progress = lesson_open(learner=request.user, lesson=lesson)
    if progress is None:
        return _json_error(_("You are not enrolled in this course."), status=404)
    return JsonResponse(
        {
            "study_seconds": progress.study_seconds,
            "lesson_complete": progress.completed_at is not None,
        }
    )


@require_POST
def heartbeat(request):
    if not request.user.is_authenticated:
        return _json_error(_("Please log in."), status=401)
    data = _json_body(request)
    if data is None:
        return _json_error(_("The study report is malformed."))
    lesson_id, restart, video = data.get("lesson"), data.get("restart", False), None
    # The page's regular beat, {"lesson": id} with perhaps "restart": true, is taken as
    # it is: binding the form deep-copies its six fields, a sixth of the beat's own cost.
    # The form cleans any other report, and would clean this one to the same values.
    plain = type(lesson_id) is int and lesson_id >= 1 and type(restart) is bool
    if not (plain and data.keys() <= {"lesson", "restart"}):
        form = HeartbeatForm(data)
        if not form.is_valid():
            return _json_error(_("The study report is malformed."))
        beat = form.cleaned_data
        lesson_id, restart = beat["lesson"], beat["restart"]
        if beat["video_block"]:
            video = VideoReport(
                block_id=beat["video_block"],
                start=beat["video_start"],
                end=beat["video_end"],
                duration=beat["video_duration"],
            )
    try:
        result = heartbeat_record(
            learner=request.user, lesson_id=lesson_id, video=video, restart=restart
        )
    except LessonProgress.DoesNotExist:
        return _json_error(_("You are not enrolled in this lesson's course."), status=404)
    except ValidationError as error:
        return _json_error(_messages_of(error))
    return JsonResponse(
        {
            "credited_seconds": result.credited_seconds,
            "study_seconds": result.study_seconds,
            "lesson_complete": result.lesson_complete,
            "course_complete": result.course_complete,
        }
    )


@require_POST
def checkpoint(request):
    """Answers come from the page's script (JSON back) or, without it, a plain form
    post (back to the lesson, with the outcome as a message)."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not request.user.is_authenticated:
        return _json_error(_("Please log in."), status=401)
    form = CheckpointForm(request.POST)
    if not form.is_valid():
        return _json_error(_("Choose one of the offered answers."))
    lesson_id = form.cleaned_data["lesson"]
    try:
        result = checkpoint_answer(
            learner=request.user,
            lesson_id=lesson_id,
            block_id=form.cleaned_data["block"],
            answer=form.cleaned_data["answer"],
        )
    except LessonProgress.DoesNotExist:
        return _json_error(_("You are not enrolled in this lesson's course."), status=404)
    except ValidationError as error:
        return _json_error(_messages_of(error))
    if not wants_json:
        messages.info(request, _("Correct.") if result.correct else _("Not quite."))
        return redirect(get_object_or_404(LessonPage, pk=lesson_id).url)
    return JsonResponse(
        {
            "correct": result.correct,
            "explanation": result.explanation,
            "lesson_complete": result.lesson_complete,
        }
    )


@login_required
def assign(request):
    institutions = institutions_assignable_by(user=request.user)
    form = AssignForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        learners = assignment_learners(
            person=data.get("person_user"),
            department=data.get("department"),
            institution=data.get("institution"),
        )
        try:
            enrollments = course_assign(
                course=data["course"],
                learners=learners,
                due_date=data["due_date"],
                assigned_by=request.user,
            )
        except (AssignmentNotAllowed, ValidationError) as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(
                request,
                _("Assigned “%(course)s” to %(count)d people.")
                % {"course": data["course"].title, "count": len(enrollments)},
            )
            return redirect("lms:assign")
    return render(request, "lms/assign.html", {"form": form})
